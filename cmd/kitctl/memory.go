package main

import (
	"os"
	"runtime/debug"
)

// kitctlMemoryLimit is the soft limit on the Go heap of kitctl: a commune
// store with 100,000 persons lives in about 30 MB of heap (the README's "Figures" asks
// ≤ 64 MB resident, with the mapped tables), and without a limit the
// garbage collector lets the heap double before it collects. The limit is
// soft: unlocking (scrypt, 256 MB) and a large import still get the memory
// they need. GOMEMLIMIT, when set, wins. It is applied once the store is
// open: during unlock scrypt needs 256 MB, and a limit far below that makes
// the collector run again and again while the officer waits.
const kitctlMemoryLimit = 40 << 20

// bulkMemoryLimit is the soft limit of the commands that write many
// records at once (import persons, batch import, sync). Their writes make
// Badger compact while they run, and its table builders hold 100–140 MB
// of Go heap in that time (pooled buffers of 16–32 MB each): under the
// 40 MB limit the collector ran without pause, and `import persons` of
// 100,000 persons took 14.5–17.2 s instead of 6.4–7.0 s (peak RSS 320–370
// against ~565 MB; a commune laptop has 4 GB).
const bulkMemoryLimit = 512 << 20

// reportMemoryLimit is the soft limit of `report`: a report of 100,000
// persons holds its worklist (tens of thousands of items), the set of ID
// numbers and the duplicate buckets, 30–40 MB of live heap beside the
// store's, so under the 40 MB limit the collector ran without pause:
// `report quality` took 1.6 s (2.3 s of CPU) instead of 0.8 s, at 146
// against 158 MB peak resident.
const reportMemoryLimit = 128 << 20

func limitMemory() { setMemoryLimit(kitctlMemoryLimit) }

func setMemoryLimit(n int64) {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(n)
	}
}
