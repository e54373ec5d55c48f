//go:build windows

package syserr

import (
	"syscall"

	"golang.org/x/sys/windows"
)

// Windows' numbers, and syscall's unix ones for errors Go makes itself.
var (
	refused      = []error{windows.WSAECONNREFUSED, syscall.ECONNREFUSED}
	dropped      = []error{windows.WSAECONNRESET, windows.WSAECONNABORTED, syscall.ECONNRESET, syscall.ECONNABORTED}
	noRoute      = []error{windows.WSAENETUNREACH, windows.WSAEHOSTUNREACH, syscall.ENETUNREACH, syscall.EHOSTUNREACH}
	diskFull     = []error{windows.ERROR_DISK_FULL, windows.ERROR_HANDLE_DISK_FULL, syscall.ENOSPC}
	readOnlyDisk = []error{windows.ERROR_WRITE_PROTECT, syscall.EROFS}
)
