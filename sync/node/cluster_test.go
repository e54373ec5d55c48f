package node

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/batch"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/outbox"
	"github.com/communekit/communekit/sync/protocol"
)

const testPass = "mật khẩu thử nghiệm"

func testLogger(t *testing.T) *slog.Logger {
	if os.Getenv("NODE_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// testCluster runs n nodes in this process on loopback.
type testCluster struct {
	t     *testing.T
	d     *identity.District
	nodes []*Node
	dirs  []string
}

func startNode(t *testing.T, d *identity.District, id, dir string, bootstrap bool, join string, tune func(*Config)) *Node {
	t.Helper()
	skipOnWindows(t)
	cfg := Config{ID: id, Dir: dir, District: d, Passphrase: []byte(testPass), WorkFactor: 10,
		RaftAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Bootstrap: bootstrap, Join: join,
		HeartbeatTimeout: 300 * time.Millisecond, ElectionTimeout: 300 * time.Millisecond, Logger: testLogger(t)}
	if tune != nil {
		tune(&cfg)
	}
	n, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	testDistricts.Store(n.Addr(), d.Public())
	return n
}

// testDistricts maps the base URL of each node the tests started to its
// district, so that a test's HTTP client trusts that district alone.
var testDistricts sync.Map

// testHTTP is the HTTP client a device of the district of the node at url
// uses: TLS, trusting only certificates of that district.
func testHTTP(url string) *http.Client {
	for base := url; ; {
		if d, ok := testDistricts.Load(strings.TrimRight(base, "/")); ok {
			return client.HTTPClient(d.(identity.DistrictPublic), client.HTTPOptions{})
		}
		i := strings.LastIndex(base, "/")
		if i <= len("https://") {
			panic("testHTTP: no node started at " + url)
		}
		base = base[:i]
	}
}

func newTestCluster(t *testing.T, size int, tune func(*Config)) *testCluster {
	t.Helper()
	d, err := identity.NewDistrict("Cụm thử")
	if err != nil {
		t.Fatal(err)
	}
	c := &testCluster{t: t, d: d}
	for i := 0; i < size; i++ {
		dir := filepath.Join(t.TempDir(), fmt.Sprintf("n%d", i+1))
		join := ""
		if i > 0 {
			join = c.nodes[0].Addr()
		}
		n := startNode(t, d, fmt.Sprintf("n%d", i+1), dir, i == 0, join, tune)
		c.nodes = append(c.nodes, n)
		c.dirs = append(c.dirs, dir)
		if i == 0 {
			waitFor(t, 10*time.Second, "a leader", func() bool { return n.raft.State() == raft.Leader })
		}
	}
	t.Cleanup(func() {
		for _, n := range c.nodes {
			if n != nil {
				n.Shutdown(context.Background())
			}
		}
	})
	waitFor(t, 20*time.Second, "every node ready", func() bool {
		for _, n := range c.nodes {
			if n.Ready() != nil {
				return false
			}
		}
		return true
	})
	return c
}

func (c *testCluster) leader() *Node {
	for _, n := range c.nodes {
		if n != nil && n.raft.State() == raft.Leader {
			return n
		}
	}
	return nil
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		if ok() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("waited %s for %s", d, what)
}

// converged waits until every running node has applied the same state.
func (c *testCluster) converged() string {
	c.t.Helper()
	var digest string
	waitFor(c.t, 20*time.Second, "equal digests on every node", func() bool {
		digest = ""
		for _, n := range c.nodes {
			if n == nil {
				continue
			}
			st := n.Status()
			if digest == "" {
				digest = st.Digest
			} else if st.Digest != digest {
				return false
			}
		}
		return true
	})
	return digest
}

// device is an enrolled commune device with its store.
type device struct {
	s    *storage.Store
	cert *cert.Certificate
}

func newDevice(t *testing.T, d *identity.District, commune, officer string, role cert.Role) *device {
	t.Helper()
	return newDeviceClock(t, d, commune, officer, role, nil)
}

// newDeviceClock is newDevice with the laptop's wall clock now (time.Now
// when nil).
func newDeviceClock(t *testing.T, d *identity.District, commune, officer string, role cert.Role, now func() time.Time) *device {
	t.Helper()
	return newDeviceOf(t, d, []string{commune}, officer, role, now)
}

// newDeviceOf is a device enrolled for several communes (a supervisor's);
// its profile is of the first.
func newDeviceOf(t *testing.T, d *identity.District, communes []string, officer string, role cert.Role, now func() time.Time) *device {
	t.Helper()
	s, err := storage.Create(filepath.Join(t.TempDir(), "dev"), []byte(testPass), storage.Profile{Commune: communes[0], Officer: officer}, storage.Options{WorkFactor: 10, GCInterval: -1, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	req, err := cert.NewRequest(s.DeviceKeys(), officer, communes, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c, err := cert.Sign(req, role, nil, 24*time.Hour, uint64(time.Now().UnixNano()), d, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := outbox.Install(s, c, d.Public(), time.Now()); err != nil {
		t.Fatal(err)
	}
	return &device{s: s, cert: c}
}

func (dv *device) add(t *testing.T, n int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("full_name,birth_date,sex,ethnicity,household_number,relationship_to_head,permanent_address_code\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "Giàng A Páo,1990,Nam,H'Mông,H%d-%d,Chủ hộ,%s\n", time.Now().UnixNano(), i, dv.s.Profile().Commune)
	}
	rep, err := dv.s.ImportPersons(strings.NewReader(b.String()), storage.ImportOptions{})
	if err != nil || rep.Imported != n {
		t.Fatalf("import: %+v %v", rep, err)
	}
}

func (dv *device) seal(t *testing.T) []*storage.OutBatch {
	t.Helper()
	z, err := outbox.SealerFor(dv.s, 0)
	if err != nil {
		t.Fatal(err)
	}
	bs, err := z.Seal(dv.s)
	if err != nil {
		t.Fatal(err)
	}
	return bs
}

// post sends a request, again while the cluster answers 503 (an election
// under way on a loaded machine), as a device would.
func post(t *testing.T, url, path string, body []byte) (int, []byte) {
	t.Helper()
	end := time.Now().Add(15 * time.Second)
	for {
		resp, err := testHTTP(url).Post(strings.TrimRight(url, "/")+path, "application/octet-stream", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || time.Now().After(end) {
			return resp.StatusCode, b
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// register sends dv's certificate, signed by dv as its client does.
func (dv *device) register(t *testing.T, url string) {
	t.Helper()
	cb, _ := dv.cert.MarshalBinary()
	if st, b := signedDo(t, http.MethodPost, url, protocol.PathCertificate, cb, dv.signer()); st != http.StatusNoContent {
		t.Fatalf("certificate: %d %s", st, b)
	}
}

// signer is who signs a test's request: a signer name and its key.
type signer struct {
	name string
	key  ed25519.PrivateKey
	now  time.Time // zero: time.Now
}

func (dv *device) signer() signer {
	return signer{name: protocol.SignerDevice(dv.cert.Device.ID), key: dv.s.DeviceKeys().Sign}
}

func districtSigner(d *identity.District) signer {
	return signer{name: protocol.SignerDistrict, key: d.Sign}
}

// signedDo sends a request signed by s (unsigned when s.key is nil),
// again while the node answers 503, as post does.
func signedDo(t *testing.T, method, url, path string, body []byte, s signer) (int, []byte) {
	t.Helper()
	end := time.Now().Add(15 * time.Second)
	for {
		req, err := http.NewRequest(method, strings.TrimRight(url, "/")+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/octet-stream")
		if s.key != nil {
			now := s.now
			if now.IsZero() {
				now = time.Now()
			}
			protocol.SignRequest(req, body, s.name, s.key, now)
		}
		resp, err := testHTTP(url).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || time.Now().After(end) {
			return resp.StatusCode, b
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func pushOK(t *testing.T, d *identity.District, url string, ob *storage.OutBatch) *protocol.Receipt {
	t.Helper()
	st, b := post(t, url, protocol.PathPush, ob.Sealed)
	if st != http.StatusOK {
		t.Fatalf("push of batch %d: %d %s", ob.N, st, b)
	}
	var r protocol.Receipt
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if err := r.Verify(d.Public(), nil); err != nil {
		t.Fatal(err)
	}
	return &r
}

func pushErr(t *testing.T, url string, sealed []byte) (int, protocol.Error) {
	t.Helper()
	st, b := post(t, url, protocol.PathPush, sealed)
	var e protocol.Error
	json.Unmarshal(b, &e)
	return st, e
}

func TestCluster_PushReplicatesPullDelivers(t *testing.T) {
	c := newTestCluster(t, 3, nil)
	lan := newDevice(t, c.d, "00769", "Nguyễn Thị Lan", cert.RoleOfficer)
	minh := newDevice(t, c.d, "00769", "Lò Văn Minh", cert.RoleOfficer)
	other := newDevice(t, c.d, "00001", "Trần Văn Ba", cert.RoleOfficer)
	follower := c.nodes[1]
	if follower == c.leader() {
		follower = c.nodes[2]
	}

	// Unknown until the certificate is sent.
	lan.add(t, 600)
	bs := lan.seal(t)
	if st, e := pushErr(t, follower.Addr(), bs[0].Sealed); st != 401 || e.Code != protocol.CodeUnknownDevice {
		t.Fatalf("unenrolled push: %d %+v", st, e)
	}
	lan.register(t, follower.Addr())
	minh.register(t, c.nodes[0].Addr())
	other.register(t, c.nodes[2].Addr())

	// A gap answers the number expected; nothing is applied.
	if st, e := pushErr(t, follower.Addr(), bs[1].Sealed); st != 409 || e.Code != protocol.CodeGap || e.Expected != 1 {
		t.Fatalf("gap: %d %+v", st, e)
	}
	var receipts []*protocol.Receipt
	for _, ob := range bs {
		r := pushOK(t, c.d, follower.Addr(), ob) // through a follower
		if r.Duplicate || r.Seq != ob.N || r.Device != string(lan.s.Profile().Device) {
			t.Fatalf("receipt %+v for batch %d", r, ob.N)
		}
		receipts = append(receipts, r)
	}
	// The same batch again: the original receipt.
	again := pushOK(t, c.d, c.nodes[2].Addr(), bs[0])
	if !again.Duplicate || again.Index != receipts[0].Index || again.Sig != receipts[0].Sig {
		t.Fatalf("duplicate receipt %+v, original %+v", again, receipts[0])
	}
	digest := c.converged()
	for _, n := range c.nodes {
		p, _, _ := n.Store().Counts()
		if p != 600 {
			t.Fatalf("node %s holds %d persons, want 600", n.cfg.ID, p)
		}
	}

	// Minh (same commune) pulls Lan's work; the other commune gets nothing.
	sent := 0
	for _, r := range receipts {
		sent += r.Ops
	}
	pulled := pull(t, minh, follower.Addr())
	if pulled != sent {
		t.Fatalf("Minh pulled %d operations, Lan sent %d", pulled, sent)
	}
	if p, _, _ := minh.s.Counts(); p != 600 {
		t.Fatalf("Minh's store holds %d persons", p)
	}
	if hits, err := minh.s.Search("giang a pao", 5); err != nil || len(hits) == 0 {
		t.Fatalf("pulled persons not searchable: %v %v", hits, err)
	}
	if got := pull(t, other, c.nodes[0].Addr()); got != 0 {
		t.Fatalf("another commune pulled %d operations", got)
	}
	if got := pull(t, minh, c.nodes[0].Addr()); got != 0 {
		t.Fatalf("a second pull brought %d operations again", got)
	}
	if d := c.converged(); d != digest {
		t.Fatal("pulls changed the district state")
	}
}

// pull pulls everything new for dv and applies it; it returns the
// operations received.
func pull(t *testing.T, dv *device, url string) int {
	t.Helper()
	total := 0
	for {
		var cursor uint64
		if b, err := dv.s.GetMeta("sync/cursor"); err == nil {
			cursor = binary.BigEndian.Uint64(b)
		}
		req := protocol.PullRequest{Device: string(dv.s.Profile().Device), Cursor: cursor}
		req.Sign(dv.s.DeviceKeys().Sign, time.Now())
		body, _ := json.Marshal(req)
		resp, err := testHTTP(url).Post(url+protocol.PathPull, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusNoContent {
			return total
		}
		if resp.StatusCode != 200 {
			t.Fatalf("pull: %d %s", resp.StatusCode, b)
		}
		op, err := client.AnswerOpener(dv.s, resp.Header.Get(protocol.HeaderSigner))
		if err != nil {
			t.Fatal(err)
		}
		bt, err := op.Open(b)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := dv.s.ApplyOps(bt.Ops, storage.ApplyOptions{Index: true, ObserveClock: true, Meta: map[string][]byte{"sync/cursor": u64(bt.Header.Seq)}}); err != nil {
			t.Fatal(err)
		}
		total += len(bt.Ops)
		if resp.Header.Get(protocol.HeaderMore) != "1" {
			return total
		}
	}
}

var _ = batch.Hash

// A node stopped and started again in the same process (the app's demo
// district does this) comes back with its state.
func TestNode_RestartInProcess(t *testing.T) {
	d, err := identity.NewDistrict("Cụm thử")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "n1")
	n := startNode(t, d, "n1", dir, true, "", nil)
	waitFor(t, 10*time.Second, "a leader", func() bool { return n.raft.State() == raft.Leader })
	before := n.fsm.applied.Load()
	if err := n.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	done := make(chan *Node, 1)
	go func() { done <- startNode(t, d, "n1", dir, true, "", nil) }()
	select {
	case n = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the node did not start again within 20 s (a lock left held?)")
	}
	defer n.Shutdown(context.Background())
	waitFor(t, 10*time.Second, "a leader again", func() bool { return n.raft.State() == raft.Leader })
	if n.fsm.applied.Load() < before {
		t.Fatalf("applied index went back from %d to %d", before, n.fsm.applied.Load())
	}
}
