//go:build !windows

package storage

import "os"

// renameReplace renames from to to, replacing to: one rename(2), which
// replaces a file however many programs have it open.
func renameReplace(from, to string) error { return os.Rename(from, to) }
