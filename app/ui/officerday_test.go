package ui

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/i18n"
	"github.com/communekit/communekit/app/vm"
	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/node"
	"github.com/communekit/communekit/sync/outbox"
)

// labelWith returns the first label under o whose text contains s.
func labelWith(o fyne.CanvasObject, s string) *widget.Label {
	var out *widget.Label
	walk(o, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && out == nil && strings.Contains(l.Text, s) {
			out = l
		}
	})
	return out
}

// The conflict's title is the person's name and the field's label, and
// the list shows each conflict's whole line, wrapped, not cut.
func TestConflictsScreen_TitleInWordsAndWholeLines(t *testing.T) {
	ui, _, m := conflictsApp(t, cert.RoleSupervisor)
	selectConflict(t, ui, "field")
	if !hasText(ui.content, "Lò Thị Mai — Nghề nghiệp: hai giá trị khác nhau") || hasText(ui.content, m.Person.String()) {
		t.Fatal("the conflict's title is not in words, or shows the identifier")
	}
	list := find[*keyList](ui.content)
	oneLine := widget.NewLabel("x").MinSize().Height
	for _, r := range ui.conflicts.vm.Rows() {
		l := labelWith(list, r.Summary)
		if l == nil {
			t.Fatalf("the list does not show %q whole", r.Summary)
		}
		if l.Truncation != fyne.TextTruncateOff || l.Wrapping != fyne.TextWrapWord {
			t.Errorf("%q: truncation %v, wrapping %v", r.Summary, l.Truncation, l.Wrapping)
		}
		if l.Size().Height < l.MinSize().Height {
			t.Errorf("%q is %v high, needs %v", r.Summary, l.Size().Height, l.MinSize().Height)
		}
		if r.Kind == storage.ConflictDuplicate && l.Size().Height < 1.5*oneLine {
			t.Errorf("the duplicate's line (%q) is one line high (%v) in a list %v wide", r.Summary, l.Size().Height, list.Size().Width)
		}
	}
	screenshot(t, ui.win, "conflicts-supervisor-vi")
}

// On an officer's device the conflict says the district supervisor decides
// and what the values are, with nothing to choose.
func TestConflictsScreen_OfficerIsToldTheSupervisorDecides(t *testing.T) {
	ui, _, _ := conflictsApp(t, cert.RoleOfficer)
	selectConflict(t, ui, "field")
	for _, want := range []string{"Cán bộ giám sát của huyện sẽ quyết định", "“Giáo viên” (do Vũ Văn Nam ghi)", "“Bác sĩ” (do Trần Thị Hoa ghi)"} {
		if !hasText(ui.content, want) {
			t.Errorf("the officer's screen lacks %q", want)
		}
	}
	if hasText(ui.content, "Chọn một phương án") || hasText(ui.content, "Chọn phương án") {
		t.Error("the officer is asked to choose")
	}
	screenshot(t, ui.win, "conflicts-officer-vi")
	ui.tr.SetLang(i18n.English)
	waitFor(t, func() bool {
		return hasText(ui.content, "The district supervisor decides") && hasText(ui.content, "Lò Thị Mai — Occupation: two different values")
	})
	screenshot(t, ui.win, "conflicts-officer-en")
}

// The person's record marks the field in conflict with the other value,
// and leads to the conflict.
func TestPersonPage_MarksAFieldInConflict(t *testing.T) {
	ui, _, m := conflictsApp(t, cert.RoleOfficer)
	ui.push(func() fyne.CanvasObject { return personPage(ui, m.Person) })
	if !hasText(ui.content, "Chưa thống nhất: giá trị khác là “Giáo viên” (do Vũ Văn Nam ghi)") {
		t.Fatal("the record shows the disputed value without a mark")
	}
	if !hasText(ui.content, "Hồ sơ này có 1 xung đột chưa giải quyết") {
		t.Error("the record's head does not say it has a conflict")
	}
	screenshot(t, ui.win, "person-conflict-vi")
	tap(t, ui.content, "Xem xung đột")
	waitFor(t, func() bool {
		return hasText(ui.content, "Lò Thị Mai — Nghề nghiệp: hai giá trị khác nhau")
	})
	if ui.conflicts.vm.Selected() == "" {
		t.Error("the conflict opened is not selected")
	}
	ui.tr.SetLang(i18n.English)
	ui.push(func() fyne.CanvasObject { return personPage(ui, m.Person) })
	if !hasText(ui.content, "Not settled: the other value is “Giáo viên” (entered by Vũ Văn Nam)") {
		t.Error("no mark in English")
	}
	screenshot(t, ui.win, "person-conflict-en")
}

// With the district unreachable the sync screen ends: no bar left part-way,
// the message is a warning that says nothing was lost. An address typed on
// the screen stays when the officer leaves it, and the overview's "Đồng bộ
// ngay" uses it.
func TestSyncScreen_UnreachableEndsAndTypedAddressStays(t *testing.T) {
	a := test.NewTempApp(t)
	opts := storage.Options{WorkFactor: 10, GCInterval: -1}
	s, err := storage.Create(filepath.Join(t.TempDir(), "p"), []byte(uiPass), storage.Profile{Commune: "12472", Officer: "Lê Văn Tâm"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddPerson(storage.Values{storage.FieldFullName: "Đặng Văn Đức", storage.FieldBirthDate: "1990",
		storage.FieldSex: "Nam", storage.FieldEthnicity: "01"}, storage.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	reg := enrolled(t, s, opts)
	w := a.NewWindow("test")
	w.Resize(fyne.NewSize(1366, 768))
	ui := New(w, i18n.MustLoad(), Config{Dir: t.TempDir(), Options: opts, Do: uiQueue.post,
		SyncNode:    "https://" + freeAddr(t),
		SyncOptions: vm.SyncOptions{Retry: client.Backoff{Base: 20 * time.Millisecond, Max: 50 * time.Millisecond, Attempts: 2}}})
	w.Show()
	ui.unlocked(s, time.Now())
	defer ui.Close()
	ui.showSync(true)
	waitFor(t, func() bool { return hasText(ui.content, "Không kết nối được máy chủ huyện") })
	bar := find[*widget.ProgressBar](ui.content)
	if bar.Visible() {
		t.Errorf("the bar stays on screen at %v after the sync stopped", bar.Value)
	}
	msg := labelWith(ui.content, "Không kết nối được máy chủ huyện")
	if msg.Importance != widget.WarningImportance || !strings.Contains(msg.Text, "Dữ liệu vẫn an toàn") {
		t.Errorf("unreachable reads as %v: %q", msg.Importance, msg.Text)
	}
	screenshot(t, w, "sync-unreachable-vi")

	addr := freeAddr(t)
	n, err := node.Start(node.Config{ID: "n1", Dir: filepath.Join(t.TempDir(), "node"), District: reg.Keys(),
		Passphrase: []byte(uiPass), WorkFactor: 10, RaftAddr: "127.0.0.1:0", HTTPAddr: addr, Bootstrap: true,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Shutdown(context.Background())
	waitFor(t, func() bool { return n.Ready() == nil })

	entry := find[*keyEntry](ui.content)
	entry.SetText("")
	test.Type(entry, addr)
	uiQueue.drain()
	ui.showRoot(ui.overview.view) // leaves the sync screen
	ui.showSync(false)
	if entry := find[*keyEntry](ui.content); entry.Text != addr {
		t.Fatalf("the typed address was dropped: the screen shows %q", entry.Text)
	}
	ui.showRoot(ui.overview.view)
	ui.overview.refresh(nil)
	waitFor(t, func() bool { return hasText(ui.content, "Đồng bộ ngay") })
	tap(t, ui.content, "Đồng bộ ngay")
	waitFor(t, func() bool { return hasText(ui.content, "Đã gửi ") })
	if got := ui.sync.Node(); got != "https://"+addr {
		t.Errorf("the sync used %q", got)
	}
	if b, _ := s.GetMeta(client.MetaNode); string(b) != "https://"+addr {
		t.Errorf("the profile keeps %q", b)
	}
	if msg := labelWith(ui.content, "Đã gửi "); msg.Importance != widget.SuccessImportance {
		t.Errorf("success reads as %v", msg.Importance)
	}
}

// The history shows one entry per change, newest first, the reason whole
// (wrapped), the registration as one entry.
func TestHistoryPage_OneEntryPerChangeNewestFirst(t *testing.T) {
	a := test.NewTempApp(t)
	_, s := newUIProfile(t)
	p, err := s.AddPerson(storage.Values{storage.FieldFullName: "Đặng Văn Đức", storage.FieldBirthDate: "1990", storage.FieldSex: "Nam",
		storage.FieldEthnicity: "01", storage.FieldOccupation: "Nông dân", storage.FieldPermanentAddressCode: "12472",
		storage.FieldPermanentAddressDetail: "Thôn Đông, số nhà 5", storage.FieldHometown: "Xã Quỳnh Phụ"}, storage.SaveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	reason := "Theo giấy xác nhận của trường tiểu học xã ngày 12/11/2026, ông Đức đã chuyển sang dạy học từ đầu năm học, không còn làm ruộng; cán bộ đã xem bản gốc"
	if _, _, err := s.EditPerson(p.ID, storage.Values{storage.FieldOccupation: "Giáo viên"}, storage.SaveOptions{Reason: reason}); err != nil {
		t.Fatal(err)
	}
	w := a.NewWindow("test")
	w.Resize(fyne.NewSize(1366, 768))
	ui := New(w, i18n.MustLoad(), Config{Dir: t.TempDir(), Options: uiOpts, Do: uiQueue.post})
	w.Show()
	ui.unlocked(s, time.Now())
	defer ui.Close()
	person, _ := s.Person(p.ID)
	ui.push(func() fyne.CanvasObject { return historyPage(ui, person) })
	if find[*widget.Table](ui.content) != nil {
		t.Fatal("the history is still a table of one row per field")
	}
	var heads []string
	walk(ui.content, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && l.TextStyle.Bold && strings.Contains(l.Text, " · ") {
			heads = append(heads, l.Text)
		}
	})
	if len(heads) != 2 || !strings.Contains(heads[0], "Sửa thông tin") || !strings.Contains(heads[1], "Đăng ký") {
		t.Fatalf("entries %q, want the edit then the registration", heads)
	}
	r := labelWith(ui.content, reason)
	if r == nil || r.Wrapping != fyne.TextWrapWord || r.Truncation != fyne.TextTruncateOff {
		t.Fatalf("the reason is not shown whole: %+v", r)
	}
	if !hasText(ui.content, "Nông dân → Giáo viên") {
		t.Error("the edit's field is not beneath it")
	}
	screenshot(t, w, "history-vi")
	ui.tr.SetLang(i18n.English)
	screenshot(t, w, "history-en")
}

// A sync that brings a conflict says so, and its button opens the
// conflict; the screens are kept in both languages for a person to look
// at.
func TestSyncScreen_ConflictArrivedLeadsToIt(t *testing.T) {
	a := test.NewTempApp(t)
	opts := storage.Options{WorkFactor: 10, GCInterval: -1}
	s, err := storage.Create(filepath.Join(t.TempDir(), "p"), []byte(uiPass), storage.Profile{Commune: "12472", Officer: "Lê Văn Tâm"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.AddPerson(storage.Values{storage.FieldFullName: "Đặng Văn Đức", storage.FieldBirthDate: "1990", storage.FieldSex: "Nam",
		storage.FieldEthnicity: "01", storage.FieldPermanentAddressCode: "12472", storage.FieldOccupation: "Nông dân"}, storage.SaveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	reg := enrolled(t, s, opts)
	addr := freeAddr(t)
	n, err := node.Start(node.Config{ID: "n1", Dir: filepath.Join(t.TempDir(), "node"), District: reg.Keys(),
		Passphrase: []byte(uiPass), WorkFactor: 10, RaftAddr: "127.0.0.1:0", HTTPAddr: addr, Bootstrap: true,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Shutdown(context.Background())
	waitFor(t, func() bool { return n.Ready() == nil })
	ctx := context.Background()
	if _, err := (&client.Client{Node: "https://" + addr, Store: s}).Sync(ctx); err != nil {
		t.Fatal(err)
	}
	// Another officer's laptop of the commune gets the person, and
	// changes the occupation while this one does too.
	other, err := storage.Create(filepath.Join(t.TempDir(), "o"), []byte(uiPass), storage.Profile{Commune: "12472", Officer: "Vũ Văn Nam"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	req, err := cert.NewRequest(other.DeviceKeys(), "Vũ Văn Nam", []string{"12472"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c, err := reg.Sign(req, cert.RoleOfficer, nil, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := outbox.Install(other, c, reg.Public(), time.Now()); err != nil {
		t.Fatal(err)
	}
	oc := &client.Client{Node: "https://" + addr, Store: other}
	if _, err := oc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := other.EditPerson(p.ID, storage.Values{storage.FieldOccupation: "Giáo viên"}, storage.SaveOptions{Reason: "Anh Đức nói đã đi dạy"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.EditPerson(p.ID, storage.Values{storage.FieldOccupation: "Thợ mộc"}, storage.SaveOptions{Reason: "Theo sổ hộ khẩu"}); err != nil {
		t.Fatal(err)
	}
	if _, err := oc.Sync(ctx); err != nil {
		t.Fatal(err)
	}

	w := a.NewWindow("test")
	w.Resize(fyne.NewSize(1366, 768))
	ui := New(w, i18n.MustLoad(), Config{Dir: t.TempDir(), Options: opts, Do: uiQueue.post, SyncNode: "https://" + addr})
	w.Show()
	ui.unlocked(s, time.Now())
	defer ui.Close()
	ui.showSync(true)
	waitFor(t, func() bool {
		return hasText(ui.content, "Đã gửi 1 thay đổi, nhận 1 thay đổi, 1 xung đột cần giải quyết.")
	})
	if msg := labelWith(ui.content, "xung đột cần giải quyết"); msg.Importance != widget.WarningImportance {
		t.Errorf("a sync that brought a conflict reads as %v", msg.Importance)
	}
	screenshot(t, w, "sync-conflict-vi")
	ui.tr.SetLang(i18n.English)
	waitFor(t, func() bool { return hasText(ui.content, "conflicts to resolve: 1") })
	screenshot(t, w, "sync-conflict-en")
	ui.tr.SetLang(i18n.Vietnamese)
	waitFor(t, func() bool { return hasText(ui.content, "Xem xung đột (1)") })
	tap(t, ui.content, "Xem xung đột (1)")
	waitFor(t, func() bool {
		return hasText(ui.content, "Đặng Văn Đức — Nghề nghiệp: hai giá trị khác nhau")
	})
	if ui.conflicts.vm.Selected() != p.ID.String()+"/occupation" {
		t.Errorf("selected %q", ui.conflicts.vm.Selected())
	}
	// The person's record marks the occupation.
	ui.push(func() fyne.CanvasObject { return personPage(ui, p.ID) })
	person, _ := s.Person(p.ID)
	// Which value shows is the later change's: the mark names the other.
	want := "Chưa thống nhất: giá trị khác là “Giáo viên” (do Vũ Văn Nam ghi)"
	if person.Get(storage.FieldOccupation) == "Giáo viên" {
		want = "Chưa thống nhất: giá trị khác là “Thợ mộc” (do Lê Văn Tâm ghi)"
	}
	if !hasText(ui.content, want) {
		t.Errorf("the record does not mark the occupation (%q)", want)
	}
	ui.push(func() fyne.CanvasObject { return historyPage(ui, person) })
	screenshot(t, w, "history-conflict-vi")
	ui.tr.SetLang(i18n.English)
	screenshot(t, w, "history-conflict-en")
}
