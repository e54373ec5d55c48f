//go:build windows

package storage_test

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process has used.
func cpuTime() time.Duration {
	var created, exited, kernel, user syscall.Filetime
	h, err := syscall.GetCurrentProcess()
	if err != nil || syscall.GetProcessTimes(h, &created, &exited, &kernel, &user) != nil {
		return 0
	}
	// Filetimes count 100 ns intervals.
	ticks := (int64(kernel.HighDateTime)<<32 | int64(kernel.LowDateTime)) +
		(int64(user.HighDateTime)<<32 | int64(user.LowDateTime))
	return time.Duration(ticks * 100)
}
