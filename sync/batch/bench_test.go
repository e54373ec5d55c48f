package batch

import (
	"math/rand/v2"
	"testing"

	"github.com/communekit/communekit/storage"
)

// The figures of DESIGN.md §10 for sealed batches. Run with
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

func BenchmarkSealedBytesPerEdit(b *testing.B) {
	k := mustKeys(b)
	c := mustCommune(b, 2000, 1)
	other := mustCommune(b, 2000, 2)
	r := rand.New(rand.NewPCG(1, 2))
	ops := editOps(c, other, registerOps(c, r), figureBatch, r)
	reportSizes(b, k, ops, "B/edit")
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
