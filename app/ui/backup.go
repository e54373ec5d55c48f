package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/vm"
)

// backupRow is the overview's line about backups: when the last one was
// made (a warning when none was, or more than a week ago) and the "Sao
// lưu" button.
func backupRow(a *App) fyne.CanvasObject {
	text, due := vm.NewBackup(a.tr, a.store).Status()
	status := wrapped(text)
	if due {
		status.Importance = widget.WarningImportance
	}
	button := newButton(a.tr.T("backup.button"), a.showBackup)
	if due {
		button.Importance = widget.HighImportance
	}
	row := container.NewBorder(nil, nil, nil, container.NewCenter(button), status)
	if note := vm.HandoverNote(a.tr, a.store); note != "" {
		n := wrapped(note)
		n.Importance = widget.WarningImportance
		return container.NewVBox(n, row)
	}
	return row
}

// showBackup opens the "Sao lưu" dialog: the folder (the stick; the same
// choice as for batches and requests) and the profile's passphrase. The
// backup runs off the UI goroutine (a key derivation and the whole store).
func (a *App) showBackup() {
	tr := a.tr
	b := vm.NewBackup(tr, a.store)
	folder := newKeyEntry(a.keys)
	folder.SetText(a.exchangeDir())
	pick := newButton(tr.T("export.choose_folder"), func() { chooseFolder(a, folder) })
	pass := newKeyPassword(a.keys)
	pass.SetPlaceHolder(tr.T("backup.passphrase"))
	problem := problemLabel()
	busy := widget.NewLabel(tr.T("backup.busy"))
	busy.Hide()
	done := wrapped("")
	done.Importance = widget.SuccessImportance
	done.Hide()
	form := container.NewVBox(
		wrapped(tr.T("backup.intro")),
		bold(tr.T("backup.folder")), container.NewBorder(nil, nil, nil, pick, folder),
		bold(tr.T("backup.passphrase")), pass,
	)
	var d *dialog.CustomDialog
	var box *fyne.Container
	run := newButton(tr.T("backup.run"), nil)
	run.Importance = widget.HighImportance
	cancel := newButton(tr.T("passphrase.cancel"), func() { d.Hide() })
	finished := false
	submit := func() {
		if finished || !busy.Hidden {
			return
		}
		dir, p := folder.Text, pass.Text
		busy.Show()
		run.Disable()
		setProblem(problem, "")
		go func() {
			path, err := b.Run(dir, p)
			a.do(func() {
				busy.Hide()
				run.Enable()
				pass.SetText("")
				if err != nil {
					setProblem(problem, err.Error())
					a.win.Canvas().Focus(pass)
				} else {
					finished = true
					form.Hide()
					run.Hide()
					cancel.SetText(tr.T("backup.close"))
					done.SetText(tr.T("backup.done", path))
					done.Show()
					if a.overview != nil {
						a.overview.refresh(nil)
					}
				}
				box.Refresh()
				d.Resize(fyne.NewSize(560, 0))
			})
		}()
	}
	run.OnTapped = submit
	pass.OnSubmitted = func(string) { submit() }
	box = container.NewVBox(form, busy, problem, done, container.NewHBox(layout.NewSpacer(), cancel, run))
	d = dialog.NewCustomWithoutButtons(tr.T("backup.title"), box, a.win)
	esc, enter := a.keys.escape, a.keys.enter
	a.keys.escape = d.Hide
	a.keys.enter = func() {
		if finished {
			d.Hide()
			return
		}
		submit()
	}
	d.SetOnClosed(func() { a.keys.escape, a.keys.enter = esc, enter })
	d.Resize(fyne.NewSize(560, 0))
	d.Show()
	a.win.Canvas().Focus(pass)
}
