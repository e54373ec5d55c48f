package ui

import (
	"strings"

	"fyne.io/fyne/v2"

	"github.com/communekit/communekit/app/vm"
	"github.com/communekit/communekit/storage"
)

// otherButton is the form's way to the person a refused save named (the
// holder of the ID number typed): hidden until then, it then says who and
// shows them. update follows the form.
func otherButton(a *App, f *vm.Form) (b *keyButton, update func()) {
	b = newButton("", nil)
	b.Hide()
	update = func() {
		id := f.Other()
		if id == (storage.ID{}) {
			b.Hide()
			return
		}
		c, err := vm.CardOf(a.tr, a.store, id)
		if err != nil {
			b.Hide()
			return
		}
		b.SetText(a.tr.T("form.see_other", c.Name))
		b.OnTapped = func() { showCard(a, f, c) }
		b.Show()
	}
	return b, update
}

// showCard shows the person c over the form, which stays as typed: Back
// to the form (also Esc) closes it, Open record leaves the form (asking
// first when typing would be lost) for their record.
func showCard(a *App, f *vm.Form, c vm.PersonCard) {
	tr := a.tr
	esc, enter := a.keys.escape, a.keys.enter
	body := wrapped(strings.Join(c.Lines, "\n"))
	d := newKeyConfirm(c.Name, tr.T("form.open_other"), tr.T("form.back_to_form"), body, func(open bool) {
		a.keys.escape, a.keys.enter = esc, enter
		if open {
			askLeave(a, f, func() {
				a.replace(func() fyne.CanvasObject { return personPage(a, c.ID) })
			})
		}
	}, a.win)
	a.keys.escape = d.Hide
	a.keys.enter = nil
	d.Resize(fyne.NewSize(560, 0))
	d.Show()
}
