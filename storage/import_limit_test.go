package storage_test

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/communekit/communekit/storage"
)

// unclosedQuoteFile is a register whose row on line 5 opens a quote that
// is never closed, followed by size bytes of ordinary rows, generated as
// they are read. Each Read measures the process's heap (runtime
// ReadMemStats: HeapInuse, Sys) and gives up once the heap in use grows
// past maxGrowth over what it was when the import began, so that an
// importer that buffered the rest of the file fails here instead of
// exhausting the machine's memory.
type unclosedQuoteFile struct {
	head      string
	size, n   int64
	base      runtime.MemStats // when the import began
	peakInuse uint64           // highest HeapInuse seen
	peakSys   uint64
	maxGrowth uint64
}

const (
	unclosedHead = "full_name,birth_date,sex,ethnicity,current_address_detail\n" +
		"Đặng Văn Đức,12/03/1985,Nam,Kinh,Thôn Bắc\n" + // line 2
		"Lò Thị Mai,1988,Nữ,Thái,Thôn Bắc\n" + // line 3
		"Giàng A Páo,1990,Nam,H'Mông,Thôn Nam\n" + // line 4
		"Lò Văn Hỏng,1991,Nam,Thái,\"Thôn Bắc, số 12\n" // line 5: the quote is never closed
	unclosedRow = "Nguyễn Văn An,1990,Nam,Kinh,Thôn Nam\n"
)

var errHeapGrew = errors.New("the heap grew past the bound while the file was read")

func (f *unclosedQuoteFile) Read(p []byte) (int, error) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	f.peakInuse, f.peakSys = max(f.peakInuse, ms.HeapInuse), max(f.peakSys, ms.Sys)
	if ms.HeapInuse > f.base.HeapInuse+f.maxGrowth {
		return 0, errHeapGrew
	}
	if f.n >= f.size {
		return 0, io.EOF
	}
	i := 0
	for i < len(p) && f.n < f.size {
		var src string
		var at int64
		if f.n < int64(len(f.head)) {
			src, at = f.head, f.n
		} else {
			src, at = unclosedRow, (f.n-int64(len(f.head)))%int64(len(unclosedRow))
		}
		k := copy(p[i:], src[at:])
		k = int(min(int64(k), f.size-f.n))
		i += k
		f.n += int64(k)
	}
	return i, nil
}

// TestImport_UnclosedQuoteIn1GBStopsAtOnce: one quote never closed in a
// large file made encoding/csv read the rest of the file as one field,
// holding all of it in memory. The import now stops at the record's
// 64 KB, having saved the rows before it, and says which line to correct
// and how — without reading the 1 GB, and without the heap growing.
func TestImport_UnclosedQuoteIn1GBStopsAtOnce(t *testing.T) {
	for _, lang := range []string{"en", "vi"} {
		t.Run(lang, func(t *testing.T) {
			s := mustCreate(t, filepath.Join(t.TempDir(), "p"))
			defer s.Close()
			f := &unclosedQuoteFile{head: unclosedHead, size: 1 << 30, maxGrowth: 100 << 20}
			runtime.GC()
			runtime.ReadMemStats(&f.base)
			began := time.Now()
			rep, err := s.ImportPersons(f, storage.ImportOptions{Lang: lang})
			took := time.Since(began)
			var end runtime.MemStats
			runtime.ReadMemStats(&end)
			t.Logf("%s: read %d of %d bytes in %v; HeapInuse %.1f MB before, %.1f MB at most while reading; Sys at most %.1f MB; %.1f MB allocated by the import",
				lang, f.n, f.size, took.Round(time.Millisecond), mb(f.base.HeapInuse), mb(f.peakInuse), mb(f.peakSys), mb(end.TotalAlloc-f.base.TotalAlloc))
			if errors.Is(err, errHeapGrew) {
				t.Fatalf("the heap grew by more than %d MB: %v", f.maxGrowth>>20, err)
			}
			if !errors.Is(err, storage.ErrBadCSV) {
				t.Fatalf("got %v, want an ErrBadCSV", err)
			}
			want := map[string][]string{
				"en": {"line 5", "unclosed quote", "close", "save the file again", "rows before line 5 are saved"},
				"vi": {"dòng 5", "dấu ngoặc kép", "không được đóng", "lưu lại tệp", "trước dòng 5 đã được lưu"},
			}[lang]
			for _, w := range want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message %q does not say %q", err, w)
				}
			}
			// Read up to the record's limit and a buffer or two past it,
			// not the gigabyte.
			if f.n > 1<<20 {
				t.Errorf("read %d bytes of the stream; the record was too long after %d", f.n, len(unclosedHead)+storage.MaxImportLine)
			}
			if rep == nil || rep.Imported != 3 {
				t.Fatalf("report %+v, want the 3 rows before line 5 imported", rep)
			}
			if n, _, _ := s.Counts(); n != 3 {
				t.Errorf("%d persons in the store, want the 3 rows before line 5", n)
			}
			if len(rep.Rejected) != 1 || rep.Rejected[0].Line != 5 {
				t.Errorf("rejected %+v, want line 5", rep.Rejected)
			}
			if f.peakInuse > f.base.HeapInuse+f.maxGrowth {
				t.Errorf("HeapInuse reached %.1f MB from %.1f MB", mb(f.peakInuse), mb(f.base.HeapInuse))
			}
			if grew := end.TotalAlloc - f.base.TotalAlloc; grew > 100<<20 {
				t.Errorf("the import allocated %.1f MB", mb(grew))
			}
		})
	}
}

func mb(n uint64) float64 { return float64(n) / (1 << 20) }

// TestImport_LongRecords: a row of exactly the limit is read like any other
// row (here refused for its overlong cell, the import going on); a row
// one byte longer stops the import there, as does a file whose rows are
// not separated by line breaks; a header row too long imports nothing.
func TestImport_LongRecords(t *testing.T) {
	const header = "full_name,birth_date,sex,ethnicity,current_address_detail\n"
	row := func(n int) string {
		const start = "Lò Văn Dài,1991,Nam,Thái,"
		return start + strings.Repeat("x", n-len(start))
	}
	s := mustCreate(t, filepath.Join(t.TempDir(), "p"))
	defer s.Close()

	file := header + "Đặng Văn Đức,1985,Nam,Kinh,Thôn Bắc\n" + row(storage.MaxImportLine) + "\nLò Thị Mai,1988,Nữ,Thái,Thôn Bắc\n"
	rep, err := s.ImportPersons(strings.NewReader(file), storage.ImportOptions{Lang: "en"})
	if err != nil {
		t.Fatalf("a row of exactly %d bytes: %v", storage.MaxImportLine, err)
	}
	if rep.Imported != 2 {
		t.Errorf("imported %d, want the rows around the long one", rep.Imported)
	}
	for _, r := range rep.Rejected {
		if r.Line != 3 || r.Field == "" {
			t.Errorf("rejected %+v: want line 3's cell refused, as a row of the file", r)
		}
	}

	file = header + "An Văn Bình,1990,Nam,01,Thôn Bắc\n" + row(storage.MaxImportLine+1) + "\nLò Văn Sau,1992,Nam,01,Thôn Bắc\n"
	rep, err = s.ImportPersons(strings.NewReader(file), storage.ImportOptions{Lang: "en"})
	if !errors.Is(err, storage.ErrBadCSV) || !strings.Contains(err.Error(), "line 3 is longer than 64 KB") || rep == nil || rep.Imported != 1 {
		t.Fatalf("a row of %d bytes: %+v, %v", storage.MaxImportLine+1, rep, err)
	}

	// A dry run stops there too, having checked the rows before.
	rep, err = s.ImportPersons(strings.NewReader(unclosedHead+strings.Repeat(unclosedRow, 3000)), storage.ImportOptions{Lang: "en", DryRun: true})
	if !errors.Is(err, storage.ErrBadCSV) || !strings.Contains(err.Error(), "unclosed quote (\") from line 5") || !strings.Contains(err.Error(), "nothing was saved") || rep == nil || rep.Imported != 3 {
		t.Fatalf("a dry run: %+v, %v", rep, err)
	}

	// Rows separated by a carriage return alone (old Mac spreadsheets):
	// one line, its first 64 KB ending inside a character.
	file = strings.ReplaceAll(header+strings.Repeat("Lò Văn Mác,1993,Nam,01,Thôn Bắc\n", 3000), "\n", "\r")
	file = file[:65535] + "ă" + file[65535:]
	rep, err = s.ImportPersons(strings.NewReader(file), storage.ImportOptions{})
	if !errors.Is(err, storage.ErrBadCSV) || !strings.Contains(err.Error(), "dòng 1 dài hơn 64 KB") || rep != nil {
		t.Fatalf("a file without line breaks: %+v, %v", rep, err)
	}
	if n, _, _ := s.Counts(); n != 3 {
		t.Errorf("%d persons in the store, want 3", n)
	}
}

// TestImport_QuotedLineBreaksAndQuotes: a cell quoted as spreadsheets
// write it, with line breaks (\n and \r\n), delimiters and doubled quotes,
// reads as the officer wrote it, and the rows after it are read from the
// right line (encoding/csv's reading of every such cell, byte for byte,
// is FuzzRecordLimiter's).
func TestImport_QuotedLineBreaksAndQuotes(t *testing.T) {
	s := mustCreate(t, filepath.Join(t.TempDir(), "p"))
	defer s.Close()
	file := "full_name,birth_date,sex,ethnicity,current_address_detail,permanent_address_detail\n" +
		"Đặng Văn Đức,1985,Nam,Kinh,\"Thôn Bắc, số 12\r\nngõ 3 \"\"nhà xanh\"\"\",\"\"\"Đội 4, \"\"Bắc\"\"\"\"\"\n" + // lines 2-3
		"Lò Thị Mai,31/02/1988,Nữ,Thái,\"Thôn\nNam\",\n" // lines 4-5: a bad date, reported on line 4
	rep, err := s.ImportPersons(strings.NewReader(file), storage.ImportOptions{Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported != 1 || len(rep.Rejected) != 1 || rep.Rejected[0].Line != 4 || rep.Rejected[0].Field != "birth_date" {
		t.Fatalf("imported %d, rejected %+v", rep.Imported, rep.Rejected)
	}
	hits, err := s.Search("Đặng Văn Đức", 5)
	if err != nil || len(hits) != 1 {
		t.Fatalf("search: %v %+v", err, hits)
	}
	p := hits[0].Person
	got := fmt.Sprintf("%q %q", p.Get(storage.FieldCurrentAddressDetail), p.Get(storage.FieldPermanentAddressDetail))
	// The address keeps the words of its lines, on one line.
	if want := fmt.Sprintf("%q %q", "Thôn Bắc, số 12 ngõ 3 \"nhà xanh\"", "\"Đội 4, \"Bắc\"\""); got != want {
		t.Errorf("read %s, want %s", got, want)
	}
}
