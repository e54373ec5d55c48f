package vm

import (
	"strings"
	"testing"
	"time"

	"github.com/communekit/communekit/app/i18n"
	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/client"
)

// A conflict's title names the person and the field in the interface's
// language, never "PERSON/field".
func TestConflicts_TitleNamesThePersonAndTheField(t *testing.T) {
	_, m, c := mustConflicts(t, cert.RoleSupervisor)
	f := rowOf(t, c, ConflictField)
	if f.Title != "Lò Thị Mai — Nghề nghiệp: hai giá trị khác nhau" {
		t.Errorf("title %q", f.Title)
	}
	d := rowOf(t, c, storage.ConflictDuplicate)
	if !strings.Contains(d.Title, "Giàng A Páo") || !strings.Contains(d.Title, "Có thể trùng người") {
		t.Errorf("duplicate title %q", d.Title)
	}
	for _, r := range c.Rows() {
		if strings.Contains(r.Title, m.Person.String()) || strings.Contains(r.Title, m.DuplicateA.String()) || strings.Contains(r.Title, "/") {
			t.Errorf("a title shows an identifier: %q", r.Title)
		}
	}
	c.Select(d.ID)
	for _, col := range c.Detail().Columns {
		if col.Title != "Giàng A Páo" && col.Title != "Giàng A Pao" {
			t.Errorf("a duplicate's column is titled %q", col.Title)
		}
	}
	tr := mustTr(t)
	tr.SetLang(i18n.English)
	c.tr = tr
	c.Refresh()
	if f := rowOf(t, c, ConflictField); f.Title != "Lò Thị Mai — Occupation: two different values" {
		t.Errorf("English title %q", f.Title)
	}
}

// An officer's device cannot resolve: the conflict says that the district
// supervisor decides and what the two values are, and asks for no choice.
func TestConflicts_OfficerIsToldWhoDecidesAndTheValues(t *testing.T) {
	_, _, c := mustConflicts(t, cert.RoleOfficer)
	c.Select(rowOf(t, c, ConflictField).ID)
	d := c.Detail()
	for _, want := range []string{"Cán bộ giám sát của huyện sẽ quyết định", "“Giáo viên” (do Vũ Văn Nam ghi)", "“Bác sĩ” (do Trần Thị Hoa ghi)", "không cần chọn"} {
		if !strings.Contains(d.Explain, want) {
			t.Errorf("explanation lacks %q: %q", want, d.Explain)
		}
	}
	if strings.Contains(d.Explain, "Chọn một phương án") || d.Choose || d.Enter {
		t.Errorf("an officer is asked to choose: %+v", d)
	}
	c.Select(rowOf(t, c, storage.ConflictDuplicate).ID)
	if d := c.Detail(); strings.Contains(d.Explain, "Nhập hai hồ sơ làm một, hoặc") || !strings.Contains(d.Explain, "Cán bộ giám sát của huyện sẽ quyết định") {
		t.Errorf("duplicate, officer: %q", d.Explain)
	}
	// A supervisor is still asked to choose.
	_, _, sup := mustConflicts(t, cert.RoleSupervisor)
	sup.Select(rowOf(t, sup, ConflictField).ID)
	if d := sup.Detail(); !strings.Contains(d.Explain, "Chọn một phương án") {
		t.Errorf("supervisor: %q", d.Explain)
	}
}

// A person's record knows which of its fields is in conflict, with the
// other value and the conflict to open.
func TestConflictsOf_MarksTheFieldWithTheOtherValue(t *testing.T) {
	s, m, c := mustConflicts(t, cert.RoleOfficer)
	p, err := s.Person(m.Person)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := ConflictsOf(mustTr(t), s, p)
	if err != nil {
		t.Fatal(err)
	}
	mark, ok := pc.Fields[storage.FieldOccupation]
	if !ok || len(pc.Fields) != 1 {
		t.Fatalf("marks %+v", pc.Fields)
	}
	if mark.Conflict != rowOf(t, c, ConflictField).ID || !strings.Contains(mark.Line, "“Giáo viên” (do Vũ Văn Nam ghi)") || strings.Contains(mark.Line, "Bác sĩ") {
		t.Errorf("mark %+v (the record shows %q)", mark, p.Get(storage.FieldOccupation))
	}
	if len(pc.Rows) != 1 || pc.Rows[0].Kind != ConflictField {
		t.Errorf("rows %+v", pc.Rows)
	}
	a, _ := s.Person(m.DuplicateA)
	if pc, _ := ConflictsOf(mustTr(t), s, a); len(pc.Fields) != 0 || len(pc.Rows) != 1 || pc.Rows[0].Kind != storage.ConflictDuplicate {
		t.Errorf("duplicate's person: %+v", pc)
	}
	other := mustStore(t, 0)
	q, err := newPersonForm(t, other).Save()
	if err != nil {
		t.Fatal(err)
	}
	if pc, _ := ConflictsOf(mustTr(t), other, q); len(pc.Fields)+len(pc.Rows) != 0 {
		t.Errorf("a person without conflicts: %+v", pc)
	}
}

// With the district unreachable the sync ends: the bar is full, not left
// at 85 %, and the message reads as a warning (nothing lost), not as a
// success; a sync stopped by the officer is a warning too.
func TestSync_UnreachableEndsAsAWarning(t *testing.T) {
	s := mustStore(t, 0) // nothing to send: the pull is what fails
	enrol(t, s)
	addr := freeAddr(t)
	y := NewSync(mustTr(t), s, Now, SyncOptions{Retry: client.Backoff{Base: 10 * time.Millisecond, Max: 20 * time.Millisecond, Attempts: 2}})
	if err := y.SetNode("https://" + addr); err != nil {
		t.Fatal(err)
	}
	seen := record(y)
	y.Start()
	y.Wait()
	d := y.Data()
	if d.State != SyncFailed || d.Fraction != 1 || d.Tone != ToneWarning {
		t.Fatalf("unreachable: state %v, bar %v, tone %v (fractions %v)", d.State, d.Fraction, d.Tone, seen.fractions())
	}
	if !strings.Contains(d.Message, "Không kết nối được máy chủ huyện") || !strings.Contains(d.Message, "Dữ liệu vẫn an toàn") {
		t.Errorf("message %q", d.Message)
	}

	ln := silentListener(t)
	if err := y.SetNode("https://" + ln); err != nil {
		t.Fatal(err)
	}
	y.Start()
	waitUntil(t, "the pull under way", func() bool { return y.Data().Line != "" && y.Data().State == SyncRunning })
	y.Cancel()
	y.Wait()
	if d := y.Data(); d.State != SyncCancelled || d.Tone != ToneWarning || d.Fraction != 1 {
		t.Errorf("cancelled: state %v tone %v bar %v", d.State, d.Tone, d.Fraction)
	}
}

// An address typed on the sync screen and left there is what the next
// sync uses, wherever it is started from; it is then kept in the profile.
// One typed and never used is kept in the profile when the app closes.
func TestSync_TypedAddressIsKeptAndUsed(t *testing.T) {
	s := mustStore(t, 20)
	reg := enrol(t, s)
	n := mustNode(t, reg, "127.0.0.1:0")
	y := NewSync(mustTr(t), s, Now, SyncOptions{})
	if err := y.SetNode("https://" + freeAddr(t)); err != nil {
		t.Fatal(err)
	}
	y.SetDraft(n.Addr())
	if y.Draft() != n.Addr() || y.Data().Draft != n.Addr() {
		t.Fatalf("draft %q", y.Draft())
	}
	if !y.Start() {
		t.Fatal("no sync")
	}
	y.Wait()
	if d := y.Data(); d.State != SyncDone || d.Node != n.Addr() || d.Draft != "" {
		t.Fatalf("after the sync: %+v", d)
	}
	if b, _ := s.GetMeta(client.MetaNode); string(b) != n.Addr() {
		t.Errorf("profile keeps %q", b)
	}
	// A bad address typed stops the sync with the reason, and stays.
	y.SetDraft("http://10.0.0.5:8443")
	if y.Start() || !strings.Contains(y.Data().Message, "https://10.0.0.5:8443") || y.Draft() == "" {
		t.Errorf("bad draft: %+v", y.Data())
	}
	y.SetDraft("10.0.0.9:8443")
	y.Close()
	if b, _ := s.GetMeta(client.MetaNode); string(b) != "https://10.0.0.9:8443" {
		t.Errorf("after close the profile keeps %q", b)
	}
}

// A sync that brings a conflict says so in its result, and names it for
// the screen to lead to it.
func TestSync_ResultSaysAConflictArrived(t *testing.T) {
	s1 := mustStore(t, 0)
	reg := enrol(t, s1)
	n := mustNode(t, reg, "127.0.0.1:0")
	p, err := newPersonForm(t, s1).Save()
	if err != nil {
		t.Fatal(err)
	}
	y1 := NewSync(mustTr(t), s1, Now, SyncOptions{})
	y1.SetNode(n.Addr())
	y1.Start()
	y1.Wait()
	s2 := mustStore(t, 0)
	enrolWith(t, s2, reg)
	y2 := NewSync(mustTr(t), s2, Now, SyncOptions{})
	y2.SetNode(n.Addr())
	y2.Start()
	y2.Wait()
	if d := y2.Data(); d.State != SyncDone || len(d.Conflicts) != 0 {
		t.Fatalf("second device's first sync: %+v", d)
	}
	// Both change the occupation without seeing each other.
	if _, _, err := s1.EditPerson(p.ID, storage.Values{storage.FieldOccupation: "Giáo viên"}, storage.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s2.EditPerson(p.ID, storage.Values{storage.FieldOccupation: "Bác sĩ"}, storage.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	y1.Start()
	y1.Wait()
	y2.Start()
	y2.Wait()
	d := y2.Data()
	want := "Đã gửi 1 thay đổi, nhận 1 thay đổi, 1 xung đột cần giải quyết."
	if d.State != SyncDone || !strings.HasPrefix(d.Message, want) || d.Tone != ToneWarning {
		t.Fatalf("result %q (tone %v), want %q", d.Message, d.Tone, want)
	}
	if len(d.Conflicts) != 1 || d.Conflicts[0] != p.ID.String()+"/occupation" {
		t.Errorf("conflicts %v", d.Conflicts)
	}
}

// The history is one entry per change, newest first: a registration is
// one entry with every field beneath it, and an edit after it comes first
// with its old and new value and its reason.
func TestHistory_OneEntryPerChangeNewestFirst(t *testing.T) {
	s := mustStore(t, 0)
	p, err := newPersonForm(t, s).Save()
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.EditPerson(p.ID, storage.Values{storage.FieldFullName: "Đặng Văn Đạt"}, storage.SaveOptions{Reason: "sửa theo giấy khai sinh"}); err != nil {
		t.Fatal(err)
	}
	entries, err := History(mustTr(t), s, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Fatalf("%d entries, want 2: %+v", len(entries), entries)
	}
	e := entries[0]
	if e.Event != "Sửa thông tin" || e.Reason != "sửa theo giấy khai sinh" || e.New || len(e.Changes) != 1 ||
		e.Changes[0] != (HistoryChange{Field: "Họ, chữ đệm và tên khai sinh", Old: "Đặng Văn Đức", New: "Đặng Văn Đạt"}) {
		t.Errorf("newest entry %+v", e)
	}
	r := entries[1]
	if r.Event != "Đăng ký" || !r.New || len(r.Changes) < 8 || !strings.Contains(r.Who, "Nguyễn Văn Test") {
		t.Errorf("registration %+v", r)
	}
}
