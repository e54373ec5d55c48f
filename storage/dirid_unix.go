//go:build unix && !linux

package storage

import "syscall"

// dirIdentity returns the identity of directory dir on its computer: the
// device and inode numbers. A copy of a directory is a new directory with
// a new inode; a rename within its filesystem keeps it.
func dirIdentity(dir string) (dev, ino uint64, ok bool) {
	var st syscall.Stat_t
	if err := syscall.Stat(dir, &st); err != nil {
		return 0, 0, false
	}
	return uint64(st.Dev), uint64(st.Ino), true
}
