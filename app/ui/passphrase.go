package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/vm"
)

// showChangePassphrase opens the "Đổi mật khẩu" dialog over the page
// shown: the current passphrase, the new one twice. Enter changes, Esc
// closes; the change runs off the UI goroutine (three key derivations).
func (a *App) showChangePassphrase() {
	tr := a.tr
	c := vm.NewChangePassphrase(tr, a.store, a.do)
	cur, p1, p2 := newKeyPassword(a.keys), newKeyPassword(a.keys), newKeyPassword(a.keys)
	cur.SetPlaceHolder(tr.T("passphrase.current"))
	p1.SetPlaceHolder(tr.T("passphrase.new"))
	p2.SetPlaceHolder(tr.T("passphrase.repeat"))
	strength := widget.NewLabel("")
	curErr, newErr, repeatErr, changeErr := problemLabel(), problemLabel(), problemLabel(), problemLabel()
	busy := widget.NewLabel(tr.T("passphrase.busy"))
	busy.Hide()
	done := wrapped("")
	done.Importance = widget.SuccessImportance
	done.Hide()

	var d *dialog.CustomDialog
	var box *fyne.Container
	form := container.NewVBox(
		wrapped(tr.T("passphrase.intro")),
		bold(tr.T("passphrase.current")), cur, curErr,
		bold(tr.T("passphrase.new")), p1, strength, newErr,
		bold(tr.T("passphrase.repeat")), p2, repeatErr,
	)
	change := newButton(tr.T("passphrase.change"), nil)
	change.Importance = widget.HighImportance
	cancel := newButton(tr.T("passphrase.cancel"), func() { d.Hide() })
	submit := func() {
		if c.Busy() || c.Done() {
			return
		}
		c.Set(cur.Text, p1.Text, p2.Text)
		c.SubmitAsync(func() {
			// Nothing of the passphrases stays on screen.
			cur.SetText("")
			p1.SetText("")
			p2.SetText("")
			form.Hide()
			change.Hide()
			cancel.SetText(tr.T("passphrase.close"))
			done.SetText(c.Message())
			done.Show()
			// Laid out again, the message wrapped in the dialog's width,
			// and the dialog as tall as what it now holds.
			box.Refresh()
			d.Resize(fyne.NewSize(560, 0))
			a.win.Canvas().Focus(nil)
		})
	}
	change.OnTapped = submit
	for _, e := range []*keyEntry{cur, p1, p2} {
		e.OnSubmitted = func(string) { submit() }
	}
	update := func(string) {
		c.Set(cur.Text, p1.Text, p2.Text)
		_, hint := c.Strength()
		strength.SetText(hint)
	}
	cur.OnChanged, p1.OnChanged, p2.OnChanged = update, update, update
	wasBusy := false
	c.OnChange(func() {
		// Set first: clearing an entry below tells the view model, which
		// comes back here.
		answered := wasBusy && !c.Busy()
		wasBusy = c.Busy()
		errs := c.Errors()
		setProblem(curErr, errs["current"])
		setProblem(newErr, errs["new"])
		setProblem(repeatErr, errs["repeat"])
		setProblem(changeErr, errs["change"])
		if c.Busy() {
			busy.Show()
			change.Disable()
			for _, e := range []*keyEntry{cur, p1, p2} {
				e.Disable()
			}
		} else {
			busy.Hide()
			change.Enable()
			for _, e := range []*keyEntry{cur, p1, p2} {
				e.Enable()
			}
			if answered && errs["current"] != "" {
				// A wrong passphrase is typed again, from nothing.
				cur.SetText("")
				a.win.Canvas().Focus(cur)
			}
		}
		if box != nil {
			box.Refresh()
		}
	})
	update("")
	box = container.NewVBox(form, busy, changeErr, done, container.NewHBox(layout.NewSpacer(), cancel, change))
	d = dialog.NewCustomWithoutButtons(tr.T("passphrase.title"), box, a.win)
	esc, enter := a.keys.escape, a.keys.enter
	a.keys.escape = d.Hide
	a.keys.enter = func() {
		if c.Done() {
			d.Hide()
			return
		}
		submit()
	}
	d.SetOnClosed(func() { a.keys.escape, a.keys.enter = esc, enter })
	d.Resize(fyne.NewSize(560, 0))
	d.Show()
	a.win.Canvas().Focus(cur)
}
