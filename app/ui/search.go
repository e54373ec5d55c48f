package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/vm"
)

// searchPage keeps its entry and results across visits, so that going back
// from a person returns to the same list, the same result chosen and the
// search box focused.
//
// The keyboard: type, Down/Up choose a result (it shows selected), Enter
// opens it; Tab goes from the box to the results (Up/Down, Enter or Space
// opens, a letter goes back to the box), then to "Xem thêm" when the
// query matches more than are shown.
type searchPage struct {
	a       *App
	vm      *vm.Search
	entry   *searchEntry
	list    *resultsList
	message *widget.Label
	more    *keyButton
	page    *fyne.Container // laid out again when "Xem thêm" shows or hides
	results []vm.Result
	// visited is set once the page was shown: coming back selects the
	// query, so that typing starts the next search.
	visited bool
}

func newSearchPage(a *App) *searchPage {
	p := &searchPage{a: a, vm: vm.NewSearch(a.tr, gatedSearch{a, a.store}, a.do)}
	p.entry = &searchEntry{keyEntry: keyEntry{keys: a.keys}, page: p}
	p.entry.ExtendBaseWidget(p.entry)
	p.entry.OnChanged = p.vm.SetQuery
	p.entry.OnSubmitted = func(string) { p.openChosen() }
	p.message = widget.NewLabel("")
	p.message.Wrapping = fyne.TextWrapWord
	p.list = &resultsList{page: p}
	p.list.Length = func() int { return len(p.results) }
	p.list.CreateItem = func() fyne.CanvasObject {
		r := &resultRow{page: p, name: bold(""), line: widget.NewLabel("")}
		r.line.Truncation = fyne.TextTruncateEllipsis
		r.ExtendBaseWidget(r)
		return r
	}
	p.list.UpdateItem = func(i widget.ListItemID, o fyne.CanvasObject) {
		r := p.results[i]
		row := o.(*resultRow)
		row.index = i
		name := r.Name
		if r.Dead {
			name += " " + a.tr.T("result.dead")
		}
		row.name.SetText(name)
		row.line.SetText(r.Line(a.tr))
	}
	p.list.ExtendBaseWidget(p.list)
	p.more = newButton("", p.vm.ShowMore)
	p.more.Hide()
	// Results arrive through a.do (fyne.Do), on the UI goroutine.
	p.vm.OnChange(func() {
		p.results, _ = p.vm.Results()
		p.message.SetText(p.vm.Count())
		p.list.Refresh()
		p.showChosen()
		p.showMore()
	})
	return p
}

func (p *searchPage) view() fyne.CanvasObject {
	p.entry.SetPlaceHolder(p.a.tr.T("search.placeholder"))
	if p.entry.Text == "" {
		p.message.SetText(p.a.tr.T("search.hint"))
	} else {
		p.message.SetText(p.vm.Count())
	}
	p.showMore()
	if p.visited && p.entry.Text != "" {
		// Back from a person: the query stays, selected, so that typing
		// replaces it and Enter or the arrows still work on the results.
		p.entry.TypedShortcut(&fyne.ShortcutSelectAll{})
	}
	p.visited = true
	p.a.focusOnShow = p.entry
	top := container.NewVBox(p.entry, p.message)
	// The objects in the order Tab goes through them: the box, the
	// results, then "Xem thêm"; a Border's own order puts the centre
	// first.
	p.page = container.New(layout.NewBorderLayout(top, p.more, nil, nil), top, fastWheel(p.list), p.more)
	p.showChosen()
	return p.page
}

// showMore shows "Xem thêm" when the query matches more than are shown.
func (p *searchPage) showMore() {
	shown := p.more.Visible()
	defer func() {
		if p.page != nil && shown != p.more.Visible() {
			p.page.Refresh()
		}
	}()
	if p.vm.More() {
		p.more.SetText(p.a.tr.T("search.show_more"))
		p.more.Show()
	} else {
		if p.a.win.Canvas().Focused() == p.more {
			// All shown: the keyboard goes on in the results.
			p.a.win.Canvas().Focus(p.list)
		}
		p.more.Hide()
	}
}

// showChosen selects the chosen result in the list and scrolls to it.
func (p *searchPage) showChosen() {
	i := p.vm.Selected()
	if i < 0 {
		p.list.UnselectAll()
		return
	}
	p.list.Select(i)
	p.list.ScrollTo(i)
}

// move chooses the result delta rows away. Down past the last result
// shows more, when there are more.
func (p *searchPage) move(delta int) {
	if delta > 0 && p.vm.Selected() == len(p.results)-1 && p.vm.More() {
		p.vm.ShowMore()
	}
	p.vm.Move(delta)
	p.showChosen()
}

func (p *searchPage) openChosen() {
	if r, ok := p.vm.Chosen(); ok {
		p.open(r)
	}
}

func (p *searchPage) openAt(i int) {
	if i >= 0 && i < len(p.results) {
		p.vm.Select(i)
		p.showChosen()
		p.open(p.results[i])
	}
}

func (p *searchPage) open(r vm.Result) {
	p.a.push(func() fyne.CanvasObject { return personPage(p.a, r.ID) })
}

// searchEntry is the search box: Down and Up choose among the results
// below it while the officer keeps typing.
type searchEntry struct {
	keyEntry
	page *searchPage
}

func (e *searchEntry) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyDown:
		e.page.move(1)
	case fyne.KeyUp:
		e.page.move(-1)
	case fyne.KeyPageDown:
		e.page.move(pageRows)
	case fyne.KeyPageUp:
		e.page.move(-pageRows)
	default:
		e.keyEntry.TypedKey(ev)
	}
}

// pageRows is how many results PageDown and PageUp move.
const pageRows = 8

// resultsList is the list of results. Focused (Tab from the box), Up and
// Down move the choice, Enter or Space opens it, Esc goes back and a
// letter goes back to the box. The choice shows as the list's selection;
// a click opens the row clicked (see resultRow).
type resultsList struct {
	widget.List
	page *searchPage
}

func (l *resultsList) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyDown:
		l.page.move(1)
	case fyne.KeyUp:
		l.page.move(-1)
	case fyne.KeyPageDown:
		l.page.move(pageRows)
	case fyne.KeyPageUp:
		l.page.move(-pageRows)
	case fyne.KeyReturn, fyne.KeyEnter, fyne.KeySpace:
		l.page.openChosen()
	case fyne.KeyEscape:
		l.page.a.keys.doEscape()
	case fyne.KeyBackspace:
		l.backToBox(func(e *searchEntry) { e.keyEntry.TypedKey(ev) })
	}
}

func (l *resultsList) TypedRune(r rune) {
	l.backToBox(func(e *searchEntry) { e.TypedRune(r) })
}

func (l *resultsList) TypedShortcut(s fyne.Shortcut) {
	l.page.a.keys.passShortcut(s)
}

// backToBox focuses the search box, its text not selected, and types
// there.
func (l *resultsList) backToBox(typed func(*searchEntry)) {
	e := l.page.entry
	l.page.a.win.Canvas().Focus(e)
	e.keyEntry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEnd}) // no selection: type after the query
	typed(e)
}

// The list shows its own focus mark on a row of its own choosing; the
// selection is the choice, so the list marks nothing else.
func (l *resultsList) FocusGained() {}
func (l *resultsList) FocusLost()   {}

// resultRow is one result: a click opens it, wherever the keyboard's
// choice is (the list would not tell a click on the row already
// selected).
type resultRow struct {
	widget.BaseWidget
	page       *searchPage
	index      int
	name, line *widget.Label
}

func (r *resultRow) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewVBox(r.name, r.line))
}

func (r *resultRow) Tapped(*fyne.PointEvent) { r.page.openAt(r.index) }
