package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// fieldShortcut is Ctrl+G, "go to a field": on a page with labelled
// fields (the person form has forty), a box lists their labels; typing
// finds one as in a choice ("nghe" finds Nghề nghiệp) and Enter puts the
// cursor in it, scrolled into view. Tab from the top would take up to
// forty keys.
var fieldShortcut = &desktop.CustomShortcut{KeyName: fyne.KeyG, Modifier: fyne.KeyModifierShortcutDefault}

// goToField opens the box over the page shown.
func (a *App) goToField() {
	if a.content == nil || len(a.content.Objects) == 0 {
		return
	}
	fields := labelledFields(a.content)
	if len(fields) == 0 {
		return
	}
	labels := make([]string, len(fields))
	for i, f := range fields {
		labels[i] = f.label
	}
	c := a.win.Canvas()
	back := c.Focused()
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(a.content)
	size := fyne.NewSize(a.content.Size().Width/2, 0)
	showFinder(c, labels, -1, "", pos, size, func(i int) {
		if i < 0 {
			if back != nil {
				c.Focus(back)
			}
			return
		}
		f := fields[i]
		scrollIntoView(f.scroll, f.input)
		c.Focus(f.input)
	})
}

// labelledField is an input and the label beside it.
type labelledField struct {
	label  string
	input  fyne.Focusable
	scroll *container.Scroll // the scroll it is in, or nil
}

// labelledFields finds the inputs of a page with their labels: a label
// followed by an object holding an input (a form's rows), or a label
// beside one other object holding an input (a row laid out as label and
// entry). Hidden objects are left out.
func labelledFields(o fyne.CanvasObject) []labelledField {
	var out []labelledField
	seen := map[fyne.Focusable]bool{}
	var walk func(o fyne.CanvasObject, scroll *container.Scroll)
	walk = func(o fyne.CanvasObject, scroll *container.Scroll) {
		if o == nil || !o.Visible() {
			return
		}
		switch x := o.(type) {
		case *fyne.Container:
			for i, c := range x.Objects {
				l, ok := c.(*widget.Label)
				if !ok || !l.Visible() || l.Text == "" {
					continue
				}
				var next fyne.CanvasObject
				switch {
				case i+1 < len(x.Objects):
					next = x.Objects[i+1]
				case len(x.Objects) == 2:
					next = x.Objects[0]
				}
				if _, isLabel := next.(*widget.Label); next == nil || isLabel {
					continue
				}
				if in := firstInput(next); in != nil && !seen[in] {
					seen[in] = true
					out = append(out, labelledField{label: l.Text, input: in, scroll: scroll})
				}
			}
			for _, c := range x.Objects {
				walk(c, scroll)
			}
		case *widget.Card:
			walk(x.Content, scroll)
		case *container.Scroll:
			walk(x.Content, x)
		case *container.Split:
			walk(x.Leading, scroll)
			walk(x.Trailing, scroll)
		}
	}
	walk(o, nil)
	return out
}

// firstInput returns the first input under o: an entry or a choice, not
// a button.
func firstInput(o fyne.CanvasObject) fyne.Focusable {
	if o == nil || !o.Visible() {
		return nil
	}
	switch x := o.(type) {
	case *widget.Button, *keyButton:
		return nil
	case fyne.Focusable:
		if d, ok := o.(fyne.Disableable); ok && d.Disabled() {
			return nil
		}
		return x
	case *fyne.Container:
		for _, c := range x.Objects {
			if in := firstInput(c); in != nil {
				return in
			}
		}
	}
	return nil
}

// scrollIntoView scrolls s, if set, so that o shows, with a little of
// what is above it.
func scrollIntoView(s *container.Scroll, o fyne.Focusable) {
	obj, ok := o.(fyne.CanvasObject)
	if s == nil || !ok {
		return
	}
	d := fyne.CurrentApp().Driver()
	y := d.AbsolutePositionForObject(obj).Y - d.AbsolutePositionForObject(s.Content).Y
	top, bottom := s.Offset.Y, s.Offset.Y+s.Size().Height
	if y >= top && y+obj.Size().Height <= bottom {
		return
	}
	off := y - s.Size().Height/3
	if off < 0 {
		off = 0
	}
	s.ScrollToOffset(fyne.NewPos(s.Offset.X, off))
}
