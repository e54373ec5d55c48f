package ui

import (
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/vm"
	"github.com/communekit/communekit/storage"
)

func (a *App) showListExport() {
	a.showSection(navListExport, func() fyne.CanvasObject {
		a.listPage = listExportPage(a)
		return a.listPage.view
	})
}

// listExport is "Export a list (Excel)" (vm.ListExport): which list, its
// filters and columns on the left, the columns' checklist on the right,
// the file to write and the outcome under them.
type listExport struct {
	a    *App
	vm   *vm.ListExport
	view fyne.CanvasObject

	kind, format     *keyRadio
	hamlet           *keySelect
	status, rule     *keySelect
	ageFrom, ageTo   *keyEntry
	file             *keyEntry
	fields           []*keyCheck
	fieldIDs         []storage.Field
	personsOnly      []fyne.Disableable
	householdsNote   *widget.Label
	run, none        *keyButton
	message          *widget.Label
	working          *widget.ProgressBarInfinite
	statuses, rules  []vm.Choice
	hamlets          []string
	frame            *fyne.Container
	lastHamletsShown int
}

func listExportPage(a *App) *listExport {
	tr := a.tr
	p := &listExport{a: a, vm: vm.NewListExport(tr, a.store, a.do)}
	p.vm.Go = a.goRead
	kinds := []string{tr.T("listexport.kind_persons"), tr.T("listexport.kind_households")}
	formats := []string{tr.T("listexport.format_xlsx"), tr.T("listexport.format_csv")}
	p.kind = newRadio(kinds, func(string) { p.kindChanged() })
	p.kind.Horizontal = true
	p.format = newRadio(formats, func(string) { p.formatChanged() })
	p.format.Horizontal = true

	p.hamlet = newKeySelect(a.keys, []string{tr.T("listexport.all_hamlets")}, nil, nil)
	p.hamlet.SetSelectedIndex(0)
	p.statuses = p.vm.StatusChoices()
	p.status = newKeySelect(a.keys, choiceLabels(p.statuses), nil, nil)
	p.status.SetSelectedIndex(0)
	p.rules = p.vm.RuleChoices()
	p.rule = newKeySelect(a.keys, choiceLabels(p.rules), nil, nil)
	p.rule.SetSelectedIndex(0)
	p.ageFrom, p.ageTo = newKeyEntry(a.keys), newKeyEntry(a.keys)
	p.ageFrom.SetPlaceHolder("0")
	p.ageTo.SetPlaceHolder("120")
	ages := container.NewGridWithColumns(3, p.ageFrom, widget.NewLabelWithStyle(tr.T("listexport.age_to"), fyne.TextAlignCenter, fyne.TextStyle{}), p.ageTo)

	p.file = newKeyEntry(a.keys)
	p.file.SetText(vm.FreePath(a.exchangeDir(), tr.T("listexport.default_name"), ".xlsx"))
	p.file.OnSubmitted = func(string) { p.export() }
	where := newButton(tr.T("file.choose_save"), func() { chooseSave(a, p.file, p.ext()) })
	p.run = newButton(tr.T("listexport.export"), p.export)
	p.run.Importance = widget.HighImportance
	p.message = wrapped("")
	p.working = widget.NewProgressBarInfinite()
	p.working.Hide()
	p.householdsNote = wrapped(tr.T("listexport.households_note"))
	p.householdsNote.Hide()

	for _, c := range p.vm.FieldChoices() {
		f, _ := storage.FieldByName(c.Value)
		ch := newKeyCheck(a.keys, c.Label, nil, nil)
		ch.SetChecked(true)
		p.fields = append(p.fields, ch)
		p.fieldIDs = append(p.fieldIDs, f)
	}
	checks := make([]fyne.CanvasObject, len(p.fields))
	for i, c := range p.fields {
		checks[i] = c
	}
	all := newButton(tr.T("listexport.all_fields"), func() { p.tick(true) })
	none := newButton(tr.T("listexport.clear_fields"), func() { p.tick(false) })
	p.none = none
	p.personsOnly = []fyne.Disableable{p.status, p.rule, p.ageFrom, p.ageTo, all, none}
	for _, c := range p.fields {
		p.personsOnly = append(p.personsOnly, c)
	}

	form := widget.NewForm(
		widget.NewFormItem(tr.T("listexport.kind"), p.kind),
		widget.NewFormItem(tr.T("listexport.format"), p.format),
		widget.NewFormItem(tr.T("listexport.hamlet"), p.hamlet),
		widget.NewFormItem(tr.T("listexport.status"), p.status),
		widget.NewFormItem(tr.T("listexport.age"), ages),
		widget.NewFormItem(tr.T("listexport.rule"), p.rule),
	)
	left := container.NewVBox(
		heading(tr.T("listexport.title")),
		wrapped(tr.T("listexport.explain")),
		form,
		p.householdsNote,
		widget.NewSeparator(),
		widget.NewLabel(tr.T("listexport.file")),
		container.NewBorder(nil, nil, nil, where, p.file),
		container.NewHBox(p.run),
		p.working,
		p.message,
	)
	right := container.NewBorder(
		container.NewVBox(bold(tr.T("listexport.fields")), container.NewHBox(all, none)), nil, nil, nil,
		container.NewVScroll(container.NewGridWithColumns(fieldColumns(), checks...)))
	split := container.NewHSplit(container.NewBorder(left, nil, nil, nil), right)
	split.Offset = 0.5
	p.frame = container.NewStack(split)
	p.view = container.NewPadded(p.frame)
	p.kind.SetSelected(kinds[0])
	p.format.SetSelected(formats[0])
	p.vm.OnChange(p.show)
	p.vm.LoadHamlets()
	p.show()
	return p
}

// fieldColumns is how many columns the fields to export are shown in.
func fieldColumns() int {
	if theme.TextSize() > 1.1*theme.DefaultTheme().Size(theme.SizeNameText) {
		return 1
	}
	return 2
}

func choiceLabels(cs []vm.Choice) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Label
	}
	return out
}

func (p *listExport) households() bool {
	return p.kind.Selected == p.a.tr.T("listexport.kind_households")
}

func (p *listExport) csv() bool { return p.format.Selected == p.a.tr.T("listexport.format_csv") }

func (p *listExport) ext() string {
	if p.csv() {
		return ".csv"
	}
	return ".xlsx"
}

func (p *listExport) tick(on bool) {
	for _, c := range p.fields {
		c.SetChecked(on)
	}
}

// kindChanged: a list of households has none of the persons' filters and
// is written as .xlsx only.
func (p *listExport) kindChanged() {
	hh := p.households()
	for _, d := range p.personsOnly {
		if hh {
			d.Disable()
		} else {
			d.Enable()
		}
	}
	if hh {
		p.householdsNote.Show()
		if p.csv() {
			p.format.SetSelected(p.a.tr.T("listexport.format_xlsx"))
		}
		p.format.Disable()
	} else {
		p.householdsNote.Hide()
		p.format.Enable()
	}
	if p.frame != nil {
		p.frame.Refresh()
	}
}

// formatChanged gives the file typed the format's extension.
func (p *listExport) formatChanged() {
	if p.file == nil {
		return
	}
	t := strings.TrimSpace(p.file.Text)
	ext := filepath.Ext(t)
	if t == "" || (!strings.EqualFold(ext, ".xlsx") && !strings.EqualFold(ext, ".csv")) {
		return
	}
	base := strings.TrimSuffix(t, ext)
	p.file.SetText(vm.FreePath(filepath.Dir(base), filepath.Base(base), p.ext()))
}

func (p *listExport) request() vm.ListRequest {
	r := vm.ListRequest{Kind: vm.ListPersons, Format: vm.FormatXLSX, Path: p.file.Text,
		AgeFrom: p.ageFrom.Text, AgeTo: p.ageTo.Text}
	if p.households() {
		r.Kind = vm.ListHouseholds
	}
	if p.csv() {
		r.Format = vm.FormatCSV
	}
	if i := p.hamlet.SelectedIndex(); i > 0 && i-1 < len(p.hamlets) {
		r.Hamlet = p.hamlets[i-1]
	}
	if i := p.status.SelectedIndex(); i > 0 {
		r.Status = p.statuses[i].Value
	}
	if i := p.rule.SelectedIndex(); i > 0 {
		r.Rule = p.rules[i].Value
	}
	r.Fields = []storage.Field{}
	for i, c := range p.fields {
		if c.Checked {
			r.Fields = append(r.Fields, p.fieldIDs[i])
		}
	}
	return r
}

func (p *listExport) export() { p.vm.Export(p.request()) }

func (p *listExport) show() {
	d := p.vm.Data()
	if len(d.Hamlets) != p.lastHamletsShown {
		p.lastHamletsShown = len(d.Hamlets)
		p.hamlets = d.Hamlets
		sel := p.hamlet.SelectedIndex()
		p.hamlet.SetOptions(append([]string{p.a.tr.T("listexport.all_hamlets")}, d.Hamlets...))
		p.hamlet.SetSelectedIndex(max(sel, 0))
	}
	enable(p.run, !d.Busy)
	if d.Busy {
		p.working.Show()
	} else {
		p.working.Hide()
	}
	imp := widget.MediumImportance
	switch {
	case d.Problem:
		imp = widget.DangerImportance
	case d.Path != "" && !d.Busy:
		imp = widget.SuccessImportance
	}
	p.message.Importance = imp
	p.message.SetText(d.Message)
	if !d.Busy && !d.Problem && d.Path != "" && d.Path == strings.TrimSpace(p.file.Text) {
		// Written: the next export gets a name of its own.
		base := strings.TrimSuffix(d.Path, filepath.Ext(d.Path))
		p.file.SetText(vm.FreePath(filepath.Dir(base), filepath.Base(base), p.ext()))
	}
	p.frame.Refresh()
}
