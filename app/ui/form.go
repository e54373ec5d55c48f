package ui

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/vm"
	"github.com/communekit/communekit/storage"
)

// formPage is the person form: every field of the view model with its
// message beside it. Enter in any field saves, Esc cancels. done runs after
// a save (nil: go back).
func formPage(a *App, f *vm.Form, done func(*storage.Person)) fyne.CanvasObject {
	tr := a.tr
	problems := map[storage.Field]*widget.Label{}
	setters := map[storage.Field]func(string){} // put a value into the field's widget
	message := wrapped("")
	message.Importance = widget.DangerImportance
	other, showOther := otherButton(a, f)
	var buttons *fyne.Container // laid out again when other shows or hides

	saved := func(p *storage.Person) {
		a.overview.refresh(nil)
		a.say(f.Message(), len(f.Missing()) > 0)
		if done != nil {
			done(p)
			return
		}
		a.back()
	}
	var showValues func() // puts the form's values back in its inputs
	var save func()
	save = func() {
		p, err := f.Save()
		if errors.Is(err, storage.ErrStale) && len(f.Stale()) > 0 {
			askStale(a, f, func(take map[storage.Field]bool) {
				p, err := f.SaveOnNewVersion(take)
				showValues()
				if err == nil {
					saved(p)
				} else if errors.Is(err, storage.ErrStale) {
					save() // changed again meanwhile: ask again
				}
			})
			return
		}
		if err != nil {
			return
		}
		saved(p)
	}
	var groups []fyne.CanvasObject
	var weights []int
	for _, g := range f.Groups() {
		// Label left, input right, the message under the input: the
		// form reads down one column of labels.
		box := container.New(layout.NewFormLayout())
		for _, fl := range g.Fields {
			fl := fl
			prob := problemLabel()
			problems[fl] = prob
			input, set := fieldInput(a, f, fl, save)
			setters[fl] = set
			box.Add(widget.NewLabel(vm.FieldLabel(tr, fl)))
			box.Add(container.NewVBox(input, prob))
		}
		groups = append(groups, widget.NewCard("", tr.T(g.Key), box))
		weights = append(weights, len(g.Fields))
	}
	refresh := func() {
		for fl, l := range problems {
			setProblem(l, f.Problem(fl))
		}
		msg := f.Message()
		message.SetText(msg)
		message.Importance = widget.DangerImportance
		if f.MessageOK() {
			message.Importance = widget.SuccessImportance
		}
		message.Refresh()
		showOther()
		if buttons != nil {
			buttons.Refresh()
		}
	}
	f.OnChange(refresh)

	showValues = func() {
		for fl, set := range setters {
			set(f.Value(fl))
		}
	}
	reason := newKeyEntry(a.keys)
	reason.SetPlaceHolder(f.ReasonHint())
	reason.SetText(f.Reason())
	reason.OnChanged = f.SetReason
	reason.OnSubmitted = func(string) { save() }
	saveBtn := newButton(tr.T("form.save"), save)
	saveBtn.Importance = widget.HighImportance
	cancel := newButton(tr.T("form.cancel"), func() { a.back() })

	head := container.NewVBox(heading(f.Title()))
	if ex := f.Explain(); ex != "" {
		head.Add(wrapped(ex))
	}
	if f.IsNew() || f.Event() == storage.EventCorrection {
		qr := newKeyEntry(a.keys)
		qr.SetPlaceHolder(tr.T("form.qr_placeholder"))
		// A USB scanner types the code and then Enter.
		qr.OnSubmitted = func(text string) {
			if f.FillFromQR(text) {
				for fl, set := range setters {
					set(f.Value(fl))
				}
				qr.SetText("")
			}
		}
		head.Add(container.NewBorder(nil, nil, widget.NewLabel(tr.T("form.qr")), nil, qr))
	}
	var body fyne.CanvasObject
	if len(groups) > 2 {
		body = container.NewVScroll(twoColumns(groups, weights))
	} else {
		body = container.NewVScroll(container.NewVBox(groups...))
	}
	foot := container.NewVBox(widget.NewSeparator())
	var page *fyne.Container
	var dateProb *widget.Label
	if f.HasDate() {
		date := newKeyEntry(a.keys)
		date.SetPlaceHolder(tr.T("form.date_hint"))
		date.SetText(f.Date())
		date.OnChanged = f.SetDate
		date.OnSubmitted = func(string) { save() }
		dateProb = problemLabel()
		foot.Add(container.NewBorder(nil, nil, widget.NewLabel(f.DateLabel()), nil, date))
		foot.Add(dateProb)
	}
	foot.Add(container.NewBorder(nil, nil, widget.NewLabel(tr.T("form.reason")), nil, reason))
	foot.Add(message)
	buttons = container.NewHBox(saveBtn, cancel, other)
	foot.Add(buttons)
	if dateProb != nil {
		f.OnChange(func() {
			was := dateProb.Visible()
			setProblem(dateProb, f.DateProblem())
			if was != dateProb.Visible() {
				page.Refresh() // the message shown or hidden: lay the page out again
			}
		})
	}
	refresh()
	a.leaving = func(leave func()) { askLeave(a, f, leave) }
	page = container.NewBorder(head, foot, nil, nil, body)
	return page
}

// askLeave leaves a form at once when nothing typed is unsaved, and
// otherwise asks first (askDiscard).
func askLeave(a *App, f *vm.Form, leave func()) {
	askDiscard(a, f.Dirty, leave)
}

// fieldInput makes the widget for one field and a function that puts a
// value into it (after a QR paste).
func fieldInput(a *App, f *vm.Form, fl storage.Field, save func()) (fyne.CanvasObject, func(string)) {
	tr := a.tr
	switch vm.InputOf(fl) {
	case vm.InputChoice:
		choices := vm.Choices(tr, fl)
		labels := []string{"—"}
		for _, c := range choices {
			labels = append(labels, c.Label)
		}
		sel := newKeySelect(a.keys, labels, nil, save)
		set := func(v string) {
			sel.SetSelectedIndex(0)
			for i, c := range choices {
				if c.Value == v {
					sel.SetSelectedIndex(i + 1)
				}
			}
		}
		set(f.Value(fl))
		sel.OnChanged = func(string) {
			i := sel.SelectedIndex()
			if i <= 0 {
				f.Set(fl, "")
				return
			}
			f.Set(fl, choices[i-1].Value)
		}
		return sel, set
	case vm.InputUnit:
		e := newKeyEntry(a.keys)
		name := widget.NewLabel("")
		name.Truncation = fyne.TextTruncateEllipsis
		show := func(v string) { name.SetText(vm.UnitLabel(v)) }
		e.SetText(f.Value(fl))
		show(e.Text)
		e.OnChanged = func(v string) { f.Set(fl, v); show(v) }
		e.OnSubmitted = func(string) { save() }
		pick := newButton(tr.T("form.choose"), func() {
			unitPicker(a, fl, e.Text, func(code string) { e.SetText(code) })
		})
		return container.NewVBox(container.NewBorder(nil, nil, nil, pick, e), name), func(v string) { e.SetText(v) }
	}
	e := newKeyEntry(a.keys)
	if vm.InputOf(fl) == vm.InputDate {
		e.SetPlaceHolder(tr.T("form.date_hint"))
	}
	e.SetText(f.Value(fl))
	e.OnChanged = func(v string) { f.Set(fl, v) }
	e.OnSubmitted = func(string) { save() }
	return e, func(v string) { e.SetText(v) }
}

// unitPicker lets the officer find an administrative unit by name: 2025
// units, and pre-2025 ones for the fields that accept them.
func unitPicker(a *App, fl storage.Field, start string, chosen func(code string)) {
	tr := a.tr
	old, _ := vm.UnitField(fl)
	var found []vm.Unit
	var d dialog.Dialog
	list := newList(
		func() int { return len(found) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			u := found[i]
			s := u.Label + " (" + u.Code + ")"
			if u.Old {
				s += " " + tr.T("form.unit_old")
			}
			o.(*widget.Label).SetText(s)
		})
	list.OnSelected = func(i widget.ListItemID) {
		chosen(found[i].Code)
		d.Hide()
	}
	q := newPickBox(list, func() int { return len(found) }) // Down, Up, Enter: pickbox.go
	q.SetPlaceHolder(tr.T("form.unit_search"))
	q.OnChanged = func(s string) {
		found = vm.Units().Find(s, old, 100)
		list.Refresh()
	}
	q.OnSubmitted = func(string) {
		if len(found) > 0 {
			chosen(found[0].Code)
			d.Hide()
		}
	}
	if !isCode(start) {
		q.SetText(start)
	}
	content := container.NewBorder(q, nil, nil, nil, fastWheel(list))
	c := dialog.NewCustomWithoutButtons(tr.T("form.unit_pick_title"), content, a.win)
	c.SetButtons([]fyne.CanvasObject{newButton(tr.T("form.cancel"), c.Hide)})
	d = c
	d.Resize(fyne.NewSize(700, 500))
	// Esc closes the picker, wherever the focus is in it (the box, the
	// list, Cancel), and leaves the form as it was.
	esc, enter := a.keys.escape, a.keys.enter
	d.SetOnClosed(func() { a.keys.escape, a.keys.enter = esc, enter })
	a.keys.escape, a.keys.enter = d.Hide, nil
	d.Show()
	a.win.Canvas().Focus(q)
}

func isCode(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
