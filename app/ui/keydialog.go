package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// keyConfirm is Fyne's confirm dialog with the app's buttons: Fyne's own
// buttons, reached by Tab, swallowed Esc, and the officer could not close
// the dialog with it. Confirm answers true, Dismiss (and Hide, which Esc
// calls) false; callback is told once the dialog closed.
type keyConfirm struct {
	*dialog.CustomDialog
	confirm, dismiss *keyButton
}

func newKeyConfirm(title, confirmText, dismissText string, content fyne.CanvasObject, callback func(bool), win fyne.Window) *keyConfirm {
	d := dialog.NewCustomWithoutButtons(title, content, win)
	answered := false
	c := &keyConfirm{CustomDialog: d}
	c.dismiss = newIconButton(dismissText, theme.CancelIcon(), d.Hide)
	c.confirm = newIconButton(confirmText, theme.ConfirmIcon(), func() {
		answered = true
		d.Hide()
	})
	c.confirm.Importance = widget.HighImportance
	d.SetButtons([]fyne.CanvasObject{c.dismiss, c.confirm})
	d.SetOnClosed(func() {
		ok := answered
		answered = false
		if callback != nil {
			callback(ok)
		}
	})
	return c
}

// newKeyConfirmText is keyConfirm asking a question in words, wrapped at
// a readable width.
func newKeyConfirmText(title, message, confirmText, dismissText string, callback func(bool), win fyne.Window) *keyConfirm {
	l := widget.NewLabel(message)
	l.Wrapping = fyne.TextWrapWord
	c := newKeyConfirm(title, confirmText, dismissText, l, callback, win)
	c.Resize(fyne.NewSize(560, 0))
	return c
}

// SetConfirmImportance sets how the confirm button stands out (red for
// an action that throws something away).
func (c *keyConfirm) SetConfirmImportance(i widget.Importance) {
	c.confirm.Importance = i
	c.confirm.Refresh()
}
