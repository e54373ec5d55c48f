package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/i18n"
	"github.com/communekit/communekit/crypto/cert"
)

// The line above the search results follows a language chosen after the
// search: "2 kết quả" becomes "2 results", "no one found" too.
func TestSearch_ResultLineFollowsTheLanguage(t *testing.T) {
	ui, _ := householdsApp(t)
	defer ui.setLang(i18n.Vietnamese)
	ui.focusSearch()
	test.Type(ui.search.entry, "tran van")
	searchFor(t, ui, "tran van")
	if ui.search.message.Text != "2 kết quả" {
		t.Fatalf("the line says %q", ui.search.message.Text)
	}
	ui.setLang(i18n.English)
	uiQueue.drain()
	if ui.search.message.Text != "2 results" {
		t.Fatalf("in English the line says %q", ui.search.message.Text)
	}
	ui.search.entry.SetText("zzzz")
	searchFor(t, ui, "zzzz")
	ui.setLang(i18n.Vietnamese)
	uiQueue.drain()
	if want := ui.tr.T("search.none", "zzzz"); ui.search.message.Text != want {
		t.Fatalf("back in Vietnamese the line says %q, want %q", ui.search.message.Text, want)
	}
}

// The day with the keyboard alone, past the search: every screen of the
// navigation opened by Tab and Enter, a hamlet and a household chosen with
// the arrows, a split form opened and left with Esc from a focused
// button, back to the household and to the households screen as it was
// (the hamlet still chosen), a person's history opened and left with Esc.
func TestKeyboardOnly_EveryScreenAndBackWithEsc(t *testing.T) {
	ui, _ := householdsApp(t)
	w := ui.win
	ui.showOverview()
	uiQueue.drain()
	k := &keyboard{t: t, w: w}
	open := func(nav navKey, title string) {
		t.Helper()
		k.tabTo(ui.navButtons[nav], 80)
		k.press(fyne.KeyReturn)
		uiQueue.drain()
		if ui.nav != nav || !hasText(ui.content, title) {
			t.Fatalf("Tab to %s and Enter: the screen %q is not shown", nav, title)
		}
	}
	for _, s := range []struct {
		nav   navKey
		title string
	}{
		{navStats, ui.tr.T("nav.stats")}, {navQuality, ui.tr.T("nav.quality")},
		{navSync, ui.tr.T("sync.title")}, {navConflicts, ui.tr.T("nav.conflicts")},
		{navExport, ui.tr.T("nav.export")}, {navImport, ui.tr.T("nav.import")},
		{navSheetImport, ui.tr.T("sheet.title")}, {navListExport, ui.tr.T("listexport.title")},
		{navEnrolment, ui.tr.T("enrol.title")}, {navSettings, ui.tr.T("nav.settings")},
		{navOverview, "Tổng quan"},
	} {
		open(s.nav, s.title)
		// Esc on a focused button (the next of the navigation) leaves the
		// screen as it is: a screen of the navigation has nothing under it.
		k.press(fyne.KeyTab)
		k.press(fyne.KeyEscape)
		if ui.nav != s.nav {
			t.Fatalf("Esc on %s left it for %s", s.nav, ui.nav)
		}
	}

	open(navHouseholds, ui.tr.T("nav.households"))
	p := find[*keyList](ui.content) // the hamlets
	waitFor(t, func() bool { return p.Length() > 0 })
	k.tabTo(p, 40)
	k.press(fyne.KeyReturn) // the first hamlet
	if !hasText(ui.content, "2472-000010") {
		t.Fatal("Enter on the hamlet did not show its households")
	}
	households := all[*keyList](ui.content)[1]
	k.tabTo(households, 10)
	k.press(fyne.KeyReturn)
	if !hasText(ui.content, "Hộ 2472-000010") {
		t.Fatal("Enter on the household did not open it")
	}
	k.tabTo(buttonOf(t, ui.content, ui.tr.T("household.split")), 40)
	k.press(fyne.KeyReturn)
	if !hasText(ui.content, "Tách hộ: hộ 2472-000010") {
		t.Fatal("Enter on Tách hộ did not open the split")
	}
	k.press(fyne.KeyTab)
	k.press(fyne.KeyTab)
	k.press(fyne.KeyEscape)
	if !hasText(ui.content, "Hộ 2472-000010") || hasText(ui.content, "Tách hộ: hộ 2472-000010") {
		t.Fatal("Esc did not go back from the split to the household")
	}
	k.tabTo(buttonOf(t, ui.content, ui.tr.T("household.back")), 40)
	k.press(fyne.KeyEscape)
	uiQueue.drain()
	waitFor(t, func() bool { return hasText(ui.content, "2472-000010 — ") })
	if w.Canvas().Focused() != all[*keyList](ui.content)[1] {
		t.Fatalf("back on the households screen, the focus is on %T, not the households", w.Canvas().Focused())
	}
	// Down and Enter go on to the next household.
	k.press(fyne.KeyDown)
	k.press(fyne.KeyReturn)
	if !hasText(ui.content, "Hộ 2472-000020") {
		t.Fatal("Down, Enter did not open the next household")
	}
	k.press(fyne.KeyEscape)

	// A person: search, open, history, Esc, Esc.
	k.ctrlF()
	k.typ("vu thi hoa")
	searchFor(t, ui, "vu thi hoa")
	k.press(fyne.KeyReturn)
	k.tabTo(buttonOf(t, ui.content, ui.tr.T("person.history")), 10)
	k.press(fyne.KeyReturn)
	if !hasText(ui.content, ui.tr.T("history.title", "Vũ Thị Hoa")) {
		t.Fatal("Enter on Lịch sử did not open the history")
	}
	k.press(fyne.KeyTab)
	k.press(fyne.KeyEscape)
	if !hasText(ui.content, ui.tr.T("person.history")) {
		t.Fatal("Esc did not go back from the history to the person")
	}
	k.press(fyne.KeyEscape)
	if w.Canvas().Focused() != ui.search.entry {
		t.Fatal("Esc did not go back from the person to the search")
	}
	t.Logf("keystrokes: %d: %s", k.n, k)
}

func buttonOf(t *testing.T, o fyne.CanvasObject, text string) fyne.Focusable {
	t.Helper()
	var out fyne.Focusable
	walk(o, func(c fyne.CanvasObject) {
		if b, ok := asButton(c); ok && b.Text == text && out == nil {
			out = c.(fyne.Focusable)
		}
	})
	if out == nil {
		t.Fatalf("no button %q", text)
	}
	return out
}

// The conflicts' row labels are readable in the dark theme: a label of
// low importance is drawn in the disabled colour, nearly black on black.
func TestConflictsScreen_RowLabelsReadableInTheDark(t *testing.T) {
	ui, _, _ := conflictsApp(t, cert.RoleSupervisor)
	selectConflict(t, ui, "duplicate")
	n := 0
	for _, l := range all[*widget.Label](ui.content) {
		if l.Importance == widget.LowImportance && l.Text != "" {
			t.Errorf("%q is of low importance, in the disabled colour", l.Text)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no labels")
	}
}

// Fyne's own dialogs (the file dialog's buttons) speak the app's
// language, whatever the computer's locale.
func TestFyneWords_FollowTheAppsLanguage(t *testing.T) {
	ui, _ := householdsApp(t)
	defer ui.setLang(i18n.Vietnamese)
	ui.setLang(i18n.Vietnamese)
	if got := lang.L("Cancel"); got != "Hủy" {
		t.Fatalf("Fyne's Cancel is %q in Vietnamese", got)
	}
	if got := lang.L("Show Hidden Files"); got != "Hiện tệp ẩn" {
		t.Fatalf("Fyne's Show Hidden Files is %q in Vietnamese", got)
	}
	ui.setLang(i18n.English)
	if got := lang.L("Cancel"); got != "Cancel" {
		t.Fatalf("Fyne's Cancel is %q in English", got)
	}
}
