package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	_ "net/http/pprof" // the nodes' Go profiles and traces, with --trace
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"filippo.io/age"

	"github.com/communekit/communekit/cmd/kitctl/internal/kit"
	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/gen"
	"github.com/communekit/communekit/sync/batch"
	"github.com/communekit/communekit/sync/batch/workload"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/node"
	"github.com/communekit/communekit/sync/protocol"
)

// clusterFigures are the district's figures.
type clusterFigures struct {
	Nodes           int     `json:"nodes"`
	Devices         int     `json:"devices"`
	Batches         int     `json:"batches"`
	Operations      int     `json:"operations"`
	Seconds         float64 `json:"seconds"`
	OpsPerSec       float64 `json:"ops_per_s"`
	PushP50Ms       float64 `json:"push_p50_ms"`
	PushP99Ms       float64 `json:"push_p99_ms"`
	NewLeaderMs     float64 `json:"new_leader_ms"`
	AckedDuringKill int     `json:"acknowledged_during_kill"`
	LostAfterKill   int     `json:"acknowledged_lost_after_kill"`
	DigestsEqual    bool    `json:"digests_equal"`
	// PushCheckUsPerOp is the time the leader spent opening each pushed
	// batch and checking its operations before proposing it, per
	// operation ingested; PushCheckShare, that time over the ingest's.
	PushCheckUsPerOp float64 `json:"push_check_us_per_op"`
	PushCheckShare   float64 `json:"push_check_share"`
	// OpenLoop is push acknowledgement at a given load (benchopenloop.go):
	// one entry per --open-loads fraction of OpsPerSec, empty without.
	OpenLoop []openLoopFigure `json:"open_loop"`
	// OpenLoopPlain is, at each load, the half of the devices that pushed
	// over plain HTTP beside those over TLS (--open-plain); empty without.
	OpenLoopPlain []openLoopFigure `json:"open_loop_plain_http"`
	// SealedBytesPerOp is what one operation carries in the closed
	// loop's sealed batches, on average: the size of etcd's puts.
	SealedBytesPerOp float64 `json:"sealed_bytes_per_op"`
	// Etcd and Floor are the peers the ingest is measured against, in
	// the same run (--against; benchetcd.go, benchfloor.go).
	Etcd  *etcdFigures  `json:"etcd,omitempty"`
	Floor *floorFigures `json:"floor,omitempty"`
}

// clusterOptions size the cluster benchmark.
type clusterOptions struct {
	Devices int    // devices pushing at once
	Batches int    // batches each device pushes
	Ops     int    // operations per batch
	Keep    string // keep the cluster's directories here instead of a temporary directory
	NoKill  bool   // skip the leader-loss measurement
	Open    openLoopOptions
	// Against measures the peers after the cluster stops: etcd and the
	// floor (Badger alone).
	Against bool
	// EtcdSeconds bounds each etcd run.
	EtcdSeconds float64
}

// benchCluster starts a 3-node cluster of real processes on loopback and
// measures ingest, push latency under that load, and leader loss.
func benchCluster(e *kit.Env, args []string) error {
	fs := flag.NewFlagSet("bench cluster", flag.ContinueOnError)
	var o clusterOptions
	fs.IntVar(&o.Devices, "devices", 24, "devices pushing at once")
	fs.IntVar(&o.Batches, "batches", 12, "batches each device pushes")
	fs.IntVar(&o.Ops, "ops", 500, "operations per batch")
	fs.StringVar(&o.Keep, "keep", "", "keep the cluster's directories here instead of a temporary directory")
	fs.BoolVar(&o.NoKill, "no-kill", false, "skip the leader-loss measurement")
	fs.BoolVar(&o.Against, "against", true, "after the cluster, measure its peers in the same run: a three-member etcd cluster taking the same writes, and Badger alone writing what the operations write (the floor)")
	fs.Float64Var(&o.EtcdSeconds, "etcd-seconds", 60, "longest time of each etcd run")
	o.Open = defaultOpenLoop()
	loads := fs.String("open-loads", formatLoads(o.Open.Loads), "open loop: loads as fractions of the ingest rate measured closed-loop, comma-separated (\"\": no open loop)")
	fs.IntVar(&o.Open.Ops, "open-ops", o.Open.Ops, "open loop: operations per push")
	fs.IntVar(&o.Open.Pushes, "open-pushes", o.Open.Pushes, "open loop: pushes at each load (fewer if --open-seconds ends the load first)")
	fs.Float64Var(&o.Open.Seconds, "open-seconds", o.Open.Seconds, "open loop: longest time at each load")
	fs.IntVar(&o.Open.Devices, "open-devices", o.Open.Devices, "open loop: devices the pushes are spread over, round-robin")
	fs.BoolVar(&o.Open.Plain, "open-plain", o.Open.Plain, "open loop: half the devices push over plain HTTP beside those over TLS, to measure what TLS costs")
	fs.StringVar(&o.Open.TraceDir, "trace", "", "open loop: write into this directory each load's pushes (scheduled start, latency) and a Go execution trace of every node during it")
	pos, err := e.ParseArgs(fs, args)
	if err != nil {
		return err
	}
	o.Open.Loads, err = parseLoads(*loads)
	if len(pos) > 0 || o.Devices <= 0 || o.Batches <= 0 || o.Ops <= 0 || err != nil || !o.Open.valid() {
		return kit.Usagef("usage: kitctl bench cluster [--devices 24] [--batches 12] [--ops 500] [--no-kill] [--open-loads 0.25,0.5,0.75] [--open-ops 100] [--open-pushes 200] [--open-seconds 10] [--open-devices 48] [--open-plain=false] [--against=false] [--etcd-seconds 60] [--json]")
	}
	progress := func(format string, a ...any) { fmt.Fprintf(e.Stderr, format+"\n", a...) }
	f, err := measureCluster(o, progress)
	if err != nil {
		return err
	}
	if e.JSON {
		return e.PrintJSON(f)
	}
	printCluster(e.Stdout, f, !o.NoKill)
	printAgainst(e.Stdout, f)
	return f.check()
}

// measureCluster runs the cluster benchmark; progress reports what it
// does. An acknowledged batch lost or nodes that disagree are in the
// figures, not in the error: see check.
func measureCluster(o clusterOptions, progress func(format string, a ...any)) (clusterFigures, error) {
	f := clusterFigures{Nodes: 3, Devices: o.Devices, Batches: o.Devices * o.Batches, OpenLoop: []openLoopFigure{}, OpenLoopPlain: []openLoopFigure{}}
	dir := o.Keep
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "communekit-bench-cluster-"); err != nil {
			return f, err
		}
		defer os.RemoveAll(dir)
	}

	prof, err := storage.Create(filepath.Join(dir, "d"), []byte(benchPassphrase), storage.Profile{Kind: storage.KindDistrict, District: "Bench"}, storage.Options{WorkFactor: 10, GCInterval: -1})
	if err != nil {
		return f, err
	}
	d := prof.DistrictKeys()
	prof.Close()
	kit.TrustDistrict(d.Public())

	progress("preparing %d devices × %d batches × %d operations…", o.Devices, o.Batches, o.Ops)
	t0 := time.Now()
	devs, err := benchDevices(d, 1, o.Devices, o.Batches, o.Ops)
	if err != nil {
		return f, err
	}
	// The cluster starts while the open loop's devices are prepared: a
	// batch costs some 10 ms to seal whatever its size (zstd trials per
	// column), so their many small batches take seconds.
	type started struct {
		c   *benchClusterProc
		err error
	}
	startc := make(chan started, 1)
	go func() {
		c, err := startBenchCluster(dir, 3, o.Open.TraceDir != "")
		if c != nil {
			c.keys = d
		}
		startc <- started{c, err}
	}()
	var openDevs []*benchDevice
	var openErr error
	if len(o.Open.Loads) > 0 {
		progress("preparing %d devices × %d batches × %d operations for the open loop while the cluster starts…", o.Open.Devices, o.Open.batchesPerDevice(), o.Open.Ops)
		openDevs, openErr = benchDevices(d, openLoopSeed, o.Open.Devices, o.Open.batchesPerDevice(), o.Open.Ops)
	}
	st := <-startc
	if st.err != nil {
		return f, st.err
	}
	c := st.c
	defer c.stop()
	if openErr != nil {
		return f, openErr
	}
	progress("devices prepared and cluster started in %.1f s", time.Since(t0).Seconds())
	for i, dv := range append(append([]*benchDevice{}, devs...), openDevs...) {
		if err := dv.register(c.keys, c.urls[i%len(c.urls)]); err != nil {
			return f, err
		}
	}

	progress("pushing %d batches from %d devices through every node…", f.Batches, o.Devices)
	// The last batches of each device are kept for the leader kill.
	load := o.Batches
	if !o.NoKill && load > 3 {
		load -= 2
	}
	check0 := c.pushCheckSeconds()
	lat, elapsed, ops, err := pushAll(devs, c.urls, 0, load)
	if err != nil {
		return f, err
	}
	if checked := c.pushCheckSeconds() - check0; checked > 0 && ops > 0 {
		f.PushCheckUsPerOp = checked * 1e6 / float64(ops)
		f.PushCheckShare = checked / elapsed.Seconds()
	}
	f.Operations = ops
	f.Seconds = elapsed.Seconds()
	f.OpsPerSec = float64(ops) / elapsed.Seconds()
	f.PushP50Ms, f.PushP99Ms = pct(lat, 0.50), pct(lat, 0.99)

	if len(o.Open.Loads) > 0 {
		progress("open loop: pushes of %d operations at %s of %.0f operations/s…", o.Open.Ops, formatLoads(o.Open.Loads), f.OpsPerSec)
		if f.OpenLoop, f.OpenLoopPlain, err = measureOpenLoop(c, openDevs, d.Public(), f.OpsPerSec, o.Open, progress); err != nil {
			return f, err
		}
	}

	if !o.NoKill {
		progress("killing the leader while devices push…")
		if err := c.killLeader(devs, &f); err != nil {
			return f, err
		}
	}
	f.DigestsEqual = c.digestsEqual()
	if o.Against {
		c.stop()
		if err := measureAgainst(o, d, devs, load, &f, progress); err != nil {
			return f, err
		}
	}
	return f, nil
}

// check fails when the cluster lost an acknowledged batch or its nodes
// disagree: a broken district, not a slow one.
func (f clusterFigures) check() error {
	if f.LostAfterKill > 0 || !f.DigestsEqual {
		return errors.New("the cluster lost acknowledged batches or its nodes disagree")
	}
	return nil
}

// printCluster prints the cluster benchmark for a person; killed says
// whether the leader-loss measurement ran.
func printCluster(w io.Writer, f clusterFigures, killed bool) {
	fmt.Fprintf(w, "district cluster, %d nodes on loopback, %d devices\n", f.Nodes, f.Devices)
	fmt.Fprintf(w, "  ingest, applied:        %8.0f operations/s   (target ≥ 100,000; %d operations in %.2f s)\n", f.OpsPerSec, f.Operations, f.Seconds)
	fmt.Fprintf(w, "  push acknowledgement:   p50 %.1f ms, p99 %.1f ms   (target p99 ≤ 25 ms)\n", f.PushP50Ms, f.PushP99Ms)
	fmt.Fprintf(w, "  leader's checks:        %8.1f µs per operation   (wall time opening and checking each push before proposing it, on a saturated leader; COMMUNEKIT_TEST_NO_PUSH_CHECK=1 runs without)\n", f.PushCheckUsPerOp)
	printOpenLoop(w, f)
	if killed {
		fmt.Fprintf(w, "  new leader after kill:  %8.0f ms   (target ≤ 2,000 ms); %d batches acknowledged around the kill, %d lost\n", f.NewLeaderMs, f.AckedDuringKill, f.LostAfterKill)
	}
	fmt.Fprintf(w, "  digests equal on every node: %v\n", f.DigestsEqual)
}

// benchDevice is an enrolled device with its batches sealed in advance,
// so that sealing does not count in the figures.
type benchDevice struct {
	id     string
	cert   *cert.Certificate
	sealed [][]byte
	ops    []int
	next   int // next batch to push

	mu       sync.Mutex
	receipts []protocol.Receipt
}

// benchDevices prepares n devices, seeded firstSeed, firstSeed+1, …
// (the seed makes the device's identity and records).
func benchDevices(d *identity.District, firstSeed int64, n, batches, opsPer int) ([]*benchDevice, error) {
	pub := d.Public()
	rcpt, err := age.ParseX25519Recipient(pub.AgeRecipient)
	if err != nil {
		return nil, err
	}
	communes := []string{"00769", "12472", "03004", "16225"}
	out := make([]*benchDevice, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for i := range out {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i], errs[i] = benchDevice1(d, rcpt, pub, communes[i%len(communes)], firstSeed+int64(i), batches, opsPer)
		}(i)
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

func benchDevice1(d *identity.District, rcpt age.Recipient, pub identity.DistrictPublic, commune string, seed int64, batches, opsPer int) (*benchDevice, error) {
	r := rand.New(rand.NewPCG(uint64(seed), 11))
	id := workload.RandomDevice(r)
	dev, err := identity.NewDevice(string(id))
	if err != nil {
		return nil, err
	}
	req, err := cert.NewRequest(dev, "Cán bộ "+string(id[:4]), []string{commune}, time.Now())
	if err != nil {
		return nil, err
	}
	c, err := cert.Sign(req, cert.RoleOfficer, nil, 24*time.Hour, uint64(seed), d, time.Now())
	if err != nil {
		return nil, err
	}
	// Three quarters registrations, a quarter single-field corrections.
	regs := batches * opsPer * 3 / 4
	g, err := gen.Generate(gen.Options{Commune: commune, Persons: max(regs, opsPer), Seed: seed})
	if err != nil {
		return nil, err
	}
	other, err := gen.Generate(gen.Options{Commune: commune, Persons: max(opsPer, 100), Seed: seed + 1000})
	if err != nil {
		return nil, err
	}
	ops := workload.Register(g, r)
	edits := workload.Edits(g, other, ops, workload.EditOptions{N: min(batches*opsPer-len(ops), len(ops)), StepMs: 2000, Shuffled: true}, r)
	ops = append(ops, edits...)
	workload.Rehome(ops, id, c.Officer)
	for i, op := range ops {
		op.Seq = uint64(i + 1)
	}
	bd := &benchDevice{id: string(id), cert: c}
	var prev [32]byte
	for i := 0; i < len(ops) && len(bd.sealed) < batches; i += opsPer {
		part := ops[i:min(i+opsPer, len(ops))]
		s, err := batch.Seal(part, batch.SealOptions{
			Header:    batch.Header{Sender: string(id), Seq: uint64(len(bd.sealed) + 1), PrevHash: prev, RecipientKeyID: pub.KeyID},
			Recipient: rcpt, SignKey: dev.Sign,
		})
		if err != nil {
			return nil, err
		}
		prev = batch.Hash(s)
		bd.sealed = append(bd.sealed, s)
		bd.ops = append(bd.ops, len(part))
	}
	return bd, nil
}

func (dv *benchDevice) register(keys *identity.District, url string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return client.PostCertificate(ctx, kit.NodesHTTP, url, dv.cert, client.DistrictSigner(keys))
}

// pushOne pushes one batch, moving to the next node while one cannot
// answer (client.PushSealed itself retries a node through an election).
// It returns the receipt, not verified, and the last attempt's time.
func (dv *benchDevice) pushOne(urls []string, start int, k int) (protocol.Receipt, time.Duration, error) {
	deadline := time.Now().Add(30 * time.Second)
	for attempt := 0; ; attempt++ {
		url := urls[(start+attempt)%len(urls)]
		t0 := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var r *protocol.Receipt
		var err error
		if strings.HasPrefix(url, "http://") {
			r, err = pushPlain(ctx, url, dv.sealed[k])
		} else {
			r, err = client.PushSealed(ctx, kit.NodesHTTP, url, dv.sealed[k])
		}
		cancel()
		if err == nil {
			dv.mu.Lock()
			dv.receipts = append(dv.receipts, *r)
			dv.mu.Unlock()
			return *r, time.Since(t0), nil
		}
		var ref *client.Refusal
		if errors.As(err, &ref) && !ref.Err.Retryable() {
			return protocol.Receipt{}, 0, fmt.Errorf("device %s batch %d: %v", dv.id, k+1, err)
		}
		if time.Now().After(deadline) {
			return protocol.Receipt{}, 0, fmt.Errorf("device %s batch %d: no receipt within 30 s (last: %v)", dv.id, k+1, err)
		}
	}
}

// plainHTTP pushes to the nodes' benchmark listeners: the same pool
// size as kit.NodesHTTP, no TLS.
var plainHTTP = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

// pushPlain is client.PushSealed over plain HTTP, for the benchmark's
// peer: laptops never push so. A node that is busy or between leaders
// answers a retryable refusal.
func pushPlain(ctx context.Context, url string, sealed []byte) (*protocol.Receipt, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+protocol.PathPush, bytes.NewReader(sealed))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := plainHTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		var pe protocol.Error
		if json.Unmarshal(b, &pe) == nil && pe.Code != "" {
			return nil, &client.Refusal{What: "a push over plain HTTP", Err: &pe}
		}
		return nil, fmt.Errorf("push over plain HTTP: %s: %.200s", resp.Status, b)
	}
	var rec protocol.Receipt
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("push over plain HTTP: not a receipt: %v", err)
	}
	return &rec, nil
}

// pushAll pushes batches [from, to) of every device concurrently, each
// device its batches in order; it returns every push's latency.
func pushAll(devs []*benchDevice, urls []string, from, to int) ([]time.Duration, time.Duration, int, error) {
	var mu sync.Mutex
	var lat []time.Duration
	var ops int64
	errs := make([]error, len(devs))
	start := time.Now()
	var wg sync.WaitGroup
	for i, dv := range devs {
		wg.Add(1)
		go func(i int, dv *benchDevice) {
			defer wg.Done()
			for k := from; k < to && k < len(dv.sealed); k++ {
				_, d, err := dv.pushOne(urls, i, k)
				if err != nil {
					errs[i] = err
					return
				}
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
				atomic.AddInt64(&ops, int64(dv.ops[k]))
				dv.next = k + 1
			}
		}(i, dv)
	}
	wg.Wait()
	return lat, time.Since(start), int(ops), errors.Join(errs...)
}

// benchClusterProc is a cluster of kitctl child processes running nodes.
type benchClusterProc struct {
	keys  *identity.District // the district's: signs status and receipt requests
	dir   string
	procs []*exec.Cmd
	urls  []string
	// plainURLs are the nodes' benchmark listeners, the API without TLS
	// (node.Config.BenchPlainAddr): the peer TLS is measured against.
	plainURLs []string
	metrics   []string // host:port of each node's /metrics
	debug     []string // host:port of each node's /debug/pprof/, with --trace
	ids       []string
}

func startBenchCluster(dir string, n int, debug bool) (*benchClusterProc, error) {
	exe, err := kitctl()
	if err != nil {
		return nil, err
	}
	c := &benchClusterProc{dir: dir}
	for i := 0; i < n; i++ {
		raftAddr, err1 := kit.FreePort()
		httpAddr, err2 := kit.FreePort()
		metricsAddr, err3 := kit.FreePort()
		plainAddr, err4 := kit.FreePort()
		debugAddr, err5 := kit.FreePort()
		if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
			c.stop()
			return nil, err
		}
		id := fmt.Sprintf("n%d", i+1)
		args := []string{"bench", "cluster-node", "--district", filepath.Join(dir, "d"), "--dir", filepath.Join(dir, id), "--id", id,
			"--raft", raftAddr, "--http", httpAddr, "--metrics", metricsAddr, "--bench-plain", plainAddr}
		if debug {
			args = append(args, "--debug", debugAddr)
			c.debug = append(c.debug, debugAddr)
		}
		if i == 0 {
			args = append(args, "--bootstrap")
		} else {
			args = append(args, "--join", c.urls[0])
		}
		cmd := exec.Command(exe, args...)
		logf, err := os.Create(filepath.Join(dir, id+".log"))
		if err != nil {
			c.stop()
			return nil, err
		}
		cmd.Stderr, cmd.Stdout = logf, logf
		cmd.Env = append(os.Environ(), "COMMUNEKIT_PASSPHRASE="+benchPassphrase, "COMMUNEKIT_WORK_FACTOR=10")
		if err := cmd.Start(); err != nil {
			c.stop()
			return nil, err
		}
		c.procs = append(c.procs, cmd)
		c.urls = append(c.urls, "https://"+httpAddr)
		c.plainURLs = append(c.plainURLs, "http://"+plainAddr)
		c.metrics = append(c.metrics, metricsAddr)
		c.ids = append(c.ids, id)
		if err := kit.WaitReady(c.urls[i], 20*time.Second); err != nil {
			c.stop()
			return nil, fmt.Errorf("node %s did not become ready: %v (see %s)", id, err, logf.Name())
		}
	}
	return c, nil
}

func (c *benchClusterProc) stop() {
	defer func() { c.procs = nil }()
	for _, p := range c.procs {
		if p != nil && p.Process != nil {
			p.Process.Signal(syscall.SIGTERM)
		}
	}
	for _, p := range c.procs {
		if p != nil && p.Process != nil {
			done := make(chan struct{})
			go func() { p.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				p.Process.Kill()
			}
		}
	}
}

// killLeader SIGKILLs the leader while every device pushes its remaining
// batches, measures how long until another node leads, and checks that
// every batch acknowledged is on both survivors.
func (c *benchClusterProc) killLeader(devs []*benchDevice, f *clusterFigures) error {
	leader := -1
	for i, u := range c.urls {
		if st, err := kit.NodeStatus(c.keys, u); err == nil && st.Role == "leader" {
			leader = i
		}
	}
	if leader < 0 {
		return errors.New("no leader to kill")
	}
	var survivors []string
	for i, u := range c.urls {
		if i != leader {
			survivors = append(survivors, u)
		}
	}
	before := 0
	for _, dv := range devs {
		before += len(dv.receipts)
	}
	// Devices push through the survivors (a device whose node died moves on).
	done := make(chan error, 1)
	go func() {
		_, _, _, err := pushAll(devs, survivors, devs[0].next, len(devs[0].sealed))
		done <- err
	}()
	time.Sleep(150 * time.Millisecond)
	killed := time.Now()
	c.procs[leader].Process.Kill()
	c.procs[leader].Wait()
	c.procs[leader] = nil
	for {
		found := false
		for _, u := range survivors {
			if st, err := kit.NodeRole(c.keys, u); err == nil && st.Role == "leader" {
				found = true
			}
		}
		if found {
			break
		}
		if time.Since(killed) > 30*time.Second {
			return errors.New("no new leader within 30 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	f.NewLeaderMs = float64(time.Since(killed).Microseconds()) / 1000
	if err := <-done; err != nil {
		return err
	}
	// A follower learns that an entry committed at the next message from
	// the leader, and applies it after: a receipt it does not hold yet
	// is asked for again, for a few seconds, before it counts as lost.
	for _, dv := range devs {
		for _, r := range dv.receipts {
			for _, u := range survivors {
				if !holdsReceipt(c.keys, u, r.Device, r.Seq, 10*time.Second) {
					f.LostAfterKill++
				}
			}
		}
	}
	after := 0
	for _, dv := range devs {
		after += len(dv.receipts)
	}
	f.AckedDuringKill = after - before
	c.urls = survivors
	return nil
}

// holdsReceipt reports whether the node at u answers the receipt of a
// device's batch within wait.
func holdsReceipt(keys *identity.District, u, device string, seq uint64, wait time.Duration) bool {
	end := time.Now().Add(wait)
	for {
		resp, err := kit.NodesHTTP.Do(kit.DistrictGet(keys, fmt.Sprintf("%s%s%s/%d", u, protocol.PathNodeReceipt, device, seq)))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true
			}
		}
		if time.Now().After(end) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// pushCheckSeconds is the time every node spent opening and checking
// pushed batches before proposing them (communekit_push_check_seconds).
func (c *benchClusterProc) pushCheckSeconds() float64 {
	total := 0.0
	for _, m := range c.metrics {
		resp, err := http.Get("http://" + m + protocol.PathMetrics)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "communekit_push_check_seconds_sum "); ok {
				if x, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					total += x
				}
			}
		}
		resp.Body.Close()
	}
	return total
}

func (c *benchClusterProc) digestsEqual() bool {
	for try := 0; try < 100; try++ {
		var ds []string
		var idx []uint64
		for _, u := range c.urls {
			st, err := kit.NodeStatus(c.keys, u)
			if err != nil {
				return false
			}
			ds = append(ds, st.Digest)
			idx = append(idx, st.AppliedIndex)
		}
		same := true
		for i := range ds {
			if ds[i] != ds[0] || idx[i] != idx[0] {
				same = false
			}
		}
		if same {
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}

// benchClusterNode runs one node for bench cluster (a child process).
func benchClusterNode(e *kit.Env, args []string) error {
	fs := flag.NewFlagSet("bench cluster-node", flag.ContinueOnError)
	district := fs.String("district", "", "")
	dir := fs.String("dir", "", "")
	id := fs.String("id", "", "")
	raftAddr := fs.String("raft", "", "")
	httpAddr := fs.String("http", "", "")
	metricsAddr := fs.String("metrics", "", "")
	bootstrap := fs.Bool("bootstrap", false, "")
	join := fs.String("join", "", "")
	plain := fs.String("bench-plain", "", "")
	debugAddr := fs.String("debug", "", "")
	if _, err := e.ParseArgs(fs, args); err != nil {
		return err
	}
	pass, err := e.Passphrase(false)
	if err != nil {
		return err
	}
	keys, err := storage.DistrictKeysOf(*district, pass)
	if err != nil {
		return err
	}
	if p := os.Getenv("COMMUNEKIT_NODE_CPUPROFILE"); p != "" {
		f, err := os.Create(p + "." + *id)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	if *debugAddr != "" {
		// Go's profiles and execution traces of this node (--trace).
		go http.ListenAndServe(*debugAddr, nil)
	}
	log := slog.New(slog.NewTextHandler(e.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	n, err := node.Start(node.Config{ID: *id, Dir: *dir, District: keys, Passphrase: pass, WorkFactor: 10,
		RaftAddr: *raftAddr, HTTPAddr: *httpAddr, MetricsAddr: *metricsAddr, BenchPlainAddr: *plain, Bootstrap: *bootstrap, Join: *join, Logger: log,
		// What the leader's checks of each push cost: the same run without them.
		NoPushCheck: os.Getenv("COMMUNEKIT_TEST_NO_PUSH_CHECK") == "1"})
	if err != nil {
		return err
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return n.Shutdown(ctx)
}
