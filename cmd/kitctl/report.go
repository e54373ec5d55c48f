package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/communekit/communekit/storage/report"
)

// kitctl report: the statistics and the data-quality worklist of the
// profile's commune, computed from its store (storage/report); kitctl
// only prints them.

func cmdReport(e *env, args []string) error {
	if len(args) == 0 {
		return usagef("report needs a subcommand: stats, quality or progress")
	}
	switch args[0] {
	case "stats":
		if wantsNode(args[1:]) {
			return reportStatsNode(e, args[1:]) // reportnode.go
		}
		return reportStats(e, args[1:])
	case "progress":
		return reportProgress(e, args[1:])
	case "quality":
		return reportQuality(e, args[1:])
	}
	return usagef("report: unknown subcommand %q (stats, quality, progress)", args[0])
}

// dateFlag reads an optional date flag.
func dateFlag(name, v string) (report.Date, error) {
	if v == "" {
		return report.Date{}, nil
	}
	d, err := report.ParseDate(v)
	if err != nil {
		return d, usagef("--%s: %v", name, err)
	}
	return d, nil
}

func reportStats(e *env, args []string) error {
	fs := flag.NewFlagSet("report stats", flag.ContinueOnError)
	at := fs.String("at", "", "reference date, yyyy-mm-dd or dd/mm/yyyy (default: today)")
	from := fs.String("from", "", "first day of the events' period (default: the calendar month before --at)")
	to := fs.String("to", "", "last day of the events' period")
	commune := fs.String("commune", "", "commune code (default: the profile's commune)")
	xlsx := fs.String("xlsx", "", "write the tables to this new .xlsx file")
	pdf := fs.String("pdf", "", "write the tables and the pyramid to this new .pdf file (A4)")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("report stats takes no arguments, got %q", pos)
	}
	if err := checkOutput(e, *xlsx, *pdf); err != nil {
		return err
	}
	var o report.StatsOptions
	if o.At, err = dateFlag("at", *at); err != nil {
		return err
	}
	if o.From, err = dateFlag("from", *from); err != nil {
		return err
	}
	if o.To, err = dateFlag("to", *to); err != nil {
		return err
	}
	if o.From.IsZero() != o.To.IsZero() {
		return usagef("report stats: give the period with both --from and --to")
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	setMemoryLimit(reportMemoryLimit)
	o.Commune = *commune
	if o.Commune == "" {
		o.Commune = s.Profile().Commune
	}
	st, err := report.Stats(s, o)
	if err != nil {
		return err
	}
	st.SetLabels(e.lang)
	what := tr(e.lang, "thống kê", "the statistics")
	switch {
	case *xlsx != "":
		return saveDocument(e, what, "xlsx", *xlsx, func(w io.Writer) error { return st.WriteXLSX(w, e.lang) })
	case *pdf != "":
		return saveDocument(e, what, "pdf", *pdf, func(w io.Writer) error { return st.WritePDF(w, e.lang) })
	}
	if e.jsonOut {
		return e.printJSON(st)
	}
	w := bufio.NewWriter(e.stdout)
	printStats(w, st, e.lang)
	return w.Flush()
}

// tr picks the Vietnamese or the English words.
func tr(lang, vi, en string) string {
	if lang == "en" {
		return en
	}
	return vi
}

// share formats a share as officers write it: 12,5% (Vietnamese) or 12.5%.
func share(n, of int, lang string) string {
	if of == 0 {
		return "–"
	}
	s := strconv.FormatFloat(100*float64(n)/float64(of), 'f', 1, 64) + "%"
	if lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// pad pads s with spaces to width letters (runes: Vietnamese letters are
// composed, one rune each).
func pad(s string, width int) string {
	if n := utf8.RuneCountInString(s); n < width {
		return s + strings.Repeat(" ", width-n)
	}
	return s
}

func printStatsTable(w io.Writer, title string, t *report.Table, lang string) {
	fmt.Fprintf(w, "\n%s\n", title)
	width := utf8.RuneCountInString(report.Word("total", lang))
	for _, r := range t.Rows {
		width = max(width, utf8.RuneCountInString(rowLabel(r, lang)))
	}
	for _, r := range t.Rows {
		fmt.Fprintf(w, "  %s %8d %7s\n", pad(rowLabel(r, lang), width), r.Count, share(r.Count, t.Total, lang))
	}
	fmt.Fprintf(w, "  %s %8d\n", pad(report.Word("total", lang), width), t.Total)
}

func rowLabel(r report.Row, lang string) string {
	if r.Label != "" {
		return r.Label
	}
	return r.Key
}

func printStats(w io.Writer, st *report.Statistics, lang string) {
	where := report.Word("commune_all", lang)
	if st.Commune != "" {
		where = communeLabel(st.Commune)
	}
	p := &st.Population
	fmt.Fprintf(w, "%s — %s\n", tr(lang, "Thống kê dân số", "Population statistics"), where)
	fmt.Fprintf(w, "%s: %s   %s: %s – %s\n", report.Word("reference_date", lang), st.ReferenceDate.Vietnamese(),
		report.Word("period", lang), st.Events.From.Vietnamese(), st.Events.To.Vietnamese())
	fmt.Fprintf(w, "%s: %d %s; %s: %d\n", report.Word("population", lang), p.Total, tr(lang, "người còn sống", "living persons"),
		report.Word("households", lang), st.Households.Total)

	// The pyramid as a table: male, female and their sum per group.
	fmt.Fprintf(w, "\n%s\n", report.Word("pyramid", lang))
	fmt.Fprintf(w, "  %-8s %8s %8s %8s\n", report.Word(report.DimAge, lang), report.Word(report.SexMale, lang), report.Word(report.SexFemale, lang), report.Word("total", lang))
	half := len(p.BySexAge) / 2
	var tm, tf int
	for i := 0; i < half; i++ {
		m, f := p.BySexAge[i], p.BySexAge[half+i]
		label := strconv.Itoa(m.AgeFrom) + "+"
		if m.AgeTo != nil {
			label = strconv.Itoa(m.AgeFrom) + "–" + strconv.Itoa(*m.AgeTo)
		}
		fmt.Fprintf(w, "  %-8s %8d %8d %8d\n", label, m.Count, f.Count, m.Count+f.Count)
		tm, tf = tm+m.Count, tf+f.Count
	}
	fmt.Fprintf(w, "  %-8s %8d %8d %8d\n", report.Word("total", lang), tm, tf, tm+tf)
	if p.SexAgeNotRecorded > 0 {
		fmt.Fprintf(w, "  %s: %d\n", report.Word("sex_age_not_recorded", lang), p.SexAgeNotRecorded)
	}

	fmt.Fprintf(w, "\n%s\n", report.Word(report.DimUsualGroup, lang))
	width := 0
	for _, g := range p.UsualGroups {
		width = max(width, utf8.RuneCountInString(g.Label))
	}
	for _, g := range p.UsualGroups {
		fmt.Fprintf(w, "  %s %8d %7s\n", pad(g.Label, width), g.Count, share(g.Count, p.Total, lang))
	}

	var events []report.NamedTable
	for i, nt := range st.Tables() {
		title := report.Word(nt.Title, lang)
		switch {
		case i == 0:
			fmt.Fprintf(w, "\n== %s ==\n", tr(lang, "DÂN SỐ", "POPULATION"))
		case nt.T == &st.Records.ByStatus:
			title = report.Word("records", lang)
		case nt.T == &st.Households.BySize:
			fmt.Fprintf(w, "\n== %s ==\n", tr(lang, "HỘ", "HOUSEHOLDS"))
		}
		if nt.T.Dim == report.DimSex && nt.T != &st.Population.BySex {
			events = append(events, nt)
			continue
		}
		printStatsTable(w, title, nt.T, lang)
	}

	// The events, each by sex, as one table.
	fmt.Fprintf(w, "\n== %s %s – %s ==\n\n", tr(lang, "BIẾN ĐỘNG TRONG KỲ", "EVENTS IN THE PERIOD"), st.Events.From.Vietnamese(), st.Events.To.Vietnamese())
	width = 0
	for _, nt := range events {
		width = max(width, utf8.RuneCountInString(report.Word(nt.Title, lang)))
	}
	fmt.Fprintf(w, "  %s %8s %8s %9s %8s\n", pad("", width), report.Word(report.SexMale, lang), report.Word(report.SexFemale, lang),
		report.Word(report.NotRecorded, lang), report.Word("total", lang))
	for _, nt := range events {
		var by [3]int
		for _, r := range nt.T.Rows {
			switch r.Key {
			case report.SexMale:
				by[0] = r.Count
			case report.SexFemale:
				by[1] = r.Count
			default:
				by[2] += r.Count
			}
		}
		fmt.Fprintf(w, "  %s %8d %8d %9d %8d\n", pad(report.Word(nt.Title, lang), width), by[0], by[1], by[2], nt.T.Total)
	}
}

// itemJSON is an item as `report quality --json` prints it: the message
// in the language asked for.
type itemJSON struct {
	Rule            string `json:"rule"`
	PersonID        string `json:"person_id,omitempty"`
	HouseholdNumber string `json:"household_number,omitempty"`
	Name            string `json:"name,omitempty"`
	Commune         string `json:"commune"`
	Hamlet          string `json:"hamlet"`
	Field           string `json:"field"`
	Message         string `json:"message"`
}

func reportQuality(e *env, args []string) error {
	fs := flag.NewFlagSet("report quality", flag.ContinueOnError)
	hamlet := fs.String("hamlet", "", "one hamlet only, as written or without diacritics (\"Lũng Hòa\", \"thon lung hoa\")")
	at := fs.String("at", "", "date ages are counted on (default: today)")
	commune := fs.String("commune", "", "commune code (default: the profile's commune)")
	xlsx := fs.String("xlsx", "", "write the worklist and the completeness tables to this new .xlsx file")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("report quality takes no arguments, got %q (a hamlet is given with --hamlet)", pos)
	}
	if err := checkOutput(e, *xlsx, ""); err != nil {
		return err
	}
	var o report.QualityOptions
	if o.At, err = dateFlag("at", *at); err != nil {
		return err
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	setMemoryLimit(reportMemoryLimit)
	o.Commune, o.Hamlet = *commune, *hamlet
	if o.Commune == "" {
		o.Commune = s.Profile().Commune
	}
	wl, err := report.Quality(s, o)
	if err != nil {
		return err
	}
	if o.Hamlet != "" && wl.Completeness.Persons == 0 && len(wl.Items) == 0 {
		return fmt.Errorf("%s", tr(e.lang, fmt.Sprintf("không có thôn %q trong hồ sơ của xã; xem các thôn bằng `kitctl report stats`", o.Hamlet),
			fmt.Sprintf("no hamlet %q in the commune's records; `kitctl report stats` lists them", o.Hamlet)))
	}
	if *xlsx != "" {
		return saveDocument(e, tr(e.lang, "danh sách việc cần làm", "the worklist"), "xlsx", *xlsx, func(w io.Writer) error { return wl.WriteXLSX(w, e.lang) })
	}
	if e.jsonOut {
		items := make([]itemJSON, len(wl.Items))
		for i := range wl.Items {
			it := &wl.Items[i]
			items[i] = itemJSON{it.Rule, it.PersonID, it.HouseholdNumber, it.Name, it.Commune, it.Hamlet, it.Field, it.Message(e.lang)}
		}
		return e.printJSON(struct {
			ReferenceDate report.Date         `json:"reference_date"`
			Commune       string              `json:"commune"`
			Hamlet        string              `json:"hamlet,omitempty"`
			Items         []itemJSON          `json:"items"`
			Completeness  report.Completeness `json:"completeness"`
		}{wl.ReferenceDate, wl.Commune, wl.Hamlet, items, wl.Completeness})
	}
	w := bufio.NewWriter(e.stdout)
	printQuality(w, wl, e.lang)
	return w.Flush()
}

func hamletLabel(h, lang string) string {
	if h == "" {
		return report.Word("hamlet_none", lang)
	}
	return h
}

func printQuality(w io.Writer, wl *report.Worklist, lang string) {
	c := &wl.Completeness
	where := report.Word("commune_all", lang)
	if wl.Commune != "" {
		where = communeLabel(wl.Commune)
	}
	if wl.Hamlet != "" {
		where += ", " + wl.Hamlet
	}
	fmt.Fprintf(w, "%s — %s, %s\n", tr(lang, "Chất lượng dữ liệu (đúng, đủ, sạch, sống)", "Data quality (correct, complete, clean, alive)"), where, wl.ReferenceDate.Vietnamese())
	fmt.Fprintf(w, "%s: %s %s; %s %d/%d; %s: %d\n", report.Word("completeness", lang), strings.Replace(strconv.FormatFloat(c.Percent, 'f', 1, 64), ".", tr(lang, ",", "."), 1)+"%",
		tr(lang, "giá trị bắt buộc đã ghi", "of required values filled"), report.Word("complete_records", lang), c.CompleteRecords, c.Persons,
		report.Word("items", lang), len(wl.Items))

	fmt.Fprintf(w, "\n%s\n", tr(lang, "Theo trường", "By field"))
	width := 0
	for _, f := range c.Fields {
		width = max(width, utf8.RuneCountInString(report.FieldLabel(f.Field, lang)))
	}
	for _, f := range c.Fields {
		fmt.Fprintf(w, "  %s %7d/%-7d %7s\n", pad(report.FieldLabel(f.Field, lang), width), f.Filled, f.Of, share(f.Filled, f.Of, lang))
	}

	fmt.Fprintf(w, "\n%s\n", tr(lang, "Theo thôn", "By hamlet"))
	width = 0
	for _, h := range c.Hamlets {
		width = max(width, utf8.RuneCountInString(hamletLabel(h.Hamlet, lang)))
	}
	fmt.Fprintf(w, "  %s %8s %8s %7s %8s\n", pad("", width), report.Word("persons", lang), tr(lang, "Hồ sơ đủ", "Complete"), "%", report.Word("items", lang))
	for _, h := range c.Hamlets {
		pc := strconv.FormatFloat(h.Percent, 'f', 1, 64)
		if lang != "en" {
			pc = strings.Replace(pc, ".", ",", 1)
		}
		fmt.Fprintf(w, "  %s %8d %8d %7s %8d\n", pad(hamletLabel(h.Hamlet, lang), width), h.Persons, h.CompleteRecords, pc, h.Items)
	}

	if len(wl.Items) == 0 {
		fmt.Fprintf(w, "\n%s\n", report.Word("no_items", lang))
		return
	}
	hamlet := "\x00"
	for i := range wl.Items {
		it := &wl.Items[i]
		if it.Hamlet != hamlet {
			hamlet = it.Hamlet
			fmt.Fprintf(w, "\n%s\n", hamletLabel(hamlet, lang))
		}
		who := it.PersonID + "  " + it.Name
		if it.HouseholdNumber != "" {
			who = tr(lang, "hộ ", "household ") + it.HouseholdNumber
		}
		fmt.Fprintf(w, "  %-24s %s: %s\n", it.Rule, who, it.Message(lang))
	}
}
