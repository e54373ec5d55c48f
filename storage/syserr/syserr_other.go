//go:build !windows

package syserr

import "syscall"

var (
	refused      = []error{syscall.ECONNREFUSED}
	dropped      = []error{syscall.ECONNRESET, syscall.ECONNABORTED}
	noRoute      = []error{syscall.ENETUNREACH, syscall.EHOSTUNREACH}
	diskFull     = []error{syscall.ENOSPC}
	readOnlyDisk = []error{syscall.EROFS}
)
