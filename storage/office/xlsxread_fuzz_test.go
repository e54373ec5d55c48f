package office_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/communekit/communekit/storage/office"
)

// fuzzZip makes an .xlsx from its parts, for seeds the zip layer accepts
// and the XML then tests.
func fuzzZip(parts map[string]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"} {
		if v, ok := parts[name]; ok {
			w, _ := zw.Create(name)
			io.WriteString(w, v)
		}
	}
	zw.Close()
	return buf.Bytes()
}

var fuzzParts = map[string]string{
	"xl/workbook.xml":            `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr date1904="false"/><sheets><sheet name="Danh sách" sheetId="1" r:id="rId1"/></sheets></workbook>`,
	"xl/_rels/workbook.xml.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
	"xl/styles.xml":              `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="14"/></cellXfs></styleSheet>`,
	"xl/sharedStrings.xml":       `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>Họ và tên</t></si><si><r><t>Nguyễn </t></r><r><t>Thị Ánh Tuyết</t></r><rPh><t>x</t></rPh></si></sst>`,
	"xl/worksheets/sheet1.xml": `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
		`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>Ngày sinh</t></is></c></row>` +
		`<row r="3"><c r="A3" t="s"><v>1</v></c><c r="B3" s="1"><v>32947</v></c><c r="D3"><v>1090000123</v></c><c r="E3" t="b"><v>1</v></c><c r="F3" t="e"><v>#N/A</v></c></row>` +
		`<row r="5"><c r="C5" t="str"><v>002085000123</v></c><c r="D5" s="2"><v>1.5E4</v></c></row>` +
		`</sheetData><mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells></worksheet>`,
}

// FuzzReadSheet: whatever bytes arrive as an .xlsx, reading them returns
// rows or an error, within the limits, and never panics.
func FuzzReadSheet(f *testing.F) {
	f.Add(fuzzZip(fuzzParts))
	w := office.NewWorkbook()
	w.Sheet("Danh sách", office.SheetOptions{})
	w.Header("Họ và tên", "Ngày sinh", "Số định danh cá nhân")
	w.Row("Đặng Văn Đức", time.Date(1985, 3, 12, 0, 0, 0, 0, time.UTC), "002085012345")
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		f.Fatal(err)
	}
	w.Close()
	f.Add(buf.Bytes())
	// Damaged: rows out of order, a cell past its row, a shared string
	// out of range, XML cut short, no workbook.
	for _, sheet := range []string{
		`<worksheet><sheetData><row r="3"/><row r="2"/></sheetData></worksheet>`,
		`<worksheet><sheetData><row r="1"><c r="B1"><v>1</v></c><c r="A1"><v>2</v></c></row></sheetData></worksheet>`,
		`<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>99</v></c></row></sheetData></worksheet>`,
		`<worksheet><sheetData><row r="1"><c r="A1"><v>1`,
	} {
		p := map[string]string{}
		for k, v := range fuzzParts {
			p[k] = v
		}
		p["xl/worksheets/sheet1.xml"] = sheet
		f.Add(fuzzZip(p))
	}
	noBook := map[string]string{"xl/worksheets/sheet1.xml": fuzzParts["xl/worksheets/sheet1.xml"]}
	f.Add(fuzzZip(noBook))
	f.Add([]byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0})
	f.Add([]byte("full_name,birth_date\n"))

	dir := f.TempDir()
	lim := office.Limits{FileSize: 1 << 20, Unzipped: 8 << 20, SharedStrings: 1 << 20, Rows: 1000, Columns: 64, Cell: 1000, RowBytes: 64 << 10}
	f.Fuzz(func(t *testing.T, data []byte) {
		name := filepath.Join(dir, "f.xlsx")
		if err := os.WriteFile(name, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := office.Sheets(name, lim); err != nil {
			return
		}
		r, err := office.OpenSheet(name, "", lim)
		if err != nil {
			return
		}
		defer r.Close()
		rows, last := 0, 0
		for {
			row, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				if err.Error() == "" {
					t.Fatal("an error without a message")
				}
				break
			}
			rows++
			if len(row) == 0 || len(row) > lim.Columns {
				t.Fatalf("row %d has %d cells", r.Line(), len(row))
			}
			if r.Line() <= last || r.Line() > lim.Rows {
				t.Fatalf("row numbered %d after %d", r.Line(), last)
			}
			last = r.Line()
			for _, c := range row {
				if len([]rune(c)) > lim.Cell {
					t.Fatalf("a cell of %d characters", len([]rune(c)))
				}
			}
		}
		if rows > lim.Rows {
			t.Fatalf("%d rows", rows)
		}
	})
}
