package main

import (
	"os"
	"runtime/debug"
)

// kitctlMemoryLimit is the soft limit on the Go heap of kitctl: a commune
// store with 100,000 persons lives in about 30 MB of heap (DESIGN §10 asks
// ≤ 64 MB resident, with the mapped tables), and without a limit the
// garbage collector lets the heap double before it collects. The limit is
// soft: unlocking (scrypt, 256 MB) and a large import still get the memory
// they need. GOMEMLIMIT, when set, wins.
const kitctlMemoryLimit = 40 << 20

func init() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(kitctlMemoryLimit)
	}
}
