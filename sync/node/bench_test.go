package node

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/hashicorp/raft"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/gen"
	"github.com/communekit/communekit/sync/batch"
	"github.com/communekit/communekit/sync/batch/workload"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/protocol"
)

// BenchmarkFSMApply measures one node's state machine applying the
// entries the proposer makes of 16 × b.N sealed batches of 500 operations
// pushed by devices that keep pushing: open, chain check and store write,
// without Raft.
//
//   - register: new persons, all from one device.
//   - mixed: what kitctl bench cluster pushes — four devices of four
//     communes, three quarters registrations and a quarter single-field
//     corrections of persons registered earlier.
//
// ops/s is operations applied per second; cpu-µs/op is the process's CPU
// time (every goroutine, Badger's included) per operation, which varies
// far less than ops/s on a machine shared with other work.
//
// COMMUNEKIT_BENCH_BATCH sets the operations per batch, and
// COMMUNEKIT_BENCH_ENTRY a fixed number of batches per entry instead of
// the proposer's limits: what an entry's size costs (propose.go).
//
// Each runs with the state machine's checks of every operation (checks)
// and without (nochecks), in the same run: what the checks cost is the
// difference in cpu-µs/op (the README's "Figures": at most 10 %).
func BenchmarkFSMApply(b *testing.B) {
	for _, checks := range []bool{true, false} {
		name := "checks"
		if !checks {
			name = "nochecks"
		}
		b.Run("register/"+name, func(b *testing.B) { benchFSMApply(b, 1, false, checks) })
		b.Run("mixed/"+name, func(b *testing.B) { benchFSMApply(b, 4, true, checks) })
	}
}

var (
	benchPerBatch = envInt("COMMUNEKIT_BENCH_BATCH", 500)
	benchPerEntry = envInt("COMMUNEKIT_BENCH_ENTRY", 0)
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func benchFSMApply(b *testing.B, devices int, edits, checks bool) {
	d, _ := identity.NewDistrict("Bench")
	s, err := storage.Create(filepath.Join(b.TempDir(), "n"), []byte(testPass), storage.Profile{Kind: storage.KindNode, District: "Bench"}, storage.Options{WorkFactor: 10, GCInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	f, err := newFSM(s, testKeys(b, d), slog.New(slog.NewTextHandler(io.Discard, nil)), newMetrics())
	if err != nil {
		b.Fatal(err)
	}
	f.noChecks = !checks
	communes := []string{"00769", "12472", "03004", "16225"}
	const batchesPerN = 16
	perDevice := (b.N*batchesPerN + devices - 1) / devices
	devs := make([][][]byte, devices)
	for i := range devs {
		var crt []byte
		devs[i], crt = benchSealedDevice(b, d, communes[i%len(communes)], uint64(i+1), perDevice, edits)
		f.Apply(&raft.Log{Index: uint64(i + 1), Type: raft.LogCommand, Data: append([]byte{entryCertificate}, crt...)})
	}
	// The devices' batches in turn, as they arrive when all push at once,
	// grouped into entries as the proposer groups what is waiting.
	var pushed [][]byte
	for k := 0; len(pushed) < b.N*batchesPerN; k++ {
		pushed = append(pushed, devs[k%devices][k/devices])
	}
	var entries [][]byte
	for len(pushed) > 0 {
		n, plain := 1, plainSize(pushed[0])
		for n < len(pushed) && (benchPerEntry > 0 && n < benchPerEntry || benchPerEntry == 0 && entryFits(n, plain, plainSize(pushed[n]))) {
			plain += plainSize(pushed[n])
			n++
		}
		entries = append(entries, encodeBatchesAt(districtTime(time.Now()), pushed[:n]))
		pushed = pushed[n:]
	}
	total := b.N * batchesPerN * benchPerBatch
	b.ResetTimer()
	cpu0, start := processCPU(), time.Now()
	for i, e := range entries {
		res := f.Apply(&raft.Log{Index: uint64(devices + i + 1), Type: raft.LogCommand, Data: e}).([]batchResult)
		for _, r := range res {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
		}
	}
	b.ReportMetric(float64(total)/time.Since(start).Seconds(), "ops/s")
	if cpu := processCPU() - cpu0; cpu > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(total), "cpu-µs/op")
	}
	b.ReportMetric(float64(total)/float64(len(entries)), "ops/entry")
}

// benchSealedDevice enrols a device of commune and seals its batches of
// benchPerBatch operations: registrations, and with edits a quarter of
// single-field corrections after them. It returns the sealed batches and
// the device's certificate.
func benchSealedDevice(b *testing.B, d *identity.District, commune string, seed uint64, batches int, edits bool) ([][]byte, []byte) {
	pub := d.Public()
	rcpt, _ := age.ParseX25519Recipient(pub.AgeRecipient)
	r := rand.New(rand.NewPCG(seed, 2))
	n := batches * benchPerBatch
	regs := n
	if edits {
		regs = n * 3 / 4
	}
	g, err := gen.Generate(gen.Options{Commune: commune, Persons: regs, Seed: int64(seed) + 2})
	if err != nil {
		b.Fatal(err)
	}
	ops := workload.Register(g, r)
	if edits {
		other, err := gen.Generate(gen.Options{Commune: commune, Persons: 500, Seed: int64(seed) + 1000})
		if err != nil {
			b.Fatal(err)
		}
		ops = append(ops, workload.Edits(g, other, ops, workload.EditOptions{N: n - len(ops), StepMs: 2000, Shuffled: true}, r)...)
	}
	id := workload.RandomDevice(r)
	dev, _ := identity.NewDevice(string(id))
	workload.Rehome(ops, id, "Cán bộ")
	for i, op := range ops {
		op.Seq = uint64(i + 1)
	}
	req, _ := cert.NewRequest(dev, "Cán bộ", []string{commune}, time.Now())
	c, _ := cert.Sign(req, cert.RoleOfficer, nil, time.Hour, seed, d, time.Now())
	cb, _ := c.MarshalBinary()
	var sealed [][]byte
	var prev [32]byte
	for k := 0; k < batches; k++ {
		part := ops[k*benchPerBatch : (k+1)*benchPerBatch]
		sb, err := batch.Seal(part, batch.SealOptions{Header: batch.Header{Sender: string(id), Seq: uint64(k + 1), PrevHash: prev, RecipientKeyID: pub.KeyID}, Recipient: rcpt, SignKey: dev.Sign})
		if err != nil {
			b.Fatal(err)
		}
		prev = batch.Hash(sb)
		sealed = append(sealed, sb)
	}
	return sealed, cb
}

// BenchmarkPushAcknowledgement measures the README's "push
// acknowledgement under that load" apart from ingest: three nodes in this
// process on loopback; load devices pushing batches of 500 new persons at a
// fixed rate whatever the answers' delay (an open loop: a batch due while
// every load device waits for an answer waits too, from when it was due),
// COMMUNEKIT_BENCH_RATE operations/s (4,000 by default, less than half what
// three nodes ingest on two cores; 0 for none); and two probe devices
// pushing one batch of 20 operations at a time, 300 ms apart, to any node
// (a follower forwards). It reports p50 and p99 of each kind of push, from the request
// to the receipt (pushed again while the cluster answers 503, as devices
// do), over COMMUNEKIT_BENCH_SECONDS (10). The three nodes share one
// process and one collector, which makes pushes somewhat slower than with
// three districtd processes.
//
// kitctl bench cluster measures something else: 24 devices each pushing its
// next batch as soon as the last is answered keep the cluster saturated,
// and then a push waits for the 23 batches ahead of it — its latency is the
// operations in flight over the rate (Little's law: 24 × 500 / 10,000
// operations/s ≈ 1.2 s), whatever the code.
func BenchmarkPushAcknowledgement(b *testing.B) {
	rate := 4000
	if v, err := strconv.Atoi(os.Getenv("COMMUNEKIT_BENCH_RATE")); err == nil && v >= 0 {
		rate = v // 0: the probes alone
	}
	secs := envInt("COMMUNEKIT_BENCH_SECONDS", 10)
	const loadDevices, probeDevices, probeOps = 16, 2, 20
	d, _ := identity.NewDistrict("Bench")
	perLoad := rate*secs/benchPerBatch/loadDevices + 3
	perProbe := secs*1000/300 + 5
	type pusher struct {
		sealed [][]byte
		cert   []byte
		next   int
	}
	var loads, probes []*pusher
	for i := 0; i < loadDevices+probeDevices; i++ {
		n, ops := perLoad, benchPerBatch
		if i >= loadDevices {
			n, ops = perProbe, probeOps
		}
		saved := benchPerBatch
		benchPerBatch = ops
		sealed, crt := benchSealedDevice(b, d, []string{"00769", "12472", "03004", "16225"}[i%4], uint64(100+i), n, false)
		benchPerBatch = saved
		if i < loadDevices {
			loads = append(loads, &pusher{sealed: sealed, cert: crt})
		} else {
			probes = append(probes, &pusher{sealed: sealed, cert: crt})
		}
	}
	var nodes []*Node
	defer func() {
		for _, n := range nodes {
			n.Shutdown(context.Background())
		}
	}()
	for i := 0; i < 3; i++ {
		cfg := Config{ID: fmt.Sprintf("n%d", i+1), Dir: filepath.Join(b.TempDir(), fmt.Sprint(i)), District: d, Passphrase: []byte(testPass), WorkFactor: 10,
			RaftAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Bootstrap: i == 0, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		if i > 0 {
			cfg.Join = nodes[0].Addr()
		}
		n, err := Start(cfg)
		if err != nil {
			b.Fatal(err)
		}
		nodes = append(nodes, n)
		for end := time.Now().Add(30 * time.Second); n.Ready() != nil; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(end) {
				b.Fatalf("node %d not ready: %v", i+1, n.Ready())
			}
		}
	}
	hc := client.HTTPClient(d.Public(), client.HTTPOptions{MaxIdleConnsPerHost: 64})
	post := func(url, path string, body []byte) error {
		req, err := http.NewRequest(http.MethodPost, url+path, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/octet-stream")
		// A certificate is taken from the district (or its device) only.
		protocol.SignRequest(req, body, protocol.SignerDistrict, d.Sign, time.Now())
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			return fmt.Errorf("%s: %d %s", path, resp.StatusCode, msg)
		}
		return nil
	}
	// As a device does: again, at the next node, while the cluster
	// answers 503 (an election on this loaded machine).
	pushAt := func(k int, sealed []byte) error {
		for end := time.Now().Add(30 * time.Second); ; k++ {
			err := post(nodes[k%3].Addr(), protocol.PathPush, sealed)
			if err == nil || !strings.Contains(err.Error(), " 503 ") || time.Now().After(end) {
				return err
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	for i, p := range append(append([]*pusher{}, loads...), probes...) {
		if err := post(nodes[i%3].Addr(), protocol.PathCertificate, p.cert); err != nil {
			b.Fatal(err)
		}
	}
	var mu sync.Mutex
	var loadLat, probeLat []time.Duration
	var failed []error
	record := func(to *[]time.Duration, d time.Duration, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			failed = append(failed, err)
			return
		}
		*to = append(*to, d)
	}
	b.ResetTimer()
	stop := time.Now().Add(time.Duration(secs) * time.Second)
	var wg sync.WaitGroup
	free := make(chan *pusher, len(loads))
	for _, p := range loads {
		free <- p
	}
	interval := time.Duration(float64(time.Second) * float64(benchPerBatch) / float64(max(rate, 1)))
	wg.Add(1)
	go func() {
		defer wg.Done()
		for k, due := 0, time.Now(); rate > 0 && due.Before(stop); k, due = k+1, due.Add(interval) {
			time.Sleep(time.Until(due))
			p := <-free
			if p.next == len(p.sealed) {
				continue
			}
			wg.Add(1)
			go func(p *pusher, due time.Time, k int) {
				defer wg.Done()
				err := pushAt(k, p.sealed[p.next])
				record(&loadLat, time.Since(due), err)
				if err == nil {
					p.next++
				}
				free <- p
			}(p, due, k)
		}
	}()
	for i, p := range probes {
		wg.Add(1)
		go func(i int, p *pusher) {
			defer wg.Done()
			time.Sleep(time.Duration(i) * 150 * time.Millisecond)
			for time.Now().Before(stop) && p.next < len(p.sealed) {
				t0 := time.Now()
				err := pushAt(i+p.next, p.sealed[p.next])
				record(&probeLat, time.Since(t0), err)
				if err == nil {
					p.next++
				}
				time.Sleep(300 * time.Millisecond)
			}
		}(i, p)
	}
	wg.Wait()
	b.StopTimer()
	if len(failed) > 0 {
		b.Fatalf("%d pushes failed, the first: %v", len(failed), failed[0])
	}
	ms := func(l []time.Duration, q float64) float64 {
		if len(l) == 0 {
			return 0
		}
		slices.Sort(l)
		return float64(l[min(len(l)-1, int(q*float64(len(l))))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(len(loadLat)*benchPerBatch)/float64(secs), "load-ops/s")
	b.ReportMetric(ms(loadLat, 0.50), "load-p50-ms")
	b.ReportMetric(ms(loadLat, 0.99), "load-p99-ms")
	b.ReportMetric(ms(probeLat, 0.50), "probe-p50-ms")
	b.ReportMetric(ms(probeLat, 0.99), "probe-p99-ms")
}
