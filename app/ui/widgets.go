package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// keys are the app-wide keys: Esc cancels the page shown (or the dialog
// asking), Ctrl+F goes to search, Enter confirms a dialog asking. A focused entry receives every key first, so each entry of the
// app passes these two on (see keyEntry).
type keys struct {
	escape func()
	find   func()
	enter  func() // set while a dialog asks: Enter confirms it
}

var findShortcut = &desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault}

func (k *keys) install(c fyne.Canvas) {
	c.AddShortcut(findShortcut, func(fyne.Shortcut) { k.doFind() })
	c.SetOnTypedKey(func(ev *fyne.KeyEvent) {
		switch ev.Name {
		case fyne.KeyEscape:
			k.doEscape()
		case fyne.KeyReturn, fyne.KeyEnter:
			if k.enter != nil {
				k.enter()
			}
		}
	})
}

func (k *keys) doEscape() {
	if k.escape != nil {
		k.escape()
	}
}

func (k *keys) doFind() {
	if k.find != nil {
		k.find()
	}
}

// keyEntry is an entry that passes Esc and Ctrl+F on to the window.
type keyEntry struct {
	widget.Entry
	keys *keys
}

func newKeyEntry(k *keys) *keyEntry {
	e := &keyEntry{keys: k}
	e.ExtendBaseWidget(e)
	return e
}

func newKeyPassword(k *keys) *keyEntry {
	e := newKeyEntry(k)
	e.Password = true
	return e
}

func (e *keyEntry) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyEscape && e.keys != nil {
		e.keys.doEscape()
		return
	}
	e.Entry.TypedKey(ev)
}

func (e *keyEntry) TypedShortcut(s fyne.Shortcut) {
	if cs, ok := s.(*desktop.CustomShortcut); ok && e.keys != nil && cs.ShortcutName() == findShortcut.ShortcutName() {
		e.keys.doFind()
		return
	}
	e.Entry.TypedShortcut(s)
}

// problemLabel is the message beside a field: red, wrapped, empty when
// there is nothing to fix.
func problemLabel() *widget.Label {
	l := widget.NewLabel("")
	l.Importance = widget.DangerImportance
	l.Wrapping = fyne.TextWrapWord
	l.Hide()
	return l
}

func setProblem(l *widget.Label, msg string) {
	if msg == "" {
		l.Hide()
		return
	}
	l.SetText(msg)
	l.Show()
}

func bold(s string) *widget.Label {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

func wrapped(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// twoColumns puts cards in two columns of about equal height, in order:
// the first cards fill the left column until it holds half the weight.
func twoColumns(cards []fyne.CanvasObject, weights []int) fyne.CanvasObject {
	total := 0
	for _, w := range weights {
		total += w
	}
	left, right := container.NewVBox(), container.NewVBox()
	sum := 0
	for i, c := range cards {
		if sum*2 < total {
			left.Add(c)
		} else {
			right.Add(c)
		}
		sum += weights[i]
	}
	return container.NewGridWithColumns(2, left, right)
}
