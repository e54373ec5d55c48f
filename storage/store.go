package storage

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"

	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/crypto/keyring"
	"github.com/communekit/communekit/storage/syserr"
)

// Files of a profile directory. Only the marker is plaintext, and it holds
// no personal data: a format number and the kind of profile.
const (
	markerFile = "communekit-profile.json"
	keyFile    = "master-key.age"
	storeDir   = "store"
)

var (
	// ErrWrongPassphrase means the passphrase does not unlock the profile.
	ErrWrongPassphrase = errors.New("wrong passphrase: the profile was not opened and nothing was changed")
	// ErrNoProfile means the directory holds no communekit profile.
	ErrNoProfile = errors.New("no communekit profile here")
	// ErrProfileExists is returned by Create for a directory that already has one.
	ErrProfileExists = errors.New("a communekit profile already exists here")
	// ErrDamaged means the profile exists but its files are damaged or foreign.
	ErrDamaged = errors.New("the profile's data is damaged or belongs to another installation")
	// ErrReadOnly means the profile's files cannot be written: a read-only
	// disk (a CD, a write-protected stick) or no permission.
	ErrReadOnly = errors.New("the profile cannot be written (a read-only disk, or no permission to write its directory)")
	// ErrNewerVersion means the profile was written by a newer version of
	// communekit, whose key layout this one does not know (layout.go).
	ErrNewerVersion = errors.New("the profile was written by a newer version of communekit: install that version (or a later one) to open it; nothing was changed")
	// ErrInUse means another process has the profile open.
	ErrInUse = errors.New("the profile is open in another program (the communekit app, another kitctl command or a district node): close it, or let it finish, and try again; nothing was changed")
	// ErrNotFound means no record has the given identifier.
	ErrNotFound = errors.New("not found")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("store is closed")
)

// Profile is what a store knows about itself; it is kept inside the
// encrypted store, never beside it.
type Profile struct {
	Kind     string    `json:"kind,omitempty"`     // KindCommune when empty
	District string    `json:"district,omitempty"` // district name (district profiles)
	Commune  string    `json:"commune"`
	Officer  string    `json:"officer"`
	Device   DeviceID  `json:"device"`
	Created  time.Time `json:"created"`
}

// marker is the only plaintext file of a store (the desktop app keeps its
// display settings beside it, app/vm/settings.go). The commune code is not
// personal data and lets `kitctl generate` and the unlock screen name the
// commune before the passphrase is typed.
type marker struct {
	Format  int    `json:"format"`
	Kind    string `json:"kind"`
	Commune string `json:"commune,omitempty"`
}

// ProfileCommune returns the commune code of the profile in dir without
// unlocking it.
func ProfileCommune(dir string) (string, error) {
	mb, err := os.ReadFile(filepath.Join(dir, markerFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%w in %s", ErrNoProfile, dir)
	}
	if err != nil {
		return "", err
	}
	var m marker
	if err := json.Unmarshal(mb, &m); err != nil {
		return "", fmt.Errorf("%w: %s: %v", ErrDamaged, markerFile, err)
	}
	return m.Commune, nil
}

type counters struct {
	Seq    uint64 `json:"seq"`    // last operation sequence number of this device
	Entity uint64 `json:"entity"` // last record counter of this device
	HLC    HLC    `json:"hlc"`    // last clock reading issued

	// How many persons and households the store holds, kept with every
	// write so the overview need not walk 100,000 records to count them.
	Persons    uint64 `json:"persons"`
	Households uint64 `json:"households"`
	Counted    bool   `json:"counted"` // false in stores made before the counts were kept

	// Feed is the number of the last operation in the district feed
	// (district nodes, see ApplyOps).
	Feed uint64 `json:"feed,omitempty"`
	// Seen is the newest clock of any operation applied from elsewhere:
	// the store's own sense of "now" for conflicts that depend on time
	// (a move out with no move in), the same on every store.
	Seen HLC `json:"seen,omitempty"`
	// Now is the newest time a district's leader wrote into the entries
	// this node applied: a node's sense of "now" (a device's clock must
	// not decide how old a move out is).
	Now HLC `json:"-"` // kept under m:x:position/now
	// Notices numbers the district's conflict notices (notice.go).
	Notices uint64 `json:"notices,omitempty"`
}

// metaNow names a district node's time (counters.Now), as a position.
const metaNow = PositionMetaPrefix + "now"

// Options tune a store; the zero value is right for a commune laptop.
type Options struct {
	// Kind is the kind of profile Open expects (KindCommune when empty).
	Kind string
	// WorkFactor is the scrypt work factor used when creating a profile:
	// keyring.DefaultWorkFactor when 0; Create refuses one outside
	// keyring.MinWorkFactor to keyring.MaxWorkFactor. A change of
	// passphrase keeps the factor the key file has.
	WorkFactor int
	// Logger receives Badger's and the store's logs (slog.Default if nil).
	Logger *slog.Logger
	// Now is the wall clock (time.Now if nil); tests set it.
	Now func() time.Time
	// GCInterval is how often value-log GC runs (10 minutes if 0, never if < 0).
	GCInterval time.Duration
	// MinFree is the free disk space, in bytes, below which the store
	// refuses to open or write with ErrDiskFull (DefaultMinFree if 0,
	// never if < 0; never for a district node's store).
	MinFree int64
	// BlockCache is the size in bytes of Badger's cache of decrypted
	// blocks (8 MB for a commune store if 0): the desktop app, which holds
	// a window's memory besides, asks for less.
	BlockCache int64
}

// Store is the encrypted store of one commune device.
type Store struct {
	dir     string
	db      *badger.DB
	log     *slog.Logger
	now     func() time.Time
	profile Profile
	clock   *Clock

	device   *identity.Device   // commune profiles
	district *identity.District // district profiles

	mu  sync.Mutex // serialises writes and guards ctr
	ctr counters
	// writes counts the write transactions committed since the store
	// opened (Changes).
	writes atomic.Uint64

	keyMu sync.Mutex // serialises changes of the key file (passphrase.go)

	minFree int64    // see Options.MinFree; -1: no guard
	lock    *os.File // the profile directory, flocked while open (lock_unix.go)

	stopGC context.CancelFunc
	gcDone chan struct{}
}

// Create makes a new profile in dir (which must be empty or absent): a
// random 32-byte master key wrapped under passphrase (in Unicode NFC, so
// that it opens however an input method composes its letters), and an
// encrypted store holding the profile.
func Create(dir string, passphrase []byte, p Profile, o Options) (*Store, error) {
	if len(passphrase) == 0 {
		return nil, keyring.ErrEmptyPassphrase
	}
	if err := keyring.CheckWorkFactor(o.WorkFactor); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, markerFile)); err == nil {
		return nil, fmt.Errorf("%w: %s", ErrProfileExists, dir)
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("directory %s is not empty: choose an empty or new directory for the profile", dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	lock, err := lockProfile(dir)
	if err != nil {
		return nil, err
	}
	s, err := create(dir, passphrase, p, o)
	if err != nil {
		lock.Close()
		return nil, err
	}
	s.lock = lock
	return s, nil
}

// create is Create once the directory is made and locked.
func create(dir string, passphrase []byte, p Profile, o Options) (*Store, error) {
	if p.Kind == "" {
		p.Kind = KindCommune
	}
	if err := checkFree(dir, minFreeOf(p.Kind, o)); err != nil {
		return nil, err
	}
	if p.Device == "" {
		p.Device = NewDeviceID()
	}
	var ident []byte
	var dev *identity.Device
	var dist *identity.District
	switch p.Kind {
	case KindCommune:
		var err error
		if dev, err = identity.NewDevice(string(p.Device)); err == nil {
			ident, err = dev.MarshalBinary()
		}
		if err != nil {
			return nil, err
		}
	case KindDistrict:
		var err error
		if dist, err = identity.NewDistrict(p.District); err == nil {
			ident, err = dist.MarshalBinary()
		}
		if err != nil {
			return nil, err
		}
		p.District = dist.Name
	case KindNode:
		// A node's keys are the district's, read from the district
		// profile; its own key file holds only the store key.
	default:
		return nil, fmt.Errorf("unknown profile kind %q", p.Kind)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	wrapped, err := keyring.Wrap(encodeKeyFile(key, ident), passphrase, o.WorkFactor)
	if err != nil {
		return nil, err
	}
	if err := WriteFileAtomic(filepath.Join(dir, keyFile), wrapped); err != nil {
		return nil, err
	}
	now := o.now()
	o.Kind = p.Kind
	if p.Created.IsZero() {
		p.Created = now().UTC().Truncate(time.Second)
	}
	s, err := openDB(dir, key, o)
	if err != nil {
		return nil, err
	}
	pb, _ := json.Marshal(p)
	cb, _ := json.Marshal(counters{Counted: true})
	err = s.update(func(txn *badger.Txn) error {
		if err := txn.Set([]byte(keyMetaProfile), pb); err != nil {
			return err
		}
		if err := txn.Set([]byte(keyMetaLayout), layoutBytes(layoutCurrent)); err != nil {
			return err
		}
		if here, ok := placeOf(dir); ok && p.Kind == KindCommune {
			// Where the profile is: a copy elsewhere is a new device (handover.go).
			pb, _ := json.Marshal(here)
			if err := txn.Set([]byte(prefixUserMeta+metaPlace), pb); err != nil {
				return err
			}
		}
		return txn.Set([]byte(keyMetaCounters), cb)
	})
	if err != nil {
		s.db.Close()
		return nil, err
	}
	mb, _ := json.Marshal(marker{Format: 1, Kind: p.Kind, Commune: p.Commune})
	// The marker is written last: a directory without it is a setup that
	// did not finish, never mistaken for a profile.
	if err := WriteFileAtomic(filepath.Join(dir, markerFile), mb); err != nil {
		s.db.Close()
		return nil, err
	}
	s.profile = p
	// The counters as written above: a zero ctr would save Counted false
	// with the first write, and the next Open would recount and rewrite
	// them (a district node's digest then differs from its peers').
	s.ctr = counters{Counted: true}
	s.device, s.district = dev, dist
	s.clock = NewClock(0, s.now)
	s.startGC(o.GCInterval)
	return s, nil
}

// Open unlocks the profile in dir with passphrase, in any Unicode form of
// its letters. A wrong passphrase gives ErrWrongPassphrase and touches
// nothing; missing or damaged files give errors wrapping ErrNoProfile or
// ErrDamaged, never an empty store. A key file wrapped under the bytes as
// typed (before passphrases were normalised) opens with those bytes, and
// is then wrapped again under their NFC form (passphrase.go).
func Open(dir string, passphrase []byte, o Options) (*Store, error) {
	want := o.Kind
	if want == "" {
		want = KindCommune
	}
	u, err := unlockKeyFile(dir, passphrase, want, "run `kitctl init` first, or pass the right --profile")
	if err != nil {
		return nil, err
	}
	// Held until Close: the checks below remove files and would race
	// with another process writing the same profile, and Badger's own
	// lock would be reported as damage.
	lock, err := lockProfile(dir)
	if err != nil {
		return nil, err
	}
	s, err := openUnlocked(dir, u.m, u.key, u.ident, o)
	if err != nil {
		lock.Close()
		return nil, err
	}
	s.lock = lock
	if u.m.Kind == KindCommune {
		// A copy of a device becomes a new device before anything is
		// saved (handover.go).
		if err := s.checkCopy(passphrase, u.key); err != nil {
			s.Close()
			return nil, err
		}
	}
	// A key file wrapped under the passphrase as typed, before
	// passphrases were normalised, is wrapped again under its NFC form.
	rewrapLegacy(dir, u, passphrase, false, s.log)
	return s, nil
}

// openUnlocked is Open once the key file is unwrapped and the profile
// locked.
func openUnlocked(dir string, m marker, key, ident []byte, o Options) (*Store, error) {
	var err error
	var dev *identity.Device
	var dist *identity.District
	switch m.Kind {
	case KindDistrict:
		dist, err = identity.ParseDistrict(ident)
	case KindNode:
	default:
		dev, err = identity.ParseDevice(ident)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrDamaged, keyFile, err)
	}
	// scrypt at work factor 18 has just used 256 MB that is now garbage;
	// give it back to the system now rather than keep it resident for
	// minutes (a commune laptop has 4 GB, shared with everything else).
	debug.FreeOSMemory()
	if _, err := os.Stat(filepath.Join(dir, storeDir, "MANIFEST")); err != nil {
		return nil, fmt.Errorf("%w: the store's MANIFEST is missing; restore the profile from a backup", ErrDamaged)
	}
	// Opening writes (a memtable log, the manifest): on a full disk it
	// would die of SIGBUS. Checked once the passphrase is known to be
	// right, so a wrong one is still said first.
	if err := checkFree(dir, minFreeOf(m.Kind, o)); err != nil {
		return nil, err
	}
	if err := checkWritable(filepath.Join(dir, storeDir)); err != nil {
		return nil, err
	}
	if err := dropEmptyMemtables(filepath.Join(dir, storeDir)); err != nil {
		return nil, err
	}
	if err := checkTables(filepath.Join(dir, storeDir)); err != nil {
		return nil, err
	}
	o.Kind = m.Kind
	s, err := openDB(dir, key, o)
	if err != nil {
		return nil, err
	}
	if err := s.loadMeta(); err != nil {
		s.db.Close()
		return nil, err
	}
	if dev != nil && dev.ID != string(s.profile.Device) {
		// A hand-over a crash interrupted before the key file was
		// written: the new keys are in its record (handover.go).
		if h, err := s.Handover(); err == nil && h != nil && h.New == s.profile.Device && len(h.Keys) > 0 {
			dev, err = identity.ParseDevice(h.Keys)
			if err != nil {
				s.db.Close()
				return nil, fmt.Errorf("%w: the new device's keys in the hand-over record", ErrDamaged)
			}
		}
	}
	if dev != nil && dev.ID != string(s.profile.Device) {
		s.db.Close()
		return nil, fmt.Errorf("%w: the key file belongs to device %s, the store to device %s", ErrDamaged, dev.ID, s.profile.Device)
	}
	s.device, s.district = dev, dist
	if !s.ctr.Counted {
		if err := s.recount(); err != nil {
			s.db.Close()
			return nil, err
		}
	}
	if err := s.upgradeLayout(); err != nil {
		s.db.Close()
		return nil, err
	}
	if s.profile.Kind == KindCommune {
		// A rewrite of unsent changes a crash interrupted is finished
		// before anything reads them (rework.go).
		if err := s.resumeRework(); err != nil {
			s.db.Close()
			return nil, err
		}
	}
	s.clock = NewClock(s.ctr.HLC, s.now)
	s.startGC(o.GCInterval)
	return s, nil
}

// checkWritable answers ErrReadOnly, with what to do, when the store
// directory cannot be written: Badger writes as it opens and would report
// it as damage.
func checkWritable(storeDir string) error {
	f, err := os.CreateTemp(storeDir, ".writable-*")
	if err != nil {
		if errors.Is(err, fs.ErrPermission) || syserr.ReadOnlyDisk(err) {
			return fmt.Errorf("%w: %s (%v): copy the whole profile directory to a disk this user can write (or fix its permissions) and open it there; nothing was changed", ErrReadOnly, storeDir, err)
		}
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: the store directory is missing; restore the profile from a backup", ErrDamaged)
		}
		return fmt.Errorf("writing in %s: %w", storeDir, err)
	}
	f.Close()
	if err := os.Remove(f.Name()); err != nil {
		return err
	}
	return checkFilesWritable(storeDir)
}

// checkFilesWritable answers ErrReadOnly when a file of the store cannot
// be opened for writing though its directory can: files marked read-only,
// as a copy from a CD or DVD leaves them on Windows. Badger opens them for
// writing and would report it as damage.
func checkFilesWritable(storeDir string) error {
	entries, err := os.ReadDir(storeDir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		p := filepath.Join(storeDir, e.Name())
		f, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err != nil {
			if errors.Is(err, fs.ErrPermission) {
				return fmt.Errorf("%w: the file %s is read-only (%v): clear \"Read-only\" in the properties of the profile folder and all it holds (copies from a CD keep it), "+
					"or copy the whole profile directory to a disk this user can write and open it there; nothing was changed", ErrReadOnly, p, err)
			}
			continue // Badger says what else is wrong
		}
		f.Close()
	}
	return nil
}

// unlockedKey is a key file unwrapped: the profile's marker, the store
// key and the identity, the file as read, and whether it should be
// wrapped again under the passphrase's NFC form (rewrapLegacy).
type unlockedKey struct {
	m          marker
	key, ident []byte
	wrapped    []byte
	rewrap     bool
}

// unlockKeyFile reads the marker of the profile in dir, checks it is of
// kind want, and unwraps its key file: the store key and the identity.
// hint says what to do when there is no profile.
func unlockKeyFile(dir string, passphrase []byte, want, hint string) (u unlockedKey, err error) {
	mb, err := os.ReadFile(filepath.Join(dir, markerFile))
	if errors.Is(err, fs.ErrNotExist) {
		return u, fmt.Errorf("%w in %s: %s", ErrNoProfile, dir, hint)
	}
	if err != nil {
		return u, err
	}
	if err := json.Unmarshal(mb, &u.m); err != nil || u.m.Format != 1 {
		return u, fmt.Errorf("%w: %s is not a profile marker this version understands", ErrDamaged, filepath.Join(dir, markerFile))
	}
	if u.m.Kind != want {
		return u, fmt.Errorf("%s holds a %s profile, not a %s profile: check --profile", dir, u.m.Kind, want)
	}
	u.wrapped, err = os.ReadFile(filepath.Join(dir, keyFile))
	if err != nil {
		return u, fmt.Errorf("%w: the key file is missing or unreadable (%v)", ErrDamaged, err)
	}
	plain, rewrap, err := keyring.Unlock(u.wrapped, passphrase)
	if errors.Is(err, keyring.ErrWrongPassphrase) {
		return u, ErrWrongPassphrase
	}
	if err != nil {
		return u, fmt.Errorf("%w: %s: %v", ErrDamaged, keyFile, err)
	}
	u.rewrap = rewrap
	u.key, u.ident, err = decodeKeyFile(plain)
	return u, err
}

func (o Options) now() func() time.Time {
	if o.Now != nil {
		return o.Now
	}
	return time.Now
}

func openDB(dir string, key []byte, o Options) (s *Store, err error) {
	logger := o.Logger
	if logger == nil {
		logger = slog.Default()
	}
	opts := badgerOptions(filepath.Join(dir, storeDir), key, o.Kind, logger)
	if o.BlockCache > 0 {
		opts = opts.WithBlockCacheSize(o.BlockCache)
	}
	defer func() {
		// Badger panics on some damaged files instead of returning an error.
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrDamaged, r)
		}
	}()
	db, err := badger.Open(opts)
	// Badger's directory lock: flock on unix; on Windows its LOCK file,
	// opened for this process alone.
	if err != nil && (strings.Contains(err.Error(), "Cannot acquire directory lock") ||
		strings.Contains(err.Error(), "Another process is using this Badger database")) {
		return nil, fmt.Errorf("%w (%v)", ErrInUse, err)
	}
	if err != nil {
		return nil, fmt.Errorf("%w (%v): check that --profile names the right directory, else restore the profile from a backup; nothing was changed", ErrDamaged, err)
	}
	return &Store{dir: dir, db: db, log: logger, now: o.now(), minFree: minFreeOf(o.Kind, o)}, nil
}

// communeOptions are the Badger options of a commune store in path,
// encrypted under key.
func communeOptions(path string, key []byte, logger *slog.Logger) badger.Options {
	return badgerOptions(path, key, "", logger)
}

// badgerOptions are the options a store of kind opens its Badger database
// in path with, encrypted with key.
func badgerOptions(path string, key []byte, kind string, logger *slog.Logger) badger.Options {
	opts := badger.DefaultOptions(path).
		WithEncryptionKey(key).
		// Badger requires a block cache with encryption; these sizes keep
		// a 100,000-person commune within the 64 MB budget of the README's "Figures".
		WithBlockCacheSize(8 << 20).
		WithIndexCacheSize(4 << 20).
		// The memtable arena (MemTableSize plus a batch) is allocated, and
		// resident, as soon as the store opens: it is the largest single
		// piece of a commune store's memory, so it stays small.
		WithMemTableSize(8 << 20).
		WithNumMemtables(2).
		// Four L0 tables before compaction and a wide stall margin: fewer,
		// larger compactions, so a bulk import leaves less work competing
		// with the saves that follow it.
		WithNumLevelZeroTables(4).
		WithNumLevelZeroTablesStall(12).
		WithBaseTableSize(4 << 20).
		// L1 holds 64 MB (Badger's default is 10): a commune's whole
		// store (40 MB at 100,000 persons) fits in it, so a bulk import
		// is not also pushed on into L2 by compactions while it runs
		// (import 24.5k -> 26.2k persons/s, median of 6).
		WithBaseLevelSize(64 << 20).
		WithNumCompactors(2).
		// Snappy on 8 KB blocks: zstd made tables ~10 % smaller but its
		// compactions after an import held both cores for seconds, and
		// saves and searches waited behind them (save p99 3.1 -> 0.7 ms,
		// search p99 7.0 -> 4.7 ms measured with Snappy). 4 KB blocks
		// measured no faster and cost 3 MB more resident memory.
		WithCompression(options.Snappy).
		WithBlockSize(8 << 10).
		// A small value log: a 2 GB sparse file chokes backups and sticks.
		WithValueLogFileSize(16 << 20).
		// Saves are durable when the call returns.
		WithSyncWrites(true).
		WithDetectConflicts(false).
		WithMetricsEnabled(false).
		WithLogger(badgerLogger{logger}).
		WithLoggingLevel(badger.WARNING)
	if kind == KindNode {
		// A district node applies Raft log entries of thousands of
		// operations in one transaction, on a server: larger memtables
		// (a transaction may hold ~15 % of one), and no fsync per
		// transaction, because the Raft log (fsynced) is the truth and
		// a node replays it after a crash from its last applied index.
		opts = opts.WithMemTableSize(64 << 20).
			WithBlockCacheSize(64 << 20).
			WithIndexCacheSize(32 << 20).
			WithBaseTableSize(8 << 20).
			WithSyncWrites(false)
	}
	return opts
}

func (s *Store) loadMeta() error {
	return s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get([]byte(keyMetaProfile))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return fmt.Errorf("%w: the store holds no profile record (it may have been replaced or emptied)", ErrDamaged)
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrDamaged, err)
		}
		if err := item.Value(func(v []byte) error { return json.Unmarshal(v, &s.profile) }); err != nil {
			return fmt.Errorf("%w: profile record: %v", ErrDamaged, err)
		}
		if !s.profile.Device.Valid() {
			return fmt.Errorf("%w: profile record has no valid device ID", ErrDamaged)
		}
		item, err = txn.Get([]byte(keyMetaCounters))
		if err != nil {
			return fmt.Errorf("%w: counters: %v", ErrDamaged, err)
		}
		// Into zero counters: a store restored from a backup keeps
		// nothing of its own (the record omits zero fields).
		var c counters
		if err := item.Value(func(v []byte) error { return json.Unmarshal(v, &c) }); err != nil {
			return fmt.Errorf("%w: counters: %v", ErrDamaged, err)
		}
		if item, err := txn.Get([]byte(prefixUserMeta + metaNow)); err == nil {
			item.Value(func(v []byte) error { c.Now = HLC(beU64(v)); return nil })
		}
		s.ctr = c
		return nil
	})
}

// Close stops background work and closes the store cleanly.
func (s *Store) Close() error {
	if s.stopGC != nil {
		s.stopGC()
		<-s.gcDone
		s.stopGC = nil
	}
	// A store locked (relock.go) still holds the profile's lock.
	if s.lock != nil {
		defer func() {
			s.lock.Close()
			s.lock = nil
		}()
	}
	if s.db == nil {
		return nil
	}
	err := s.db.Close()
	s.db = nil
	return err
}

// Changes counts the write transactions this process committed to the
// store since it opened: what was computed from the store while Changes
// stayed the same still holds (a profile is open in one process at a
// time). It says nothing across opens.
func (s *Store) Changes() uint64 { return s.writes.Load() }

// LastClock is the last reading this device's clock issued or observed:
// its next change is stamped after it.
func (s *Store) LastClock() HLC {
	if s.clock == nil {
		return 0
	}
	return s.clock.Last()
}

// WallClock is the store's reading of the wall clock (Options.Now), the
// physical part of the clock that stamps this device's changes.
func (s *Store) WallClock() time.Time { return s.now() }

// today is "now" for the checks of dates against the present: the wall
// clock, or the newest change this store has made or seen when the clock
// is behind it. A laptop whose clock battery died starts years in the
// past, and a newborn would otherwise be "born in the future".
func (s *Store) today() time.Time {
	now := s.now()
	if s.clock != nil {
		if last := s.clock.Last().Time(); last.After(now) {
			return last.In(now.Location())
		}
	}
	return now
}

// Profile returns the store's profile.
func (s *Store) Profile() Profile { return s.profile }

// Dir returns the profile directory.
func (s *Store) Dir() string { return s.dir }

func (s *Store) startGC(every time.Duration) {
	if every < 0 {
		return
	}
	if every == 0 {
		every = 10 * time.Minute
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stopGC = cancel
	s.gcDone = make(chan struct{})
	go func() {
		defer close(s.gcDone)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.RunGC()
			}
		}
	}()
}

// RunGC rewrites value-log files that are at least half garbage.
func (s *Store) RunGC() {
	for s.db.RunValueLogGC(0.5) == nil {
	}
}

// bytes encodes the counters for the meta key.
func (c counters) bytes() []byte { b, _ := json.Marshal(c); return b }

// WriteFileAtomic writes b to path so that path holds either its old
// contents or all of b, even across a power cut: a temporary file, fsync,
// rename, fsync of the directory.
// A failed write leaves no temporary file behind.
func WriteFileAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
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
		return err
	}
	return SyncDir(filepath.Dir(path))
}

func putUint32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

type badgerLogger struct{ l *slog.Logger }

func (b badgerLogger) Errorf(f string, a ...any) {
	b.l.Error(fmt.Sprintf(f, a...), "component", "badger")
}
func (b badgerLogger) Warningf(f string, a ...any) {
	b.l.Warn(fmt.Sprintf(f, a...), "component", "badger")
}
func (b badgerLogger) Infof(f string, a ...any) {
	b.l.Debug(fmt.Sprintf(f, a...), "component", "badger")
}
func (b badgerLogger) Debugf(f string, a ...any) {
	b.l.Debug(fmt.Sprintf(f, a...), "component", "badger")
}
