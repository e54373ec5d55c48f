package ui

import (
	"fyne.io/fyne/v2"
)

// pickBox is the box of a picker dialog (the place picker: an entry over
// a list of what the typing finds): Down and Up move a mark through the
// list beneath, Enter takes the marked row (the first when none was
// marked), Esc closes the dialog. Typing puts the mark back on the first
// row. The mark is the list's own keyboard mark, so a click still takes
// any row.
type pickBox struct {
	keyEntry
	list *keyList
	n    func() int // rows in the list
	at   int        // the row marked
}

func newPickBox(list *keyList, n func() int) *pickBox {
	b := &pickBox{list: list, n: n}
	b.ExtendBaseWidget(b)
	list.FocusGained() // show the mark while the box has the keys
	return b
}

func (b *pickBox) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyDown:
		if b.at < b.n()-1 {
			b.at++
			b.list.TypedKey(ev)
		}
	case fyne.KeyUp:
		if b.at > 0 {
			b.at--
			b.list.TypedKey(ev)
		}
	case fyne.KeyEscape:
		// The dialog's Cancel says Esc: close it, nothing taken.
		if c := fyne.CurrentApp().Driver().CanvasForObject(b); c != nil {
			if top := c.Overlays().Top(); top != nil {
				top.Hide()
			}
		}
	case fyne.KeyReturn, fyne.KeyEnter:
		if b.at > 0 && b.at < b.n() {
			b.list.TypedKey(&fyne.KeyEvent{Name: fyne.KeySpace}) // selects the marked row
			return
		}
		b.keyEntry.TypedKey(ev)
	default:
		b.keyEntry.TypedKey(ev)
		b.reset()
	}
}

func (b *pickBox) TypedRune(r rune) {
	b.keyEntry.TypedRune(r)
	b.reset()
}

func (b *pickBox) TypedShortcut(s fyne.Shortcut) {
	b.keyEntry.TypedShortcut(s)
	b.reset()
}

// reset marks the first row again: the rows are new.
func (b *pickBox) reset() {
	for ; b.at > 0; b.at-- {
		b.list.TypedKey(&fyne.KeyEvent{Name: fyne.KeyUp})
	}
	b.list.ScrollToTop()
}
