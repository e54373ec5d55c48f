package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/vm"
)

type overviewPage struct {
	a     *App
	vm    *vm.Overview
	shown fyne.CanvasObject // the page last built, to tell whether it is on screen
}

func newOverviewPage(a *App) *overviewPage {
	var conflicts vm.ConflictQueue = vm.StoreConflicts{Store: a.store}
	if a.cfg.Conflicts != nil {
		conflicts = a.cfg.Conflicts
	}
	return &overviewPage{a: a, vm: vm.NewOverview(a.tr, a.store, a.sync, conflicts)}
}

// refresh reads the counts off the UI goroutine and redraws the page if it
// is shown (and only then: a sync that ends while the officer is on
// another page must not rebuild that page); then runs done on the UI
// goroutine.
func (p *overviewPage) refresh(done func()) {
	p.a.goRead(func() {
		p.vm.Refresh()
		go p.a.do(func() {
			if p.a.store == nil {
				return // closed meanwhile
			}
			if len(p.a.pages) == 1 && p.onScreen() {
				p.a.show()
			}
			if done != nil {
				done()
			}
		})
	})
}

func (p *overviewPage) onScreen() bool {
	c := p.a.content
	return p.shown != nil && c != nil && len(c.Objects) == 1 && c.Objects[0] == p.shown
}

func (p *overviewPage) view() fyne.CanvasObject {
	tr := p.a.tr
	d := p.vm.Data()
	figure := func(label, value string) fyne.CanvasObject {
		if !d.Loaded {
			value = "…"
		}
		return widget.NewCard(value, label, nil)
	}
	conn := wrapped(d.Connection)
	if !d.Online {
		conn.Importance = widget.WarningImportance
	}
	syncNow := newButton(tr.T("overview.sync_now"), func() { p.a.showSync(true) })
	syncNow.Importance = widget.HighImportance
	if p.a.sync.Data().State.Busy() {
		syncNow.SetText(tr.T("nav.sync"))
	}
	if !d.Loaded {
		d.Commune, d.Officer = p.vm.Who()
	}
	// The conflicts' card opens the queue.
	conflictsCard := widget.NewCard(vm.Count(tr, d.Conflicts), tr.T("overview.conflicts"),
		container.NewHBox(newButton(tr.T("overview.open_conflicts"), p.a.showConflicts)))
	if !d.Loaded {
		conflictsCard.SetTitle("…")
	}
	items := []fyne.CanvasObject{
		heading(tr.T("overview.title", d.Commune)),
		widget.NewLabel(tr.T("overview.officer", d.Officer)),
		// Two columns with the larger text: three would push a figure's
		// words past the window's edge at 1366 pixels.
		container.NewGridWithColumns(overviewColumns(p.a.settings),
			figure(tr.T("overview.persons"), vm.Count(tr, d.Persons)),
			figure(tr.T("overview.households"), vm.Count(tr, d.Households)),
			figure(tr.T("overview.pending"), vm.Count(tr, int(d.Pending))),
			figure(tr.T("overview.last_sync"), d.LastSync),
			conflictsCard,
			figure(tr.T("overview.connection"), d.ConnectionShort),
		),
		container.NewBorder(nil, nil, nil, container.NewCenter(syncNow), conn),
	}
	enrolled := p.a.tr.T("overview.enrolled")
	if p.a.enrolment().Needed() {
		enrolled = p.a.tr.T("overview.not_enrolled")
	}
	items = append(items, container.NewHBox(
		widget.NewLabel(tr.T("overview.enrolment")+": "+enrolled),
		newButton(tr.T("nav.enrolment"), p.a.showEnrolment)))
	items = append(items, backupRow(p.a))
	if d.Error != "" {
		e := wrapped(d.Error)
		e.Importance = widget.DangerImportance
		items = append(items, e)
	}
	items = append(items, widget.NewSeparator(), wrapped(tr.T("search.hint")), wrapped(tr.T("overview.keys")))
	// Scrolled: with the larger text it is taller than a 768-pixel screen.
	p.shown = container.NewVScroll(container.NewPadded(container.NewVBox(items...)))
	return p.shown
}

// overviewColumns is how many figures the overview puts side by side.
func overviewColumns(s vm.Settings) int {
	if s.TextScale() > 1.2 {
		return 2
	}
	return 3
}
