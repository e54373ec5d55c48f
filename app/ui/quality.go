package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/vm"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/report"
)

// qualityPage is the data-quality screen: on the left the completeness
// per hamlet and per required field, on the right the worklist filtered by
// hamlet and kind, each item opening the record to correct. The page (its
// filters, its list and the list's keyboard position) is kept across
// visits; coming back from a record computes the worklist again, so the
// item fixed leaves the list.
type qualityPage struct {
	a            *App
	vm           *vm.Quality
	hamlet, rule *keySelect
	hamletKeys   []string
	ruleKeys     []string
	list         *keyList
	summary      *widget.Label
	count        *widget.Label
	status       *widget.Label
	progress     *widget.ProgressBarInfinite
	hamlets      *fyne.Container
	fields       *fyne.Container
	// opened is set when an item was opened: the page shown again
	// afterwards computes the worklist again and gives the list the focus.
	opened bool
}

// showQuality opens the data-quality screen and computes its worklist.
func (a *App) showQuality() {
	if a.quality == nil {
		a.quality = newQualityPage(a)
	}
	a.showSection(navQuality, a.quality.view)
	a.quality.vm.Refresh()
}

func newQualityPage(a *App) *qualityPage {
	p := &qualityPage{a: a, vm: vm.NewQuality(a.tr, a.store, a.do)}
	p.vm.Go = a.goRead
	p.summary = wrapped("")
	p.count = bold("")
	p.status = widget.NewLabel("")
	p.progress = widget.NewProgressBarInfinite()
	p.progress.Hide()
	p.hamlets = container.NewVBox()
	p.fields = container.NewVBox()
	p.hamlet = newKeySelect(a.keys, nil, func(string) { p.filterChanged() }, nil)
	p.rule = newKeySelect(a.keys, nil, func(string) { p.filterChanged() }, nil)
	p.list = newKeyList(a.keys,
		func() int { return p.vm.Len() },
		func() fyne.CanvasObject {
			// One line each: the list's rows are all one height.
			who := bold("")
			who.Truncation = fyne.TextTruncateEllipsis
			line := widget.NewLabel("")
			line.Truncation = fyne.TextTruncateEllipsis
			return container.NewVBox(who, line)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			it, _ := p.vm.Item(i)
			c := o.(*fyne.Container)
			c.Objects[0].(*widget.Label).SetText(it.Who + " — " + it.Message)
			c.Objects[1].(*widget.Label).SetText(it.Line)
		})
	p.list.OnSelected = func(i widget.ListItemID) {
		p.list.UnselectAll()
		if it, ok := p.vm.Item(i); ok {
			p.open(it)
		}
	}
	p.vm.OnChange(p.update)
	return p
}

func (p *qualityPage) view() fyne.CanvasObject {
	a, tr := p.a, p.a.tr
	if p.opened {
		p.opened = false
		p.vm.Refresh()
		go a.do(func() { a.win.Canvas().Focus(p.list) })
	}
	p.update()
	left := container.NewVScroll(container.NewVBox(
		widget.NewCard("", tr.T("quality.by_hamlet"), p.hamlets),
		widget.NewCard("", tr.T("quality.by_field"), p.fields),
	))
	filters := container.New(layout.NewFormLayout(),
		widget.NewLabel(tr.T("quality.hamlet")), p.hamlet,
		widget.NewLabel(tr.T("quality.rule")), p.rule,
	)
	hint := wrapped(tr.T("quality.keys"))
	right := container.NewBorder(container.NewVBox(filters, p.count), nil, nil, nil, fastWheel(p.list))
	split := container.NewHSplit(left, right)
	split.SetOffset(0.40)
	head := container.NewVBox(container.NewBorder(nil, nil, bold(tr.T("nav.quality")), nil, container.NewStack(p.progress, p.status)),
		p.summary)
	return container.NewBorder(head, hint, nil, nil, split)
}

// filterChanged applies the filters chosen.
func (p *qualityPage) filterChanged() {
	h, r := p.vm.Filter()
	if i := p.hamlet.SelectedIndex(); i >= 0 && i < len(p.hamletKeys) {
		h = p.hamletKeys[i]
	}
	if i := p.rule.SelectedIndex(); i >= 0 && i < len(p.ruleKeys) {
		r = p.ruleKeys[i]
	}
	if oh, or := p.vm.Filter(); oh == h && or == r {
		return
	}
	p.vm.SetFilter(h, r)
	p.list.ScrollToTop()
}

// update shows the view model's state; on the UI goroutine.
func (p *qualityPage) update() {
	tr := p.a.tr
	st := p.vm.State()
	switch {
	case st.Error != "":
		p.status.SetText(st.Error)
		p.status.Importance = widget.DangerImportance
	case st.Loading && !st.Loaded:
		p.status.SetText(tr.T("quality.loading"))
	case st.Loading:
		p.status.SetText(tr.T("quality.refreshing"))
	default:
		p.status.SetText("")
	}
	if st.Error == "" {
		p.status.Importance = widget.MediumImportance
	}
	p.status.Refresh()
	if st.Loading {
		p.progress.Show()
	} else {
		p.progress.Hide()
	}
	p.summary.SetText(st.Summary)
	if st.Loaded && p.vm.Len() == 0 {
		p.count.SetText(tr.T("quality.none"))
	} else {
		p.count.SetText(st.Count)
	}

	// The filters' options carry counts: set them again, keeping the
	// keys chosen (OnChanged is held off meanwhile).
	h, r := p.vm.Filter()
	setChoices(p.hamlet, &p.hamletKeys, p.vm.HamletChoices(), h)
	setChoices(p.rule, &p.ruleKeys, p.vm.RuleChoices(), r)

	p.hamlets.Objects = []fyne.CanvasObject{p.hamletTable()}
	p.hamlets.Refresh()
	p.fields.Objects = []fyne.CanvasObject{p.fieldTable()}
	p.fields.Refresh()
	p.list.Refresh()
}

func setChoices(s *keySelect, keys *[]string, choices []vm.Choice, key string) {
	changed := s.OnChanged
	s.OnChanged = nil
	labels := make([]string, len(choices))
	*keys = (*keys)[:0]
	sel := 0
	for i, c := range choices {
		labels[i] = c.Label
		*keys = append(*keys, c.Value)
		if c.Value == key {
			sel = i
		}
	}
	s.SetOptions(labels)
	s.SetSelectedIndex(sel)
	s.OnChanged = changed
}

func (p *qualityPage) hamletTable() fyne.CanvasObject {
	tr := p.a.tr
	cells := []fyne.CanvasObject{
		headCell(report.Word("hamlet", tr.Lang()), false), headCell(tr.T("quality.col.persons"), true),
		headCell(tr.T("quality.col.complete"), true), headCell(tr.T("quality.col.percent"), true),
		headCell(tr.T("quality.col.items"), true),
	}
	rows := p.vm.Hamlets()
	for i, h := range rows {
		strong := i == len(rows)-1 // the commune's total
		cells = append(cells, cell(h.Name, false, strong), cell(h.Persons, true, strong), cell(h.Complete, true, strong),
			cell(h.Percent, true, strong), cell(h.Items, true, strong))
	}
	return container.New(tableLayout{cols: 5}, cells...)
}

func (p *qualityPage) fieldTable() fyne.CanvasObject {
	tr := p.a.tr
	cells := []fyne.CanvasObject{
		headCell(tr.T("quality.col.field"), false), headCell(tr.T("quality.col.filled"), true),
		headCell(tr.T("quality.col.persons"), true), headCell(tr.T("quality.col.percent"), true),
	}
	for _, f := range p.vm.Fields() {
		cells = append(cells, cell(f.Label, false, false), cell(f.Filled, true, false), cell(f.Of, true, false), cell(f.Percent, true, false))
	}
	return container.New(tableLayout{cols: 4}, cells...)
}

func headCell(s string, right bool) fyne.CanvasObject { return cell(s, right, true) }

func cell(s string, right, strong bool) fyne.CanvasObject {
	align := fyne.TextAlignLeading
	if right {
		align = fyne.TextAlignTrailing
	}
	return newTightLabel(s, align, strong)
}

// open shows the record of an item ready to correct: the person's form
// (its field to correct focused) for a wrong or missing value, the
// person's page for a probable duplicate or a person past 110 (a merge, a
// death to record), the household for a household's item. Saving the form
// comes back here.
func (p *qualityPage) open(it vm.QualityItem) {
	a := p.a
	p.opened = true
	if it.Person.IsZero() {
		a.push(func() fyne.CanvasObject { return householdPage(a, it.Household) })
		return
	}
	if it.Rule == report.RuleProbableDuplicate || it.Rule == report.RuleAlivePast110 || it.Field == 0 {
		a.push(func() fyne.CanvasObject { return personPage(a, it.Person) })
		return
	}
	f, err := vm.OpenPersonForm(a.tr, a.store, it.Person)
	if err != nil {
		a.push(func() fyne.CanvasObject { return personPage(a, it.Person) }) // says why
		return
	}
	a.push(func() fyne.CanvasObject {
		return formPage(a, f, func(*storage.Person) { a.back() })
	})
	focusField(a, vm.FieldLabel(a.tr, it.Field))
}

// focusField gives the focus to the input beside the label of a field on
// the page shown (the form lays each field out as its label, then its
// input).
func focusField(a *App, label string) {
	var target fyne.Focusable
	next := false
	eachObject(a.content, func(o fyne.CanvasObject) {
		if target != nil {
			return
		}
		if l, ok := o.(*widget.Label); ok && l.Text == label {
			next = true
			return
		}
		if f, ok := o.(fyne.Focusable); ok && next {
			if d, ok := o.(fyne.Disableable); !ok || !d.Disabled() {
				target = f
			}
		}
	})
	if target != nil {
		a.win.Canvas().Focus(target)
	}
}

// eachObject calls f on o and what it holds, in order: the objects of
// containers, the content of cards and scrolls (not the insides of other
// widgets).
func eachObject(o fyne.CanvasObject, f func(fyne.CanvasObject)) {
	if o == nil {
		return
	}
	f(o)
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			eachObject(c, f)
		}
	case *widget.Card:
		eachObject(x.Content, f)
	case *container.Scroll:
		eachObject(x.Content, f)
	}
}

// keyList is a list the keyboard drives: the arrows move, Enter (or
// Space) opens the item, Esc goes back.
type keyList struct {
	widget.List
	keys *keys
}

func newKeyList(k *keys, length func() int, create func() fyne.CanvasObject, update func(widget.ListItemID, fyne.CanvasObject)) *keyList {
	l := &keyList{keys: k}
	l.Length, l.CreateItem, l.UpdateItem = length, create, update
	l.ExtendBaseWidget(l)
	return l
}

func (l *keyList) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyReturn, fyne.KeyEnter:
		l.List.TypedKey(&fyne.KeyEvent{Name: fyne.KeySpace})
	case fyne.KeyEscape:
		if l.keys != nil {
			l.keys.doEscape()
			return
		}
		toWindow(l, ev)
	default:
		l.List.TypedKey(ev)
	}
}

func (l *keyList) TypedShortcut(s fyne.Shortcut) {
	if l.keys == nil {
		shortcutToWindow(l, s)
		return
	}
	l.keys.passShortcut(s)
}
