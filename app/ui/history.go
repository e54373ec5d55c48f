package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/vm"
	"github.com/communekit/communekit/storage"
)

func historyPage(a *App, p *storage.Person) fyne.CanvasObject {
	tr := a.tr
	rows, err := vm.History(tr, a.store, p.ID)
	head := container.NewVBox(bold(tr.T("history.title", p.FullName())), container.NewHBox(widget.NewButton(tr.T("history.back"), a.back)))
	if err != nil {
		return container.NewBorder(head, nil, nil, nil, wrapped(err.Error()))
	}
	if len(rows) == 0 {
		return container.NewBorder(head, nil, nil, nil, widget.NewLabel(tr.T("history.empty")))
	}
	cols := []string{tr.T("history.when"), tr.T("history.by"), tr.T("history.event"), tr.T("history.field"), tr.T("history.change"), tr.T("history.reason")}
	widths := []float32{140, 230, 110, 240, 260, 160}
	cell := func(r vm.HistoryRow, c int) string {
		switch c {
		case 0:
			return r.When
		case 1:
			return r.Who
		case 2:
			return r.Event
		case 3:
			return r.Field
		case 4:
			return r.Old + " → " + r.New
		}
		return r.Reason
	}
	t := widget.NewTableWithHeaders(
		func() (int, int) { return len(rows), len(cols) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(cell(rows[id.Row], id.Col))
		})
	t.ShowHeaderColumn = false
	t.CreateHeader = func() fyne.CanvasObject { return bold("") }
	t.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Row < 0 && id.Col >= 0 {
			o.(*widget.Label).SetText(cols[id.Col])
		}
	}
	for i, w := range widths {
		t.SetColumnWidth(i, w)
	}
	return container.NewBorder(head, nil, nil, nil, t)
}
