package office_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/communekit/communekit/storage/office"
	"github.com/xuri/excelize/v2"
)

func save(t testing.TB, w *office.Workbook) string {
	t.Helper()
	defer w.Close()
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(t.TempDir(), "book.xlsx")
	if err := os.WriteFile(name, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

// A workbook written, opened back with excelize: typed cells, the styled
// header, sized columns, sheets in order.
func TestWorkbookTypedCells(t *testing.T) {
	w := office.NewWorkbook()
	w.Sheet("Dân số", office.SheetOptions{Columns: []office.Column{{Width: 30}, {Width: 12}}, FreezeRows: 2})
	w.Title("Thống kê dân số")
	w.Header("Số định danh", "Số người", "Tỷ lệ", "Ngày sinh")
	born := time.Date(1990, 3, 15, 0, 0, 0, 0, time.UTC)
	w.Row("001090000123", 42, office.Percent(87.5), born)
	w.Row("Nguye\u0302\u0303n", 3.25, nil, "00769")
	w.Total("Tổng số", 45)
	w.Sheet("Hộ: [1/2]", office.SheetOptions{})
	w.Row("x")
	w.Sheet("hộ- -1-2-", office.SheetOptions{}) // the same name once cleaned
	name := save(t, w)

	f, err := excelize.OpenFile(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, want := f.GetSheetList(), []string{"Dân số", "Hộ- -1-2-", "hộ- -1-2- (2)"}; !reflect.DeepEqual(got, want) {
		t.Errorf("sheets %q, want %q", got, want)
	}
	const s = "Dân số"
	typ := func(cell string) excelize.CellType {
		ct, err := f.GetCellType(s, cell)
		if err != nil {
			t.Fatal(err)
		}
		return ct
	}
	raw := func(cell string) string {
		v, err := f.GetCellValue(s, cell, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	numFmt := func(cell string) int {
		id, _ := f.GetCellStyle(s, cell)
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		return st.NumFmt
	}
	if raw("A3") != "001090000123" || typ("A3") == excelize.CellTypeNumber {
		t.Errorf("ID number: %q of type %v, want the text with its zeros", raw("A3"), typ("A3"))
	}
	if numFmt("A3") != 49 {
		t.Errorf("ID number's format %d, want 49 (text)", numFmt("A3"))
	}
	if raw("B3") != "42" || typ("B3") != excelize.CellTypeNumber && typ("B3") != excelize.CellTypeUnset {
		t.Errorf("count: %q type %v", raw("B3"), typ("B3"))
	}
	if raw("C3") != "0.875" {
		t.Errorf("percent holds %q, want 0.875", raw("C3"))
	}
	if v, _ := f.GetCellValue(s, "C3"); v != "87.5%" {
		t.Errorf("percent shows %q", v)
	}
	if raw("D3") != "32947" { // 1990-03-15 as Excel counts days
		t.Errorf("date holds %q, want the serial 32947", raw("D3"))
	}
	if v, _ := f.GetCellValue(s, "D3"); v != "15/03/1990" {
		t.Errorf("date shows %q, want 15/03/1990", v)
	}
	if raw("A4") != "Nguyễn" {
		t.Errorf("text not NFC: %q", raw("A4"))
	}
	if raw("D4") != "00769" {
		t.Errorf("code %q", raw("D4"))
	}
	if raw("B4") != "3.25" {
		t.Errorf("float %q", raw("B4"))
	}
	hs, _ := f.GetCellStyle(s, "A2")
	if st, _ := f.GetStyle(hs); st == nil || st.Font == nil || !st.Font.Bold || len(st.Fill.Color) == 0 {
		t.Errorf("the header is not bold and shaded: %+v", st)
	}
	if wdt, _ := f.GetColWidth(s, "A"); wdt != 30 {
		t.Errorf("column A is %v wide, want 30", wdt)
	}
	ts, _ := f.GetCellStyle(s, "B5")
	if st, _ := f.GetStyle(ts); st == nil || st.Font == nil || !st.Font.Bold {
		t.Errorf("the total is not bold")
	}

	// And through the package's own reader: the date as yyyy-mm-dd.
	rows, err := office.ReadSheet(name, "", office.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"Thống kê dân số"},
		{"Số định danh", "Số người", "Tỷ lệ", "Ngày sinh"},
		{"001090000123", "42", "0.875", "1990-03-15"},
		{"Nguyễn", "3.25", "", "00769"},
		{"Tổng số", "45"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("read back\n%q\nwant\n%q", rows, want)
	}
}

func TestWorkbookRefusesWhatItCannotWrite(t *testing.T) {
	w := office.NewWorkbook()
	w.Row("before any sheet")
	if _, err := w.WriteTo(io.Discard); err == nil || !strings.Contains(err.Error(), "before any sheet") {
		t.Errorf("err = %v", err)
	}
	w.Close()
	w = office.NewWorkbook()
	w.Sheet("a", office.SheetOptions{})
	w.Row(struct{}{})
	if _, err := w.WriteTo(io.Discard); err == nil || !strings.Contains(err.Error(), "cannot be written") {
		t.Errorf("err = %v", err)
	}
	w.Close()
}

// A register as an office makes it by hand, with excelize's ordinary
// (not streaming) writer: shared strings, a merged header, a date cell
// with the built-in short date and one with a custom format, an ID number
// typed as a number (its zero lost), an empty row inside and at the end.
func TestReadSheetRegister(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", "Danh sách")
	f.NewSheet("Khác")
	s := "Danh sách"
	f.SetCellValue(s, "A1", "DANH SÁCH NHÂN KHẨU")
	f.MergeCell(s, "A1", "D1")
	for i, h := range []string{"Họ và tên", "Ngày sinh", "Số định danh cá nhân", "Ngày đến"} {
		c, _ := excelize.CoordinatesToCellName(i+1, 2)
		f.SetCellValue(s, c, h)
	}
	f.SetCellValue(s, "A3", "Nguyễn Thị Ánh Tuyết")
	f.SetCellValue(s, "B3", time.Date(1990, 3, 15, 0, 0, 0, 0, time.UTC))
	short, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	f.SetCellStyle(s, "B3", "B3", short)
	f.SetCellValue(s, "C3", 1090000123) // was 001090000123
	f.SetCellValue(s, "D3", 46000)
	us := "m/d/yyyy"
	custom, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &us})
	f.SetCellStyle(s, "D3", "D3", custom)
	f.SetCellValue(s, "A5", "Đặng Văn Đức")
	f.SetCellValue(s, "C5", "002085000123")
	f.SetCellValue(s, "E5", true)
	f.SetCellValue(s, "A7", "")
	f.SetCellStyle(s, "A7", "D7", short) // styled but empty: an empty row
	f.SetCellValue("Khác", "B2", "ở trang khác")
	name := filepath.Join(t.TempDir(), "register.xlsx")
	if err := f.SaveAs(name); err != nil {
		t.Fatal(err)
	}

	r, err := office.OpenSheet(name, "", office.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	type line struct {
		n    int
		cell []string
	}
	var got []line
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, line{r.Line(), row})
	}
	want := []line{
		{1, []string{"DANH SÁCH NHÂN KHẨU"}},
		{2, []string{"Họ và tên", "Ngày sinh", "Số định danh cá nhân", "Ngày đến"}},
		{3, []string{"Nguyễn Thị Ánh Tuyết", "1990-03-15", "1090000123", "2025-12-09"}},
		{5, []string{"Đặng Văn Đức", "", "002085000123", "", "TRUE"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows\n%v\nwant\n%v", got, want)
	}
	if r.Name() != "Danh sách" {
		t.Errorf("sheet %q", r.Name())
	}

	other, err := office.ReadSheet(name, "khác", office.Limits{})
	if err != nil || !reflect.DeepEqual(other, [][]string{{"", "ở trang khác"}}) {
		t.Errorf("the sheet named: %q, %v", other, err)
	}
	if names, err := office.Sheets(name, office.Limits{}); err != nil || !reflect.DeepEqual(names, []string{"Danh sách", "Khác"}) {
		t.Errorf("sheets %q, %v", names, err)
	}
	if _, err := office.OpenSheet(name, "Không có", office.Limits{}); err == nil || !strings.Contains(err.Error(), `has no sheet "Không có"; its sheets: "Danh sách", "Khác"`) {
		t.Errorf("err = %v", err)
	}
}

// Every limit refuses with a message that says what and where.
func TestReadSheetLimits(t *testing.T) {
	dir := t.TempDir()
	book := func(name string, rows ...[]any) string {
		w := office.NewWorkbook()
		w.Sheet("S", office.SheetOptions{})
		for _, r := range rows {
			w.Row(r...)
		}
		p := filepath.Join(dir, name)
		var buf bytes.Buffer
		if _, err := w.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		w.Close()
		os.WriteFile(p, buf.Bytes(), 0o644)
		return p
	}
	wide := make([]any, 12)
	for i := range wide {
		wide[i] = "x"
	}
	many := make([][]any, 30)
	for i := range many {
		many[i] = []any{i}
	}
	for _, c := range []struct {
		name string
		file string
		lim  office.Limits
		want string
	}{
		{"columns", book("wide.xlsx", wide), office.Limits{Columns: 10}, "row 1: a value in column K; a sheet here has at most 10 columns (J)"},
		{"rows", book("long.xlsx", many...), office.Limits{Rows: 20}, `sheet "S" has more than 20 rows`},
		{"cell", book("cell.xlsx", []any{strings.Repeat("ô", 101)}), office.Limits{Cell: 100}, "cell A1 holds more than 100 characters"},
		{"row bytes", book("row.xlsx", []any{strings.Repeat("a", 20000)}), office.Limits{RowBytes: 4096}, "row 1: the row is larger than 4 KB"},
		{"file", book("big.xlsx", []any{"x"}), office.Limits{FileSize: 1000}, "larger than the 1 KB a spreadsheet may be here"},
		{"unzipped", book("unz.xlsx", []any{"x"}), office.Limits{Unzipped: 2000}, "unpacks to more than 2 KB"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := office.ReadSheet(c.file, "", c.lim)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want %q", err, c.want)
			}
		})
	}

	csv := filepath.Join(dir, "persons.csv")
	os.WriteFile(csv, []byte("Họ và tên,Ngày sinh\n"), 0o644)
	xls := filepath.Join(dir, "old.xls")
	os.WriteFile(xls, []byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0}, 0o644)
	zipNot := filepath.Join(dir, "damaged.xlsx")
	os.WriteFile(zipNot, []byte("PK\x03\x04 and then nothing"), 0o644)
	for file, want := range map[string]string{
		csv:    "is not an .xlsx file",
		xls:    "save it as .xlsx (Excel Workbook) without a password",
		zipNot: "is not a readable .xlsx file",
		dir:    "is a directory",
	} {
		if _, err := office.ReadSheet(file, "", office.Limits{}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", filepath.Base(file), err, want)
		}
	}
	// A missing file: the system's own words ("no such file or directory",
	// "The system cannot find the file specified.") with its name.
	missing := filepath.Join(dir, "missing")
	if _, err := office.ReadSheet(missing, "", office.Limits{}); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing: err = %v, want the file named, not found", err)
	}
}

func TestSheetName(t *testing.T) {
	for in, want := range map[string]string{
		"":                            "Sheet",
		"Biến động: 01/11 – 30/11":    "Biến động- 01-11 – 30-11",
		strings.Repeat("Thôn ", 10):   "Thôn Thôn Thôn Thôn Thôn Thôn T",
		"'quoted'":                    "quoted",
		"Nguye\u0302\u0303n [a]*?\\x": "Nguyễn -a----x",
	} {
		if got := office.SheetName(in); got != want {
			t.Errorf("SheetName(%q) = %q, want %q", in, got, want)
		}
	}
}
