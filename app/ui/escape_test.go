package ui

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/vm"
	"github.com/communekit/communekit/storage"
)

// escEverywhere tabs through every widget of the window's focus chain
// (as Tab does, from nothing focused round to the first again) and, on
// each, presses Esc and Ctrl+F as the desktop driver delivers them: both
// must reach the app's handlers. A focused Fyne button, list, table or
// radio item took every key, and Esc did nothing. It returns how many
// widgets it visited.
func escEverywhere(t *testing.T, ui *App, screen string) int {
	t.Helper()
	c := ui.win.Canvas()
	esc, find := ui.keys.escape, ui.keys.find
	escapes, finds := 0, 0
	ui.keys.escape = func() { escapes++ }
	ui.keys.find = func() { finds++ }
	defer func() { ui.keys.escape, ui.keys.find = esc, find }()
	c.Unfocus()
	seen := map[fyne.Focusable]bool{}
	for i := 0; i < 500; i++ {
		c.FocusNext()
		f := c.Focused()
		if f == nil || seen[f] {
			break
		}
		seen[f] = true
		before := escapes
		f.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
		uiQueue.drain()
		if escapes != before+1 {
			t.Errorf("%s: Esc on a focused %s did not reach the app", screen, describe(f))
		}
		before = finds
		if s, ok := f.(fyne.Shortcutable); ok {
			s.TypedShortcut(findShortcut)
		} else {
			c.(fyne.Shortcutable).TypedShortcut(findShortcut)
		}
		uiQueue.drain()
		if finds != before+1 {
			t.Errorf("%s: Ctrl+F on a focused %s did not reach the app", screen, describe(f))
		}
	}
	c.Unfocus()
	if len(seen) == 0 {
		t.Errorf("%s: nothing to Tab to", screen)
	}
	return len(seen)
}

func describe(f fyne.Focusable) string {
	if o, ok := f.(fyne.CanvasObject); ok {
		if b, ok := asButton(o); ok {
			return fmt.Sprintf("%T %q", f, b.Text)
		}
	}
	return fmt.Sprintf("%T", f)
}

// Every screen of the navigation, a household's and a person's page and
// every form reached from them: Esc and Ctrl+F work wherever Tab put the
// focus.
func TestEveryScreen_EscFromEveryFocusedWidget(t *testing.T) {
	ui, s := householdsApp(t)
	escEverywhere(t, ui, "household page")
	for _, label := range []string{"household.birth", "household.move_in", "household.split", "household.merge"} {
		tap(t, ui.content, ui.tr.T(label))
		escEverywhere(t, ui, label)
		ui.back()
		if !hasText(ui.content, "Hộ 2472-000010") {
			t.Fatalf("%s: back did not return to the household", label)
		}
	}
	p := personNamed(t, s, "Trần Văn Minh")
	ui.push(func() fyne.CanvasObject { return personPage(ui, p.ID) })
	escEverywhere(t, ui, "person page")
	tap(t, ui.content, ui.tr.T("person.history"))
	escEverywhere(t, ui, "history")
	ui.back()
	for _, ev := range vm.PersonEvents {
		f := vm.NewEventForm(ui.tr, s, ev, p)
		ui.push(func() fyne.CanvasObject { return formPage(ui, f, nil) })
		escEverywhere(t, ui, "event "+ev.String())
		ui.back()
	}
	f := vm.NewPersonForm(ui.tr, s, p)
	ui.push(func() fyne.CanvasObject { return formPage(ui, f, nil) })
	escEverywhere(t, ui, "person form")
	ui.back()

	sections := []struct {
		k    navKey
		show func()
	}{
		{navOverview, ui.showOverview}, {navSearch, ui.focusSearch}, {navHouseholds, ui.showHouseholds},
		{navStats, ui.showStats}, {navQuality, ui.showQuality}, {navSync, func() { ui.showSync(false) }},
		{navConflicts, ui.showConflicts}, {navExport, ui.showExport}, {navImport, ui.showImport},
		{navSheetImport, ui.showSheetImport}, {navListExport, ui.showListExport},
		{navEnrolment, ui.showEnrolment}, {navSettings, ui.showSettings},
	}
	for _, sec := range sections {
		sec.show()
		uiQueue.drain()
		escEverywhere(t, ui, string(sec.k))
	}
	// The search with results: the results list too.
	ui.focusSearch()
	test.Type(ui.search.entry, "tran")
	searchFor(t, ui, "tran")
	escEverywhere(t, ui, "search results")
}

// The place picker: Esc closes it wherever its focus is (the box, the
// list, Cancel), the form kept; the wheel scrolls its list as fast as the
// other long lists.
func TestPlacePicker_EscFromTheListAndFastWheel(t *testing.T) {
	ui, s := householdsApp(t)
	w := ui.win
	f := vm.NewPersonForm(ui.tr, s, nil)
	ui.push(func() fyne.CanvasObject { return formPage(ui, f, nil) })
	fl := storage.FieldCurrentAddressCode
	entry := focusableAfter(t, ui.content, vm.FieldLabel(ui.tr, fl)).(*keyEntry)
	entry.SetText("")
	var choose *widget.Button
	walk(parentOf(ui.content, entry), func(o fyne.CanvasObject) {
		if b, ok := asButton(o); ok && b.Text == ui.tr.T("form.choose") {
			choose = b
		}
	})
	k := &keyboard{t: t, w: w}
	for _, where := range []string{"list", "cancel"} {
		test.Tap(choose)
		k.typ("xa")
		top := w.Canvas().Overlays().Top()
		list := find[*keyList](top)
		if list == nil {
			t.Fatal("no list in the picker")
		}
		if where == "list" {
			k.tabTo(list, 3)
			// One wheel step over the list moves it by about three rows.
			pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(list).Add(fyne.NewPos(50, 50))
			test.Scroll(w.Canvas(), pos, 0, -25)
			if off := list.GetScrollOffset(); off < 90 {
				t.Errorf("one wheel step scrolled the place list %.0f px", off)
			}
		} else {
			var cancel fyne.Focusable
			walk(top, func(o fyne.CanvasObject) {
				if b, ok := asButton(o); ok && b.Text == ui.tr.T("form.cancel") {
					cancel = o.(fyne.Focusable)
				}
			})
			k.tabTo(cancel, 5)
		}
		k.press(fyne.KeyEscape)
		if w.Canvas().Overlays().Top() != nil {
			t.Fatalf("Esc with the focus on the picker's %s did not close it", where)
		}
		if !hasText(ui.content, "Lưu (Enter)") || entry.Text != "" {
			t.Fatalf("Esc on the picker's %s left the form (%q)", where, entry.Text)
		}
	}
}

// escInDialog checks escEverywhere on the dialog shown, then presses Esc
// on its last button as the officer would: the dialog closes, the page
// under it stays.
func escInDialog(t *testing.T, ui *App, name string, page string) {
	t.Helper()
	c := ui.win.Canvas()
	top := c.Overlays().Top()
	if top == nil {
		t.Fatalf("%s: no dialog", name)
	}
	escEverywhere(t, ui, name)
	var last fyne.Focusable
	walk(top, func(o fyne.CanvasObject) {
		if _, ok := asButton(o); ok && o.Visible() {
			last = o.(fyne.Focusable)
		}
	})
	if last == nil {
		t.Fatalf("%s: no button", name)
	}
	k := &keyboard{t: t, w: ui.win}
	k.tabTo(last, 40)
	k.press(fyne.KeyEscape)
	if c.Overlays().Top() != nil {
		t.Fatalf("%s: Esc on its button %s did not close it", name, describe(last))
	}
	if !hasText(ui.content, page) {
		t.Fatalf("%s: Esc left the page %q", name, page)
	}
}

// The dialogs: Esc closes them wherever Tab put the focus, their buttons
// too (Fyne's own dialog buttons swallowed it).
func TestDialogs_EscFromEveryButton(t *testing.T) {
	fakeDrives(t, "KINGSTON")
	ui, s := householdsApp(t)
	// The folder chooser.
	entry := newKeyEntry(ui.keys)
	chooseFolder(ui, entry)
	escInDialog(t, ui, "folder chooser", "Hộ 2472-000010")

	// The question before typing is thrown away.
	p := personNamed(t, s, "Trần Văn Minh")
	f := vm.NewPersonForm(ui.tr, s, p)
	ui.push(func() fyne.CanvasObject { return formPage(ui, f, nil) })
	test.Type(focusableAfter(t, ui.content, "Nghề nghiệp").(*keyEntry), "Thợ mộc")
	ui.keys.doEscape()
	escInDialog(t, ui, "discard question", "Lưu (Enter)")
	ui.keys.doEscape()
	tap(t, overlay(ui), ui.tr.T("form.discard"))

	// The question before a split.
	ui.push(func() fyne.CanvasObject { return householdPage(ui, "2472-000020") })
	tap(t, ui.content, "Tách hộ")
	boxes := all[*keyCheck](ui.content)
	boxes[1].TypedRune(' ')
	test.Type(entryAfter(t, ui.content, "Ví dụ: con trai ra ở riêng theo đơn ngày 12/03"), "ra ở riêng")
	boxes[1].TypedKey(enter)
	escInDialog(t, ui, "split question", "Tách hộ: hộ 2472-000020")
}
