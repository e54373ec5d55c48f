//go:build windows

package storage

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/windows"
)

// lockFile is the file a profile is locked through on Windows, where a
// directory cannot be locked: it stays behind, empty, once the profile is
// closed, and means nothing then.
const lockFile = "communekit.lock"

// lockProfile takes an exclusive lock on the profile's lock file, or
// answers ErrInUse when another process holds it: the app open while
// kitctl runs, or the app started twice. Closing the file releases it; so
// does the process ending. The lock is on the first byte past the empty
// file's end, so that copying the profile while it is open (a backup to a
// stick) still reads every file.
func lockProfile(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("locking the profile %s: %w", dir, err)
	}
	ol := new(windows.Overlapped)
	err = windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
	if err != nil {
		f.Close()
		if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_SHARING_VIOLATION) {
			return nil, fmt.Errorf("%w (%s)", ErrInUse, dir)
		}
		return nil, fmt.Errorf("locking the profile %s: %w", dir, err)
	}
	return f, nil
}
