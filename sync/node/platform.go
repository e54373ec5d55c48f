package node

import (
	"errors"
	"runtime"
)

// ErrNotOnWindows is what Start and Restore answer on Windows. A district
// node runs on the district's Debian or Ubuntu server: its Raft log
// (raft-wal) makes each new file durable by syncing its directory, which
// Windows refuses ("Access denied"), so the node would stop at its first
// write there. The commune app's demo, which runs a node in the app, goes
// on without one on Windows, its sync screen saying the node cannot be
// reached.
var ErrNotOnWindows = errors.New("a district node runs on Linux (Debian or Ubuntu), not on Windows: its Raft log syncs directories, which Windows refuses")

// checkPlatform refuses to start a node where it cannot run.
func checkPlatform() error {
	if runtime.GOOS == "windows" {
		return ErrNotOnWindows
	}
	return nil
}
