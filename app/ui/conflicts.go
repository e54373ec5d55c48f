package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/vm"
	"github.com/communekit/communekit/storage"
)

// conflictsPage is the supervisor's conflict queue: the open conflicts on
// the left, the one selected on the right with its candidates side by
// side, and the resolutions that apply. On an officer's device the queue
// is read-only and says who decides.
type conflictsPage struct {
	a  *App
	vm *vm.Conflicts
	// note and value keep what the supervisor typed across redraws.
	note, value string
}

func (a *App) showConflicts() { a.openConflict("") }

// openConflict shows the queue with conflict id (a row's ID) selected,
// once it is read; "" selects none.
func (a *App) openConflict(id string) {
	p := &conflictsPage{a: a, vm: vm.NewConflicts(a.tr, a.store)}
	if id != "" {
		p.vm.Select(id)
	}
	a.conflicts = p
	a.showSection(navConflicts, p.view)
	p.refresh()
}

// refresh reads the queue off the UI goroutine and redraws if the queue is
// still on screen. Close waits for the read before closing the store.
func (p *conflictsPage) refresh() {
	p.a.goRead(func() {
		p.vm.Refresh()
		p.a.do(func() {
			if p.a.conflicts == p && len(p.a.pages) == 1 {
				p.a.show()
			}
		})
	})
}

func (p *conflictsPage) view() fyne.CanvasObject {
	tr := p.a.tr
	rows := p.vm.Rows()
	// Not heading: wrapped, it let the real window grow to twice the
	// screen's height as the rows were first measured. The title is short.
	head := []fyne.CanvasObject{bold(tr.T("conflicts.title", vm.Count(tr, len(rows))))}
	if line := p.vm.RoleLine(); line != "" {
		l := wrapped(line)
		l.Importance = widget.WarningImportance
		head = append(head, l)
	}
	if e := p.vm.Error(); e != "" {
		l := wrapped(e)
		l.Importance = widget.DangerImportance
		head = append(head, l)
	}
	if m := p.vm.Message(); m != "" && p.vm.Selected() == "" {
		l := wrapped(m)
		l.Importance = widget.SuccessImportance
		head = append(head, l)
	}
	// Each row is the kind and the whole line that says what the
	// conflict is, wrapped: a row is as tall as its line needs.
	row := func() fyne.CanvasObject {
		// A border, not a box: the line takes the height the row is
		// given, where a box would size it before knowing its width.
		kind := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		return container.New(layout.NewBorderLayout(kind, nil, nil, nil), kind, wrapped(""))
	}
	fill := func(i int, o fyne.CanvasObject) {
		c := o.(*fyne.Container)
		c.Objects[0].(*widget.Label).SetText(rows[i].Label)
		c.Objects[1].(*widget.Label).SetText(rows[i].Summary)
	}
	list := newList(
		func() int { return len(rows) },
		row,
		func(i widget.ListItemID, o fyne.CanvasObject) { fill(i, o) })
	sel := p.vm.Selected()
	for i, r := range rows {
		if r.ID == sel {
			list.Select(i)
		}
	}
	list.OnSelected = func(i widget.ListItemID) {
		if rows[i].ID != p.vm.Selected() {
			p.vm.Select(rows[i].ID)
			p.value = ""
			p.a.show()
		}
	}
	left := wrapRows(list, len(rows), row, fill)
	if len(rows) == 0 {
		left = wrapped(tr.T("conflicts.none"))
	}
	split := container.NewHSplit(left, p.detail())
	split.Offset = 0.32
	return container.NewBorder(container.NewVBox(head...), nil, nil, nil, split)
}

// detail is the selected conflict: what happened, the candidates side by
// side with a button under each that applies, the value and note entries.
func (p *conflictsPage) detail() fyne.CanvasObject {
	a, tr := p.a, p.a.tr
	d := p.vm.Detail()
	if d == nil {
		return container.NewPadded(wrapped(tr.T("conflicts.pick")))
	}
	note := newKeyEntry(a.keys)
	note.SetPlaceHolder(tr.T("conflicts.note_placeholder"))
	note.SetText(p.note)
	note.OnChanged = func(s string) { p.note = s }
	acted := func(err error) {
		a.overview.refresh(nil)
		a.show()
	}

	// One table: the labels once on the left, a column per candidate,
	// and under each column the buttons that apply to it.
	n := len(d.Columns)
	var cells []fyne.CanvasObject
	if n > 0 {
		cells = append(cells, widget.NewLabel(""))
		for _, c := range d.Columns {
			t := wrapped(c.Title)
			t.TextStyle.Bold = true
			cells = append(cells, t)
		}
		for i := range d.Columns[0].Lines {
			l := wrapped(d.Columns[0].Lines[i].Label)
			l.TextStyle.Italic = true // not LowImportance: drawn in the disabled colour, unreadable in the dark theme
			cells = append(cells, l)
			for _, c := range d.Columns {
				v := ""
				if i < len(c.Lines) {
					v = c.Lines[i].Value
				}
				cells = append(cells, wrapped(v))
			}
		}
		cells = append(cells, widget.NewLabel(""))
	}
	for i, c := range d.Columns {
		var buttons []fyne.CanvasObject
		k, col := i, c
		if d.Choose {
			b := newButton(tr.T("conflicts.choose", k+1), func() { acted(p.vm.Choose(k+1, p.note)) })
			b.Importance = widget.HighImportance
			buttons = append(buttons, b)
		}
		if d.Merge {
			buttons = append(buttons, newButton(tr.T("conflicts.keep_this"), func() {
				confirm(a, tr.T("conflicts.kind.duplicate"), tr.T("conflicts.keep", col.Title), func() { acted(p.vm.Merge(k, p.note)) })
			}))
		}
		if len(d.Correct) > 0 && !col.Person.IsZero() {
			buttons = append(buttons, newButton(tr.T("conflicts.correct", col.Title), func() { p.correct(col.Person) }))
		}
		cells = append(cells, container.NewVBox(buttons...))
	}
	title := wrapped(d.Row.Title)
	title.TextStyle.Bold = true
	items := []fyne.CanvasObject{title, wrapped(d.Explain)}
	if n > 0 {
		// A grid per row: a grid gives every cell the tallest cell's
		// height, and one wrapped label would double every row.
		table := container.NewVBox()
		for i := 0; i+n+1 <= len(cells); i += n + 1 {
			table.Add(container.NewGridWithColumns(n+1, cells[i:i+n+1]...))
		}
		items = append(items, widget.NewSeparator(), table, widget.NewSeparator())
	}
	// The note comes before the value entry, so Tab goes from the
	// candidates' buttons to the note, then the value and its button.
	if d.Choose || d.Enter || d.Merge || d.Dismiss {
		items = append(items, widget.NewLabel(tr.T("conflicts.note")), note)
	}
	if d.Enter {
		value := newKeyEntry(a.keys)
		value.SetText(p.value)
		value.OnChanged = func(s string) { p.value = s }
		problem := problemLabel()
		setProblem(problem, p.vm.ValueProblem())
		save := newButton(tr.T("conflicts.enter"), func() { acted(p.vm.Enter(p.value, p.note)) })
		value.OnSubmitted = func(string) { save.OnTapped() }
		items = append(items, widget.NewLabel(tr.T("conflicts.enter_value")+" ("+vm.FieldLabel(tr, d.Field)+")"),
			container.NewBorder(nil, nil, nil, save, value), problem)
	}
	if d.Dismiss {
		label := tr.T("conflicts.dismiss")
		if d.Row.Kind == storage.ConflictDuplicate {
			label = tr.T("conflicts.dismiss_duplicate")
		}
		items = append(items, container.NewHBox(newButton(label, func() { acted(p.vm.Dismiss(p.note)) })))
	}
	if m := p.vm.Problem(); m != "" {
		l := wrapped(m)
		l.Importance = widget.DangerImportance
		items = append(items, l)
	}
	return container.NewVScroll(container.NewPadded(container.NewVBox(items...)))
}

// correct opens a person's form; saving it comes back to the queue, read
// again.
func (p *conflictsPage) correct(id storage.ID) {
	a := p.a
	f, err := vm.OpenPersonForm(a.tr, a.store, id)
	if err != nil {
		return
	}
	a.push(func() fyne.CanvasObject {
		return formPage(a, f, func(*storage.Person) {
			a.back()
			p.refresh()
		})
	})
}

// confirm asks before an action that cannot be taken back: Enter confirms,
// Esc cancels.
func confirm(a *App, title, message string, yes func()) {
	esc, enter := a.keys.escape, a.keys.enter
	entered := false
	d := newKeyConfirmText(title, message, a.tr.T("conflicts.merge_yes"), a.tr.T("conflicts.merge_no"), func(ok bool) {
		a.keys.escape, a.keys.enter = esc, enter
		if ok || entered {
			yes()
		}
	}, a.win)
	a.keys.escape = d.Hide
	a.keys.enter = func() { entered = true; d.Hide() }
	d.Show()
}

// wrapRows gives each of the n rows of list the height its wrapped text
// needs at the list's width, measured on a row made by row and filled by
// fill; the heights follow the width when the window is resized.
func wrapRows(list *keyList, n int, row func() fyne.CanvasObject, fill func(int, fyne.CanvasObject)) fyne.CanvasObject {
	return container.New(&rowHeights{list: list, n: n, row: row, fill: fill}, list)
}

type rowHeights struct {
	list  *keyList
	n     int
	row   func() fyne.CanvasObject
	fill  func(int, fyne.CanvasObject)
	width float32
}

func (r *rowHeights) MinSize([]fyne.CanvasObject) fyne.Size { return r.list.MinSize() }

func (r *rowHeights) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	if size.Width > 0 && size.Width != r.width {
		r.width = size.Width
		probe := r.row()
		for i := 0; i < r.n; i++ {
			r.fill(i, probe)
			// Twice: the first gives the line its width, the second the
			// height its wrapped text then needs.
			probe.Resize(fyne.NewSize(size.Width, probe.MinSize().Height))
			probe.Resize(fyne.NewSize(size.Width, probe.MinSize().Height))
			r.list.SetItemHeight(i, probe.MinSize().Height)
		}
	}
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}
