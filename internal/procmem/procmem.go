// Package procmem reads this process's resident memory, for the figures
// kitctl's benchmarks and the app's measure mode print.
package procmem

import (
	"os"
	"strconv"
	"strings"
)

// Status is this process's resident memory, in bytes.
type Status struct {
	RSS  int64 // resident now (VmRSS)
	Peak int64 // the most resident so far (VmHWM)
	Anon int64 // resident anonymous memory: heaps, stacks (RssAnon)
	File int64 // resident file-backed memory: the program, mapped files (RssFile)
}

// Read reads Status from /proc/self/status; where there is none (not
// Linux), every field is 0.
func Read() Status {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return Status{}
	}
	return parse(string(b))
}

func parse(status string) Status {
	var s Status
	for _, line := range strings.Split(status, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		switch f[0] {
		case "VmRSS:":
			s.RSS = kb << 10
		case "VmHWM:":
			s.Peak = kb << 10
		case "RssAnon:":
			s.Anon = kb << 10
		case "RssFile:":
			s.File = kb << 10
		}
	}
	return s
}
