package ui

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/communekit/communekit/app/i18n"
	"github.com/communekit/communekit/app/internal/fixture"
	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/storage"
)

// conflictsApp opens the main screens on a store holding a field conflict
// and a probable duplicate, with a certificate of role, and shows the
// conflict queue from the navigation.
func conflictsApp(t *testing.T, role cert.Role) (*App, *storage.Store, *fixture.Made) {
	t.Helper()
	a := test.NewTempApp(t)
	opts := storage.Options{WorkFactor: 10, GCInterval: -1}
	s, err := storage.Create(filepath.Join(t.TempDir(), "p"), []byte(uiPass), storage.Profile{Commune: "12472", Officer: "Phạm Văn Giám"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	m, err := fixture.Conflicts(s, "12472")
	if err != nil {
		t.Fatal(err)
	}
	if err := fixture.Enrol(s, role); err != nil {
		t.Fatal(err)
	}
	w := a.NewWindow("test")
	w.Resize(fyne.NewSize(1366, 768))
	ui := New(w, i18n.MustLoad(), Config{Dir: t.TempDir(), Options: opts, Do: uiQueue.post})
	w.Show()
	ui.unlocked(s, time.Now())
	t.Cleanup(ui.Close)
	waitFor(t, func() bool {
		return hasText(ui.content, "Xung đột cần giải quyết") && hasText(ui.content, "Xem xung đột")
	})
	tap(t, ui.content, "Xem xung đột") // the overview's conflict card
	waitFor(t, func() bool { return hasText(ui.content, "Xung đột cần giải quyết (2)") })
	return ui, s, m
}

func selectConflict(t *testing.T, ui *App, kind string) {
	t.Helper()
	list := find[*keyList](ui.content)
	if list == nil {
		t.Fatal("no conflict list")
	}
	for i, r := range ui.conflicts.vm.Rows() {
		if r.Kind == kind {
			list.Select(i)
			uiQueue.drain()
			return
		}
	}
	t.Fatalf("no %s row", kind)
}

func TestConflictsScreen_ChooseCandidateTwo(t *testing.T) {
	ui, s, m := conflictsApp(t, cert.RoleSupervisor)
	if !hasText(ui.content, "Chọn một xung đột") {
		t.Fatal("no hint to pick a conflict")
	}
	selectConflict(t, ui, "field")
	for _, want := range []string{"Phương án 1", "Phương án 2", "Giáo viên", "Bác sĩ", "Vũ Văn Nam", "Trần Thị Hoa", "Theo giấy xác nhận", "Máy khác"} {
		if !hasText(ui.content, want) {
			t.Errorf("the side-by-side view lacks %q", want)
		}
	}
	note := entryAfter(t, ui.content, "Vì sao quyết định như vậy")
	test.Type(note, "Đã xem giấy tờ")
	tap(t, ui.content, "Chọn phương án 2")
	waitFor(t, func() bool { return hasText(ui.content, "Xung đột cần giải quyết (1)") })
	if !hasText(ui.content, "lần đồng bộ tới") {
		t.Error("the screen does not say the decision goes with the next sync")
	}
	if fcs, _ := s.Conflicts(); len(fcs) != 0 {
		t.Fatalf("field conflicts left: %+v", fcs)
	}
	if p, _ := s.Person(m.Person); p.Get(storage.FieldOccupation) != "Bác sĩ" {
		t.Errorf("occupation %q", p.Get(storage.FieldOccupation))
	}
	h, _ := s.History(m.Person)
	if last := h[len(h)-1]; last.Event != storage.EventResolution || last.Reason != "Đã xem giấy tờ" {
		t.Errorf("last op %+v", last)
	}
	// The overview's count follows.
	waitFor(t, func() bool { return ui.overview.vm.Data().Conflicts == 1 })
}

func TestConflictsScreen_BadValueShowsProblem(t *testing.T) {
	ui, s, _ := conflictsApp(t, cert.RoleSupervisor)
	selectConflict(t, ui, "field")
	var value *keyEntry
	walk(ui.content, func(o fyne.CanvasObject) {
		if e, ok := o.(*keyEntry); ok && e.PlaceHolder == "" && value == nil {
			value = e
		}
	})
	test.Type(value, strings.Repeat("x", 300))
	value.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) // Enter saves the value
	uiQueue.drain()
	if ui.conflicts.vm.ValueProblem() == "" || !hasText(ui.content, ui.conflicts.vm.ValueProblem()) {
		t.Fatalf("no problem shown beside the value (%q)", ui.conflicts.vm.ValueProblem())
	}
	if fcs, _ := s.Conflicts(); len(fcs) != 1 {
		t.Errorf("conflicts %+v", fcs)
	}
}

func TestConflictsScreen_MergeConfirmedByEnterAndDismiss(t *testing.T) {
	ui, s, m := conflictsApp(t, cert.RoleSupervisor)
	selectConflict(t, ui, storage.ConflictDuplicate)
	if !hasText(ui.content, "Giàng A Pao") || !hasText(ui.content, "Không phải cùng một người") {
		t.Fatal("the duplicate is not side by side with its actions")
	}
	tap(t, ui.content, "Giữ người này")
	// Esc cancels the question; nothing merged.
	ui.keys.doEscape()
	if dcs, _ := s.DuplicateConflicts(); len(dcs) != 1 {
		t.Fatal("Esc merged")
	}
	tap(t, ui.content, "Giữ người này")
	ui.keys.enter()
	uiQueue.drain()
	if p, err := s.Person(m.DuplicateB); err != nil || p.ID != m.DuplicateA {
		t.Fatalf("after Enter: %v, %v", p, err)
	}
	waitFor(t, func() bool { return hasText(ui.content, "Đã nhập") })
}

func TestConflictsScreen_DismissDuplicate(t *testing.T) {
	ui, s, _ := conflictsApp(t, cert.RoleSupervisor)
	selectConflict(t, ui, storage.ConflictDuplicate)
	tap(t, ui.content, "Không phải cùng một người")
	if dcs, _ := s.DuplicateConflicts(); len(dcs) != 0 {
		t.Fatalf("duplicates %+v", dcs)
	}
}

func TestConflictsScreen_OfficerSeesReadOnly(t *testing.T) {
	ui, _, _ := conflictsApp(t, cert.RoleOfficer)
	if !hasText(ui.content, "Cán bộ giám sát sẽ quyết định") {
		t.Fatal("no line saying a supervisor decides")
	}
	selectConflict(t, ui, "field")
	if !hasText(ui.content, "Bác sĩ") || hasText(ui.content, "Chọn phương án") || hasText(ui.content, "Ghi giá trị này") {
		t.Fatal("the officer sees the candidates without actions? wrong")
	}
	selectConflict(t, ui, storage.ConflictDuplicate)
	if hasText(ui.content, "Không phải cùng một người") || hasText(ui.content, "Giữ người này") {
		t.Fatal("the officer is offered a decision")
	}
}

// entryAfter finds the entry with placeholder ph.
func entryAfter(t *testing.T, o fyne.CanvasObject, ph string) *keyEntry {
	t.Helper()
	var out *keyEntry
	walk(o, func(o fyne.CanvasObject) {
		if e, ok := o.(*keyEntry); ok && e.PlaceHolder == ph {
			out = e
		}
	})
	if out == nil {
		t.Fatalf("no entry %q", ph)
	}
	return out
}

// TestConflictsScreen_Screenshot writes the queue with a field conflict
// selected, at 1366×768, to $COMMUNEKIT_SCREENSHOTS when set, for a person
// to look at.
func TestConflictsScreen_Screenshot(t *testing.T) {
	dir := os.Getenv("COMMUNEKIT_SCREENSHOTS")
	if dir == "" {
		t.Skip("COMMUNEKIT_SCREENSHOTS is not set")
	}
	ui, _, _ := conflictsApp(t, cert.RoleSupervisor)
	for _, c := range []struct{ kind, name string }{{"field", "conflicts-field"}, {storage.ConflictDuplicate, "conflicts-duplicate"}} {
		selectConflict(t, ui, c.kind)
		f, err := os.Create(filepath.Join(dir, c.name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, capture(ui.win)); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
}

// An officer's device told by the district that one of its persons holds
// the ID number of a person of another commune shows it in the queue, with
// its own person only and the way to correct it; the other person is not
// there to show.
func TestConflictsScreen_NoticeOfAnotherCommune(t *testing.T) {
	ui, s, m := conflictsApp(t, cert.RoleOfficer)
	notice := &storage.Op{Device: storage.NoticeDevice, Seq: 1, HLC: storage.HLC(uint64(time.Now().UnixMilli()) << 16), Kind: storage.KindNotice,
		ID: m.Person, Event: storage.EventCorrection, Changes: []storage.Change{{Field: uint8(storage.NoticeSameIDNumber), New: "open"}}}
	if _, err := s.ApplyOps([]*storage.Op{notice}, storage.ApplyOptions{Index: true}); err != nil {
		t.Fatal(err)
	}
	ui.conflicts.refresh()
	waitFor(t, func() bool { return hasText(ui.content, "Xung đột cần giải quyết (3)") })
	selectConflict(t, ui, "notice")
	if !hasText(ui.content, "cũng được ghi cho một người ở xã khác") {
		t.Fatal("the notice does not say what it is")
	}
	screenshot(t, ui.win, "conflicts-notice")
}
