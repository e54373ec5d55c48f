package storage

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// MaxImportLine and CheckRecordLimiter serve the tests of package
// storage_test.
const MaxImportLine = maxImportLine

// CheckRecordLimiter checks checkRecordLimiter on b for each delimiter
// the importer sniffs and limits from 1 byte to more than b holds.
func CheckRecordLimiter(b []byte) error {
	for _, d := range []rune{',', ';', '\t'} {
		for _, limit := range []int{1, 2, 3, 4, 5, 7, 8, 12, 16, 24, 32, 64, 100, 256, len(b), maxImportLine} {
			if err := checkRecordLimiter(b, d, limit); err != nil {
				return fmt.Errorf("delimiter %q, limit %d: %w", d, limit, err)
			}
		}
	}
	return nil
}

// csvResult is one Read of an encoding/csv Reader.
type csvResult struct {
	rec     string // the fields, quoted, or the error
	size    int    // the record's length as recordLimiter counts it
	line    int    // the line it begins on
	perr    bool   // a *csv.ParseError
	limited *longRecordError
}

// readAll reads r to its end (or to recordLimiter's error) as the
// importer does. Sizes come from InputOffset: the bytes of raw (what r
// reads; nil: no sizes) a Read consumed, less the empty lines
// encoding/csv skipped and the final line break.
func readAll(r io.Reader, delim rune, raw []byte) []csvResult {
	cr := csv.NewReader(r)
	cr.Comma = delim
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	var out []csvResult
	for {
		off := cr.InputOffset()
		rec, err := cr.Read()
		if err == io.EOF {
			// The last record may end in a line break inside quotes (a
			// quote never closed): then it holds that line break, and a
			// byte after it would be part of it rather than a new record.
			if n := len(out); n > 0 && raw != nil && bytes.HasSuffix(raw, []byte("\n")) &&
				len(readAll(bytes.NewReader(append(raw[:len(raw):len(raw)], 'z')), delim, nil)) == n {
				out[n-1].size++
			}
			return out
		}
		var span []byte
		if raw != nil {
			span = raw[off:cr.InputOffset()]
		}
		for {
			if bytes.HasPrefix(span, []byte("\n")) {
				span = span[1:]
			} else if bytes.HasPrefix(span, []byte("\r\n")) {
				span = span[2:]
			} else {
				break
			}
		}
		span = bytes.TrimSuffix(span, []byte("\n"))
		res := csvResult{rec: fmt.Sprintf("%q", rec), size: len(span)}
		var pe *csv.ParseError
		switch {
		case errors.As(err, &res.limited):
			res.rec = err.Error()
			res.line = res.limited.Line
		case errors.As(err, &pe):
			res.rec, res.perr, res.line = err.Error(), true, pe.StartLine
		case err != nil:
			res.rec = "unexpected: " + err.Error()
		default:
			res.line, _ = cr.FieldPos(0)
		}
		out = append(out, res)
		if res.limited != nil {
			return out
		}
	}
}

// checkRecordLimiter checks that recordLimiter, between b and
// encoding/csv, refuses a record exactly when encoding/csv reading b
// alone reads one longer than limit, and changes nothing else: every
// record before it is read the same, and the error names the line the
// record begins on.
func checkRecordLimiter(b []byte, delim rune, limit int) error {
	want := readAll(bytes.NewReader(b), delim, b)
	// One byte a Read: the limiter keeps its state across reads.
	got := readAll(newRecordLimiter(iotest.OneByteReader(bytes.NewReader(b)), delim, limit), delim, b)
	long := -1
	for i, w := range want {
		if w.size > limit {
			long = i
			break
		}
	}
	n := len(got)
	if n > 0 && got[n-1].limited != nil {
		n--
		if long < 0 {
			return fmt.Errorf("refused the record from line %d, but no record is longer than the limit", got[n].limited.Line)
		}
		// encoding/csv reports an error of the record's first line
		// before the limiter's, which comes with the next Read.
		if !(n == long || n == long+1 && want[long].perr) {
			return fmt.Errorf("refused at read %d, but read %d is the long one (%q)", n, long, want[long].rec)
		}
		if got[n].limited.Line != want[long].line {
			return fmt.Errorf("refused the record from line %d, but it begins on line %d", got[n].limited.Line, want[long].line)
		}
	} else if long >= 0 {
		return fmt.Errorf("read %d (%q) is %d bytes, longer than the limit, and was not refused", long, want[long].rec, want[long].size)
	}
	for i := 0; i < n; i++ {
		if got[i].rec != want[i].rec {
			return fmt.Errorf("read %d: %s through the limiter, %s without", i, got[i].rec, want[i].rec)
		}
	}
	return nil
}

var limiterSeeds = []string{
	"a,b,c\n1,2,3\n",
	"a,b\r\n\"x\r\ny\",\"q\"\"q\"\r\n\r\n\n3,4",
	"a,b\n\"unclosed,1\n2,3\n4,5\n",
	"a,b\nx\"y,z\n\"ok\",1\n",
	"a,b\n\"x\"y,z\nnext,1\n",
	"a,b\n\"x\"\r,z\nnext,1\n\"x\"\r",
	"\n\n\r\n a;b\t\"c\"\"\"\n\"\",\"\"\n,,,\n",
	"a,b\n\"",
	"\"\"\"\n\"\"\"\n",
}

func TestRecordLimiter_ReadsWhatEncodingCSVReads(t *testing.T) {
	for _, s := range limiterSeeds {
		if err := CheckRecordLimiter([]byte(s)); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
}

// FuzzRecordLimiter: for any input and limit (1 byte at least: an empty
// line written "\r\n" is 1 byte for the limiter, nothing for encoding/csv),
// the limiter refuses exactly
// the first record longer than the limit and changes nothing that
// encoding/csv reads before it (FuzzImportCSV checks the same on its
// inputs for a set of limits).
func FuzzRecordLimiter(f *testing.F) {
	for _, s := range limiterSeeds {
		f.Add([]byte(s), uint8(5), uint8(0))
	}
	f.Fuzz(func(t *testing.T, b []byte, limit, delim uint8) {
		d := []rune{',', ';', '\t'}[int(delim)%3]
		if err := checkRecordLimiter(b, d, 1+int(limit)); err != nil {
			t.Fatal(err)
		}
	})
}

// TestRecordLimiter_AtTheLimit: a record of exactly the limit is read, one
// byte more is refused without its bytes past the limit being read — in
// a field, in quotes across lines, after a misplaced quote.
func TestRecordLimiter_AtTheLimit(t *testing.T) {
	const limit = 20
	for _, c := range []struct {
		name, prefix, fill string
		inQuotes           bool
	}{
		{"unquoted", "a,", "x", false},
		{"quoted across lines", "a,\"\n", "x", true},
		{"doubled quotes", "a,\"", "\"\"", true},
		{"misplaced quote", "a,b\"", "x", false},
		{"CRLF in quotes", "\"", "\r\n", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := c.prefix
			for len(rec) < limit {
				rec += c.fill
			}
			rec = rec[:limit]
			if c.inQuotes && strings.Count(rec, "\"")%2 == 0 {
				rec = rec[:limit-1] + "y"
			}
			closing := ""
			if c.inQuotes {
				closing = "\""
			}
			// Exactly the limit: read, as the next row.
			exact := "h\n" + rec[:limit-len(closing)] + closing + "\nnext\n"
			if err := checkRecordLimiter([]byte(exact), ',', limit); err != nil {
				t.Fatal(err)
			}
			got := readAll(newRecordLimiter(strings.NewReader(exact), ',', limit), ',', []byte(exact))
			if len(got) != 3 || got[1].limited != nil || got[2].rec != `["next"]` {
				t.Fatalf("record of the limit: %+v", got)
			}
			// One byte more, and a stream that never ends: refused, having
			// read the limit and no more than one buffer past it.
			src := &endless{head: "h\n" + rec + "z"}
			got = readAll(newRecordLimiter(src, ',', limit), ',', nil)
			last := got[len(got)-1].limited
			if last == nil || last.Line != 2 || last.InQuotes != c.inQuotes {
				t.Fatalf("one byte over: %+v, last %+v", got, last)
			}
			if src.n > 1<<20 {
				t.Errorf("read %d bytes of a stream refused at %d", src.n, limit)
			}
		})
	}
}

// endless is head, then 'z' forever.
type endless struct {
	head string
	n    int
}

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		if e.n < len(e.head) {
			p[i] = e.head[e.n]
		} else {
			p[i] = 'z'
		}
		e.n++
	}
	return len(p), nil
}
