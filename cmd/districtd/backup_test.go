package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/node"
	"github.com/communekit/communekit/sync/protocol"
)

// Backups and restores of a district (PROTOCOL.md, "Backups and
// restoring a district") with real districtd processes.

// TestBackupRestore_NewClusterServesTheSameState: three nodes hold what
// three devices pushed; a backup is taken through client.Backup (what
// `kitctl district backup` calls); a device pushes and another pulls
// after it; every node is stopped and its directory wiped. One node is
// restored from the backup with --restore and starts a new cluster (its
// configuration has it alone); the two others join it empty and catch up
// from its snapshot. Every node then holds the state of the backup (same
// digest and feed), serves the receipts of the batches in it as they
// were, and answers the same pull with the same operations. A device
// whose batches are all in the backup pushes its next one; the device
// that pushed after the backup is told the batch the district lacks
// (gap), sends it again and goes on; the device that pulled after the
// backup, from a part of the feed the restore lost, gets what comes again
// and ends up holding every operation.
func TestBackupRestore_NewClusterServesTheSameState(t *testing.T) {
	d := newDistrict(t, "Huyện Mèo Vạc")
	c := newCluster(t, d, 3, fastRaft...)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	lan := newDevice(t, d, "Nguyễn Thị Lan") // batches 1, 2 in the backup; 3 after it
	minh := newDevice(t, d, "Lò Văn Minh")   // batch 1 in the backup; pulls after it
	mai := newDevice(t, d, "Vàng Thị Mai")   // only reads
	var kept []*protocol.Receipt
	keep := func(r *protocol.Receipt) { kept = append(kept, r) }
	cfg := pushConfig{urls: c.urls()}
	for _, step := range []struct {
		dv *device
		n  int
	}{{lan, 20}, {lan, 10}, {minh, 15}} {
		mustAdd(t, step.dv, step.n)
		mustSeal(t, step.dv)
		if err := step.dv.pushAll(ctx, cfg, keep); err != nil {
			t.Fatal(err)
		}
	}
	opsOf := func(dev string) (n int) {
		for _, r := range kept {
			if r.Device == dev {
				n += r.Ops
			}
		}
		return n
	}
	mai.register(t, c.nodes[2].url)
	before := c.converge()
	wantOps, wantSeq := mustPull(t, mai, c.nodes[2].url, 0)
	if len(wantOps) != opsOf(lan.id)+opsOf(minh.id) || wantSeq != before.Feed {
		t.Fatalf("a pull from the start brought %d operations up to %d; the receipts add up to %d, the feed to %d", len(wantOps), wantSeq, opsOf(lan.id)+opsOf(minh.id), before.Feed)
	}

	// Only the district's key may ask for a backup.
	other := newDistrict(t, "Huyện Đồng Văn")
	var foreign protocol.BackupRequest
	foreign.Sign(other.keys.Sign, time.Now())
	for _, tc := range []struct {
		name string
		req  any
	}{{"unsigned", map[string]int64{"time": time.Now().Unix()}}, {"signed with another district's key", foreign}} {
		body, _ := json.Marshal(tc.req)
		code, b, err := postRetry(c.nodes[1].url+protocol.PathBackup, body)
		var e protocol.Error
		if err != nil || json.Unmarshal(b, &e) != nil || code != http.StatusUnauthorized || e.Code != protocol.CodeBadSignature {
			t.Fatalf("a backup request %s: %d %s %v, want 401 %s", tc.name, code, b, err, protocol.CodeBadSignature)
		}
		t.Logf("a backup request %s: %d %s: %s", tc.name, code, e.Code, e.Message)
	}

	file := filepath.Join(t.TempDir(), "district-2026-11-25.ckbak")
	leader := c.leader()
	h := mustBackup(t, ctx, d, leader.url, file)
	if h.Index != before.AppliedIndex || h.Digest != before.Digest || h.Feed != before.Feed || h.Node != leader.spec.ID {
		t.Fatalf("the backup's header %+v; the cluster was at %+v (leader %s)", h, before, leader.spec.ID)
	}
	st, _ := os.Stat(file)
	t.Logf("backup of %s by %s at index %d, feed %d, digest %.16s…: %d bytes", h.District, h.Node, h.Index, h.Feed, h.Digest, st.Size())

	// After the backup: Lan's batch 3, and Minh pulls it.
	mustAdd(t, lan, 5)
	mustSeal(t, lan)
	var lost []*protocol.Receipt
	if err := lan.pushAll(ctx, cfg, func(r *protocol.Receipt) { lost = append(lost, r) }); err != nil {
		t.Fatal(err)
	}
	c.converge() // Minh asks a follower
	res := mustSync(t, ctx, minh, c.nodes[1].url)
	if res.Pulled != opsOf(lan.id)+lost[0].Ops || cursorOf(t, minh) <= h.Feed {
		t.Fatalf("Minh pulled %d operations (want Lan's %d), cursor %d, the backup's feed ends at %d", res.Pulled, opsOf(lan.id)+lost[0].Ops, cursorOf(t, minh), h.Feed)
	}
	oldCursor := cursorOf(t, minh)

	// The disaster: every node stopped, every directory gone.
	for _, n := range c.nodes {
		if err := n.stop(); err != nil {
			t.Fatal(err)
		}
		if err := os.RemoveAll(n.dir); err != nil {
			t.Fatal(err)
		}
	}

	// n1 starts a new cluster from the backup, on the same addresses.
	n1, n2, n3 := c.nodes[0], c.nodes[1], c.nodes[2]
	n1.spec.Flags = append(n1.spec.Flags, "--restore", file)
	n1.relaunch()
	n1.spec.Flags = n1.spec.Flags[:len(n1.spec.Flags)-2] // later starts are plain restarts
	waitFor(t, 30*time.Second, "the restored node to lead", func() bool {
		st, err := n1.status()
		return err == nil && st.Role == "leader"
	})
	var cs protocol.ClusterStatus
	if code, b, err := c.d.get(n1.url + protocol.PathStatus); err != nil || code != http.StatusOK || json.Unmarshal(b, &cs) != nil {
		t.Fatalf("cluster status: %d %s %v", code, b, err)
	}
	if len(cs.Nodes) != 1 || cs.Nodes[0].ID != "n1" || cs.Nodes[0].Digest != h.Digest || cs.Nodes[0].AppliedIndex < h.Index {
		t.Fatalf("the restored cluster is %+v: want n1 alone, with the backup's state", cs.Nodes)
	}
	if !strings.Contains(n1.log(), "restored the district's state from a backup") {
		t.Fatalf("n1 does not say it restored a backup:\n%s", tail(n1.log(), 20))
	}
	// n2 and n3 start empty and join it.
	for _, n := range []*daemon{n2, n3} {
		n.spec.Join = n1.url
		n.relaunch()
	}
	c.waitReady()
	after := c.converge()
	if after.Digest != before.Digest || after.Feed != before.Feed || after.AppliedIndex < before.AppliedIndex {
		t.Fatalf("the restored cluster holds %+v; before the backup %+v", after, before)
	}
	for _, n := range []*daemon{n2, n3} {
		if v, err := n.metric("communekit_snapshots_restored_total"); err != nil || v < 1 {
			t.Fatalf("%s restored %v snapshots (%v): it did not catch up from the restored node's snapshot", n.spec.ID, v, err)
		}
	}
	t.Logf("the restored cluster: applied index %d (the backup's %d), the same digest and feed on every node", after.AppliedIndex, h.Index)
	checkHolds(t, kept, c.nodes...)
	for _, n := range c.nodes {
		if _, code, _ := n.receipt(lan.id, lost[0].Seq); code != http.StatusNotFound {
			t.Fatalf("%s answers %d for batch %d of Lan, pushed after the backup", n.spec.ID, code, lost[0].Seq)
		}
	}
	gotOps, gotSeq := mustPull(t, mai, n3.url, 0)
	if gotSeq != wantSeq || !sameOps(gotOps, wantOps) {
		t.Fatalf("the same pull brought %d operations up to %d; before the backup %d up to %d", len(gotOps), gotSeq, len(wantOps), wantSeq)
	}

	// What each device is told.
	mustAdd(t, lan, 1)
	lan4 := mustSeal(t, lan)[0]
	if code, b, _ := postRetry(n2.url+protocol.PathPush, lan4.Sealed); code != http.StatusConflict || !strings.Contains(string(b), `"code":"gap"`) || !strings.Contains(string(b), `"expected":3`) {
		t.Fatalf("Lan's batch 4: %d %s, want 409 gap expecting batch 3", code, b)
	}
	// Minh's cursor is from the part of the feed the restore lost: with
	// nothing new after the backup's feed end, nothing comes.
	if code, b := pullRaw(t, minh, n2.url, oldCursor); code != http.StatusNoContent {
		t.Fatalf("Minh's pull from cursor %d (the old cluster's): %d %s, want 204", oldCursor, code, b)
	}
	// The devices' own sync (sync/client): Minh's next batch is accepted;
	// Lan sends batch 3 again, then 4; Minh receives them.
	mustAdd(t, minh, 4)
	if res := mustSync(t, ctx, minh, n3.url); res.Pushed != 1 || res.Pulled != 0 {
		t.Fatalf("Minh's sync after the restore: %+v (want its batch 2 sent, nothing received)", res)
	}
	if res := mustSync(t, ctx, lan, n2.url); res.Pushed != 2 || res.Duplicates != 0 {
		t.Fatalf("Lan's sync after the restore: %+v (want batches 3 and 4 sent)", res)
	}
	lan4ops := int(lan4.LastSeq - lan4.FirstSeq + 1)
	c.converge()
	if res := mustSync(t, ctx, minh, n1.url); res.Pulled != lost[0].Ops+lan4ops || res.Applied != lan4ops || res.Cursor <= newNumbering {
		t.Fatalf("Minh's second sync: %+v (want Lan's batches 3 and 4: %d operations, %d new; a cursor past %d)", res, lost[0].Ops+lan4ops, lan4ops, uint64(newNumbering))
	}
	lanPersons, _, _ := lan.s.Counts()
	minhPersons, _, _ := minh.s.Counts()
	// Lan made 36 persons, Minh 19; each holds them all.
	if lanPersons != 55 || minhPersons != 55 {
		t.Fatalf("Lan holds %d persons, Minh %d: want 55 each", lanPersons, minhPersons)
	}
	minh2, err := minh.s.Batch(2)
	if err != nil {
		t.Fatal(err)
	}
	final := c.converge()
	if want := before.Feed + uint64(lost[0].Ops+lan4ops) + minh2.LastSeq - minh2.FirstSeq + 1; final.Feed != want {
		t.Fatalf("the feed holds %d operations, want %d", final.Feed, want)
	}
	for _, n := range c.nodes {
		for seq := uint64(1); seq <= 4; seq++ {
			if _, code, err := n.receipt(lan.id, seq); code != http.StatusOK {
				t.Fatalf("%s does not hold Lan's batch %d: %d %v", n.spec.ID, seq, code, err)
			}
		}
	}
}

// TestRestore_Refusals: districtd --restore refuses a tampered, truncated
// or foreign file, a file of another district, a directory that holds
// anything and an address other nodes cannot dial, with a message that
// says what to do; it writes nothing.
func TestRestore_Refusals(t *testing.T) {
	d := newDistrict(t, "Huyện Bảo Lâm")
	other := newDistrict(t, "Huyện Bảo Lạc")
	file := inProcessBackup(t, d)
	good, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flipped := append([]byte{}, good...)
	flipped[len(flipped)-200] ^= 0x01
	tampered := write("tampered.ckbak", flipped)
	truncated := write("truncated.ckbak", good[:len(good)/2])
	notBackup := write("notes.txt", []byte("this is not a backup\n"))
	full := filepath.Join(dir, "full")
	if err := os.MkdirAll(full, 0o700); err != nil {
		t.Fatal(err)
	}
	write("full/keep.txt", []byte("kept"))
	passFile := write("pass", []byte(testPass+"\n"))
	t.Setenv("COMMUNEKIT_WORK_FACTOR", "10")

	for _, tc := range []struct {
		name     string
		district *district
		file     string
		dir      string
		extra    []string
		exit     int
		want     string
	}{
		{"a byte flipped", d, tampered, "n1", nil, 1, "damaged or was altered: its contents do not match the SHA-256 in its signed header; nothing was restored: use another copy"},
		{"cut short", d, truncated, "n1", nil, 1, "damaged or was altered: it is cut short"},
		{"not a backup", d, notBackup, "n1", nil, 1, "not a communekit district backup"},
		{"another district's profile", other, file, "n1", nil, 1, `is a backup of district "Huyện Bảo Lâm"`},
		{"a directory that holds a file", d, file, "full", nil, 1, "is not empty"},
		{"with --join", d, file, "n1", []string{"--join", "https://127.0.0.1:1"}, 2, "give --restore or --join, not both"},
		{"a Raft address on port 0", d, file, "n1", []string{"--raft", "127.0.0.1:0"}, 1, "with a fixed port"},
		{"no such file", d, filepath.Join(dir, "missing.ckbak"), "n1", nil, 1, "no such file"},
	} {
		args := []string{"--district", tc.district.dir, "--dir", filepath.Join(dir, tc.dir), "--id", "n1", "--raft", "127.0.0.1:7999",
			"--http", "127.0.0.1:0", "--passphrase-file", passFile, "--restore", tc.file}
		args = append(args, tc.extra...)
		var out bytes.Buffer
		if code := run(args, &out); code != tc.exit || !strings.Contains(out.String(), tc.want) {
			t.Fatalf("%s: exit %d, want %d with %q:\n%s", tc.name, code, tc.exit, tc.want, out.String())
		}
		t.Logf("%s: %s", tc.name, strings.TrimSpace(out.String()))
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if e.Name() == "n1" || strings.Contains(e.Name(), ".restoring-") {
				t.Fatalf("%s: a refused restore left %s behind", tc.name, e.Name())
			}
		}
	}
	if b, err := os.ReadFile(filepath.Join(full, "keep.txt")); err != nil || string(b) != "kept" {
		t.Fatalf("the directory refused was changed: %q %v", b, err)
	}
}

// inProcessBackup runs a one-node district in this process, and returns
// a backup of it in a file.
func inProcessBackup(t *testing.T, d *district) string {
	t.Helper()
	n, err := node.Start(node.Config{ID: "n1", Dir: filepath.Join(t.TempDir(), "n1"), District: d.keys, Passphrase: []byte(testPass), WorkFactor: 10,
		RaftAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Bootstrap: true, Logger: quietLog(),
		HeartbeatTimeout: 300 * time.Millisecond, ElectionTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Shutdown(context.Background())
	waitFor(t, 20*time.Second, "the node to be ready", func() bool { return n.Ready() == nil })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	file := filepath.Join(t.TempDir(), "d.ckbak")
	mustBackup(t, ctx, d, n.Addr(), file)
	return file
}

// mustBackup saves a backup from the node at url in file.
func mustBackup(t *testing.T, ctx context.Context, d *district, url, file string) *protocol.BackupHeader {
	t.Helper()
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, err := client.Backup(ctx, nil, url, d.keys, f)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return h
}

// relaunch starts the node again on its addresses, with --bootstrap or
// --join as its spec says now.
func (n *daemon) relaunch() {
	n.t.Helper()
	for attempt := 1; ; attempt++ {
		err := n.launch(true)
		if err == nil {
			return
		}
		if !errors.Is(err, errAddrInUse) || attempt == 10 {
			n.t.Fatalf("starting %s again: %v", n.spec.ID, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// mustSync runs the device's own sync (sync/client) against url.
func mustSync(t *testing.T, ctx context.Context, dv *device, url string) *client.Result {
	t.Helper()
	res, err := (&client.Client{Node: url, Store: dv.s, Retry: client.Backoff{Attempts: -1}}).Sync(ctx)
	if err != nil {
		t.Fatalf("sync of %s with %s: %v (%+v)", dv.id, url, err, res)
	}
	return res
}

// newNumbering is where the pull cursors of a district restored once
// start (sync/node/backup_cursor.go).
const newNumbering = 1 << 40

func cursorOf(t *testing.T, dv *device) uint64 {
	t.Helper()
	b, err := dv.s.GetMeta(client.MetaCursor)
	if err != nil || len(b) != 8 {
		t.Fatalf("cursor of %s: %x %v", dv.id, b, err)
	}
	return binary.BigEndian.Uint64(b)
}

// pullRaw sends one signed pull with cursor and returns the status and
// the body.
func pullRaw(t *testing.T, dv *device, url string, cursor uint64) (int, []byte) {
	code, b, _ := pullRawH(t, dv, url, cursor)
	return code, b
}

// pullRawH is pullRaw with the answer's header.
func pullRawH(t *testing.T, dv *device, url string, cursor uint64) (int, []byte, http.Header) {
	t.Helper()
	req := protocol.PullRequest{Device: dv.id, Cursor: cursor, Max: 2000}
	req.Sign(dv.s.DeviceKeys().Sign, time.Now())
	body, _ := json.Marshal(req)
	end := time.Now().Add(time.Minute)
	for {
		code, b, h, err := postH(pushClient, url+protocol.PathPull, body)
		if err == nil && code != http.StatusServiceUnavailable || time.Now().After(end) {
			if err != nil {
				t.Fatal(err)
			}
			return code, b, h
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// mustPull pulls once from cursor without applying anything, and returns
// the operations, encoded, and the answer's cursor.
func mustPull(t *testing.T, dv *device, url string, cursor uint64) ([][]byte, uint64) {
	t.Helper()
	code, b, h := pullRawH(t, dv, url, cursor)
	if code != http.StatusOK {
		t.Fatalf("pull from %d at %s: %d %s", cursor, url, code, b)
	}
	op, err := client.AnswerOpener(dv.s, h.Get(protocol.HeaderSigner))
	if err != nil {
		t.Fatal(err)
	}
	bt, err := op.Open(b)
	if err != nil {
		t.Fatal(err)
	}
	var ops [][]byte
	for _, o := range bt.Ops {
		ob, err := o.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		ops = append(ops, ob)
	}
	return ops, bt.Header.Seq
}

func sameOps(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestRestore_DeviceWithNothingNewSendsWhatTheDistrictLost: a laptop
// whose last batch was acknowledged after the backup, and which has
// nothing new, still gives the restored district that batch at its next
// sync: the client asks for the receipt of its last acknowledged batch,
// and sends it again when the district does not hold it.
func TestRestore_DeviceWithNothingNewSendsWhatTheDistrictLost(t *testing.T) {
	d := newDistrict(t, "Huyện Mèo Vạc")
	c := newCluster(t, d, 1, fastRaft...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	lan := newDevice(t, d, "Nguyễn Thị Lan")
	n1 := c.nodes[0]
	mustAdd(t, lan, 10)
	mustSync(t, ctx, lan, n1.url) // batch 1, in the backup
	file := filepath.Join(t.TempDir(), "d.ckbak")
	mustBackup(t, ctx, d, n1.url, file)
	mustAdd(t, lan, 3)
	if res := mustSync(t, ctx, lan, n1.url); res.Pushed != 1 { // batch 2, after it
		t.Fatalf("batch 2: %+v", res)
	}
	// Nothing new and the district holds everything: nothing is sent.
	if res := mustSync(t, ctx, lan, n1.url); res.Pushed != 0 {
		t.Fatalf("a sync with nothing new sent %+v", res)
	}
	if err := n1.stop(); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(n1.dir); err != nil {
		t.Fatal(err)
	}
	n1.spec.Flags = append(n1.spec.Flags, "--restore", file)
	n1.relaunch()
	waitFor(t, 30*time.Second, "the restored node to lead", func() bool {
		st, err := n1.status()
		return err == nil && st.Role == "leader"
	})
	if _, code, _ := n1.receipt(lan.id, 2); code != http.StatusNotFound {
		t.Fatalf("the restored node answers %d for batch 2, pushed after the backup", code)
	}
	res := mustSync(t, ctx, lan, n1.url)
	if res.Pushed != 1 || res.Duplicates != 0 {
		t.Fatalf("Lan's sync with nothing new after the restore: %+v (want batch 2 sent again)", res)
	}
	if _, code, err := n1.receipt(lan.id, 2); code != http.StatusOK {
		t.Fatalf("the restored district does not hold batch 2 after Lan's sync: %d %v", code, err)
	}
}
