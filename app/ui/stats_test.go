package ui

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/i18n"
	"github.com/communekit/communekit/app/vm"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/gen"
	"github.com/communekit/communekit/storage/report"
)

// variantTheme is the default theme held to one variant, whatever the
// system prefers.
type variantTheme struct {
	fyne.Theme
	variant fyne.ThemeVariant
}

func (t variantTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.Theme.Color(n, t.variant)
}

// reportApp opens the main screens on a generated commune of n persons at
// 1366×768.
func reportApp(t *testing.T, n int) (*App, *storage.Store) {
	t.Helper()
	a := test.NewTempApp(t)
	variant := theme.VariantDark
	if os.Getenv("COMMUNEKIT_THEME") == "light" {
		variant = theme.VariantLight
	}
	a.Settings().SetTheme(variantTheme{theme.DefaultTheme(), variant})
	_, s := newUIProfile(t)
	c, err := gen.Generate(gen.Options{Commune: "12472", Persons: n, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := gen.WriteCSV(&buf, c, 7); err != nil {
		t.Fatal(err)
	}
	if rep, err := s.ImportPersons(&buf, storage.ImportOptions{}); err != nil || len(rep.Rejected) > 0 {
		t.Fatalf("import: %v %+v", err, rep)
	}
	w := a.NewWindow("test")
	w.Resize(fyne.NewSize(1366, 768))
	ui := New(w, i18n.MustLoad(), Config{Dir: t.TempDir(), Options: uiOpts, Do: uiQueue.post})
	w.Show()
	ui.unlocked(s, time.Now())
	t.Cleanup(ui.Close)
	waitFor(t, func() bool { return ui.overview.vm.Data().Loaded })
	return ui, s
}

// openStats opens the statistics screen from the navigation and waits for
// its tables.
func openStats(t *testing.T, ui *App) {
	t.Helper()
	tap(t, ui.win.Content(), ui.tr.T("nav.stats"))
	waitFor(t, func() bool {
		return ui.stats != nil && ui.stats.built != nil && !ui.stats.vm.Data().Loading
	})
}

// cellTexts returns the texts of the table laid out by tableLayout inside
// the card titled title, row by row.
func cellTexts(t *testing.T, o fyne.CanvasObject, title string) []string {
	t.Helper()
	var card *widget.Card
	walk(o, func(o fyne.CanvasObject) {
		if c, ok := o.(*widget.Card); ok && c.Title == title && card == nil {
			card = c
		}
	})
	if card == nil {
		t.Fatalf("no table %q on screen", title)
	}
	var out []string
	walk(card.Content, func(o fyne.CanvasObject) {
		if c, ok := o.(*fyne.Container); ok {
			if _, ok := c.Layout.(tableLayout); ok {
				for _, x := range c.Objects {
					out = append(out, x.(*tightLabel).Text)
				}
			}
		}
	})
	return out
}

// TestStatsScreen_ShowsTheNumbersOfTheReport: every table of report.Stats,
// computed here for the same commune and date, is on screen with its rows
// and total, and each table's rows add up to its total.
func TestStatsScreen_ShowsTheNumbersOfTheReport(t *testing.T) {
	ui, s := reportApp(t, 1500)
	openStats(t, ui)
	at := report.DateOf(s.WallClock())
	st, err := report.Stats(s, report.StatsOptions{At: at, Commune: "12472"})
	if err != nil {
		t.Fatal(err)
	}
	if st.Population.Total == 0 || st.Households.Total == 0 {
		t.Fatalf("nothing counted: %+v", st.Population)
	}
	tr := ui.tr
	if !hasText(ui.content, vm.Count(tr, st.Population.Total)+" người") {
		t.Errorf("the summary does not give the population %d", st.Population.Total)
	}
	tables := ui.stats.vm.Tables(st)
	if len(tables) != 2+12+1 { // pyramid, usual groups, 12 tables of the report, events
		t.Errorf("%d tables", len(tables))
	}
	for _, tb := range tables {
		got := cellTexts(t, ui.content, tb.Title)
		share := tb.Total != nil && len(tb.Columns) == 1
		var want []string
		want = append(want, tb.Label)
		want = append(want, tb.Columns...)
		if share {
			want = append(want, "Tỷ lệ")
		}
		rows := tb.Rows
		if tb.Total != nil {
			rows = append(rows, *tb.Total)
		}
		sums := make([]int, len(tb.Columns))
		for k, r := range rows {
			want = append(want, r.Label)
			for i, n := range r.Counts {
				want = append(want, vm.Count(tr, n))
				if k < len(tb.Rows) {
					sums[i] += n
				}
			}
			if share {
				want = append(want, vm.Share(tr, r.Counts[0], tb.Total.Counts[0]))
			}
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("table %q:\n got %q\nwant %q", tb.Title, got, want)
		}
		if tb.Total != nil {
			for i := range sums {
				if sums[i] != tb.Total.Counts[i] {
					t.Errorf("table %q column %d: rows sum to %d, total %d", tb.Title, i, sums[i], tb.Total.Counts[i])
				}
			}
		}
	}
	// The tables against the report's own numbers, a few by name.
	check := func(title string, table report.Table) {
		t.Helper()
		cells := cellTexts(t, ui.content, title)
		for _, r := range table.Rows {
			found := false
			for i := 0; i+1 < len(cells); i++ {
				if cells[i] == report.Label(table.Dim, r.Key, "vi") && cells[i+1] == vm.Count(tr, r.Count) {
					found = true
				}
			}
			if !found {
				t.Errorf("%q: no row %q %d", title, r.Key, r.Count)
			}
		}
	}
	check("Dân số theo dân tộc", st.Population.ByEthnicity)
	check("Dân số theo thôn, tổ dân phố", st.Population.ByHamlet)
	check("Hộ theo số nhân khẩu", st.Households.BySize)
	check("Hồ sơ (kể cả người đã chết)", st.Records.ByStatus)
	screenshot(t, ui.win, "stats-"+themeName())
	if os.Getenv("COMMUNEKIT_SCREENSHOTS") != "" { // further down
		scroll := find[*container.Scroll](ui.stats.body)
		for i, y := range []float32{650, 1300, 2000, 2700} {
			scroll.ScrollToOffset(fyne.NewPos(0, y))
			screenshot(t, ui.win, fmt.Sprintf("stats-%s-%d", themeName(), i+1))
		}
	}
}

func themeName() string {
	if os.Getenv("COMMUNEKIT_THEME") == "light" {
		return "light"
	}
	return "dark"
}

// TestStatsScreen_PyramidBarsEqualTheTable: the pyramid has a bar per sex
// and age group whose length is in proportion to its count, the counts
// being the report's, and the longest bar takes the width there is; the
// same for the bars of the usual age groups.
func TestStatsScreen_PyramidBarsEqualTheTable(t *testing.T) {
	ui, s := reportApp(t, 1500)
	openStats(t, ui)
	st, err := report.Stats(s, report.StatsOptions{At: report.DateOf(s.WallClock()), Commune: "12472"})
	if err != nil {
		t.Fatal(err)
	}
	py := find[*pyramidChart](ui.content)
	if py == nil {
		t.Fatal("no pyramid")
	}
	r := test.WidgetRenderer(py).(*pyramidRenderer)
	if len(py.rows) != 21 {
		t.Fatalf("%d age groups", len(py.rows))
	}
	most := 0
	for _, b := range st.Population.BySexAge {
		most = max(most, b.Count)
	}
	if r.barMaxW < 100 {
		t.Fatalf("bars may take %.0f px only", r.barMaxW)
	}
	sum := 0
	for _, b := range st.Population.BySexAge {
		i := 20 - b.AgeFrom/5 // the oldest first
		rect, count := r.maleR[i], py.rows[i].male
		if b.Sex == report.SexFemale {
			rect, count = r.femaleR[i], py.rows[i].female
		}
		if count != b.Count {
			t.Errorf("%s %d: bar of %d, report %d", b.Sex, b.AgeFrom, count, b.Count)
		}
		want := r.barMaxW * float32(b.Count) / float32(most)
		if math.Abs(float64(rect.Size().Width-want)) > 0.01 {
			t.Errorf("%s %d: bar %.2f px long, want %.2f (%d of %d)", b.Sex, b.AgeFrom, rect.Size().Width, want, b.Count, most)
		}
		sum += b.Count
	}
	if sum+st.Population.SexAgeNotRecorded != st.Population.Total {
		t.Errorf("bars %d + not recorded %d != population %d", sum, st.Population.SexAgeNotRecorded, st.Population.Total)
	}
	// The table beside the pyramid holds the same counts, in the same
	// order.
	cells := cellTexts(t, ui.content, "Tháp dân số")
	for i, row := range py.rows {
		if got := cells[3+3*i : 6+3*i]; got[0] != row.label || got[1] != vm.Count(ui.tr, row.male) || got[2] != vm.Count(ui.tr, row.female) {
			t.Errorf("table row %d %q, bars %+v", i, got, row)
		}
	}

	// The usual groups' bars.
	var bars *barChart
	walk(ui.content, func(o fyne.CanvasObject) {
		if c, ok := o.(*widget.Card); ok && c.Title == "Nhóm tuổi thường dùng" {
			bars = find[*barChart](c.Content)
		}
	})
	br := test.WidgetRenderer(bars).(*barRenderer)
	most = 0
	for _, g := range st.Population.UsualGroups {
		most = max(most, g.Count)
	}
	for i, g := range st.Population.UsualGroups {
		want := br.barMaxWidth * float32(g.Count) / float32(most)
		if bars.bars[i].value != g.Count || math.Abs(float64(br.rects[i].Size().Width-want)) > 0.01 {
			t.Errorf("usual group %s: bar %d, %.2f px; want %d, %.2f px", g.Key, bars.bars[i].value, br.rects[i].Size().Width, g.Count, want)
		}
	}
}

// TestStatsScreen_DatesTypedAndChecked: a date that is no date and a period
// the wrong way round are refused with a message that says what to write;
// a valid reference date typed computes the tables again at it.
func TestStatsScreen_DatesTypedAndChecked(t *testing.T) {
	ui, _ := reportApp(t, 300)
	openStats(t, ui)
	p := ui.stats
	before := p.built.Population.Total

	p.at.SetText("")
	test.Type(p.at, "31/02/2026")
	p.at.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	uiQueue.drain()
	if !hasText(ui.content, `"31/02/2026" không phải là một ngày: hãy viết theo dạng ngày/tháng/năm, ví dụ 31/12/2026.`) {
		t.Fatal("no message for 31/02/2026")
	}

	p.at.SetText("")
	test.Type(p.at, "01/01/1960") // valid once typed: computed without Enter
	waitFor(t, func() bool { return p.built.ReferenceDate.Year == 1960 && !p.vm.Data().Loading })
	if p.atProblem.Visible() {
		t.Error("the message stayed after a valid date")
	}
	if p.built.Population.Total >= before {
		t.Errorf("population at 1960 %d, today %d", p.built.Population.Total, before)
	}
	if p.from.Text != "01/12/1959" || p.to.Text != "31/12/1959" {
		t.Errorf("the period did not follow the reference date: %q–%q", p.from.Text, p.to.Text)
	}
	if !hasText(ui.content, "ngày 01/01/1960") || !hasText(ui.content, "Biến động trong kỳ 01/12/1959 – 31/12/1959") {
		t.Error("the screen does not say the date and period of its numbers")
	}

	p.from.SetText("")
	test.Type(p.from, "15/01/1960")
	p.from.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	uiQueue.drain()
	if !hasText(ui.content, "Ngày cuối kỳ (31/12/1959) ở trước ngày đầu kỳ (15/01/1960)") {
		t.Fatal("no message for a period the wrong way round")
	}
	p.to.SetText("")
	test.Type(p.to, "31/01/1960")
	waitFor(t, func() bool { return p.built.Events.To.Month == 1 && !p.vm.Data().Loading })
	if !hasText(ui.content, "Biến động trong kỳ 15/01/1960 – 31/01/1960") {
		t.Error("the period typed is not the one shown")
	}

	// English: every word of the screen follows.
	ui.tr.SetLang(i18n.English)
	uiQueue.drain()
	if !hasText(ui.content, "Population pyramid") || !hasText(ui.content, "Events from 15/01/1960 to 31/01/1960") || hasText(ui.content, "Tháp dân số") {
		t.Error("the screen is not in English")
	}
	screenshot(t, ui.win, "stats-en-"+themeName())
}

// TestQualityScreen_CorrectionRemovesTheItem: an item of the worklist,
// opened with the keyboard (arrows, Enter), shows the person's form with
// the field to correct focused; a value typed and saved with Enter comes
// back to the list, computed again, without that item.
func TestQualityScreen_CorrectionRemovesTheItem(t *testing.T) {
	ui, s := reportApp(t, 600)
	tap(t, ui.win.Content(), ui.tr.T("nav.quality"))
	waitFor(t, func() bool {
		return ui.quality != nil && ui.quality.vm.State().Loaded && !ui.quality.vm.State().Loading
	})
	p := ui.quality
	w, err := report.Quality(s, report.QualityOptions{Commune: "12472"})
	if err != nil {
		t.Fatal(err)
	}
	if p.vm.Len() != len(w.Items) || len(w.Items) == 0 {
		t.Fatalf("the list holds %d items, the report %d", p.vm.Len(), len(w.Items))
	}
	// Hamlets on screen with their numbers.
	for _, h := range w.Completeness.Hamlets {
		if h.Hamlet != "" && !strings.Contains(strings.Join(p.hamlet.Options, "|"), h.Hamlet+" ("+vm.Count(ui.tr, h.Items)+")") {
			t.Errorf("hamlet %q with %d items not offered", h.Hamlet, h.Items)
		}
	}
	// A missing hometown, in the filter of its hamlet and rule.
	var target report.Item
	for _, it := range w.Items {
		if it.Rule == report.RuleMissingField && it.Field == storage.FieldHometown.String() && it.Hamlet != "" {
			target = it
			break
		}
	}
	if target.PersonID == "" {
		t.Fatal("no missing hometown in the generated commune")
	}
	for i, k := range p.hamletKeys {
		if k == target.Hamlet {
			p.hamlet.SetSelectedIndex(i)
		}
	}
	for i, k := range p.ruleKeys {
		if k == report.RuleMissingField {
			p.rule.SetSelectedIndex(i)
		}
	}
	uiQueue.drain()
	n := p.vm.Len()
	id, _ := storage.ParseID(target.PersonID)
	pos := p.vm.Find(id, "")
	if pos < 0 {
		t.Fatal("the item is not in its hamlet's list")
	}
	for i := 0; i < p.vm.Len(); i++ {
		it, _ := p.vm.Item(i)
		if !strings.Contains(it.Line, target.Hamlet) || it.Rule != report.RuleMissingField {
			t.Fatalf("item %d %+v is not of the filters", i, it)
		}
	}
	// The keyboard: focus the list, arrows down to the item, Enter.
	ui.win.Canvas().Focus(p.list)
	for i := 0; i < pos; i++ {
		p.list.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
	}
	p.list.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	uiQueue.drain()
	if !hasText(ui.content, "Lưu") {
		t.Fatal("Enter did not open the form")
	}
	e, ok := ui.win.Canvas().Focused().(*keyEntry)
	if !ok {
		t.Fatalf("the field to correct is not focused: %T", ui.win.Canvas().Focused())
	}
	test.Type(e, "Xã Quỳnh Phụ, Hưng Yên")
	reason := entryAfter(t, ui.content, ui.tr.T("form.reason_placeholder"))
	test.Type(reason, "Theo giấy khai sinh")
	reason.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	uiQueue.drain()
	if per, _ := s.Person(id); per.Get(storage.FieldHometown) == "" {
		var msgs []string
		walk(ui.content, func(o fyne.CanvasObject) {
			if l, ok := o.(*widget.Label); ok && l.Importance == widget.DangerImportance && l.Visible() {
				msgs = append(msgs, l.Text)
			}
		})
		t.Fatalf("not saved: %q", msgs)
	}
	waitFor(t, func() bool { return ui.content.Objects[0] != nil && !p.vm.State().Loading && p.vm.Len() == n-1 })
	for i := 0; i < p.vm.Len(); i++ {
		if it, _ := p.vm.Item(i); it.Person == id && it.Field == storage.FieldHometown {
			t.Fatal("the item corrected is still listed")
		}
	}
	if ui.win.Canvas().Focused() != p.list {
		t.Error("the list did not get the focus back")
	}
	screenshot(t, ui.win, "quality-"+themeName())
}
