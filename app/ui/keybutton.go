package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// keyButton is a button that, focused, takes Space and Enter to press it
// and passes every other key (Esc) on to the window. Fyne's button takes
// every key and acts on Space only: a button reached by Tab swallowed Esc,
// and the officer could not go back. Every button of the app is one
// (newButton); the app's shortcuts reach the window already, as Fyne's
// button takes none.
type keyButton struct {
	widget.Button
	keys *keys // nil: the keys go to the window's own handler
}

func newKeyButton(k *keys, label string, tapped func()) *keyButton {
	b := &keyButton{keys: k}
	b.Text, b.OnTapped = label, tapped
	b.ExtendBaseWidget(b)
	return b
}

// newButton is a button that passes Esc to the window it is in.
func newButton(label string, tapped func()) *keyButton {
	return newKeyButton(nil, label, tapped)
}

// newIconButton is newButton with an icon.
func newIconButton(label string, icon fyne.Resource, tapped func()) *keyButton {
	b := newKeyButton(nil, label, tapped)
	b.Icon = icon
	return b
}

func (b *keyButton) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyReturn, fyne.KeyEnter:
		b.Tapped(nil)
	case fyne.KeySpace:
		b.Button.TypedKey(ev)
	case fyne.KeyEscape:
		if b.keys != nil {
			b.keys.touched()
			b.keys.doEscape()
			return
		}
		toWindow(b, ev)
	}
}

// toWindow gives a key that the focused widget o has no use for to the
// window's handler (the app's keys: Esc goes back or closes the dialog).
func toWindow(o fyne.CanvasObject, ev *fyne.KeyEvent) {
	app := fyne.CurrentApp()
	if app == nil {
		return
	}
	if c := app.Driver().CanvasForObject(o); c != nil {
		if h := c.OnTypedKey(); h != nil {
			h(ev)
		}
	}
}
