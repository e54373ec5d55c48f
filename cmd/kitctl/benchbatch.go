package main

import (
	"crypto/ed25519"
	"flag"
	"fmt"
	"math/rand/v2"
	"time"

	"filippo.io/age"

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

// benchBatch measures DESIGN.md §10's sealed-batch figures on generated
// workloads: 500 new persons, 500 single-field edits.
func benchBatch(e *env, args []string) error {
	fs := flag.NewFlagSet("bench batch", flag.ContinueOnError)
	commune := fs.String("commune", "12472", "commune to generate (not one the zstd dictionary was trained on)")
	n := fs.Int("ops", 500, "operations per batch")
	rounds := fs.Int("rounds", 10, "seal/open repetitions for throughput")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *n <= 0 || *rounds <= 0 {
		return usagef("usage: kitctl bench batch [--ops 500] [--json]")
	}
	// A fresh random device, not the workload's fixed one: the figures
	// must not profit from an ID the zstd dictionary may have seen.
	dev, err := identity.NewDevice(string(storage.NewDeviceID()))
	if err != nil {
		return err
	}
	dist, err := identity.NewDistrict("Bench")
	if err != nil {
		return err
	}
	pub := dist.Public()
	rcpt, err := age.ParseX25519Recipient(pub.AgeRecipient)
	if err != nil {
		return err
	}
	opener := &batch.Opener{Identity: dist.Age, KeyID: pub.KeyID, SignerKey: func(string) (ed25519.PublicKey, error) { return dev.Public().SignKey, nil }}
	r := rand.New(rand.NewPCG(1, 2))
	small, err := gen.Generate(gen.Options{Commune: *commune, Persons: *n, Seed: 1})
	if err != nil {
		return err
	}
	c, err := gen.Generate(gen.Options{Commune: *commune, Persons: 4 * *n, Seed: 1})
	if err != nil {
		return err
	}
	other, err := gen.Generate(gen.Options{Commune: *commune, Persons: 4 * *n, Seed: 2})
	if err != nil {
		return err
	}
	registered := workload.Register(c, r)
	loads := []struct {
		name string
		ops  []*storage.Op
	}{
		{"new persons", workload.Register(small, r)},
		{"single-field edits", workload.Edits(c, other, registered, workload.EditOptions{N: *n, StepMs: 2000}, r)},
	}
	var out []batchFigure
	for _, l := range loads {
		workload.Rehome(l.ops, storage.DeviceID(dev.ID), "Hoàng Thị Thu")
		so := batch.SealOptions{Header: batch.Header{Sender: dev.ID, Seq: 1, RecipientKeyID: pub.KeyID}, Recipient: rcpt, SignKey: dev.Sign}
		enc, err := batch.EncodeOps(l.ops)
		if err != nil {
			return err
		}
		var sealed []byte
		t0 := time.Now()
		for i := 0; i < *rounds; i++ {
			if sealed, err = batch.Seal(l.ops, so); err != nil {
				return err
			}
		}
		sealRate := float64(*rounds*len(l.ops)) / time.Since(t0).Seconds()
		var b *batch.Batch
		t0 = time.Now()
		for i := 0; i < *rounds; i++ {
			if b, err = opener.Open(sealed); err != nil {
				return err
			}
		}
		openRate := float64(*rounds*len(l.ops)) / time.Since(t0).Seconds()
		k := float64(len(l.ops))
		out = append(out, batchFigure{Workload: l.name, Operations: len(l.ops),
			SealedPerOp: round(float64(len(sealed)) / k), EncodedPerOp: round(float64(len(enc)) / k), ZstdPerOp: round(float64(b.CompressedBytes) / k),
			EnvelopeBytes: len(sealed) - b.CompressedBytes, SealOpsPerSec: round(sealRate), OpenOpsPerSec: round(openRate),
			SealedBytes: len(sealed), PlainBytes: b.PlainBytes, CompressedByte: b.CompressedBytes})
	}
	figs := []figure{
		{"sealed bytes on the wire per new person (batches of 500)", "≤ 30 B", out[0].SealedPerOp, "B", out[0].SealedPerOp <= 30},
		{"sealed bytes per single-field edit (batches of 500)", "≤ 10 B", out[1].SealedPerOp, "B", out[1].SealedPerOp <= 10},
	}
	if e.jsonOut {
		return e.printJSON(map[string]any{"figures": figs, "workloads": out})
	}
	fmt.Fprintf(e.stdout, "%-58s %-10s %-10s %s\n", "figure", "target", "measured", "met")
	for _, f := range figs {
		fmt.Fprintf(e.stdout, "%-58s %-10s %-10s %v\n", f.Figure, f.Target, fmt.Sprintf("%g %s", f.Measured, f.Unit), f.Met)
	}
	for _, w := range out {
		fmt.Fprintf(e.stdout, "%s: %d ops, encoded %.1f B/op → zstd %.1f B/op → sealed %.1f B/op (envelope %d B per batch); seal %.0f ops/s, open %.0f ops/s\n",
			w.Workload, w.Operations, w.EncodedPerOp, w.ZstdPerOp, w.SealedPerOp, w.EnvelopeBytes, w.SealOpsPerSec, w.OpenOpsPerSec)
	}
	return nil
}
