package vm

import (
	"strings"
	"testing"
	"time"

	"github.com/communekit/communekit/storage"
)

func mustHousehold(t *testing.T, s *storage.Store) *Household {
	t.Helper()
	hh := NewHouseholds(mustTr(t), s)
	if err := hh.Load(); err != nil {
		t.Fatal(err)
	}
	hamlets := hh.Hamlets()
	if len(hamlets) == 0 {
		t.Fatal("no hamlets")
	}
	for _, hm := range hamlets {
		for _, r := range hh.InHamlet(hm.Name) {
			v, err := OpenHousehold(mustTr(t), s, r.Number)
			if err != nil {
				t.Fatal(err)
			}
			if len(v.Members()) >= 3 {
				return v
			}
		}
	}
	t.Fatal("no household of 3")
	return nil
}

func TestHouseholds_ByHamletWithHeads(t *testing.T) {
	s := mustStore(t, 300)
	hh := NewHouseholds(mustTr(t), s)
	if err := hh.Load(); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, hm := range hh.Hamlets() {
		total += hm.Households
		if hm.Name == "" {
			continue
		}
		if !strings.Contains(hh.HamletLabel(hm), hm.Name) {
			t.Errorf("label %q", hh.HamletLabel(hm))
		}
		rows := hh.InHamlet(hm.Name)
		if err := hh.Fill(rows); err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.Head == "" || !r.Read || r.Members == 0 {
				t.Errorf("household %s: %+v", r.Number, r)
			}
		}
	}
	_, n, _ := s.Counts()
	if total != n {
		t.Errorf("hamlets hold %d households, store %d", total, n)
	}
}

// TestHamletList_ReadsHeadsAPageAtATime: a hamlet's list has every number
// and address at once, and reads heads only for the pages asked for.
func TestHamletList_ReadsHeadsAPageAtATime(t *testing.T) {
	s := mustStore(t, 2000)
	hh := NewHouseholds(mustTr(t), s)
	if err := hh.Load(); err != nil {
		t.Fatal(err)
	}
	big := hh.Hamlets()[0]
	for _, hm := range hh.Hamlets() {
		if hm.Households > big.Households {
			big = hm
		}
	}
	if big.Households <= 2*HamletPage {
		t.Fatalf("the largest hamlet has %d households: too few to page", big.Households)
	}
	l := hh.Hamlet(big.Name, Now)
	ch := changes(l)
	if l.Len() != big.Households {
		t.Fatalf("%d rows, want %d", l.Len(), big.Households)
	}
	if r := l.Row(0); r.Read || r.Number == "" || r.Address == "" {
		t.Fatalf("first row before its page is read: %+v", r)
	}
	l.Row(1) // the same page: not read twice
	waitChange(t, ch)
	for i := 0; i < HamletPage; i++ {
		if r := l.Row(i); !r.Read || r.Head == "" {
			t.Fatalf("row %d after its page was read: %+v", i, r)
		}
	}
	if r := l.Row(HamletPage); r.Read {
		t.Fatalf("a row of the next page read before it was asked for: %+v", r)
	}
	waitChange(t, ch)
	if r := l.Row(HamletPage); !r.Read || l.Err() != nil {
		t.Fatalf("row %d: %+v, %v", HamletPage, r, l.Err())
	}
	select {
	case <-ch:
		t.Fatal("a page read that nobody asked for")
	case <-time.After(50 * time.Millisecond):
	}
}

func TestHousehold_MembersHeadFirstWithRelationships(t *testing.T) {
	s := mustStore(t, 300)
	v := mustHousehold(t, s)
	ms := v.Members()
	if ms[0].Relationship != storage.RelationshipHead {
		t.Errorf("first member is %q", ms[0].Relationship)
	}
	for _, m := range ms[1:] {
		if m.Relationship == "" || m.Relationship == storage.RelationshipHead {
			t.Errorf("member %s relationship %q", m.Name, m.Relationship)
		}
	}
	if v.Warning() != "" {
		t.Errorf("warning %q", v.Warning())
	}
}

func TestHousehold_BirthAddsAChildWithTheBirthEvent(t *testing.T) {
	s := mustStore(t, 300)
	v := mustHousehold(t, s)
	before := len(v.Members())
	f := v.Birth()
	if f.Value(storage.FieldRelationshipToHead) != "Con" || f.Value(storage.FieldHouseholdNumber) != v.Record().Number ||
		f.Value(storage.FieldEthnicity) == "" {
		t.Errorf("birth form presets: rel %q hh %q eth %q", f.Value(storage.FieldRelationshipToHead),
			f.Value(storage.FieldHouseholdNumber), f.Value(storage.FieldEthnicity))
	}
	f.Set(storage.FieldFullName, "Nguyễn Bảo An")
	f.Set(storage.FieldBirthDate, "01/11/2026")
	f.Set(storage.FieldSex, "Nữ")
	p, err := f.Save()
	if err != nil {
		t.Fatalf("%v %v %q", err, f.Problems(), f.Message())
	}
	if err := v.Reload(); err != nil {
		t.Fatal(err)
	}
	if len(v.Members()) != before+1 {
		t.Errorf("members %d → %d", before, len(v.Members()))
	}
	ops, _ := s.History(p.ID)
	if ops[0].Event != storage.EventBirth {
		t.Errorf("event %v", ops[0].Event)
	}
}

func TestHousehold_DeathSetsStatusAndDateWithTheDeathEvent(t *testing.T) {
	s := mustStore(t, 300)
	v := mustHousehold(t, s)
	m := v.Members()[1].Person
	f := v.Event(storage.EventDeath, m)
	if len(f.Fields()) != 2 || f.Value(storage.FieldStatus) != storage.StatusDead {
		t.Fatalf("death form fields %v status %q", f.Fields(), f.Value(storage.FieldStatus))
	}
	f.Set(storage.FieldDeathDate, "20/11/2026")
	f.SetReason("giấy báo tử số 12")
	if _, err := f.Save(); err != nil {
		t.Fatalf("%v %v %q", err, f.Problems(), f.Message())
	}
	v.Reload()
	if got := v.Members()[1].Status; got != "Đã chết" {
		t.Errorf("status shown %q", got)
	}
	entries, err := History(mustTr(t), s, m.ID)
	rows := Rows(entries)
	if err != nil {
		t.Fatal(err)
	}
	var sawDate bool
	for _, r := range rows {
		if r.Event == "Khai tử" && r.Field == storage.FieldDeathDate.Label("vi") && r.New == "20/11/2026" && r.Reason == "giấy báo tử số 12" {
			sawDate = true
		}
	}
	if !sawDate {
		t.Errorf("history rows %+v", rows)
	}
}

func TestHousehold_HeadCannotMoveOutWhileOthersRemain(t *testing.T) {
	s := mustStore(t, 300)
	v := mustHousehold(t, s)
	f := v.Event(storage.EventMoveOut, v.Members()[0].Person)
	f.Set(storage.FieldPermanentAddressCode, "00769")
	f.SetReason("chuyển đi")
	if _, err := f.Save(); !ErrInvalid(err) || !strings.Contains(f.Message(), "Chủ hộ") {
		t.Fatalf("%v %q", err, f.Message())
	}
}

func TestHousehold_MemberMovesOutAndLeavesTheHousehold(t *testing.T) {
	s := mustStore(t, 300)
	v := mustHousehold(t, s)
	before := len(v.Members())
	m := v.Members()[len(v.Members())-1].Person
	f := v.Event(storage.EventMoveOut, m)
	f.Set(storage.FieldPermanentAddressCode, "00769")
	f.Set(storage.FieldPermanentAddressDetail, "Thôn Mới")
	f.SetReason("chuyển hộ khẩu")
	if _, err := f.Save(); err != nil {
		t.Fatalf("%v %v %q", err, f.Problems(), f.Message())
	}
	v.Reload()
	if len(v.Members()) != before-1 {
		t.Errorf("members %d → %d", before, len(v.Members()))
	}
	ops, _ := s.History(m.ID)
	if ops[len(ops)-1].Event != storage.EventMoveOut {
		t.Errorf("event %v", ops[len(ops)-1].Event)
	}
}

func TestHousehold_TemporaryAbsenceAcceptsAnOldUnit(t *testing.T) {
	s := mustStore(t, 300)
	v := mustHousehold(t, s)
	m := v.Members()[1].Person
	f := v.Event(storage.EventTemporaryAbsence, m)
	old := Units().Find("lung cu", true, 50)
	var code string
	for _, u := range old {
		if u.Old {
			code = u.Code
			break
		}
	}
	f.Set(storage.FieldTemporaryAbsenceCode, code)
	f.Set(storage.FieldTemporaryAbsenceDetail, "đi làm ăn xa")
	f.SetReason("tạm vắng")
	if _, err := f.Save(); err != nil {
		t.Fatalf("%s: %v %v %q", code, err, f.Problems(), f.Message())
	}
}

func TestHistory_EnglishLabels(t *testing.T) {
	s := mustStore(t, 0)
	p, err := newPersonForm(t, s).Save()
	if err != nil {
		t.Fatal(err)
	}
	tr := mustTr(t)
	tr.SetLang("en")
	entries, err := History(tr, s, p.ID)
	rows := Rows(entries)
	if err != nil || len(rows) == 0 {
		t.Fatal(err, rows)
	}
	var sex HistoryRow
	for _, r := range rows {
		if r.Field == "Sex" {
			sex = r
		}
	}
	if sex.New != "Male" || sex.Event != "Registration" || !strings.Contains(sex.Who, "Nguyễn Văn Test") {
		t.Errorf("sex row %+v", sex)
	}
}
