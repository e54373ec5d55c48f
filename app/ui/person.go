package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/vm"
	"github.com/communekit/communekit/storage"
)

// personPage shows one person's record with what can be done to it.
func personPage(a *App, id storage.ID) fyne.CanvasObject {
	tr := a.tr
	p, err := a.store.Person(id)
	if err != nil {
		return wrapped(vm.ErrText(tr, err))
	}
	edit := widget.NewButton(tr.T("person.edit"), func() {
		a.push(func() fyne.CanvasObject { return formPage(a, vm.NewPersonForm(tr, a.store, p), nil) })
	})
	edit.Importance = widget.HighImportance
	hist := widget.NewButton(tr.T("person.history"), func() {
		a.push(func() fyne.CanvasObject { return historyPage(a, p) })
	})
	var page *fyne.Container
	relayout := func() {
		if page != nil {
			page.Refresh()
		}
	}
	print, printed := printButton(a, tr.T("print.person"), relayout, func(dir string, open vm.Opener) vm.Printed {
		return vm.PrintPerson(tr, a.store, dir, id, open)
	})
	buttons := []fyne.CanvasObject{edit, hist, print}
	if num := p.Get(storage.FieldHouseholdNumber); num != "" {
		buttons = append(buttons, widget.NewButton(tr.T("person.household"), func() {
			a.push(func() fyne.CanvasObject { return householdPage(a, num) })
		}))
	}
	buttons = append(buttons, eventButtons(a, p)...)
	buttons = append(buttons, widget.NewButton(tr.T("history.back"), a.back))

	var cols []fyne.CanvasObject
	var weights []int
	for _, g := range vm.PersonGroups {
		form := widget.NewForm()
		for _, f := range g.Fields {
			v := p.Get(f)
			if v == "" {
				continue
			}
			val := wrapped(displayValue(a, f, v))
			form.Append(vm.FieldLabel(tr, f), val)
		}
		if len(form.Items) > 0 {
			cols = append(cols, widget.NewCard("", tr.T(g.Key), form))
			weights = append(weights, len(form.Items))
		}
	}
	body := container.NewVScroll(twoColumns(cols, weights))
	head := container.NewVBox(bold(p.FullName()), container.NewHBox(buttons...), printed)
	if missing := vm.MissingOf(tr, p, a.store.WallClock()); len(missing) > 0 {
		l := wrapped(tr.T("person.missing") + "\n• " + strings.Join(missing, "\n• "))
		l.Importance = widget.WarningImportance
		head.Add(l)
	}
	page = container.NewBorder(head, nil, nil, nil, body)
	return page
}

// eventButtons are the events that can befall a living person.
func eventButtons(a *App, p *storage.Person) []fyne.CanvasObject {
	if p.Get(storage.FieldStatus) == storage.StatusDead {
		return nil
	}
	var out []fyne.CanvasObject
	for _, ev := range vm.PersonEvents {
		ev := ev
		out = append(out, widget.NewButton(a.tr.T("event."+ev.String()), func() {
			a.push(func() fyne.CanvasObject { return formPage(a, vm.NewEventForm(a.tr, a.store, ev, p), nil) })
		}))
	}
	return out
}

func displayValue(a *App, f storage.Field, v string) string { return vm.DisplayValue(a.tr, f, v) }
