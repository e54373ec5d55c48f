package vm

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/report"
)

// Statistics is the statistics screen: the tables of storage/report for
// the profile's commune at a reference date, with the events of a period.
// The officer types the dates (dd/mm/yyyy); a valid change computes the
// tables again, off the UI goroutine, and only the latest computation's
// result is shown.
type Statistics struct {
	notifier
	tr    Tr
	store *storage.Store
	do    Do
	// Go runs a read off the UI goroutine (the app counts its readers,
	// so that it closes the store after them); plain go when nil.
	Go func(func())

	mu sync.Mutex
	// The dates as typed.
	atText, fromText, toText string
	// periodTyped is set once the officer types a period: until then the
	// period follows the reference date (the month before it).
	periodTyped             bool
	atProblem, periodProblm string
	gen                     uint64 // increases with every computation started
	loading                 bool
	stats                   *report.Statistics
	err                     error
	took                    time.Duration
	// The options and the store's Changes the tables shown were computed
	// at: asked again while the store has not changed, they are shown as
	// they are (opening the screen again, or after Prefetch).
	statsFor     report.StatsOptions
	statsChanges uint64
}

// NewStatistics returns the statistics of store's commune at today's date
// by the store's clock, the period the month before. Nothing is computed
// until Compute.
func NewStatistics(tr Tr, store *storage.Store, do Do) *Statistics {
	s := &Statistics{tr: tr, store: store, do: do}
	at := report.DateOf(store.WallClock())
	from, to := report.PreviousMonth(at)
	s.atText, s.fromText, s.toText = at.Vietnamese(), from.Vietnamese(), to.Vietnamese()
	return s
}

// StatsInputs are the dates as the officer typed them, with what is wrong
// with them.
type StatsInputs struct {
	At, From, To   string
	AtProblem      string
	PeriodProblem  string
	PeriodFollowAt bool // the period is still the month before the reference date
}

// Inputs returns the dates on screen.
func (s *Statistics) Inputs() StatsInputs {
	s.mu.Lock()
	defer s.mu.Unlock()
	return StatsInputs{At: s.atText, From: s.fromText, To: s.toText, AtProblem: s.atProblem,
		PeriodProblem: s.periodProblm, PeriodFollowAt: !s.periodTyped}
}

// SetAt is called as the reference date is typed. When the text is a
// whole valid date, the tables are computed again (and the period, unless
// one was typed, becomes the month before it); a date half typed waits for
// Apply to be judged.
func (s *Statistics) SetAt(text string) {
	s.mu.Lock()
	if text == s.atText {
		s.mu.Unlock()
		return
	}
	s.atText = text
	if at, ok := parseDay(text); ok && !s.periodTyped {
		from, to := report.PreviousMonth(at)
		s.fromText, s.toText = from.Vietnamese(), to.Vietnamese()
	}
	s.mu.Unlock()
	s.computeIfValid()
}

// SetFrom is called as the period's first day is typed (see SetAt).
func (s *Statistics) SetFrom(text string) { s.setPeriod(&s.fromText, text) }

// SetTo is called as the period's last day is typed (see SetAt).
func (s *Statistics) SetTo(text string) { s.setPeriod(&s.toText, text) }

func (s *Statistics) setPeriod(field *string, text string) {
	s.mu.Lock()
	if text == *field {
		s.mu.Unlock()
		return
	}
	*field = text
	s.periodTyped = true
	s.mu.Unlock()
	s.computeIfValid()
}

// computeIfValid computes when every date typed is valid; otherwise it
// waits (a date being typed is not yet wrong).
func (s *Statistics) computeIfValid() {
	s.mu.Lock()
	o, atP, perP := s.options()
	if atP == "" && perP == "" {
		s.atProblem, s.periodProblm = "", ""
	}
	s.mu.Unlock()
	if atP == "" && perP == "" {
		s.compute(o)
		return
	}
	s.changed()
}

// Apply judges the dates typed (Enter, or the button): it shows what is
// wrong with them, or computes the tables. It reports whether it computes.
func (s *Statistics) Apply() bool {
	s.mu.Lock()
	o, atP, perP := s.options()
	s.atProblem, s.periodProblm = atP, perP
	s.mu.Unlock()
	if atP != "" || perP != "" {
		s.changed()
		return false
	}
	s.compute(o)
	return true
}

// Compute computes the tables for the dates on screen, if they are valid
// (the screen opening).
func (s *Statistics) Compute() { s.Apply() }

// options reads the dates typed into report options, or the problems;
// s.mu is held.
func (s *Statistics) options() (o report.StatsOptions, atProblem, periodProblem string) {
	o.Commune = s.store.Profile().Commune
	if strings.TrimSpace(s.atText) == "" {
		o.At = report.DateOf(s.store.WallClock())
	} else if at, ok := parseDay(s.atText); ok {
		o.At = at
	} else {
		atProblem = s.tr.T("stats.bad_date", s.atText)
	}
	from, fromOK := parseDay(s.fromText)
	to, toOK := parseDay(s.toText)
	fromEmpty, toEmpty := strings.TrimSpace(s.fromText) == "", strings.TrimSpace(s.toText) == ""
	switch {
	case fromEmpty && toEmpty:
		// The month before the reference date (report's default).
	case fromEmpty || toEmpty:
		periodProblem = s.tr.T("stats.period_both")
	case !fromOK:
		periodProblem = s.tr.T("stats.bad_date", s.fromText)
	case !toOK:
		periodProblem = s.tr.T("stats.bad_date", s.toText)
	case to.String() < from.String():
		periodProblem = s.tr.T("stats.period_order", to.Vietnamese(), from.Vietnamese())
	default:
		o.From, o.To = from, to
	}
	return o, atProblem, periodProblem
}

// parseDay reads a date written d/m/yyyy (dd/mm/yyyy, as officers write
// dates; '-' or '.' may separate), of a year between 1900 and 2100.
func parseDay(text string) (report.Date, bool) {
	parts := strings.FieldsFunc(strings.TrimSpace(text), func(r rune) bool { return r == '/' || r == '-' || r == '.' })
	if len(parts) != 3 || len(parts[2]) != 4 || len(parts[0]) > 2 || len(parts[1]) > 2 {
		return report.Date{}, false
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 {
			return report.Date{}, false
		}
		n[i] = v
	}
	d, m, y := n[0], n[1], n[2]
	if y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1 {
		return report.Date{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d { // 31/04, 29/02 of a common year
		return report.Date{}, false
	}
	return report.Date{Year: y, Month: time.Month(m), Day: d}, true
}

// compute starts computing o on its own goroutine; the result arrives
// through Do, unless another computation started meanwhile.
func (s *Statistics) compute(o report.StatsOptions) {
	s.mu.Lock()
	if s.stats != nil && s.err == nil && !s.loading && s.statsFor == o && s.statsChanges == s.store.Changes() {
		// Nothing saved since these tables were computed for these dates.
		s.mu.Unlock()
		s.changed()
		return
	}
	s.gen++
	gen := s.gen
	s.loading = true
	s.mu.Unlock()
	s.changed()
	run := func() {
		t0 := time.Now()
		changes := s.store.Changes() // before reading: a save meanwhile makes the next asking compute again
		st, err := report.Stats(s.store, o)
		took := time.Since(t0)
		// Not waiting for the UI goroutine here: the app waits for its
		// readers before it closes the store.
		go s.do(func() {
			s.mu.Lock()
			if gen != s.gen {
				s.mu.Unlock()
				return
			}
			s.loading = false
			s.took = took
			s.err = err
			if err == nil {
				s.stats, s.statsFor, s.statsChanges = st, o, changes
			}
			s.mu.Unlock()
			s.changed()
		})
	}
	if s.Go != nil {
		s.Go(run)
	} else {
		go run()
	}
}

// StatsData is what the screen shows.
type StatsData struct {
	// Loading is true while tables are computed; Stats are the last
	// computed (nil before the first); Tables gives their words.
	Loading bool
	Stats   *report.Statistics
	Error   string
	Took    time.Duration
}

// Data returns the tables last computed and the state of the next.
func (s *Statistics) Data() StatsData {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := StatsData{Loading: s.loading, Stats: s.stats, Took: s.took}
	if s.err != nil {
		d.Error = s.tr.T("stats.error", errText(s.tr, s.err))
	}
	return d
}

// StatsTable is one table of the screen (the pyramid's rows: the oldest
// group first), ready to draw: a title, the
// heads of its count columns, its rows and its total. Bars, when set, is
// the column the chart beside it draws (-1: no chart).
type StatsTable struct {
	Key     string // the report's key of the table ("pyramid", "ethnicity" …)
	Title   string
	Label   string   // the head of the labels' column
	Columns []string // the heads of the count columns
	Rows    []StatsRow
	Total   *StatsRow // nil when the rows overlap (the usual age groups)
	Note    string    // a line under the table
	Bars    int
}

// StatsRow is a row: its label and a count per column.
type StatsRow struct {
	Key    string
	Label  string
	Counts []int
}

// Tables returns the tables of st in the order the screen shows them:
// the pyramid, the usual age groups, every population, records and
// households table of the report, and the events of the period in one
// table (a row per event, by sex).
func (s *Statistics) Tables(st *report.Statistics) []StatsTable {
	tr, lang := s.tr, s.tr.Lang()
	word := func(k string) string { return report.Word(k, lang) }
	var out []StatsTable

	// The pyramid: a row per five-year group, male and female.
	py := StatsTable{Key: "pyramid", Title: word("pyramid"), Label: word(report.DimAge),
		Columns: []string{word(report.SexMale), word(report.SexFemale)}, Bars: -1}
	index := map[string]int{}
	tm, tf := 0, 0
	for _, b := range st.Population.BySexAge {
		key := strconv.Itoa(b.AgeFrom) + "+"
		if b.AgeTo != nil {
			key = strconv.Itoa(b.AgeFrom) + "-" + strconv.Itoa(*b.AgeTo)
		}
		i, ok := index[key]
		if !ok {
			i = len(py.Rows)
			index[key] = i
			py.Rows = append(py.Rows, StatsRow{Key: key, Label: report.Label(report.DimAge, key, lang), Counts: []int{0, 0}})
		}
		if b.Sex == report.SexMale {
			py.Rows[i].Counts[0] = b.Count
			tm += b.Count
		} else {
			py.Rows[i].Counts[1] = b.Count
			tf += b.Count
		}
	}
	// The oldest on top, as the pyramid is drawn.
	for i, j := 0, len(py.Rows)-1; i < j; i, j = i+1, j-1 {
		py.Rows[i], py.Rows[j] = py.Rows[j], py.Rows[i]
	}
	py.Total = &StatsRow{Key: "total", Label: word("total"), Counts: []int{tm, tf}}
	py.Note = tr.T("stats.pyramid_note", Count(tr, st.Population.SexAgeNotRecorded), Count(tr, st.Population.Total))
	out = append(out, py)

	// The usual groups overlap: no total, the population under them.
	ug := StatsTable{Key: report.DimUsualGroup, Title: word(report.DimUsualGroup), Label: word(report.DimAge),
		Columns: []string{word("count")}, Bars: 0,
		Note: tr.T("stats.usual_note", Count(tr, st.Population.Total))}
	for _, g := range st.Population.UsualGroups {
		ug.Rows = append(ug.Rows, StatsRow{Key: g.Key, Label: word(g.Key), Counts: []int{g.Count}})
	}
	out = append(out, ug)

	for _, nt := range st.Tables() {
		if nt.T == &st.Events.Births {
			break // the events follow, in a table of their own
		}
		t := StatsTable{Key: nt.Title, Title: word(nt.Title), Label: word(nt.Title), Columns: []string{word("count")}, Bars: 0}
		switch nt.T {
		case &st.Population.ByHamlet:
			t.Key, t.Title = "population_hamlet", tr.T("stats.population_by", lowerFirst(word(report.DimHamlet)))
		case &st.Households.BySize, &st.Households.ByHamlet, &st.Households.ByHeadSex:
			t.Columns = []string{word("head_count")}
			if nt.T == &st.Households.ByHamlet {
				t.Key = "households_hamlet"
			}
			t.Title = tr.T("stats.households_by", lowerFirst(word(nt.Title)))
		case &st.Records.ByStatus:
			t.Title = word("records")
		default:
			t.Title = tr.T("stats.population_by", lowerFirst(word(nt.Title)))
		}
		for _, r := range nt.T.Rows {
			t.Rows = append(t.Rows, StatsRow{Key: r.Key, Label: report.Label(nt.T.Dim, r.Key, lang), Counts: []int{r.Count}})
		}
		t.Total = &StatsRow{Key: "total", Label: word("total"), Counts: []int{nt.T.Total}}
		out = append(out, t)
	}

	// The events of the period, by sex.
	e := &st.Events
	ev := StatsTable{Key: "events", Title: tr.T("stats.events", e.From.Vietnamese(), e.To.Vietnamese()),
		Label: tr.T("stats.event"), Bars: 3,
		Columns: []string{word(report.SexMale), word(report.SexFemale), word(report.NotRecorded), word("total")}}
	for _, nt := range st.Tables() {
		if nt.T != &e.Births && len(ev.Rows) == 0 {
			continue
		}
		c := map[string]int{}
		for _, r := range nt.T.Rows {
			c[r.Key] = r.Count
		}
		ev.Rows = append(ev.Rows, StatsRow{Key: nt.Title, Label: word(nt.Title),
			Counts: []int{c[report.SexMale], c[report.SexFemale], c[report.NotRecorded], nt.T.Total}})
	}
	out = append(out, ev)
	return out
}

// Summary is the line over the tables: the commune, the reference date,
// the population and households.
func (s *Statistics) Summary(st *report.Statistics) string {
	c := UnitLabel(st.Commune)
	return s.tr.T("stats.summary", c, st.ReferenceDate.Vietnamese(), Count(s.tr, st.Population.Total), Count(s.tr, st.Households.Total))
}

// Share is n as a percentage of total, one decimal, in the officer's
// language ("12,5 %" in Vietnamese).
func Share(tr Tr, n, total int) string {
	if total == 0 {
		return "—"
	}
	p := fmt.Sprintf("%.1f", float64(n)*100/float64(total))
	if tr.Lang() != "en" {
		p = strings.Replace(p, ".", ",", 1)
	}
	return p + " %"
}

// lowerFirst puts the first letter of a title in lower case, for a title
// inside another ("Dân số theo dân tộc").
func lowerFirst(s string) string {
	for i, r := range s {
		return string(unicode.ToLower(r)) + s[i+utf8.RuneLen(r):]
	}
	return s
}
