//go:build !windows

package storage

import "os"

// SyncDir makes the creation, renaming or removal of a file in dir
// durable: the directory's own entry is written to disk (fsync of the
// directory), so that a power cut right after a rename cannot bring the
// old file back.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
