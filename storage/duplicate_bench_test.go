package storage_test

import (
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/gen"
	"github.com/communekit/communekit/sync/batch/workload"
)

// BenchmarkDuplicateDetection100k is issue 6's figure "duplicate-person
// detection at 100,000 persons per district adds ≤ 1 ms per new person": a
// district node's store holds 100,000 persons of two communes, then takes
// new persons in batches of 500, one in twenty the same folded name and
// birth date as a person of the other commune (a probable duplicate). It
// reports µs/person for the whole apply — feed, indexes, history and every
// semantic check included — which bounds what duplicate detection adds,
// and dup_found, the duplicate conflicts the new persons opened.
func BenchmarkDuplicateDetection100k(b *testing.B) {
	s, err := storage.Create(filepath.Join(b.TempDir(), "n"), []byte("bench"), storage.Profile{Kind: storage.KindNode, District: "Bench"},
		storage.Options{WorkFactor: 10, GCInterval: -1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	r := rand.New(rand.NewPCG(1, 2))
	communes := []string{"00769", "00778"}
	var existing []*storage.Op
	for i, c := range communes {
		g, err := gen.Generate(gen.Options{Commune: c, Persons: 50000, Seed: int64(i + 1)})
		if err != nil {
			b.Fatal(err)
		}
		ops := workload.Register(g, r)
		dev := storage.DeviceID([]string{"aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"}[i])
		workload.Rehome(ops, dev, "Cán bộ")
		for k := 0; k < len(ops); k += 5000 {
			if _, err := s.ApplyOps(ops[k:min(k+5000, len(ops))], storage.ApplyOptions{Feed: true, Fresh: true}); err != nil {
				b.Fatal(err)
			}
		}
		if i == 0 {
			existing = ops
		}
	}
	newcomers, err := gen.Generate(gen.Options{Commune: communes[1], Persons: max(b.N*500, 500), Seed: 99})
	if err != nil {
		b.Fatal(err)
	}
	ops := workload.Register(newcomers, r)
	workload.Rehome(ops, "cccccccccccccccc", "Cán bộ")
	for i, op := range ops {
		if i%20 != 0 {
			continue
		}
		// The same name, birth date, hometown and parents as a person of
		// the other commune, and no ID number: probably one person.
		src := existing[r.IntN(len(existing))]
		copied := map[uint8]bool{uint8(storage.FieldFullName): true, uint8(storage.FieldBirthDate): true,
			uint8(storage.FieldHometown): true, uint8(storage.FieldFatherName): true, uint8(storage.FieldMotherName): true}
		var cs []storage.Change
		for _, c := range op.Changes {
			if !copied[c.Field] && c.Field != uint8(storage.FieldIDNumber) {
				cs = append(cs, c)
			}
		}
		for _, c := range src.Changes {
			if copied[c.Field] {
				cs = append(cs, c)
			}
		}
		slices.SortFunc(cs, func(x, y storage.Change) int { return int(x.Field) - int(y.Field) })
		op.Changes = cs
	}
	before, err := s.DuplicateConflicts()
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if _, err := s.ApplyOps(ops[i*500:(i+1)*500], storage.ApplyOptions{Feed: true, Fresh: true}); err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	after, err := s.DuplicateConflicts()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(elapsed.Microseconds())/float64(b.N*500), "µs/person")
	b.ReportMetric(float64(len(after)-len(before)), "dup_found")
}
