package vm

import (
	"strings"
	"testing"

	"github.com/communekit/communekit/storage"
)

// households returns two households of at least 3 and 2 members.
func twoHouseholds(t *testing.T, s *storage.Store) (a, b *Household) {
	t.Helper()
	hs, err := s.Households()
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hs {
		v, err := OpenHousehold(mustTr(t), s, h.Number)
		if err != nil {
			t.Fatal(err)
		}
		if v.Warning() != "" {
			continue
		}
		switch {
		case a == nil && len(v.Members()) >= 3:
			a = v
		case b == nil && len(v.Members()) >= 2:
			b = v
		}
		if a != nil && b != nil {
			return a, b
		}
	}
	t.Fatal("no two households to work with")
	return nil, nil
}

func lastEvent(t *testing.T, s *storage.Store, id storage.ID) *storage.Op {
	t.Helper()
	ops, err := s.History(id)
	if err != nil || len(ops) == 0 {
		t.Fatalf("history of %s: %v", id, err)
	}
	return ops[len(ops)-1]
}

func mustMembers(t *testing.T, s *storage.Store, number string) []*storage.Person {
	t.Helper()
	ms, err := s.Members(number)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func TestSplit_MovesTheChosenMembersToANewHousehold(t *testing.T) {
	s := mustStore(t, 300)
	a, _ := twoHouseholds(t, s)
	old := a.Members()
	v, err := NewSplit(mustTr(t), s, a.Record().Number)
	if err != nil {
		t.Fatal(err)
	}
	ch := changes(v)
	num := v.Number()
	prefix := a.Record().Number[:strings.LastIndexByte(a.Record().Number, '-')+1]
	if !strings.HasPrefix(num, prefix) || v.Problem(SpotNumber) != "" {
		t.Fatalf("suggested number %q (%s)", num, v.Problem(SpotNumber))
	}
	if _, err := s.HouseholdByNumber(num); err == nil {
		t.Fatalf("suggested %s, which is taken", num)
	}

	// Saving at once: nobody chosen, no reason.
	if err := v.Save(); !ErrInvalid(err) {
		t.Fatalf("empty split saved: %v", err)
	}
	waitChange(t, ch)
	if !strings.Contains(v.Problem(SpotMembers), "Chọn ít nhất một người") || v.Problem(SpotReason) == "" || v.Message() == "" {
		t.Fatalf("empty selection: %q, reason %q, message %q", v.Problem(SpotMembers), v.Problem(SpotReason), v.Message())
	}

	// Two members who are not the head move; the first chosen becomes
	// the new household's head.
	first, second := old[1], old[2]
	v.SetMove(first.Person.ID, true)
	v.SetMove(second.Person.ID, true)
	if v.NewHead() != first.Person.ID || v.HeadMoves() {
		t.Fatalf("new head %v, head moves %v", v.NewHead(), v.HeadMoves())
	}
	if !strings.Contains(v.Problem(RelationshipSpot(second.Person.ID)), "quan hệ") {
		t.Fatalf("no relationship for %s: %q", second.Name, v.Problem(RelationshipSpot(second.Person.ID)))
	}
	v.SetRelationship(second.Person.ID, "chủ hộ")
	if !strings.Contains(v.Problem(RelationshipSpot(second.Person.ID)), "Chủ hộ") {
		t.Fatalf("a second head: %q", v.Problem(RelationshipSpot(second.Person.ID)))
	}
	v.SetRelationship(second.Person.ID, "Vợ")
	v.SetAddressDetail("Thôn Mới, số nhà 7")
	v.SetReason("ra ở riêng")
	if err := v.Save(); err != nil {
		t.Fatalf("%v: %q %v", err, v.Message(), v.probs)
	}
	if !v.Saved() || !strings.Contains(v.Message(), "2 người sang hộ "+num) {
		t.Errorf("message %q", v.Message())
	}

	stay := mustMembers(t, s, a.Record().Number)
	moved := mustMembers(t, s, num)
	if len(stay) != len(old)-2 || len(moved) != 2 || storage.CheckHouseholdHeads(stay) != nil || storage.CheckHouseholdHeads(moved) != nil {
		t.Fatalf("after the split: %d stay, %d moved", len(stay), len(moved))
	}
	if moved[0].ID != first.Person.ID || moved[1].Get(storage.FieldRelationshipToHead) != "Vợ" ||
		moved[1].Get(storage.FieldPermanentAddressDetail) != "Thôn Mới, số nhà 7" {
		t.Errorf("moved: %v / %v", moved[0].Values, moved[1].Values)
	}
	h, err := s.HouseholdByNumber(num)
	if err != nil || h.AddressDetail != "Thôn Mới, số nhà 7" || h.AddressCode != a.Record().AddressCode {
		t.Fatalf("new household %+v %v", h, err)
	}
	if op := lastEvent(t, s, second.Person.ID); op.Event != storage.EventHouseholdSplit || op.Reason != "ra ở riêng" {
		t.Errorf("history: %s %q", op.Event, op.Reason)
	}
}

func TestSplit_TheHeadLeavesOnlyWithANewHeadForTheOldHousehold(t *testing.T) {
	s := mustStore(t, 300)
	a, _ := twoHouseholds(t, s)
	old := a.Members()
	v, err := NewSplit(mustTr(t), s, a.Record().Number)
	if err != nil {
		t.Fatal(err)
	}
	head, with, stays := old[0], old[1], old[2]
	v.SetMove(head.Person.ID, true)
	v.SetMove(with.Person.ID, true)
	v.SetRelationship(with.Person.ID, "Vợ")
	v.SetReason("tách hộ")
	if !v.HeadMoves() {
		t.Fatal("the head moves, the screen does not know")
	}
	if err := v.Save(); !ErrInvalid(err) || !strings.Contains(v.Problem(SpotOldHead), "chọn chủ hộ mới cho hộ") {
		t.Fatalf("no head left behind: %v %q", err, v.Problem(SpotOldHead))
	}
	v.SetOldHead(stays.Person.ID)
	if err := v.Save(); err != nil {
		t.Fatalf("%v: %q", err, v.Message())
	}
	left := mustMembers(t, s, a.Record().Number)
	if left[0].ID != stays.Person.ID || !left[0].IsHead() || storage.CheckHouseholdHeads(left) != nil {
		t.Errorf("old household after the split: head %s", left[0].FullName())
	}
	if hc, _ := s.HouseholdConflicts(); len(hc) != 0 {
		t.Errorf("household conflicts: %+v", hc)
	}
}

func TestSplit_ValidationErrors(t *testing.T) {
	s := mustStore(t, 300)
	a, b := twoHouseholds(t, s)
	v, err := NewSplit(mustTr(t), s, a.Record().Number)
	if err != nil {
		t.Fatal(err)
	}
	v.SetNumber(b.Record().Number)
	if !strings.Contains(v.Problem(SpotNumber), "đã có") {
		t.Errorf("a taken number: %q", v.Problem(SpotNumber))
	}
	v.SetNumber(a.Record().Number)
	if !strings.Contains(v.Problem(SpotNumber), "đã có") {
		t.Errorf("the household's own number: %q", v.Problem(SpotNumber))
	}
	v.SetNumber("")
	for _, m := range a.Members() {
		v.SetMove(m.Person.ID, true)
	}
	v.SetNewHead(storage.ID{})
	v.SetReason("x")
	if err := v.Save(); !ErrInvalid(err) {
		t.Fatalf("saved: %v", err)
	}
	if v.Problem(SpotNumber) != "Nhập số hộ mới" || !strings.Contains(v.Problem(SpotMembers), "ít nhất một người ở lại") ||
		!strings.Contains(v.Problem(SpotNewHead), "Chọn chủ hộ của hộ mới") {
		t.Errorf("messages: %v", v.probs)
	}
	if ms := mustMembers(t, s, a.Record().Number); len(ms) != len(a.Members()) {
		t.Error("a refused split changed the household")
	}
}

func TestMerge_MovesEveryMemberAndEmptiesTheOther(t *testing.T) {
	s := mustStore(t, 300)
	a, b := twoHouseholds(t, s)
	into, from := a.Record().Number, b.Record().Number
	nA, bMembers := len(a.Members()), b.Members()
	v, err := NewMerge(mustTr(t), s, into)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(v.Explain(), a.Members()[0].Name) {
		t.Errorf("explain %q", v.Explain())
	}
	v.SetFrom(from)
	if v.Problem(SpotFrom) != "" || !strings.Contains(v.FromSummary(), bMembers[0].Name) {
		t.Fatalf("found %q, problem %q", v.FromSummary(), v.Problem(SpotFrom))
	}
	rows := v.Members()
	if len(rows) != len(bMembers) || rows[0].NewRelationship != "" || rows[1].NewRelationship != bMembers[1].Relationship {
		t.Fatalf("rows %+v", rows)
	}
	if err := v.Save(); !ErrInvalid(err) {
		t.Fatalf("merged without B's head's relationship: %v", err)
	}
	if !strings.Contains(v.Problem(RelationshipSpot(rows[0].ID)), "quan hệ") || v.Problem(SpotReason) == "" {
		t.Fatalf("messages %v", v.probs)
	}
	v.SetRelationship(rows[0].ID, "Con rể")
	v.SetReason("nhập hộ theo đơn")
	if err := v.Save(); err != nil {
		t.Fatalf("%v: %q", err, v.Message())
	}
	if len(mustMembers(t, s, from)) != 0 {
		t.Error("B still has members")
	}
	hh := NewHouseholds(mustTr(t), s)
	if err := hh.Load(); err != nil {
		t.Fatal(err)
	}
	listed := hh.InHamlet(storage.Hamlet(b.Record().AddressDetail))
	if err := hh.Fill(listed); err != nil {
		t.Fatal(err)
	}
	for _, r := range listed {
		if r.Number == from && (r.Members != 0 || r.Head != "") {
			t.Errorf("B in the households list: %+v", r)
		}
	}
	all := mustMembers(t, s, into)
	if len(all) != nA+len(bMembers) || storage.CheckHouseholdHeads(all) != nil || all[0].ID != a.Members()[0].Person.ID {
		t.Fatalf("A after the merge: %d members", len(all))
	}
	for _, p := range all {
		switch p.ID {
		case rows[0].ID:
			if p.Get(storage.FieldRelationshipToHead) != "Con rể" || p.Get(storage.FieldPermanentAddressDetail) != a.Record().AddressDetail {
				t.Errorf("B's head: %q at %q", p.Get(storage.FieldRelationshipToHead), p.Get(storage.FieldPermanentAddressDetail))
			}
		case rows[1].ID:
			if p.Get(storage.FieldRelationshipToHead) != bMembers[1].Relationship {
				t.Errorf("B's member lost their relationship: %q", p.Get(storage.FieldRelationshipToHead))
			}
		}
	}
	if op := lastEvent(t, s, rows[0].ID); op.Event != storage.EventHouseholdMerge || op.Reason != "nhập hộ theo đơn" {
		t.Errorf("history: %s %q", op.Event, op.Reason)
	}
	if !strings.Contains(v.Message(), "vào hộ "+into) {
		t.Errorf("message %q", v.Message())
	}
}

func TestMerge_IntoItselfUnknownOrNothing(t *testing.T) {
	s := mustStore(t, 300)
	a, _ := twoHouseholds(t, s)
	v, err := NewMerge(mustTr(t), s, a.Record().Number)
	if err != nil {
		t.Fatal(err)
	}
	v.SetReason("x")
	if err := v.Save(); !ErrInvalid(err) || v.Problem(SpotFrom) != "Chọn hộ cần nhập vào" {
		t.Fatalf("no household given: %v %q", err, v.Problem(SpotFrom))
	}
	v.SetFrom(" " + strings.ToLower(a.Record().Number) + " ")
	if !strings.Contains(v.Problem(SpotFrom), "vào chính nó") {
		t.Errorf("into itself: %q", v.Problem(SpotFrom))
	}
	v.SetFrom("9999-999999")
	if !strings.Contains(v.Problem(SpotFrom), "Không có hộ số 9999-999999") {
		t.Errorf("unknown: %q", v.Problem(SpotFrom))
	}
	if err := v.Save(); !ErrInvalid(err) || len(mustMembers(t, s, a.Record().Number)) != len(a.Members()) {
		t.Fatalf("saved: %v", err)
	}
}
