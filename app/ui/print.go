package ui

import (
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/vm"
)

// printButton is a button that saves a sheet as a PDF (off the UI
// goroutine) and opens it with the system's viewer, and the label under
// it that says where it was saved. relayout lays the page out again once
// the label's lines changed (a label shown after the page was laid out
// would otherwise be drawn over what is under it).
func printButton(a *App, text string, relayout func(), sheet func(dir string, open vm.Opener) vm.Printed) (*keyButton, *widget.Label) {
	note := wrapped("")
	note.Hide()
	var b *keyButton
	b = newButton(text, func() {
		b.Disable()
		note.Importance = widget.MediumImportance
		note.SetText(a.tr.T("print.writing"))
		note.Show()
		relayout()
		dir, open := a.documentsDir(), a.opener()
		a.goRead(func() {
			r := sheet(dir, open)
			go a.do(func() {
				b.Enable()
				note.Importance = widget.SuccessImportance
				if r.Problem {
					note.Importance = widget.DangerImportance
				}
				note.SetText(r.Message)
				relayout()
			})
		})
	})
	return b, note
}

// documentsDir is where sheets are saved: the user's Documents, else the
// profile's parent folder (tests set a.docsDir).
func (a *App) documentsDir() string {
	if a.docsDir != "" {
		return a.docsDir
	}
	return vm.DocumentsDir(a.cfg.Dir)
}

func (a *App) opener() vm.Opener {
	if a.open != nil {
		return a.open
	}
	return vm.OpenWithViewer
}
