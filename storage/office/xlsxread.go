package office

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Limits bound what reading a spreadsheet may take. The zero value of a
// field means its default, sized for a commune's register (the largest
// wards hold some 150,000 persons, a register of them some 20 MB).
type Limits struct {
	FileSize      int64 // the .xlsx file itself: 64 MiB
	Unzipped      int64 // every part uncompressed together (excelize's UnzipSizeLimit): 1 GiB
	SharedStrings int64 // the text of the shared strings, held in memory: 64 MiB
	Rows          int   // rows of the sheet, empty ones included: 500,000
	Columns       int   // columns of a row: 256
	Cell          int   // characters of a cell: 32,767, Excel's own limit
	RowBytes      int64 // one row's XML: 4 MiB
}

func (l Limits) withDefaults() Limits {
	def := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	defi := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.FileSize, 64<<20)
	def(&l.Unzipped, 1<<30)
	def(&l.SharedStrings, 64<<20)
	defi(&l.Rows, 500_000)
	defi(&l.Columns, 256)
	defi(&l.Cell, 32767)
	def(&l.RowBytes, 4<<20)
	return l
}

// smallPart bounds the parts read whole (the workbook, its relations, the
// styles): a register's are a few kilobytes.
const smallPart = 8 << 20

// SheetReader reads the rows of one sheet as strings, one row at a time,
// within [Limits]: nothing it holds grows with the sheet but the shared
// strings, which are bounded themselves. Cells are given as a person reads
// them:
//
//   - text as written (NFC), numbers as written without an exponent
//     ("109000000123", "12.5"); a number that was an ID number has lost
//     its leading zeros in the spreadsheet already;
//   - a cell shown as a date (a date number format) as yyyy-mm-dd, whatever
//     its format, so that no reader has to guess the order of day and month;
//   - TRUE or FALSE, and an error as Excel writes it (#N/A).
//
// A merged cell's value is in its first cell; the others are empty.
type SheetReader struct {
	name     string // the sheet's name
	file     string // the file's name, for messages
	f        *os.File
	part     io.ReadCloser
	count    *countingReader
	dec      *xml.Decoder
	lim      Limits
	strings  []string
	dates    []bool // by style index: shown as a date
	date1904 bool
	line     int // the row last returned
	done     bool
}

// Sheets lists the names of the sheets of an .xlsx file, in order.
func Sheets(file string, lim Limits) ([]string, error) {
	r, err := openXLSX(file, lim.withDefaults())
	if err != nil {
		return nil, err
	}
	defer r.f.Close()
	wb, err := r.workbook()
	if err != nil {
		return nil, err
	}
	names := make([]string, len(wb.Sheets))
	for i, s := range wb.Sheets {
		names[i] = s.Name
	}
	return names, nil
}

// OpenSheet opens the sheet named sheet of an .xlsx file ("" for the first
// one) for reading. The file's size, its parts' declared sizes and its
// shared strings are checked before any row is read; a file past a limit
// is refused with what it holds and what is allowed.
func OpenSheet(file, sheet string, lim Limits) (r *SheetReader, err error) {
	lim = lim.withDefaults()
	x, err := openXLSX(file, lim)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			x.Close()
		}
	}()
	wb, err := x.workbook()
	if err != nil {
		return nil, err
	}
	if len(wb.Sheets) == 0 {
		return nil, x.errorf("has no sheet")
	}
	target := ""
	for i, s := range wb.Sheets {
		if sheet == "" && i == 0 || sheet != "" && strings.EqualFold(norm.NFC.String(strings.TrimSpace(sheet)), norm.NFC.String(s.Name)) {
			target, x.name = s.target, s.Name
			break
		}
	}
	if target == "" {
		var names []string
		for _, s := range wb.Sheets {
			names = append(names, fmt.Sprintf("%q", s.Name))
		}
		return nil, x.errorf("has no sheet %q; its sheets: %s", sheet, strings.Join(names, ", "))
	}
	x.date1904 = wb.Pr.Date1904
	if x.dates, err = x.readStyles(); err != nil {
		return nil, err
	}
	if x.strings, err = x.readSharedStrings(); err != nil {
		return nil, err
	}
	zf := x.zipFile(target)
	if zf == nil {
		return nil, x.errorf("is damaged: the sheet %q is missing from it", x.name)
	}
	if x.part, err = zf.Open(); err != nil {
		return nil, x.errorf("is damaged: %v", err)
	}
	x.count = &countingReader{r: x.part}
	x.dec = xml.NewDecoder(x.count)
	return x.SheetReader, nil
}

// xlsxFile is an .xlsx file open for reading: its zip directory checked.
type xlsxFile struct {
	*SheetReader
	zr *zip.Reader
}

func (x *xlsxFile) Close() error { return x.SheetReader.Close() }

func (r *SheetReader) errorf(format string, a ...any) error {
	return fmt.Errorf("%s: "+format, append([]any{r.file}, a...)...)
}

func openXLSX(file string, lim Limits) (*xlsxFile, error) {
	r := &SheetReader{file: file, lim: lim}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	r.f = f
	x := &xlsxFile{SheetReader: r}
	fail := func(err error) (*xlsxFile, error) {
		f.Close()
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	if st.IsDir() {
		return fail(r.errorf("is a directory, not an .xlsx file"))
	}
	if st.Size() > lim.FileSize {
		return fail(r.errorf("is %s, larger than the %s a spreadsheet may be here; split it (by hamlet, for example)", mb(st.Size()), mb(lim.FileSize)))
	}
	head := make([]byte, 8)
	n, _ := f.ReadAt(head, 0)
	switch {
	case bytes.Equal(head[:n], []byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}):
		return fail(r.errorf("is an Excel 97–2003 (.xls) file or a password-protected one: open it in Excel and save it as .xlsx (Excel Workbook) without a password"))
	case n < 4 || !bytes.Equal(head[:4], []byte("PK\x03\x04")):
		return fail(r.errorf("is not an .xlsx file (an Excel Workbook); a .csv is imported as such"))
	}
	if x.zr, err = zip.NewReader(f, st.Size()); err != nil {
		return fail(r.errorf("is not a readable .xlsx file: %v", err))
	}
	if len(x.zr.File) > 10_000 {
		return fail(r.errorf("holds %d parts; a spreadsheet has a few dozen", len(x.zr.File)))
	}
	var total uint64
	for _, zf := range x.zr.File {
		total += zf.UncompressedSize64
		if total > uint64(lim.Unzipped) {
			return fail(r.errorf("unpacks to more than %s; a spreadsheet here may unpack to at most that", mb(lim.Unzipped)))
		}
	}
	return x, nil
}

func mb(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%d KB", (n+1023)>>10)
	}
	return fmt.Sprintf("%d MB", (n+(1<<20)-1)>>20)
}

func (x *xlsxFile) zipFile(name string) *zip.File {
	name = strings.TrimPrefix(name, "/")
	for _, zf := range x.zr.File {
		if strings.EqualFold(strings.ReplaceAll(zf.Name, `\`, "/"), name) {
			return zf
		}
	}
	return nil
}

// readSmall decodes a small part (absent: ok false).
func (x *xlsxFile) readSmall(name string, v any) (ok bool, err error) {
	zf := x.zipFile(name)
	if zf == nil {
		return false, nil
	}
	if zf.UncompressedSize64 > smallPart {
		return false, x.errorf("its part %s is %s, more than a spreadsheet's %s", name, mb(int64(zf.UncompressedSize64)), mb(smallPart))
	}
	rc, err := zf.Open()
	if err != nil {
		return false, x.errorf("is damaged: %v", err)
	}
	defer rc.Close()
	if err := xml.NewDecoder(io.LimitReader(rc, smallPart)).Decode(v); err != nil {
		return false, x.errorf("is damaged: its part %s cannot be read: %v", name, err)
	}
	return true, nil
}

type sheetRef struct {
	Name   string `xml:"name,attr"`
	ID     string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
	target string
}

type workbookXML struct {
	Pr struct {
		Date1904 bool `xml:"date1904,attr"`
	} `xml:"workbookPr"`
	Sheets []sheetRef `xml:"sheets>sheet"`
}

// workbook reads the sheets' names and where each is.
func (x *xlsxFile) workbook() (*workbookXML, error) {
	var wb workbookXML
	ok, err := x.readSmall("xl/workbook.xml", &wb)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, x.errorf("is not an .xlsx file: it has no workbook (xl/workbook.xml)")
	}
	var rels struct {
		Rel []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if _, err := x.readSmall("xl/_rels/workbook.xml.rels", &rels); err != nil {
		return nil, err
	}
	for i := range wb.Sheets {
		s := &wb.Sheets[i]
		s.Name = norm.NFC.String(s.Name)
		for _, r := range rels.Rel {
			if r.ID == s.ID {
				if strings.HasPrefix(r.Target, "/") {
					s.target = r.Target[1:]
				} else {
					s.target = path.Join("xl", r.Target)
				}
			}
		}
	}
	return &wb, nil
}

// readStyles tells, by style index, which cells are shown as dates.
func (x *xlsxFile) readStyles() ([]bool, error) {
	var st struct {
		NumFmts []struct {
			ID   int    `xml:"numFmtId,attr"`
			Code string `xml:"formatCode,attr"`
		} `xml:"numFmts>numFmt"`
		Xfs []struct {
			NumFmt int `xml:"numFmtId,attr"`
		} `xml:"cellXfs>xf"`
	}
	if _, err := x.readSmall("xl/styles.xml", &st); err != nil {
		return nil, err
	}
	custom := map[int]bool{}
	for _, f := range st.NumFmts {
		custom[f.ID] = isDateFormat(f.Code)
	}
	dates := make([]bool, len(st.Xfs))
	for i, xf := range st.Xfs {
		if d, ok := custom[xf.NumFmt]; ok {
			dates[i] = d
		} else {
			// The built-in date formats, those of every locale included.
			id := xf.NumFmt
			dates[i] = id >= 14 && id <= 17 || id == 22 || id >= 27 && id <= 36 || id >= 50 && id <= 58
		}
	}
	return dates, nil
}

// isDateFormat reports whether a number format shows a date: it has a
// day, month or year code outside quotes, brackets and escapes.
func isDateFormat(code string) bool {
	if i := strings.IndexByte(code, ';'); i >= 0 {
		code = code[:i]
	}
	quoted, bracket := false, false
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '\\' || c == '_' || c == '*':
			i++
		case c == '[':
			bracket = true
		case c == ']':
			bracket = false
		case bracket:
		case c == 'd' || c == 'D' || c == 'y' || c == 'Y':
			return true
		}
	}
	return false
}

// readSharedStrings reads the shared strings table: every text of the
// workbook, once.
func (x *xlsxFile) readSharedStrings() ([]string, error) {
	zf := x.zipFile("xl/sharedStrings.xml")
	if zf == nil {
		return nil, nil
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, x.errorf("is damaged: %v", err)
	}
	defer rc.Close()
	dec := xml.NewDecoder(io.LimitReader(rc, x.lim.Unzipped))
	var out []string
	var held int64
	var b strings.Builder
	inSI, inT, inPhonetic := false, false, false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, x.errorf("is damaged: its shared strings cannot be read: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				inSI = true
				b.Reset()
			case "t":
				inT = inSI && !inPhonetic
			case "rPh":
				inPhonetic = true
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				inSI = false
				s := norm.NFC.String(b.String())
				held += int64(len(s)) + 16
				if held > x.lim.SharedStrings {
					return nil, x.errorf("holds more than %s of text; a spreadsheet here may hold at most that", mb(x.lim.SharedStrings))
				}
				out = append(out, s)
			case "t":
				inT = false
			case "rPh":
				inPhonetic = false
			}
		case xml.CharData:
			if inT {
				if b.Len()+len(t) > 4*x.lim.Cell {
					return nil, x.errorf("has a text of more than %d characters; a cell holds at most %d", x.lim.Cell, x.lim.Cell)
				}
				b.Write(t)
			}
		}
	}
}

// countingReader counts the bytes read, and refuses past a bound: the
// bound is moved at each row, so that one row cannot take all memory.
type countingReader struct {
	r     io.Reader
	n     int64
	bound int64
}

var errRowTooLarge = errors.New("row too large")

func (c *countingReader) Read(p []byte) (int, error) {
	if c.bound > 0 && c.n > c.bound {
		return 0, errRowTooLarge
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// Name is the sheet's name.
func (r *SheetReader) Name() string { return r.name }

// Line is the number of the row last returned by Next, as Excel numbers
// it (from 1).
func (r *SheetReader) Line() int { return r.line }

// Next returns the next row that is not empty, its trailing empty cells
// dropped; io.EOF after the last. A row past a limit is an error naming
// it; the reader is then done.
func (r *SheetReader) Next() ([]string, error) {
	for !r.done {
		row, line, err := r.nextRow()
		if err != nil {
			r.done = true
			return nil, err
		}
		if line == 0 {
			r.done = true
			break
		}
		r.line = line
		if len(row) > 0 {
			return row, nil
		}
	}
	return nil, io.EOF
}

// nextRow reads one <row> element; line 0 at the end of the sheet.
func (r *SheetReader) nextRow() (row []string, line int, err error) {
	var cell struct {
		col       int
		typ, text string
		style     int
		inV, inT  bool
		ph        bool
		b         strings.Builder
	}
	inRow := false
	for {
		tok, err := r.dec.RawToken()
		if err == io.EOF {
			if inRow {
				return nil, 0, r.errorf("is damaged: its sheet %q ends inside row %d", r.name, line)
			}
			return nil, 0, nil
		}
		if errors.Is(err, errRowTooLarge) {
			return nil, 0, r.errorf("sheet %q, row %d: the row is larger than %s; a row of a register is a few kilobytes", r.name, r.line+1, mb(r.lim.RowBytes))
		}
		if err != nil {
			return nil, 0, r.errorf("is damaged: its sheet %q cannot be read after row %d: %v", r.name, r.line, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "row":
				inRow = true
				r.count.bound = r.count.n + r.lim.RowBytes
				line = r.line + 1
				if v := attr(t, "r"); v != "" {
					n, err := strconv.Atoi(v)
					if err != nil || n <= r.line {
						return nil, 0, r.errorf("is damaged: its sheet %q has a row numbered %q after row %d", r.name, v, r.line)
					}
					line = n
				}
				if line > r.lim.Rows {
					return nil, 0, r.errorf("sheet %q has more than %d rows; split it (by hamlet, for example)", r.name, r.lim.Rows)
				}
			case "c":
				if !inRow {
					continue
				}
				cell.col = len(row)
				if ref := attr(t, "r"); ref != "" {
					c, ok := columnOf(ref)
					if !ok || c < len(row) {
						return nil, 0, r.errorf("is damaged: sheet %q, row %d has a cell %q out of order", r.name, line, ref)
					}
					cell.col = c
				}
				if cell.col >= r.lim.Columns {
					return nil, 0, r.errorf("sheet %q, row %d: a value in column %s; a sheet here has at most %d columns (%s)", r.name, line, columnName(cell.col), r.lim.Columns, columnName(r.lim.Columns-1))
				}
				cell.typ, cell.style = attr(t, "t"), -1
				if s := attr(t, "s"); s != "" {
					cell.style, _ = strconv.Atoi(s)
				}
				cell.b.Reset()
			case "v":
				cell.inV = true
			case "t":
				cell.inT = !cell.ph
			case "rPh":
				cell.ph = true
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "row":
				r.count.bound = 0
				for len(row) > 0 && row[len(row)-1] == "" {
					row = row[:len(row)-1]
				}
				return row, line, nil
			case "c":
				if !inRow {
					continue
				}
				v, err := r.value(cell.typ, cell.b.String(), cell.style)
				if err != nil {
					return nil, 0, r.errorf("sheet %q, cell %s%d: %v", r.name, columnName(cell.col), line, err)
				}
				if utf8.RuneCountInString(v) > r.lim.Cell {
					return nil, 0, r.errorf("sheet %q, cell %s%d holds more than %d characters", r.name, columnName(cell.col), line, r.lim.Cell)
				}
				for len(row) < cell.col {
					row = append(row, "")
				}
				row = append(row, v)
			case "v":
				cell.inV = false
			case "t":
				cell.inT = false
			case "rPh":
				cell.ph = false
			}
		case xml.CharData:
			if cell.inV || cell.inT {
				cell.b.Write(t)
			}
		}
	}
}

// value is a cell's text as a person reads it.
func (r *SheetReader) value(typ, raw string, style int) (string, error) {
	switch typ {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(raw))
		if err != nil || i < 0 || i >= len(r.strings) {
			return "", fmt.Errorf("the file is damaged: a text %q that its table of texts does not have", raw)
		}
		return r.strings[i], nil
	case "str", "inlineStr":
		return norm.NFC.String(raw), nil
	case "b":
		if strings.TrimSpace(raw) == "1" {
			return "TRUE", nil
		}
		return "FALSE", nil
	case "e":
		return raw, nil
	case "d": // an ISO 8601 date
		if len(raw) >= 10 {
			return raw[:10], nil
		}
		return raw, nil
	}
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", nil
	}
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		return "", fmt.Errorf("the file is damaged: %q is not a number", raw)
	}
	if style >= 0 && style < len(r.dates) && r.dates[style] {
		if d, ok := excelDate(f, r.date1904); ok {
			return d, nil
		}
	}
	return strconv.FormatFloat(f, 'f', -1, 64), nil
}

// excelDate turns a date serial into yyyy-mm-dd.
func excelDate(serial float64, date1904 bool) (string, bool) {
	if serial < 0 || serial > 2958465 { // 9999-12-31
		return "", false
	}
	day := int(math.Floor(serial))
	var t time.Time
	switch {
	case date1904:
		t = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, day)
	case day == 60:
		return "1900-02-29", true // Excel's day that never was (Lotus's leap year)
	case day < 60:
		t = time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC).AddDate(0, 0, day)
	default:
		t = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, day)
	}
	return t.Format("2006-01-02"), true
}

func attr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}

// columnOf returns the column index (A is 0) of a cell reference "B12".
func columnOf(ref string) (int, bool) {
	col := 0
	i := 0
	for ; i < len(ref) && i < 4; i++ {
		c := ref[i] | 0x20
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a') + 1
	}
	if i == 0 || i == len(ref) {
		return 0, false
	}
	return col - 1, true
}

// columnName is the letters of column index i (0 is A).
func columnName(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}

// Close releases the file.
func (r *SheetReader) Close() error {
	if r.part != nil {
		r.part.Close()
	}
	return r.f.Close()
}

// ReadSheet reads every non-empty row of a sheet ("" for the first) into
// memory: for the small sheets of tests and previews. An import reads
// row by row with [OpenSheet].
func ReadSheet(file, sheet string, lim Limits) ([][]string, error) {
	r, err := OpenSheet(file, sheet, lim)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var rows [][]string
	for {
		row, err := r.Next()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
}
