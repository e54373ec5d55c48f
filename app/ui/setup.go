package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/vm"
)

func setupScreen(a *App, s *vm.Setup) fyne.CanvasObject {
	tr := a.tr
	var found []vm.Unit
	chosen := widget.NewLabel("")
	list := newList(
		func() int { return len(found) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(found[i].Label + " (" + found[i].Code + ")")
		})
	list.OnSelected = func(i widget.ListItemID) {
		s.ChooseCommune(found[i].Code)
		chosen.SetText(tr.T("setup.commune_chosen", found[i].Label, found[i].Code))
	}
	communeErr, officerErr, passErr, repeatErr, createErr := problemLabel(), problemLabel(), problemLabel(), problemLabel(), problemLabel()

	commune := newKeyEntry(a.keys)
	commune.SetPlaceHolder(tr.T("setup.commune_search"))
	commune.OnChanged = func(q string) {
		found = s.FindCommunes(q)
		list.UnselectAll()
		list.Refresh()
	}
	officer := newKeyEntry(a.keys)
	officer.OnChanged = s.SetOfficer
	p1, p2 := newKeyPassword(a.keys), newKeyPassword(a.keys)
	strength := widget.NewLabel("")
	update := func(string) {
		s.SetPassphrase(p1.Text, p2.Text)
		_, hint := s.Strength()
		strength.SetText(hint)
	}
	p1.OnChanged, p2.OnChanged = update, update
	update("")
	create := func() {
		st, err := s.Create()
		errs := s.Errors()
		setProblem(communeErr, errs["commune"])
		setProblem(officerErr, errs["officer"])
		setProblem(passErr, errs["passphrase"])
		setProblem(repeatErr, errs["repeat"])
		setProblem(createErr, errs["create"])
		if err == nil {
			a.unlocked(st, timeNow())
			// A new profile cannot send anything until the district
			// enrols it: that is the next step.
			a.showEnrolment()
		}
	}
	p2.OnSubmitted = func(string) { create() }
	btn := newButton(tr.T("setup.create"), create)
	btn.Importance = widget.HighImportance

	left := container.NewBorder(
		container.NewVBox(bold(tr.T("setup.commune")), commune, chosen, communeErr), nil, nil, nil, list)
	right := container.NewVBox(
		bold(tr.T("setup.officer")), officer, officerErr,
		bold(tr.T("setup.passphrase")), p1, strength, passErr,
		bold(tr.T("setup.repeat")), p2, repeatErr,
		btn, createErr,
		wrapped(tr.T("setup.enrolment_later")),
		layout.NewSpacer(), a.languageSelect(),
	)
	head := container.NewVBox(heading(tr.T("setup.title")), wrapped(tr.T("setup.intro", s.Dir())))
	go a.do(func() { a.win.Canvas().Focus(commune) })
	return container.NewPadded(container.NewBorder(head, nil, nil, nil, container.NewGridWithColumns(2, left, right)))
}
