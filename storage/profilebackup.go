package storage

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"filippo.io/age"
	"github.com/dgraph-io/badger/v4"
	"github.com/klauspost/compress/zstd"

	"github.com/communekit/communekit/crypto/keyring"
)

// A profile backup (`kitctl profile backup`, the app's "Sao lưu") is the
// whole profile in one file, sealed with age to the profile's passphrase
// (scrypt, at the key file's work factor): the marker, the key file as it
// is, and a Badger backup of the store (every key, read in one snapshot,
// so the copy is consistent while the app keeps saving). Inside the age
// stream, "CKPBAK1\n" and then, compressed with zstd (a Badger backup is
// its keys and values uncompressed, some three times the store on disk):
//
//	uint32 length, BackupHeader JSON
//	uint32 length, the marker file
//	uint32 length, the key file
//	the Badger backup stream, to the end
//
// A backup restores into a new directory only, and a restored profile is a
// copy of a device: it is given a new device identity as it first opens
// (handover.go), never pushes under the old one.
const profileBackupMagic = "CKPBAK1\n"

// backupWindow is the zstd window of a backup (and the most a restore
// accepts): memory, not ratio, is what a 4 GB laptop counts.
const backupWindow = 4 << 20

// metaLastBackup names when the last backup of this profile was made
// (BackupRecord JSON).
const metaLastBackup = "backup/last"

// BackupHeader says what a profile backup holds.
type BackupHeader struct {
	Format  int    `json:"format"`
	Device  string `json:"device"`
	Commune string `json:"commune"`
	Officer string `json:"officer"`
	Made    int64  `json:"made"` // unix seconds
	// Host and Dir are where the profile was: a restore on the same
	// computer finds the original still there.
	Host string `json:"host"`
	Dir  string `json:"dir"`
}

// BackupRecord is the profile's note of its last backup.
type BackupRecord struct {
	Made  time.Time `json:"made"`
	File  string    `json:"file"`
	Bytes int64     `json:"bytes"`
}

// ErrBackupExists means the backup's file is there already.
var ErrBackupExists = errors.New("the file exists already: a backup never replaces a file; choose another name")

// BackupProfile writes the whole profile to path, sealed with passphrase
// (which must be the profile's: it is checked against the key file first,
// so that a backup always opens with the passphrase the officer knows).
// The file is written to a temporary name, synced and renamed; the store
// records when and where (LastBackup).
func (s *Store) BackupProfile(path string, passphrase []byte) (BackupRecord, error) {
	var rec BackupRecord
	if s.db == nil {
		return rec, ErrClosed
	}
	if s.profile.Kind != KindCommune {
		return rec, fmt.Errorf("only a commune profile is backed up this way (a district's nodes: `kitctl district backup`)")
	}
	if _, err := os.Stat(path); err == nil {
		return rec, fmt.Errorf("%s: %w", path, ErrBackupExists)
	}
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || !fi.IsDir() {
		return rec, fmt.Errorf("the directory %s does not exist: insert the stick or choose another folder", filepath.Dir(path))
	}
	s.keyMu.Lock()
	wrapped, err := os.ReadFile(filepath.Join(s.dir, keyFile))
	s.keyMu.Unlock()
	if err != nil {
		return rec, fmt.Errorf("%w: the key file is missing or unreadable (%v)", ErrDamaged, err)
	}
	if _, _, err := keyring.Unlock(wrapped, passphrase); err != nil {
		if errors.Is(err, keyring.ErrWrongPassphrase) {
			return rec, ErrWrongPassphrase
		}
		return rec, fmt.Errorf("%w: %s: %v", ErrDamaged, keyFile, err)
	}
	marker, err := os.ReadFile(filepath.Join(s.dir, markerFile))
	if err != nil {
		return rec, err
	}
	wf, err := keyring.WorkFactorOf(wrapped)
	if err != nil || keyring.CheckWorkFactor(wf) != nil {
		wf = keyring.DefaultWorkFactor
	}
	abs, _ := filepath.Abs(s.dir)
	host, _ := os.Hostname()
	now := s.now().UTC().Truncate(time.Second)
	hb, _ := json.Marshal(BackupHeader{Format: 1, Device: string(s.profile.Device), Commune: s.profile.Commune,
		Officer: s.profile.Officer, Made: now.Unix(), Host: host, Dir: abs})

	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return rec, fmt.Errorf("writing the backup: %w", err)
	}
	fail := func(err error) (BackupRecord, error) {
		f.Close()
		os.Remove(tmp)
		return rec, fmt.Errorf("writing the backup to %s: %w (nothing was written)", path, err)
	}
	r, err := age.NewScryptRecipient(string(keyring.NFC(passphrase)))
	if err != nil {
		return fail(err)
	}
	r.SetWorkFactor(wf)
	bw := bufio.NewWriterSize(f, 1<<20)
	w, err := age.Encrypt(bw, r)
	if err != nil {
		return fail(err)
	}
	if _, err := io.WriteString(w, profileBackupMagic); err != nil {
		return fail(err)
	}
	zw, err := zstd.NewWriter(w, zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(backupWindow))
	if err != nil {
		return fail(err)
	}
	var head bytes.Buffer
	for _, part := range [][]byte{hb, marker, wrapped} {
		head.Write(binary.BigEndian.AppendUint32(nil, uint32(len(part))))
		head.Write(part)
	}
	if _, err := zw.Write(head.Bytes()); err != nil {
		return fail(err)
	}
	// One read snapshot of the whole store: saves go on meanwhile.
	if _, err := s.db.Backup(zw, 0); err != nil {
		return fail(err)
	}
	if err := zw.Close(); err != nil {
		return fail(err)
	}
	if err := w.Close(); err != nil {
		return fail(err)
	}
	if err := bw.Flush(); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	fi, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return rec, err
	}
	if _, err := os.Stat(path); err == nil {
		os.Remove(tmp)
		return rec, fmt.Errorf("%s: %w", path, ErrBackupExists)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return rec, err
	}
	if err := SyncDir(filepath.Dir(path)); err != nil {
		return rec, err
	}
	rec = BackupRecord{Made: now, File: path, Bytes: fi.Size()}
	b, _ := json.Marshal(rec)
	if err := s.PutMeta(metaLastBackup, b); err != nil {
		return rec, fmt.Errorf("the backup %s is written, but the profile could not note it: %w", path, err)
	}
	return rec, nil
}

// LastBackup returns the profile's note of its last backup; ok is false
// when none was made.
func (s *Store) LastBackup() (rec BackupRecord, ok bool, err error) {
	b, err := s.GetMeta(metaLastBackup)
	if errors.Is(err, ErrNotFound) {
		return rec, false, nil
	}
	if err != nil {
		return rec, false, err
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return rec, false, fmt.Errorf("%w: the note of the last backup: %v", ErrDamaged, err)
	}
	return rec, true, nil
}

// BackupDue is how long a profile goes without a backup before it is
// reminded.
const BackupDue = 7 * 24 * time.Hour

// ErrOriginalHere means a backup is being restored on the computer where
// the profile it was made from still is.
var ErrOriginalHere = errors.New("the profile this backup was made from is still on this computer")

// RestoreOptions tune RestoreProfile.
type RestoreOptions struct {
	// Force restores even when the original profile is still on this
	// computer (ErrOriginalHere).
	Force bool
	// Now is the wall clock (time.Now if nil).
	Now func() time.Time
}

// RestoreProfile restores the backup read from r into dir, a new or empty
// directory, with the profile's passphrase. It refuses, before writing
// anything, a wrong passphrase, a file that is not a profile backup, a
// directory that holds anything, and — without o.Force — a backup whose
// original profile is still where it was on this computer (two copies of
// one device on one computer: work in the original). The restored profile
// is marked as restored: the first Open gives it a new device identity
// (handover.go). It returns the backup's header.
func RestoreProfile(r io.Reader, dir string, passphrase []byte, o RestoreOptions) (BackupHeader, error) {
	var h BackupHeader
	id, err := age.NewScryptIdentity(string(keyring.NFC(passphrase)))
	if err != nil {
		return h, ErrWrongPassphrase
	}
	id.SetMaxWorkFactor(keyring.MaxWorkFactor)
	ar, err := age.Decrypt(r, id)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			return h, fmt.Errorf("%w (or the file is not a profile backup)", ErrWrongPassphrase)
		}
		return h, fmt.Errorf("not a communekit profile backup, or damaged: %v", err)
	}
	magic := make([]byte, len(profileBackupMagic))
	if _, err := io.ReadFull(ar, magic); err != nil || string(magic) != profileBackupMagic {
		return h, errors.New("not a communekit profile backup (it opens with this passphrase, but holds something else)")
	}
	zr, err := zstd.NewReader(ar, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(backupWindow))
	if err != nil {
		return h, err
	}
	defer zr.Close()
	br := bufio.NewReaderSize(zr, 1<<20)
	var parts [3][]byte
	for i := range parts {
		var n [4]byte
		if _, err := io.ReadFull(br, n[:]); err != nil {
			return h, fmt.Errorf("the backup is cut short or damaged: %v", err)
		}
		l := binary.BigEndian.Uint32(n[:])
		if l > keyring.MaxWrappedSize {
			return h, fmt.Errorf("the backup is damaged: a part of %d bytes", l)
		}
		parts[i] = make([]byte, l)
		if _, err := io.ReadFull(br, parts[i]); err != nil {
			return h, fmt.Errorf("the backup is cut short or damaged: %v", err)
		}
	}
	if err := json.Unmarshal(parts[0], &h); err != nil || h.Format != 1 {
		return h, fmt.Errorf("the backup's header is not one this version reads (%v)", err)
	}
	var m marker
	if err := json.Unmarshal(parts[1], &m); err != nil || m.Format != 1 || m.Kind != KindCommune {
		return h, errors.New("the backup's profile marker is not a commune profile's")
	}
	plain, _, err := keyring.Unlock(parts[2], passphrase)
	if err != nil {
		if errors.Is(err, keyring.ErrWrongPassphrase) {
			// The file was sealed under this passphrase, its key file
			// under another: a change of passphrase in between.
			return h, fmt.Errorf("%w for the profile's key file inside the backup: give the passphrase the profile had when the backup was made", ErrWrongPassphrase)
		}
		return h, fmt.Errorf("%w: the backup's key file: %v", ErrDamaged, err)
	}
	key, _, err := decodeKeyFile(plain)
	if err != nil {
		return h, err
	}
	if !o.Force {
		if err := originalHere(h); err != nil {
			return h, err
		}
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return h, fmt.Errorf("directory %s is not empty: restore into a new or empty directory", dir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return h, err
	}
	// Built beside dir and renamed into place: a restore cut short
	// leaves no half profile under the name.
	tmp := filepath.Clean(dir) + ".restoring"
	if err := os.RemoveAll(tmp); err != nil {
		return h, err
	}
	if err := os.MkdirAll(filepath.Join(tmp, storeDir), 0o700); err != nil {
		return h, err
	}
	failed := func(err error) (BackupHeader, error) {
		os.RemoveAll(tmp)
		return h, fmt.Errorf("restoring the backup: %w (nothing was restored)", err)
	}
	if err := WriteFileAtomic(filepath.Join(tmp, keyFile), parts[2]); err != nil {
		return failed(err)
	}
	opts := Options{Kind: KindCommune, GCInterval: -1, Now: o.Now}
	s, err := openDB(tmp, key, opts)
	if err != nil {
		return failed(err)
	}
	if err := s.db.Load(br, 64); err != nil {
		s.db.Close()
		return failed(fmt.Errorf("the backup's store is cut short or damaged: %v", err))
	}
	now := opts.now()().UTC().Truncate(time.Second)
	rb, _ := json.Marshal(restoredNote{From: h.Device, Made: time.Unix(h.Made, 0).UTC(), Restored: now})
	if err := s.db.Update(func(txn *badger.Txn) error {
		return txn.Set([]byte(prefixUserMeta+metaRestored), rb)
	}); err != nil {
		s.db.Close()
		return failed(err)
	}
	if err := s.db.Close(); err != nil {
		return failed(err)
	}
	if err := WriteFileAtomic(filepath.Join(tmp, markerFile), parts[1]); err != nil {
		return failed(err)
	}
	if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return failed(err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return failed(err)
	}
	if err := SyncDir(filepath.Dir(filepath.Clean(dir))); err != nil {
		return h, err
	}
	return h, nil
}

// originalHere refuses a restore on the computer that still holds the
// profile the backup was made from.
func originalHere(h BackupHeader) error {
	host, _ := os.Hostname()
	if h.Host == "" || host != h.Host || h.Dir == "" {
		return nil
	}
	if _, err := ProfileCommune(h.Dir); err != nil {
		return nil // gone, or no profile there any more
	}
	inUse := ""
	if f, err := lockProfile(h.Dir); err != nil {
		inUse = ", and it is open in a program right now"
	} else if f != nil {
		f.Close()
	}
	return fmt.Errorf("%w: %s (device %s)%s. Keep working in it: a restore is for a laptop that lost its profile. "+
		"A restored copy becomes a new device, and once the district signs its enrolment the original can no longer send its work. "+
		"To restore here anyway, give --force", ErrOriginalHere, h.Dir, h.Device, inUse)
}
