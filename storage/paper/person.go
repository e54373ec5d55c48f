package paper

import (
	"io"
	"strconv"
	"strings"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/office"
	"github.com/communekit/communekit/storage/refdata"
)

// The person's sheet: A4 portrait, the items of the population
// information collection form (DC01) in its order, each on a row of three
// columns: the item, what the record holds, and room to write a
// correction. What is followed from the form, and what is not, is in
// DESIGN.md.

// Widths of the person sheet's columns, mm: the item's number, its
// label, the recorded value; the correction takes the rest.
const (
	numW   = 9.0
	labelW = 50.0
	valueW = 75.0
	boxW   = 5.2 // a digit's box of the ID number
	checkW = 3.8 // a box to tick
	rowPad = 2.4
	minRow = 7.0 // room to write by hand in the correction column
	lineV  = 4.5 // a value's line
)

// item is a row of the person sheet.
type item struct {
	num, label string
	section    bool        // a heading over the rows that follow (the address)
	text       string      // the value, wrapped
	strong     bool        // the value in bold (the name)
	parts      [][2]string // sub-labels and values, a line each (a parent's name and ID)
	checks     []string    // boxes to tick, the recorded one ticked
	checked    int         // index into checks, -1: none
	after      string      // words after the boxes (a blood type's Rh)
	digits     string      // the ID number, a digit in each box
	nDigits    int

	labelLines, valueLines []string
	h                      float64
}

// personItems are the items of DC01 in its order, for p.
func personItems(pp *Person, lang string) []item {
	p := pp.Record
	w := func(k string) string { return word(k, lang) }
	txt := func(num, key string, f storage.Field) item {
		return item{num: num, label: w(key), text: value(p, f, lang)}
	}
	// 1. The administrative address: the permanent residence, else the
	// current one (the record holds no birth certificate's address).
	code, detail := p.Get(storage.FieldPermanentAddressCode), p.Get(storage.FieldPermanentAddressDetail)
	if code == "" && detail == "" {
		code, detail = p.Get(storage.FieldCurrentAddressCode), p.Get(storage.FieldCurrentAddressDetail)
	}
	var province, district, commune string
	if c, ok := refdata.Unit(code); ok {
		province, district, commune = c.ProvinceName, c.DistrictName, c.Type+" "+c.Name
	} else {
		commune = code
	}
	hamlet := storage.Hamlet(detail)
	var street []string
	for _, part := range strings.Split(detail, ",") {
		if part = strings.TrimSpace(part); part != "" && part != hamlet {
			street = append(street, part)
		}
	}
	// DC01's lines of the address; the district only for an address
	// in a unit from before 1 July 2025, when districts were abolished.
	lines := [][2]string{{"province", province}, {"district", district}, {"commune", commune},
		{"hamlet_line", hamlet}, {"street", strings.Join(street, ", ")}}
	items := []item{{num: "1", label: w("admin_address"), section: true}}
	letter := 'a'
	for _, l := range lines {
		if l[0] == "district" && district == "" {
			continue
		}
		items = append(items, item{label: string(letter) + ") " + w(l[0]), text: l[1]})
		letter++
	}
	items = append(items,
		item{num: "2", label: w("full_name"), text: p.FullName(), strong: true},
		txt("3", "birth_date", storage.FieldBirthDate),
	)
	sex := -1
	switch p.Get(storage.FieldSex) {
	case storage.SexMale:
		sex = 0
	case storage.SexFemale:
		sex = 1
	}
	items = append(items, item{num: "4", label: w("sex"), checks: []string{w("male"), w("female")}, checked: sex})
	blood, rh := p.Get(storage.FieldBloodType), ""
	if n := len(blood); n > 0 && (blood[n-1] == '+' || blood[n-1] == '-') {
		blood, rh = blood[:n-1], "Rh"+blood[n-1:]
	}
	bt := -1
	types := []string{"O", "A", "B", "AB"}
	for i, t := range types {
		if t == blood {
			bt = i
		}
	}
	items = append(items,
		item{num: "5", label: w("blood_type"), checks: types, checked: bt, after: rh},
		item{num: "6", label: w("id_number"), digits: p.IDNumber(), nDigits: 12,
			parts: [][2]string{{w("old_id"), p.Get(storage.FieldOldIDNumber)}}},
		txt("7", "birth_place", storage.FieldBirthRegistrationPlace),
		txt("8", "hometown", storage.FieldHometown),
		txt("9", "ethnicity", storage.FieldEthnicity),
		txt("10", "religion", storage.FieldReligion),
		txt("11", "nationality", storage.FieldNationality),
		txt("12", "marital", storage.FieldMaritalStatus),
		item{num: "13", label: w("permanent"), text: address(p.Get(storage.FieldPermanentAddressDetail), p.Get(storage.FieldPermanentAddressCode))},
		item{num: "14", label: w("current"), text: address(p.Get(storage.FieldCurrentAddressDetail), p.Get(storage.FieldCurrentAddressCode))},
		txt("15", "occupation", storage.FieldOccupation),
	)
	pair := func(num, key string, name, id storage.Field) item {
		return item{num: num, label: w(key), parts: [][2]string{{w("name"), p.Get(name)}, {w("id"), p.Get(id)}}}
	}
	items = append(items,
		pair("16", "father", storage.FieldFatherName, storage.FieldFatherIDNumber),
		pair("17", "mother", storage.FieldMotherName, storage.FieldMotherIDNumber),
		pair("18", "spouse", storage.FieldSpouseName, storage.FieldSpouseIDNumber),
		pair("19", "representative", storage.FieldRepresentativeName, storage.FieldRepresentativeIDNumber),
	)
	head := pp.Head
	if p.IsHead() {
		head = p
	}
	var headName, headID string
	if head != nil {
		headName, headID = head.FullName(), head.IDNumber()
	}
	items = append(items, item{num: "20", label: w("head_item"), parts: [][2]string{
		{w("name"), headName}, {w("id"), headID}, {w("relationship"), p.Get(storage.FieldRelationshipToHead)},
	}})
	return items
}

var (
	labelStyle = office.Style{Size: 9}
	partStyle  = office.Style{Size: hintSize, Grey: true}
)

// layoutItems measures the items' rows.
func layoutItems(p *doc, items []item) {
	for i := range items {
		it := &items[i]
		st := labelStyle
		if it.section {
			st.Bold = true
			it.labelLines = p.Wrap(it.label, p.Width()-numW, st)
			it.h = float64(len(it.labelLines))*4 + 1.8
			continue
		}
		if it.nDigits > 0 {
			// The boxes, and the old ID number on a line below.
			it.labelLines = p.Wrap(it.label, labelW, st)
			it.h = boxW + 2 + lineV + rowPad
			continue
		}
		it.labelLines = p.Wrap(it.label, labelW, st)
		lines := 1
		switch {
		case it.parts != nil:
			lines = len(it.parts)
		case it.text != "":
			vs := plain
			if it.strong {
				vs = office.Style{Size: 10.5, Bold: true}
			}
			it.valueLines = cellLines(p, it.text, valueW, vs, 3)
			lines = len(it.valueLines)
		}
		it.h = max(minRow, float64(len(it.labelLines))*4+rowPad, float64(lines)*lineV+rowPad)
	}
}

// WritePerson writes a person's sheet as an A4 document.
func WritePerson(w io.Writer, pp *Person, o Options) error {
	lang := o.Lang
	p := newDoc(o, word("person_title", lang)+" — "+pp.Record.FullName(), false)
	items := personItems(pp, lang)
	layoutItems(p, items)
	heights := make([]float64, len(items))
	for i := range items {
		heights[i] = items[i].h
	}
	help := p.Wrap(word("person_help", lang), p.Width(), hint)
	note := ""
	switch pp.Record.Get(storage.FieldStatus) {
	case storage.StatusDead, storage.StatusMissing:
		note = word("status_"+pp.Record.Get(storage.FieldStatus), lang)
		if d := dateValue(pp.Record.Get(storage.FieldDeathDate)); d != "" {
			note += " " + word("on", lang) + " " + d
		}
	}
	top := 8 + float64(len(help))*3.6 + 1.5
	if note != "" {
		top += 5
	}
	const headH = 6.0
	room := p.Bottom() - p.Top() - headH
	starts := paginate(heights, room-top, room-8, sigH)
	right := word("record", lang) + ": " + pp.Record.ID.String()
	for k, start := range starts {
		end := len(items)
		if k+1 < len(starts) {
			end = starts[k+1]
		}
		if len(starts) > 1 {
			p.page(right + " · " + word("sheet_of", lang) + " " + strconv.Itoa(k+1) + "/" + strconv.Itoa(len(starts)))
		} else {
			p.page(right)
		}
		x, y := p.Left(), p.Top()
		title := word("person_title", lang)
		if k > 0 {
			title += " " + word("continued", lang)
		}
		p.TextAt(x, y, p.Width(), 7, title, office.Style{Size: 13, Bold: true, Align: 'C'})
		y += 8
		if k == 0 {
			if note != "" {
				p.TextAt(x, y, p.Width(), 5, note, office.Style{Size: labelSize, Bold: true, Align: 'C'})
				y += 5
			}
			for _, l := range help {
				p.TextAt(x, y, p.Width(), 3.6, l, hint)
				y += 3.6
			}
			y += 1.5
		}
		y = itemsHead(p, y, lang)
		for i := start; i < end; i++ {
			y = itemAt(p, y, &items[i])
		}
		if k+1 == len(starts) {
			signatures(p, y+1, word("sign_declarant", lang), word("sign_officer", lang), lang)
		}
	}
	return p.Write(w)
}

// itemsHead draws the header row of the items' table.
func itemsHead(p *doc, y float64, lang string) float64 {
	const h = 6.0
	x := p.Left()
	p.Shade(x, y, p.Width(), h, office.HeadFill)
	st := office.Style{Size: labelSize, Bold: true, Align: 'C'}
	p.TextAt(x, y, numW+labelW, h, word("col_item", lang), st)
	p.TextAt(x+numW+labelW, y, valueW, h, word("col_recorded", lang), st)
	p.TextAt(x+numW+labelW+valueW, y, p.Width()-numW-labelW-valueW, h, word("col_fix", lang), st)
	p.Box(x, y, p.Width(), h, rule)
	p.LineAt(x+numW+labelW, y, x+numW+labelW, y+h, rule)
	p.LineAt(x+numW+labelW+valueW, y, x+numW+labelW+valueW, y+h, rule)
	return y + h
}

// itemAt draws an item's row at y and returns the y below it.
func itemAt(p *doc, y float64, it *item) float64 {
	x0, w := p.Left(), p.Width()
	xl, xv, xc := x0+numW, x0+numW+labelW, x0+numW+labelW+valueW
	cw := x0 + w - xc
	if it.num != "" {
		p.LineAt(x0, y, x0+w, y, rule)
	} else {
		p.LineAt(xl, y, x0+w, y, faint)
	}
	p.TextAt(x0, y+1.3, numW, 4, it.num, office.Style{Size: 9, Bold: true, Align: 'C'})
	st := labelStyle
	if it.section {
		st.Bold = true
		for k, l := range it.labelLines {
			p.TextAt(xl, y+1.3+float64(k)*4, w-numW, 4, l, st)
		}
		p.LineAt(x0, y, x0, y+it.h, rule)
		p.LineAt(x0+w, y, x0+w, y+it.h, rule)
		return y + it.h
	}
	for k, l := range it.labelLines {
		p.TextAt(xl, y+1.3+float64(k)*4, labelW, 4, l, st)
	}
	p.Shade(xv+0.1, y+0.2, valueW-0.2, it.h-0.3, office.LightFill)
	switch {
	case it.parts != nil && it.nDigits == 0:
		for k, part := range it.parts {
			ly := y + 1.3 + float64(k)*lineV
			subLine(p, xv, ly, xc, cw, part)
		}
	case it.checks != nil:
		x := xv + 2
		for k, c := range it.checks {
			p.CheckBox(x, y+(it.h-checkW)/2, checkW, k == it.checked)
			cwid := p.StringWidth(c, plain) + 3
			p.TextAt(x+checkW+0.5, y, cwid, it.h, c, plain)
			x += checkW + cwid + 4
		}
		if it.after != "" {
			p.TextAt(x, y, xv+valueW-x, it.h, it.after, plain)
		}
		p.LineAt(xc+2, y+it.h-2, xc+cw-2, y+it.h-2, writeOn)
	case it.nDigits > 0:
		x, by := xv+2, y+1.3
		digits := []rune(it.digits)
		for k := 0; k < it.nDigits; k++ {
			p.Box(x, by, boxW, boxW, office.Stroke{Width: 0.25, Grey: 60})
			if k < len(digits) {
				p.TextAt(x, by, boxW, boxW, string(digits[k]), office.Style{Size: 10, Align: 'C'})
			}
			x += boxW
		}
		// Room beside the ID's boxes is too short for twelve digits
		// written by hand: the correction column has its own boxes.
		bw := min(boxW, (cw-4)/float64(it.nDigits))
		x = xc + (cw-bw*float64(it.nDigits))/2
		for k := 0; k < it.nDigits; k++ {
			p.Box(x, by, bw, boxW, office.Stroke{Width: 0.2, Grey: 130})
			x += bw
		}
		subLine(p, xv, by+boxW+1, xc, cw, it.parts[0])
	default:
		vs := plain
		if it.strong {
			vs = office.Style{Size: 10.5, Bold: true}
		}
		if len(it.valueLines) == 0 {
			blankLine(p, xv, y+it.h-2, valueW)
		}
		for k, l := range it.valueLines {
			p.TextAt(xv, y+1.3+float64(k)*lineV, valueW, lineV, l, vs)
		}
		p.LineAt(xc+2, y+it.h-2, xc+cw-2, y+it.h-2, writeOn)
	}
	for _, x := range []float64{x0, xv, xc, x0 + w} {
		p.LineAt(x, y, x, y+it.h, rule)
	}
	p.LineAt(x0, y+it.h, x0+w, y+it.h, rule)
	return y + it.h
}

// subLine draws a sub-label and its value on a line at y of the value
// column (at xv), a dotted line when the value is missing, and a line to
// write a correction on in the correction column (at xc, cw wide).
func subLine(p *doc, xv, y, xc, cw float64, part [2]string) {
	lw := p.StringWidth(part[0]+":", partStyle) + 3
	p.TextAt(xv, y, lw, lineV, part[0]+":", partStyle)
	if part[1] == "" {
		blankLine(p, xv+lw-1, y+lineV-0.6, valueW-lw+1)
	} else {
		p.TextAt(xv+lw-1.5, y, valueW-lw+1.5, lineV, part[1], plain)
	}
	p.LineAt(xc+2, y+lineV-0.6, xc+cw-2, y+lineV-0.6, writeOn)
}
