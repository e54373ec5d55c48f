// Package diskfree tells how much space is left on the filesystem holding
// a directory. Badger writes its memtables through a memory map of a
// sparse file, so on a full disk a write is a SIGBUS that kills the
// process mid-write; a commune store and a district node both check this
// before they get there (storage.ErrDiskFull, node.ErrDiskFull).
package diskfree

import "errors"

// ErrUnknown means this system cannot tell free space; callers then do
// not guard.
var ErrUnknown = errors.New("free space cannot be read on this system")

// Bytes is the space an unprivileged process may still write on the
// filesystem holding dir (ErrUnknown where the system cannot say).
func Bytes(dir string) (uint64, error) { return bytesFree(dir) }
