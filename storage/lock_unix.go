//go:build unix

package storage

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockProfile takes an exclusive advisory lock on the profile directory
// itself (no lock file to leave behind), or answers ErrInUse when another
// process holds it: the app open while kitctl runs, or the app started
// twice. Closing the file releases it; so does the process dying.
func lockProfile(dir string) (*os.File, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (%s)", ErrInUse, dir)
		}
		if errors.Is(err, syscall.ENOLCK) || errors.Is(err, syscall.ENOTSUP) || errors.Is(err, syscall.EOPNOTSUPP) {
			// A filesystem without locks (some network shares): Badger's
			// own lock still refuses a second opener.
			return nil, nil
		}
		return nil, fmt.Errorf("locking the profile %s: %w", dir, err)
	}
	return f, nil
}
