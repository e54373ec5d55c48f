package ui

import (
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/i18n"
	"github.com/communekit/communekit/storage"
)

// searchFor waits until the search shows the results of q.
func searchFor(t *testing.T, ui *App, q string) {
	t.Helper()
	waitFor(t, func() bool { _, got := ui.search.vm.Results(); return got == q })
}

// fieldEntry returns the widget beside the label text on a form.
func fieldEntry(t *testing.T, o fyne.CanvasObject, label string) fyne.Focusable {
	t.Helper()
	var out fyne.Focusable
	walk(o, func(o fyne.CanvasObject) {
		c, ok := o.(*fyne.Container)
		if !ok || out != nil {
			return
		}
		for i, x := range c.Objects {
			if l, ok := x.(*widget.Label); ok && l.Text == label && i+1 < len(c.Objects) {
				walk(c.Objects[i+1], func(o fyne.CanvasObject) {
					if f, ok := o.(fyne.Focusable); ok && out == nil {
						out = f
					}
				})
			}
		}
	})
	if out == nil {
		t.Fatalf("no field %q", label)
	}
	return out
}

// selectedRow returns the index of the result row the list shows
// selected, or -1: what the officer sees, read from the rendered list.
func selectedRow(ui *App) int {
	markup := test.RenderObjectToMarkup(ui.search.list)
	if !strings.Contains(markup, `fillColor="selection"`) {
		return -1
	}
	// Every row's name is bold; the selected row's background comes just
	// before its name.
	at := strings.Index(markup, `fillColor="selection"`)
	name := markup[at:]
	i := strings.Index(name, `<text bold`)
	if i < 0 {
		return -1
	}
	name = name[i:]
	name = name[strings.Index(name, ">")+1:]
	name = name[:strings.Index(name, "<")]
	for i, r := range ui.search.results {
		if r.Name == name {
			return i
		}
	}
	return -1
}

// The working day with the keyboard alone: find a person by name (not the
// first result), open them, correct one field with a reason, save, go
// back to the search and start the next one. The figure "keystrokes" of
// the issue is counted here.
func TestSearch_KeyboardOnlyDay(t *testing.T) {
	ui, s := householdsApp(t)
	w := ui.win
	ui.showRoot(ui.overview.view)
	k := &keyboard{t: t, w: w}

	k.ctrlF()
	if w.Canvas().Focused() != ui.search.entry {
		t.Fatal("Ctrl+F did not focus the search box")
	}
	k.typ("tran van")
	searchFor(t, ui, "tran van")
	if len(ui.search.results) < 2 {
		t.Fatalf("%d results for tran van", len(ui.search.results))
	}
	if selectedRow(ui) != 0 {
		t.Fatalf("the first result is not shown chosen (row %d)", selectedRow(ui))
	}
	want := -1
	for i, r := range ui.search.results {
		if r.Name == "Trần Văn Minh" {
			want = i
		}
	}
	if want < 1 {
		t.Fatalf("Trần Văn Minh is not a later result: %d", want)
	}
	for i := 0; i < want; i++ {
		k.press(fyne.KeyDown)
	}
	if got := selectedRow(ui); got != want {
		t.Fatalf("after Down ×%d the list shows row %d chosen, want %d", want, got, want)
	}
	k.press(fyne.KeyReturn)
	if !hasText(ui.content, "Trần Văn Minh") || !hasText(ui.content, "Lịch sử thay đổi") {
		t.Fatal("Enter did not open the chosen result")
	}
	if hasText(ui.content, "Trần Văn Hải") {
		t.Fatal("Enter opened another result than the one chosen")
	}
	// Space on the focused "Sửa" opens the correction form.
	k.press(fyne.KeySpace)
	if !hasText(ui.content, "Lưu (Enter)") {
		t.Fatal("Space on the person's page did not open the form")
	}
	// Ctrl+G goes to a field by its label: Nghề nghiệp is the 41st
	// input of the form, below the window's edge.
	occ := fieldEntry(t, ui.content, "Nghề nghiệp")
	k.shortcut("Ctrl+G", fieldShortcut)
	if openBox(w) == nil {
		t.Fatal("Ctrl+G on the form opened no box")
	}
	k.typ("nghe")
	screenshot(t, w, "goto-box")
	k.press(fyne.KeyReturn)
	if w.Canvas().Focused() != occ {
		t.Fatalf("Ctrl+G, nghe, Enter went to %T, not Nghề nghiệp", w.Canvas().Focused())
	}
	if y := fyne.CurrentApp().Driver().AbsolutePositionForObject(occ.(fyne.CanvasObject)).Y; y < 0 || y > w.Canvas().Size().Height-100 {
		t.Fatalf("Nghề nghiệp is at y=%.0f, out of sight", y)
	}
	screenshot(t, w, "goto-field")
	k.typ("Thợ mộc")
	var reason *keyEntry
	for _, e := range all[*keyEntry](ui.content) {
		if e.PlaceHolder == ui.tr.T("form.reason_placeholder") {
			reason = e
		}
	}
	if reason == nil {
		t.Fatal("no reason entry")
	}
	k.shortcut("Ctrl+G", fieldShortcut)
	k.typ("ly")
	k.press(fyne.KeyReturn)
	if w.Canvas().Focused() != reason {
		t.Fatalf("Ctrl+G, ly, Enter went to %T, not the reason", w.Canvas().Focused())
	}
	k.typ("theo CCCD")
	k.press(fyne.KeyReturn)
	if !hasText(ui.content, "Đã lưu Trần Văn Minh") {
		t.Fatal("the save is not confirmed")
	}
	hits, _ := s.Search("tran van minh", 1)
	if len(hits) != 1 || hits[0].Person.Get(storage.FieldOccupation) != "Thợ mộc" {
		t.Fatal("the correction was not saved")
	}
	k.press(fyne.KeyEscape)
	if w.Canvas().Focused() != ui.search.entry {
		t.Fatalf("back from the person, the focus is on %T, not the search box", w.Canvas().Focused())
	}
	if ui.search.entry.Text != "tran van" || ui.search.vm.Selected() != want || selectedRow(ui) != want {
		t.Fatalf("back from the person: query %q, row %d chosen; want %q, %d", ui.search.entry.Text, selectedRow(ui), "tran van", want)
	}
	t.Logf("keystrokes: %d: %s", k.n, k)
	// The query is selected: the next search is typed over it.
	k.typ("vu thi")
	searchFor(t, ui, "vu thi")
	if len(ui.search.results) != 1 || ui.search.results[0].Name != "Vũ Thị Hoa" {
		t.Fatalf("the next search: %q gives %v", ui.search.entry.Text, ui.search.results)
	}
}

// Tab goes from the search box to the results, where Down, Up and Enter
// work too and a letter goes back to the box; a query matching more than
// are shown says so, and "Xem thêm", the next Tab, shows more.
func TestSearch_TabToResultsAndShowMore(t *testing.T) {
	ui, s := householdsApp(t)
	w := ui.win
	for i := 0; i < 60; i++ {
		if _, err := s.AddPerson(storage.Values{storage.FieldFullName: "Nguyễn Văn " + letters(i), storage.FieldBirthDate: "1990",
			storage.FieldSex: "Nam", storage.FieldEthnicity: "01"}, storage.SaveOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	k := &keyboard{t: t, w: w}
	k.ctrlF()
	k.typ("nguyen")
	searchFor(t, ui, "nguyen")
	if len(ui.search.results) != 50 || !hasText(ui.content, "Hiển thị 50 trong số hơn 50 kết quả") {
		t.Fatalf("%d results; the line says %q", len(ui.search.results), ui.search.message.Text)
	}
	k.press(fyne.KeyTab)
	if w.Canvas().Focused() != ui.search.list {
		t.Fatalf("Tab from the search box went to %T, not the results", w.Canvas().Focused())
	}
	k.press(fyne.KeyDown)
	k.press(fyne.KeyDown)
	k.press(fyne.KeyUp)
	if ui.search.vm.Selected() != 1 || selectedRow(ui) != 1 {
		t.Fatalf("Down, Down, Up on the results chose row %d", selectedRow(ui))
	}
	screenshot(t, w, "search-results")
	ui.tr.SetLang(i18n.English)
	if !hasText(ui.content, "Showing 50 of more than 50 results") || !hasText(ui.content, "Show more results") {
		t.Fatalf("in English the line says %q", ui.search.message.Text)
	}
	screenshot(t, w, "search-results-en")
	ui.tr.SetLang(i18n.Vietnamese)
	w.Canvas().Focus(ui.search.list)
	// A letter goes back to the box, after the query.
	k.typ(" v")
	if w.Canvas().Focused() != ui.search.entry || ui.search.entry.Text != "nguyen v" {
		t.Fatalf("typing on the results: focus %T, query %q", w.Canvas().Focused(), ui.search.entry.Text)
	}
	searchFor(t, ui, "nguyen v")
	k.press(fyne.KeyTab)
	k.press(fyne.KeyTab)
	if w.Canvas().Focused() != ui.search.more {
		t.Fatalf("the second Tab went to %T, not Xem thêm", w.Canvas().Focused())
	}
	k.press(fyne.KeySpace)
	waitFor(t, func() bool { return len(ui.search.results) > 50 })
	if ui.search.more.Visible() || !hasText(ui.content, fmt.Sprintf("%d kết quả", len(ui.search.results))) {
		t.Fatalf("all %d shown, yet Xem thêm stays or the line says %q", len(ui.search.results), ui.search.message.Text)
	}
	// Shift+Tab back to the results; Enter opens the chosen one.
	k.shiftTab()
	k.press(fyne.KeyDown)
	name := ui.search.results[1].Name
	k.press(fyne.KeyReturn)
	if !hasText(ui.content, name) || !hasText(ui.content, "Lịch sử thay đổi") {
		t.Fatalf("Enter on the results did not open %s", name)
	}
	screenshot(t, w, "search-person")
	k.press(fyne.KeyEscape)
	if w.Canvas().Focused() != ui.search.entry || selectedRow(ui) != 1 {
		t.Fatalf("back: focus %T, row %d", w.Canvas().Focused(), selectedRow(ui))
	}
	// A click opens the row clicked, even the one chosen.
	ui.search.list.ScrollToTop()
	rows := all[*resultRow](ui.search.list)
	for _, r := range rows {
		if r.index == 1 {
			test.Tap(r)
		}
	}
	if !hasText(ui.content, name) {
		t.Fatal("a click on the chosen row did not open it")
	}
}

// One wheel step moves a long list by a few rows, not a third of one.
func TestSearch_WheelScrollsAtASensibleSpeed(t *testing.T) {
	ui, s := householdsApp(t)
	w := ui.win
	for i := 0; i < 60; i++ {
		if _, err := s.AddPerson(storage.Values{storage.FieldFullName: "Nguyễn Văn " + letters(i), storage.FieldBirthDate: "1990",
			storage.FieldSex: "Nam", storage.FieldEthnicity: "01"}, storage.SaveOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	ui.focusSearch()
	test.Type(ui.search.entry, "nguyen")
	searchFor(t, ui, "nguyen")
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(ui.search.list)
	at := pos.Add(fyne.NewPos(50, 100))
	// Fyne's desktop driver makes one wheel step a delta of 25.
	test.Scroll(w.Canvas(), at, 0, -25)
	if off := ui.search.list.GetScrollOffset(); off < 90 {
		t.Fatalf("one wheel step scrolled the results %.0f px", off)
	}
	test.Scroll(w.Canvas(), at, 0, 25)
	if off := ui.search.list.GetScrollOffset(); off != 0 {
		t.Fatalf("a step back up left the results at %.0f px", off)
	}
}

// letters names the i-th of many persons with letters only ("Ab").
func letters(i int) string {
	return string(rune('A'+i/26)) + string(rune('a'+i%26))
}
