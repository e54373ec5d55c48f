package bench

import (
	"crypto/ed25519"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"filippo.io/age"

	"github.com/communekit/communekit/cmd/kitctl/internal/kit"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/gen"
	"github.com/communekit/communekit/sync/batch"
	"github.com/communekit/communekit/sync/batch/workload"
)

type batchFigure struct {
	Workload       string  `json:"workload"`
	Operations     int     `json:"operations"`
	SealedPerOp    float64 `json:"sealed_bytes_per_op"`
	EncodedPerOp   float64 `json:"encoded_bytes_per_op"`
	ZstdPerOp      float64 `json:"zstd_bytes_per_op"`
	EnvelopeBytes  int     `json:"envelope_bytes"`
	SealOpsPerSec  float64 `json:"seal_ops_per_s"`
	OpenOpsPerSec  float64 `json:"open_ops_per_s"`
	SealedBytes    int     `json:"sealed_bytes"`
	PlainBytes     int     `json:"plain_bytes"`
	CompressedByte int     `json:"compressed_bytes"`
}

// batchReport is what `kitctl bench batch --json` prints.
type batchReport struct {
	Figures   []figure      `json:"figures"`
	Workloads []batchFigure `json:"workloads"`
}

// batchOptions size the sealed-batch benchmark.
type batchOptions struct {
	Commune string // commune to generate
	Ops     int    // operations per batch
	Rounds  int    // seal/open repetitions for throughput
}

// benchBatch measures the sealed-batch figures on generated
// workloads: 500 new persons, 500 single-field edits.
func benchBatch(e *kit.Env, args []string) error {
	fs := flag.NewFlagSet("bench batch", flag.ContinueOnError)
	var o batchOptions
	fs.StringVar(&o.Commune, "commune", "12472", "commune to generate (not one the zstd dictionary was trained on)")
	fs.IntVar(&o.Ops, "ops", 500, "operations per batch")
	fs.IntVar(&o.Rounds, "rounds", 10, "seal/open repetitions for throughput")
	pos, err := e.ParseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || o.Ops <= 0 || o.Rounds <= 0 {
		return kit.Usagef("usage: kitctl bench batch [--ops 500] [--json]")
	}
	r, err := measureBatch(o)
	if err != nil {
		return err
	}
	if e.JSON {
		return e.PrintJSON(r)
	}
	printBatch(e.Stdout, r)
	return nil
}

// measureBatch seals and opens a batch of each workload.
func measureBatch(o batchOptions) (batchReport, error) {
	var rep batchReport
	// A fresh random device, not the workload's fixed one: the figures
	// must not profit from an ID the zstd dictionary may have seen.
	dev, err := identity.NewDevice(string(storage.NewDeviceID()))
	if err != nil {
		return rep, err
	}
	dist, err := identity.NewDistrict("Bench")
	if err != nil {
		return rep, err
	}
	pub := dist.Public()
	rcpt, err := age.ParseX25519Recipient(pub.AgeRecipient)
	if err != nil {
		return rep, err
	}
	opener := &batch.Opener{Identity: dist.Age, KeyID: pub.KeyID, SignerKey: func(string) (ed25519.PublicKey, error) { return dev.Public().SignKey, nil }}
	r := rand.New(rand.NewPCG(1, 2))
	small, err := gen.Generate(gen.Options{Commune: o.Commune, Persons: o.Ops, Seed: 1})
	if err != nil {
		return rep, err
	}
	c, err := gen.Generate(gen.Options{Commune: o.Commune, Persons: 4 * o.Ops, Seed: 1})
	if err != nil {
		return rep, err
	}
	other, err := gen.Generate(gen.Options{Commune: o.Commune, Persons: 4 * o.Ops, Seed: 2})
	if err != nil {
		return rep, err
	}
	registered := workload.Register(c, r)
	loads := []struct {
		name string
		ops  []*storage.Op
	}{
		{"new persons", workload.Register(small, r)},
		{"single-field edits", workload.Edits(c, other, registered, workload.EditOptions{N: o.Ops, StepMs: 2000}, r)},
	}
	for _, l := range loads {
		workload.Rehome(l.ops, storage.DeviceID(dev.ID), "Hoàng Thị Thu")
		so := batch.SealOptions{Header: batch.Header{Sender: dev.ID, Seq: 1, RecipientKeyID: pub.KeyID}, Recipient: rcpt, SignKey: dev.Sign}
		enc, err := batch.EncodeOps(l.ops)
		if err != nil {
			return rep, err
		}
		var sealed []byte
		t0 := time.Now()
		for i := 0; i < o.Rounds; i++ {
			if sealed, err = batch.Seal(l.ops, so); err != nil {
				return rep, err
			}
		}
		sealRate := float64(o.Rounds*len(l.ops)) / time.Since(t0).Seconds()
		var b *batch.Batch
		t0 = time.Now()
		for i := 0; i < o.Rounds; i++ {
			if b, err = opener.Open(sealed); err != nil {
				return rep, err
			}
		}
		openRate := float64(o.Rounds*len(l.ops)) / time.Since(t0).Seconds()
		k := float64(len(l.ops))
		rep.Workloads = append(rep.Workloads, batchFigure{Workload: l.name, Operations: len(l.ops),
			SealedPerOp: kit.Round(float64(len(sealed)) / k), EncodedPerOp: kit.Round(float64(len(enc)) / k), ZstdPerOp: kit.Round(float64(b.CompressedBytes) / k),
			EnvelopeBytes: len(sealed) - b.CompressedBytes, SealOpsPerSec: kit.Round(sealRate), OpenOpsPerSec: kit.Round(openRate),
			SealedBytes: len(sealed), PlainBytes: b.PlainBytes, CompressedByte: b.CompressedBytes})
	}
	out := rep.Workloads
	rep.Figures = []figure{
		{"sealed bytes on the wire per new person (batches of 500)", "≤ 30 B", out[0].SealedPerOp, "B", out[0].SealedPerOp <= 30},
		{"sealed bytes per single-field edit (batches of 500)", "≤ 10 B", out[1].SealedPerOp, "B", out[1].SealedPerOp <= 10},
	}
	return rep, nil
}

// printBatch prints the sealed-batch benchmark for a person.
func printBatch(w io.Writer, r batchReport) {
	fmt.Fprintf(w, "%-58s %-10s %-10s %s\n", "figure", "target", "measured", "met")
	for _, f := range r.Figures {
		fmt.Fprintf(w, "%-58s %-10s %-10s %v\n", f.Figure, f.Target, fmt.Sprintf("%g %s", f.Measured, f.Unit), f.Met)
	}
	for _, wl := range r.Workloads {
		fmt.Fprintf(w, "%s: %d ops, encoded %.1f B/op → zstd %.1f B/op → sealed %.1f B/op (envelope %d B per batch); seal %.0f ops/s, open %.0f ops/s\n",
			wl.Workload, wl.Operations, wl.EncodedPerOp, wl.ZstdPerOp, wl.SealedPerOp, wl.EnvelopeBytes, wl.SealOpsPerSec, wl.OpenOpsPerSec)
	}
}
