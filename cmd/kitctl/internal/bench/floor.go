package bench

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/communekit/communekit/storage"
)

// The floors of bench all: what the machine itself reaches, measured in
// the same run as the figure set against it.

// importEntries are the entries of a store as an import left them, held
// flat (one buffer, no pointers for the collector to walk), in the order
// the import floor writes them.
type importEntries struct {
	buf     []byte
	refs    []entryRef
	persons int // persons the import saved
}

type entryRef struct {
	off        int
	klen, vlen int32
}

func (e *importEntries) key(i int) []byte {
	r := e.refs[i]
	return e.buf[r.off : r.off+int(r.klen)]
}

func (e *importEntries) value(i int) []byte {
	r := e.refs[i]
	return e.buf[r.off+int(r.klen) : r.off+int(r.klen)+int(r.vlen)]
}

// bytes is the keys' and values' size.
func (e *importEntries) bytes() int { return len(e.buf) }

// captureEntries reads every entry of s, a profile that holds only what
// one import of persons persons wrote into it (and the few entries of a
// new profile), and orders them as an import writes them: each kind of
// key (its prefix: "p:", "x:n:", …) in key order, the kinds interleaved
// in proportion, as every chunk of an import holds some of each. Record
// and history keys are numbered in the order an import makes them, so
// key order is their import order; index keys an import writes in no
// order, which costs Badger more than key order does: the floor errs on
// the fast side, the ratio on the strict side.
func captureEntries(s *storage.Store, persons int) (*importEntries, error) {
	e := &importEntries{persons: persons}
	kind := map[string][]int{} // prefix → indexes into refs, in key order
	err := s.EachEntry(func(k, v []byte) error {
		e.refs = append(e.refs, entryRef{off: len(e.buf), klen: int32(len(k)), vlen: int32(len(v))})
		e.buf = append(append(e.buf, k...), v...)
		p := string(keyKind(k))
		kind[p] = append(kind[p], len(e.refs)-1)
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Interleave: the j-th key of a kind of n keys goes at (j+½)/n.
	type placed struct {
		at  float64
		ref entryRef
	}
	all := make([]placed, 0, len(e.refs))
	for _, idx := range kind {
		for j, i := range idx {
			all = append(all, placed{(float64(j) + 0.5) / float64(len(idx)), e.refs[i]})
		}
	}
	sort.SliceStable(all, func(a, b int) bool { return all[a].at < all[b].at })
	for i, p := range all {
		e.refs[i] = p.ref
	}
	return e, nil
}

// keyKind is a key's prefix: up to its last ':' in the first four bytes
// ("p:", "x:n:", "Hm:").
func keyKind(k []byte) []byte {
	return k[:bytes.LastIndexByte(k[:min(4, len(k))], ':')+1]
}

// importFloor writes e into a new Badger in dir, alone (no validation,
// no indexes to make, no history), with the commune store's options and
// encryption under a key of a profile's size (writeImportFloor); it returns how
// long the writes took, to the last one durable, and removes dir.
func importFloor(dir string, e *importEntries) (time.Duration, error) {
	defer os.RemoveAll(dir)
	key := make([]byte, 32)
	rand.Read(key)
	return writeImportFloor(dir, key, e)
}

// writeImportFloor writes e into a new Badger in dir encrypted under key,
// through Badger's WriteBatch, and times the writes.
func writeImportFloor(dir string, key []byte, e *importEntries) (time.Duration, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, err
	}
	db, err := badger.Open(storage.CommuneBadgerOptions(dir, key))
	if err != nil {
		return 0, fmt.Errorf("the import floor's Badger: %w", err)
	}
	defer db.Close()
	t0 := time.Now()
	wb := db.NewWriteBatch()
	for i := range e.refs {
		if err := wb.Set(e.key(i), e.value(i)); err != nil {
			wb.Cancel()
			return 0, fmt.Errorf("the import floor: %w", err)
		}
	}
	if err := wb.Flush(); err != nil {
		return 0, fmt.Errorf("the import floor: %w", err)
	}
	return time.Since(t0), nil
}

// fsyncFloor appends blocks of a save's size to a file and makes each
// durable with fsync: the disk's own cost of a durable write, which a
// durable save cannot go under.
type fsyncFloor struct {
	f     *os.File
	block []byte
}

// fsyncBlock is about what a save appends to Badger's log: the record,
// its operation, a history key and the index keys it changes.
const fsyncBlock = 1 << 10

func newFsyncFloor(dir string) (*fsyncFloor, error) {
	f, err := os.OpenFile(filepath.Join(dir, "fsync-floor"), os.O_CREATE|os.O_WRONLY|os.O_APPEND|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	b := make([]byte, fsyncBlock)
	rand.Read(b)
	return &fsyncFloor{f: f, block: b}, nil
}

// once is one write and its fsync, timed.
func (s *fsyncFloor) once() (time.Duration, error) {
	t0 := time.Now()
	if _, err := s.f.Write(s.block); err != nil {
		return 0, err
	}
	if err := s.f.Sync(); err != nil {
		return 0, err
	}
	return time.Since(t0), nil
}

// close removes the file.
func (s *fsyncFloor) close() error {
	err := s.f.Close()
	if rerr := os.Remove(s.f.Name()); err == nil {
		err = rerr
	}
	return err
}
