package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/drives"
	"github.com/communekit/communekit/app/vm"
)

// findDrives is how the folder chooser finds drives (tests give it fake
// roots).
var findDrives = drives.Default

// pickFolder lets the officer choose a folder in their language: the USB
// sticks plugged in first, one press each, and "Choose another folder…"
// for Fyne's folder dialog (which is in English and lists no sticks).
// chosen gets the folder's path.
func pickFolder(a *App, start string, chosen func(path string)) {
	tr := a.tr
	esc, enter := a.keys.escape, a.keys.enter
	var d dialog.Dialog
	list := container.NewVBox()
	fill := func() {
		list.RemoveAll()
		cs := vm.FolderChoices(tr, findDrives())
		if len(cs) == 0 {
			list.Add(wrapped(tr.T("folder.none")))
		} else {
			list.Add(widget.NewLabel(tr.T("folder.found")))
		}
		for _, c := range cs {
			c := c
			b := newButton(c.Label+"  —  "+c.Path, func() {
				d.Hide()
				chosen(c.Path)
			})
			b.Alignment = widget.ButtonAlignLeading
			b.Importance = widget.HighImportance
			list.Add(b)
		}
		list.Refresh()
	}
	again := newButton(tr.T("folder.again"), fill)
	other := newButton(tr.T("folder.other"), func() {
		d.Hide()
		systemFolderDialog(a, start, chosen)
	})
	content := container.NewBorder(nil, container.NewHBox(again, other), nil, nil, container.NewVScroll(list))
	c := dialog.NewCustomWithoutButtons(tr.T("folder.title"), content, a.win)
	c.SetButtons([]fyne.CanvasObject{newButton(tr.T("folder.cancel"), c.Hide)})
	d = c
	d.SetOnClosed(func() { a.keys.escape, a.keys.enter = esc, enter })
	fill()
	a.keys.escape = func() { d.Hide() }
	a.keys.enter = nil
	d.Resize(fyne.NewSize(640, 360))
	d.Show()
}

// systemFolderDialog is Fyne's folder dialog, opened at start.
func systemFolderDialog(a *App, start string, chosen func(path string)) {
	d := dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
		if err == nil && u != nil {
			chosen(u.Path())
		}
	}, a.win)
	if l, err := storage.ListerForURI(storage.NewFileURI(start)); err == nil {
		d.SetLocation(l)
	}
	d.Resize(fyne.NewSize(900, 600))
	d.Show()
}
