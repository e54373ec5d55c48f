//go:build !unix

package node

import "time"

// processCPU is not measured here: benchmarks leave out cpu-µs/op.
func processCPU() time.Duration { return 0 }
