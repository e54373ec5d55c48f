package batch

import (
	"math/rand/v2"
	"testing"

	"github.com/communekit/communekit/storage"
)

// The sealed-batch figures of the README's "Figures". Run with
//
//	go test -run '^$' -bench . -benchtime 20x ./sync/batch
//
// B/person and B/edit are the sealed bytes on the wire divided by the
// operations in the batch (500, as the targets say); the breakdown shows
// where they go: encoded (the columnar encoding, before zstd), zstd (after
// compression) and envelope (header, age header and tag, signature: a fixed
// cost per batch, shown per operation).

const figureBatch = 500

func BenchmarkSealedBytesPerNewPerson(b *testing.B) {
	k := mustKeys(b)
	c := mustCommune(b, figureBatch, 1)
	ops := registerOps(c, rand.New(rand.NewPCG(1, 2)))
	reportSizes(b, k, ops, "B/person")
}

// BenchmarkSealedBytesPerEdit corrects one field (occupation, phone or
// address detail) of each of 500 random persons of a commune of 2,000,
// taken in register order as an officer's round would, with the clock of
// the new-person figure (up to 2 s between operations). Two variants show
// what the figure depends on: the same persons in random order
// (B/edit-shuffled) and up to a minute between edits (B/edit-slow).
func BenchmarkSealedBytesPerEdit(b *testing.B) {
	k := mustKeys(b)
	c := mustCommune(b, 2000, 1)
	other := mustCommune(b, 2000, 2)
	r := rand.New(rand.NewPCG(1, 2))
	reg := registerOps(c, r)
	ops := editOps(c, other, reg, figureBatch, 2000, false, r)
	reportSizes(b, k, ops, "B/edit")
	for _, v := range []struct {
		unit     string
		stepMs   int64
		shuffled bool
	}{{"B/edit-shuffled", 2000, true}, {"B/edit-slow", 60_000, false}} {
		sealed, err := Seal(editOps(c, other, reg, figureBatch, v.stepMs, v.shuffled, r), k.sealOpts(1))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(sealed))/figureBatch, v.unit)
	}
}

func reportSizes(b *testing.B, k keys, ops []*storage.Op, unit string) {
	enc, err := EncodeOps(ops)
	if err != nil {
		b.Fatal(err)
	}
	var sealed []byte
	for b.Loop() {
		sealed, err = Seal(ops, k.sealOpts(1))
		if err != nil {
			b.Fatal(err)
		}
	}
	bt, err := k.opener().Open(sealed)
	if err != nil {
		b.Fatal(err)
	}
	n := float64(len(ops))
	b.ReportMetric(float64(len(sealed))/n, unit)
	b.ReportMetric(float64(len(enc))/n, "encoded-B/op")
	b.ReportMetric(float64(bt.CompressedBytes)/n, "zstd-B/op")
	b.ReportMetric(float64(len(sealed)-bt.CompressedBytes), "envelope-B")
}

// BenchmarkSealThroughput and BenchmarkOpenThroughput report operations
// per second on one core for batches of 500 new persons. Run with -cpu 1.
func BenchmarkSealThroughput(b *testing.B) {
	k := mustKeys(b)
	ops := registerOps(mustCommune(b, figureBatch, 1), rand.New(rand.NewPCG(1, 2)))
	for b.Loop() {
		if _, err := Seal(ops, k.sealOpts(1)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(ops))/b.Elapsed().Seconds(), "ops/s")
}

func BenchmarkOpenThroughput(b *testing.B) {
	k := mustKeys(b)
	ops := registerOps(mustCommune(b, figureBatch, 1), rand.New(rand.NewPCG(1, 2)))
	sealed := mustSeal(b, ops, k.sealOpts(1))
	o := k.opener()
	for b.Loop() {
		if _, err := o.Open(sealed); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(ops))/b.Elapsed().Seconds(), "ops/s")
}
