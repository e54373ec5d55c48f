package bench

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/communekit/communekit/cmd/kitctl/internal/kit"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/sync/client"
)

// The open loop of bench cluster: what a device waits for at a given load.
//
// The closed loop (pushAll) keeps every device's next push in flight as
// soon as the last is answered: the cluster is saturated and a push waits
// for the batches ahead of it (Little's law: devices × operations ÷ rate).
// Here pushes start on a schedule drawn in advance, whatever the answers'
// delay, at a fraction of the ingest rate the closed loop measured. Each
// load's arrivals are a Poisson process over a fixed window (n arrival
// times drawn uniformly in it, seeded), spread round-robin over devices
// of their own. A device pushes its batches in order, so a push whose
// device is still waiting for its previous receipt starts late, and its
// latency counts from the scheduled time, the wait included (no
// coordinated omission); so does any lateness of the scheduler itself.
// Latency ends when the receipt is verified with the district's key.
// sync/node's BenchmarkPushAcknowledgement measures the same in one
// process.

// openLoopSeed is the first seed of the open loop's devices, far from the
// closed loop's (1, 2, …) so that they are other devices.
const openLoopSeed = 1 << 20

// openLoopOptions size the open loop.
type openLoopOptions struct {
	Loads   []float64 // fractions of the closed loop's ingest rate; none: no open loop
	Ops     int       // operations per push
	Pushes  int       // pushes at each load, at most
	Seconds float64   // seconds at each load, at most
	Devices int       // devices the pushes are spread over
	// Plain also measures each load over plain HTTP (the nodes' benchmark
	// listener), right before or after the same load over TLS: what TLS
	// costs a push, against its peer in the same run.
	Plain bool
	// TraceDir, when set, receives each load's pushes (pushes-LOAD.tsv:
	// scheduled start and latency in ms, device, transport) and a Go
	// execution trace of every node during it (trace-LOAD-nN.out; go tool
	// trace reads them): where a slow push waited.
	TraceDir string
}

func defaultOpenLoop() openLoopOptions {
	return openLoopOptions{Loads: []float64{0.25, 0.5, 0.75}, Ops: 100, Pushes: 200, Seconds: 10, Devices: 48, Plain: true}
}

func (o openLoopOptions) valid() bool {
	for _, l := range o.Loads {
		if !(l > 0 && l <= 10) {
			return false
		}
	}
	return len(o.Loads) == 0 || o.Ops > 0 && o.Pushes > 0 && o.Seconds > 0 && o.Devices > 0
}

// batchesPerDevice is what each device needs sealed: the pushes of every
// load go round-robin over the devices.
func (o openLoopOptions) batchesPerDevice() int {
	steps := len(o.Loads)
	if o.Plain {
		steps *= 2
	}
	return (steps*o.Pushes + o.Devices - 1) / o.Devices
}

// parseLoads reads "0.25,0.5,0.75"; "" or "none" is no open loop.
func parseLoads(s string) ([]float64, error) {
	if s = strings.TrimSpace(s); s == "" || s == "none" {
		return nil, nil
	}
	var out []float64
	for _, p := range strings.Split(s, ",") {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || !(f > 0) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("load %q: a fraction of the ingest rate, like 0.5", p)
		}
		out = append(out, f)
	}
	return out, nil
}

func formatLoads(l []float64) string {
	var s []string
	for _, f := range l {
		s = append(s, strconv.FormatFloat(f, 'g', -1, 64))
	}
	return strings.Join(s, ",")
}

// openLoopFigure is push acknowledgement at one load.
type openLoopFigure struct {
	LoadFraction  float64 `json:"load_fraction"`      // of the closed loop's ops_per_s
	OfferedOpsPS  float64 `json:"ops_per_s_offered"`  // the schedule's rate (both halves, with plain HTTP beside)
	AchievedOpsPS float64 `json:"ops_per_s_achieved"` // this row's pushes, acknowledged over the window or until the last receipt
	PushP50Ms     float64 `json:"push_p50_ms"`        // from the scheduled start to the verified receipt
	PushP99Ms     float64 `json:"push_p99_ms"`
	PushMaxMs     float64 `json:"push_max_ms"`
	Pushes        int     `json:"pushes"`
	OpsPerPush    int     `json:"ops_per_push"`
	Devices       int     `json:"devices"`
	DelayedStarts int     `json:"delayed_starts"` // pushes due while their device still waited for its previous receipt
	Seconds       float64 `json:"seconds"`
	Arrivals      string  `json:"arrivals"`
	Transport     string  `json:"transport"` // "tls" (as devices push) or "plain_http" (the peer)
	// TLSOverPlainP50 and TLSOverPlainP99 are, in a row over TLS, its
	// p50 and p99 over those of the same load over plain HTTP.
	TLSOverPlainP50 float64 `json:"tls_over_plain_p50,omitempty"`
	TLSOverPlainP99 float64 `json:"tls_over_plain_p99,omitempty"`
}

// measureOpenLoop runs each load of o in turn on cluster c with devs (the
// open loop's own devices, registered), closedRate being the closed loop's
// ingest in operations/s.
//
// With o.Plain, half the devices (every other one) push over plain HTTP
// (the nodes' benchmark listener) while the others push over TLS, in the
// same window at the same total load, twice the pushes: both halves meet
// the same cluster, the same store and the same neighbours on a shared
// machine, so that the ratio of their latencies is what TLS costs. The
// second result holds the plain halves.
func measureOpenLoop(c *benchClusterProc, devs []*benchDevice, pub identity.DistrictPublic, closedRate float64, o openLoopOptions, progress func(format string, a ...any)) (tlsRows, plainRows []openLoopFigure, err error) {
	if !(closedRate > 0) {
		return nil, nil, errors.New("open loop: no ingest rate to take fractions of")
	}
	rng := rand.New(rand.NewPCG(openLoopSeed, 7))
	rr := 0 // round-robin over devs, across loads
	var plainURLs []string
	if o.Plain {
		plainURLs = c.plainURLs
	}
	for _, load := range o.Loads {
		c.waitCaughtUp(10 * time.Second)
		time.Sleep(200 * time.Millisecond)
		stopTrace := c.traceNodes(o.TraceDir, load, time.Duration(o.Seconds*float64(time.Second))+2*time.Second)
		t, p, err := openLoopStep(devs, c.urls, plainURLs, pub, load, load*closedRate, o, rng, &rr)
		stopTrace()
		if err != nil {
			return tlsRows, plainRows, fmt.Errorf("open loop at %g of the ingest rate: %w", load, err)
		}
		progress("  %.0f %%: %d pushes over TLS, %.0f operations/s offered in all, %.0f achieved, p50 %.1f ms, p99 %.1f ms, %d started late",
			load*100, t.Pushes, t.OfferedOpsPS, t.AchievedOpsPS, t.PushP50Ms, t.PushP99Ms, t.DelayedStarts)
		if o.Plain {
			progress("  %.0f %%: %d pushes over plain HTTP beside them: p50 %.1f ms, p99 %.1f ms, %d started late",
				load*100, p.Pushes, p.PushP50Ms, p.PushP99Ms, p.DelayedStarts)
			plainRows = append(plainRows, p)
		}
		tlsRows = append(tlsRows, t)
	}
	return tlsRows, plainRows, nil
}

// openLoopStep pushes at rate operations/s for one load; with plainURLs,
// every other device pushes over plain HTTP, and the pushes are twice as
// many (o.Pushes over each transport).
func openLoopStep(devs []*benchDevice, urls, plainURLs []string, pub identity.DistrictPublic, load, rate float64, o openLoopOptions, rng *rand.Rand, rr *int) (tlsFig, plainFig openLoopFigure, err error) {
	perSecond := rate / float64(o.Ops) // pushes
	pushes := o.Pushes
	if plainURLs != nil {
		pushes *= 2
	}
	n := min(pushes, max(1, int(perSecond*o.Seconds)))
	window := max(time.Millisecond, time.Duration(float64(n)/perSecond*float64(time.Second)))
	// A Poisson process with n arrivals in the window: n uniform times.
	at := make([]time.Duration, n)
	for i := range at {
		at[i] = time.Duration(rng.Int64N(int64(window)))
	}
	slices.Sort(at)
	plainDev := func(i int) bool { return plainURLs != nil && i%2 == 1 }

	// What each transport's half measured: [0] TLS, [1] plain HTTP.
	type tally struct {
		at      []time.Duration // scheduled starts, from the window's start
		lat     []time.Duration
		ops     int
		delayed int
		pushes  int
	}
	var (
		mu      sync.Mutex
		got     [2]tally
		errs    []error
		wg      sync.WaitGroup
		pending = make([]atomic.Int32, len(devs))
		slots   = make([]chan time.Time, len(devs))
		start   = time.Now().Add(20 * time.Millisecond)
	)
	half := func(i int) int {
		if plainDev(i) {
			return 1
		}
		return 0
	}
	for i, dv := range devs {
		slots[i] = make(chan time.Time, n)
		wg.Add(1)
		go func(i int, dv *benchDevice) {
			defer wg.Done()
			to := urls
			if plainDev(i) {
				to = plainURLs
			}
			var failed error
			for due := range slots[i] {
				if failed == nil {
					failed = dv.pushVerified(to, i, pub)
					d := time.Since(due)
					mu.Lock()
					if failed != nil {
						errs = append(errs, failed)
					} else {
						got[half(i)].at = append(got[half(i)].at, due.Sub(start))
						got[half(i)].lat = append(got[half(i)].lat, d)
						got[half(i)].ops += dv.ops[dv.next-1]
					}
					mu.Unlock()
				}
				pending[i].Add(-1)
			}
		}(i, dv)
	}
	for _, a := range at {
		due := start.Add(a)
		time.Sleep(time.Until(due))
		i := *rr % len(devs)
		*rr++
		got[half(i)].pushes++
		if pending[i].Add(1) > 1 {
			got[half(i)].delayed++ // the device's previous push is not answered yet
		}
		slots[i] <- due
	}
	for _, s := range slots {
		close(s)
	}
	wg.Wait()
	secs := max(window, time.Since(start)).Seconds()
	if err := errors.Join(errs...); err != nil {
		return tlsFig, plainFig, err
	}
	figure := func(t tally, transport string) openLoopFigure {
		return openLoopFigure{
			LoadFraction:  load,
			OfferedOpsPS:  kit.Round(float64(n*o.Ops) / window.Seconds()),
			AchievedOpsPS: kit.Round(float64(t.ops) / secs),
			PushP50Ms:     pct(t.lat, 0.50),
			PushP99Ms:     pct(t.lat, 0.99),
			PushMaxMs:     pct(t.lat, 1),
			Pushes:        len(t.lat),
			OpsPerPush:    o.Ops,
			Devices:       len(devs),
			DelayedStarts: t.delayed,
			Seconds:       kit.Round(secs),
			Arrivals:      "poisson",
			Transport:     transport,
		}
	}
	if o.TraceDir != "" {
		var b strings.Builder
		// The window's start, to place the pushes in the traces (whose
		// Sync events carry the wall clock).
		fmt.Fprintf(&b, "# window start %s\n", start.UTC().Format(time.RFC3339Nano))
		b.WriteString("start_ms\tlatency_ms\ttransport\n")
		for h, t := range got {
			for k := range t.lat {
				fmt.Fprintf(&b, "%.1f\t%.1f\t%s\n", float64(t.at[k].Microseconds())/1000, float64(t.lat[k].Microseconds())/1000, []string{"tls", "plain_http"}[h])
			}
		}
		os.WriteFile(filepath.Join(o.TraceDir, fmt.Sprintf("pushes-%g.tsv", load)), []byte(b.String()), 0o644)
	}
	tlsFig = figure(got[0], "tls")
	if plainURLs != nil {
		plainFig = figure(got[1], "plain_http")
		tlsFig.Devices = (len(devs) + 1) / 2
		plainFig.Devices = len(devs) / 2
		if plainFig.PushP50Ms > 0 && plainFig.PushP99Ms > 0 {
			tlsFig.TLSOverPlainP50 = kit.Round(tlsFig.PushP50Ms / plainFig.PushP50Ms)
			tlsFig.TLSOverPlainP99 = kit.Round(tlsFig.PushP99Ms / plainFig.PushP99Ms)
		}
	}
	return tlsFig, plainFig, nil
}

// pushVerified pushes the device's next batch and verifies the receipt
// with the district's key, as a device does before it marks the batch
// sent.
func (dv *benchDevice) pushVerified(urls []string, start int, pub identity.DistrictPublic) error {
	k := dv.next
	if k >= len(dv.sealed) {
		return fmt.Errorf("device %s has no batch left (%d sealed)", dv.id, len(dv.sealed))
	}
	rec, _, err := dv.pushOne(urls, start, k)
	if err != nil {
		return err
	}
	if err := client.VerifyReceipt(&rec, pub, dv.sealed[k], nil); err != nil {
		return fmt.Errorf("device %s batch %d: %v", dv.id, k+1, err)
	}
	dv.next = k + 1
	return nil
}

// traceNodes starts, when dir is set, a Go execution trace of every node
// for at most d, written to dir/trace-LOAD-nN.out; the function it returns
// waits for them.
func (c *benchClusterProc) traceNodes(dir string, load float64, d time.Duration) func() {
	if dir == "" || len(c.debug) == 0 {
		return func() {}
	}
	var wg sync.WaitGroup
	for i, addr := range c.debug {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/trace?seconds=%d", addr, int(d.Seconds()+0.5)))
			if err != nil {
				return
			}
			defer resp.Body.Close()
			f, err := os.Create(filepath.Join(dir, fmt.Sprintf("trace-%g-%s.out", load, c.ids[i])))
			if err != nil {
				return
			}
			defer f.Close()
			io.Copy(f, resp.Body)
		}()
	}
	time.Sleep(100 * time.Millisecond) // the traces start
	return wg.Wait
}

// waitCaughtUp waits, at most d, until every node has applied the same
// index, so that a load does not start while followers still apply the
// last one's.
func (c *benchClusterProc) waitCaughtUp(d time.Duration) {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		var idx []uint64
		for _, u := range c.urls {
			st, err := kit.NodeRole(c.keys, u)
			if err != nil {
				break
			}
			idx = append(idx, st.AppliedIndex)
		}
		if len(idx) == len(c.urls) && slices.Min(idx) == slices.Max(idx) {
			return
		}
	}
}

// printOpenLoop prints the open loop's loads for a person.
func printOpenLoop(w io.Writer, f clusterFigures) {
	if len(f.OpenLoop) == 0 {
		return
	}
	o := f.OpenLoop[0]
	fmt.Fprintf(w, "  push acknowledgement at a given load, open loop (Poisson arrivals of pushes of %d operations over %d devices; from the scheduled start to the verified receipt; target p99 ≤ 50 ms at half the ingest rate):\n",
		o.OpsPerPush, o.Devices)
	for _, o := range f.OpenLoop {
		fmt.Fprintf(w, "    %3.0f %% of ingest: %8s operations/s offered, %8s achieved; p50 %.1f ms, p99 %.1f ms, max %.1f ms   (%d pushes in %.1f s, %d started late)\n",
			o.LoadFraction*100, thousands(o.OfferedOpsPS), thousands(o.AchievedOpsPS), o.PushP50Ms, o.PushP99Ms, o.PushMaxMs, o.Pushes, o.Seconds, o.DelayedStarts)
	}
	if len(f.OpenLoopPlain) == 0 {
		return
	}
	fmt.Fprintf(w, "  half the devices pushing over plain HTTP (the nodes' benchmark listener) beside those over TLS, in the same window; TLS ÷ plain (target ≤ 1.10):\n")
	for i, p := range f.OpenLoopPlain {
		t := f.OpenLoop[i]
		fmt.Fprintf(w, "    %3.0f %% of ingest: p50 %.1f ms, p99 %.1f ms over plain HTTP; TLS ÷ plain: p50 %.2f, p99 %.2f   (%s achieved over plain, %s over TLS)\n",
			p.LoadFraction*100, p.PushP50Ms, p.PushP99Ms, t.TLSOverPlainP50, t.TLSOverPlainP99, thousands(p.AchievedOpsPS), thousands(t.AchievedOpsPS))
	}
}
