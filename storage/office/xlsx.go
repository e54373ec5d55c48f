package office

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"
)

// Workbook writes an .xlsx file sheet by sheet, row by row, through
// excelize's streaming writer: a row written is on its way to a temporary
// file, so a sheet of 100,000 rows costs no more memory than one of ten.
// The price of streaming is order: a sheet's column widths and frozen rows
// are given when the sheet starts, and a sheet is finished when the next
// starts.
//
// Cells are typed by the Go value given:
//
//   - string: text, always, with the text number format: an ID number or
//     a code ("001090000123", "00769") keeps its leading zeros;
//   - int, int64, float64: a number;
//   - [Percent]: a number shown as a percentage with one decimal;
//   - time.Time: a date, shown dd/mm/yyyy (its calendar day; the time of
//     day is dropped);
//   - nil: an empty cell.
//
// The first error is kept: later calls do nothing, and [Workbook.WriteTo]
// returns it. Close removes the temporary files.
type Workbook struct {
	f      *excelize.File
	sw     *excelize.StreamWriter
	sheets map[string]bool
	row    int // the last row written in the current sheet
	style  styles
	cells  []any // reused from row to row
	err    error
}

// Percent is a share written as a percentage: Percent(87.5) shows 87,5 %
// (in a Vietnamese Excel) and holds 0.875.
type Percent float64

// Column is a column of a sheet: its width in characters (Excel's unit);
// 0 leaves Excel's default.
type Column struct {
	Width float64
}

// SheetOptions shape a sheet as it starts.
type SheetOptions struct {
	Columns []Column
	// FreezeRows keeps the first rows (a header) in view while scrolling.
	FreezeRows int
}

type styles struct {
	text, number, percent, date    int
	header, title, note            int
	totalText, totalNum, totalPerc int
}

// NewWorkbook starts a workbook.
func NewWorkbook() *Workbook {
	w := &Workbook{f: excelize.NewFile(), sheets: map[string]bool{}}
	w.err = w.makeStyles()
	return w
}

func (w *Workbook) makeStyles() error {
	dateFmt, pctFmt := "dd/mm/yyyy", "0.0%"
	border := func(side string) []excelize.Border {
		return []excelize.Border{{Type: side, Color: "7F7F7F", Style: 1}}
	}
	for _, s := range []struct {
		id    *int
		style excelize.Style
	}{
		{&w.style.text, excelize.Style{NumFmt: 49}},
		{&w.style.number, excelize.Style{NumFmt: 3}}, // #,##0
		{&w.style.percent, excelize.Style{CustomNumFmt: &pctFmt}},
		{&w.style.date, excelize.Style{CustomNumFmt: &dateFmt, Alignment: &excelize.Alignment{Horizontal: "left"}}},
		{&w.style.header, excelize.Style{
			Font:      &excelize.Font{Bold: true},
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DCE6F1"}},
			Border:    border("bottom"),
			Alignment: &excelize.Alignment{WrapText: true, Vertical: "center"},
		}},
		{&w.style.title, excelize.Style{Font: &excelize.Font{Bold: true, Size: 13}}},
		{&w.style.note, excelize.Style{Font: &excelize.Font{Italic: true, Color: "595959"}}},
		{&w.style.totalText, excelize.Style{Font: &excelize.Font{Bold: true}, Border: border("top"), NumFmt: 49}},
		{&w.style.totalNum, excelize.Style{Font: &excelize.Font{Bold: true}, Border: border("top"), NumFmt: 3}},
		{&w.style.totalPerc, excelize.Style{Font: &excelize.Font{Bold: true}, Border: border("top"), CustomNumFmt: &pctFmt}},
	} {
		id, err := w.f.NewStyle(&s.style)
		if err != nil {
			return err
		}
		*s.id = id
	}
	return nil
}

// SheetName makes name acceptable to Excel: at most 31 letters, none of
// : \ / ? * [ ], not empty.
func SheetName(name string) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) {
			return '-'
		}
		return r
	}, norm.NFC.String(strings.TrimSpace(name)))
	if utf8.RuneCountInString(name) > 31 {
		name = string([]rune(name)[:31])
	}
	name = strings.Trim(name, "'")
	if name == "" {
		name = "Sheet"
	}
	return name
}

// Sheet finishes the current sheet and starts another, named name (made
// acceptable by [SheetName]; a name already used gets a number).
func (w *Workbook) Sheet(name string, o SheetOptions) {
	if w.err != nil {
		return
	}
	if w.sw != nil {
		if w.err = w.sw.Flush(); w.err != nil {
			return
		}
	}
	name = SheetName(name)
	for i, base := 2, name; w.sheets[strings.ToLower(name)]; i++ {
		suffix := fmt.Sprintf(" (%d)", i)
		name = string([]rune(base)[:min(utf8.RuneCountInString(base), 31-len(suffix))]) + suffix
	}
	if len(w.sheets) == 0 {
		w.err = w.f.SetSheetName(w.f.GetSheetName(0), name)
	} else {
		_, w.err = w.f.NewSheet(name)
	}
	if w.err != nil {
		return
	}
	w.sheets[strings.ToLower(name)] = true
	if w.sw, w.err = w.f.NewStreamWriter(name); w.err != nil {
		return
	}
	w.row = 0
	for i, c := range o.Columns {
		if c.Width > 0 {
			if w.err = w.sw.SetColWidth(i+1, i+1, min(c.Width, 255)); w.err != nil {
				return
			}
		}
	}
	if o.FreezeRows > 0 {
		w.err = w.sw.SetPanes(&excelize.Panes{
			Freeze: true, YSplit: o.FreezeRows, TopLeftCell: fmt.Sprintf("A%d", o.FreezeRows+1), ActivePane: "bottomLeft",
		})
	}
}

func (w *Workbook) put(values []any, text, num, pct int) {
	if w.err != nil {
		return
	}
	if w.sw == nil {
		w.err = errors.New("office: a row written before any sheet was started")
		return
	}
	cells := w.cells[:0]
	for range values {
		cells = append(cells, nil)
	}
	w.cells = cells
	for i, v := range values {
		switch v := v.(type) {
		case nil:
			cells[i] = nil
		case string:
			cells[i] = excelize.Cell{StyleID: text, Value: norm.NFC.String(v)}
		case int, int64, int32:
			cells[i] = excelize.Cell{StyleID: num, Value: v}
		case float64:
			cells[i] = excelize.Cell{StyleID: num, Value: v}
		case Percent:
			cells[i] = excelize.Cell{StyleID: pct, Value: float64(v) / 100}
		case time.Time:
			y, m, d := v.Date()
			cells[i] = excelize.Cell{StyleID: w.style.date, Value: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
		default:
			w.err = fmt.Errorf("office: a cell of type %T cannot be written", v)
			return
		}
	}
	w.row++
	w.err = w.sw.SetRow(fmt.Sprintf("A%d", w.row), cells)
}

// Row writes a row of typed cells.
func (w *Workbook) Row(values ...any) {
	w.put(values, w.style.text, w.style.number, w.style.percent)
}

// Total writes a row of typed cells in bold, with a rule above: the total
// of a table.
func (w *Workbook) Total(values ...any) {
	w.put(values, w.style.totalText, w.style.totalNum, w.style.totalPerc)
}

// Header writes a table's header row: bold, shaded, wrapped.
func (w *Workbook) Header(titles ...string) {
	w.styled(w.style.header, titles)
}

// Title writes a heading in a larger bold type, in the first column.
func (w *Workbook) Title(s string) { w.styled(w.style.title, []string{s}) }

// Note writes a line of explanation in italics, in the first column.
func (w *Workbook) Note(s string) { w.styled(w.style.note, []string{s}) }

// Blank leaves a row empty.
func (w *Workbook) Blank() {
	if w.err == nil && w.sw != nil {
		w.row++
	}
}

func (w *Workbook) styled(style int, texts []string) {
	vs := make([]any, len(texts))
	for i, s := range texts {
		vs[i] = s
	}
	w.put(vs, style, style, style)
}

// WriteTo finishes the last sheet and writes the workbook to out.
func (w *Workbook) WriteTo(out io.Writer) (int64, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.sw == nil {
		return 0, errors.New("office: a workbook without a sheet")
	}
	if w.err = w.sw.Flush(); w.err != nil {
		return 0, w.err
	}
	w.sw = nil
	// The first sheet is the active one already: setting it again would
	// read every streamed sheet back into memory.
	return w.f.WriteTo(out)
}

// Close removes the workbook's temporary files.
func (w *Workbook) Close() error { return w.f.Close() }
