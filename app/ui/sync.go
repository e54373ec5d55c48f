package ui

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/vm"
)

// showSync opens the sync screen; with start, the sync starts at once (the
// overview's "Sync now"), or the screen says what it needs first.
func (a *App) showSync(start bool) {
	a.showSection(navSync, func() fyne.CanvasObject { return syncPage(a) })
	if start {
		a.sync.Start()
	}
}

// syncKey is Ctrl+Y: a sync starts. The sync screen opens unless a page
// is open over another (a form being filled in, whose input would be
// lost); then the navigation's button says that a sync is under way.
func (a *App) syncKey() {
	if len(a.pages) > 1 {
		a.sync.Start()
		a.navSyncShow()
		return
	}
	a.showSync(true)
}

// navSyncShow labels the navigation's sync button with the shortcut, or
// with a sync under way.
func (a *App) navSyncShow() {
	if a.navSync == nil || a.sync == nil {
		return
	}
	label := a.tr.T("nav.sync_key")
	if a.sync.Data().State.Busy() {
		label = a.tr.T("nav.sync_busy")
	}
	if a.navSync.Text != label {
		a.navSync.SetText(label)
	}
}

// syncChanged runs on the UI goroutine after every change of the sync view
// model: the sync screen redraws, and when a sync ends the overview reads
// the pending count and the last sync again.
func (a *App) syncChanged() {
	st := a.sync.Data().State
	if a.syncShow != nil {
		a.syncShow()
	}
	a.navSyncShow()
	if a.syncState.Busy() && !st.Busy() {
		a.overview.refresh(nil)
	}
	if st == vm.SyncRetrying && !a.syncTicking {
		a.tickRetry()
	}
	a.syncState = st
}

// tickRetry redraws the sync screen every second while a sync waits to
// try again, so the wait it shows counts down.
func (a *App) tickRetry() {
	a.syncTicking = true
	go func() {
		for {
			time.Sleep(time.Second)
			again := make(chan bool, 1)
			a.do(func() {
				retrying := a.sync != nil && a.sync.Data().State == vm.SyncRetrying
				if retrying && a.syncShow != nil {
					a.syncShow()
				}
				a.syncTicking = retrying
				again <- retrying
			})
			if !<-again {
				return
			}
		}
	}()
}

// syncPage is the sync screen: the node's address, the pending count, the
// progress of a sync in words, Sync (Try again) and Stop, and the result.
func syncPage(a *App) fyne.CanvasObject {
	tr := a.tr
	y := a.sync
	node := newKeyEntry(a.keys)
	node.SetPlaceHolder(tr.T("sync.node_placeholder"))
	// What the officer typed and has not used yet stays when the screen
	// is left: the next sync, from anywhere, uses it.
	if d := y.Draft(); d != "" {
		node.SetText(d)
	} else {
		node.SetText(y.Node())
	}
	node.OnChanged = y.SetDraft
	pending := widget.NewCard("…", tr.T("sync.pending"), nil)
	last := widget.NewCard("…", tr.T("sync.last"), nil)
	bar := widget.NewProgressBar()
	line := wrapped("")
	message := wrapped("")
	sign := widget.NewIcon(nil)
	arrived := newIconButton("", theme.WarningIcon(), nil)
	arrived.Importance = widget.WarningImportance
	var start, cancel *keyButton
	enrol := newButton(tr.T("export.go_enrol"), a.showEnrolment)
	// The changes the district refused, each with its reason and a button
	// for when the officer has corrected it.
	refused := container.NewVBox()
	shownRefused := ""
	var body *fyne.Container

	show := func() {
		d := y.Data()
		pending.SetTitle(vm.Count(tr, int(d.Pending)))
		last.SetTitle(d.LastSync)
		bar.SetValue(d.Fraction)
		// The bar shows a sync under way, or one that went through; a
		// sync that stopped says so in words instead of a bar left
		// part-way.
		if d.State == vm.SyncFailed || d.State == vm.SyncCancelled {
			bar.Hide()
		} else {
			bar.Show()
		}
		switch {
		case d.Line != "":
			line.SetText(d.Line)
			line.Show()
		case d.State == vm.SyncIdle && d.Message == "":
			line.SetText(tr.T("sync.idle"))
			line.Show()
		default:
			line.Hide()
		}
		switch d.Tone {
		case vm.ToneSuccess:
			message.Importance = widget.SuccessImportance
			sign.SetResource(theme.NewSuccessThemedResource(theme.ConfirmIcon()))
		case vm.ToneWarning:
			message.Importance = widget.WarningImportance
			sign.SetResource(theme.NewWarningThemedResource(theme.WarningIcon()))
		case vm.ToneDanger:
			message.Importance = widget.DangerImportance
			sign.SetResource(theme.NewErrorThemedResource(theme.ErrorIcon()))
		default:
			message.Importance = widget.MediumImportance
			sign.SetResource(nil)
		}
		if d.Message == "" {
			sign.Hide()
		} else {
			sign.Show()
		}
		message.SetText(d.Message)
		if n := len(d.Conflicts); n > 0 {
			first := d.Conflicts[0]
			arrived.SetText(tr.T("sync.conflicts_open", vm.Count(tr, n)))
			arrived.OnTapped = func() { a.openConflict(first) }
			arrived.Show()
		} else {
			arrived.Hide()
		}
		if d.State == vm.SyncFailed || d.State == vm.SyncCancelled {
			start.SetText(tr.T("sync.retry"))
		} else {
			start.SetText(tr.T("sync.start"))
		}
		if d.State.Busy() {
			start.Disable()
			node.Disable()
		} else {
			start.Enable()
			node.Enable()
		}
		if d.State == vm.SyncRunning || d.State == vm.SyncRetrying {
			cancel.Enable()
		} else {
			cancel.Disable()
		}
		if a.enrolment().Needed() {
			enrol.Show()
		} else {
			enrol.Hide()
		}
		showRefused(a, refused, d.Refused, &shownRefused)
		if body != nil {
			// What was shown or hidden takes or gives back its room.
			body.Refresh()
		}
	}
	start = newButton(tr.T("sync.start"), func() {
		if y.SetNode(node.Text) == nil {
			y.Start()
		}
		show()
	})
	start.Importance = widget.HighImportance
	cancel = newButton(tr.T("sync.cancel"), y.Cancel)
	node.OnSubmitted = func(string) { start.OnTapped() }
	a.syncShow = show
	show()
	a.goRead(func() {
		y.Refresh()
		a.do(show)
	})

	body = container.NewVBox(
		heading(tr.T("sync.title")),
		wrapped(tr.T("sync.explain")),
		widget.NewLabel(tr.T("sync.node")),
		node,
		container.NewGridWithColumns(2, pending, last),
		bar,
		line,
		container.NewHBox(start, cancel),
		container.NewBorder(nil, nil, container.NewVBox(sign), nil, message),
		container.NewHBox(arrived, enrol),
		refused,
	)
	return container.NewVScroll(container.NewPadded(body))
}

// showRefused lists the refused changes in box, rebuilding it only when
// the list changed (key says what it shows).
func showRefused(a *App, box *fyne.Container, rows []vm.RefusedRow, key *string) {
	k := ""
	for _, r := range rows {
		k += fmt.Sprintf("%d;", r.N)
	}
	if k == *key {
		return
	}
	*key = k
	box.RemoveAll()
	if len(rows) == 0 {
		return
	}
	box.Add(widget.NewSeparator())
	box.Add(bold(a.tr.T("sync.refused_title")))
	for _, r := range rows {
		n := r.N
		why := wrapped(r.When + " · " + r.Why)
		why.Importance = widget.DangerImportance
		done := newButton(a.tr.T("sync.refused_dismiss"), func() {
			y := a.sync
			a.goRead(func() { y.DismissRefused(n) })
		})
		box.Add(container.NewBorder(nil, nil, nil, done, container.NewVBox(wrapped(r.What), why)))
	}
	box.Refresh()
}
