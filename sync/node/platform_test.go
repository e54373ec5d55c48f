package node

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/communekit/communekit/crypto/identity"
)

// skipOnWindows skips a test that runs a node, on Windows (cross-built
// tests under wine, `make test-windows`), where a node does not start.
func skipOnWindows(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("a district node does not run on Windows (ErrNotOnWindows): raft-wal v0.4.0 fsyncs directories (metadb.safeInitBoltDB, fs.syncDir), which Windows refuses with Access denied")
	}
}

// TestStart_OnWindowsSaysWhereANodeRuns: on Windows, Start and Restore
// refuse at once, saying where a node runs, before they make anything;
// elsewhere ErrNotOnWindows is never the answer.
func TestStart_OnWindowsSaysWhereANodeRuns(t *testing.T) {
	d, err := identity.NewDistrict("Cụm Mèo Vạc")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "n1")
	cfg := Config{ID: "n1", Dir: dir, District: d, Passphrase: []byte(testPass), WorkFactor: 10,
		RaftAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Bootstrap: true, Logger: testLogger(t)}
	if runtime.GOOS != "windows" {
		if err := checkPlatform(); err != nil {
			t.Fatal(err)
		}
		return
	}
	if _, err := Start(cfg); !errors.Is(err, ErrNotOnWindows) {
		t.Fatalf("Start on Windows: %v", err)
	}
	if _, err := Restore(cfg, filepath.Join(t.TempDir(), "x.ckbak")); !errors.Is(err, ErrNotOnWindows) {
		t.Fatalf("Restore on Windows: %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the node's directory was made: %v", err)
	}
}
