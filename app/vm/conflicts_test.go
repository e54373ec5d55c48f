package vm

import (
	"errors"
	"strings"
	"testing"

	"github.com/communekit/communekit/app/internal/fixture"
	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/storage"
)

// mustConflicts makes a store holding a field conflict and a probable
// duplicate, with a certificate of role installed, and its queue read.
func mustConflicts(t *testing.T, role cert.Role) (*storage.Store, *fixture.Made, *Conflicts) {
	t.Helper()
	s := mustStore(t, 0)
	m, err := fixture.Conflicts(s, s.Profile().Commune)
	if err != nil {
		t.Fatal(err)
	}
	if err := fixture.Enrol(s, role); err != nil {
		t.Fatal(err)
	}
	c := NewConflicts(mustTr(t), s)
	if err := c.Refresh(); err != nil {
		t.Fatal(err)
	}
	return s, m, c
}

func rowOf(t *testing.T, c *Conflicts, kind string) ConflictRow {
	t.Helper()
	for _, r := range c.Rows() {
		if r.Kind == kind {
			return r
		}
	}
	t.Fatalf("no %s conflict in %+v", kind, c.Rows())
	return ConflictRow{}
}

func TestConflicts_ListsFieldConflictAndDuplicate(t *testing.T) {
	s, m, c := mustConflicts(t, cert.RoleSupervisor)
	rows := c.Rows()
	if len(rows) != 2 {
		t.Fatalf("rows = %+v, want a field conflict and a duplicate", rows)
	}
	f := rowOf(t, c, ConflictField)
	if f.ID != m.Person.String()+"/occupation" || f.Label != "Hai giá trị" || !strings.Contains(f.Summary, "Lò Thị Mai") || !strings.Contains(f.Summary, "Bác sĩ") {
		t.Errorf("field row = %+v", f)
	}
	d := rowOf(t, c, storage.ConflictDuplicate)
	if d.ID != "duplicate:"+m.DuplicateA.String()+"+"+m.DuplicateB.String() || !strings.Contains(d.Summary, "Giàng A Páo") {
		t.Errorf("duplicate row = %+v", d)
	}
	if n, _ := (StoreConflicts{Store: s}).Open(); n != 2 {
		t.Errorf("the overview counts %d, want 2", n)
	}

	c.Select(f.ID)
	det := c.Detail()
	if det == nil || len(det.Columns) != 2 || !det.Choose || !det.Enter || det.Merge || det.Dismiss {
		t.Fatalf("field detail = %+v", det)
	}
	if v := det.Columns[1].Lines[0]; v.Label != "Giá trị" || v.Value != "Bác sĩ" {
		t.Errorf("candidate 2's value line = %+v", v)
	}
	if who := det.Columns[0].Lines[1].Value; who != "Vũ Văn Nam" {
		t.Errorf("candidate 1's officer = %q", who)
	}
	if why := det.Columns[0].Lines[5].Value; why != "Bà Mai nói đã đi dạy" {
		t.Errorf("candidate 1's reason = %q", why)
	}
	c.Select(d.ID)
	det = c.Detail()
	if det == nil || len(det.Columns) != 2 || !det.Merge || !det.Dismiss || det.Choose || det.Columns[1].Lines[0].Value != "Giàng A Pao" {
		t.Fatalf("duplicate detail = %+v", det)
	}
}

func TestConflicts_ChooseCandidateTwoResolves(t *testing.T) {
	s, m, c := mustConflicts(t, cert.RoleSupervisor)
	c.Select(rowOf(t, c, ConflictField).ID)
	if err := c.Choose(2, "Đã gọi điện xác nhận"); err != nil {
		t.Fatal(err)
	}
	if fcs, err := s.Conflicts(); err != nil || len(fcs) != 0 {
		t.Fatalf("field conflicts after choosing: %+v, %v", fcs, err)
	}
	p, _ := s.Person(m.Person)
	if got := p.Get(storage.FieldOccupation); got != m.Candidates[1] {
		t.Errorf("occupation = %q, want candidate 2 %q", got, m.Candidates[1])
	}
	h, _ := s.History(m.Person)
	last := h[len(h)-1]
	if last.Event != storage.EventResolution || last.Reason != "Đã gọi điện xác nhận" || last.Device == fixture.DeviceB || last.Device == fixture.DeviceC {
		t.Errorf("last operation = %+v, want this device's resolution with the note", last)
	}
	if !strings.Contains(c.Message(), "đồng bộ") || c.Selected() != "" || len(c.Rows()) != 1 {
		t.Errorf("after: message %q, selected %q, rows %+v", c.Message(), c.Selected(), c.Rows())
	}
}

func TestConflicts_ChooseCandidateOneOverridesTheNewest(t *testing.T) {
	s, m, c := mustConflicts(t, cert.RoleSupervisor)
	c.Select(rowOf(t, c, ConflictField).ID)
	if err := c.Choose(1, ""); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.Person(m.Person); p.Get(storage.FieldOccupation) != m.Candidates[0] {
		t.Errorf("occupation = %q, want candidate 1", p.Get(storage.FieldOccupation))
	}
}

func TestConflicts_BadValueShowsProblemAndSavesNothing(t *testing.T) {
	s, m, c := mustConflicts(t, cert.RoleSupervisor)
	id := rowOf(t, c, ConflictField).ID
	c.Select(id)
	h0, _ := s.History(m.Person)
	err := c.Enter(strings.Repeat("x", 300), "")
	if !ErrInvalid(err) || c.ValueProblem() == "" {
		t.Fatalf("err %v, value problem %q", err, c.ValueProblem())
	}
	vi := c.ValueProblem()
	if h, _ := s.History(m.Person); len(h) != len(h0) {
		t.Errorf("history grew from %d to %d", len(h0), len(h))
	}
	if fcs, _ := s.Conflicts(); len(fcs) != 1 || c.Selected() != id {
		t.Errorf("conflict gone or deselected: %+v", fcs)
	}
	c.tr.SetLang("en")
	defer c.tr.SetLang("vi")
	c.Enter(strings.Repeat("x", 300), "")
	if en := c.ValueProblem(); en == vi || en == "" {
		t.Errorf("problem not translated: vi %q, en %q", vi, en)
	}
	// A good value typed in resolves.
	if err := c.Enter("Kỹ sư", "Hỏi lại tận nơi"); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.Person(m.Person); p.Get(storage.FieldOccupation) != "Kỹ sư" {
		t.Errorf("occupation = %q", p.Get(storage.FieldOccupation))
	}
}

func TestConflicts_MergeDuplicate(t *testing.T) {
	s, m, c := mustConflicts(t, cert.RoleSupervisor)
	c.Select(rowOf(t, c, storage.ConflictDuplicate).ID)
	before, _, _ := s.Counts()
	if err := c.Merge(0, "Cùng cha, cùng ngày sinh"); err != nil {
		t.Fatal(err)
	}
	if dcs, _ := s.DuplicateConflicts(); len(dcs) != 0 {
		t.Fatalf("duplicates after merge: %+v", dcs)
	}
	if p, err := s.Person(m.DuplicateB); err != nil || p.ID != m.DuplicateA {
		t.Errorf("the retired person leads to %v, %v; want %s", p, err, m.DuplicateA)
	}
	if after, _, _ := s.Counts(); after != before-1 {
		t.Errorf("persons %d → %d", before, after)
	}
	if !strings.Contains(c.Message(), "Đã nhập") {
		t.Errorf("message %q", c.Message())
	}
}

func TestConflicts_DismissDuplicate(t *testing.T) {
	s, m, c := mustConflicts(t, cert.RoleSupervisor)
	c.Select(rowOf(t, c, storage.ConflictDuplicate).ID)
	if err := c.Dismiss("Hai người khác nhau, đã gặp cả hai"); err != nil {
		t.Fatal(err)
	}
	if dcs, _ := s.DuplicateConflicts(); len(dcs) != 0 {
		t.Fatalf("duplicates after dismiss: %+v", dcs)
	}
	if p, err := s.Person(m.DuplicateB); err != nil || p.ID != m.DuplicateB {
		t.Errorf("B = %v, %v; want still itself", p, err)
	}
	if len(c.Rows()) != 1 {
		t.Errorf("rows = %+v", c.Rows())
	}
}

func TestConflicts_OfficerCannotResolve(t *testing.T) {
	s, m, c := mustConflicts(t, cert.RoleOfficer)
	if c.CanResolve() || !strings.Contains(c.RoleLine(), "giám sát") {
		t.Fatalf("officer: can resolve %v, line %q", c.CanResolve(), c.RoleLine())
	}
	c.Select(rowOf(t, c, ConflictField).ID)
	if d := c.Detail(); d == nil || d.Choose || d.Enter || len(d.Columns) != 2 {
		t.Fatalf("officer's detail = %+v", d)
	}
	if err := c.Choose(2, ""); !errors.Is(err, ErrNotSupervisor) {
		t.Fatalf("Choose = %v", err)
	}
	c.Select(rowOf(t, c, storage.ConflictDuplicate).ID)
	if err := c.Merge(0, ""); !errors.Is(err, ErrNotSupervisor) {
		t.Fatalf("Merge = %v", err)
	}
	if fcs, _ := s.Conflicts(); len(fcs) != 1 {
		t.Errorf("conflicts = %+v", fcs)
	}
	if p, _ := s.Person(m.Person); p.Get(storage.FieldOccupation) != m.Candidates[1] {
		t.Errorf("occupation changed to %q", p.Get(storage.FieldOccupation))
	}
}

func TestConflicts_UnenrolledDeviceIsReadOnly(t *testing.T) {
	s := mustStore(t, 0)
	if _, err := fixture.Conflicts(s, s.Profile().Commune); err != nil {
		t.Fatal(err)
	}
	c := NewConflicts(mustTr(t), s)
	c.Refresh()
	if c.CanResolve() || len(c.Rows()) != 2 {
		t.Fatalf("unenrolled: can resolve %v, rows %+v", c.CanResolve(), c.Rows())
	}
}
