//go:build !unix && !windows

package storage

import "os"

// lockProfile is a no-op where flock is missing: Badger's own lock still
// refuses a second opener (reported as ErrInUse by openDB).
func lockProfile(dir string) (*os.File, error) { return nil, nil }
