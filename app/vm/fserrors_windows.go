package vm

import (
	"errors"
	"syscall"
)

// The Windows errors for a full disk, a write-protected stick and a drive
// letter with no stick behind it.
const (
	errorWriteProtect   syscall.Errno = 19
	errorNotReady       syscall.Errno = 21
	errorHandleDiskFull syscall.Errno = 39
	errorDiskFull       syscall.Errno = 112
	errorDevNotExist    syscall.Errno = 55 // ERROR_DEV_NOT_EXIST: the stick was pulled out
)

func isDiskFullOS(err error) bool {
	return errors.Is(err, errorDiskFull) || errors.Is(err, errorHandleDiskFull)
}

func isReadOnlyOS(err error) bool { return errors.Is(err, errorWriteProtect) }

func isNotReady(err error) bool {
	return errors.Is(err, errorNotReady) || errors.Is(err, errorDevNotExist)
}
