package storage

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/communekit/communekit/storage/diskfree"
)

// DefaultMinFree is the free space a store keeps on the disk of its
// profile before it writes: room for Badger's memtable logs (two of
// 16 MB), a memtable flushed to a table, a compaction's new tables before
// the old ones go, and a margin. Badger writes memtables through a memory
// map of a sparse file: on a full disk a write into it is a SIGBUS that
// kills the app or kitctl mid-save (measured: a 48 MB disk filled by an
// import), and even opening the profile writes. Saved data survives that,
// but the officer sees a crash and no reason, at every start.
const DefaultMinFree = 128 << 20

// ErrDiskFull is what a store answers, before writing anything, when the
// disk of its profile has less free space than it needs (a *DiskFullError).
var ErrDiskFull = errors.New("not enough free disk space")

// DiskFullError says how much space there is and how much a store needs.
type DiskFullError struct {
	Dir        string // the profile directory
	Free, Need uint64 // bytes
}

func (e *DiskFullError) Error() string {
	return fmt.Sprintf("not enough free disk space: the disk holding %s has %d MB free and the profile needs %d MB to open and write safely; "+
		"free some space (delete or move files you no longer need) and try again; nothing saved before is lost",
		e.Dir, e.FreeMB(), e.NeedMB())
}

// Is makes errors.Is(err, ErrDiskFull) true.
func (e *DiskFullError) Is(target error) bool { return target == ErrDiskFull }

// FreeMB is the free space in MB, rounded down.
func (e *DiskFullError) FreeMB() uint64 { return e.Free >> 20 }

// NeedMB is the space needed in MB, rounded up.
func (e *DiskFullError) NeedMB() uint64 { return (e.Need + 1<<20 - 1) >> 20 }

// minFreeOf is the guard of a store of kind opened with o: none for a
// district node's store (a node guards its own disk and stops: an FSM
// apply must never fail on one node only), none when o.MinFree < 0.
func minFreeOf(kind string, o Options) int64 {
	switch {
	case kind == KindNode || o.MinFree < 0:
		return -1
	case o.MinFree == 0:
		return DefaultMinFree
	}
	return o.MinFree
}

// checkFree returns a *DiskFullError when dir's disk has less than min
// bytes free (never when min < 0 or the system cannot tell).
func checkFree(dir string, min int64) error {
	if min < 0 {
		return nil
	}
	free, err := diskfree.Bytes(dir)
	if err != nil {
		// Unknown here, or unreadable: Badger reports real trouble.
		return nil
	}
	if free < uint64(min) {
		return &DiskFullError{Dir: dir, Free: free, Need: uint64(min)}
	}
	return nil
}

// update runs fn in a read-write transaction, after checking the disk.
// Every write of the store goes through it.
func (s *Store) update(fn func(txn *badger.Txn) error) error {
	if err := checkFree(s.dir, s.minFree); err != nil {
		return err
	}
	if err := s.db.Update(fn); err != nil {
		return err
	}
	s.writes.Add(1)
	return nil
}
