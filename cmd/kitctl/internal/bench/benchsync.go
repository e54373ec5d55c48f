package bench

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/communekit/communekit/cmd/kitctl/internal/kit"
	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/gen"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/linkproxy"
	"github.com/communekit/communekit/sync/outbox"
	"github.com/communekit/communekit/sync/protocol"
)

type syncFigure struct {
	Persons        int     `json:"persons"`
	Operations     int     `json:"operations"`
	Batches        int     `json:"batches"`
	BandwidthBps   int     `json:"bandwidth_bit_per_s"`
	RTTMs          int     `json:"rtt_ms"`
	BytesUp        int64   `json:"bytes_up"`
	BytesDown      int64   `json:"bytes_down"`
	Seconds        float64 `json:"seconds"`
	IdealSeconds   float64 `json:"ideal_seconds"` // (bytes up + down) ÷ bandwidth
	Ratio          float64 `json:"ratio"`         // seconds ÷ ideal seconds; target ≤ 1.3
	SealSeconds    float64 `json:"seal_seconds"`
	PendingAfter   uint64  `json:"pending_after"`
	OnEveryNode    bool    `json:"on_every_node"`
	BytesPerPerson float64 `json:"bytes_per_person"`
	// What TLS adds to the first sync (its push, then a pull): the
	// connections the sync opened; the time of one request on a new
	// connection over the same link, over TLS and over plain HTTP (the
	// node's benchmark listener), medians of five; their difference in
	// round trips of the link, per connection and for the whole sync
	// (the target: at most 2).
	Connections        int     `json:"connections"`
	NewConnTLSSeconds  float64 `json:"new_connection_tls_seconds"`
	NewConnPlainSecond float64 `json:"new_connection_plain_seconds"`
	TLSRoundTripsConn  float64 `json:"tls_round_trips_per_connection"`
	TLSRoundTrips      float64 `json:"tls_round_trips"`
}

// syncOptions size the first-sync benchmark.
type syncOptions struct {
	Persons int           // persons in the device's commune
	Kbit    int           // link bandwidth, kbit/s each way
	RTT     time.Duration // link round-trip time
}

// benchSync measures a commune's first sync over a 2G-like link: a device
// with a generated commune pushes everything to a 3-node cluster through
// a proxy shaped to 64 kbit/s and 400 ms round trip.
func benchSync(e *kit.Env, args []string) error {
	fs := flag.NewFlagSet("bench sync", flag.ContinueOnError)
	var o syncOptions
	fs.IntVar(&o.Persons, "persons", 10000, "persons in the device's commune")
	fs.IntVar(&o.Kbit, "kbit", 64, "link bandwidth, kbit/s each way")
	fs.DurationVar(&o.RTT, "rtt", 400*time.Millisecond, "link round-trip time")
	pos, err := e.ParseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || o.Persons <= 0 || o.Kbit <= 0 {
		return kit.Usagef("usage: kitctl bench sync [--persons 10000] [--kbit 64] [--rtt 400ms] [--json]")
	}
	progress := func(format string, a ...any) { fmt.Fprintf(e.Stderr, format+"\n", a...) }
	f, err := measureSync(o, progress)
	if err != nil {
		return err
	}
	if e.JSON {
		return e.PrintJSON(f)
	}
	printSync(e.Stdout, f)
	return f.check()
}

// measureSync runs the first-sync benchmark; progress reports what it
// does. Operations left pending or nodes that disagree are in the figures,
// not in the error: see check.
func measureSync(o syncOptions, progress func(format string, a ...any)) (syncFigure, error) {
	f := syncFigure{Persons: o.Persons, BandwidthBps: o.Kbit * 1000, RTTMs: int(o.RTT.Milliseconds())}
	dir, err := os.MkdirTemp("", "communekit-bench-sync-")
	if err != nil {
		return f, err
	}
	defer os.RemoveAll(dir)

	prof, err := storage.Create(filepath.Join(dir, "d"), []byte(benchPassphrase), storage.Profile{Kind: storage.KindDistrict, District: "Bench"}, storage.Options{WorkFactor: 10, GCInterval: -1})
	if err != nil {
		return f, err
	}
	d := prof.DistrictKeys()
	prof.Close()
	kit.TrustDistrict(d.Public())

	progress("generating and importing %d persons on a device…", o.Persons)
	dev, err := storage.Create(filepath.Join(dir, "dev"), []byte(benchPassphrase), storage.Profile{Commune: "00769", Officer: "Nguyễn Thị Lan"}, storage.Options{WorkFactor: 10, GCInterval: -1})
	if err != nil {
		return f, err
	}
	defer dev.Close()
	req, err := cert.NewRequest(dev.DeviceKeys(), "Nguyễn Thị Lan", []string{"00769"}, time.Now())
	if err != nil {
		return f, err
	}
	c, err := cert.Sign(req, cert.RoleOfficer, nil, 24*time.Hour, 1, d, time.Now())
	if err != nil {
		return f, err
	}
	if err := outbox.Install(dev, c, d.Public(), time.Now()); err != nil {
		return f, err
	}
	g, err := gen.Generate(gen.Options{Commune: "00769", Persons: o.Persons, Seed: 7})
	if err != nil {
		return f, err
	}
	var csv bytes.Buffer
	if err := gen.WriteCSV(&csv, g, 7); err != nil {
		return f, err
	}
	if _, err := dev.ImportPersons(&csv, storage.ImportOptions{}); err != nil {
		return f, err
	}
	if pending, err := dev.Pending(); err == nil {
		f.Operations = int(pending)
	}

	progress("starting a 3-node district cluster…")
	cl, err := startBenchCluster(dir, 3, false)
	if err != nil {
		return f, err
	}
	cl.keys = d
	defer cl.stop()
	px, err := linkproxy.Listen("127.0.0.1:0", cl.urls[1][len("https://"):], linkproxy.Shape{BytesPerSecond: o.Kbit * 1000 / 8, RTT: o.RTT})
	if err != nil {
		return f, err
	}
	defer px.Close()

	// Sealing is local work the first sync does too; it is timed apart.
	t0 := time.Now()
	z, err := outbox.SealerFor(dev, 0)
	if err != nil {
		return f, err
	}
	bs, err := z.Seal(dev)
	if err != nil {
		return f, err
	}
	f.SealSeconds = time.Since(t0).Seconds()
	f.Batches = len(bs)

	progress("first sync of %d batches over %d kbit/s, %s round trip…", len(bs), o.Kbit, o.RTT)
	cli := &client.Client{Node: "https://" + px.Addr(), Store: dev, Progress: func(p client.Progress) {
		if p.Phase == client.PhasePush && p.Err == nil && p.Attempt == 0 && p.Total > 0 && p.Done%5 == 0 {
			progress("  %d of %d batches acknowledged", p.Done, p.Total)
		}
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	hs := &handshakes{}
	ctx = httptrace.WithClientTrace(ctx, hs.trace())
	start := time.Now()
	res, err := cli.Push(ctx)
	if err != nil {
		return f, err
	}
	f.Seconds = time.Since(start).Seconds()
	f.BytesUp, f.BytesDown = px.Bytes()
	// The pull that ends a first sync, outside the time above (the
	// figure is the push's), but in the handshakes counted.
	if _, err := cli.Pull(ctx); err != nil {
		return f, fmt.Errorf("the pull after the first push: %w", err)
	}
	f.Connections = hs.result()

	// One request on a new connection, over TLS and over plain HTTP,
	// through links of the same shape: what TLS adds to a connection.
	pxPlain, err := linkproxy.Listen("127.0.0.1:0", cl.plainURLs[1][len("http://"):], linkproxy.Shape{BytesPerSecond: o.Kbit * 1000 / 8, RTT: o.RTT})
	if err != nil {
		return f, err
	}
	defer pxPlain.Close()
	tlsClient := client.HTTPClient(d.Public(), client.HTTPOptions{DisableKeepAlives: true})
	plainClient := &http.Client{Timeout: time.Minute, Transport: &http.Transport{DisableKeepAlives: true}}
	if f.NewConnTLSSeconds, err = newConnection(tlsClient, "https://"+px.Addr()); err != nil {
		return f, err
	}
	if f.NewConnPlainSecond, err = newConnection(plainClient, "http://"+pxPlain.Addr()); err != nil {
		return f, err
	}
	if o.RTT > 0 {
		f.TLSRoundTripsConn = kit.Round((f.NewConnTLSSeconds - f.NewConnPlainSecond) / o.RTT.Seconds())
		f.TLSRoundTrips = kit.Round(f.TLSRoundTripsConn * float64(f.Connections))
	}
	f.IdealSeconds = float64(f.BytesUp+f.BytesDown) / float64(o.Kbit*1000/8)
	f.Ratio = f.Seconds / f.IdealSeconds
	f.PendingAfter = res.Pending
	f.BytesPerPerson = float64(f.BytesUp) / float64(o.Persons)
	f.OnEveryNode = cl.digestsEqual()
	return f, nil
}

// handshakes counts, through httptrace, the connections a sync opens.
type handshakes struct {
	mu    sync.Mutex
	conns int
}

func (h *handshakes) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		ConnectStart: func(string, string) {
			h.mu.Lock()
			h.conns++
			h.mu.Unlock()
		},
	}
}

func (h *handshakes) result() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.conns
}

// newConnection is the median time, of five, of GET /readyz on a new
// connection with hc (which keeps none alive) to the node at base.
func newConnection(hc *http.Client, base string) (float64, error) {
	var times []float64
	for range 5 {
		t0 := time.Now()
		resp, err := hc.Get(base + protocol.PathReady)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("%s%s: %s", base, protocol.PathReady, resp.Status)
		}
		times = append(times, time.Since(t0).Seconds())
	}
	slices.Sort(times)
	return times[len(times)/2], nil
}

// check fails when the first sync left operations pending or the nodes
// disagree: a sync that did not do its job, not a slow one.
func (f syncFigure) check() error {
	if f.PendingAfter != 0 || !f.OnEveryNode {
		return errors.New("the first sync left operations pending or the nodes disagree")
	}
	return nil
}

// printSync prints the first-sync benchmark for a person.
func printSync(w io.Writer, f syncFigure) {
	fmt.Fprintf(w, "first sync of %d persons (%d operations, %d batches) over %d kbit/s, %d ms RTT\n", f.Persons, f.Operations, f.Batches, f.BandwidthBps/1000, f.RTTMs)
	fmt.Fprintf(w, "  bytes on the wire: %d up, %d down (%.1f B per person up)\n", f.BytesUp, f.BytesDown, f.BytesPerPerson)
	fmt.Fprintf(w, "  time: %.1f s; bytes ÷ bandwidth: %.1f s; ratio %.2f   (target ≤ 1.3)\n", f.Seconds, f.IdealSeconds, f.Ratio)
	fmt.Fprintf(w, "  sealing beforehand: %.2f s; pending after: %d; every node agrees: %v\n", f.SealSeconds, f.PendingAfter, f.OnEveryNode)
	fmt.Fprintf(w, "  TLS: a request on a new connection %.2f s, over plain HTTP %.2f s: +%.1f round trips per connection; the sync (push and pull) opened %d: TLS adds %.1f round trips   (target ≤ 2)\n",
		f.NewConnTLSSeconds, f.NewConnPlainSecond, f.TLSRoundTripsConn, f.Connections, f.TLSRoundTrips)
}
