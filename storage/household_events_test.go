package storage_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/communekit/communekit/storage"
)

// A household of four at 00769: a head, his wife, their son and the son's
// wife.
func mustFamily(t *testing.T, s *storage.Store, number string) (head, wife, son, daughterInLaw *storage.Person) {
	t.Helper()
	add := func(name, sex, born, rel string) *storage.Person {
		p, err := s.AddPerson(storage.Values{storage.FieldFullName: name, storage.FieldBirthDate: born, storage.FieldSex: sex,
			storage.FieldEthnicity: "01", storage.FieldHouseholdNumber: number, storage.FieldRelationshipToHead: rel,
			storage.FieldPermanentAddressCode: "00769", storage.FieldPermanentAddressDetail: "Thôn Pả Vi"}, storage.SaveOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	return add("Giàng Văn Sử", "Nam", "1960", "Chủ hộ"), add("Lò Thị Mai", "Nữ", "1962", "Vợ"),
		add("Giàng Văn Pó", "Nam", "1988", "Con"), add("Vàng Thị Dung", "Nữ", "1990", "Con dâu")
}

func members(t *testing.T, s *storage.Store, number string) map[string]string {
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

// noHouseholdConflicts applies every operation of the device to a district
// node store and checks that no household lacks a head or has two.
func noHouseholdConflicts(t *testing.T, s *storage.Store) {
	t.Helper()
	ops, err := s.Unbatched(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	n := mustCreateNode(t, filepath.Join(t.TempDir(), "node"))
	defer n.Close()
	if _, err := n.ApplyOps(ops, storage.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if hc, err := n.HouseholdConflicts(); err != nil || len(hc) != 0 {
		t.Fatalf("the district finds household conflicts: %+v %v", hc, err)
	}
}

func split(number, rel string) storage.Values {
	return storage.Values{storage.FieldHouseholdNumber: number, storage.FieldRelationshipToHead: rel,
		storage.FieldPermanentAddressCode: "00769", storage.FieldPermanentAddressDetail: "Thôn Pả Vi, số nhà 12"}
}

func TestEditPersons_SplitIntoNewHousehold(t *testing.T) {
	s := mustCreate(t, filepath.Join(t.TempDir(), "p"))
	defer s.Close()
	_, _, son, dil := mustFamily(t, s, "0769-000010")
	_, before, _ := s.Counts()
	o := storage.SaveOptions{Event: storage.EventHouseholdSplit, Reason: "con trai ra ở riêng"}
	got, err := s.EditPersons([]storage.PersonEdit{
		{ID: son.ID, Values: split("0769-000011", "Chủ hộ"), Seen: map[storage.Field]storage.Version{storage.FieldHouseholdNumber: son.Versions[storage.FieldHouseholdNumber]}},
		{ID: dil.ID, Values: split("0769-000011", "Vợ")},
	}, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Get(storage.FieldHouseholdNumber) != "0769-000011" || !got[0].IsHead() {
		t.Fatalf("saved %+v", got)
	}
	if m := members(t, s, "0769-000010"); len(m) != 2 || m["Giàng Văn Sử"] != "Chủ hộ" || m["Lò Thị Mai"] != "Vợ" {
		t.Errorf("old household: %v", m)
	}
	if m := members(t, s, "0769-000011"); len(m) != 2 || m["Giàng Văn Pó"] != "Chủ hộ" || m["Vàng Thị Dung"] != "Vợ" {
		t.Errorf("new household: %v", m)
	}
	h, err := s.HouseholdByNumber("0769-000011")
	if err != nil || h.AddressCode != "00769" || h.AddressDetail != "Thôn Pả Vi, số nhà 12" || h.Head != son.ID {
		t.Fatalf("new household %+v, %v", h, err)
	}
	if _, after, _ := s.Counts(); after != before+1 {
		t.Errorf("%d households after the split, %d before", after, before)
	}
	hist, err := s.History(dil.ID)
	if err != nil || len(hist) != 2 {
		t.Fatalf("history %d ops, %v", len(hist), err)
	}
	if last := hist[1]; last.Event != storage.EventHouseholdSplit || last.Reason != o.Reason {
		t.Errorf("the move is recorded as %s %q", last.Event, last.Reason)
	}
	noHouseholdConflicts(t, s)
}

func TestEditPersons_HeadLeavesOnlyWithANewHead(t *testing.T) {
	s := mustCreate(t, filepath.Join(t.TempDir(), "p"))
	defer s.Close()
	head, wife, _, _ := mustFamily(t, s, "0769-000010")
	pending, _ := s.Pending()
	o := storage.SaveOptions{Event: storage.EventHouseholdSplit, Reason: "tách hộ"}
	leave := storage.PersonEdit{ID: head.ID, Values: split("0769-000012", "Chủ hộ")}
	_, err := s.EditPersons([]storage.PersonEdit{leave}, o)
	var ps storage.Problems
	if !errors.As(err, &ps) || !ps.Has("head_missing") {
		t.Fatalf("the head left his household without one: %v", err)
	}
	if now, _ := s.Pending(); now != pending {
		t.Fatal("a refused event saved something")
	}
	if _, err := s.HouseholdByNumber("0769-000012"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("a refused split registered the household: %v", err)
	}
	// Naming the wife head of the old household, in the same event.
	_, err = s.EditPersons([]storage.PersonEdit{leave,
		{ID: wife.ID, Values: storage.Values{storage.FieldRelationshipToHead: "Chủ hộ"}}}, o)
	if err != nil {
		t.Fatal(err)
	}
	if m := members(t, s, "0769-000010"); len(m) != 3 || m["Lò Thị Mai"] != "Chủ hộ" {
		t.Errorf("old household: %v", m)
	}
	noHouseholdConflicts(t, s)
}

func TestEditPersons_MergeEmptiesTheOtherHousehold(t *testing.T) {
	s := mustCreate(t, filepath.Join(t.TempDir(), "p"))
	defer s.Close()
	mustFamily(t, s, "0769-000010")
	var b []*storage.Person
	for _, v := range [][3]string{{"Sùng Văn Chư", "1985", "Chủ hộ"}, {"Giàng Thị Ly", "2010", "Con"}} {
		p, err := s.AddPerson(storage.Values{storage.FieldFullName: v[0], storage.FieldBirthDate: v[1], storage.FieldSex: "Nam",
			storage.FieldEthnicity: "01", storage.FieldHouseholdNumber: "0769-000020", storage.FieldRelationshipToHead: v[2],
			storage.FieldPermanentAddressCode: "00769", storage.FieldPermanentAddressDetail: "Thôn Sủng Lìa"}, storage.SaveOptions{})
		if err != nil {
			t.Fatal(err)
		}
		b = append(b, p)
	}
	into := func(rel string) storage.Values {
		return storage.Values{storage.FieldHouseholdNumber: "0769-000010", storage.FieldRelationshipToHead: rel,
			storage.FieldPermanentAddressCode: "00769", storage.FieldPermanentAddressDetail: "Thôn Pả Vi"}
	}
	o := storage.SaveOptions{Event: storage.EventHouseholdMerge, Reason: "nhập hộ"}
	// B's head still written as head: A would have two.
	_, err := s.EditPersons([]storage.PersonEdit{{ID: b[0].ID, Values: into("Chủ hộ")}, {ID: b[1].ID, Values: into("Cháu")}}, o)
	var ps storage.Problems
	if !errors.As(err, &ps) || !ps.Has("head_multiple") {
		t.Fatalf("two heads accepted: %v", err)
	}
	if _, err := s.EditPersons([]storage.PersonEdit{{ID: b[0].ID, Values: into("Con rể")}, {ID: b[1].ID, Values: into("Cháu")}}, o); err != nil {
		t.Fatal(err)
	}
	if m := members(t, s, "0769-000020"); len(m) != 0 {
		t.Errorf("B still has members: %v", m)
	}
	if m := members(t, s, "0769-000010"); len(m) != 6 || m["Sùng Văn Chư"] != "Con rể" || m["Giàng Văn Sử"] != "Chủ hộ" {
		t.Errorf("A: %v", m)
	}
	noHouseholdConflicts(t, s)
}

func TestEditPersons_AllOrNothing(t *testing.T) {
	s := mustCreate(t, filepath.Join(t.TempDir(), "p"))
	defer s.Close()
	_, _, son, dil := mustFamily(t, s, "0769-000010")
	o := storage.SaveOptions{Event: storage.EventHouseholdSplit, Reason: "tách hộ"}
	bad := split("0769-000011", "Vợ")
	bad[storage.FieldBirthDate] = "2099"
	_, err := s.EditPersons([]storage.PersonEdit{{ID: son.ID, Values: split("0769-000011", "Chủ hộ")}, {ID: dil.ID, Values: bad}}, o)
	var ps storage.Problems
	if !errors.As(err, &ps) || ps[0].Message("vi")[:len("Vàng Thị Dung: ")] != "Vàng Thị Dung: " {
		t.Fatalf("a future birth date: %v", err)
	}
	if m := members(t, s, "0769-000010"); len(m) != 4 {
		t.Errorf("after a refused split: %v", m)
	}
	// An edit made meanwhile on this device is not overwritten.
	seen := map[storage.Field]storage.Version{storage.FieldRelationshipToHead: dil.Versions[storage.FieldRelationshipToHead]}
	if _, _, err := s.EditPerson(dil.ID, storage.Values{storage.FieldRelationshipToHead: "Con"}, storage.SaveOptions{Reason: "sửa"}); err != nil {
		t.Fatal(err)
	}
	_, err = s.EditPersons([]storage.PersonEdit{{ID: son.ID, Values: split("0769-000011", "Chủ hộ")},
		{ID: dil.ID, Values: split("0769-000011", "Vợ"), Seen: seen}}, o)
	if !errors.Is(err, storage.ErrStale) {
		t.Fatalf("stale edit: %v", err)
	}
	if _, err := s.EditPersons([]storage.PersonEdit{{ID: son.ID, Values: storage.Values{storage.FieldHouseholdNumber: "0769-000010"}}}, o); !errors.Is(err, storage.ErrNothingChanged) {
		t.Fatalf("an event that changes nothing: %v", err)
	}
	if _, err := s.EditPersons([]storage.PersonEdit{{ID: son.ID}, {ID: son.ID}}, o); err == nil {
		t.Fatal("one person edited twice")
	}
}
