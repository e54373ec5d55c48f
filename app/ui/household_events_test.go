package ui

import (
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/communekit/communekit/app/i18n"
	"github.com/communekit/communekit/storage"
)

// householdsApp opens the main screens on a store with two households,
// 2472-000010 (four people) and 2472-000020 (two), and shows the first.
func householdsApp(t *testing.T) (*App, *storage.Store) {
	t.Helper()
	a := test.NewTempApp(t)
	opts := storage.Options{WorkFactor: 10, GCInterval: -1}
	s, err := storage.Create(filepath.Join(t.TempDir(), "p"), []byte(uiPass), storage.Profile{Commune: "12472", Officer: "Lê Văn Tâm"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range [][5]string{
		{"2472-000010", "Trần Văn Hải", "Nam", "1958", "Chủ hộ"}, {"2472-000010", "Phạm Thị Lụa", "Nữ", "1960", "Vợ"},
		{"2472-000010", "Trần Văn Minh", "Nam", "1986", "Con"}, {"2472-000010", "Đỗ Thị Hằng", "Nữ", "1989", "Con dâu"},
		{"2472-000020", "Vũ Văn Thắng", "Nam", "1984", "Chủ hộ"}, {"2472-000020", "Vũ Thị Hoa", "Nữ", "2012", "Con"},
	} {
		if _, err := s.AddPerson(storage.Values{storage.FieldHouseholdNumber: p[0], storage.FieldFullName: p[1], storage.FieldSex: p[2],
			storage.FieldBirthDate: p[3], storage.FieldRelationshipToHead: p[4], storage.FieldEthnicity: "01",
			storage.FieldPermanentAddressCode: "12472", storage.FieldPermanentAddressDetail: "Thôn Đông"}, storage.SaveOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	w := a.NewWindow("test")
	w.Resize(fyne.NewSize(1366, 768))
	ui := New(w, i18n.MustLoad(), Config{Dir: t.TempDir(), Options: opts, Do: uiQueue.post})
	w.Show()
	ui.unlocked(s, time.Now())
	t.Cleanup(ui.Close)
	uiQueue.drain()
	ui.push(func() fyne.CanvasObject { return householdPage(ui, "2472-000010") })
	if !hasText(ui.content, "Hộ 2472-000010") {
		t.Fatal("the household is not shown")
	}
	return ui, s
}

func all[T fyne.CanvasObject](o fyne.CanvasObject) []T {
	var out []T
	walk(o, func(o fyne.CanvasObject) {
		if x, ok := o.(T); ok {
			out = append(out, x)
		}
	})
	return out
}

func membersOf(t *testing.T, s *storage.Store, number string) map[string]string {
	t.Helper()
	ms, err := s.Members(number)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, m := range ms {
		out[m.FullName()] = m.Get(storage.FieldRelationshipToHead)
	}
	return out
}

// parentOf returns the container under o that holds child.
func parentOf(o, child fyne.CanvasObject) *fyne.Container {
	var out *fyne.Container
	walk(o, func(o fyne.CanvasObject) {
		if c, ok := o.(*fyne.Container); ok {
			for _, x := range c.Objects {
				if x == child {
					out = c
				}
			}
		}
	})
	return out
}

var enter = &fyne.KeyEvent{Name: fyne.KeyReturn}
var escape = &fyne.KeyEvent{Name: fyne.KeyEscape}

// TestSplitScreen_ByKeyboard splits the son's family off with the keys an
// officer would use: Space ticks who moves, typing fills the relationship
// and the reason, Enter saves (first refused: no reason), Esc cancels.
func TestSplitScreen_ByKeyboard(t *testing.T) {
	ui, s := householdsApp(t)
	tap(t, ui.content, "Tách hộ")
	if !hasText(ui.content, "Tách hộ: hộ 2472-000010") {
		t.Fatal("the split screen did not open")
	}
	// Esc on a box cancels; the screen opens again.
	boxes := all[*keyCheck](ui.content)
	if len(boxes) != 4 {
		t.Fatalf("%d boxes for 4 members", len(boxes))
	}
	boxes[0].TypedKey(escape)
	if hasText(ui.content, "Tách hộ: hộ 2472-000010") {
		t.Fatal("Esc did not cancel")
	}
	tap(t, ui.content, "Tách hộ")
	boxes = all[*keyCheck](ui.content)
	boxes[2].TypedRune(' ') // the son
	boxes[3].TypedRune(' ') // his wife
	if !boxes[2].Checked || !hasText(ui.content, "Sẽ là chủ hộ của hộ mới") {
		t.Fatal("Space did not tick the son, or he is not the new head")
	}
	// The head ticked too: the old household needs a new head.
	boxes[0].TypedRune(' ')
	oldHead := all[*keySelect](ui.content)[1]
	box := parentOf(ui.content, oldHead)
	if box == nil || !box.Visible() || len(oldHead.Options) != 1 {
		t.Fatalf("the head moves: the choice of a new head is hidden or offers %v", oldHead.Options)
	}
	screenshot(t, ui.win, "split-head-moves")
	boxes[0].TypedRune(' ')
	if box.Visible() {
		t.Fatal("the head stays: the choice of a new head is still shown")
	}
	rels := all[*keySelectEntry](ui.content)
	test.Type(rels[3], "Vợ")
	boxes[3].TypedKey(enter) // Enter on a box saves: refused, no reason
	if !hasText(ui.content, "Hãy ghi lý do") {
		t.Fatal("saved without a reason, or says nothing")
	}
	reason := entryAfter(t, ui.content, "Ví dụ: con trai ra ở riêng theo đơn ngày 12/03")
	test.Type(reason, "ra ở riêng")
	reason.TypedKey(enter)
	// Enter asks first, saying what will happen; Enter again confirms.
	top := ui.win.Canvas().Overlays().Top()
	if top == nil || !hasText(top, "Tách 2 người sang hộ mới 2472-000021, chủ hộ Trần Văn Minh: Trần Văn Minh, Đỗ Thị Hằng. Hộ 2472-000010 còn 2 người, chủ hộ Trần Văn Hải.") {
		t.Fatal("the split does not say what it will do before saving")
	}
	if !hasText(ui.content, "Tách hộ: hộ 2472-000010") || len(membersOf(t, s, "2472-000010")) != 4 {
		t.Fatal("saved before the officer agreed")
	}
	screenshot(t, ui.win, "split-confirm")
	ui.win.Canvas().OnTypedKey()(enter)
	uiQueue.drain()
	if hasText(ui.content, "Tách hộ: hộ 2472-000010") {
		t.Fatalf("Enter did not save the split")
	}
	if !hasText(ui.content, "Đã tách hộ: 2 người sang hộ 2472-000021.") {
		t.Error("the save is not confirmed on the household's page")
	}
	if m := membersOf(t, s, "2472-000010"); len(m) != 2 || m["Trần Văn Hải"] != "Chủ hộ" {
		t.Errorf("old household: %v", m)
	}
	if m := membersOf(t, s, "2472-000021"); len(m) != 2 || m["Trần Văn Minh"] != "Chủ hộ" || m["Đỗ Thị Hằng"] != "Vợ" {
		t.Errorf("new household: %v", m)
	}
	if !hasText(ui.content, "Hộ 2472-000010") || hasText(ui.content, "Trần Văn Minh") {
		t.Error("back on the household, the son is still listed")
	}
}

// TestMergeScreen_ByKeyboard merges 2472-000020 into 2472-000010: the
// number typed finds it, its head's relationship is typed, Enter saves.
func TestMergeScreen_ByKeyboard(t *testing.T) {
	ui, s := householdsApp(t)
	tap(t, ui.content, "Nhập hộ khác vào")
	from := entryAfter(t, ui.content, "Gõ tên chủ hộ, tên một thành viên hoặc số hộ")
	test.Type(from, "2472-000010")
	if !hasText(ui.content, "Không thể nhập hộ 2472-000010 vào chính nó") {
		t.Fatal("merging into itself is not refused at once")
	}
	from.SetText("")
	test.Type(from, "2472-000020")
	if !hasText(ui.content, "chủ hộ Vũ Văn Thắng, 2 người") {
		t.Fatal("the household typed is not found")
	}
	rels := all[*keySelectEntry](ui.content)
	if len(rels) != 2 || rels[1].Text != "Con" {
		t.Fatalf("%d relationship entries", len(rels))
	}
	from.TypedKey(enter)
	if !hasText(ui.content, "Ghi quan hệ với chủ hộ") {
		t.Fatal("saved without the head's relationship")
	}
	test.Type(rels[0], "Con rể")
	test.Type(entryAfter(t, ui.content, "Ví dụ: nhập hộ theo đơn ngày 12/03"), "nhập hộ")
	rels[0].TypedKey(enter)
	top := ui.win.Canvas().Overlays().Top()
	if top == nil || !hasText(top, "Nhập 2 người của hộ 2472-000020 (chủ hộ Vũ Văn Thắng) vào hộ 2472-000010 (chủ hộ Trần Văn Hải). Sau đó hộ 2472-000020 không còn ai.") {
		t.Fatal("the merge does not say what it will do before saving")
	}
	tap(t, top, "Nhập hộ")
	if !hasText(ui.content, "Đã nhập 2 người của hộ 2472-000020 vào hộ 2472-000010.") {
		t.Error("the save is not confirmed on the household's page")
	}
	if m := membersOf(t, s, "2472-000020"); len(m) != 0 {
		t.Errorf("2472-000020 still has %v", m)
	}
	if m := membersOf(t, s, "2472-000010"); len(m) != 6 || m["Vũ Văn Thắng"] != "Con rể" || m["Vũ Thị Hoa"] != "Con" {
		t.Errorf("after the merge: %v", m)
	}
	if !hasText(ui.content, "Vũ Văn Thắng") {
		t.Error("the household view does not list the members merged in")
	}
}

// TestSyncShortcut_FromAFormKeepsTheForm: Ctrl+Y in a form's entry starts
// a sync and leaves the form as typed; on a page of its own it opens the
// sync screen.
func TestSyncShortcut_FromAFormKeepsTheForm(t *testing.T) {
	ui, _ := householdsApp(t)
	tap(t, ui.content, "Tách hộ")
	reason := entryAfter(t, ui.content, "Ví dụ: con trai ra ở riêng theo đơn ngày 12/03")
	test.Type(reason, "đang gõ")
	reason.TypedShortcut(syncShortcut)
	uiQueue.drain()
	if !hasText(ui.content, "Tách hộ: hộ 2472-000010") || reason.Text != "đang gõ" {
		t.Fatal("Ctrl+Y left the form")
	}
	ui.showRoot(ui.overview.view)
	if !hasText(ui.content, "Ctrl+Y đồng bộ") {
		t.Error("the overview does not tell the shortcut")
	}
	ui.win.Canvas().(fyne.Shortcutable).TypedShortcut(syncShortcut)
	uiQueue.drain()
	if !hasText(ui.content, "Địa chỉ máy chủ huyện") {
		t.Error("Ctrl+Y did not open the sync screen")
	}
}
