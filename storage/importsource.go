package storage

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/communekit/communekit/storage/office"
)

// An import reads its file twice (import.go): once to index the persons
// other rows may name as a parent, then to check and save each row. A
// source opens the file's rows from the start each time; the CSV and
// .xlsx readers give the rows the same way, so that everything after
// reading a cell is one pipeline whatever the file.

// rowReader gives the rows of an import file, in order.
type rowReader interface {
	// next returns the next row and its line (as the spreadsheet or a
	// text editor numbers it); io.EOF after the last. A *rowError is a
	// row that cannot be read, which is rejected while reading goes on;
	// any other error ends the reading.
	next() (row []string, line int, err error)
	// strict reports whether every row must have as many cells as the
	// header row (CSV: a cell more or less means a delimiter inside an
	// unquoted cell). A spreadsheet leaves trailing empty cells out.
	strict() bool
	close() error
}

// rowError is a row of a CSV file that cannot be read as CSV.
type rowError struct {
	line int
	msg  func(lang string) string
}

func (e *rowError) Error() string { return e.msg("en") }

// importSource opens an import file's rows.
type importSource interface {
	open() (rowReader, error)
}

// csvSource is CSV text from a reader that can go back to where it began.
type csvSource struct {
	r     io.ReadSeeker
	start int64
	used  bool
}

func (c *csvSource) open() (rowReader, error) {
	if c.used {
		if _, err := c.r.Seek(c.start, io.SeekStart); err != nil {
			return nil, fmt.Errorf("%w: reading the file again: %v", ErrBadCSV, err)
		}
	}
	c.used = true
	in, delim, err := sniffCSV(c.r)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(newRecordLimiter(in, delim, maxImportLine))
	cr.Comma = delim
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return &csvRows{cr: cr}, nil
}

type csvRows struct {
	cr   *csv.Reader
	line int
}

func (c *csvRows) next() ([]string, int, error) {
	rec, err := c.cr.Read()
	// FieldPos panics when the last Read returned no record.
	if err == nil && len(rec) > 0 {
		c.line, _ = c.cr.FieldPos(0)
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, pe.Line, &rowError{line: pe.Line, msg: func(lang string) string { return csvMessage(pe, lang) }}
		}
		var long *longRecordError
		if errors.As(err, &long) || err == io.EOF {
			return nil, c.line, err
		}
		return nil, c.line, fmt.Errorf("%w: line %d: %v", ErrBadCSV, c.line, err)
	}
	for i, v := range rec {
		// ="0012…": how a list meant for Excel keeps a number as text.
		if len(v) >= 3 && v[0] == '=' && v[1] == '"' && v[len(v)-1] == '"' {
			rec[i] = v[2 : len(v)-1]
		}
	}
	return rec, c.line, nil
}

func (c *csvRows) strict() bool { return true }
func (c *csvRows) close() error { return nil }

// xlsxSource is one sheet of an .xlsx file. Reading a sheet's XML costs
// far more than reading CSV, so it is read once: the sheet stays open
// for the whole import, and the rows read are kept (compactly: a row's
// cells joined by NUL, which XML cannot hold) for the next open to give
// again before it reads on, until last() says no open follows.
type xlsxSource struct {
	path, sheet string
	lim         office.Limits
	r           *office.SheetReader
	kept        []keptRow
	size        int
	keep        bool
	err         error // the error that ended the reading, given again
}

type keptRow struct {
	line  int
	cells string
}

// maxKeptSheet bounds the text of a sheet's rows kept between readings.
const maxKeptSheet = 256 << 20

func (x *xlsxSource) open() (rowReader, error) {
	if x.r == nil && x.err == nil {
		r, err := office.OpenSheet(x.path, x.sheet, x.lim)
		if err != nil {
			return nil, fmt.Errorf("%w: %v; nothing was imported", ErrBadCSV, err)
		}
		x.r, x.keep = r, true
	}
	return &xlsxRows{x: x}, nil
}

// last tells the source that the open just made is the last one.
func (x *xlsxSource) last() { x.keep = false }

// done closes the sheet.
func (x *xlsxSource) done() {
	if x.r != nil {
		x.r.Close()
		x.r = nil
	}
	x.kept = nil
}

type xlsxRows struct {
	x  *xlsxSource
	at int // the next kept row to give
}

func (r *xlsxRows) next() ([]string, int, error) {
	x := r.x
	if r.at < len(x.kept) {
		k := x.kept[r.at]
		if !x.keep {
			x.kept[r.at] = keptRow{} // the last reading: let it go
		}
		r.at++
		return strings.Split(k.cells, "\x00"), k.line, nil
	}
	if x.err != nil {
		return nil, 0, x.err
	}
	if x.r == nil {
		return nil, 0, io.EOF
	}
	row, err := x.r.Next()
	line := x.r.Line()
	if err != nil {
		if err != io.EOF {
			err = fmt.Errorf("%w: %v", ErrBadCSV, err)
		}
		x.err = err
		return nil, line, err
	}
	if x.keep {
		k := keptRow{line: line, cells: strings.Join(row, "\x00")}
		x.size += len(k.cells) + 32
		if x.size > maxKeptSheet {
			x.err = fmt.Errorf("%w: the sheet holds more than %d MB of text; split it (by hamlet, for example); nothing was imported", ErrBadCSV, maxKeptSheet>>20)
			return nil, line, x.err
		}
		x.kept = append(x.kept, k)
		r.at = len(x.kept)
	}
	return row, line, nil
}

func (r *xlsxRows) strict() bool { return false }
func (r *xlsxRows) close() error { return nil }

// XLSXLimits bound what an import reads of an .xlsx file (storage/office's
// defaults: a file of at most 64 MiB, unpacking to at most 1 GiB, 500,000
// rows; a commune's register of 100,000 persons is some 10–20 MB).
var XLSXLimits = office.Limits{}

// IsXLSX reports whether the file at path is a spreadsheet container
// (.xlsx, or an Excel 97–2003 .xls, which the import refuses saying how to
// save it), judged by its first bytes, not its name.
func IsXLSX(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	head := make([]byte, 8)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	return bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}), nil
}

// ImportFile imports persons from the file at path: an .xlsx workbook
// (the sheet o.Sheet, or the first) or CSV and tab-separated text, told
// apart by the file's first bytes. See ImportPersons.
func (s *Store) ImportFile(path string, o ImportOptions) (*ImportReport, error) {
	src, closeSrc, err := fileSource(path, o.Sheet)
	if err != nil {
		return nil, err
	}
	defer closeSrc()
	return s.importRows(src, o)
}

// fileSource opens the rows of the file at path, as ImportFile reads it.
func fileSource(path, sheet string) (importSource, func(), error) {
	x, err := IsXLSX(path)
	if err != nil {
		// Both wrapped: a file not there (a stick pulled out) is told
		// apart by the screens.
		return nil, nil, fmt.Errorf("%w: %w", ErrBadCSV, err)
	}
	if x {
		return &xlsxSource{path: path, sheet: sheet, lim: XLSXLimits}, func() {}, nil
	}
	if sheet != "" {
		return nil, nil, fmt.Errorf("%w: %s is a text (CSV) file, which has no sheets; leave out the sheet", ErrBadCSV, path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrBadCSV, err)
	}
	return &csvSource{r: f}, func() { f.Close() }, nil
}

// ImportPreview is the beginning of an import file as an import reads
// it: what each column holds and the first rows after the header.
type ImportPreview struct {
	Columns []ImportColumn
	Rows    []PreviewRow
	// Problem is what stops an import of the file as its columns are
	// mapped (a column unknown, twice, or missing): map them first.
	Problem error
}

// PreviewRow is one row of a preview: its line in the file and its cells.
type PreviewRow struct {
	Line  int
	Cells []string
}

// PreviewFile reads the header of the file at path and up to n rows after
// it, as ImportFile would with sheet and maps, saving nothing: what the
// officer checks before importing.
func PreviewFile(path, sheet string, maps []ColumnMap, n int) (*ImportPreview, error) {
	src, closeSrc, err := fileSource(path, sheet)
	if err != nil {
		return nil, err
	}
	defer closeSrc()
	if d, ok := src.(interface{ done() }); ok {
		defer d.done()
	}
	rr, err := src.open()
	if err != nil {
		return nil, err
	}
	defer rr.close()
	plan, rows, _, problem := readHeader(rr, maps)
	if plan == nil {
		return nil, problem
	}
	p := &ImportPreview{Columns: plan.columns, Problem: problem}
	for len(p.Rows) < n {
		row, line, err := rows.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var re *rowError
			if errors.As(err, &re) {
				continue
			}
			break // the import says what stops it
		}
		if blank(row) {
			continue
		}
		p.Rows = append(p.Rows, PreviewRow{Line: line, Cells: trimCells(row)})
	}
	return p, nil
}

// maxStreamImport bounds what an import keeps of a CSV stream that cannot
// go back (the import reads its file twice): the bytes read the first
// time are held in memory to be read again.
const maxStreamImport = 256 << 20

// csvSourceOf makes a source of CSV text from r: read again from where it
// stands when r can seek, else through a streamSource.
func csvSourceOf(r io.Reader) (importSource, error) {
	if rs, ok := r.(io.ReadSeeker); ok {
		if at, err := rs.Seek(0, io.SeekCurrent); err == nil {
			return &csvSource{r: rs, start: at}, nil
		}
	}
	return &streamSource{r: r}, nil
}

// streamSource reads CSV text from a stream, keeping what it has read so
// that the next open gives it again before reading on. Only as much as
// the reading before took is held: the header alone when the file names
// no parents by ID number (the second reading is then the last: keep
// stops the keeping), up to an unreadable record when one stops the
// first reading.
type streamSource struct {
	r    io.Reader
	kept bytes.Buffer
	keep bool
}

func (s *streamSource) open() (rowReader, error) {
	s.keep = true
	c := &csvSource{r: &streamReplay{s: s, replay: bytes.NewReader(s.kept.Bytes())}}
	c.used = false
	return c.open()
}

// last tells the source that the open just made is the last one.
func (s *streamSource) last() { s.keep = false; s.kept = bytes.Buffer{} }

type streamReplay struct {
	s      *streamSource
	replay *bytes.Reader
}

func (r *streamReplay) Read(p []byte) (int, error) {
	if r.replay.Len() > 0 {
		return r.replay.Read(p)
	}
	n, err := r.s.r.Read(p)
	if n > 0 && r.s.keep {
		if r.s.kept.Len()+n > maxStreamImport {
			return 0, fmt.Errorf("the text is longer than %d MB; save it in a file and import the file", maxStreamImport>>20)
		}
		r.s.kept.Write(p[:n])
	}
	return n, err
}

func (r *streamReplay) Seek(int64, int) (int64, error) { return 0, errors.New("a stream cannot seek") }

// peekedRows replays the rows read to find the header, then reads on.
type peekedRows struct {
	rowReader
	rows  [][]string
	lines []int
	err   error // the error that ended the peek, given after the rows
}

func (p *peekedRows) next() ([]string, int, error) {
	if len(p.rows) > 0 {
		r, l := p.rows[0], p.lines[0]
		p.rows, p.lines = p.rows[1:], p.lines[1:]
		return r, l, nil
	}
	if p.err != nil {
		err := p.err
		p.err = nil
		var re *rowError
		if errors.As(err, &re) {
			return nil, re.line, err
		}
		return nil, 0, err
	}
	return p.rowReader.next()
}

// readHeader reads the rows that may hold the header, finds it and
// returns the plan and the reader positioned on the first row after it.
func readHeader(rr rowReader, maps []ColumnMap) (*headerPlan, rowReader, []int, error) {
	var rows [][]string
	var lines []int
	var stop error
	for len(rows) < headerLook {
		row, line, err := rr.next()
		if err != nil {
			if err != io.EOF {
				stop = err
			}
			break
		}
		if blank(row) {
			continue
		}
		rows = append(rows, append([]string(nil), row...))
		lines = append(lines, line)
	}
	if len(rows) == 0 && stop != nil {
		var long *longRecordError
		if errors.As(stop, &long) {
			return nil, nil, nil, stop
		}
		var re *rowError
		if errors.As(stop, &re) {
			return nil, nil, nil, fmt.Errorf("%w: line %d: %s; nothing was imported", ErrBadCSV, re.line, re.msg("en"))
		}
		return nil, nil, nil, stop
	}
	plan, problem := planHeader(rows, maps)
	if plan == nil {
		return nil, nil, nil, problem
	}
	headerLines := lines[:plan.last+1]
	// A header with a problem (a column unknown, twice, or missing) comes
	// with its plan, for a preview to show; an import stops on it.
	return plan, &peekedRows{rowReader: rr, rows: rows[plan.last+1:], lines: lines[plan.last+1:], err: stop}, headerLines, problem
}

// trimCells copies a row, its cells trimmed, for the refused rows given
// to ImportOptions.OnRefused.
func trimCells(row []string) []string {
	out := make([]string, len(row))
	for i, c := range row {
		out[i] = strings.TrimSpace(c)
	}
	return out
}
