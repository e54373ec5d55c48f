package report

import (
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/communekit/communekit/storage/office"
)

// The statistics and the worklist as documents: a spreadsheet of every
// table, a PDF of the tables with the pyramid drawn. The layout (sheets,
// columns, pages) is in DESIGN.md; the drawing is package office's.

// labelOf is a row's words in lang.
func labelOf(t *Table, r Row, lang string) string {
	return Label(t.Dim, r.Key, lang)
}

// coded reports whether a table's keys are codes worth showing beside
// their names (ethnic group 01, religion 00, nationality VN).
func coded(t *Table) bool {
	return t.Dim == DimEthnicity || t.Dim == DimReligion || t.Dim == DimNation
}

func ageLabel(g SexAge) string {
	if g.AgeTo == nil {
		return strconv.Itoa(g.AgeFrom) + "+"
	}
	return strconv.Itoa(g.AgeFrom) + "–" + strconv.Itoa(*g.AgeTo)
}

func pct(n, of int) office.Percent {
	if of == 0 {
		return 0
	}
	return office.Percent(100 * float64(n) / float64(of))
}

// dateTime is d as a time, for a date cell.
func dateTime(d Date) time.Time { return d.time() }

// eventTables are the events' tables in order, each by sex.
func (st *Statistics) eventTables() []NamedTable {
	var out []NamedTable
	for _, nt := range st.Tables() {
		if nt.T.Dim == DimSex && nt.T != &st.Population.BySex {
			out = append(out, nt)
		}
	}
	return out
}

// bySex splits an events table: male, female, the rest.
func bySex(t *Table) (m, f, other int) {
	for _, r := range t.Rows {
		switch r.Key {
		case SexMale:
			m = r.Count
		case SexFemale:
			f = r.Count
		default:
			other += r.Count
		}
	}
	return
}

// pyramidRows are the pyramid's groups: label, men, women.
func (st *Statistics) pyramidRows() (groups []string, men, women []int) {
	p := st.Population.BySexAge
	half := len(p) / 2
	for i := 0; i < half; i++ {
		groups = append(groups, ageLabel(p[i]))
		men = append(men, p[i].Count)
		women = append(women, p[half+i].Count)
	}
	return
}

// WriteXLSX writes the statistics as a workbook, in lang: a sheet for the
// population (the pyramid's table, the usual groups, each table by one
// characteristic, the records by status), one for the households, one
// for the events of the period. Every table has its header, its rows and
// its total; counts are numbers, shares percentages, dates dates.
func (st *Statistics) WriteXLSX(w io.Writer, lang string) error {
	wb := office.NewWorkbook()
	defer wb.Close()
	word := func(k string) string { return Word(k, lang) }
	place := Place(st.Commune, lang)

	width := 24.0
	for _, nt := range st.Tables() {
		for _, r := range nt.T.Rows {
			width = max(width, float64(utf8.RuneCountInString(labelOf(nt.T, r, lang)))+2)
		}
	}
	width = min(width, 60)
	cols := []office.Column{{Width: width}, {Width: 12}, {Width: 12}, {Width: 12}, {Width: 12}}
	heading := func() {
		wb.Title(word("stats_title") + " — " + place)
		wb.Row(word("reference_date"), dateTime(st.ReferenceDate))
		wb.Row(word("period"), dateTime(st.Events.From), dateTime(st.Events.To))
		wb.Blank()
	}
	table := func(title string, t *Table) {
		wb.Title(title)
		head := []string{Word(t.Dim, lang), word("count"), word("percent")}
		if t == &st.Households.BySize || t == &st.Households.ByHamlet || t == &st.Households.ByHeadSex {
			head[1] = word("head_count")
		}
		if coded(t) {
			head = append(head, word("code"))
		}
		wb.Header(head...)
		for _, r := range t.Rows {
			if coded(t) && r.Key != NotRecorded {
				wb.Row(labelOf(t, r, lang), r.Count, pct(r.Count, t.Total), r.Key)
			} else {
				wb.Row(labelOf(t, r, lang), r.Count, pct(r.Count, t.Total))
			}
		}
		wb.Total(word("total"), t.Total, pct(t.Total, t.Total))
		wb.Blank()
	}

	// Population.
	p := &st.Population
	wb.Sheet(word("sheet_population"), office.SheetOptions{Columns: cols})
	heading()
	wb.Row(word("population"), p.Total)
	wb.Row(word("households"), st.Households.Total)
	wb.Blank()
	wb.Title(word("pyramid"))
	wb.Header(word(DimAge), word(SexMale), word(SexFemale), word("total"))
	groups, men, women := st.pyramidRows()
	var tm, tf int
	for i := range groups {
		wb.Row(groups[i], men[i], women[i], men[i]+women[i])
		tm, tf = tm+men[i], tf+women[i]
	}
	wb.Total(word("total"), tm, tf, tm+tf)
	if p.SexAgeNotRecorded > 0 {
		wb.Row(word("sex_age_not_recorded"), p.SexAgeNotRecorded)
	}
	wb.Blank()
	wb.Title(word(DimUsualGroup))
	wb.Header(word(DimAge), word("count"), word("percent"))
	for _, g := range p.UsualGroups {
		wb.Row(Word(g.Key, lang), g.Count, pct(g.Count, p.Total))
	}
	wb.Blank()
	for _, nt := range st.Tables() {
		switch {
		case nt.T == &st.Records.ByStatus:
			table(word("records"), nt.T)
		case nt.T == &st.Households.BySize:
			wb.Sheet(word("sheet_households"), office.SheetOptions{Columns: cols})
			heading()
			wb.Row(word("households"), st.Households.Total)
			wb.Blank()
			table(word(nt.Title), nt.T)
		case nt.T.Dim == DimSex && nt.T != &p.BySex:
			// the events, below
		default:
			table(word(nt.Title), nt.T)
		}
	}

	// Events, each by sex, in one table.
	wb.Sheet(word("sheet_events"), office.SheetOptions{Columns: cols})
	heading()
	wb.Title(word("events_title"))
	wb.Header(word("event"), word(SexMale), word(SexFemale), word(NotRecorded), word("total"))
	for _, nt := range st.eventTables() {
		m, f, o := bySex(nt.T)
		wb.Row(word(nt.Title), m, f, o, nt.T.Total)
	}
	_, err := wb.WriteTo(w)
	return err
}

// WriteXLSX writes the worklist as a workbook, in lang: the items (a row
// each: rule, record, ID number, household number, name, hamlet, field,
// message, rule code), then the completeness by field and by hamlet. The
// items are streamed: 70,000 of them cost no more memory than ten.
func (wl *Worklist) WriteXLSX(w io.Writer, lang string) error {
	wb := office.NewWorkbook()
	defer wb.Close()
	word := func(k string) string { return Word(k, lang) }
	place := Place(wl.Commune, lang)
	if wl.Hamlet != "" {
		place += ", " + wl.Hamlet
	}
	hamlet := func(h string) string {
		if h == "" {
			return word("hamlet_none")
		}
		return h
	}

	wb.Sheet(word("sheet_worklist"), office.SheetOptions{FreezeRows: 3, Columns: []office.Column{
		{Width: 30}, {Width: 16}, {Width: 15}, {Width: 14}, {Width: 26}, {Width: 22}, {Width: 26}, {Width: 70}, {Width: 22},
	}})
	wb.Title(word("quality_title") + " — " + place)
	wb.Row(word("reference_date"), dateTime(wl.ReferenceDate), word("items"), len(wl.Items))
	wb.Header(word("rule"), word("person_id"), word("id_number"), word("household_number"), word("full_name"),
		word(DimHamlet), word("field"), word("message"), word("rule_code"))
	for i := range wl.Items {
		it := &wl.Items[i]
		wb.Row(word(it.Rule), it.PersonID, it.IDNumber, it.HouseholdNumber, it.Name, hamlet(it.Hamlet),
			FieldLabel(it.Field, lang), it.Message(lang), it.Rule)
	}

	c := &wl.Completeness
	wb.Sheet(word("sheet_by_field"), office.SheetOptions{Columns: []office.Column{{Width: 44}, {Width: 12}, {Width: 12}, {Width: 12}}})
	wb.Title(word("completeness") + " — " + place)
	wb.Row(word("reference_date"), dateTime(wl.ReferenceDate))
	wb.Row(word("persons"), c.Persons)
	wb.Row(word("complete_records"), c.CompleteRecords, pct(c.CompleteRecords, c.Persons))
	wb.Row(word("required_filled"), nil, office.Percent(c.Percent))
	wb.Blank()
	wb.Header(word("field"), word("filled"), word("of"), word("percent"))
	for _, f := range c.Fields {
		wb.Row(FieldLabel(f.Field, lang), f.Filled, f.Of, office.Percent(f.Percent))
	}

	rules := Rules()
	cols := []office.Column{{Width: 28}, {Width: 11}, {Width: 11}, {Width: 11}, {Width: 11}}
	for range rules {
		cols = append(cols, office.Column{Width: 14})
	}
	wb.Sheet(word("sheet_by_hamlet"), office.SheetOptions{Columns: cols, FreezeRows: 2})
	wb.Title(word("completeness") + " — " + place)
	head := []string{word(DimHamlet), word("persons"), word("complete_records"), word("required_filled"), word("items")}
	for _, r := range rules {
		head = append(head, word(r))
	}
	wb.Header(head...)
	var sum [5]int
	byRule := make([]int, len(rules))
	for _, h := range c.Hamlets {
		row := []any{hamlet(h.Hamlet), h.Persons, h.CompleteRecords, office.Percent(h.Percent), h.Items}
		for i, r := range rules {
			row = append(row, h.ByRule[r])
			byRule[i] += h.ByRule[r]
		}
		wb.Row(row...)
		sum[0], sum[1], sum[2] = sum[0]+h.Persons, sum[1]+h.CompleteRecords, sum[2]+h.Items
	}
	total := []any{word("total"), sum[0], sum[1], office.Percent(c.Percent), sum[2]}
	for _, n := range byRule {
		total = append(total, n)
	}
	wb.Total(total...)
	_, err := wb.WriteTo(w)
	return err
}

// Number writes n as the language writes it: 12.345 (vi), 12,345 (en).
func Number(n int, lang string) string {
	s := strconv.Itoa(max(n, -n))
	sep := "."
	if lang == "en" {
		sep = ","
	}
	var b strings.Builder
	if n < 0 {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	return b.String()
}

// percentText writes a share with one decimal: 12,5% (vi), 12.5% (en).
func percentText(n, of int, lang string) string {
	if of == 0 {
		return "–"
	}
	s := strconv.FormatFloat(100*float64(n)/float64(of), 'f', 1, 64)
	if lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + "%"
}

// WritePDF writes the statistics as an A4 document, in lang: the commune
// and the reference date at the head of every page, the page numbers at
// the foot; the summary, the pyramid drawn and as a table, the usual age
// groups, every table with its shares, and the events by sex.
func (st *Statistics) WritePDF(w io.Writer, lang string) error {
	word := func(k string) string { return Word(k, lang) }
	place := Place(st.Commune, lang)
	doc := office.NewPDF(office.PageSetup{
		Title:       word("stats_title") + " — " + place,
		HeaderLeft:  place,
		HeaderRight: word("reference_date") + ": " + st.ReferenceDate.Vietnamese(),
		Page:        func(n int, of string) string { return word("page") + " " + strconv.Itoa(n) + "/" + of },
		Made:        dateTime(st.ReferenceDate),
	})
	num := func(n int) string { return Number(n, lang) }
	p := &st.Population

	doc.Heading(1, word("stats_title"))
	doc.Text(word("place") + ": " + place + "\n" +
		word("reference_date") + ": " + st.ReferenceDate.Vietnamese() + "    " +
		word("period") + ": " + st.Events.From.Vietnamese() + " – " + st.Events.To.Vietnamese() + "\n" +
		word("population") + ": " + num(p.Total) + " " + word("living_persons") + "    " +
		word("households") + ": " + num(st.Households.Total))

	groups, men, women := st.pyramidRows()
	var tm, tf int
	for i := range men {
		tm, tf = tm+men[i], tf+women[i]
	}
	doc.Heading(2, word("pyramid"))
	doc.Pyramid(office.Pyramid{
		Groups: groups, Men: men, Women: women,
		MenTitle:    word(SexMale) + " (" + num(tm) + ")",
		WomenTitle:  word(SexFemale) + " (" + num(tf) + ")",
		FormatCount: num,
	})
	if p.SexAgeNotRecorded > 0 {
		doc.Text(word("sex_age_not_recorded") + ": " + num(p.SexAgeNotRecorded))
	}
	threeCols := func(first, count string) []office.PDFColumn {
		return []office.PDFColumn{{Title: first}, {Title: count, Width: 30, Number: true}, {Title: word("percent"), Width: 30, Number: true}}
	}
	var rows [][]string
	for _, g := range p.UsualGroups {
		rows = append(rows, []string{Word(g.Key, lang), num(g.Count), percentText(g.Count, p.Total, lang)})
	}
	doc.Table(office.Table{Title: word(DimUsualGroup), Columns: threeCols(word(DimAge), word("count")), Rows: rows})

	rows = make([][]string, len(groups))
	for i := range groups {
		rows[i] = []string{groups[i], num(men[i]), num(women[i]), num(men[i] + women[i])}
	}
	doc.Table(office.Table{
		Title: word("by_sex_age"),
		Columns: []office.PDFColumn{{Title: word(DimAge)}, {Title: word(SexMale), Width: 30, Number: true},
			{Title: word(SexFemale), Width: 30, Number: true}, {Title: word("total"), Width: 30, Number: true}},
		Rows:  rows,
		Total: []string{word("total"), num(tm), num(tf), num(tm + tf)},
	})

	for _, nt := range st.Tables() {
		t := nt.T
		if t.Dim == DimSex && t != &p.BySex {
			continue // the events, below
		}
		title, count := word(nt.Title), word("count")
		switch t {
		case &st.Records.ByStatus:
			title = word("records")
		case &st.Households.BySize, &st.Households.ByHamlet, &st.Households.ByHeadSex:
			title, count = word("households")+": "+title, word("head_count")
		}
		rows := make([][]string, len(t.Rows))
		for i, r := range t.Rows {
			label := labelOf(t, r, lang)
			if coded(t) && r.Key != NotRecorded {
				label += " (" + r.Key + ")"
			}
			rows[i] = []string{label, num(r.Count), percentText(r.Count, t.Total, lang)}
		}
		doc.Table(office.Table{Title: title, Columns: threeCols(Word(t.Dim, lang), count), Rows: rows,
			Total: []string{word("total"), num(t.Total), percentText(t.Total, t.Total, lang)}})
	}

	rows = nil
	for _, nt := range st.eventTables() {
		m, f, o := bySex(nt.T)
		rows = append(rows, []string{word(nt.Title), num(m), num(f), num(o), num(nt.T.Total)})
	}
	doc.Table(office.Table{
		Title: word("events_title") + " " + st.Events.From.Vietnamese() + " – " + st.Events.To.Vietnamese(),
		Columns: []office.PDFColumn{{Title: word("event")}, {Title: word(SexMale), Width: 22, Number: true},
			{Title: word(SexFemale), Width: 22, Number: true}, {Title: word(NotRecorded), Width: 24, Number: true},
			{Title: word("total"), Width: 24, Number: true}},
		Rows: rows,
	})
	return doc.Write(w)
}
