package ui

import (
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/vm"
	"github.com/communekit/communekit/storage"
)

// buttonNamed returns the visible button under o whose text is text, or nil.
func buttonNamed(o fyne.CanvasObject, text string) *widget.Button {
	var out *widget.Button
	walk(o, func(o fyne.CanvasObject) {
		if b, ok := asButton(o); ok && b.Text == text && b.Visible() && out == nil {
			out = b
		}
	})
	return out
}

// The same ID number typed again: the form names the holder and offers to
// see them over the form, which keeps its typing, and then to open their
// record.
func TestForm_DuplicateIDOffersTheHolder(t *testing.T) {
	ui, s := householdsApp(t)
	id := storage.MakeIDNumber("034", storage.SexMale, 1958, 77)
	hai, err := s.Search("tran van hai", 1)
	if err != nil || len(hai) == 0 {
		t.Fatal(err)
	}
	if _, _, err := s.EditPerson(hai[0].Person.ID, storage.Values{storage.FieldIDNumber: id}, storage.SaveOptions{Reason: "thẻ CCCD"}); err != nil {
		t.Fatal(err)
	}
	f := vm.NewPersonForm(ui.tr, s, nil)
	ui.push(func() fyne.CanvasObject { return formPage(ui, f, nil) })
	f.Set(storage.FieldFullName, "Trần Văn Hà")
	f.Set(storage.FieldBirthDate, "1958")
	f.Set(storage.FieldSex, storage.SexMale)
	f.Set(storage.FieldEthnicity, "01")
	f.Set(storage.FieldIDNumber, id)
	if b := buttonNamed(ui.content, "Xem Trần Văn Hải"); b != nil {
		t.Fatal("the holder is offered before any save")
	}
	tap(t, ui.content, "Lưu (Enter)")
	if !hasText(ui.content, "đã thuộc về Trần Văn Hải, sinh 1958, hộ số 2472-000010") {
		t.Fatal("the refusal does not name the holder")
	}
	if hasText(ui.content, hai[0].Person.ID.String()) {
		t.Fatal("the refusal shows the holder's identifier")
	}
	see := buttonNamed(ui.content, "Xem Trần Văn Hải")
	if see == nil {
		t.Fatal("no button to see the holder")
	}
	tap(t, see, see.Text)
	top := ui.win.Canvas().Overlays().Top()
	if top == nil || !hasText(top, "Số hộ: 2472-000010") || !hasText(top, "Quan hệ với chủ hộ: Chủ hộ") {
		t.Fatal("the holder's card is not shown")
	}
	// Back to the form: the typing is there.
	ui.keys.doEscape()
	if ui.win.Canvas().Overlays().Top() != nil || f.Value(storage.FieldFullName) != "Trần Văn Hà" {
		t.Fatal("Esc did not come back to the form as typed")
	}
	// Open their record: the form asks before its typing is lost.
	tap(t, see, see.Text)
	tap(t, ui.win.Canvas().Overlays().Top(), "Mở hồ sơ này")
	top = ui.win.Canvas().Overlays().Top()
	if top == nil || !hasText(top, "Bỏ các thay đổi chưa lưu?") {
		t.Fatal("opening the holder does not ask before discarding the typing")
	}
	tap(t, top, "Bỏ thay đổi")
	if !hasText(ui.content, "Lịch sử thay đổi") || !hasText(ui.content, "Trần Văn Hải") {
		t.Fatal("the holder's record is not shown")
	}
}

// A QR code read is said in the success colour, a bad one as a problem.
func TestForm_QRFillMessageIsNotRed(t *testing.T) {
	ui, s := householdsApp(t)
	f := vm.NewPersonForm(ui.tr, s, nil)
	ui.push(func() fyne.CanvasObject { return formPage(ui, f, nil) })
	var qr *keyEntry
	for _, e := range all[*keyEntry](ui.content) {
		if e.PlaceHolder == ui.tr.T("form.qr_placeholder") {
			qr = e
		}
	}
	id := storage.MakeIDNumber("033", storage.SexFemale, 1985, 42)
	qr.SetText(id + "|123456789|Lê Thị Hoa|02031985|Nữ|Thôn Đông, Quỳnh Phụ, Hưng Yên|10062021")
	qr.OnSubmitted(qr.Text)
	msg := labelIs(ui.content, f.Message())
	if f.Message() == "" || msg == nil {
		t.Fatalf("no message after the QR read: %q", f.Message())
	}
	if msg.Importance != widget.SuccessImportance {
		t.Errorf("QR read %q shown with importance %v, want success", msg.Text, msg.Importance)
	}
	qr.SetText("not a qr")
	qr.OnSubmitted(qr.Text)
	if msg.Importance != widget.DangerImportance {
		t.Errorf("bad QR %q shown with importance %v, want danger", msg.Text, msg.Importance)
	}
}

// labelIs returns the label under o whose text is text.
func labelIs(o fyne.CanvasObject, text string) *widget.Label {
	var out *widget.Label
	walk(o, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && l.Text == text && out == nil {
			out = l
		}
	})
	return out
}

// A folder on a stick that is not plugged in: the screen says to plug it
// in, in the officer's language, never Go's "stat …: no such file".
func TestEnrolScreen_MissingStickSaysPlugItIn(t *testing.T) {
	ui, _ := householdsApp(t)
	for _, lang := range []string{"vi", "en"} {
		ui.tr.SetLang(lang)
		ui.showEnrolment()
		var folder *keyEntry
		for _, e := range all[*keyEntry](ui.content) {
			if e.Text == ui.exchangeDir() {
				folder = e
			}
		}
		if folder == nil {
			t.Fatal("no folder entry")
		}
		folder.SetText(filepath.Join(t.TempDir(), "media", "lan", "SANDISK", "communekit"))
		tap(t, ui.content, ui.tr.T("enrol.save_request"))
		plug := map[string]string{"vi": "hãy cắm USB vào", "en": "plug the stick in"}[lang]
		if !hasText(ui.content, plug) {
			t.Errorf("%s: the screen does not say to plug the stick in", lang)
		}
		for _, w := range []string{"no such file", "stat ", "mkdir ", "permission denied"} {
			if hasText(ui.content, w) {
				t.Errorf("%s: the screen shows Go's %q", lang, w)
			}
		}
	}
}
