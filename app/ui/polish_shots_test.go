package ui

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/communekit/communekit/app/i18n"
	"github.com/communekit/communekit/app/vm"
	"github.com/communekit/communekit/crypto/cert"
)

// shotVariants are the looks every screen is pictured in: both languages,
// both themes, the normal and the largest text.
var shotVariants = []vm.Settings{
	{Lang: i18n.Vietnamese, Theme: vm.ThemeLight, Text: vm.TextNormal},
	{Lang: i18n.English, Theme: vm.ThemeLight, Text: vm.TextNormal},
	{Lang: i18n.Vietnamese, Theme: vm.ThemeDark, Text: vm.TextNormal},
	{Lang: i18n.English, Theme: vm.ThemeDark, Text: vm.TextNormal},
	{Lang: i18n.Vietnamese, Theme: vm.ThemeLight, Text: vm.TextLarger},
	{Lang: i18n.Vietnamese, Theme: vm.ThemeDark, Text: vm.TextLarge},
	{Lang: i18n.English, Theme: vm.ThemeDark, Text: vm.TextLarger},
}

func variantName(s vm.Settings) string { return s.Lang + "-" + s.Theme + "-" + s.Text }

// shooter writes the window's pictures into dir/<variant>/NN-name.png.
type shooter struct {
	t      *testing.T
	ui     *App
	dir    string
	prefix string
	n      int
}

func newShooter(t *testing.T, ui *App, s vm.Settings, prefix string) *shooter {
	dir := ""
	if base := os.Getenv("COMMUNEKIT_SCREENSHOTS"); base != "" {
		dir = filepath.Join(base, "every-screen", variantName(s))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	s.IdleMinutes = 10
	ui.applySettings(s)
	uiQueue.drain()
	return &shooter{t: t, ui: ui, dir: dir, prefix: prefix}
}

func (s *shooter) shot(name string) {
	s.t.Helper()
	uiQueue.drain()
	// The test driver lays out again only on a resize.
	s.ui.win.Resize(fyne.NewSize(1366, 767))
	s.ui.win.Resize(fyne.NewSize(1366, 768))
	s.n++
	// A window's content wider or taller than its minimum makes the real
	// window larger than a 1366×768 screen: part of it out of reach.
	if m := s.ui.win.Content().MinSize(); m.Width > 1366 || m.Height > 768 {
		s.t.Errorf("%s: the window needs %.0f×%.0f, more than 1366×768", name, m.Width, m.Height)
		return // the test driver's painter fails on what is squeezed
	}
	if s.dir == "" {
		return
	}
	screenshotTo(s.t, s.ui.win, filepath.Join(s.dir, fmt.Sprintf("%s%02d-%s.png", s.prefix, s.n, name)))
}

// TestEveryScreen_FitsTheScreen goes through every screen of the app, its
// forms and its dialogs in every look of shotVariants, and checks that
// each fits a 1366×768 screen: with the largest text, rows of buttons,
// two columns of fields and wide tables made the window wider than the
// screen. With $COMMUNEKIT_SCREENSHOTS set it pictures each into
// $COMMUNEKIT_SCREENSHOTS/every-screen, for a person to look at.
func TestEveryScreen_FitsTheScreen(t *testing.T) {
	for _, v := range shotVariants {
		t.Run(variantName(v)+"/screens", func(t *testing.T) { everyScreen(t, v) })
		t.Run(variantName(v)+"/conflicts", func(t *testing.T) {
			for _, role := range []cert.Role{cert.RoleOfficer, cert.RoleSupervisor} {
				ui, _, _ := conflictsApp(t, role)
				sh := newShooter(t, ui, v, "c-"+string(role)+"-")
				waitFor(t, func() bool { return find[*keyList](ui.content) != nil })
				selectConflict(t, ui, "field")
				sh.shot("conflict-field")
				selectConflict(t, ui, "duplicate")
				sh.shot("conflict-duplicate")
			}
		})
	}
}

func everyScreen(t *testing.T, v vm.Settings) {
	fakeDrives(t, "KINGSTON")
	ui, s := householdsApp(t)
	sh := newShooter(t, ui, v, "")
	w := ui.win
	top := func() fyne.CanvasObject { return w.Canvas().Overlays().Top() }

	ui.showOverview()
	waitFor(t, func() bool { return !hasText(ui.content, "…") })
	sh.shot("overview")
	ui.focusSearch()
	test.Type(ui.search.entry, "tran")
	searchFor(t, ui, "tran")
	sh.shot("search")
	p := personNamed(t, s, "Trần Văn Minh")
	ui.search.open(ui.search.results[0])
	ui.replace(func() fyne.CanvasObject { return personPage(ui, p.ID) })
	sh.shot("person")
	tap(t, ui.content, ui.tr.T("person.edit"))
	sh.shot("person-form")
	ui.keys.doField()
	for _, r := range "nghe" {
		openBox(w).TypedRune(r)
	}
	sh.shot("goto-field-box")
	openBox(w).TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	sh.shot("person-form-occupation")
	ui.popPage()
	tap(t, ui.content, ui.tr.T("person.history"))
	sh.shot("history")
	ui.popPage()
	for _, ev := range vm.PersonEvents {
		tap(t, ui.content, ui.tr.T("event."+ev.String()))
		sh.shot("event-" + ev.String())
		ui.popPage()
	}
	ui.showHouseholds()
	waitFor(t, func() bool { return len(all[*keyList](ui.content)) == 2 && all[*keyList](ui.content)[0].Length() > 0 })
	all[*keyList](ui.content)[0].Select(0)
	waitFor(t, func() bool { return hasText(ui.content, "2472-000010 — ") })
	sh.shot("households")
	ui.push(func() fyne.CanvasObject { return householdPage(ui, "2472-000010") })
	sh.shot("household")
	for _, b := range []string{"household.birth", "household.move_in", "household.split", "household.merge"} {
		tap(t, ui.content, ui.tr.T(b))
		sh.shot(b[len("household."):])
		ui.popPage()
	}
	// The split's question, with its warning.
	ui.push(func() fyne.CanvasObject { return householdPage(ui, "2472-000020") })
	tap(t, ui.content, ui.tr.T("household.split"))
	boxes := all[*keyCheck](ui.content)
	boxes[1].TypedRune(' ')
	for _, e := range all[*keyEntry](ui.content) {
		if e.Text == "" {
			e.SetText("ra ở riêng")
		}
	}
	boxes[1].TypedKey(enter)
	sh.shot("split-question")
	ui.keys.doEscape()
	ui.keys.doEscape()
	if top() != nil {
		tap(t, top(), ui.tr.T("form.discard"))
	}

	ui.showSync(false)
	sh.shot("sync")
	ui.showStats()
	waitFor(t, func() bool { return ui.stats != nil && ui.stats.built != nil && !ui.stats.vm.Data().Loading })
	sh.shot("stats")
	ui.showQuality()
	time.Sleep(200 * time.Millisecond)
	sh.shot("quality")
	ui.showImport()
	sh.shot("import")
	ui.showSheetImport()
	sh.shot("sheet-import")
	tap(t, ui.content, ui.tr.T("sheet.choose"))
	sh.shot("file-dialog")
	for top() != nil {
		top().Hide()
	}
	ui.showListExport()
	sh.shot("list-export")
	ui.showExport()
	sh.shot("export")
	ui.showEnrolment()
	sh.shot("enrolment")
	var folder *keyEntry
	for _, e := range all[*keyEntry](ui.content) {
		if e.Text != "" {
			folder = e
		}
	}
	chooseFolder(ui, folder)
	sh.shot("folder-chooser")
	ui.keys.doEscape()
	ui.showSettings()
	sh.shot("settings")
	tap(t, ui.content, ui.tr.T("nav.passphrase"))
	sh.shot("passphrase")
	ui.keys.doEscape()
	ui.lock(false)
	sh.shot("lock")
}

func screenshotTo(t *testing.T, w fyne.Window, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, w.Canvas().Capture()); err != nil {
		t.Fatal(err)
	}
}
