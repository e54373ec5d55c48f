package office_test

import (
	"io"
	"os"
	"testing"

	"github.com/communekit/communekit/storage/office"
)

// BenchmarkReadSheet reads every row of the sheet in $OFFICE_BENCH_XLSX
// (a register of 100,000 persons, say): what one reading of an import
// costs.
func BenchmarkReadSheet(b *testing.B) {
	path := os.Getenv("OFFICE_BENCH_XLSX")
	if path == "" {
		b.Skip("set OFFICE_BENCH_XLSX to an .xlsx file")
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r, err := office.OpenSheet(path, "", office.Limits{})
		if err != nil {
			b.Fatal(err)
		}
		rows := 0
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			rows++
		}
		r.Close()
		b.ReportMetric(float64(rows), "rows")
	}
}
