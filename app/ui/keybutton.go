package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// keyButton is a button that, focused, takes Space and Enter to press it
// and passes Esc on to the window. Fyne's button takes every key and acts
// on Space only: a focused button swallowed Esc, and the officer could not
// go back.
type keyButton struct {
	widget.Button
	keys *keys
}

func newKeyButton(k *keys, label string, tapped func()) *keyButton {
	b := &keyButton{keys: k}
	b.Text, b.OnTapped = label, tapped
	b.ExtendBaseWidget(b)
	return b
}

func (b *keyButton) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyReturn, fyne.KeyEnter:
		b.Tapped(nil)
	case fyne.KeyEscape:
		b.keys.doEscape()
	default:
		b.Button.TypedKey(ev)
	}
}
