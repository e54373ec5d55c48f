package report_test

import (
	"bytes"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/report"
)

// Benchmarks of the figures the statistics and the worklist must meet on
// a commune of 100,000 persons (10,000 with -short): report stats within
// 500 ms, report quality within 1 s. They report the time as a metric and
// never fail on it.
//
//	go test -run '^$' -bench . -benchtime 5x ./storage/report/

var benchStore struct {
	once sync.Once
	dir  string
	s    *storage.Store
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchStore.s != nil {
		benchStore.s.Close()
		os.RemoveAll(benchStore.dir)
	}
	os.Exit(code)
}

func benchCommune(b *testing.B) *storage.Store {
	b.Helper()
	benchStore.once.Do(func() {
		n := 100000
		if testing.Short() {
			n = 10000
		}
		// Closed and opened again, as kitctl opens a profile: the
		// import's compactions are over. Kept open for every benchmark
		// of the run, in a directory TestMain removes.
		var err error
		if benchStore.dir, err = os.MkdirTemp("", "report-bench"); err != nil {
			b.Fatal(err)
		}
		s, ck := newCommuneIn(b, benchStore.dir, n)
		dir := s.Dir()
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		s, err = storage.Open(dir, []byte(pass), storage.Options{GCInterval: -1, Now: ck.now})
		if err != nil {
			b.Fatal(err)
		}
		benchStore.s = s
	})
	if benchStore.s == nil {
		b.Fatal("no commune")
	}
	return benchStore.s
}

func report1(b *testing.B, c0 time.Duration, unit string) {
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/"+unit)
	b.ReportMetric(float64((cpu()-c0).Microseconds())/1000/float64(b.N), "cpu-ms/"+unit)
}

func BenchmarkStats100k(b *testing.B) {
	s := benchCommune(b)
	b.ResetTimer()
	c0 := cpu()
	for i := 0; i < b.N; i++ {
		if _, err := report.Stats(s, report.StatsOptions{At: qualityAt, Commune: commune}); err != nil {
			b.Fatal(err)
		}
	}
	report1(b, c0, "report")
}

func BenchmarkQuality100k(b *testing.B) {
	s := benchCommune(b)
	b.ResetTimer()
	c0 := cpu()
	for i := 0; i < b.N; i++ {
		if _, err := report.Quality(s, report.QualityOptions{At: qualityAt, Commune: commune}); err != nil {
			b.Fatal(err)
		}
	}
	report1(b, c0, "report")
}

// What bounds the figures: one pass over the person records alone
// (decoding included), and over the heads of the operations.
func BenchmarkScanPersons100k(b *testing.B) {
	s := benchCommune(b)
	b.ResetTimer()
	c0 := cpu()
	for i := 0; i < b.N; i++ {
		n := 0
		if err := s.ScanPersons(func(p *storage.Person) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
	report1(b, c0, "pass")
}

func BenchmarkScanOps100k(b *testing.B) {
	s := benchCommune(b)
	b.ResetTimer()
	c0 := cpu()
	for i := 0; i < b.N; i++ {
		if err := s.ScanOps(func(storage.EntityKind, storage.Event, storage.HLC) bool { return false }, nil); err != nil {
			b.Fatal(err)
		}
	}
	report1(b, c0, "pass")
}

// The documents at 100,000 persons: the statistics as .xlsx and as PDF,
// the worklist (some 70,000 items) as .xlsx. The report is computed once;
// what is measured is the writing, to memory, and the file's size.
func benchDocument(b *testing.B, write func(w *bytes.Buffer) error) {
	b.ReportAllocs()
	var buf bytes.Buffer
	b.ResetTimer()
	c0 := cpu()
	for i := 0; i < b.N; i++ {
		buf.Reset()
		if err := write(&buf); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	report1(b, c0, "doc")
	b.ReportMetric(float64(buf.Len())/1e6, "MB-file")
}

func BenchmarkStatsXLSX100k(b *testing.B) {
	st, err := report.Stats(benchCommune(b), report.StatsOptions{At: qualityAt, Commune: commune})
	if err != nil {
		b.Fatal(err)
	}
	benchDocument(b, func(w *bytes.Buffer) error { return st.WriteXLSX(w, "vi") })
}

func BenchmarkStatsPDF100k(b *testing.B) {
	st, err := report.Stats(benchCommune(b), report.StatsOptions{At: qualityAt, Commune: commune})
	if err != nil {
		b.Fatal(err)
	}
	benchDocument(b, func(w *bytes.Buffer) error { return st.WritePDF(w, "vi") })
}

func BenchmarkQualityXLSX100k(b *testing.B) {
	wl, err := report.Quality(benchCommune(b), report.QualityOptions{At: qualityAt, Commune: commune})
	if err != nil {
		b.Fatal(err)
	}
	benchDocument(b, func(w *bytes.Buffer) error { return wl.WriteXLSX(w, "vi") })
	b.ReportMetric(float64(len(wl.Items)), "items")
}
