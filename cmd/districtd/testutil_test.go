package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/outbox"
	"github.com/communekit/communekit/sync/protocol"
)

// The tests in this package run districtd as real processes on loopback:
// the test binary runs itself with envChild set, and TestMain then runs
// the daemon instead of the tests.
const (
	envChild = "DISTRICTD_TEST_MAIN"
	testPass = "mật khẩu thử nghiệm"
	commune  = "00769"
)

func TestMain(m *testing.M) {
	if os.Getenv(envChild) == "1" {
		os.Exit(run(os.Args[1:], os.Stderr))
	}
	os.Exit(m.Run())
}

// fastRaft are the Raft timeouts of every test but the leader-loss one,
// which keeps the production defaults whatever they are.
var fastRaft = []string{"--heartbeat-timeout", "500ms", "--election-timeout", "500ms"}

// district is a district profile on disk, as `kitctl district init` makes
// it, and its keys.
type district struct {
	dir  string
	keys *identity.District
}

func newDistrict(t *testing.T, name string) *district {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "district")
	s, err := storage.Create(dir, []byte(testPass), storage.Profile{Kind: storage.KindDistrict, District: name}, storage.Options{WorkFactor: 10, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	keys, err := storage.DistrictKeysOf(dir, []byte(testPass))
	if err != nil {
		t.Fatal(err)
	}
	testDistricts.Store(keys.Public().KeyID, keys.Public())
	return &district{dir: dir, keys: keys}
}

// testDistricts are the districts the tests made, by key ID. The tests'
// plumbing (status, metrics, pushes of the hand-written device loop)
// trusts the nodes of any of them.
var testDistricts sync.Map

// testTransport speaks TLS to the nodes of any district the tests made.
func testTransport(keepAlives bool) *http.Transport {
	return &http.Transport{DisableKeepAlives: !keepAlives, MaxIdleConnsPerHost: 16, TLSClientConfig: &tls.Config{
		MinVersion:         tls.VersionTLS13,
		InsecureSkipVerify: true, // checked below, against the tests' districts
		VerifyConnection: func(cs tls.ConnectionState) error {
			raw := [][]byte{}
			for _, c := range cs.PeerCertificates {
				raw = append(raw, c.Raw)
			}
			var err error
			testDistricts.Range(func(_, v any) bool {
				_, err = cert.VerifyNodeTLS(raw, v.(identity.DistrictPublic), x509.ExtKeyUsageServerAuth, time.Now(), time.Minute)
				return err != nil
			})
			return err
		},
	}}
}

// nodeSpec says how to start one districtd.
type nodeSpec struct {
	ID        string
	Raft      string // --raft; a free port when empty
	Advertise string // --advertise-raft, when set
	Bootstrap bool
	Join      string   // --join URL
	Flags     []string // more flags
	Env       []string // more environment ("NAME=value"), at every start
	// BeforeStart runs before each attempt to start, once the ports are
	// chosen (a test proxy learns where to forward).
	BeforeStart func(*daemon)
}

// daemon is one districtd process (or its directory, between runs).
type daemon struct {
	t       *testing.T
	d       *district
	spec    nodeSpec
	dir     string
	raft    string // host:port it binds for Raft
	http    string // host:port of its API
	metrics string // host:port of its /metrics
	url     string
	logPath string
	p       *proc // nil before the first start
}

// proc is one run of a node's process.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once it exited
	err  error         // cmd.Wait's result, once done is closed
}

func (n *daemon) running() bool {
	if n.p == nil {
		return false
	}
	select {
	case <-n.p.done:
		return false
	default:
		return true
	}
}

func (n *daemon) args(membership bool) []string {
	a := []string{"--district", n.d.dir, "--dir", n.dir, "--id", n.spec.ID, "--raft", n.raft, "--http", n.http, "--metrics", n.metrics}
	if n.spec.Advertise != "" {
		a = append(a, "--advertise-raft", n.spec.Advertise)
	}
	if membership && n.spec.Bootstrap {
		a = append(a, "--bootstrap")
	}
	if membership && n.spec.Join != "" {
		a = append(a, "--join", n.spec.Join)
	}
	return append(a, n.spec.Flags...)
}

var errAddrInUse = errors.New("address already in use")

// launch starts the process and waits until its API answers.
func (n *daemon) launch(membership bool) error {
	if n.spec.BeforeStart != nil {
		n.spec.BeforeStart(n)
	}
	f, err := os.OpenFile(n.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	from := fi.Size()
	args := n.args(membership)
	fmt.Fprintf(f, "=== test: districtd %s\n", strings.Join(args, " "))
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), envChild+"=1", "COMMUNEKIT_PASSPHRASE="+testPass, "COMMUNEKIT_WORK_FACTOR=10")
	cmd.Env = append(cmd.Env, n.spec.Env...)
	cmd.Stdout, cmd.Stderr = f, f
	setProcAttr(cmd)
	if err := cmd.Start(); err != nil {
		f.Close()
		return err
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	n.p = p
	end := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-p.done:
			out := n.logSince(from)
			if strings.Contains(out, "address already in use") {
				return errAddrInUse
			}
			return fmt.Errorf("districtd %s exited while starting (%v):\n%s", n.spec.ID, p.err, out)
		default:
		}
		if st, _, err := get(n.url + protocol.PathHealth); err == nil && st == http.StatusOK {
			return nil
		}
		if time.Now().After(end) {
			n.kill()
			return fmt.Errorf("districtd %s did not serve %s within a minute:\n%s", n.spec.ID, protocol.PathHealth, n.logSince(from))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// start runs the node for the first time, on free ports (chosen again if
// another process took one meanwhile).
func (n *daemon) start() {
	n.t.Helper()
	for attempt := 1; ; attempt++ {
		n.raft = n.spec.Raft
		if n.raft == "" {
			n.raft = freeAddr(n.t)
		}
		n.http = freeAddr(n.t)
		n.metrics = freeAddr(n.t)
		n.url = "https://" + n.http
		err := n.launch(true)
		if err == nil {
			return
		}
		if !errors.Is(err, errAddrInUse) || attempt == 5 {
			n.t.Fatalf("starting %s: %v", n.spec.ID, err)
		}
	}
}

// restart runs the node again on its directory and ports, without
// --bootstrap or --join: its Raft state says which cluster it is in.
func (n *daemon) restart() {
	n.t.Helper()
	for attempt := 1; ; attempt++ {
		err := n.launch(false)
		if err == nil {
			return
		}
		if !errors.Is(err, errAddrInUse) || attempt == 10 {
			n.t.Fatalf("restarting %s: %v", n.spec.ID, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// kill stops the process at once (SIGKILL): no leadership transfer, no
// flush.
func (n *daemon) kill() {
	if !n.running() {
		return
	}
	n.p.cmd.Process.Kill()
	<-n.p.done
}

// stop asks the node to stop (SIGTERM) and reports whether it stopped
// cleanly.
func (n *daemon) stop() error {
	if !n.running() {
		return nil
	}
	n.p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.p.done:
	case <-time.After(30 * time.Second):
		n.kill()
		return fmt.Errorf("districtd %s did not stop within 30 s of SIGTERM", n.spec.ID)
	}
	if n.p.err != nil {
		return fmt.Errorf("districtd %s stopped with %v after SIGTERM", n.spec.ID, n.p.err)
	}
	return nil
}

// dump stops the node with SIGQUIT: the Go runtime writes every
// goroutine's stack to its log.
func (n *daemon) dump() {
	if !n.running() {
		return
	}
	n.p.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-n.p.done:
	case <-time.After(10 * time.Second):
		n.kill()
	}
}

func (n *daemon) log() string {
	b, _ := os.ReadFile(n.logPath)
	return string(b)
}

func (n *daemon) logSince(off int64) string {
	b, _ := os.ReadFile(n.logPath)
	if off > int64(len(b)) {
		off = 0
	}
	return string(b[off:])
}

func tail(s string, lines int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}

func (n *daemon) status() (protocol.NodeStatus, error) {
	var st protocol.NodeStatus
	code, b, err := n.d.get(n.url + protocol.PathNodeStatus)
	if err != nil {
		return st, err
	}
	if code != http.StatusOK {
		return st, fmt.Errorf("%s: %d %s", protocol.PathNodeStatus, code, b)
	}
	return st, json.Unmarshal(b, &st)
}

// metric returns the value of an unlabelled metric from /metrics.
func (n *daemon) metric(name string) (float64, error) {
	code, b, err := get("http://" + n.metrics + protocol.PathMetrics)
	if err != nil {
		return 0, err
	}
	if code != http.StatusOK {
		return 0, fmt.Errorf("%s: %d", protocol.PathMetrics, code)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	return 0, fmt.Errorf("no metric %s on %s", name, n.spec.ID)
}

// receipt asks the node whether it holds batch seq of dev: its own
// receipt, or nil and the HTTP status.
func (n *daemon) receipt(dev string, seq uint64) (*protocol.Receipt, int, error) {
	code, b, err := n.d.get(fmt.Sprintf("%s%s%s/%d", n.url, protocol.PathNodeReceipt, dev, seq))
	if err != nil || code != http.StatusOK {
		return nil, code, err
	}
	var r protocol.Receipt
	return &r, code, json.Unmarshal(b, &r)
}

// cluster is the districtd processes of one test.
type cluster struct {
	t     *testing.T
	d     *district
	flags []string // given to every node
	nodes []*daemon
}

// newCluster starts size nodes: n1 bootstraps, the others join it.
func newCluster(t *testing.T, d *district, size int, flags ...string) *cluster {
	t.Helper()
	specs := make([]nodeSpec, size)
	for i := range specs {
		specs[i].ID = fmt.Sprintf("n%d", i+1)
	}
	return startCluster(t, d, specs, flags...)
}

// startCluster starts a node for each spec: the first bootstraps, the
// others join it.
func startCluster(t *testing.T, d *district, specs []nodeSpec, flags ...string) *cluster {
	t.Helper()
	c := &cluster{t: t, d: d, flags: flags}
	t.Cleanup(c.shutdown)
	specs[0].Bootstrap = true
	first := c.start(specs[0])
	waitFor(t, 30*time.Second, specs[0].ID+" to lead its new cluster", func() bool {
		st, err := first.status()
		return err == nil && st.Role == "leader"
	})
	for _, spec := range specs[1:] {
		spec.Join = first.url
		c.start(spec)
	}
	c.waitReady()
	return c
}

// start starts a node of this cluster (with the cluster's flags).
func (c *cluster) start(spec nodeSpec) *daemon {
	c.t.Helper()
	spec.Flags = append(append([]string{}, c.flags...), spec.Flags...)
	n := &daemon{t: c.t, d: c.d, spec: spec, dir: filepath.Join(c.t.TempDir(), spec.ID)}
	n.logPath = filepath.Join(c.t.TempDir(), spec.ID+".log")
	c.nodes = append(c.nodes, n)
	n.start()
	return n
}

func (c *cluster) running() []*daemon {
	var out []*daemon
	for _, n := range c.nodes {
		if n.running() {
			out = append(out, n)
		}
	}
	return out
}

// shutdown stops every node with SIGTERM, as an operator would, fails the
// test if one does not stop cleanly or its race detector spoke, and shows
// the end of each node's log if the test failed. After a failure it
// stops them with SIGQUIT instead, so that each log ends with the node's
// goroutines; DISTRICTD_TEST_LOGDIR=dir keeps the logs there.
func (c *cluster) shutdown() {
	failed := c.t.Failed()
	ends := make([]int64, len(c.nodes)) // log sizes before the dumps
	var wg sync.WaitGroup
	errs := make([]error, len(c.nodes))
	for i, n := range c.nodes {
		ends[i] = int64(len(n.log()))
		wg.Add(1)
		go func() {
			defer wg.Done()
			if failed {
				n.dump()
				return
			}
			errs[i] = n.stop()
		}()
	}
	wg.Wait()
	for i, n := range c.nodes {
		if errs[i] != nil {
			c.t.Error(errs[i])
		}
		if strings.Contains(n.log(), "WARNING: DATA RACE") {
			c.t.Errorf("districtd %s: the race detector found a data race (see its log)", n.spec.ID)
		}
	}
	keep := os.Getenv("DISTRICTD_TEST_LOGDIR")
	// DISTRICTD_TEST_LOGS=1 shows every log whole.
	whole := os.Getenv("DISTRICTD_TEST_LOGS") != ""
	if c.t.Failed() || whole {
		for i, n := range c.nodes {
			log := n.log()
			if !whole {
				log = tail(log[:min(ends[i], int64(len(log)))], 40)
			}
			c.t.Logf("--- end of %s's log (%s):\n%s", n.spec.ID, n.logPath, log)
			if keep != "" {
				name := filepath.Join(keep, strings.ReplaceAll(c.t.Name(), "/", "_")+"-"+n.spec.ID+".log")
				if err := os.WriteFile(name, []byte(n.log()), 0o600); err == nil {
					c.t.Logf("kept %s", name)
				}
			}
		}
	}
}

// waitReady waits until every running node answers /readyz and one of
// them lists them all as leader or followers of one leader.
func (c *cluster) waitReady() {
	c.t.Helper()
	nodes := c.running()
	var why string
	ok := waitUntil(60*time.Second, func() bool {
		for _, n := range nodes {
			code, b, err := get(n.url + protocol.PathReady)
			if err != nil || code != http.StatusOK {
				why = fmt.Sprintf("%s /readyz: %d %s %v", n.spec.ID, code, strings.TrimSpace(string(b)), err)
				return false
			}
		}
		var cs protocol.ClusterStatus
		code, b, err := c.d.get(nodes[0].url + protocol.PathStatus)
		if err != nil || code != http.StatusOK || json.Unmarshal(b, &cs) != nil {
			why = fmt.Sprintf("cluster status: %d %s %v", code, b, err)
			return false
		}
		leaders := 0
		for _, st := range cs.Nodes {
			switch st.Role {
			case "leader":
				leaders++
			case "follower":
			default:
				why = fmt.Sprintf("cluster status: %s is %s", st.ID, st.Role)
				return false
			}
		}
		if len(cs.Nodes) != len(nodes) || leaders != 1 {
			why = fmt.Sprintf("cluster status lists %d nodes with %d leaders, want %d nodes and one leader: %s", len(cs.Nodes), leaders, len(nodes), b)
			return false
		}
		return true
	})
	if !ok {
		c.t.Fatalf("the cluster did not get ready within a minute: %s", why)
	}
}

// leader returns the running node that says it leads.
func (c *cluster) leader() *daemon {
	c.t.Helper()
	var l *daemon
	waitFor(c.t, 30*time.Second, "a leader", func() bool {
		for _, n := range c.running() {
			if st, err := n.status(); err == nil && st.Role == "leader" {
				l = n
				return true
			}
		}
		return false
	})
	return l
}

func (c *cluster) urls() []string {
	var out []string
	for _, n := range c.nodes {
		out = append(out, n.url)
	}
	return out
}

// converge waits until every running node has applied the same entries
// and holds byte-identical state, and returns that state.
func (c *cluster) converge() protocol.NodeStatus {
	c.t.Helper()
	return converge(c.t, c.running()...)
}

func converge(t *testing.T, nodes ...*daemon) protocol.NodeStatus {
	t.Helper()
	var last []protocol.NodeStatus
	var why string
	ok := waitUntil(60*time.Second, func() bool {
		last = last[:0]
		for _, n := range nodes {
			st, err := n.status()
			if err != nil {
				why = fmt.Sprintf("%s: %v", n.spec.ID, err)
				return false
			}
			if st.Error != "" || st.Digest == "" {
				why = fmt.Sprintf("%s: no digest: %s", n.spec.ID, st.Error)
				return false
			}
			last = append(last, st)
		}
		for _, st := range last[1:] {
			if st.AppliedIndex != last[0].AppliedIndex || st.Digest != last[0].Digest || st.Feed != last[0].Feed {
				why = "the nodes differ"
				return false
			}
		}
		return true
	})
	if !ok {
		for _, st := range last {
			t.Logf("%s: %s applied %d feed %d digest %.16s…", st.ID, st.Role, st.AppliedIndex, st.Feed, st.Digest)
		}
		t.Fatalf("the nodes did not converge within a minute: %s", why)
	}
	return last[0]
}

// checkHolds fails unless every node holds every receipt (its own receipt
// for the batch names the same hash, ops and Raft index).
func checkHolds(t *testing.T, receipts []*protocol.Receipt, nodes ...*daemon) {
	t.Helper()
	for _, n := range nodes {
		for _, r := range receipts {
			got, code, err := n.receipt(r.Device, r.Seq)
			if err != nil || code != http.StatusOK {
				t.Fatalf("%s does not hold batch %d of %s, acknowledged with index %d: %d %v", n.spec.ID, r.Seq, r.Device, r.Index, code, err)
			}
			// The same receipt, signed by the node asked (each node
			// signs with its own key).
			if got.Hash != r.Hash || got.Ops != r.Ops || got.Index != r.Index || got.Verify(n.d.keys.Public(), nil) != nil {
				t.Fatalf("%s's receipt for batch %d of %s is %+v, the device was given %+v", n.spec.ID, r.Seq, r.Device, got, r)
			}
		}
	}
}

// waitUntil polls ok until it holds or d passes.
func waitUntil(d time.Duration, ok func() bool) bool {
	end := time.Now().Add(d)
	for {
		if ok() {
			return true
		}
		if time.Now().After(end) {
			return false
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	if !waitUntil(d, ok) {
		t.Fatalf("waited %s for %s", d, what)
	}
}

// freeAddr returns a loopback address with a port nobody listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

var statusClient = &http.Client{Timeout: 5 * time.Second, Transport: testTransport(true)}

func get(url string) (int, []byte, error) {
	resp, err := statusClient.Get(url)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// get is a GET signed by the district, as status and receipt requests
// must be.
func (d *district) get(url string) (int, []byte, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	protocol.SignRequest(req, nil, protocol.SignerDistrict, d.keys.Sign, time.Now())
	resp, err := statusClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// postCert sends dv's certificate to the node at url, signed by dv as its
// client does.
func (dv *device) postCert(ctx context.Context, c *http.Client, url string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+protocol.PathCertificate, bytes.NewReader(dv.cert))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	protocol.SignRequest(req, dv.cert, protocol.SignerDevice(dv.id), dv.s.DeviceKeys().Sign, time.Now())
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// register sends dv's certificate to the node at url until it is taken.
func (dv *device) register(t *testing.T, url string) {
	t.Helper()
	end := time.Now().Add(time.Minute)
	for {
		code, b, err := dv.postCert(context.Background(), pushClient, url)
		if err == nil && code == http.StatusNoContent {
			return
		}
		if err == nil && code != http.StatusServiceUnavailable || time.Now().After(end) {
			t.Fatalf("certificate of %s to %s: %d %s %v", dv.id, url, code, b, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func post(c *http.Client, url string, body []byte) (int, []byte, error) {
	code, b, _, err := postH(c, url, body)
	return code, b, err
}

// postH is post, with the answer's header.
func postH(c *http.Client, url string, body []byte) (int, []byte, http.Header, error) {
	resp, err := c.Post(url, "application/octet-stream", bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header, err
}

// postRetry posts body until the answer is not 503 and the node could
// be reached (an election can be under way on a loaded machine), for at
// most a minute.
func postRetry(url string, body []byte) (int, []byte, error) {
	end := time.Now().Add(time.Minute)
	for {
		code, b, err := post(pushClient, url, body)
		if err == nil && code != http.StatusServiceUnavailable || time.Now().After(end) {
			return code, b, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// mustPost posts body and fails unless the answer is want.
func mustPost(t *testing.T, url string, body []byte, want int) {
	t.Helper()
	if code, b, err := postRetry(url, body); err != nil || code != want {
		t.Fatalf("POST %s: %d %s %v, want %d", url, code, b, err, want)
	}
}

// device is an enrolled commune device with its own store, pushing with
// plain HTTP the way PROTOCOL.md's client loop says.
type device struct {
	id   string
	s    *storage.Store
	cert []byte // its certificate, as POSTed to /v1/certificate
	d    *district
}

func newDevice(t *testing.T, d *district, officer string) *device {
	t.Helper()
	s, err := storage.Create(filepath.Join(t.TempDir(), "device"), []byte(testPass), storage.Profile{Commune: commune, Officer: officer}, storage.Options{WorkFactor: 10, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	now := time.Now()
	req, err := cert.NewRequest(s.DeviceKeys(), officer, []string{commune}, now)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cert.Sign(req, cert.RoleOfficer, nil, 24*time.Hour, rand.Uint64N(1<<62)+1, d.keys, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := outbox.Install(s, c, d.keys.Public(), now); err != nil {
		t.Fatal(err)
	}
	cb, err := c.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return &device{id: string(s.Profile().Device), s: s, cert: cb, d: d}
}

// households numbers the persons the devices make: each heads a
// household of its own and has a birth date no other has, so that no
// two look alike (the tests are about faults, not about conflicts).
var households atomic.Uint64

var (
	familyNames = []string{"Giàng", "Lò", "Vàng", "Nguyễn", "Hoàng", "Sùng", "Tẩn", "Lý"}
	givenNames  = []string{"A Páo", "Văn Minh", "Thị Mai", "Văn Tú", "Thị Lan", "A Sử", "Láo Lở", "Thị Dợ"}
)

// add records n new persons, each the head of a new household.
func (dv *device) add(n int) error {
	var b strings.Builder
	b.WriteString("full_name,birth_date,sex,ethnicity,household_number,relationship_to_head,permanent_address_code\n")
	born := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		k := households.Add(1)
		fmt.Fprintf(&b, "%s %s,%s,Nam,H'Mông,H%d,Chủ hộ,%s\n", familyNames[k%8], givenNames[k/8%8], born.AddDate(0, 0, int(k)).Format("02/01/2006"), k, commune)
	}
	rep, err := dv.s.ImportPersons(strings.NewReader(b.String()), storage.ImportOptions{})
	if err != nil {
		return err
	}
	if rep.Imported != n {
		return fmt.Errorf("imported %d of %d persons: %+v", rep.Imported, n, rep.Rejected)
	}
	return nil
}

// seal seals everything not yet in a batch.
func (dv *device) seal() ([]*storage.OutBatch, error) {
	z, err := outbox.SealerFor(dv.s, 0)
	if err != nil {
		return nil, err
	}
	return z.Seal(dv.s)
}

// pushConfig says where and how a device pushes.
type pushConfig struct {
	urls   []string     // nodes, tried in turn when one fails
	client *http.Client // pushClient when nil
	// failed, when set, is called after each attempt that failed and
	// will be retried.
	failed func(attempt int, err error)
}

var pushClient = &http.Client{Timeout: 20 * time.Second, Transport: testTransport(true)}

// push sends one sealed batch until the district answers with a receipt
// (checked against the district key and the batch) or a refusal that
// pushing again cannot change (a *protocol.Error). It retries network
// errors and 503s with backoff, moving on to the next node, and sends the
// certificate when the district does not know the device.
func (dv *device) push(ctx context.Context, cfg pushConfig, ob *storage.OutBatch) (*protocol.Receipt, error) {
	client := cfg.client
	if client == nil {
		client = pushClient
	}
	delay := 25 * time.Millisecond
	u := 0
	for attempt := 1; ; attempt++ {
		url := cfg.urls[u%len(cfg.urls)]
		r, err := dv.pushOnce(ctx, client, url, ob)
		var pe *protocol.Error
		switch {
		case err == nil:
			return r, nil
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case errors.As(err, &pe) && pe.Code == protocol.CodeUnknownDevice:
			if code, b, err := dv.postCert(ctx, client, url); err == nil && code != http.StatusNoContent && code != http.StatusServiceUnavailable {
				return nil, fmt.Errorf("sending the certificate of %s to %s: %d %s", dv.id, url, code, b)
			}
		case errors.As(err, &pe) && !pe.Retryable():
			return nil, err
		case errors.As(err, &pe) || errors.Is(err, errRetry):
			u++ // a 503 or a network error: try the next node
		default:
			return nil, err
		}
		if cfg.failed != nil {
			cfg.failed(attempt, err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay/2 + rand.N(delay)):
		}
		if delay < 400*time.Millisecond {
			delay *= 2
		}
	}
}

// errRetry marks a network error: the batch may or may not have arrived.
var errRetry = errors.New("retry")

func (dv *device) pushOnce(ctx context.Context, client *http.Client, url string, ob *storage.OutBatch) (*protocol.Receipt, error) {
	code, b, err := postCtx(ctx, client, url+protocol.PathPush, ob.Sealed)
	if err != nil {
		return nil, fmt.Errorf("%w: push of batch %d to %s: %v", errRetry, ob.N, url, err)
	}
	if code != http.StatusOK {
		var pe protocol.Error
		if err := json.Unmarshal(b, &pe); err != nil || pe.Code == "" {
			if code >= 500 {
				return nil, fmt.Errorf("%w: push of batch %d to %s: %d %s", errRetry, ob.N, url, code, b)
			}
			return nil, fmt.Errorf("push of batch %d to %s: %d and not a protocol error: %s", ob.N, url, code, b)
		}
		if st := protocol.Status(pe.Code); st != code {
			return nil, fmt.Errorf("push of batch %d to %s: code %s came with status %d, want %d", ob.N, url, pe.Code, code, st)
		}
		return nil, &pe
	}
	var r protocol.Receipt
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("receipt for batch %d from %s: %v: %s", ob.N, url, err, b)
	}
	if err := dv.check(&r, ob); err != nil {
		return nil, err
	}
	return &r, nil
}

// check verifies a receipt as a device must before it forgets the batch.
func (dv *device) check(r *protocol.Receipt, ob *storage.OutBatch) error {
	if err := r.Verify(dv.d.keys.Public(), nil); err != nil {
		return fmt.Errorf("receipt for batch %d: %w", ob.N, err)
	}
	if r.District != dv.d.keys.Public().KeyID || r.Device != dv.id || r.Seq != ob.N || r.Hash != hex.EncodeToString(ob.Hash[:]) || r.Index == 0 {
		return fmt.Errorf("receipt %+v does not match batch %d of %s (hash %x)", r, ob.N, dv.id, ob.Hash)
	}
	return nil
}

func postCtx(ctx context.Context, c *http.Client, url string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// pushAll pushes every unacknowledged batch in order, acknowledging each
// receipt in the store, and starts again from the batch the district
// names when it answers gap. got sees every receipt.
func (dv *device) pushAll(ctx context.Context, cfg pushConfig, got func(*protocol.Receipt)) error {
	st, err := dv.s.Outbox()
	if err != nil {
		return err
	}
	for n := st.AckedBatch + 1; n <= st.Batches; {
		ob, err := dv.s.Batch(n)
		if err != nil {
			return err
		}
		r, err := dv.push(ctx, cfg, ob)
		var pe *protocol.Error
		if errors.As(err, &pe) && pe.Code == protocol.CodeGap && pe.Expected >= 1 && pe.Expected < n {
			// A leader that has not applied everything committed yet
			// (just elected) may not know the batch it acknowledged.
			n = pe.Expected
			continue
		}
		if err != nil {
			return err
		}
		if got != nil {
			got(r)
		}
		if err := dv.s.Acknowledge(n); err != nil {
			return err
		}
		n++
	}
	return nil
}

// tcpProxy forwards TCP connections to a target; a test blocks it, or
// gives it a fault to play on chosen connections.
type tcpProxy struct {
	t  *testing.T
	ln net.Listener

	mu      sync.Mutex
	target  string
	blocked bool
	conns   map[net.Conn]bool
	n       int // connections accepted
	// fault, when set, handles connection n (1, 2, …) itself if it
	// returns true.
	fault func(n int, client net.Conn, target string) bool
	wg    sync.WaitGroup
}

// newProxy forwards to target (set later with setTarget when empty); a
// non-nil fault handles the connections it chooses.
func newProxy(t *testing.T, target string, fault func(n int, client net.Conn, target string) bool) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{t: t, ln: ln, target: target, conns: map[net.Conn]bool{}, fault: fault}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *tcpProxy) addr() string { return p.ln.Addr().String() }

func (p *tcpProxy) setTarget(a string) {
	p.mu.Lock()
	p.target = a
	p.mu.Unlock()
}

// block cuts every connection through the proxy and refuses new ones (it
// accepts and closes them at once, as a firewall that resets would).
func (p *tcpProxy) block() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.blocked = true
	for c := range p.conns {
		c.Close()
	}
}

func (p *tcpProxy) heal() {
	p.mu.Lock()
	p.blocked = false
	p.mu.Unlock()
}

func (p *tcpProxy) close() {
	p.ln.Close()
	p.block()
	p.wg.Wait()
}

func (p *tcpProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.blocked {
		c.Close()
		return false
	}
	p.conns[c] = true
	return true
}

func (p *tcpProxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

func (p *tcpProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.n++
		n, target, fault := p.n, p.target, p.fault
		p.mu.Unlock()
		if !p.track(c) {
			continue
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer p.untrack(c)
			if fault != nil && fault(n, c, target) {
				return
			}
			up, err := net.DialTimeout("tcp", target, 5*time.Second)
			if err != nil {
				return
			}
			if !p.track(up) {
				return
			}
			defer p.untrack(up)
			done := make(chan struct{}, 2)
			go func() { io.Copy(up, c); done <- struct{}{} }()
			go func() { io.Copy(c, up); done <- struct{}{} }()
			<-done // one side closed: close both
		}()
	}
}

// readHTTPRequest reads one HTTP/1.1 request's head and body from r as
// raw bytes.
func readHTTPRequest(r *bufio.Reader) (head, body []byte, err error) {
	length := -1
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, nil, err
		}
		head = append(head, line...)
		if line == "\r\n" {
			break
		}
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(strings.TrimSpace(k), "Content-Length") {
			if length, err = strconv.Atoi(strings.TrimSpace(v)); err != nil {
				return nil, nil, err
			}
		}
	}
	if length < 0 {
		return nil, nil, errors.New("request without Content-Length")
	}
	body = make([]byte, length)
	_, err = io.ReadFull(r, body)
	return head, body, err
}
