package storage_test

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/communekit/communekit/storage"
)

// BenchmarkImportFile100k: the same 100,000 persons (10,000 with -short)
// imported from a CSV file and from an .xlsx file (dates typed as dates,
// ID numbers as text), each into a new store (target: the .xlsx at most
// twice the CSV's time). Both read the file twice (the generated register
// names parents by ID number).
func BenchmarkImportFile100k(b *testing.B) {
	_, data := benchCommune(b)
	dir := b.TempDir()
	csvPath, xlsxPath := filepath.Join(dir, "f.csv"), filepath.Join(dir, "f.xlsx")
	if err := os.WriteFile(csvPath, data, 0o600); err != nil {
		b.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		b.Fatal(err)
	}
	dates := map[int]bool{}
	for j, h := range rows[0] {
		if strings.HasSuffix(h, "_date") {
			dates[j] = true
		}
	}
	csvToXLSX(b, xlsxPath, rows, dates)
	rows = nil
	for _, path := range []string{csvPath, xlsxPath} {
		st, _ := os.Stat(path)
		b.Run(filepath.Ext(path)[1:], func(b *testing.B) {
			var rate float64
			var cpuUsed time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				s := benchStore(b, filepath.Join(b.TempDir(), "p"+strconv.Itoa(i)))
				b.StartTimer()
				t0, c0 := time.Now(), cpuTime()
				rep, err := s.ImportFile(path, storage.ImportOptions{Chunk: 1000})
				if err != nil {
					b.Fatal(err)
				}
				rate = float64(rep.Imported) / time.Since(t0).Seconds()
				cpuUsed += cpuTime() - c0
				b.StopTimer()
				s.Close()
				b.StartTimer()
			}
			b.ReportMetric(rate, "persons/s")
			// CPU time (every goroutine, Badger's included): steadier
			// than the wall clock on a machine doing other work.
			b.ReportMetric(cpuUsed.Seconds()/float64(b.N), "cpu-s/import")
			b.ReportMetric(float64(st.Size())/(1<<20), "file-MB")
		})
	}
}
