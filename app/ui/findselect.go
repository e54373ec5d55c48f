package ui

import (
	"sort"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/storage/fold"
)

// Type-to-find for the app's choices (keySelect): 55 ethnicities, the
// religions, a commune's hamlets, the sheet's columns. A letter typed on a
// focused choice, Space, Down, Up or a click opens a box over it with the
// options beneath; letters typed narrow them, in any case and with or
// without diacritics ("hmong" finds "H'Mông", "xo dang" "Xơ-đăng", a code
// "04" its option). Down and Up choose, Enter takes the choice, Esc closes
// the box and leaves the choice as it was; a click takes the option
// clicked. Left and Right on the closed choice step through the options
// as Fyne's do. Down in a select entry (a member's relationship, typed or
// chosen) opens the box with what is typed.

// typedKey is keySelect's handling of the keys other than Enter and Esc.
func (s *keySelect) typedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeySpace, fyne.KeyUp, fyne.KeyDown:
		s.openFind("")
	default:
		s.Select.TypedKey(ev)
	}
}

// Tapped opens the box, as a click on Fyne's choice opens its menu.
func (s *keySelect) Tapped(*fyne.PointEvent) {
	if !s.Disabled() {
		s.openFind("")
	}
}

// TypedRune opens the box with the letter typed.
func (s *keySelect) TypedRune(r rune) {
	if !s.Disabled() && r != ' ' {
		s.openFind(string(r))
	}
}

// openFind shows the box over the choice, typed already in it.
func (s *keySelect) openFind(typed string) {
	c := fyne.CurrentApp().Driver().CanvasForObject(s)
	if c == nil || len(s.Options) == 0 {
		return
	}
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(s)
	showFinder(c, s.Options, s.SelectedIndex(), typed, pos, s.Size(), func(i int) {
		c.Focus(s)
		if i >= 0 {
			s.SetSelectedIndex(i)
		}
	})
}

// showFinder shows a box with options beneath it at pos on c, over an
// object of size over (the box opens upwards near the bottom of the
// window), with typed in it; done is told the option taken, or -1, once
// the box is closed.
func showFinder(c fyne.Canvas, options []string, selected int, typed string, pos fyne.Position, over fyne.Size, done func(int)) {
	f := newFinder(options, selected)
	var pop *widget.PopUp
	f.chosen = func(i int) {
		pop.Hide()
		done(i)
	}
	f.cancel = func() { f.chosen(-1) }
	f.escape = f.cancel
	f.next = c.FocusNext
	pop = widget.NewPopUp(f.content(), c)
	rows := len(options)
	if rows > 8 {
		rows = 8
	}
	w := over.Width
	if w < 320 {
		w = 320
	}
	h := f.box.MinSize().Height + float32(rows)*f.rowHeight() + theme.Padding()*4
	if room := c.Size().Height - pos.Y; h > room && pos.Y > c.Size().Height/2 {
		pos.Y -= h - over.Height
	}
	pop.ShowAtPosition(pos)
	pop.Resize(fyne.NewSize(w, h))
	if pos.Y+h <= c.Size().Height {
		// Opened downwards: the box shrinks to the options found.
		f.filtered = func() {
			n := len(f.shown)
			if n < 1 {
				n = 1
			}
			if n > rows {
				n = rows
			}
			pop.Resize(fyne.NewSize(w, f.box.MinSize().Height+float32(n)*f.rowHeight()+theme.Padding()*4))
		}
	}
	c.Focus(f.box)
	for _, r := range typed {
		f.box.TypedRune(r)
	}
}

// find opens the box over a select entry (a member's relationship) with
// its text typed in it; the option taken replaces the text.
func (e *keySelectEntry) find() {
	c := fyne.CurrentApp().Driver().CanvasForObject(e)
	if c == nil || len(e.options) == 0 {
		return
	}
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(e)
	showFinder(c, e.options, -1, e.Text, pos, e.Size(), func(i int) {
		c.Focus(e)
		if i >= 0 {
			e.SetText(e.options[i])
		}
	})
}

// finder is the box and the options it narrows.
type finder struct {
	options []string
	keys    []findKey // options[i] folded for comparing
	shown   []int     // the indices of the options shown, best first
	at      int       // the index in shown of the option chosen, -1 for none
	box     *finderBox
	list    *widget.List
	// chosen is told the option taken; cancel that none was (Esc);
	// escape is Esc.
	chosen func(int)
	cancel func()
	escape func()
	next   func() // moves the focus on, after Tab
	// filtered, when set, is told the options shown changed.
	filtered func()
}

// findKey is an option as typing is compared with it: folded, its words
// with no apostrophes or hyphens, and the whole run together.
type findKey struct {
	words []string
}

func keyOf(s string) findKey {
	var k findKey
	for _, w := range strings.FieldsFunc(fold.Fold(s), func(r rune) bool { return r == ' ' || r == '-' || r == '(' || r == ')' || r == ',' }) {
		w = strings.ReplaceAll(w, "'", "")
		if w != "" {
			k.words = append(k.words, w)
		}
	}
	return k
}

// compact folds what is typed the way keyOf folds options, run together.
func compact(s string) string {
	return strings.Join(keyOf(s).words, "")
}

// rank says how well q (compacted) matches: 0 when the option starts with
// it (a code before the name does not count), 1 when a later word does, 2
// when it is inside a word, -1 when it does not match.
func (k findKey) rank(q string) int {
	if q == "" {
		return 0
	}
	lead := true
	for i, w := range k.words {
		if strings.HasPrefix(strings.Join(k.words[i:], ""), q) {
			if lead {
				return 0
			}
			return 1
		}
		lead = lead && isCode(w)
	}
	if strings.Contains(strings.Join(k.words, ""), q) {
		return 2
	}
	return -1
}

func newFinder(options []string, selected int) *finder {
	f := &finder{options: options}
	for _, o := range options {
		f.keys = append(f.keys, keyOf(o))
	}
	f.box = &finderBox{f: f}
	f.box.ExtendBaseWidget(f.box)
	f.box.OnChanged = f.filter
	f.box.OnSubmitted = func(string) { f.take() }
	f.list = widget.NewList(
		func() int { return len(f.shown) },
		func() fyne.CanvasObject {
			r := &finderRow{f: f, label: widget.NewLabel("")}
			r.label.Truncation = fyne.TextTruncateEllipsis
			r.ExtendBaseWidget(r)
			return r
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			r := o.(*finderRow)
			r.at = i
			r.label.SetText(f.options[f.shown[i]])
		})
	f.filter("")
	// Opened with nothing typed, the option chosen is shown chosen.
	for i, o := range f.shown {
		if o == selected {
			f.choose(i)
		}
	}
	return f
}

func (f *finder) content() fyne.CanvasObject {
	return container.NewBorder(f.box, nil, nil, nil, f.list)
}

func (f *finder) rowHeight() float32 {
	l := widget.NewLabel("Ág")
	return l.MinSize().Height + theme.Padding()
}

// filter shows the options q matches, best first, and chooses the first.
func (f *finder) filter(q string) {
	q = compact(q)
	type hit struct{ i, rank int }
	var hits []hit
	for i, k := range f.keys {
		if r := k.rank(q); r >= 0 {
			hits = append(hits, hit{i, r})
		}
	}
	sort.SliceStable(hits, func(a, b int) bool { return hits[a].rank < hits[b].rank })
	f.shown = f.shown[:0]
	for _, h := range hits {
		f.shown = append(f.shown, h.i)
	}
	f.list.UnselectAll()
	f.list.Refresh()
	f.at = -1
	if len(f.shown) > 0 && q != "" {
		f.choose(0)
	}
	if f.filtered != nil {
		f.filtered()
	}
}

// choose marks the shown option at i chosen.
func (f *finder) choose(i int) {
	if i < 0 || i >= len(f.shown) {
		return
	}
	f.at = i
	f.list.Select(i)
	f.list.ScrollTo(i)
}

func (f *finder) move(delta int) {
	i := f.at + delta
	if f.at < 0 {
		i = 0
	}
	if i >= len(f.shown) {
		i = len(f.shown) - 1
	}
	if i < 0 {
		i = 0
	}
	f.choose(i)
}

// take takes the option chosen; with none chosen the box closes.
func (f *finder) take() {
	if f.at >= 0 && f.at < len(f.shown) {
		f.chosen(f.shown[f.at])
		return
	}
	f.cancel()
}

// Selected is the option chosen in the box, for tests.
func (f *finder) Selected() string {
	if f.at < 0 || f.at >= len(f.shown) {
		return ""
	}
	return f.options[f.shown[f.at]]
}

// finderBox is the box letters are typed in; the arrows choose among the
// options beneath it, Enter takes, Esc closes.
type finderBox struct {
	widget.Entry
	f *finder
}

func (b *finderBox) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyDown:
		b.f.move(1)
	case fyne.KeyUp:
		b.f.move(-1)
	case fyne.KeyPageDown:
		b.f.move(pageRows)
	case fyne.KeyPageUp:
		b.f.move(-pageRows)
	case fyne.KeyEscape:
		b.f.escape()
	case fyne.KeyTab:
		b.f.take()
		b.f.next()
	default:
		b.Entry.TypedKey(ev)
	}
}

// AcceptsTab: Tab takes the choice and goes on, rather than moving
// inside the box.
func (b *finderBox) AcceptsTab() bool { return true }

// finderRow is one option: a click takes it (the list would not tell a
// click on the row already chosen).
type finderRow struct {
	widget.BaseWidget
	f     *finder
	at    int
	label *widget.Label
}

func (r *finderRow) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(r.label)
}

func (r *finderRow) Tapped(*fyne.PointEvent) {
	r.f.choose(r.at)
	r.f.take()
}
