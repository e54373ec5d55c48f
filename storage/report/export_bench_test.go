package report_test

import (
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/report"
)

// heapPeak samples the heap in use while fn runs and returns the highest
// it saw above what was in use before (the store's caches excluded).
func heapPeak(fn func()) (peak uint64) {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	base := m.HeapInuse
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapInuse > base && m.HeapInuse-base > peak {
				peak = m.HeapInuse - base
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	fn()
	close(stop)
	wg.Wait()
	return peak
}

// BenchmarkExportPersonsXLSX100k: the list of every person, every field,
// as .xlsx written to a file (target: 10 s and 300 MB at most; the heap
// the export adds is reported, the store's own caches are not in it).
func BenchmarkExportPersonsXLSX100k(b *testing.B) {
	benchExport(b, report.WritePersonsXLSX)
}

// BenchmarkExportPersonsCSV100k: the same list as CSV.
func BenchmarkExportPersonsCSV100k(b *testing.B) {
	benchExport(b, report.WritePersonsCSV)
}

func benchExport(b *testing.B, write func(io.Writer, *storage.Store, report.ExportOptions) (int, error)) {
	s := benchCommune(b)
	dir := b.TempDir()
	b.ResetTimer()
	c0 := cpu()
	var peak uint64
	var size int64
	for i := 0; i < b.N; i++ {
		f, err := os.Create(filepath.Join(dir, "list"))
		if err != nil {
			b.Fatal(err)
		}
		p := heapPeak(func() {
			if _, err := write(f, s, report.ExportOptions{}); err != nil {
				b.Fatal(err)
			}
		})
		peak = max(peak, p)
		st, _ := f.Stat()
		size = st.Size()
		f.Close()
	}
	report1(b, c0, "export")
	b.ReportMetric(float64(peak)/(1<<20), "heap-MB")
	b.ReportMetric(float64(size)/(1<<20), "file-MB")
}
