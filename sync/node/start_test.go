package node

import (
	"errors"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/storage"
)

// TestStart_FailuresAreErrorsNotPanics: a node that cannot start — its
// HTTP or Raft port taken, its directory used by another node — says why
// and what to do. Every such failure used to panic in the clean-up (a nil
// node), with a stack trace instead of a message.
func TestStart_FailuresAreErrorsNotPanics(t *testing.T) {
	d, err := identity.NewDistrict("Cụm thử")
	if err != nil {
		t.Fatal(err)
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cfg := func(dir string) Config {
		return Config{ID: "n1", Dir: dir, District: d, Passphrase: []byte(testPass), WorkFactor: 10,
			RaftAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Bootstrap: true,
			HeartbeatTimeout: 300 * time.Millisecond, ElectionTimeout: 300 * time.Millisecond, Logger: testLogger(t)}
	}
	c := cfg(filepath.Join(t.TempDir(), "n1"))
	c.HTTPAddr = busy.Addr().String()
	if _, err := Start(c); err == nil || !strings.Contains(err.Error(), "choose another --http") {
		t.Errorf("HTTP port taken: %v", err)
	}
	c = cfg(filepath.Join(t.TempDir(), "n1"))
	c.RaftAddr = busy.Addr().String()
	if _, err := Start(c); err == nil || !strings.Contains(err.Error(), "choose another --raft") {
		t.Errorf("Raft port taken: %v", err)
	}
	dir := filepath.Join(t.TempDir(), "n1")
	n := startNode(t, d, "n1", dir, true, "", nil)
	defer n.Shutdown(t.Context())
	if _, err := Start(cfg(dir)); !errors.Is(err, storage.ErrInUse) {
		t.Errorf("a directory another node uses: %v", err)
	}
}
