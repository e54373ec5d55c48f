package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/communekit/communekit/app/vm"
	"github.com/communekit/communekit/storage"
)

// TestWords_Screenshots walks the screens of this change at 1366×768 in
// both languages and both themes and writes them to
// $COMMUNEKIT_SCREENSHOTS (skipped without it), for a person to look at:
// the refused duplicate ID number with its holder, the holder's card, a
// QR code read, a person's record, the folder chooser, a stick not
// plugged in, the households after a merge, the unit picker.
func TestWords_Screenshots(t *testing.T) {
	if os.Getenv("COMMUNEKIT_SCREENSHOTS") == "" {
		t.Skip("set COMMUNEKIT_SCREENSHOTS to a folder to write the screenshots")
	}
	for _, lang := range []string{"vi", "en"} {
		for _, th := range []string{"dark", "light"} {
			t.Run(lang+"-"+th, func(t *testing.T) { wordsShots(t, lang, th) })
		}
	}
}

func wordsShots(t *testing.T, lang, th string) {
	fakeDrives(t, "KINGSTON")
	ui, s := householdsApp(t)
	if th == "light" {
		fyne.CurrentApp().Settings().SetTheme(newAppTheme(vm.Settings{Theme: vm.ThemeLight, Text: vm.TextNormal}))
	} else {
		fyne.CurrentApp().Settings().SetTheme(newAppTheme(vm.Settings{Theme: vm.ThemeDark, Text: vm.TextNormal}))
	}
	ui.tr.SetLang(lang)
	shot := func(name string) {
		uiQueue.drain()
		// The test driver lays out again only on a resize (the window
		// driver does on every frame).
		ui.win.Resize(fyne.NewSize(1366, 767))
		ui.win.Resize(fyne.NewSize(1366, 768))
		screenshot(t, ui.win, "words-"+name+"-"+lang+"-"+th)
	}
	top := func() fyne.CanvasObject { return ui.win.Canvas().Overlays().Top() }
	hai, _ := s.Search("tran van hai", 1)
	id := storage.MakeIDNumber("034", storage.SexMale, 1958, 77)
	s.EditPerson(hai[0].Person.ID, storage.Values{storage.FieldIDNumber: id, storage.FieldReligion: "00",
		storage.FieldMaritalStatus: storage.MaritalMarried}, storage.SaveOptions{Reason: "thẻ CCCD"})

	// The same ID number typed for another person.
	f := vm.NewPersonForm(ui.tr, s, nil)
	f.Set(storage.FieldFullName, "Trần Văn Hà")
	f.Set(storage.FieldBirthDate, "1958")
	f.Set(storage.FieldSex, storage.SexMale)
	f.Set(storage.FieldEthnicity, "01")
	f.Set(storage.FieldReligion, "00")
	f.Set(storage.FieldIDNumber, id)
	ui.push(func() fyne.CanvasObject { return formPage(ui, f, nil) })
	f.Save()
	shot("form-duplicate")
	see := buttonNamed(ui.content, ui.tr.T("form.see_other", "Trần Văn Hải"))
	if see == nil {
		t.Fatal("no button to see the holder")
	}
	tap(t, see, see.Text)
	shot("form-duplicate-card")
	ui.keys.doEscape()

	// A QR code read.
	for _, e := range all[*keyEntry](ui.content) {
		if e.PlaceHolder == ui.tr.T("form.qr_placeholder") {
			e.SetText(storage.MakeIDNumber("033", storage.SexFemale, 1985, 42) + "|123456789|Lê Thị Hoa|02031985|Nữ|Thôn Đông, Quỳnh Phụ, Hưng Yên|10062021")
			e.OnSubmitted(e.Text)
		}
	}
	shot("form-qr")
	f.Set(storage.FieldPermanentAddressCode, "")
	// The unit picker.
	tap(t, ui.content, ui.tr.T("form.choose"))
	for _, e := range all[*keyEntry](top()) {
		test.Type(e, "quynh phu")
	}
	shot("unit-picker")
	tap(t, top(), ui.tr.T("form.cancel"))
	ui.popPage()

	// A person's record.
	ui.push(func() fyne.CanvasObject { return personPage(ui, hai[0].Person.ID) })
	shot("person")

	// The folder chooser, and a folder on a stick not plugged in.
	ui.showEnrolment()
	var folder *keyEntry
	for _, e := range all[*keyEntry](ui.content) {
		if strings.Contains(e.Text, string(filepath.Separator)) {
			folder = e
		}
	}
	chooseFolder(ui, folder)
	shot("folder-chooser")
	ui.keys.doEscape()
	folder.SetText(filepath.Join(t.TempDir(), "media", "lan", "SANDISK", "communekit"))
	tap(t, ui.content, ui.tr.T("enrol.save_request"))
	shot("enrol-missing-stick")

	// The households after a merge, a hamlet chosen.
	m, _ := vm.NewMerge(ui.tr, s, "2472-000010")
	m.SetFrom("2472-000020")
	for _, r := range m.Members() {
		m.SetRelationship(r.ID, "Cháu")
	}
	m.SetReason("nhập hộ")
	if err := m.Save(); err != nil {
		t.Fatal(err)
	}
	var p *householdsScreen
	ui.showRoot(func() fyne.CanvasObject { p = newHouseholdsScreen(ui); return p.view() })
	waitFor(t, func() bool { return len(p.hamlets) > 0 })
	shot("households-none-chosen")
	p.hamletList.Select(0)
	waitFor(t, func() bool { return p.list != nil && p.list.Len() > 0 && p.list.Row(0).Read })
	shot("households")
}
