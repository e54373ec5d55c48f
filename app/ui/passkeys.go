package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Every widget the officer can reach with Tab passes Esc on to the window,
// so that Esc goes back (or closes the dialog) wherever the focus is:
// Fyne's button, list, table and radio items take every key they are
// given. Buttons are keyButton (keybutton.go), entries keyEntry, choices
// keySelect, check boxes keyCheck (widgets.go); lists are keyList
// (newList), tables keyTable and radio groups keyRadio, below.

// newList is a keyList (quality.go) that passes Esc and the app's
// shortcuts to the window it is in.
func newList(length func() int, create func() fyne.CanvasObject, update func(widget.ListItemID, fyne.CanvasObject)) *keyList {
	return newKeyList(nil, length, create, update)
}

// shortcutToWindow gives a shortcut the focused widget o has no use for
// to the window (Ctrl+F, Ctrl+L).
func shortcutToWindow(o fyne.CanvasObject, s fyne.Shortcut) {
	app := fyne.CurrentApp()
	if app == nil {
		return
	}
	if c, ok := app.Driver().CanvasForObject(o).(fyne.Shortcutable); ok {
		c.TypedShortcut(s)
	}
}

// keyTable is a table that passes Esc and the app's shortcuts on.
type keyTable struct {
	widget.Table
}

func newTable(length func() (int, int), create func() fyne.CanvasObject, update func(widget.TableCellID, fyne.CanvasObject)) *keyTable {
	t := &keyTable{}
	t.Length, t.CreateCell, t.UpdateCell = length, create, update
	t.ExtendBaseWidget(t)
	return t
}

func (t *keyTable) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyEscape {
		toWindow(t, ev)
		return
	}
	t.Table.TypedKey(ev)
}

func (t *keyTable) TypedShortcut(s fyne.Shortcut) { shortcutToWindow(t, s) }

// keyRadio is a choice of one among a few options shown all at once (the
// theme, the text size): Fyne's RadioGroup, but its items are keyButtons
// with the radio marks, so that Esc passes on from them. Space or Enter on
// an item, or a click, chooses it; one option is always chosen once one
// was.
type keyRadio struct {
	widget.BaseWidget
	Options    []string
	Selected   string
	Horizontal bool
	OnChanged  func(string)

	disabled bool
	items    []*keyButton
}

func newRadio(options []string, changed func(string)) *keyRadio {
	r := &keyRadio{Options: options, OnChanged: changed}
	r.ExtendBaseWidget(r)
	return r
}

func (r *keyRadio) CreateRenderer() fyne.WidgetRenderer {
	box := container.NewVBox()
	if r.Horizontal {
		box = container.NewHBox()
	}
	r.items = nil
	for _, o := range r.Options {
		o := o
		b := newButton(o, func() { r.SetSelected(o) })
		b.Importance = widget.LowImportance
		b.Alignment = widget.ButtonAlignLeading
		r.items = append(r.items, b)
		box.Add(b)
	}
	r.mark()
	return widget.NewSimpleRenderer(box)
}

// mark shows which option is chosen, and whether the items can be used.
func (r *keyRadio) mark() {
	for i, b := range r.items {
		b.Icon = theme.RadioButtonIcon()
		if r.Options[i] == r.Selected {
			b.Icon = theme.RadioButtonCheckedIcon()
		}
		if r.disabled {
			b.Disable()
		} else {
			b.Enable()
		}
		b.Refresh()
	}
}

// SetSelected chooses option s and tells OnChanged when it changed.
func (r *keyRadio) SetSelected(s string) {
	if s == r.Selected {
		return
	}
	r.Selected = s
	r.mark()
	if r.OnChanged != nil {
		r.OnChanged(s)
	}
}

func (r *keyRadio) Disable() { r.disabled = true; r.mark() }
func (r *keyRadio) Enable()  { r.disabled = false; r.mark() }

// Disabled reports whether the options cannot be chosen.
func (r *keyRadio) Disabled() bool { return r.disabled }
