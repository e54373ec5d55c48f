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
// they need. GOMEMLIMIT, when set, wins. It is applied once the store is
// open: during unlock scrypt needs 256 MB, and a limit far below that makes
// the collector run again and again while the officer waits.
const kitctlMemoryLimit = 40 << 20

func limitMemory() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(kitctlMemoryLimit)
	}
}
