package ui

import (
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/vm"
)

func (a *App) showImport() {
	a.showSection(navImport, func() fyne.CanvasObject { return importPage(a) })
}

// importPage is "Import from USB": the folder on the stick, Import
// (Enter in the folder field), then one line per file with what became
// of it. Every enrolled device imports the district's files for it; a
// supervisor's also sends officers' batch files to the district node.
func importPage(a *App) fyne.CanvasObject {
	tr := a.tr
	x := vm.NewImport(tr, a.store, a.do)
	x.Go = a.goRead // a lock waits for an import under way
	explain := wrapped("")
	role := wrapped("")
	role.Importance = widget.WarningImportance
	cursor := wrapped("")
	node := widget.NewLabel("")
	folder := newKeyEntry(a.keys)
	folder.SetText(a.exchangeDir())
	busy := widget.NewProgressBarInfinite()
	busy.Hide()
	summary := wrapped("")
	results := container.NewVBox()
	goSync := newButton(tr.T("nav.sync_key"), func() { a.showSync(false) })
	var run *keyButton
	var body *fyne.Container

	show := func() {
		d := x.Data()
		role.SetText(d.RoleLine)
		if d.RoleLine == "" {
			role.Hide()
		} else {
			role.Show()
		}
		if d.Forwards {
			explain.SetText(tr.T("import.explain"))
		} else {
			explain.SetText(tr.T("import.explain_device"))
		}
		cursor.SetText(d.CursorLine)
		if d.CursorLine == "" {
			cursor.Hide()
		} else {
			cursor.Show()
		}
		node.SetText(tr.T("import.node", d.Node))
		switch {
		case !d.Forwards:
			node.Hide()
			goSync.Hide()
		case d.Node == "":
			node.Hide()
			goSync.Show()
		default:
			node.Show()
			goSync.Hide()
		}
		text := d.Summary
		if d.Message != "" {
			text = d.Message
		}
		if text == "" && !d.Busy {
			summary.Hide()
		} else {
			summary.Show()
		}
		summary.Importance = widget.SuccessImportance
		if d.Problem {
			summary.Importance = widget.DangerImportance
		}
		summary.SetText(text)
		if d.Busy {
			if d.Forwards {
				summary.SetText(tr.T("import.busy"))
			} else {
				summary.SetText(tr.T("import.busy_device"))
			}
			summary.Importance = widget.MediumImportance
			summary.Refresh()
			busy.Show()
			run.Disable()
		} else {
			busy.Hide()
			if d.Allowed {
				run.Enable()
			} else {
				run.Disable()
			}
		}
		results.Objects = nil
		for _, f := range d.Files {
			results.Add(importRow(tr, f))
		}
		if body != nil {
			body.Refresh() // lines shown or hidden: lay the column out again
		}
	}
	run = newButton(tr.T("import.run"), func() {
		x.RunAsync(func([]vm.ImportFile, error) {
			show()
			a.overview.refresh(nil)
		}, folder.Text)
		show()
	})
	run.Importance = widget.HighImportance
	folder.OnSubmitted = func(string) {
		if !run.Disabled() {
			run.OnTapped()
		}
	}
	pick := newButton(tr.T("export.choose_folder"), func() { chooseFolder(a, folder) })

	body = container.NewVBox(
		heading(tr.T("import.title")),
		explain,
		role,
		cursor,
		container.NewHBox(node, goSync),
		widget.NewLabel(tr.T("import.folder")),
		container.NewBorder(nil, nil, nil, pick, folder),
		container.NewHBox(run),
		busy,
		summary,
		widget.NewSeparator(),
		results,
	)
	show()
	return container.NewVScroll(container.NewPadded(body))
}

// importRow is one file's line: what became of it, which file of which
// device, and why in words.
func importRow(tr vm.Tr, f vm.ImportFile) fyne.CanvasObject {
	status := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	switch f.Status {
	case vm.ImportAccepted:
		status.SetText(tr.T("import.status.accepted"))
		status.Importance = widget.SuccessImportance
	case vm.ImportDuplicate:
		status.SetText(tr.T("import.status.duplicate"))
	case vm.ImportRefused:
		status.SetText(tr.T("import.status.refused"))
		status.Importance = widget.DangerImportance
	case vm.ImportApplied:
		status.SetText(tr.T("import.status.applied"))
		status.Importance = widget.SuccessImportance
	case vm.ImportHad:
		status.SetText(tr.T("import.status.had"))
	case vm.ImportOtherDevice:
		status.SetText(tr.T("import.status.other_device"))
	default:
		status.SetText(tr.T("import.status.not_sent"))
		status.Importance = widget.WarningImportance
	}
	name := filepath.Base(f.Path)
	line := name
	switch {
	case f.District && f.To > 0:
		line = tr.T("import.district_file", name, f.From, f.To)
	case f.District:
	case f.Device != "" && f.Officer != "":
		line = tr.T("import.file_officer", name, f.Device, f.Officer, f.Batch)
	case f.Device != "":
		line = tr.T("import.file", name, f.Device, f.Batch)
	}
	return container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(110, status.MinSize().Height), status), nil,
		container.NewVBox(widget.NewLabel(line), wrapped(f.Words)))
}
