package paper

import (
	"io"
	"strconv"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/office"
)

// The household sheet: A4 landscape, one household per sheet (a sheet
// is as many pages as its members need, each with the household's header
// again), every member on a row of the values the household checks with
// a line under it to write corrections on, blank rows for the persons
// not yet recorded, and the head's and the officer's signatures. Its
// layout, and why, is in DESIGN.md.

// column is a column of the members' table: its title, width (mm, 0: the
// rest of the page) and value.
type column struct {
	key   string
	w     float64
	style office.Style
	value func(m *storage.Person, lang string) string
}

func fieldValue(f storage.Field) func(*storage.Person, string) string {
	return func(m *storage.Person, lang string) string { return value(m, f, lang) }
}

var memberColumns = []column{
	{"col_no", 9, bold, nil},
	{"col_name", 45, bold, func(m *storage.Person, lang string) string {
		if note := statusNote(m, lang); note != "" {
			return m.FullName() + "\n(" + note + ")"
		}
		return m.FullName()
	}},
	{"col_birth", 24, plain, fieldValue(storage.FieldBirthDate)},
	{"col_sex", 14, plain, fieldValue(storage.FieldSex)},
	{"col_id", 30, plain, fieldValue(storage.FieldIDNumber)},
	{"col_ethnicity", 20, plain, fieldValue(storage.FieldEthnicity)},
	{"col_religion", 21, plain, fieldValue(storage.FieldReligion)},
	{"col_hometown", 46, plain, fieldValue(storage.FieldHometown)},
	{"col_relationship", 24, plain, fieldValue(storage.FieldRelationshipToHead)},
	{"col_occupation", 0, plain, fieldValue(storage.FieldOccupation)},
}

const (
	valueLine = 4.3 // a value's line
	valuePad  = 2.0 // above and below a row's values
	fixH      = 8.0 // the line to write a correction on
	blankH    = 10  // a blank row, to write a person in
	maxLines  = 3   // a value longer than this many lines is cut with "…"
)

// widths are the columns' widths on p.
func widths(p *doc) []float64 {
	ws := make([]float64, len(memberColumns))
	used := 0.0
	for i, c := range memberColumns {
		ws[i] = c.w
		used += c.w
	}
	for i := range ws {
		if ws[i] == 0 {
			ws[i] = p.Width() - used
		}
	}
	return ws
}

// memberRow is a member laid out: each column's lines.
type memberRow struct {
	cells [][]string
	h     float64
}

func layoutMembers(p *doc, ms []*storage.Person, ws []float64, lang string) []memberRow {
	rows := make([]memberRow, len(ms))
	for i, m := range ms {
		r := memberRow{cells: make([][]string, len(memberColumns))}
		lines := 1
		for j, c := range memberColumns {
			if c.value == nil {
				r.cells[j] = []string{strconv.Itoa(i + 1)}
				continue
			}
			r.cells[j] = cellLines(p, c.value(m, lang), ws[j], c.style, maxLines)
			lines = max(lines, len(r.cells[j]))
		}
		r.h = float64(lines)*valueLine + valuePad + fixH
		rows[i] = r
	}
	return rows
}

// householdTop is the height of a sheet's top: the title, the
// household's number, head, size and address, and on its first page the
// help.
func householdTop(p *doc, first bool, lang string) float64 {
	h := 8.0 + 6 + 6 + 2
	if first {
		h += float64(len(p.Wrap(word("household_help", lang), p.Width(), hint)))*3.6 + 1.5
	}
	return h
}

// tableHead is the height of the members' table header.
func tableHead(p *doc, ws []float64) float64 {
	lines := 1
	for i, c := range memberColumns {
		lines = max(lines, len(p.Wrap(word(c.key, p.lang), ws[i], headStyle)))
	}
	return float64(lines)*3.6 + 2.5
}

var headStyle = office.Style{Size: labelSize, Bold: true, Align: 'C'}

// WriteHouseholds writes the household sheets of hs, each starting on a
// new page, as one A4 document.
func WriteHouseholds(w io.Writer, hs []*Household, o Options) error {
	title := word("household_title", o.Lang)
	if len(hs) == 1 {
		title += " — " + hs[0].Record.Number
	}
	p := newDoc(o, title, true)
	for _, h := range hs {
		drawHousehold(p, h, o.Lang)
	}
	if len(hs) == 0 {
		p.page("")
	}
	return p.Write(w)
}

// WriteRound writes a hamlet's round: a list of its households to tick
// off, then the sheet of each, each starting on a new page.
func WriteRound(w io.Writer, r *Round, o Options) error {
	lang := o.Lang
	p := newDoc(o, word("round_title", lang)+" — "+r.Hamlet, true)
	p.page(r.Hamlet + " — " + word("round_list", lang))
	p.TextAt(p.Left(), p.Top(), p.Width(), 8, word("round_title", lang), office.Style{Size: 13, Bold: true, Align: 'C'})
	persons := 0
	for _, h := range r.Households {
		persons += len(h.Members)
	}
	y := p.Top() + 9
	third := p.Width() / 3
	labelValue(p, p.Left(), y, third, word("hamlet", lang), r.Hamlet)
	labelValue(p, p.Left()+third, y, third, word("households", lang), strconv.Itoa(len(r.Households)))
	labelValue(p, p.Left()+2*third, y, third, word("persons", lang), strconv.Itoa(persons))
	y += 7
	for _, l := range p.Wrap(word("round_help", lang), p.Width(), hint) {
		p.TextAt(p.Left(), y, p.Width(), 3.6, l, hint)
		y += 3.6
	}
	p.SetY(y + 2)
	rows := make([][]string, len(r.Households))
	for i, h := range r.Households {
		head := word("no_head", lang)
		if m := h.Head(); m != nil {
			head = m.FullName()
		}
		rows[i] = []string{strconv.Itoa(i + 1), h.Record.Number, head, h.Record.AddressDetail, strconv.Itoa(len(h.Members)), "", ""}
	}
	p.Table(office.Table{
		Columns: []office.PDFColumn{
			{Title: word("col_no", lang), Width: 12, Number: true},
			{Title: word("household_number", lang), Width: 32},
			{Title: word("head", lang), Width: 60},
			{Title: word("address", lang)},
			{Title: word("persons", lang), Width: 20, Number: true},
			{Title: word("checked", lang), Width: 25},
			{Title: word("note", lang), Width: 50},
		},
		Rows: rows,
	})
	for _, h := range r.Households {
		drawHousehold(p, h, lang)
	}
	return p.Write(w)
}

// drawHousehold draws h's sheet from a new page.
func drawHousehold(p *doc, h *Household, lang string) {
	ws := widths(p)
	rows := layoutMembers(p, h.Members, ws, lang)
	heights := make([]float64, len(rows))
	for i, r := range rows {
		heights[i] = r.h
	}
	th := tableHead(p, ws)
	room := p.Bottom() - p.Top() - th
	starts := paginate(heights, room-householdTop(p, true, lang), room-householdTop(p, false, lang), sigH)
	sheets := strconv.Itoa(len(starts))
	for k, start := range starts {
		end := len(rows)
		if k+1 < len(starts) {
			end = starts[k+1]
		}
		p.page(word("household_word", lang) + " " + h.Record.Number + " · " +
			word("sheet_of", lang) + " " + strconv.Itoa(k+1) + "/" + sheets)
		y := householdHeader(p, h, k == 0, lang)
		y = membersHead(p, y, ws, lang)
		for i := start; i < end; i++ {
			y = memberRowAt(p, y, ws, rows[i], lang)
		}
		if k+1 < len(starts) {
			continue
		}
		// The last page: blank rows for the persons not yet recorded,
		// as many as fit above the signatures (at most two, or four for
		// a household without members; the help says to use the back
		// of the sheet when there is none).
		want := 2
		if len(rows) == 0 {
			want = 4
		}
		for n := 0; n < want && y+blankH+sigH <= p.Bottom(); n++ {
			y = blankRowAt(p, y, ws)
		}
		signatures(p, y+1, word("sign_head", lang), word("sign_officer", lang), lang)
	}
}

// householdHeader draws a sheet's top and returns the y below it.
func householdHeader(p *doc, h *Household, first bool, lang string) float64 {
	x, w, y := p.Left(), p.Width(), p.Top()
	title := word("household_title", lang)
	if !first {
		title += " " + word("continued", lang)
	}
	p.TextAt(x, y, w, 8, title, office.Style{Size: 13, Bold: true, Align: 'C'})
	y += 8
	head := ""
	if m := h.Head(); m != nil {
		head = m.FullName()
	}
	labelValue(p, x, y, 80, word("household_number", lang), h.Record.Number)
	labelValue(p, x+80, y, 120, word("head", lang), head)
	labelValue(p, x+200, y, w-200, word("members", lang), strconv.Itoa(len(h.Members)))
	y += 6
	labelValue(p, x, y, w, word("address", lang), address(h.Record.AddressDetail, h.Record.AddressCode))
	y += 6 + 2
	if first {
		for _, l := range p.Wrap(word("household_help", lang), w, hint) {
			p.TextAt(x, y, w, 3.6, l, hint)
			y += 3.6
		}
		y += 1.5
	}
	return y
}

// membersHead draws the table's header row and returns the y below it.
func membersHead(p *doc, y float64, ws []float64, lang string) float64 {
	h := tableHead(p, ws)
	x := p.Left()
	p.Shade(x, y, p.Width(), h, office.HeadFill)
	for i, c := range memberColumns {
		lines := p.Wrap(word(c.key, lang), ws[i], headStyle)
		top := y + (h-float64(len(lines))*3.6)/2
		for k, l := range lines {
			p.TextAt(x, top+float64(k)*3.6, ws[i], 3.6, l, headStyle)
		}
		if i > 0 {
			p.LineAt(x, y, x, y+h, rule)
		}
		x += ws[i]
	}
	p.Box(p.Left(), y, p.Width(), h, rule)
	return y + h
}

// memberRowAt draws a member's row at y: the values on a light shade, the
// line to correct them on below, white; it returns the y below the row.
func memberRowAt(p *doc, y float64, ws []float64, r memberRow, lang string) float64 {
	x0, w := p.Left(), p.Width()
	vh := r.h - fixH
	p.Shade(x0, y, w, vh, office.LightFill)
	x := x0
	for i, c := range memberColumns {
		lines := r.cells[i]
		if len(lines) == 0 {
			blankLine(p, x, y+vh-1.5, ws[i])
		}
		st := c.style
		if i == 0 {
			st.Align = 'C'
		}
		for k, l := range lines {
			lst := st
			if k > 0 && i == 1 && l != "" && l[0] == '(' {
				lst = office.Style{Size: hintSize, Grey: true}
			}
			p.TextAt(x, y+valuePad/2+float64(k)*valueLine, ws[i], valueLine, l, lst)
		}
		if i > 0 {
			p.LineAt(x, y, x, y+r.h, faint)
		}
		x += ws[i]
	}
	// The correction line: "Sửa" in the first column, a line to write on
	// under every value.
	p.TextAt(x0, y+vh, ws[0], fixH, word("fix", lang), office.Style{Size: 7.5, Grey: true, Align: 'C'})
	p.LineAt(x0, y+vh, x0+w, y+vh, faint)
	p.LineAt(x0, y, x0+w, y, strong)
	p.LineAt(x0, y+r.h, x0+w, y+r.h, strong)
	p.LineAt(x0, y, x0, y+r.h, rule)
	p.LineAt(x0+w, y, x0+w, y+r.h, rule)
	return y + r.h
}

// blankRowAt draws an empty row, a "+" in its first column and a line
// to write on in each other, and returns the y below it.
func blankRowAt(p *doc, y float64, ws []float64) float64 {
	x0, w := p.Left(), p.Width()
	p.TextAt(x0, y, ws[0], blankH, "+", office.Style{Size: valueSize, Grey: true, Align: 'C'})
	x := x0 + ws[0]
	for i := 1; i < len(ws); i++ {
		blankLine(p, x, y+blankH-2, ws[i])
		p.LineAt(x, y, x, y+blankH, faint)
		x += ws[i]
	}
	p.LineAt(x0, y+blankH, x0+w, y+blankH, strong)
	p.LineAt(x0, y, x0, y+blankH, rule)
	p.LineAt(x0+w, y, x0+w, y+blankH, rule)
	return y + blankH
}
