package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/vm"
)

// householdsPage lists hamlets, and the households of the chosen one.
func householdsPage(a *App) fyne.CanvasObject {
	tr := a.tr
	v := vm.NewHouseholds(tr, a.store)
	var hamlets []vm.HamletRow
	var rows []vm.HouseholdRow
	hhList := widget.NewList(
		func() int { return len(rows) },
		func() fyne.CanvasObject { return container.NewVBox(bold(""), widget.NewLabel("")) },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			b := o.(*fyne.Container)
			who := tr.T("households.head", rows[i].Head)
			switch {
			case rows[i].Members == 0:
				who = tr.T("households.empty")
			case rows[i].Head == "":
				who = tr.T("households.no_head")
			}
			b.Objects[0].(*widget.Label).SetText(rows[i].Number + " — " + who)
			b.Objects[1].(*widget.Label).SetText(rows[i].Address)
		})
	hhList.OnSelected = func(i widget.ListItemID) {
		num := rows[i].Number
		hhList.UnselectAll()
		a.push(func() fyne.CanvasObject { return householdPage(a, num) })
	}
	hamletList := widget.NewList(
		func() int { return len(hamlets) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(v.HamletLabel(hamlets[i])) })
	hamletList.OnSelected = func(i widget.ListItemID) {
		name := hamlets[i].Name
		go func() {
			r := v.InHamlet(name)
			a.do(func() { rows = r; hhList.Refresh(); hhList.ScrollToTop() })
		}()
	}
	go func() {
		err := v.Load()
		a.do(func() {
			if err == nil {
				hamlets = v.Hamlets()
				hamletList.Refresh()
			}
		})
	}()
	split := container.NewHSplit(hamletList, container.NewBorder(widget.NewLabel(tr.T("households.choose")), nil, nil, nil, hhList))
	split.SetOffset(0.35)
	return container.NewBorder(bold(tr.T("nav.households")), nil, nil, nil, split)
}

// householdPage shows one household's members and its events.
func householdPage(a *App, number string) fyne.CanvasObject {
	tr := a.tr
	v, err := vm.OpenHousehold(tr, a.store, number)
	if err != nil {
		return container.NewVBox(wrapped(err.Error()), widget.NewButton(tr.T("household.back"), a.back))
	}
	members := v.Members()
	list := widget.NewList(
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
			b.Objects[1].(*widget.Label).SetText(tr.T("member.line", m.Birth, m.IDNumber))
		})
	list.OnSelected = func(i widget.ListItemID) {
		id := members[i].Person.ID
		list.UnselectAll()
		a.push(func() fyne.CanvasObject { return personPage(a, id) })
	}
	arrival := func(f func() *vm.Form) func() {
		return func() { a.push(func() fyne.CanvasObject { return formPage(a, f(), nil) }) }
	}
	birth := widget.NewButton(tr.T("household.birth"), arrival(v.Birth))
	birth.Importance = widget.HighImportance
	split := widget.NewButton(tr.T("household.split"), func() {
		if s, err := vm.NewSplit(tr, a.store, number); err == nil {
			a.push(func() fyne.CanvasObject { return splitPage(a, s) })
		}
	})
	merge := widget.NewButton(tr.T("household.merge"), func() {
		if m, err := vm.NewMerge(tr, a.store, number); err == nil {
			a.push(func() fyne.CanvasObject { return mergePage(a, m) })
		}
	})
	if len(members) < 2 {
		split.Disable() // nobody could stay behind
	}
	head := container.NewVBox(
		bold(v.Title()),
		widget.NewLabel(v.Address()),
		container.NewHBox(birth, widget.NewButton(tr.T("household.move_in"), arrival(v.MoveIn)), split, merge,
			widget.NewButton(tr.T("household.back"), a.back)),
	)
	if w := v.Warning(); w != "" {
		l := wrapped(w)
		l.Importance = widget.WarningImportance
		head.Add(l)
	}
	head.Add(bold(tr.T("household.members")))
	return container.NewBorder(head, nil, nil, nil, list)
}
