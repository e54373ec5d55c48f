//go:build linux

package storage

import (
	"hash/fnv"
	"path/filepath"
	"syscall"
)

// Filesystems whose inode numbers Linux makes up at each mount (FAT and
// exFAT, the USB sticks'): a profile kept on one would look copied at
// every mount.
const (
	msdosMagic = 0x4d44
	exfatMagic = 0x2011bab0
)

// dirIdentity returns the identity of directory dir on its computer: the
// device and inode numbers. A copy of a directory is a new directory with
// a new inode; a rename within its filesystem keeps it. On FAT and exFAT,
// whose inode numbers do not last from one mount to the next, the
// directory's path under its mount stands for the inode (the device
// number is left out too: a stick's changes between plugs).
func dirIdentity(dir string) (dev, ino uint64, ok bool) {
	var st syscall.Stat_t
	if err := syscall.Stat(dir, &st); err != nil {
		return 0, 0, false
	}
	var fs syscall.Statfs_t
	if err := syscall.Statfs(dir, &fs); err == nil && (fs.Type == msdosMagic || fs.Type == exfatMagic) {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return 0, 0, false
		}
		h := fnv.New64a()
		h.Write([]byte(abs))
		return 0, h.Sum64(), true
	}
	return uint64(st.Dev), uint64(st.Ino), true
}
