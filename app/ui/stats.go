package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/vm"
	"github.com/communekit/communekit/storage/report"
)

// statsPage is the statistics screen: the reference date and the period
// on top, then the tables of storage/report with their charts, the pyramid
// first. It keeps its entries across visits; the tables are computed
// again each time it is opened, off the UI goroutine, the previous ones
// (if any) staying on screen meanwhile under a progress bar.
type statsPage struct {
	a                        *App
	vm                       *vm.Statistics
	at, from, to             *keyEntry
	atProblem, periodProblem *widget.Label
	status                   *widget.Label
	progress                 *widget.ProgressBarInfinite
	body                     *fyne.Container // the tables, or the first computation's progress
	built                    *report.Statistics
	builtLang                string
	shown                    fyne.CanvasObject
}

// showStats opens the statistics screen and computes its tables.
func (a *App) showStats() {
	if a.stats == nil {
		a.stats = newStatsPage(a)
	}
	a.showSection(navStats, a.stats.view)
	a.stats.vm.Compute()
}

func newStatsPage(a *App) *statsPage {
	p := &statsPage{a: a, vm: vm.NewStatistics(a.tr, a.store, a.do)}
	p.vm.Go = a.goRead
	in := p.vm.Inputs()
	entry := func(text string, set func(string)) *keyEntry {
		e := newKeyEntry(a.keys)
		e.SetText(text)
		e.OnChanged = set
		e.OnSubmitted = func(string) { p.vm.Apply() }
		return e
	}
	p.at = entry(in.At, p.vm.SetAt)
	p.from = entry(in.From, p.vm.SetFrom)
	p.to = entry(in.To, p.vm.SetTo)
	p.atProblem, p.periodProblem = problemLabel(), problemLabel()
	p.status = wrapped("")
	p.progress = widget.NewProgressBarInfinite()
	p.progress.Hide()
	p.body = container.NewStack()
	p.vm.OnChange(p.update)
	return p
}

func (p *statsPage) view() fyne.CanvasObject {
	tr := p.a.tr
	for _, e := range []*keyEntry{p.at, p.from, p.to} {
		e.SetPlaceHolder(tr.T("stats.date_hint"))
	}
	apply := newButton(tr.T("stats.apply"), func() { p.vm.Apply() })
	apply.Importance = widget.HighImportance
	// The dates go on a second line when the text is large.
	dates := buttonRow(
		container.NewHBox(widget.NewLabel(tr.T("stats.at")), sized(p.at, 130)),
		container.NewHBox(widget.NewLabel(tr.T("stats.from")), sized(p.from, 130)),
		container.NewHBox(widget.NewLabel(tr.T("stats.to")), sized(p.to, 130)),
		apply,
	)
	head := container.NewVBox(
		bold(tr.T("nav.stats")),
		dates, container.NewStack(p.progress, p.status),
		p.atProblem, p.periodProblem,
	)
	p.built = nil // a new language, or the screen opened again: draw anew
	p.update()
	p.shown = container.NewBorder(head, nil, nil, nil, p.body)
	return p.shown
}

// sized gives an entry a width of its own in a row of labels.
func sized(o fyne.CanvasObject, w float32) fyne.CanvasObject {
	return container.NewGridWrap(fyne.NewSize(w, o.MinSize().Height), o)
}

// update shows the view model's state: the dates' problems, the progress,
// and the tables when new ones arrived. It runs on the UI goroutine.
func (p *statsPage) update() {
	tr := p.a.tr
	in := p.vm.Inputs()
	// The period follows the reference date until one is typed.
	if p.from.Text != in.From {
		p.from.SetText(in.From)
	}
	if p.to.Text != in.To {
		p.to.SetText(in.To)
	}
	setProblem(p.atProblem, in.AtProblem)
	setProblem(p.periodProblem, in.PeriodProblem)
	d := p.vm.Data()
	switch {
	case d.Loading && d.Stats == nil:
		p.status.SetText("")
	case d.Loading:
		p.status.SetText(tr.T("stats.recomputing"))
	case d.Error != "":
		p.status.SetText(d.Error)
	default:
		p.status.SetText("")
	}
	if d.Error != "" {
		p.status.Importance = widget.DangerImportance
	} else {
		p.status.Importance = widget.MediumImportance
	}
	p.status.Refresh()
	if d.Loading {
		p.progress.Show()
		p.status.Hide()
	} else {
		p.progress.Hide()
		p.status.Show()
	}
	switch {
	case d.Stats == nil && d.Loading:
		p.body.Objects = []fyne.CanvasObject{container.NewVBox(widget.NewLabel(tr.T("stats.loading")))}
		p.body.Refresh()
	case d.Stats != nil && (d.Stats != p.built || p.builtLang != tr.Lang()):
		p.built, p.builtLang = d.Stats, tr.Lang()
		p.body.Objects = []fyne.CanvasObject{p.tables(d.Stats)}
		p.body.Refresh()
	}
}

// tables lays out every table of st beside its chart.
func (p *statsPage) tables(st *report.Statistics) fyne.CanvasObject {
	tr := p.a.tr
	items := []fyne.CanvasObject{bold(p.vm.Summary(st))}
	for _, t := range p.vm.Tables(st) {
		items = append(items, statsCard(tr, t))
	}
	// Across too: a wide table in the largest text scrolls, not the window.
	return container.NewScroll(container.NewVBox(items...))
}

// statsCard is one table in a card: its chart on the left (the pyramid,
// or bars of one column), the table on the right, a note under both.
func statsCard(tr vm.Tr, t vm.StatsTable) fyne.CanvasObject {
	share := t.Total != nil && len(t.Columns) == 1
	cols := 1 + len(t.Columns)
	if share {
		cols++
	}
	var cells []fyne.CanvasObject
	head := func(s string, right bool) {
		align := fyne.TextAlignLeading
		if right {
			align = fyne.TextAlignTrailing
		}
		cells = append(cells, newTightLabel(s, align, true))
	}
	head(t.Label, false)
	for _, c := range t.Columns {
		head(c, true)
	}
	if share {
		head(report.Word("percent", tr.Lang()), true)
	}
	row := func(r vm.StatsRow, strong bool) {
		cells = append(cells, newTightLabel(r.Label, fyne.TextAlignLeading, strong))
		for _, n := range r.Counts {
			cells = append(cells, newTightLabel(vm.Count(tr, n), fyne.TextAlignTrailing, strong))
		}
		if share {
			cells = append(cells, newTightLabel(vm.Share(tr, r.Counts[0], t.Total.Counts[0]), fyne.TextAlignTrailing, strong))
		}
	}
	for _, r := range t.Rows {
		row(r, false)
	}
	if t.Total != nil {
		row(*t.Total, true)
	}
	table := container.New(tableLayout{cols: cols}, cells...)

	var chart fyne.CanvasObject
	switch {
	case t.Key == "pyramid":
		rows := make([]pyramidRow, len(t.Rows))
		for i, r := range t.Rows {
			rows[i] = pyramidRow{label: r.Label, male: r.Counts[0], female: r.Counts[1],
				maleText: vm.Count(tr, r.Counts[0]), femaleText: vm.Count(tr, r.Counts[1])}
		}
		chart = newPyramidChart(rows, t.Columns[0], t.Columns[1])
	case t.Bars >= 0:
		bars := make([]chartBar, len(t.Rows))
		for i, r := range t.Rows {
			bars[i] = chartBar{label: r.Label, value: r.Counts[t.Bars], text: vm.Count(tr, r.Counts[t.Bars])}
		}
		chart = newBarChart(bars)
	}
	var note fyne.CanvasObject
	if t.Note != "" {
		note = wrapped(t.Note)
	}
	content := container.NewBorder(nil, note, nil, container.NewPadded(table), container.NewPadded(chart))
	return widget.NewCard(t.Title, "", content)
}
