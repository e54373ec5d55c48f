package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/crypto/keyring"
)

// The passphrase of a profile wraps its key file (keyfile.go); the store
// itself is encrypted with the master key inside, which never changes. So
// a change of passphrase, and the wrapping again of a key file made before
// passphrases were normalised (keyring's normalize.go), only replace
// master-key.age: a new file written beside it and renamed over it, so
// that a crash leaves the old file or the new one, never neither and
// never half of one. Every replacement holds the profile's lock and
// checks that the file is still the one it unwrapped.

// ErrShortPassphrase is returned for a new passphrase shorter than
// keyring.MinPassphrase characters; nothing is changed.
var ErrShortPassphrase = keyring.ErrShortPassphrase

// errKeyFileChanged means the key file changed between reading and
// replacing it: another program replaced it first.
var errKeyFileChanged = errors.New("the key file was changed by another program meanwhile; nothing was changed: try again")

// ProfileKind returns the kind of the profile in dir (KindCommune,
// KindDistrict or KindNode) without unlocking it.
func ProfileKind(dir string) (string, error) {
	mb, err := os.ReadFile(filepath.Join(dir, markerFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%w in %s", ErrNoProfile, dir)
	}
	if err != nil {
		return "", err
	}
	var m marker
	if err := json.Unmarshal(mb, &m); err != nil || m.Format != 1 || m.Kind == "" {
		return "", fmt.Errorf("%w: %s is not a profile marker this version understands", ErrDamaged, filepath.Join(dir, markerFile))
	}
	return m.Kind, nil
}

// ChangePassphrase wraps the key of the profile in dir, of any kind,
// under newPass instead of oldPass. The store is not opened, and nothing
// in it is encrypted again: the same key, under another passphrase, at
// the work factor the key file had. A new passphrase shorter than
// keyring.MinPassphrase characters gives ErrShortPassphrase, a wrong old
// one ErrWrongPassphrase, a profile open in another program ErrInUse; in
// each case nothing is changed.
//
// Copies of the profile made before the change (a backup, a stolen disk
// image) still open with the old passphrase: a change protects what is
// written from now on against someone who learnt the old one, not those
// copies.
func ChangePassphrase(dir string, oldPass, newPass []byte) error {
	if err := keyring.CheckNew(newPass); err != nil {
		return err
	}
	kind, err := ProfileKind(dir)
	if err != nil {
		return err
	}
	lock, err := lockProfile(dir)
	if err != nil {
		return err
	}
	defer lock.Close()
	return changeKeyFile(dir, kind, oldPass, newPass)
}

// ChangePassphrase is [ChangePassphrase] for the store's own profile,
// while it is open (the store holds the profile's lock).
func (s *Store) ChangePassphrase(oldPass, newPass []byte) error {
	if err := keyring.CheckNew(newPass); err != nil {
		return err
	}
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	s.mu.Lock()
	closed := s.db == nil
	s.mu.Unlock()
	if closed {
		return ErrClosed
	}
	// The marker's kind: a profile record from before kinds were kept
	// has none.
	kind, err := ProfileKind(s.dir)
	if err != nil {
		return err
	}
	return changeKeyFile(s.dir, kind, oldPass, newPass)
}

// changeKeyFile is ChangePassphrase once the profile is locked.
func changeKeyFile(dir, kind string, oldPass, newPass []byte) error {
	u, err := unlockKeyFile(dir, oldPass, kind, "pass the right --profile")
	if err != nil {
		return err
	}
	return rewrapKeyFile(dir, u.wrapped, encodeKeyFile(u.key, u.ident), newPass)
}

// rewrapKeyFile replaces the key file of dir, which must still hold was,
// by plain wrapped under pass at was's work factor. The caller holds the
// profile's lock. The new file is unwrapped again before it replaces the
// old one: a mistake here would lock the officer out of every record.
func rewrapKeyFile(dir string, was, plain, pass []byte) error {
	defer debug.FreeOSMemory() // scrypt's memory, as in Open
	wf, err := keyring.WorkFactorOf(was)
	if err != nil || keyring.CheckWorkFactor(wf) != nil {
		wf = 0 // the default
	}
	w, err := keyring.Wrap(plain, pass, wf)
	if err != nil {
		return err
	}
	got, rewrap, err := keyring.Unlock(w, pass)
	if err != nil || rewrap || !bytes.Equal(got, plain) {
		return fmt.Errorf("the key wrapped under the new passphrase did not unwrap to the same key (%v); nothing was changed", err)
	}
	cur, err := os.ReadFile(filepath.Join(dir, keyFile))
	if err != nil {
		return fmt.Errorf("%w: the key file is missing or unreadable (%v)", ErrDamaged, err)
	}
	if !bytes.Equal(cur, was) {
		return errKeyFileChanged
	}
	return writeKeyFile(dir, w)
}

// rewrapLegacy wraps the key file of a profile just unlocked with the
// passphrase as typed again under its NFC form, so that the next unlock
// works however the passphrase is typed. It is best effort: the profile
// opened, and a failure (a read-only disk) only means the same work at the
// next unlock. lock tells whether the caller must take the profile's lock
// (and skips the work when another program holds it).
func rewrapLegacy(dir string, u unlockedKey, pass []byte, lock bool, log *slog.Logger) {
	if !u.rewrap {
		return
	}
	if log == nil {
		log = slog.Default()
	}
	if lock {
		f, err := lockProfile(dir)
		if err != nil {
			return // the program holding it will do it
		}
		defer f.Close()
	}
	if err := rewrapKeyFile(dir, u.wrapped, encodeKeyFile(u.key, u.ident), pass); err != nil {
		log.Warn("the profile's key file was wrapped under the passphrase as typed, not its Unicode NFC form; wrapping it again failed, the next unlock tries again", "profile", dir, "err", err)
		return
	}
	log.Info("the profile's key file is now wrapped under the passphrase's Unicode NFC form: it opens however the passphrase's marks are typed", "profile", dir)
}

// writeKeyTemp writes the new key file's bytes; tests make it fail.
var writeKeyTemp = func(f *os.File, b []byte) error {
	_, err := f.Write(b)
	return err
}

// writeKeyFile replaces the key file of dir by b, atomically: a temporary
// file of its own name (two programs never write the same one), fsync,
// rename, fsync of the directory. A temporary file left by a crash holds a
// wrapped key, never the key in the clear; the next replacement removes
// it. The caller holds the profile's lock.
func writeKeyFile(dir string, b []byte) error {
	path := filepath.Join(dir, keyFile)
	if left, _ := filepath.Glob(path + ".*.tmp"); len(left) > 0 {
		for _, l := range left {
			os.Remove(l)
		}
	}
	f, err := os.CreateTemp(dir, keyFile+".*.tmp")
	if err != nil {
		return fmt.Errorf("writing the new key file: %w", err)
	}
	tmp := f.Name()
	err = f.Chmod(0o600)
	if err == nil {
		err = writeKeyTemp(f, b)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = renameReplace(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing the new key file (the old one is kept, nothing was changed): %w", err)
	}
	if err := SyncDir(dir); err != nil {
		return fmt.Errorf("the new key file is in place, but its directory could not be synced (%v): should the computer lose power in the next seconds, the old passphrase may open the profile once more", err)
	}
	return nil
}

// SetDistrictKeys keeps d as the district profile's keys (a new
// generation of the batch key): the key file is written again under
// pass, the same way a change of passphrase writes it. The root key and
// generation 0 cannot change, and no generation is ever dropped: a key
// that devices sealed batches to must stay to open them.
func (s *Store) SetDistrictKeys(pass []byte, d *identity.District) error {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	s.mu.Lock()
	closed := s.db == nil
	held := s.district
	s.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if held == nil {
		return errors.New("this profile holds no district keys")
	}
	if !held.Sign.Equal(d.Sign) || held.Age.String() != d.Age.String() || len(d.Batch) < len(held.Batch) {
		return errors.New("the district's root key, its first batch key and the batch keys it holds cannot change")
	}
	for i, k := range held.Batch {
		if d.Batch[i].Gen != k.Gen || d.Batch[i].Age.String() != k.Age.String() {
			return errors.New("the batch keys the district holds cannot change")
		}
	}
	u, err := unlockKeyFile(s.dir, pass, KindDistrict, "pass the right --profile")
	if err != nil {
		return err
	}
	ident, err := d.MarshalBinary()
	if err != nil {
		return err
	}
	if err := rewrapKeyFile(s.dir, u.wrapped, encodeKeyFile(u.key, ident), pass); err != nil {
		return err
	}
	s.mu.Lock()
	s.district = d
	s.mu.Unlock()
	return nil
}
