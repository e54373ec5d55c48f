// Package syserr tells the system's errors a person can act on apart —
// a connection refused or dropped, no route, a full disk, a
// write-protected disk — the same on unix and on Windows. Go's syscall
// names them by their unix numbers (syscall.ECONNREFUSED, ENOSPC), which
// errors.Is does not match on Windows, whose errors have numbers of their
// own (WSAECONNREFUSED, ERROR_DISK_FULL): checked against syscall alone, a
// Windows laptop would show the system's raw words instead of what to do.
package syserr

import "errors"

// Refused: nothing listens at the address (the node is not running, or
// the port is wrong).
func Refused(err error) bool { return isAny(err, refused) }

// Dropped: the other end cut the connection (not counting io.EOF, which
// callers check themselves).
func Dropped(err error) bool { return isAny(err, dropped) }

// NoRoute: the network or the host cannot be reached.
func NoRoute(err error) bool { return isAny(err, noRoute) }

// DiskFull: a write found no space left.
func DiskFull(err error) bool { return isAny(err, diskFull) }

// ReadOnlyDisk: the disk cannot be written at all (a write-protected
// stick, a CD, a file system mounted read-only). Permissions are not
// counted: check fs.ErrPermission for them.
func ReadOnlyDisk(err error) bool { return isAny(err, readOnlyDisk) }

func isAny(err error, targets []error) bool {
	if err == nil {
		return false
	}
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}
