package storage_test

import (
	"testing"

	"github.com/communekit/communekit/storage"
)

// BenchmarkProblems refuses a record with several problems, as a form or
// an import of bad rows does, and says them in the officer's language
// (one), or in both: what moving the texts to the bundles could cost.
func BenchmarkProblems(b *testing.B) {
	vals := storage.Values{storage.FieldFullName: "Lê V@n A", storage.FieldBirthDate: "31/02/90x",
		storage.FieldSex: "x", storage.FieldIDNumber: "33080000005", storage.FieldPhone: "12",
		storage.FieldEthnicity: "Kinh2"}
	find := func(b *testing.B) storage.Problems {
		var ps storage.Problems
		for f, v := range vals {
			if _, p := storage.Canonicalize(storage.Field(f), v); p != nil {
				ps = append(ps, *p)
			}
		}
		if len(ps) != 6 {
			b.Fatalf("%d problems", len(ps))
		}
		return ps
	}
	for _, c := range []struct {
		name  string
		langs []string
	}{{"find", nil}, {"find_and_say_vi", []string{"vi"}}, {"find_and_say_vi_en", []string{"vi", "en"}}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ps := find(b)
				for _, l := range c.langs {
					if ps.Message(l) == "" {
						b.Fatal("no message")
					}
				}
			}
		})
	}
}
