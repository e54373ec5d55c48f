package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/vm"
)

// searchPage keeps its entry and results across visits, so that going back
// from a person returns to the same list.
type searchPage struct {
	a       *App
	vm      *vm.Search
	entry   *keyEntry
	list    *widget.List
	message *widget.Label
	results []vm.Result
}

func newSearchPage(a *App) *searchPage {
	p := &searchPage{a: a, vm: vm.NewSearch(a.tr, gatedSearch{a, a.store}, a.do)}
	p.entry = newKeyEntry(a.keys)
	p.entry.OnChanged = p.vm.SetQuery
	p.entry.OnSubmitted = func(string) {
		if len(p.results) > 0 {
			p.open(p.results[0])
		}
	}
	p.message = widget.NewLabel("")
	p.list = widget.NewList(
		func() int { return len(p.results) },
		func() fyne.CanvasObject {
			return container.NewVBox(bold(""), widget.NewLabel(""))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			r := p.results[i]
			box := o.(*fyne.Container)
			name := r.Name
			if r.Dead {
				name += " " + a.tr.T("result.dead")
			}
			box.Objects[0].(*widget.Label).SetText(name)
			box.Objects[1].(*widget.Label).SetText(r.Line(a.tr))
		})
	p.list.OnSelected = func(i widget.ListItemID) {
		p.open(p.results[i])
		p.list.UnselectAll()
	}
	// Results arrive through a.do (fyne.Do), on the UI goroutine.
	p.vm.OnChange(func() {
		p.results, _ = p.vm.Results()
		msg := p.vm.Message()
		if msg == "" {
			msg = a.tr.T("search.count", len(p.results))
		}
		p.message.SetText(msg)
		p.list.Refresh()
	})
	return p
}

func (p *searchPage) view() fyne.CanvasObject {
	p.entry.SetPlaceHolder(p.a.tr.T("search.placeholder"))
	if p.entry.Text == "" {
		p.message.SetText(p.a.tr.T("search.hint"))
	}
	return container.NewBorder(container.NewVBox(p.entry, p.message), nil, nil, nil, p.list)
}

func (p *searchPage) open(r vm.Result) {
	p.a.push(func() fyne.CanvasObject { return personPage(p.a, r.ID) })
}
