package vm

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/communekit/communekit/app/demo"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/fold"
)

// benchProfile returns a profile to measure: $COMMUNEKIT_BENCH_PROFILE
// with $COMMUNEKIT_BENCH_PASSPHRASE (e.g. a 100,000-person profile made
// with kitctl), or else the demo profile, made once in a temporary
// directory with the real work factor.
func benchProfile(b *testing.B) (dir, pass string) {
	if dir := os.Getenv("COMMUNEKIT_BENCH_PROFILE"); dir != "" {
		return dir, os.Getenv("COMMUNEKIT_BENCH_PASSPHRASE")
	}
	dir = filepath.Join(b.TempDir(), "demo")
	if _, err := demo.Ensure(dir, storage.Options{}); err != nil {
		b.Fatal(err)
	}
	return dir, demo.Passphrase
}

// BenchmarkAppUnlockToOverview is the §10 figure "app unlock to overview":
// from the passphrase submitted to the overview's figures ready, key
// derivation (age scrypt, the real work factor) included.
func BenchmarkAppUnlockToOverview(b *testing.B) {
	dir, pass := benchProfile(b)
	tr := mustTr(b)
	var open, refresh time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		s, err := NewUnlock(tr, dir, storage.Options{GCInterval: -1}, Now).Submit(pass)
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		o := NewOverview(tr, s, nil, nil)
		if err := o.Refresh(); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		open += t1.Sub(t0)
		refresh += t2.Sub(t1)
		if i == 0 {
			b.Logf("%d persons, %d households", o.Data().Persons, o.Data().Households)
		}
		s.Close()
	}
	b.ReportMetric(float64(open.Milliseconds())/float64(b.N), "open-ms/op")
	b.ReportMetric(float64(refresh.Milliseconds())/float64(b.N), "overview-ms/op")
}

// BenchmarkSearchAsYouType is the issue's figure "search-as-you-type
// results ≤ 50 ms after a keystroke": names typed a key at a time at a
// fast typist's pace (80 ms between keys), measured from the keystroke
// that completes the name to its results delivered through Do. It reports
// the median and p99 of that latency, the debounce included.
func BenchmarkSearchAsYouType(b *testing.B) {
	dir, pass := benchProfile(b)
	s, err := storage.Open(dir, []byte(pass), storage.Options{GCInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	// Queries: folded names of real persons, and some ID-number and
	// hamlet prefixes, as officers type them.
	var queries []string
	for _, q := range []string{"nguyen", "tran", "le", "pham", "hoang", "vu", "dang", "bui", "do", "ngo"} {
		hits, _ := s.Search(q, 50)
		for i, h := range hits {
			if i%10 == 0 {
				queries = append(queries, fold.Fold(h.Person.FullName()))
			}
			if i == 0 && h.Person.IDNumber() != "" {
				queries = append(queries, h.Person.IDNumber()[:8])
			}
		}
	}
	queries = append(queries, "thon an son", "1990 nguyen")
	sr := NewSearch(mustTr(b), s, Now)
	ch := changes(sr)
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q := queries[i%len(queries)]
		for k := 1; k <= len(q); k++ {
			sr.SetQuery(q[:k])
			if k < len(q) {
				time.Sleep(80 * time.Millisecond / 10) // keystrokes, compressed tenfold to keep the run short
			}
		}
		// Wait for the results of the whole query.
		for {
			<-ch
			if _, got := sr.Results(); got == q {
				break
			}
		}
		lat = append(lat, sr.Latency())
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	if testing.Verbose() {
		b.Logf("%d queries, e.g. %s", len(queries), strings.Join(queries[:3], " | "))
	}
}
