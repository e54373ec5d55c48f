package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// keys are the app-wide keys: Esc cancels the page shown (or the dialog
// asking), Ctrl+F goes to search, Ctrl+Y syncs, Ctrl+L locks, Enter
// confirms a dialog asking. Every key seen here counts as the officer's
// activity (touch), which the idle lock counts from. A focused widget receives every key first, so each entry, check
// box and choice of the app passes these on (see keyEntry, keyCheck,
// keySelect).
type keys struct {
	escape func()
	find   func()
	sync   func()
	enter  func() // set while a dialog asks: Enter confirms it
	field  func() // Ctrl+G: go to a field of the page (gotofield.go)
	lock   func()
	touch  func() // a key was pressed
}

var findShortcut = &desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault}

// syncShortcut is Ctrl+Y, which Fyne's driver delivers as Redo. Ctrl+S
// would read as "save", and on a form Enter saves: an officer pressing
// Ctrl+S there to save would start a sync instead. The price is Redo in
// text entries (Undo, Ctrl+Z, stays).
var syncShortcut = &fyne.ShortcutRedo{}

func (k *keys) install(c fyne.Canvas) {
	c.AddShortcut(findShortcut, func(fyne.Shortcut) { k.doFind() })
	c.AddShortcut(syncShortcut, func(fyne.Shortcut) { k.doSync() })
	c.AddShortcut(fieldShortcut, func(fyne.Shortcut) { k.doField() })
	c.AddShortcut(lockShortcut, func(fyne.Shortcut) { k.doLock() })
	c.SetOnTypedRune(func(rune) { k.touched() })
	if dc, ok := c.(desktop.Canvas); ok {
		dc.SetOnKeyDown(func(*fyne.KeyEvent) { k.touched() })
	}
	c.SetOnTypedKey(func(ev *fyne.KeyEvent) {
		k.touched()
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

func (k *keys) touched() {
	if k != nil && k.touch != nil {
		k.touch()
	}
}

func (k *keys) doLock() {
	k.touched()
	if k.lock != nil {
		k.lock()
	}
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

func (k *keys) doField() {
	if k.field != nil {
		k.field()
	}
}

func (k *keys) doSync() {
	if k.sync != nil {
		k.sync()
	}
}

// passShortcut hands the app-wide shortcuts on; it reports whether s was
// one of them.
func (k *keys) passShortcut(s fyne.Shortcut) bool {
	if k == nil {
		return false
	}
	k.touched()
	switch s.ShortcutName() {
	case findShortcut.ShortcutName():
		k.doFind()
	case syncShortcut.ShortcutName():
		k.doSync()
	case fieldShortcut.ShortcutName():
		k.doField()
	case lockShortcut.ShortcutName():
		k.doLock()
	default:
		return false
	}
	return true
}

// keyEntry is an entry that passes Esc, Ctrl+F and Ctrl+Y on to the
// window.
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

func (e *keyEntry) TypedRune(r rune) {
	e.keys.touched()
	e.Entry.TypedRune(r)
}

func (e *keyEntry) TypedKey(ev *fyne.KeyEvent) {
	e.keys.touched()
	if ev.Name == fyne.KeyEscape && e.keys != nil {
		e.keys.doEscape()
		return
	}
	e.Entry.TypedKey(ev)
}

func (e *keyEntry) TypedShortcut(s fyne.Shortcut) {
	if e.keys.passShortcut(s) {
		return
	}
	e.Entry.TypedShortcut(s)
}

// keySelectEntry is an entry with a list of usual answers (a member's
// relationship to the head) that passes the app's keys on like keyEntry.
type keySelectEntry struct {
	widget.SelectEntry
	keys    *keys
	options []string // Down finds among them: findselect.go
}

func newKeySelectEntry(k *keys, options []string) *keySelectEntry {
	e := &keySelectEntry{keys: k, options: options}
	e.ExtendBaseWidget(e)
	e.Wrapping = fyne.TextWrap(fyne.TextTruncateClip)
	e.SetOptions(options)
	return e
}

func (e *keySelectEntry) TypedRune(r rune) {
	e.keys.touched()
	e.SelectEntry.TypedRune(r)
}

func (e *keySelectEntry) TypedKey(ev *fyne.KeyEvent) {
	e.keys.touched()
	if ev.Name == fyne.KeyEscape && e.keys != nil {
		e.keys.doEscape()
		return
	}
	if ev.Name == fyne.KeyDown {
		e.find()
		return
	}
	e.SelectEntry.TypedKey(ev)
}

func (e *keySelectEntry) TypedShortcut(s fyne.Shortcut) {
	if e.keys.passShortcut(s) {
		return
	}
	e.SelectEntry.TypedShortcut(s)
}

// keyCheck is a check box (Space ticks it) on which Enter does what Enter
// does on the page (save) and Esc cancels.
type keyCheck struct {
	widget.Check
	keys  *keys
	enter func()
}

func newKeyCheck(k *keys, label string, changed func(bool), enter func()) *keyCheck {
	c := &keyCheck{keys: k, enter: enter}
	c.Text, c.OnChanged = label, changed
	c.ExtendBaseWidget(c)
	return c
}

func (c *keyCheck) TypedKey(ev *fyne.KeyEvent) {
	if passKey(c.keys, c.enter, ev) {
		return
	}
	c.Check.TypedKey(ev)
}

// keySelect is a choice (a letter, Space or the arrows open it, and
// typing finds: findselect.go) on which Enter does what Enter does on the
// page and Esc cancels.
type keySelect struct {
	widget.Select
	keys  *keys
	enter func()
}

func newKeySelect(k *keys, options []string, changed func(string), enter func()) *keySelect {
	s := &keySelect{keys: k, enter: enter}
	s.Options, s.OnChanged = options, changed
	s.PlaceHolder = "—"
	s.ExtendBaseWidget(s)
	return s
}

func (s *keySelect) TypedKey(ev *fyne.KeyEvent) {
	if passKey(s.keys, s.enter, ev) {
		return
	}
	s.typedKey(ev) // type-to-find: findselect.go
}

// passKey runs Esc and Enter for a focused widget that has no use of its
// own for them; it reports whether ev was one of them.
func passKey(k *keys, enter func(), ev *fyne.KeyEvent) bool {
	k.touched()
	switch ev.Name {
	case fyne.KeyEscape:
		if k != nil {
			k.doEscape()
		}
	case fyne.KeyReturn, fyne.KeyEnter:
		if enter != nil {
			enter()
		}
	default:
		return false
	}
	return true
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

// buttonRow lays buttons out in a row that wraps onto a next line when
// the window is too narrow for them (the largest text): a row wider than
// the window made the window wider than a 1366×768 screen.
func buttonRow(objs ...fyne.CanvasObject) *fyne.Container {
	return container.New(layout.NewRowWrapLayout(), objs...)
}

// largeText reports whether the officer chose the largest text, which
// leaves room for one column of fields, not two, at 1366×768.
func largeText() bool {
	return theme.TextSize() > 1.3*theme.DefaultTheme().Size(theme.SizeNameText)
}

// twoColumns puts cards in two columns of about equal height, in order:
// the first cards fill the left column until it holds half the weight.
// With the largest text they go in one column.
func twoColumns(cards []fyne.CanvasObject, weights []int) fyne.CanvasObject {
	if largeText() {
		return container.NewVBox(cards...)
	}
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

// heading is a screen's title: bold, and wrapped so that a long one in a
// large text does not widen the screen past the window.
func heading(s string) *widget.Label {
	l := bold(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}
