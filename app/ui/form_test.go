package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/communekit/communekit/app/vm"
	"github.com/communekit/communekit/storage"
)

// A saved new person is confirmed by name, and its record, shown in place
// of the form, lists what the law still requires.
func TestForm_NewPersonSaveSaysWhatIsMissing(t *testing.T) {
	ui, s := householdsApp(t)
	f := vm.NewPersonForm(ui.tr, s, nil)
	ui.push(func() fyne.CanvasObject { return newPersonPage(ui, f) })
	f.Set(storage.FieldFullName, "Lò Thị Mai")
	f.Set(storage.FieldBirthDate, "02/03/1980")
	f.Set(storage.FieldSex, storage.SexFemale)
	f.Set(storage.FieldEthnicity, "01")
	tap(t, ui.content, "Lưu (Enter)")
	if !hasText(ui.content, "Đã lưu Lò Thị Mai.") || !hasText(ui.content, "Còn thiếu theo Luật Căn cước: ") {
		t.Fatal("the save is not confirmed with what is missing")
	}
	if !hasText(ui.content, "Lịch sử thay đổi") || !hasText(ui.content, "Quê quán") {
		t.Fatal("the saved person's page, with what is missing, is not shown")
	}
	// The notice is said once: the page rebuilt no longer shows it.
	ui.show()
	if hasText(ui.content, "Đã lưu Lò Thị Mai.") {
		t.Error("the notice stays")
	}
	if !hasText(ui.content, "Còn thiếu theo Luật Căn cước:") {
		t.Error("the person's page does not list what is missing")
	}
}

// Esc on a form with typing asks; keeping on editing keeps the typing,
// discarding goes back. An untouched form is left at once.
func TestForm_EscAsksBeforeThrowingTypingAway(t *testing.T) {
	ui, s := householdsApp(t)
	w := ui.win
	f := vm.NewPersonForm(ui.tr, s, nil)
	ui.push(func() fyne.CanvasObject { return formPage(ui, f, nil) })
	entries := all[*keyEntry](ui.content)
	if len(entries) < 2 {
		t.Fatal("no entries on the form")
	}
	name := entries[1] // after the QR entry
	test.Type(name, "Lò Thị Mai")
	if !f.Dirty() {
		t.Fatalf("typing did not reach the form: %v", f.Value(storage.FieldFullName))
	}
	ui.keys.doEscape()
	top := w.Canvas().Overlays().Top()
	if top == nil || !hasText(top, "Bỏ các thay đổi chưa lưu?") {
		t.Fatal("Esc on a filled form does not ask")
	}
	if !hasText(ui.content, "Lưu (Enter)") {
		t.Fatal("the form was left")
	}
	tap(t, top, "Tiếp tục sửa")
	if w.Canvas().Overlays().Top() != nil || !hasText(ui.content, "Lưu (Enter)") {
		t.Fatal("Keep editing did not stay on the form")
	}
	if name.Text != "Lò Thị Mai" || !f.Dirty() {
		t.Fatalf("typing lost: %q", name.Text)
	}
	// Esc in the dialog keeps editing too.
	ui.keys.doEscape()
	ui.keys.doEscape()
	if w.Canvas().Overlays().Top() != nil || !hasText(ui.content, "Lưu (Enter)") {
		t.Fatal("Esc in the dialog did not keep editing")
	}
	// Cancel asks as Esc does; Discard goes back.
	tap(t, ui.content, "Hủy (Esc)")
	top = w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("Cancel on a filled form does not ask")
	}
	tap(t, top, "Bỏ thay đổi")
	if hasText(ui.content, "Lưu (Enter)") || !hasText(ui.content, "Hộ 2472-000010") {
		t.Fatal("Discard did not go back")
	}

	// Untouched: Esc leaves at once.
	ui.push(func() fyne.CanvasObject { return formPage(ui, vm.NewPersonForm(ui.tr, s, nil), nil) })
	ui.keys.doEscape()
	if w.Canvas().Overlays().Top() != nil || !hasText(ui.content, "Hộ 2472-000010") {
		t.Fatal("an untouched form was not left at once")
	}
}
