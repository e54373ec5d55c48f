package ui

import (
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/vm"
)

// exchangeDir is the folder requests are saved to and batches written to
// unless the officer chooses another: beside the demo profile for the demo,
// the home folder otherwise.
func (a *App) exchangeDir() string {
	if a.cfg.DemoPassphrase != "" {
		return filepath.Join(filepath.Dir(a.cfg.Dir), "communekit-demo-usb")
	}
	return vm.DefaultExchangeDir()
}

func (a *App) showEnrolment() {
	a.showSection(navEnrolment, func() fyne.CanvasObject { return enrolmentPage(a) })
}

func (a *App) enrolment() *vm.DeviceEnrolment {
	if a.enrol == nil {
		a.enrol = vm.NewDeviceEnrolment(a.tr, a.store, a.do, nil)
	}
	return a.enrol
}

func enrolmentPage(a *App) fyne.CanvasObject {
	tr := a.tr
	e := a.enrolment()
	st := e.Status()

	summary := wrapped(e.Summary())
	if !st.Enrolled || st.Expired || st.Error != "" {
		summary.Importance = widget.WarningImportance
	}
	status := []fyne.CanvasObject{heading(tr.T("enrol.title")), summary}
	if st.Enrolled {
		form := widget.NewForm(
			widget.NewFormItem(tr.T("enrol.district"), widget.NewLabel(st.District)),
			widget.NewFormItem(tr.T("enrol.officer"), widget.NewLabel(st.Officer)),
			widget.NewFormItem(tr.T("enrol.role"), widget.NewLabel(st.Role)),
			widget.NewFormItem(tr.T("enrol.communes"), wrapped(st.Communes)),
			widget.NewFormItem(tr.T("enrol.valid_until"), widget.NewLabel(st.ValidUntil)),
		)
		status = append(status, form)
	}
	message := wrapped("")
	showMessage := func() {
		msg, problem := e.Message()
		message.Importance = widget.SuccessImportance
		if problem {
			message.Importance = widget.DangerImportance
		}
		message.SetText(msg)
	}
	showMessage()

	// The request: QR code and text, saved to a folder.
	qr := canvas.NewImageFromResource(nil)
	qr.FillMode = canvas.ImageFillContain
	qr.SetMinSize(fyne.NewSize(256, 256))
	reqText := widget.NewLabel("")
	reqText.Wrapping = fyne.TextWrapBreak
	reqText.TextStyle.Monospace = true
	// Not selectable (a selectable label takes every key, Esc too): the
	// button beside it copies the request.
	copyReq := newButton(tr.T("enrol.copy_request"), func() {
		fyne.CurrentApp().Clipboard().SetContent(e.Request())
	})
	showRequest := func() {
		if png := e.QR(); png != nil {
			qr.Resource = fyne.NewStaticResource("request.png", png)
			qr.Refresh()
		}
		reqText.SetText(e.Request())
	}
	if e.Request() == "" && !st.Enrolled {
		e.MakeRequest()
	}
	showRequest()
	folder := newKeyEntry(a.keys)
	folder.SetText(a.exchangeDir())
	save := newButton(tr.T("enrol.save_request"), func() {
		e.SaveRequest(folder.Text)
		showRequest()
		showMessage()
	})
	folder.OnSubmitted = func(string) { save.OnTapped() }
	makeReq := newButton(tr.T("enrol.make_request"), func() {
		e.MakeRequest()
		showRequest()
		showMessage()
	})
	pickFolder := newButton(tr.T("enrol.choose_folder"), func() {
		chooseFolder(a, folder)
	})
	request := container.NewBorder(
		container.NewVBox(heading(tr.T("enrol.request.title")), wrapped(tr.T("enrol.request.explain")), makeReq), nil,
		container.NewCenter(qr), nil,
		container.NewVBox(reqText, container.NewHBox(copyReq),
			widget.NewLabel(tr.T("enrol.folder")),
			container.NewBorder(nil, nil, nil, pickFolder, folder),
			save))

	// The certificate back from the district.
	file := newKeyEntry(a.keys)
	file.SetPlaceHolder(filepath.Join(a.exchangeDir(), "….cert"))
	busy := widget.NewProgressBarInfinite()
	busy.Hide()
	var install *keyButton
	install = newButton(tr.T("enrol.install"), func() {
		install.Disable()
		busy.Show()
		message.SetText(tr.T("enrol.busy"))
		e.InstallAsync(file.Text, func(err error) {
			if err == nil {
				a.showEnrolment()
				return
			}
			install.Enable()
			busy.Hide()
			showMessage()
		})
	})
	install.Importance = widget.HighImportance
	file.OnSubmitted = func(string) { install.OnTapped() }
	pickFile := newButton(tr.T("enrol.choose_file"), func() {
		d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
			if err == nil && r != nil {
				file.SetText(r.URI().Path())
				r.Close()
			}
		}, a.win)
		d.SetFilter(storage.NewExtensionFileFilter([]string{".cert"}))
		if l, err := storage.ListerForURI(storage.NewFileURI(a.exchangeDir())); err == nil {
			d.SetLocation(l)
		}
		d.Resize(fyne.NewSize(900, 600))
		d.Show()
	})
	installBox := container.NewVBox(
		heading(tr.T("enrol.install.title")), wrapped(tr.T("enrol.install.explain")),
		widget.NewLabel(tr.T("enrol.cert_file")),
		container.NewBorder(nil, nil, nil, pickFile, file),
		install, busy)

	body := container.NewVBox(append(status, widget.NewSeparator(), message, request, widget.NewSeparator(), installBox)...)
	return container.NewVScroll(container.NewPadded(body))
}

// chooseFolder opens a folder picker that writes its choice into entry:
// the USB sticks first (folderchooser.go).
func chooseFolder(a *App, entry *keyEntry) {
	pickFolder(a, entry.Text, func(path string) { entry.SetText(path) })
}

func exportPage(a *App) fyne.CanvasObject {
	tr := a.tr
	x := vm.NewExport(a.tr, a.store, a.do)
	x.Go = a.goRead // a lock waits for an export under way
	pending := widget.NewCard("…", tr.T("export.pending"), nil)
	waiting := widget.NewCard("…", tr.T("export.waiting"), nil)
	district := widget.NewLabel("")
	message := wrapped("")
	folder := newKeyEntry(a.keys)
	folder.SetText(a.exchangeDir())
	busy := widget.NewProgressBarInfinite()
	busy.Hide()
	enrol := newButton(tr.T("export.go_enrol"), a.showEnrolment)
	enrol.Hide()
	var run *keyButton
	show := func() {
		d := x.Data()
		if d.Loaded {
			pending.SetTitle(vm.Count(tr, int(d.Pending)))
			waiting.SetTitle(vm.Count(tr, int(d.Waiting)))
		}
		if d.Enrolled {
			district.SetText(tr.T("export.district", d.District))
			enrol.Hide()
		} else if d.Loaded {
			district.SetText("")
			enrol.Show()
		}
		message.Importance = widget.SuccessImportance
		if d.Problem {
			message.Importance = widget.DangerImportance
		}
		message.SetText(d.Message)
		if d.Busy {
			message.SetText(tr.T("export.busy"))
			busy.Show()
			run.Disable()
		} else {
			busy.Hide()
			run.Enable()
		}
	}
	run = newButton(tr.T("export.run"), func() {
		x.RunAsync(folder.Text, func(*vm.ExportResult, error) {
			show()
		})
		show()
	})
	run.Importance = widget.HighImportance
	folder.OnSubmitted = func(string) { run.OnTapped() }
	pick := newButton(tr.T("export.choose_folder"), func() { chooseFolder(a, folder) })
	a.goRead(func() {
		x.Refresh()
		a.do(show)
	})
	body := container.NewVBox(
		heading(tr.T("export.title")),
		wrapped(tr.T("export.explain")),
		container.NewGridWithColumns(2, pending, waiting),
		district,
		widget.NewLabel(tr.T("export.folder")),
		container.NewBorder(nil, nil, nil, pick, folder),
		run, busy, message, enrol,
	)
	return container.NewVScroll(container.NewPadded(body))
}
