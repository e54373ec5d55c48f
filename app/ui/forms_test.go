package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/i18n"
	"github.com/communekit/communekit/app/vm"
	"github.com/communekit/communekit/storage"
)

func overlay(ui *App) fyne.CanvasObject {
	if top := ui.win.Canvas().Overlays().Top(); top != nil {
		return top
	}
	return nil
}

func personNamed(t *testing.T, s *storage.Store, name string) *storage.Person {
	t.Helper()
	hits, err := s.Search(name, 5)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hits {
		if h.Person.FullName() == name {
			return h.Person
		}
	}
	t.Fatalf("no %s", name)
	return nil
}

// A sidebar button, and Ctrl+F, on a form with typing ask before leaving
// it; an untouched form is left at once.
func TestForms_SidebarAsksBeforeLeavingTyping(t *testing.T) {
	ui, s := householdsApp(t)
	f := vm.NewPersonForm(ui.tr, s, nil)
	ui.push(func() fyne.CanvasObject { return newPersonPage(ui, f) })
	var name *keyEntry // the first field
	for _, e := range all[*keyEntry](ui.content) {
		if e.PlaceHolder == "" {
			name = e
			break
		}
	}
	test.Type(name, "Lò Thị Mai")
	tap(t, ui.win.Content(), "Hộ gia đình")
	top := overlay(ui)
	if top == nil || !hasText(top, "Bỏ các thay đổi chưa lưu?") {
		t.Fatal("the sidebar left a filled form without asking")
	}
	tap(t, top, "Tiếp tục sửa")
	if !hasText(ui.content, "Lưu (Enter)") || name.Text != "Lò Thị Mai" || !f.Dirty() {
		t.Fatal("Keep editing lost the form")
	}
	ui.keys.doFind() // Ctrl+F
	if top = overlay(ui); top == nil {
		t.Fatal("Ctrl+F left a filled form without asking")
	}
	tap(t, top, "Bỏ thay đổi")
	if hasText(ui.content, "Lưu (Enter)") {
		t.Fatal("Discard did not leave")
	}
	// "Thêm người" over a filled form, once agreed, does not return to the
	// form discarded.
	ui.push(func() fyne.CanvasObject { return householdPage(ui, "2472-000010") })
	p := personNamed(t, s, "Trần Văn Minh")
	edit := vm.NewPersonForm(ui.tr, s, p)
	ui.push(func() fyne.CanvasObject { return formPage(ui, edit, nil) })
	edit.Set(storage.FieldPhone, "0987654321")
	tap(t, ui.win.Content(), "Thêm người")
	tap(t, overlay(ui), "Bỏ thay đổi")
	if !hasText(ui.content, "Đăng ký nhân khẩu mới") {
		t.Fatal("Thêm người did not open the new person's form")
	}
	ui.keys.doEscape()
	if hasText(ui.content, "Sửa thông tin: Trần Văn Minh") || !hasText(ui.content, "Hộ 2472-000010") {
		t.Fatal("Esc from the new form returned to the form discarded")
	}
	// Untouched: the sidebar leaves at once.
	ui.push(func() fyne.CanvasObject { return newPersonPage(ui, vm.NewPersonForm(ui.tr, s, nil)) })
	tap(t, ui.win.Content(), "Hộ gia đình")
	if overlay(ui) != nil || hasText(ui.content, "Lưu (Enter)") {
		t.Fatal("an untouched form was not left at once")
	}
}

// Esc, Cancel and the sidebar on a split or merge with choices made ask
// first; keeping on editing keeps them.
func TestForms_SplitAndMergeAskBeforeDiscarding(t *testing.T) {
	ui, _ := householdsApp(t)
	tap(t, ui.content, "Tách hộ")
	boxes := all[*keyCheck](ui.content)
	boxes[2].TypedRune(' ')
	boxes[2].TypedKey(escape)
	top := overlay(ui)
	if top == nil || !hasText(top, "Bỏ các thay đổi chưa lưu?") {
		t.Fatal("Esc on a split with a box ticked does not ask")
	}
	ui.keys.doEscape() // Esc in the dialog keeps editing
	if overlay(ui) != nil || !hasText(ui.content, "Tách hộ: hộ 2472-000010") || !all[*keyCheck](ui.content)[2].Checked {
		t.Fatal("Keep editing lost the split")
	}
	tap(t, ui.win.Content(), "Thống kê")
	if top = overlay(ui); top == nil {
		t.Fatal("the sidebar left a split without asking")
	}
	tap(t, top, "Bỏ thay đổi")
	if hasText(ui.content, "Tách hộ: hộ 2472-000010") {
		t.Fatal("Discard did not leave")
	}

	ui.push(func() fyne.CanvasObject { return householdPage(ui, "2472-000010") })
	tap(t, ui.content, "Nhập hộ khác vào")
	test.Type(entryAfter(t, ui.content, "Gõ tên chủ hộ, tên một thành viên hoặc số hộ"), "vu")
	tap(t, ui.content, "Hủy (Esc)")
	if top = overlay(ui); top == nil {
		t.Fatal("Cancel on a merge with a household typed does not ask")
	}
	tap(t, top, "Bỏ thay đổi")
	if hasText(ui.content, "Nhập hộ khác vào hộ 2472-000010") {
		t.Fatal("Discard did not leave the merge")
	}
	// Untouched: Esc leaves at once.
	tap(t, ui.content, "Tách hộ")
	ui.keys.doEscape()
	if overlay(ui) != nil || hasText(ui.content, "Tách hộ: hộ 2472-000010") {
		t.Fatal("an untouched split was not left at once")
	}
}

// Making a 14-year-old head of a household warns and asks; Enter does not
// pass the warning, Back keeps the form, the button saves.
func TestForms_SplitWarnsOfAMinorHead(t *testing.T) {
	ui, s := householdsApp(t)
	ui.push(func() fyne.CanvasObject { return householdPage(ui, "2472-000020") })
	tap(t, ui.content, "Tách hộ")
	boxes := all[*keyCheck](ui.content)
	boxes[1].TypedRune(' ') // Vũ Thị Hoa, born 2012
	test.Type(entryAfter(t, ui.content, "Ví dụ: con trai ra ở riêng theo đơn ngày 12/03"), "ra ở riêng")
	boxes[1].TypedKey(enter)
	top := overlay(ui)
	age := time.Now().Year() - 2012 // a year alone reads as its 1 January
	want := "Vũ Thị Hoa mới " + itoa(age) + " tuổi mà sẽ là chủ hộ 2472-000021"
	if top == nil || !hasText(top, "Tách 1 người sang hộ mới 2472-000021") || !containsText(top, want) {
		t.Fatalf("no warning %q", want)
	}
	screenshot(t, ui.win, "split-minor-head")
	ui.win.Canvas().OnTypedKey()(enter)
	if overlay(ui) == nil || len(membersOf(t, s, "2472-000020")) != 2 {
		t.Fatal("Enter passed the warning")
	}
	tap(t, overlay(ui), "Quay lại sửa")
	if !hasText(ui.content, "Tách hộ: hộ 2472-000020") || !all[*keyCheck](ui.content)[1].Checked {
		t.Fatal("Back did not return to the split as it was")
	}
	boxes[1].TypedKey(enter)
	tap(t, overlay(ui), "Tách hộ")
	if m := membersOf(t, s, "2472-000021"); m["Vũ Thị Hoa"] != "Chủ hộ" {
		t.Fatalf("not saved after agreeing: %v", m)
	}
}

// containsText reports whether some text under o contains s.
func containsText(o fyne.CanvasObject, s string) bool {
	found := false
	walk(o, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && strings.Contains(l.Text, s) {
			found = true
		}
	})
	return found
}

// The household merged in is found by its head's name and picked with a
// button (or Enter), not typed by number.
func TestForms_MergePicksTheHouseholdByName(t *testing.T) {
	ui, s := householdsApp(t)
	tap(t, ui.content, "Nhập hộ khác vào")
	from := entryAfter(t, ui.content, "Gõ tên chủ hộ, tên một thành viên hoặc số hộ")
	test.Type(from, "vu van thang")
	if hasText(ui.content, "Không có hộ số vu van thang") {
		t.Fatal("a name typed is refused as an unknown number")
	}
	label := "Hộ 2472-000020 — chủ hộ Vũ Văn Thắng, 2 người — Thôn Đông"
	screenshot(t, ui.win, "merge-pick")
	tap(t, ui.content, label)
	if from.Text != "2472-000020" || !hasText(ui.content, label) || len(all[*keySelectEntry](ui.content)) != 2 {
		t.Fatalf("picking did not choose the household: %q", from.Text)
	}
	// Enter in the search picks the first household offered.
	from.SetText("")
	test.Type(from, "Vũ Thị")
	from.TypedKey(enter)
	if from.Text != "2472-000020" || overlay(ui) != nil {
		t.Fatalf("Enter did not pick the household: %q", from.Text)
	}
	_ = s
}

// Each event form has its own hint; move out, temporary residence and
// absence explain themselves and ask for a date, checked as typed and
// kept in the history.
func TestForms_EventFormsHintExplainAndAskTheDate(t *testing.T) {
	ui, s := householdsApp(t)
	p := personNamed(t, s, "Trần Văn Minh")
	ui.push(func() fyne.CanvasObject { return personPage(ui, p.ID) })
	hints := map[string]bool{}
	for _, ev := range []string{"Khai tử", "Chuyển đi", "Tạm trú", "Tạm vắng"} {
		tap(t, ui.content, ev)
		reason := all[*keyEntry](ui.content)
		hint := reason[len(reason)-1].PlaceHolder
		if hint == "Ví dụ: sửa theo thẻ CCCD" || hints[hint] {
			t.Errorf("%s: hint %q", ev, hint)
		}
		hints[hint] = true
		ui.keys.doEscape()
	}
	tap(t, ui.content, "Tạm vắng")
	if !hasText(ui.content, "Tạm vắng từ ngày") || !containsText(ui.content, "vẫn thuộc hộ") {
		t.Fatal("the absence form does not ask the date or explain itself")
	}
	date := entryAfterText(t, ui, time.Now().Format("02/01/2006"))
	screenshot(t, ui.win, "event-absence")
	date.SetText("")
	test.Type(date, "01/01/1980")
	if !containsText(ui.content, "trước ngày sinh") {
		t.Fatal("a date before birth is not flagged")
	}
	date.SetText(time.Now().AddDate(0, 0, -2).Format("02/01/2006"))
	f := all[*keyEntry](ui.content)
	test.Type(f[len(f)-1], "đi làm ăn xa")
	var empty []*keyEntry // the place of absence: its commune, its address
	for _, e := range f {
		if e.PlaceHolder == "" && e.Text == "" {
			empty = append(empty, e)
		}
	}
	if len(empty) != 2 {
		t.Fatalf("%d empty entries", len(empty))
	}
	test.Type(empty[1], "Khu phố 3, Thủ Dầu Một, Bình Dương")
	f[len(f)-1].TypedKey(enter)
	uiQueue.drain()
	if !hasText(ui.content, "Đã lưu Trần Văn Minh.") && !containsText(ui.content, "Đã lưu Trần Văn Minh.") {
		var texts []string
		walk(ui.content, func(o fyne.CanvasObject) {
			if l, ok := o.(*widget.Label); ok && l.Visible() && l.Text != "" {
				texts = append(texts, l.Text)
			}
		})
		t.Fatalf("the absence is not confirmed: %q", texts)
	}
	ops, _ := s.History(p.ID)
	if r := ops[len(ops)-1].Reason; !strings.Contains(r, time.Now().AddDate(0, 0, -2).Format("02/01/2006")) {
		t.Errorf("history reason %q", r)
	}
}

func entryAfterText(t *testing.T, ui *App, text string) *keyEntry {
	t.Helper()
	for _, e := range all[*keyEntry](ui.content) {
		if e.Text == text {
			return e
		}
	}
	t.Fatalf("no entry with %q", text)
	return nil
}

// A save refused because the record changed elsewhere offers each field
// the officer changed, theirs beside the stored value, and saves on the
// new version as chosen.
func TestForms_StaleSaveOffersFieldByField(t *testing.T) {
	ui, s := householdsApp(t)
	p := personNamed(t, s, "Trần Văn Minh")
	f := vm.NewPersonForm(ui.tr, s, p)
	ui.push(func() fyne.CanvasObject { return formPage(ui, f, nil) })
	f.Set(storage.FieldPhone, "0987654321")
	f.Set(storage.FieldOccupation, "Thợ mộc")
	f.SetReason("theo CCCD")
	if _, _, err := s.EditPerson(p.ID, storage.Values{storage.FieldPhone: "0912345678", storage.FieldOccupation: "Giáo viên"}, storage.SaveOptions{Reason: "khác"}); err != nil {
		t.Fatal(err)
	}
	tap(t, ui.content, "Lưu (Enter)")
	top := overlay(ui)
	if top == nil || !hasText(top, "Hồ sơ vừa được sửa ở nơi khác") || !hasText(top, "Bạn nhập: 0987654321") || !hasText(top, "Đang lưu: 0912345678") ||
		!hasText(top, "Bạn nhập: Thợ mộc") || !hasText(top, "Đang lưu: Giáo viên") {
		t.Fatal("the changed fields are not offered")
	}
	screenshot(t, ui.win, "stale")
	radios := all[*keyRadio](top)
	if len(radios) != 2 {
		t.Fatalf("%d choices", len(radios))
	}
	radios[1].SetSelected("Lấy giá trị đang lưu") // occupation: take theirs
	tap(t, top, "Lưu trên bản mới")
	got, _ := s.Person(p.ID)
	if got.Get(storage.FieldPhone) != "0987654321" || got.Get(storage.FieldOccupation) != "Giáo viên" {
		t.Fatalf("saved %q %q", got.Get(storage.FieldPhone), got.Get(storage.FieldOccupation))
	}
	if hasText(ui.content, "Lưu (Enter)") || !hasText(ui.content, "Hộ 2472-000010") {
		t.Error("the form stays after the save")
	}
}

// Switching the language keeps what is typed in a form.
func TestForms_LanguageSwitchKeepsTyping(t *testing.T) {
	ui, _ := householdsApp(t)
	tap(t, ui.win.Content(), "Thêm người")
	test.Type(all[*keyEntry](ui.content)[1], "Lò Thị Mai")
	ui.tr.SetLang(i18n.English)
	defer ui.tr.SetLang(i18n.Vietnamese)
	if !hasText(ui.content, "Save (Enter)") || all[*keyEntry](ui.content)[1].Text != "Lò Thị Mai" {
		t.Fatal("the language switch lost the typing")
	}
}

// TestForms_Screenshots writes the forms of this change in Vietnamese and
// English at 1366×768 to $COMMUNEKIT_SCREENSHOTS, for a person to look at.
func TestForms_Screenshots(t *testing.T) {
	if testing.Short() {
		t.Skip("screenshots")
	}
	for _, lang := range []string{i18n.Vietnamese, i18n.English} {
		ui, s := householdsApp(t)
		ui.tr.SetLang(lang)
		p := personNamed(t, s, "Trần Văn Minh")
		shot := func(name string) { screenshot(t, ui.win, lang+"-"+name) }
		for _, ev := range []storage.Event{storage.EventMoveOut, storage.EventTemporaryResidence, storage.EventTemporaryAbsence, storage.EventDeath} {
			f := vm.NewEventForm(ui.tr, s, ev, p)
			ui.push(func() fyne.CanvasObject { return formPage(ui, f, nil) })
			if ev == storage.EventMoveOut {
				d := entryAfterText(t, ui, f.Date())
				d.SetText("")
				test.Type(d, "01/01/1980")
			}
			shot("event-" + ev.String())
			if ev == storage.EventMoveOut {
				ui.keys.doEscape()
				shot("discard")
				ui.keys.doEscape()
			}
			ui.popPage()
		}
		// Stale.
		f := vm.NewPersonForm(ui.tr, s, p)
		ui.push(func() fyne.CanvasObject { return formPage(ui, f, nil) })
		f.Set(storage.FieldPhone, "0987654321")
		f.Set(storage.FieldOccupation, "Thợ mộc")
		f.SetReason("theo CCCD")
		q, _ := s.Person(p.ID)
		if _, _, err := s.EditPerson(q.ID, storage.Values{storage.FieldPhone: "0912345678"}, storage.SaveOptions{Reason: "khác"}); err != nil {
			t.Fatal(err)
		}
		f.Save()
		if len(f.Stale()) == 0 {
			t.Fatal("not stale")
		}
		askStale(ui, f, func(map[storage.Field]bool) {})
		shot("stale")
		ui.keys.doEscape()
		ui.popPage()
		// Split with a minor head; merge by name.
		ui.push(func() fyne.CanvasObject { return householdPage(ui, "2472-000020") })
		split, err := vm.NewSplit(ui.tr, s, "2472-000020")
		if err != nil {
			t.Fatal(err)
		}
		split.SetMove(split.Members()[1].ID, true)
		split.SetReason("ra ở riêng")
		ui.push(func() fyne.CanvasObject { return splitPage(ui, split) })
		shot("split")
		all[*keyCheck](ui.content)[1].TypedKey(enter)
		shot("split-confirm")
		ui.keys.doEscape()
		ui.popPage()
		m, err := vm.NewMerge(ui.tr, s, "2472-000010")
		if err != nil {
			t.Fatal(err)
		}
		ui.push(func() fyne.CanvasObject { return mergePage(ui, m) })
		test.Type(all[*keyEntry](ui.content)[0], "vu")
		shot("merge-choices")
		m.SetFrom("2472-000020")
		m.SetReason("nhập hộ")
		for _, x := range m.Members() {
			if x.IsHead {
				m.SetRelationship(x.ID, "Con rể")
			}
		}
		ui.show() // rebuilt with what was set
		all[*keyEntry](ui.content)[0].TypedKey(enter)
		shot("merge-confirm")
		tap(t, overlay(ui), ui.tr.T("merge.confirm_ok"))
		shot("merge-saved")
		ui.tr.SetLang(i18n.Vietnamese)
	}
}

// A newborn's save is confirmed by name on the household's page, which
// lists the child.
func TestForms_NewbornSaveIsConfirmed(t *testing.T) {
	ui, s := householdsApp(t)
	h, err := s.HouseholdByNumber("2472-000010")
	if err != nil {
		t.Fatal(err)
	}
	f := vm.NewArrivalForm(ui.tr, s, storage.EventBirth, h, personNamed(t, s, "Trần Văn Hải"))
	ui.push(func() fyne.CanvasObject { return formPage(ui, f, nil) })
	f.Set(storage.FieldFullName, "Trần Văn An")
	f.Set(storage.FieldBirthDate, time.Now().AddDate(0, 0, -5).Format("02/01/2006"))
	f.Set(storage.FieldSex, storage.SexMale)
	tap(t, ui.content, "Lưu (Enter)")
	if !containsText(ui.content, "Đã lưu Trần Văn An.") || !hasText(ui.content, "Hộ 2472-000010") {
		t.Fatalf("the newborn's save is not confirmed on the household's page: %q", f.Message())
	}
}
