//go:build unix

package report_test

import (
	"syscall"
	"time"
)

// cpu is the CPU time this process has used (every goroutine, Badger's
// included): under other load, a steadier figure than the wall clock.
func cpu() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
