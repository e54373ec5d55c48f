package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/vm"
	"github.com/communekit/communekit/storage"
)

// The household split and merge screens, reached from the household view.
// Everything is reachable with Tab in reading order; Space ticks a box or
// opens a choice, Enter anywhere saves, Esc cancels.

// splitPage is the split screen: who moves (a box each), the relationship
// of each one who moves to the new head, the new household's number and
// address, its head, and the old household's new head when its head moves.
func splitPage(a *App, v *vm.Split) fyne.CanvasObject {
	tr := a.tr
	message := wrapped("")
	save := func() {
		if !v.Ready() {
			return
		}
		what, warnings := v.Confirm()
		askBefore(a, tr.T("split.confirm_title"), what, warnings, tr.T("split.confirm_ok"), func() {
			if v.Save() != nil {
				return
			}
			a.overview.refresh(nil)
			a.say(v.Message(), false)
			a.back()
		})
	}
	a.leaving = func(leave func()) { askDiscard(a, v.Dirty, leave) }

	number := newKeyEntry(a.keys)
	number.SetText(v.Number())
	number.OnChanged = v.SetNumber
	number.OnSubmitted = func(string) { save() }
	numberProb := problemLabel()
	detail := newKeyEntry(a.keys)
	detail.SetText(v.AddressDetail())
	detail.OnChanged = v.SetAddressDetail
	detail.OnSubmitted = func(string) { save() }
	commune := widget.NewLabel(vm.UnitLabel(v.Household().AddressCode))

	// One row per member: the box with the name and birth, then the
	// relationship kept (for those who stay) or to the new head (for
	// those who move).
	members := v.Members()
	type row struct {
		id   storage.ID
		rel  *keySelectEntry
		now  *widget.Label // the relationship kept, for those who stay
		prob *widget.Label
	}
	var rows []row
	table := container.New(layout.NewFormLayout())
	for _, m := range members {
		m := m
		box := newKeyCheck(a.keys, m.Name+" · "+vm.OrNone(tr, m.Birth), func(on bool) { v.SetMove(m.ID, on) }, save)
		box.Checked = m.Moves
		rel := newKeySelectEntry(a.keys, vm.Relationships)
		rel.SetPlaceHolder(tr.T("split.rel_placeholder"))
		rel.SetText(m.NewRelationship)
		rel.OnChanged = func(s string) { v.SetRelationship(m.ID, s) }
		rel.OnSubmitted = func(string) { save() }
		now := widget.NewLabel(m.Relationship)
		r := row{id: m.ID, rel: rel, now: now, prob: problemLabel()}
		rows = append(rows, r)
		table.Add(box)
		table.Add(container.NewVBox(container.NewStack(now, rel), r.prob))
	}
	membersProb := problemLabel()

	// The heads: choices among those who move, and among those who stay.
	var moving, staying []vm.EventMember
	refreshing := false
	newHead := newKeySelect(a.keys, nil, nil, save)
	newHead.OnChanged = func(string) {
		if i := newHead.SelectedIndex(); !refreshing && i >= 0 && i < len(moving) {
			v.SetNewHead(moving[i].ID)
		}
	}
	newHeadProb := problemLabel()
	oldHead := newKeySelect(a.keys, nil, nil, save)
	oldHead.OnChanged = func(string) {
		if i := oldHead.SelectedIndex(); !refreshing && i >= 0 && i < len(staying) {
			v.SetOldHead(staying[i].ID)
		}
	}
	oldHeadProb := problemLabel()
	oldHeadLabel := widget.NewLabel(tr.T("split.old_head", v.Household().Number))
	oldHeadBox := container.NewVBox(oldHeadLabel, oldHead, oldHeadProb)
	var body *fyne.Container

	reason := newKeyEntry(a.keys)
	reason.SetPlaceHolder(tr.T("split.reason_placeholder"))
	reason.SetText(v.Reason())
	reason.OnChanged = v.SetReason
	reason.OnSubmitted = func(string) { save() }
	reasonProb := problemLabel()

	refresh := func() {
		refreshing = true
		defer func() { refreshing = false }()
		moving, staying = nil, nil
		for _, m := range v.Members() {
			if m.Moves {
				moving = append(moving, m)
			} else {
				staying = append(staying, m)
			}
		}
		for _, r := range rows {
			moves, isNewHead := false, r.id == v.NewHead()
			for _, m := range moving {
				moves = moves || m.ID == r.id
			}
			switch {
			case moves && isNewHead:
				r.rel.Hide()
				r.now.SetText(tr.T("split.will_head"))
				r.now.Show()
			case moves:
				r.now.Hide()
				r.rel.Show()
			default:
				r.rel.Hide()
				r.now.Show()
			}
			if !(moves && isNewHead) {
				for _, m := range staying {
					if m.ID == r.id {
						r.now.SetText(m.Relationship)
					}
				}
			}
			setProblem(r.prob, v.Problem(vm.RelationshipSpot(r.id)))
		}
		newHead.Options = names(moving)
		newHead.ClearSelected()
		for i, m := range moving {
			if m.ID == v.NewHead() {
				newHead.SetSelectedIndex(i)
			}
		}
		newHead.Refresh()
		if v.HeadMoves() {
			oldHead.Options = names(staying)
			oldHead.ClearSelected()
			for i, m := range staying {
				if m.ID == v.OldHead() {
					oldHead.SetSelectedIndex(i)
				}
			}
			oldHead.Refresh()
			oldHeadBox.Show()
		} else {
			oldHeadBox.Hide()
		}
		setProblem(numberProb, v.Problem(vm.SpotNumber))
		setProblem(membersProb, v.Problem(vm.SpotMembers))
		setProblem(newHeadProb, v.Problem(vm.SpotNewHead))
		setProblem(oldHeadProb, v.Problem(vm.SpotOldHead))
		setProblem(reasonProb, v.Problem(vm.SpotReason))
		message.SetText(v.Message())
		message.Importance = widget.DangerImportance
		if v.Saved() {
			message.Importance = widget.SuccessImportance
		}
		message.Refresh()
		if body != nil {
			body.Refresh() // rows shown or hidden: lay the column out again
		}
	}
	v.OnChange(refresh)

	saveBtn := newButton(tr.T("form.save"), save)
	saveBtn.Importance = widget.HighImportance
	head := container.NewVBox(heading(v.Title()), wrapped(tr.T("split.explain")))
	body = container.NewVBox(
		widget.NewCard("", tr.T("split.who"), container.NewVBox(table, membersProb)),
		widget.NewCard("", tr.T("split.new_household"), container.New(layout.NewFormLayout(),
			widget.NewLabel(tr.T("split.number")), container.NewVBox(number, numberProb),
			widget.NewLabel(tr.T("split.address")), container.NewVBox(detail, commune),
			widget.NewLabel(tr.T("split.new_head")), container.NewVBox(newHead, newHeadProb),
		)),
		oldHeadBox,
	)
	refresh()
	foot := container.NewVBox(
		widget.NewSeparator(),
		container.NewBorder(nil, nil, widget.NewLabel(tr.T("form.reason")), nil, reason),
		reasonProb,
		message,
		container.NewHBox(saveBtn, newButton(tr.T("form.cancel"), a.back)),
	)
	return container.NewBorder(head, foot, nil, nil, container.NewVScroll(body))
}

// names are the members' names as a choice lists them.
func names(ms []vm.EventMember) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Name + " (" + m.Line + ")"
	}
	return out
}

// mergePage is the merge screen: the number of the household merged in
// (looked up as it is typed), its members with the relationship each will
// have to this household's head.
func mergePage(a *App, v *vm.Merge) fyne.CanvasObject {
	tr := a.tr
	message := wrapped("")
	save := func() {
		if !v.Ready() {
			return
		}
		askBefore(a, tr.T("merge.confirm_title"), v.Confirm(), nil, tr.T("merge.confirm_ok"), func() {
			if v.Save() != nil {
				return
			}
			a.overview.refresh(nil)
			a.say(v.Message(), false)
			a.back()
		})
	}
	a.leaving = func(leave func()) { askDiscard(a, v.Dirty, leave) }
	from := newKeyEntry(a.keys)
	from.SetPlaceHolder(tr.T("merge.from_placeholder"))
	from.SetText(v.From())
	from.OnChanged = v.SetFrom
	// Enter picks the first household offered while none is chosen, and
	// saves once one is.
	from.OnSubmitted = func(string) {
		if cs := v.Choices(); v.FromSummary() == "" && len(cs) > 0 {
			from.SetText(cs[0].Number)
			return
		}
		save()
	}
	fromProb := problemLabel()
	found := wrapped("")
	// The households matching what is typed, one button each.
	choices := container.NewVBox()
	showChoices := func() {
		choices.Objects = nil
		if cs := v.Choices(); v.FromSummary() == "" && len(cs) > 0 {
			choices.Add(widget.NewLabel(tr.T("merge.choices")))
			for _, c := range cs {
				c := c
				b := newButton(c.Label, func() { from.SetText(c.Number) })
				b.Alignment = widget.ButtonAlignLeading
				choices.Add(b)
			}
		}
		choices.Refresh()
	}

	// The members' rows are made again when another household is found;
	// each keeps its relationship entry while the same one is shown.
	rowsBox := container.NewVBox()
	type row struct {
		id   storage.ID
		prob *widget.Label
	}
	var rows []row
	var shown []storage.ID
	build := func(ms []vm.EventMember) {
		rowsBox.Objects = nil
		rows, shown = nil, nil
		table := container.New(layout.NewFormLayout())
		for _, m := range ms {
			m := m
			rel := newKeySelectEntry(a.keys, vm.Relationships)
			rel.SetText(m.NewRelationship)
			rel.SetPlaceHolder(tr.T("merge.rel_placeholder", m.Relationship))
			rel.OnChanged = func(s string) { v.SetRelationship(m.ID, s) }
			rel.OnSubmitted = func(string) { save() }
			r := row{id: m.ID, prob: problemLabel()}
			rows, shown = append(rows, r), append(shown, m.ID)
			table.Add(container.NewVBox(bold(m.Name), widget.NewLabel(m.Line)))
			table.Add(container.NewVBox(rel, r.prob))
		}
		if len(ms) > 0 {
			rowsBox.Add(table)
		}
		rowsBox.Refresh()
	}

	reason := newKeyEntry(a.keys)
	reason.SetPlaceHolder(tr.T("merge.reason_placeholder"))
	reason.SetText(v.Reason())
	reason.OnChanged = v.SetReason
	reason.OnSubmitted = func(string) { save() }
	reasonProb := problemLabel()

	var body *fyne.Container
	refresh := func() {
		ms := v.Members()
		same := len(ms) == len(shown)
		for i := 0; same && i < len(ms); i++ {
			same = ms[i].ID == shown[i]
		}
		if !same {
			build(ms)
		}
		for _, r := range rows {
			setProblem(r.prob, v.Problem(vm.RelationshipSpot(r.id)))
		}
		setProblem(fromProb, v.Problem(vm.SpotFrom))
		found.SetText(v.FromSummary())
		showChoices()
		if body != nil {
			body.Refresh() // choices shown or hidden: lay the column out again
		}
		setProblem(reasonProb, v.Problem(vm.SpotReason))
		message.SetText(v.Message())
		message.Importance = widget.DangerImportance
		if v.Saved() {
			message.Importance = widget.SuccessImportance
		}
		message.Refresh()
	}
	v.OnChange(refresh)
	refresh()

	saveBtn := newButton(tr.T("form.save"), save)
	saveBtn.Importance = widget.HighImportance
	head := container.NewVBox(heading(v.Title()), wrapped(v.Explain()))
	body = container.NewVBox(
		container.NewBorder(nil, nil, widget.NewLabel(tr.T("merge.from")), nil, from),
		fromProb,
		choices,
		found,
		widget.NewCard("", tr.T("merge.members"), rowsBox),
	)
	foot := container.NewVBox(
		widget.NewSeparator(),
		container.NewBorder(nil, nil, widget.NewLabel(tr.T("form.reason")), nil, reason),
		reasonProb,
		message,
		container.NewHBox(saveBtn, newButton(tr.T("form.cancel"), a.back)),
	)
	return container.NewBorder(head, foot, nil, nil, container.NewVScroll(body))
}
