package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/gen"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/linkproxy"
	"github.com/communekit/communekit/sync/outbox"
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
}

// benchSync measures a commune's first sync over a 2G-like link: a device
// with a generated commune pushes everything to a 3-node cluster through
// a proxy shaped to 64 kbit/s and 400 ms round trip.
func benchSync(e *env, args []string) error {
	fs := flag.NewFlagSet("bench sync", flag.ContinueOnError)
	persons := fs.Int("persons", 10000, "persons in the device's commune")
	kbit := fs.Int("kbit", 64, "link bandwidth, kbit/s each way")
	rtt := fs.Duration("rtt", 400*time.Millisecond, "link round-trip time")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *persons <= 0 || *kbit <= 0 {
		return usagef("usage: kitctl bench sync [--persons 10000] [--kbit 64] [--rtt 400ms] [--json]")
	}
	dir, err := os.MkdirTemp("", "communekit-bench-sync-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	progress := func(format string, a ...any) { fmt.Fprintf(e.stderr, format+"\n", a...) }

	prof, err := storage.Create(filepath.Join(dir, "d"), []byte(benchPassphrase), storage.Profile{Kind: storage.KindDistrict, District: "Bench"}, storage.Options{WorkFactor: 10, GCInterval: -1})
	if err != nil {
		return err
	}
	d := prof.DistrictKeys()
	prof.Close()

	progress("generating and importing %d persons on a device…", *persons)
	dev, err := storage.Create(filepath.Join(dir, "dev"), []byte(benchPassphrase), storage.Profile{Commune: "00769", Officer: "Nguyễn Thị Lan"}, storage.Options{WorkFactor: 10, GCInterval: -1})
	if err != nil {
		return err
	}
	defer dev.Close()
	req, err := cert.NewRequest(dev.DeviceKeys(), "Nguyễn Thị Lan", []string{"00769"}, time.Now())
	if err != nil {
		return err
	}
	c, err := cert.Sign(req, cert.RoleOfficer, nil, 24*time.Hour, 1, d, time.Now())
	if err != nil {
		return err
	}
	if err := outbox.Install(dev, c, d.Public(), time.Now()); err != nil {
		return err
	}
	g, err := gen.Generate(gen.Options{Commune: "00769", Persons: *persons, Seed: 7})
	if err != nil {
		return err
	}
	var csv bytes.Buffer
	if err := gen.WriteCSV(&csv, g, 7); err != nil {
		return err
	}
	if _, err := dev.ImportPersons(&csv, storage.ImportOptions{}); err != nil {
		return err
	}
	f := syncFigure{Persons: *persons, BandwidthBps: *kbit * 1000, RTTMs: int(rtt.Milliseconds())}
	if pending, err := dev.Pending(); err == nil {
		f.Operations = int(pending)
	}

	progress("starting a 3-node district cluster…")
	cl, err := startBenchCluster(dir, 3)
	if err != nil {
		return err
	}
	defer cl.stop()
	px, err := linkproxy.Listen("127.0.0.1:0", cl.urls[1][len("http://"):], linkproxy.Shape{BytesPerSecond: *kbit * 1000 / 8, RTT: *rtt})
	if err != nil {
		return err
	}
	defer px.Close()

	// Sealing is local work the first sync does too; it is timed apart.
	t0 := time.Now()
	z, err := outbox.SealerFor(dev, 0)
	if err != nil {
		return err
	}
	bs, err := z.Seal(dev)
	if err != nil {
		return err
	}
	f.SealSeconds = time.Since(t0).Seconds()
	f.Batches = len(bs)

	progress("first sync of %d batches over %d kbit/s, %s round trip…", len(bs), *kbit, *rtt)
	cli := &client.Client{Node: "http://" + px.Addr(), Store: dev, Progress: func(p client.Progress) {
		if p.Phase == client.PhasePush && p.Err == nil && p.Attempt == 0 && p.Total > 0 && p.Done%5 == 0 {
			progress("  %d of %d batches acknowledged", p.Done, p.Total)
		}
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	start := time.Now()
	res, err := cli.Push(ctx)
	if err != nil {
		return err
	}
	f.Seconds = time.Since(start).Seconds()
	f.BytesUp, f.BytesDown = px.Bytes()
	f.IdealSeconds = float64(f.BytesUp+f.BytesDown) / float64(*kbit*1000/8)
	f.Ratio = f.Seconds / f.IdealSeconds
	f.PendingAfter = res.Pending
	f.BytesPerPerson = float64(f.BytesUp) / float64(*persons)
	f.OnEveryNode = cl.digestsEqual()
	if e.jsonOut {
		return e.printJSON(f)
	}
	fmt.Fprintf(e.stdout, "first sync of %d persons (%d operations, %d batches) over %d kbit/s, %d ms RTT\n", f.Persons, f.Operations, f.Batches, *kbit, f.RTTMs)
	fmt.Fprintf(e.stdout, "  bytes on the wire: %d up, %d down (%.1f B per person up)\n", f.BytesUp, f.BytesDown, f.BytesPerPerson)
	fmt.Fprintf(e.stdout, "  time: %.1f s; bytes ÷ bandwidth: %.1f s; ratio %.2f   (target ≤ 1.3)\n", f.Seconds, f.IdealSeconds, f.Ratio)
	fmt.Fprintf(e.stdout, "  sealing beforehand: %.2f s; pending after: %d; every node agrees: %v\n", f.SealSeconds, f.PendingAfter, f.OnEveryNode)
	if f.PendingAfter != 0 || !f.OnEveryNode {
		return errors.New("the first sync left operations pending or the nodes disagree")
	}
	return nil
}
