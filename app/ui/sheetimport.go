package ui

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/vm"
	cstorage "github.com/communekit/communekit/storage"
)

func (a *App) showSheetImport() {
	a.showSection(navSheetImport, func() fyne.CanvasObject {
		a.sheetPage = sheetImportPage(a)
		return a.sheetPage.view
	})
}

// sheetImport is "Import a list (Excel)" (vm.SheetImport): the file, the
// columns each with its field (changeable), the first rows, Check and
// Import with a progress bar and Stop, and the refused rows in a list
// that can be saved as an .xlsx.
type sheetImport struct {
	a    *App
	vm   *vm.SheetImport
	view fyne.CanvasObject
	top  *fyne.Container
	// frame lays out the top over the panels.
	frame *fyne.Container

	file, refusedPath *keyEntry
	message, saveNote *widget.Label
	check, run, stop  *keyButton
	saveRefused       *keyButton
	progress          *widget.ProgressBar
	working           *widget.ProgressBarInfinite
	columns           *fyne.Container // one line per column: heading, field
	rows              *keyTable
	refused           *keyList
	refusedTitle      *widget.Label
	data              vm.SheetImportData
	columnsKey        string // the columns last laid out
}

func sheetImportPage(a *App) *sheetImport {
	tr := a.tr
	p := &sheetImport{a: a, vm: vm.NewSheetImport(tr, a.store, a.do)}
	p.vm.Go = a.goRead
	p.file = newKeyEntry(a.keys)
	p.file.SetPlaceHolder(filepath.Join(a.exchangeDir(), "danh-sach.xlsx"))
	p.file.OnSubmitted = func(s string) { p.vm.SetPath(s) }
	open := newButton(tr.T("sheet.open"), func() { p.vm.SetPath(p.file.Text) })
	pick := newButton(tr.T("sheet.choose"), p.choose)
	p.message = wrapped("")
	p.check = newButton(tr.T("sheet.check"), p.vm.Check)
	p.run = newButton(tr.T("sheet.import"), p.vm.Import)
	p.run.Importance = widget.HighImportance
	p.stop = newButton(tr.T("sheet.cancel"), p.vm.Cancel)
	p.stop.Importance = widget.DangerImportance
	p.progress = widget.NewProgressBar()
	p.working = widget.NewProgressBarInfinite()
	p.columns = container.NewVBox()
	p.rows = newTable(p.rowsSize, func() fyne.CanvasObject {
		l := widget.NewLabel("")
		l.Truncation = fyne.TextTruncateEllipsis
		return l
	}, p.rowsCell)
	p.rows.ShowHeaderRow = true
	p.rows.CreateHeader = func() fyne.CanvasObject {
		l := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		l.Truncation = fyne.TextTruncateEllipsis
		return l
	}
	p.rows.UpdateHeader = p.rowsHeader
	p.refusedTitle = bold(tr.T("sheet.refused_title"))
	p.refused = newList(func() int { return len(p.data.Refused) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(p.data.Refused) {
				r := p.data.Refused[i]
				o.(*widget.Label).SetText(tr.T("sheet.refused_line", r.Line, r.Field, r.Message))
			}
		})
	p.refusedPath = newKeyEntry(a.keys)
	p.refusedPath.OnSubmitted = func(s string) { p.vm.SaveRefused(s) }
	p.saveRefused = newButton(tr.T("sheet.save_refused"), func() { p.vm.SaveRefused(p.refusedPath.Text) })
	whereRefused := newButton(tr.T("file.choose_save"), func() { chooseSave(a, p.refusedPath, ".xlsx") })
	p.saveNote = wrapped("")

	p.top = container.NewVBox(
		heading(tr.T("sheet.title")),
		wrapped(tr.T("sheet.explain")),
		container.NewBorder(nil, nil, widget.NewLabel(tr.T("sheet.file")), container.NewHBox(open, pick), p.file),
		container.NewHBox(p.check, p.run, p.stop),
		p.progress, p.working,
		p.message,
	)
	mapping := container.NewBorder(bold(tr.T("sheet.columns")), nil, nil, nil, container.NewScroll(p.columns)) // across too: a column's choice is wide in a large text
	first := container.NewBorder(bold(tr.T("sheet.first_rows")), nil, nil, nil, p.rows)
	refusedBox := container.NewBorder(
		container.NewVBox(p.refusedTitle,
			wrapped(tr.T("sheet.refused_file")),
			container.NewBorder(nil, nil, nil, container.NewHBox(whereRefused, p.saveRefused), p.refusedPath),
			p.saveNote),
		nil, nil, nil, p.refused)
	upper := container.NewHSplit(mapping, first)
	upper.Offset = 0.38
	body := container.NewVSplit(upper, refusedBox)
	body.Offset = 0.5
	p.frame = container.NewBorder(p.top, nil, nil, nil, body)
	p.view = container.NewPadded(p.frame)
	p.vm.OnChange(p.show)
	p.show()
	return p
}

// choose opens the system's file dialog for the list file.
func (p *sheetImport) choose() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		path := r.URI().Path()
		r.Close()
		p.file.SetText(path)
		p.vm.SetPath(path)
	}, p.a.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".xlsx", ".csv", ".tsv", ".txt"}))
	dir := filepath.Dir(p.file.Text)
	if p.file.Text == "" {
		dir = p.a.exchangeDir()
	}
	if l, err := storage.ListerForURI(storage.NewFileURI(dir)); err == nil {
		d.SetLocation(l)
	}
	d.Resize(fyne.NewSize(900, 600))
	d.Show()
}

// chooseSave opens the system's save dialog and puts the path chosen in
// entry (the page saves it; the dialog only names the file).
func chooseSave(a *App, entry *keyEntry, ext string) {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		path := w.URI().Path()
		w.Close()
		// The dialog made the file empty; the page writes a new one.
		removeEmpty(path)
		entry.SetText(path)
	}, a.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{ext}))
	dir := filepath.Dir(entry.Text)
	if entry.Text == "" {
		dir = a.exchangeDir()
	}
	if l, err := storage.ListerForURI(storage.NewFileURI(dir)); err == nil {
		d.SetLocation(l)
	}
	d.Resize(fyne.NewSize(900, 600))
	d.Show()
}

func (p *sheetImport) rowsSize() (int, int) {
	return len(p.data.Rows), len(p.data.Columns) + 1
}

func (p *sheetImport) rowsHeader(id widget.TableCellID, o fyne.CanvasObject) {
	l := o.(*widget.Label)
	if id.Col == 0 {
		l.SetText(p.a.tr.T("sheet.line"))
		return
	}
	if id.Col-1 < len(p.data.Columns) {
		c := p.data.Columns[id.Col-1]
		l.SetText(c.Letter + " · " + fieldShort(p.a.tr, c.Field))
	}
}

func (p *sheetImport) rowsCell(id widget.TableCellID, o fyne.CanvasObject) {
	l := o.(*widget.Label)
	l.SetText("")
	if id.Row >= len(p.data.Rows) {
		return
	}
	r := p.data.Rows[id.Row]
	if id.Col == 0 {
		l.SetText(itoa(r.Line))
		return
	}
	if id.Col-1 < len(p.data.Columns) {
		if i := p.data.Columns[id.Col-1].Index; i < len(r.Cells) {
			l.SetText(r.Cells[i])
		}
	}
}

func fieldShort(tr vm.Tr, f cstorage.Field) string {
	if f == 0 {
		return tr.T("sheet.skip")
	}
	return f.Label(tr.Lang())
}

func (p *sheetImport) show() {
	d := p.vm.Data()
	p.data = d
	imp := widget.MediumImportance
	switch {
	case d.Problem && (d.Stage == vm.SheetChecked || d.Stage == vm.SheetImported) && !d.Cancelled:
		imp = widget.WarningImportance // done, with rows refused
	case d.Problem:
		imp = widget.DangerImportance
	case d.Stage == vm.SheetImported || d.Stage == vm.SheetChecked:
		imp = widget.SuccessImportance
	}
	if p.message.Text != d.Message || p.message.Importance != imp {
		p.message.Importance = imp
		p.message.SetText(d.Message)
		p.frame.Refresh() // the message's lines changed: lay the page out again
	}
	enable(p.check, d.Ready)
	enable(p.run, d.Ready)
	if d.Stage == vm.SheetImporting {
		p.stop.Show()
	} else {
		p.stop.Hide()
	}
	defer p.frame.Refresh()
	p.progress.Hide()
	p.working.Hide()
	switch {
	case d.Stage == vm.SheetImporting && d.Progress > 0:
		p.progress.SetValue(d.Progress)
		p.progress.Show()
	case d.Busy || d.Stage == vm.SheetPreviewing:
		p.working.Show()
	}
	if key := columnsKey(d.Columns); key != p.columnsKey {
		p.columnsKey = key
		p.layoutColumns(d)
	}
	p.rows.Refresh()
	p.refusedTitle.SetText(p.a.tr.T("sheet.refused_title") + " (" + itoa(d.RefusedRows) + ")")
	p.refused.Refresh()
	enable(p.saveRefused, d.RefusedRows > 0 && !d.Busy)
	if p.refusedPath.Text == "" && d.Path != "" {
		base := strings.TrimSuffix(filepath.Base(d.Path), filepath.Ext(d.Path))
		p.refusedPath.SetText(filepath.Join(filepath.Dir(d.Path), base+"-"+p.a.tr.T("sheet.refused_suffix")+".xlsx"))
	}
	p.saveNote.SetText(d.SaveNote)
	p.saveNote.Importance = widget.SuccessImportance
	if d.SaveProblem {
		p.saveNote.Importance = widget.DangerImportance
	}
	if d.SaveNote == "" {
		p.saveNote.Hide()
	} else {
		p.saveNote.Show()
	}
	p.saveNote.Refresh()
}

func columnsKey(cs []vm.SheetColumn) string {
	var b strings.Builder
	for _, c := range cs {
		b.WriteString(c.Letter + "\x00" + c.Header + "\x00" + c.Field.String() + "\x01")
	}
	return b.String()
}

// layoutColumns lays out one line per column: its letter and heading,
// and the field it fills, chosen from the list.
func (p *sheetImport) layoutColumns(d vm.SheetImportData) {
	tr := p.a.tr
	fields, labels := p.vm.FieldChoices()
	p.columns.Objects = nil
	for _, c := range d.Columns {
		c := c
		head := c.Header
		if head == "" {
			head = tr.T("sheet.no_heading")
		}
		name := widget.NewLabel(tr.T("sheet.column", c.Letter, head))
		name.Truncation = fyne.TextTruncateEllipsis
		if c.Unknown {
			name.Importance = widget.DangerImportance
		}
		sel := newKeySelect(p.a.keys, labels, nil, nil)
		for i, f := range fields {
			if f == c.Field {
				sel.SetSelectedIndex(i)
			}
		}
		sel.OnChanged = func(string) {
			if i := sel.SelectedIndex(); i >= 0 {
				p.vm.SetColumn(c.Index, fields[i])
			}
		}
		p.columns.Add(container.NewGridWithColumns(2, name, sel))
	}
	p.columns.Refresh()
	p.rows.SetColumnWidth(0, 64)
	for i := range d.Columns {
		p.rows.SetColumnWidth(i+1, 170)
	}
}

func enable(b *keyButton, on bool) {
	if on {
		b.Enable()
	} else {
		b.Disable()
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// removeEmpty removes the empty file Fyne's save dialog creates at path:
// documents are written as new files, never over one.
func removeEmpty(path string) {
	if st, err := os.Lstat(path); err == nil && st.Mode().IsRegular() && st.Size() == 0 {
		os.Remove(path)
	}
}
