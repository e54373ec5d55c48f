package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/vm"
	"github.com/communekit/communekit/storage"
)

// askStale shows, after a save refused because the record changed since
// the form opened, each field the officer changed: their value, the value
// stored now, and for a field changed elsewhere too a choice between
// keeping theirs (the default) and taking the stored one. "Save on the new
// version" calls apply with the fields whose stored value is taken; Back
// (also Esc) returns to the form as typed.
func askStale(a *App, f *vm.Form, apply func(takeStored map[storage.Field]bool)) {
	tr := a.tr
	take := map[storage.Field]bool{}
	keep, took := tr.T("form.stale_keep"), tr.T("form.stale_take")
	rows := container.NewVBox(wrapped(tr.T("form.stale_intro")))
	for _, sf := range f.Stale() {
		sf := sf
		rows.Add(widget.NewSeparator())
		rows.Add(bold(sf.Label))
		mine := wrapped(tr.T("form.stale_mine", sf.Mine))
		stored := wrapped(tr.T("form.stale_stored", sf.Stored))
		if !sf.ChangedElsewhere {
			rows.Add(mine)
			rows.Add(wrapped(tr.T("form.stale_same")))
			continue
		}
		stored.Importance = widget.WarningImportance
		rows.Add(mine)
		rows.Add(stored)
		choice := newRadio([]string{keep, took}, func(s string) { take[sf.Field] = s == took })
		choice.Horizontal = true
		choice.SetSelected(keep)
		rows.Add(choice)
	}
	esc, enter := a.keys.escape, a.keys.enter
	d := newKeyConfirm(tr.T("form.stale_title"), tr.T("form.stale_save"), tr.T("form.stale_back"),
		container.NewVScroll(rows), func(ok bool) {
			a.keys.escape, a.keys.enter = esc, enter
			if ok {
				apply(take)
			}
		}, a.win)
	d.Resize(fyne.NewSize(720, 520))
	a.keys.escape = d.Hide
	a.keys.enter = nil
	d.Show()
}
