package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// Nothing typed is lost to a key or a button: a page with unsaved typing
// (a form) sets a.leaving, and Esc, Cancel, Back and every button of the
// navigation ask it before they leave.

// confirmLeave runs next once the page shown agrees to be left: at once
// when it has nothing unsaved, or after the officer chose to discard it.
// A form left so is taken off the page stack first, so that a page next
// pushes over it (a new person) does not return to the form discarded.
func (a *App) confirmLeave(next func()) {
	if a.leaving == nil {
		next()
		return
	}
	a.leaving(func() {
		if len(a.pages) > 1 {
			a.pages = a.pages[:len(a.pages)-1]
		}
		a.leaving = nil
		next()
	})
}

// guardNav makes every button under nav (the navigation) ask the page
// shown before it leaves it.
func (a *App) guardNav(nav fyne.CanvasObject) {
	walkObjects(nav, func(o fyne.CanvasObject) {
		if b, ok := o.(*keyButton); ok && b.OnTapped != nil {
			tapped := b.OnTapped
			b.OnTapped = func() { a.confirmLeave(tapped) }
		}
	})
}

// walkObjects calls f on o and on everything inside its containers.
func walkObjects(o fyne.CanvasObject, f func(fyne.CanvasObject)) {
	f(o)
	if c, ok := o.(*fyne.Container); ok {
		for _, x := range c.Objects {
			walkObjects(x, f)
		}
	}
}

// askDiscard leaves at once when dirty says nothing typed is unsaved, and
// otherwise asks: Keep editing (also Esc) stays on the page as it is,
// Discard leaves. Enter does nothing: it must not throw the typing away.
func askDiscard(a *App, dirty func() bool, leave func()) {
	if !dirty() {
		leave()
		return
	}
	tr := a.tr
	esc, enter := a.keys.escape, a.keys.enter
	d := newKeyConfirmText(tr.T("form.discard_title"), tr.T("form.discard_question"), tr.T("form.discard"), tr.T("form.keep_editing"), func(discard bool) {
		a.keys.escape, a.keys.enter = esc, enter
		if discard {
			leave()
		}
	}, a.win)
	d.SetConfirmImportance(widget.DangerImportance)
	a.keys.escape = d.Hide
	a.keys.enter = nil
	d.Show()
}

// askBefore asks before a save that does much at once (a split, a
// merge): what it will do, and the warnings to read first. OK saves; Back
// (also Esc) returns to the form as it is. Enter confirms only when there
// is no warning: a warning must be read, not passed with the key that
// saved the form.
func askBefore(a *App, title, what string, warnings []string, okText string, yes func()) {
	tr := a.tr
	box := container.NewVBox(wrapped(what))
	for _, w := range warnings {
		l := wrapped(w)
		l.Importance = widget.WarningImportance
		l.TextStyle.Bold = true
		box.Add(l)
	}
	esc, enter := a.keys.escape, a.keys.enter
	entered := false
	d := newKeyConfirm(title, okText, tr.T("event.confirm_back"), box, func(ok bool) {
		a.keys.escape, a.keys.enter = esc, enter
		if ok || entered {
			yes()
		}
	}, a.win)
	d.Resize(fyne.NewSize(640, 0))
	a.keys.escape = d.Hide
	a.keys.enter = nil
	if len(warnings) == 0 {
		a.keys.enter = func() { entered = true; d.Hide() }
	}
	d.Show()
}
