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
	"github.com/communekit/communekit/sync/protocol"
)

// TestStart_FailuresAreErrorsNotPanics: a node that cannot start — its
// HTTP or Raft port taken, its directory used by another node — says why
// and what to do. Every such failure used to panic in the clean-up (a nil
// node), with a stack trace instead of a message.
func TestStart_FailuresAreErrorsNotPanics(t *testing.T) {
	skipOnWindows(t)
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

// TestRemove_NotAMemberOrTheLastNodeIsRefused: removing a node the cluster
// does not have said it was removed; removing the only node failed with
// Raft's words. Both are now refusals that say what is the case.
func TestRemove_NotAMemberOrTheLastNodeIsRefused(t *testing.T) {
	c := newTestCluster(t, 1, nil)
	n := c.leader()
	if e := n.checkRemovable("n9"); e == nil || e.Code != protocol.CodeNotMember || !strings.Contains(e.Message, "its nodes: n1") {
		t.Errorf("remove n9: %v", e)
	}
	if e := n.checkRemovable("n1"); e == nil || e.Code != protocol.CodeLastNode {
		t.Errorf("remove the only node: %v", e)
	}
}

// TestStart_DirectoryOfAnotherNodeRefused: a node's directory started
// under another --id (a start script copied from another node) is refused
// with the ID it belongs to; before, the node ran and never took part.
func TestStart_DirectoryOfAnotherNodeRefused(t *testing.T) {
	skipOnWindows(t)
	d, err := identity.NewDistrict("Cụm thử")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "n1")
	n := startNode(t, d, "n1", dir, true, "", nil)
	if err := n.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, err = Start(Config{ID: "n2", Dir: dir, District: d, Passphrase: []byte(testPass), WorkFactor: 10,
		RaftAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Logger: testLogger(t)})
	if err == nil || !strings.Contains(err.Error(), "belongs to node n1") || !strings.Contains(err.Error(), "--id n1") {
		t.Fatalf("n1's directory started as n2: %v", err)
	}
	n = startNode(t, d, "n1", dir, false, "", nil)
	n.Shutdown(t.Context())
}
