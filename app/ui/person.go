package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/vm"
	"github.com/communekit/communekit/storage"
)

// personPage shows one person's record with what can be done to it.
func personPage(a *App, id storage.ID) fyne.CanvasObject {
	tr := a.tr
	rec, err := vm.OpenRecord(tr, a.store, id)
	if err != nil {
		return wrapped(vm.ErrText(tr, err))
	}
	p := rec.Person
	edit := newKeyButton(a.keys, tr.T("person.edit"), func() {
		f := vm.NewPersonForm(tr, a.store, p) // kept while the page is rebuilt (a language change)
		a.push(func() fyne.CanvasObject { return formPage(a, f, nil) })
	})
	edit.Importance = widget.HighImportance
	a.focusOnShow = edit // Space edits: the keyboard goes on from a search
	hist := newButton(tr.T("person.history"), func() {
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
		buttons = append(buttons, newButton(tr.T("person.household"), func() {
			a.push(func() fyne.CanvasObject { return householdPage(a, num) })
		}))
	}
	buttons = append(buttons, eventButtons(a, p)...)
	buttons = append(buttons, newButton(tr.T("history.back"), a.back))

	// The open conflicts of this person: a field in conflict is marked
	// where it shows, with the other value and the way to the conflict.
	conflicts, _ := vm.ConflictsOf(tr, a.store, p)
	var cols []fyne.CanvasObject
	var weights []int
	for _, g := range vm.PersonGroups {
		form := widget.NewForm()
		for _, f := range g.Fields {
			v := p.Get(f)
			mark, marked := conflicts.Fields[f]
			if v == "" && !marked {
				continue
			}
			var val fyne.CanvasObject = wrapped(displayValue(a, f, v))
			if marked {
				val = conflictMark(a, val, mark)
			}
			form.Append(vm.FieldLabel(tr, f), val)
		}
		if len(form.Items) > 0 {
			cols = append(cols, widget.NewCard("", tr.T(g.Key), form))
			weights = append(weights, len(form.Items))
		}
	}
	body := container.NewVScroll(twoColumns(cols, weights))
	head := container.NewVBox(heading(p.FullName()), buttonRow(buttons...), printed)
	if missing := rec.Missing; len(missing) > 0 {
		l := wrapped(tr.T("person.missing") + "\n• " + strings.Join(missing, "\n• "))
		l.Importance = widget.WarningImportance
		head.Add(l)
	}
	if len(conflicts.Rows) > 0 {
		head.Add(personConflicts(a, conflicts.Rows))
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
		out = append(out, newButton(a.tr.T("event."+ev.String()), func() {
			f := vm.NewEventForm(a.tr, a.store, ev, p)
			a.push(func() fyne.CanvasObject { return formPage(a, f, nil) })
		}))
	}
	return out
}

func displayValue(a *App, f storage.Field, v string) string { return vm.DisplayValue(a.tr, f, v) }

// conflictMark is a value in conflict: a warning sign before it, and
// beneath it the other value and a button to the conflict.
func conflictMark(a *App, val fyne.CanvasObject, mark vm.FieldMark) fyne.CanvasObject {
	line := wrapped(mark.Line)
	line.Importance = widget.WarningImportance
	open := newIconButton(a.tr.T("person.conflict.open"), theme.WarningIcon(), func() { a.openConflict(mark.Conflict) })
	open.Importance = widget.WarningImportance
	return container.NewBorder(nil, nil, widget.NewIcon(theme.NewWarningThemedResource(theme.WarningIcon())), nil,
		container.NewVBox(val, line, container.NewHBox(open)))
}

// personConflicts says at the top of a record that it has open
// conflicts, each in one line with a button to it.
func personConflicts(a *App, rows []vm.ConflictRow) fyne.CanvasObject {
	title := wrapped(a.tr.T("person.conflicts", vm.Count(a.tr, len(rows))))
	title.Importance = widget.WarningImportance
	box := container.NewVBox(title)
	for _, r := range rows {
		id := r.ID
		l := wrapped(r.Label + ": " + r.Summary)
		b := newIconButton(a.tr.T("person.conflict.open"), theme.WarningIcon(), func() { a.openConflict(id) })
		box.Add(container.NewBorder(nil, nil, widget.NewIcon(theme.NewWarningThemedResource(theme.WarningIcon())), b, l))
	}
	return box
}
