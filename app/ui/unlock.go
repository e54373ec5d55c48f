package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/vm"
	"github.com/communekit/communekit/storage"
)

func unlockScreen(a *App, u *vm.Unlock) fyne.CanvasObject {
	tr := a.tr
	pass := newKeyPassword(a.keys)
	pass.SetPlaceHolder(tr.T("unlock.passphrase"))
	msg := problemLabel()
	// A still line, not an animated bar: the key derivation takes both
	// cores for about a second, and a bar redrawn 60 times a second took
	// ~180 ms of it where the window is drawn in software (no GPU driver).
	busy := widget.NewLabel(tr.T("unlock.busy"))
	busy.Hide()
	var started time.Time
	submit := func() {
		started = time.Now()
		u.SubmitAsync(pass.Text, func(s *storage.Store) {
			if u.Relocking() {
				a.relocked()
				return
			}
			a.unlocked(s, started)
		})
	}
	pass.OnSubmitted = func(string) { submit() }
	btn := newButton(tr.T("unlock.button"), submit)
	btn.Importance = widget.HighImportance
	var box *fyne.Container
	u.OnChange(func() {
		setProblem(msg, u.Message())
		if u.Busy() {
			busy.Show()
			btn.Disable()
		} else {
			busy.Hide()
			btn.Enable()
			if u.Message() != "" {
				pass.SetText("")
				a.win.Canvas().Focus(pass)
			}
		}
		// Lay the box out again: a message shown under the button must
		// take its place, wrapped, not sit unwrapped where it was hidden.
		if box != nil {
			box.Refresh()
		}
	})
	items := []fyne.CanvasObject{bold(tr.T("unlock.title"))}
	if u.Relocking() {
		items = []fyne.CanvasObject{bold(tr.T("lock.title"))}
	}
	if c := u.Commune(); c != "" {
		items = append(items, widget.NewLabel(tr.T("unlock.profile", c)))
	}
	if u.Relocking() {
		// What the lock kept, and why it came.
		btn.SetText(tr.T("lock.button"))
		if a.locked != nil && a.locked.idle {
			items = append(items, wrapped(tr.T("lock.idle", int(a.idle.After().Minutes()))))
		}
		items = append(items, wrapped(tr.T("lock.explain")))
	}
	if u.DemoPassphrase != "" {
		demo := wrapped(tr.T("unlock.demo", u.DemoPassphrase))
		demo.Importance = widget.WarningImportance
		items = append(items, demo)
	}
	items = append(items, pass, btn, busy, msg, layout.NewSpacer(), a.languageSelect())
	box = container.NewVBox(items...)
	// After SetContent: focusing an entry not yet in the window fails.
	// Laid out again once in the window: a wrapped line knows its width,
	// and so its height, only then.
	go a.do(func() {
		a.win.Canvas().Focus(pass)
		box.Refresh()
	})
	// As much larger as the text (the settings' text size).
	k := a.settings.TextScale()
	return container.NewCenter(container.New(layout.NewGridWrapLayout(fyne.NewSize(520*k, 400*k)), box))
}
