//go:build windows

package report_test

import (
	"syscall"
	"time"
)

// cpu is the CPU time this process has used (every goroutine, Badger's
// included): under other load, a steadier figure than the wall clock.
func cpu() time.Duration {
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
