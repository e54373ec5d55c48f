package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/vm"
)

// householdsScreen lists hamlets, and the households of the chosen one.
type householdsScreen struct {
	a       *App
	vm      *vm.Households
	hamlets []vm.HamletRow
	// list is the chosen hamlet's households; its heads are read a page
	// at a time as rows come into view.
	list       *vm.HamletList
	hamletList *keyList
	hhList     *keyList
	choose     *widget.Label
	// hamlet is the hamlet chosen; printRound prints its round.
	hamlet     string
	printRound *keyButton
	printed    *widget.Label
	right      *fyne.Container // the hamlet's side, laid out again when printed changes
}

// householdsPage builds the households screen.
func householdsPage(a *App) fyne.CanvasObject { return newHouseholdsScreen(a).view() }

func newHouseholdsScreen(a *App) *householdsScreen {
	tr := a.tr
	p := &householdsScreen{a: a, vm: vm.NewHouseholds(tr, a.store)}
	p.vm.Go = a.goRead // Close and a lock wait for the pages being read
	p.hhList = newList(
		func() int {
			if p.list == nil {
				return 0
			}
			return p.list.Len()
		},
		func() fyne.CanvasObject { return container.NewVBox(bold(""), widget.NewLabel("")) },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			r := p.list.Row(i)
			b := o.(*fyne.Container)
			who := tr.T("households.head", r.Head)
			switch {
			case !r.Read:
				who = tr.T("households.head", "…")
			case r.Members == 0:
				who = tr.T("households.empty")
			case r.Head == "":
				who = tr.T("households.no_head")
			}
			b.Objects[0].(*widget.Label).SetText(r.Number + " — " + who)
			b.Objects[1].(*widget.Label).SetText(r.Address)
		})
	p.hhList.OnSelected = func(i widget.ListItemID) {
		num := p.list.Row(i).Number
		p.hhList.UnselectAll()
		a.push(func() fyne.CanvasObject { return householdPage(a, num) })
	}
	p.hamletList = newList(
		func() int { return len(p.hamlets) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(p.vm.HamletLabel(p.hamlets[i]))
		})
	p.hamletList.OnSelected = func(i widget.ListItemID) { p.chooseHamlet(p.hamlets[i].Name) }
	p.choose = widget.NewLabel(tr.T("households.choose"))
	p.printRound, p.printed = printButton(a, tr.T("print.hamlet"), func() {
		if p.right != nil {
			p.right.Refresh()
		}
	}, func(dir string, open vm.Opener) vm.Printed {
		return vm.PrintHamlet(tr, a.store, dir, p.hamlet, open)
	})
	p.printRound.Disable()
	return p
}

// view lays the screen out and starts reading the hamlets. Shown again
// (back from a household), the hamlet chosen stays chosen, read again (a
// split or merge changed it), the list where it was and focused.
func (p *householdsScreen) view() fyne.CanvasObject {
	a, tr := p.a, p.a.tr
	again := p.list != nil
	if again {
		a.focusOnShow = p.hhList
	} else {
		p.choose.SetText(tr.T("households.choose"))
	}
	p.printRound.SetText(tr.T("print.hamlet")) // in the language of now
	a.goRead(func() {
		err := p.vm.Load()
		go a.do(func() {
			if err != nil {
				p.choose.SetText(vm.ErrText(tr, err))
				return
			}
			p.hamlets = p.vm.Hamlets()
			p.hamletList.Refresh()
			if again {
				p.rechoose()
			}
		})
	})
	top := container.NewVBox(container.NewBorder(nil, nil, nil, p.printRound, p.choose), p.printed)
	p.right = container.NewBorder(top, nil, nil, nil, fastWheel(p.hhList))
	split := container.NewHSplit(fastWheel(p.hamletList), p.right)
	split.SetOffset(0.35)
	return container.NewBorder(bold(tr.T("nav.households")), nil, nil, nil, split)
}

// rechoose reads the hamlet chosen again, keeping the list's place.
func (p *householdsScreen) rechoose() {
	at := p.hhList.GetScrollOffset()
	for i, h := range p.hamlets {
		if h.Name == p.hamlet {
			p.hamletList.Select(i) // OnSelected: chooseHamlet
			p.hhList.ScrollToOffset(at)
			return
		}
	}
	// The hamlet has no household left (merged away): choose again.
	p.list, p.hamlet = nil, ""
	p.choose.SetText(p.a.tr.T("households.choose"))
	p.printRound.Disable()
	p.hhList.Refresh()
}

// chooseHamlet shows hamlet's households. The numbers and addresses are
// at hand; the list asks for the heads of the rows it draws.
func (p *householdsScreen) chooseHamlet(name string) {
	l := p.vm.Hamlet(name, p.a.do)
	l.OnChange(func() {
		if p.list != l {
			return // another hamlet was chosen meanwhile
		}
		if err := l.Err(); err != nil {
			p.choose.SetText(vm.ErrText(p.a.tr, err))
		}
		p.hhList.Refresh()
	})
	p.list = l
	p.hamlet = name
	p.choose.SetText(p.vm.HamletLabel(vm.HamletRow{Name: name, Households: l.Len()}))
	if name == "" {
		p.printRound.Disable() // households whose address names no hamlet make no round
	} else {
		p.printRound.Enable()
	}
	p.printed.Hide()
	p.right.Refresh()
	p.hhList.Refresh()
	p.hhList.ScrollToTop()
}

// householdPage shows one household's members and its events.
func householdPage(a *App, number string) fyne.CanvasObject {
	tr := a.tr
	v, err := vm.OpenHousehold(tr, a.store, number)
	if err != nil {
		return container.NewVBox(wrapped(vm.ErrText(tr, err)), newButton(tr.T("household.back"), a.back))
	}
	members := v.Members()
	list := newList(
		func() int { return len(members) },
		func() fyne.CanvasObject { return container.NewVBox(bold(""), widget.NewLabel("")) },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			m := members[i]
			b := o.(*fyne.Container)
			name := m.Name
			if m.Status != "" {
				name += " (" + m.Status + ")"
			}
			b.Objects[0].(*widget.Label).SetText(m.Relationship + ": " + name)
			b.Objects[1].(*widget.Label).SetText(tr.T("member.line", vm.OrNone(tr, m.Birth), vm.OrNone(tr, m.IDNumber)))
		})
	list.OnSelected = func(i widget.ListItemID) {
		id := members[i].Person.ID
		list.UnselectAll()
		a.push(func() fyne.CanvasObject { return personPage(a, id) })
	}
	arrival := func(f func() *vm.Form) func() {
		return func() {
			form := f() // kept while the page is rebuilt (a language change)
			a.push(func() fyne.CanvasObject { return formPage(a, form, nil) })
		}
	}
	birth := newButton(tr.T("household.birth"), arrival(v.Birth))
	birth.Importance = widget.HighImportance
	split := newButton(tr.T("household.split"), func() {
		if s, err := vm.NewSplit(tr, a.store, number); err == nil {
			a.push(func() fyne.CanvasObject { return splitPage(a, s) })
		}
	})
	merge := newButton(tr.T("household.merge"), func() {
		if m, err := vm.NewMerge(tr, a.store, number); err == nil {
			a.push(func() fyne.CanvasObject { return mergePage(a, m) })
		}
	})
	if len(members) < 2 {
		split.Disable() // nobody could stay behind
	}
	var page *fyne.Container
	relayout := func() {
		if page != nil {
			page.Refresh()
		}
	}
	print, printed := printButton(a, tr.T("print.household"), relayout, func(dir string, open vm.Opener) vm.Printed {
		return vm.PrintHousehold(tr, a.store, dir, number, open)
	})
	head := container.NewVBox(
		heading(v.Title()),
		widget.NewLabel(v.Address()),
		buttonRow(birth, newButton(tr.T("household.move_in"), arrival(v.MoveIn)), split, merge, print,
			newButton(tr.T("household.back"), a.back)),
		printed,
	)
	if w := v.Warning(); w != "" {
		l := wrapped(w)
		l.Importance = widget.WarningImportance
		head.Add(l)
	}
	head.Add(bold(tr.T("household.members")))
	page = container.NewBorder(head, nil, nil, nil, list)
	return page
}
