package node

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
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
// its last, and a device that pulled after the backup gets every
// operation the restored cluster numbers after its feed end.
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
		// The same receipt, signed by whichever node answers.
		got, _, err := n.fsm.receipt(r1.Device, r1.Seq)
		if err == nil {
			err = got.Verify(c.d.Public(), nil)
		}
		if err != nil || got.Hash != r1.Hash || got.Index != r1.Index || got.Ops != r1.Ops {
			t.Fatalf("%s: receipt of batch 1: %+v %v, the device was given %+v", n.cfg.ID, got, err, r1)
		}
		if _, _, err := n.fsm.receipt(r1.Device, 2); err == nil {
			t.Fatalf("%s holds batch 2, pushed after the backup", n.cfg.ID)
		}
	}

	// Minh pulled Lan's batch 2 from the old cluster: its cursor is past
	// the restored feed's end, with nothing new after it yet.
	minhCursor := cursorOf(t, minh)
	if minhCursor <= h.Feed {
		t.Fatalf("Minh's cursor %d is not past the backup's feed end %d", minhCursor, h.Feed)
	}
	if got := pull(t, minh, r2.Addr()); got != 0 {
		t.Fatalf("Minh pulled %d operations before anything new", got)
	}
	// Lan pushes batch 2 again (the district lacks it), then batch 3.
	b3 := lan.sealNext(t)
	if st, e := pushErr(t, r2.Addr(), b3.Sealed); st != http.StatusConflict || e.Code != protocol.CodeGap || e.Expected != 2 {
		t.Fatalf("batch 3 before batch 2: %d %+v", st, e)
	}
	again := pushOK(t, c.d, r2.Addr(), b2)
	last := pushOK(t, c.d, r2.Addr(), b3)
	// Minh gets both from its old cursor, and a cursor of the new
	// numbering; a new device gets everything from 0.
	waitFor(t, 10*time.Second, "n2 to apply batch 3", func() bool { return r2.fsm.applied.Load() >= last.Index })
	if got := pull(t, minh, r2.Addr()); got != again.Ops+last.Ops {
		t.Fatalf("Minh pulled %d operations after the restore, want %d (batches 2 and 3 of Lan)", got, again.Ops+last.Ops)
	}
	if got := cursorOf(t, minh); got <= cursorJump {
		t.Fatalf("Minh's cursor after the restore is %d: not in the new numbering", got)
	}
	mai := newDevice(t, c.d, "00769", "Vàng Thị Mai", cert.RoleOfficer)
	mai.register(t, r.Addr())
	if got := pull(t, mai, r.Addr()); got != r1.Ops+again.Ops+last.Ops {
		t.Fatalf("a new device pulled %d operations, want %d", got, r1.Ops+again.Ops+last.Ops)
	}
	waitFor(t, 10*time.Second, "equal state", func() bool { return r.Status().Digest == r2.Status().Digest })
}

// sealNext adds a person and seals it into the device's next batch.
func (dv *device) sealNext(t *testing.T) *storage.OutBatch {
	t.Helper()
	dv.add(t, 1)
	return dv.seal(t)[0]
}

func cursorOf(t *testing.T, dv *device) uint64 {
	t.Helper()
	b, err := dv.s.GetMeta("sync/cursor")
	if err != nil || len(b) != 8 {
		t.Fatalf("cursor: %x %v", b, err)
	}
	return binary.BigEndian.Uint64(b)
}

// TestFeedRestores_CursorsOfEveryNumbering: after restores at feed ends
// 100 and 200, a position's cursor reads back as the position; a cursor
// from a part of the feed a restore lost stands for that restore's feed
// end; cursors only grow with positions.
func TestFeedRestores_CursorsOfEveryNumbering(t *testing.T) {
	const J = cursorJump
	rs := feedRestores{100, 200}
	for _, tc := range []struct{ p, c uint64 }{{0, 0}, {1, 1}, {100, 100}, {101, 101 + J}, {200, 200 + J}, {201, 201 + 2*J}} {
		if got := rs.cursor(tc.p); got != tc.c {
			t.Fatalf("cursor(%d) = %d, want %d", tc.p, got, tc.c)
		}
	}
	for _, tc := range []struct{ c, p uint64 }{
		{50, 50}, {100, 100},
		{101, 100}, {150, 100}, {100 + J, 100}, // lost by the first restore
		{150 + J, 150}, {200 + J, 200},
		{201 + J, 200}, {260 + J, 200}, {200 + 2*J, 200}, // lost by the second
		{201 + 2*J, 201}, {5000 + 2*J, 5000},
	} {
		if got := rs.position(tc.c); got != tc.p {
			t.Fatalf("position(%d) = %d, want %d", tc.c, got, tc.p)
		}
	}
	var prev uint64
	for p := uint64(0); p < 300; p++ {
		c := rs.cursor(p)
		if rs.position(c) != p || (p > 0 && c <= prev) {
			t.Fatalf("position %d: cursor %d (after %d) reads back as %d", p, c, prev, rs.position(c))
		}
		prev = c
	}
	if got := feedRestores(nil).cursor(42); got != 42 || feedRestores(nil).position(42) != 42 {
		t.Fatal("without restores a cursor is the position")
	}
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
	// Through a connection that trusts this district's nodes, the node
	// refuses the other district's signature; with the other district's
	// keys alone, the laptop does not even trust the node.
	_, err = client.Backup(context.Background(), testHTTP(c.nodes[0].Addr()), c.nodes[0].Addr(), other, &buf)
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Code != protocol.CodeBadSignature {
		t.Fatalf("client.Backup with another district's keys: %v", err)
	}
	if _, err = client.Backup(context.Background(), nil, c.nodes[0].Addr(), other, &buf); err == nil || !strings.Contains(err.Error(), "not signed by district") {
		t.Fatalf("client.Backup trusting another district: %v", err)
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
