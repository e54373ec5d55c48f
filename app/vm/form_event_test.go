package vm

import (
	"strings"
	"testing"
	"time"

	"github.com/communekit/communekit/storage"
)

// savedPerson saves the complete person of newPersonForm and returns it.
func savedPerson(t *testing.T, s *storage.Store) *storage.Person {
	t.Helper()
	p, err := newPersonForm(t, s).Save()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Each event form has a hint of its own; only a correction is "sửa theo
// thẻ CCCD".
func TestEventForms_HaveTheirOwnReasonHint(t *testing.T) {
	s := mustStore(t, 0)
	p := savedPerson(t, s)
	tr := mustTr(t)
	correction := NewPersonForm(tr, s, p).ReasonHint()
	if correction != "Ví dụ: sửa theo thẻ CCCD" {
		t.Errorf("correction hint %q", correction)
	}
	seen := map[string]storage.Event{}
	for _, ev := range PersonEvents {
		h := NewEventForm(tr, s, ev, p).ReasonHint()
		if h == correction || h == "" {
			t.Errorf("%s: hint %q", ev, h)
		}
		if other, ok := seen[h]; ok {
			t.Errorf("%s and %s share the hint %q", ev, other, h)
		}
		seen[h] = ev
	}
	hh := &storage.Household{Number: "TEST-1", AddressCode: "12472"}
	for _, ev := range []storage.Event{storage.EventBirth, storage.EventMoveIn} {
		if h := NewArrivalForm(tr, s, ev, hh, p).ReasonHint(); h == correction {
			t.Errorf("%s: hint %q", ev, h)
		}
	}
}

// Move out, temporary residence and absence ask for a date (today by
// default), explain in one line what they do, check the date, and keep it
// in the history.
func TestEventForms_AskForADateAndExplain(t *testing.T) {
	s := mustStore(t, 0)
	p := savedPerson(t, s)
	tr := mustTr(t)
	now := time.Now()
	for _, ev := range []storage.Event{storage.EventMoveOut, storage.EventTemporaryResidence, storage.EventTemporaryAbsence} {
		f := NewEventForm(tr, s, ev, p)
		if !f.HasDate() || f.DateLabel() == "" || f.Explain() == "" {
			t.Fatalf("%s: date %v %q, explain %q", ev, f.HasDate(), f.DateLabel(), f.Explain())
		}
		if want := today(now).Vietnamese(); f.Date() != want || f.DateProblem() != "" {
			t.Errorf("%s: default date %q (%q), want %q", ev, f.Date(), f.DateProblem(), want)
		}
		if f.Dirty() {
			t.Errorf("%s: dirty as opened", ev)
		}
		f.SetDate("31/02/2020")
		if !strings.Contains(f.DateProblem(), "ngày/tháng/năm") {
			t.Errorf("%s: bad date: %q", ev, f.DateProblem())
		}
		f.SetDate(now.AddDate(0, 3, 0).Format("02/01/2006"))
		if !strings.Contains(f.DateProblem(), "quá xa") {
			t.Errorf("%s: a date 3 months ahead: %q", ev, f.DateProblem())
		}
		f.SetDate("01/01/1985") // born 17/05/1990
		if !strings.Contains(f.DateProblem(), "trước ngày sinh") {
			t.Errorf("%s: before birth: %q", ev, f.DateProblem())
		}
		if !f.Dirty() {
			t.Errorf("%s: a date typed is not dirty", ev)
		}
		f.SetReason("theo đơn")
		f.Set(storage.FieldTemporaryAddressCode, "00004")
		f.Set(storage.FieldTemporaryAbsenceCode, "00004")
		if _, err := f.Save(); !ErrInvalid(err) {
			t.Fatalf("%s: saved with a date before birth: %v", ev, err)
		}
		f.SetDate(now.AddDate(0, 0, -3).Format("02/01/2006"))
		if f.DateProblem() != "" {
			t.Fatalf("%s: %q", ev, f.DateProblem())
		}
		if ev == storage.EventMoveOut {
			f.Set(storage.FieldRelationshipToHead, "") // he heads TEST-1 alone
		}
		q, err := f.Save()
		if err != nil {
			t.Fatalf("%s: %v %q", ev, err, f.Message())
		}
		op := lastEvent(t, s, q.ID)
		if want := now.AddDate(0, 0, -3).Format("02/01/2006"); !strings.Contains(op.Reason, want) || !strings.Contains(op.Reason, "theo đơn") {
			t.Errorf("%s: reason kept %q", ev, op.Reason)
		}
		p = q
	}
	// Death has its own date field; a correction has none.
	if NewEventForm(tr, s, storage.EventDeath, p).HasDate() || NewPersonForm(tr, s, p).HasDate() {
		t.Error("a death or a correction asks for an event date")
	}
}
