package paper_test

import (
	"io"
	"testing"

	"github.com/communekit/communekit/storage/paper"
)

// The figure the sheets must meet: the PDF of 1,000 households (a
// generated commune of some 5,300 persons) within 10 s. The benchmarks
// report it and never fail on it.
//
//	go test -run '^$' -bench . -benchtime 3x ./storage/paper/

// commune1000 is a store of about 1,000 households, read back.
func commune1000(b *testing.B) []*paper.Household {
	s := newStore(b)
	generated(b, s, 5300)
	hs, err := paper.LoadAll(s)
	if err != nil {
		b.Fatal(err)
	}
	if len(hs) > 1000 {
		hs = hs[:1000]
	}
	if len(hs) < 1000 {
		b.Fatalf("%d households", len(hs))
	}
	return hs
}

// Laying out and writing the sheets of 1,000 households, read already.
func BenchmarkHouseholdsPDF_1000(b *testing.B) {
	hs := commune1000(b)
	members := 0
	for _, h := range hs {
		members += len(h.Members)
	}
	var size int64
	b.ResetTimer()
	for b.Loop() {
		w := &countWriter{}
		if err := paper.WriteHouseholds(w, hs, paper.Options{Commune: commune, Printed: printed}); err != nil {
			b.Fatal(err)
		}
		size = w.n
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/1000-households")
	b.ReportMetric(float64(size)/1e6, "MB")
	b.ReportMetric(float64(members), "persons")
}

// Reading 1,000 households from the store and writing their sheets, as
// kitctl does.
func BenchmarkHouseholdsPDF_1000FromStore(b *testing.B) {
	s := newStore(b)
	generated(b, s, 5300)
	b.ResetTimer()
	for b.Loop() {
		hs, err := paper.LoadAll(s)
		if err != nil {
			b.Fatal(err)
		}
		if len(hs) < 1000 {
			b.Fatalf("%d households", len(hs))
		}
		if err := paper.WriteHouseholds(io.Discard, hs[:1000], paper.Options{Commune: commune, Printed: printed}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }
