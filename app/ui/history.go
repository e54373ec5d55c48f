package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/vm"
	"github.com/communekit/communekit/storage"
)

// historyPage is a person's history: one entry per change, newest first,
// each saying when, the event, who and why, with the fields it changed
// beneath; every line wraps at the window's edge.
func historyPage(a *App, p *storage.Person) fyne.CanvasObject {
	tr := a.tr
	entries, err := vm.History(tr, a.store, p.ID)
	head := container.NewVBox(heading(tr.T("history.title", p.FullName())), container.NewHBox(newButton(tr.T("history.back"), a.back)))
	if err != nil {
		return container.NewBorder(head, nil, nil, nil, wrapped(vm.ErrText(tr, err)))
	}
	if len(entries) == 0 {
		return container.NewBorder(head, nil, nil, nil, widget.NewLabel(tr.T("history.empty")))
	}
	list := container.NewVBox()
	for i, e := range entries {
		if i > 0 {
			list.Add(widget.NewSeparator())
		}
		list.Add(historyEntry(a, e))
	}
	return container.NewBorder(head, nil, nil, nil, container.NewVScroll(container.NewPadded(list)))
}

// historyEntry is one change: "14:05 25/11/2026 · Sửa thông tin · who",
// the reason, then the fields: "old → new" each, or for a registration
// the values it set, together in one paragraph.
func historyEntry(a *App, e vm.HistoryEntry) fyne.CanvasObject {
	tr := a.tr
	top := wrapped(e.When + " · " + e.Event + " · " + e.Who)
	top.TextStyle.Bold = true
	box := container.NewVBox(top)
	if e.Reason != "" {
		box.Add(wrapped(tr.T("history.reason") + ": " + e.Reason))
	}
	if e.New {
		// One paragraph: a label of several styles (a rich text) wraps
		// badly in Fyne, so one style.
		var parts []string
		for _, c := range e.Changes {
			parts = append(parts, c.Field+": "+c.New)
		}
		box.Add(wrapped(strings.Join(parts, " · ")))
		return box
	}
	form := widget.NewForm()
	for _, c := range e.Changes {
		old := c.Old
		if old == "" {
			old = tr.T("value.none")
		}
		nw := c.New
		if nw == "" {
			nw = tr.T("value.none")
		}
		form.Append(c.Field, wrapped(old+" → "+nw))
	}
	box.Add(form)
	return box
}
