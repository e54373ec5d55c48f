package node

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/protocol"
)

// TestBackup_RestoredNodeStartsANewCluster: a backup taken from a node
// that holds a device's batches restores into a node of a new cluster
// (its Raft configuration has it alone) with the same state; a node that
// joins empty gets it through a snapshot; the device's next batch follows
// its last, and a pull cursor from after the backup is told where the
// feed ends.
func TestBackup_RestoredNodeStartsANewCluster(t *testing.T) {
	c := newTestCluster(t, 1, nil)
	n1 := c.nodes[0]
	lan := newDevice(t, c.d, "00769", "Nguyễn Thị Lan", cert.RoleOfficer)
	minh := newDevice(t, c.d, "00769", "Lò Văn Minh", cert.RoleOfficer)
	lan.register(t, n1.Addr())
	minh.register(t, n1.Addr())
	lan.add(t, 30)
	r1 := pushOK(t, c.d, n1.Addr(), lan.seal(t)[0])
	before := n1.Status()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var buf bytes.Buffer
	h, err := client.Backup(ctx, nil, n1.Addr(), c.d, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if h.Index != before.AppliedIndex || h.Digest != before.Digest || h.Feed != before.Feed || h.Node != "n1" || h.KeyID != c.d.Public().KeyID {
		t.Fatalf("backup header %+v, node status %+v", h, before)
	}
	waitFor(t, 5*time.Second, "the node to remove its copy of the backup", func() bool {
		_, err := os.Stat(filepath.Join(c.dirs[0], backupTmp))
		return errors.Is(err, os.ErrNotExist)
	})
	file := filepath.Join(t.TempDir(), "d.ckbak")
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	// After the backup: batch 2 and a pull that the restored cluster
	// will not have.
	lan.add(t, 5)
	b2 := lan.seal(t)[0]
	pushOK(t, c.d, n1.Addr(), b2)
	pull(t, minh, n1.Addr())
	raftAddr, httpAddr := string(n1.trans.LocalAddr()), n1.ln.Addr().String()
	if err := n1.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.nodes[0] = nil

	// The same ID and addresses (the same machine, its disk lost): the
	// member record the state holds for n1 stays as it is.
	cfg := Config{ID: "n1", Dir: filepath.Join(t.TempDir(), "n1"), District: c.d, Passphrase: []byte(testPass), WorkFactor: 10,
		RaftAddr: raftAddr, HTTPAddr: httpAddr, HeartbeatTimeout: 300 * time.Millisecond, ElectionTimeout: 300 * time.Millisecond, Logger: testLogger(t)}
	if _, err := Restore(cfg, file); err != nil {
		t.Fatal(err)
	}
	cfg.Bootstrap = true
	r, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Shutdown(context.Background())
	waitFor(t, 10*time.Second, "the restored node to lead", func() bool { return r.raft.State() == raft.Leader })
	servers := r.raft.GetConfiguration().Configuration().Servers
	if len(servers) != 1 || servers[0].ID != "n1" || string(servers[0].Address) != cfg.RaftAddr {
		t.Fatalf("the restored node's Raft configuration is %+v", servers)
	}
	if st := r.Status(); st.Digest != h.Digest || st.Feed != h.Feed || st.AppliedIndex < h.Index {
		t.Fatalf("restored: %+v, backup %+v", st, h)
	}

	r2 := startNode(t, c.d, "n2", filepath.Join(t.TempDir(), "n2"), false, r.Addr(), nil)
	defer r2.Shutdown(context.Background())
	waitFor(t, 20*time.Second, "n2 to catch up", func() bool {
		return r2.Ready() == nil && r2.Status().Digest == r.Status().Digest && r2.fsm.applied.Load() >= h.Index
	})
	if got := counter(t, r2, "communekit_snapshots_restored_total"); got < 1 {
		t.Fatalf("n2 restored %v snapshots: it did not catch up from the restored node's snapshot", got)
	}
	for _, n := range []*Node{r, r2} {
		got, _, err := n.fsm.receipt(r1.Device, r1.Seq)
		if err != nil || got.Sig != r1.Sig || got.Index != r1.Index {
			t.Fatalf("%s: receipt of batch 1: %+v %v, the device was given %+v", n.cfg.ID, got, err, r1)
		}
		if _, _, err := n.fsm.receipt(r1.Device, 2); err == nil {
			t.Fatalf("%s holds batch 2, pushed after the backup", n.cfg.ID)
		}
	}

	// Minh pulled past the feed's end: told where it ends, through a
	// follower too.
	for _, n := range []*Node{r2, r} {
		st, e := pullErr(t, minh, n.Addr(), h.Feed+5)
		if st != http.StatusConflict || e.Code != protocol.CodeCursorAhead || e.Expected != h.Feed {
			t.Fatalf("pull after the feed's end from %s: %d %+v", n.cfg.ID, st, e)
		}
	}
	// Lan pushes batch 2 again (the district lacks it), then batch 3.
	b3 := lan.sealNext(t)
	if st, e := pushErr(t, r2.Addr(), b3.Sealed); st != http.StatusConflict || e.Code != protocol.CodeGap || e.Expected != 2 {
		t.Fatalf("batch 3 before batch 2: %d %+v", st, e)
	}
	pushOK(t, c.d, r2.Addr(), b2)
	pushOK(t, c.d, r2.Addr(), b3)
	waitFor(t, 10*time.Second, "equal state", func() bool { return r.Status().Digest == r2.Status().Digest })
}

// sealNext adds a person and seals it into the device's next batch.
func (dv *device) sealNext(t *testing.T) *storage.OutBatch {
	t.Helper()
	dv.add(t, 1)
	return dv.seal(t)[0]
}

// pullErr sends a pull with the given cursor and returns the refusal.
func pullErr(t *testing.T, dv *device, url string, cursor uint64) (int, protocol.Error) {
	t.Helper()
	req := protocol.PullRequest{Device: string(dv.s.Profile().Device), Cursor: cursor}
	req.Sign(dv.s.DeviceKeys().Sign, time.Now())
	body, _ := json.Marshal(req)
	st, b := post(t, url, protocol.PathPull, body)
	var e protocol.Error
	json.Unmarshal(b, &e)
	return st, e
}

// TestBackup_OnlyTheDistrictMayAsk: a backup request not signed with the
// district's key, or signed long ago, is refused before anything is read.
func TestBackup_OnlyTheDistrictMayAsk(t *testing.T) {
	c := newTestCluster(t, 1, nil)
	other, err := identity.NewDistrict("Cụm khác")
	if err != nil {
		t.Fatal(err)
	}
	foreign := protocol.BackupRequest{}
	foreign.Sign(other.Sign, time.Now())
	old := protocol.BackupRequest{}
	old.Sign(c.d.Sign, time.Now().Add(-time.Hour))
	for _, tc := range []struct {
		name string
		req  any
		code string
	}{
		{"unsigned", map[string]int64{"time": time.Now().Unix()}, protocol.CodeBadSignature},
		{"another district's key", foreign, protocol.CodeBadSignature},
		{"an hour old", old, protocol.CodeStale},
	} {
		body, _ := json.Marshal(tc.req)
		st, b := post(t, c.nodes[0].Addr(), protocol.PathBackup, body)
		var e protocol.Error
		if json.Unmarshal(b, &e) != nil || st != http.StatusUnauthorized || e.Code != tc.code {
			t.Fatalf("%s: %d %s, want 401 %s", tc.name, st, b, tc.code)
		}
	}
	var buf bytes.Buffer
	_, err = client.Backup(context.Background(), nil, c.nodes[0].Addr(), other, &buf)
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Code != protocol.CodeBadSignature {
		t.Fatalf("client.Backup with another district's keys: %v", err)
	}
}

// counter reads an unlabelled counter of n's metrics.
func counter(t *testing.T, n *Node, name string) float64 {
	t.Helper()
	mfs, err := n.m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no counter %s", name)
	return 0
}
