package node

import (
	"errors"
	"fmt"
	"time"

	"github.com/communekit/communekit/storage/diskfree"
)

// DefaultMinFree is the free space a node keeps on the filesystem of its
// directory: room for a Raft log segment (raft-wal reserves 64 MB) and a
// Badger memtable (64 MB for a node store), with a margin. Badger writes
// its memtables through a memory map of a sparse file; on a full disk a
// write into it is a SIGBUS that kills the process mid-write (seen in
// kitctl demo --faults). A node that sees less than this stops cleanly,
// with a message that says what to do, before it gets there.
const DefaultMinFree = 192 << 20

// ErrDiskFull is why a node stopped on its own: the filesystem of its
// directory has less free space than Config.MinFree.
var ErrDiskFull = errors.New("not enough free disk space")

func (n *Node) minFree() int64 {
	if n.cfg.MinFree == 0 {
		return DefaultMinFree
	}
	return n.cfg.MinFree
}

// checkDisk returns ErrDiskFull, wrapped with the figures and what to do,
// when dir's filesystem has less than min bytes free.
func checkDisk(dir string, min int64) error {
	if min < 0 {
		return nil
	}
	free, err := diskfree.Bytes(dir)
	if errors.Is(err, diskfree.ErrUnknown) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the free space of %s: %w", dir, err)
	}
	if free < uint64(min) {
		return fmt.Errorf("%w: the disk holding %s has %d MB free, a node needs at least %d MB to write safely; free some space (or move the node's directory to a larger disk) and start the node again: it catches up from the other nodes",
			ErrDiskFull, dir, free>>20, min>>20)
	}
	return nil
}

// watchDisk stops the node once its disk has too little free space.
func (n *Node) watchDisk() {
	defer n.wg.Done()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-n.stop:
			return
		case <-t.C:
		}
		if err := checkDisk(n.cfg.Dir, n.minFree()); errors.Is(err, ErrDiskFull) {
			n.log.Error("stopping: "+err.Error(), "dir", n.cfg.Dir)
			n.failOnce.Do(func() {
				n.failErr = err
				close(n.failed)
			})
			return
		}
	}
}

// Failed is closed when the node must stop on its own (its disk is nearly
// full); Err says why. The caller then calls Shutdown.
func (n *Node) Failed() <-chan struct{} { return n.failed }

// Err is why Failed was closed, or nil.
func (n *Node) Err() error {
	select {
	case <-n.failed:
		return n.failErr
	default:
		return nil
	}
}
