package vm

import (
	"errors"
	"testing"

	"github.com/communekit/communekit/storage"
)

// A save refused because the record changed meanwhile lists each field
// the officer changed with the value now stored; the officer keeps theirs
// for one, takes the stored one for another, and saves on the new version
// without typing anything again. What was changed elsewhere in fields the
// officer did not touch is kept.
func TestForm_StaleSaveAppliesTheChangesOnTheNewVersion(t *testing.T) {
	s := mustStore(t, 0)
	p := savedPerson(t, s)
	tr := mustTr(t)
	mine := NewPersonForm(tr, s, p)
	mine.Set(storage.FieldPhone, "0987654321")
	mine.Set(storage.FieldOccupation, "Thợ mộc")
	mine.Set(storage.FieldPermanentAddressDetail, "Thôn Đông, số nhà 7")
	mine.SetReason("theo CCCD")

	// Meanwhile, elsewhere: the phone, the occupation and the religion.
	other := NewPersonForm(tr, s, p)
	other.Set(storage.FieldPhone, "0912345678")
	other.Set(storage.FieldOccupation, "Giáo viên")
	other.Set(storage.FieldReligion, "Phật giáo")
	other.SetReason("khác")
	if _, err := other.Save(); err != nil {
		t.Fatal(err)
	}

	if _, err := mine.Save(); !errors.Is(err, storage.ErrStale) {
		t.Fatalf("save over a change made meanwhile: %v", err)
	}
	stale := mine.Stale()
	byField := map[storage.Field]StaleField{}
	for _, sf := range stale {
		byField[sf.Field] = sf
	}
	if len(stale) != 3 {
		t.Fatalf("stale fields %+v", stale)
	}
	if ph := byField[storage.FieldPhone]; ph.Mine != "0987654321" || ph.Stored != "0912345678" || !ph.ChangedElsewhere || ph.Label == "" {
		t.Errorf("phone %+v", ph)
	}
	if oc := byField[storage.FieldOccupation]; oc.Mine != "Thợ mộc" || oc.Stored != "Giáo viên" || !oc.ChangedElsewhere {
		t.Errorf("occupation %+v", oc)
	}
	if ad := byField[storage.FieldPermanentAddressDetail]; ad.ChangedElsewhere || ad.Mine != "Thôn Đông, số nhà 7" {
		t.Errorf("address %+v", ad)
	}

	// Keep my phone, take their occupation.
	q, err := mine.SaveOnNewVersion(map[storage.Field]bool{storage.FieldOccupation: true})
	if err != nil {
		t.Fatalf("save on the new version: %v %q", err, mine.Message())
	}
	want := map[storage.Field]string{
		storage.FieldPhone:                  "0987654321",
		storage.FieldOccupation:             "Giáo viên",
		storage.FieldPermanentAddressDetail: "Thôn Đông, số nhà 7",
		storage.FieldReligion:               other.Saved().Get(storage.FieldReligion),
	}
	got, err := s.Person(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	for fl, v := range want {
		if got.Get(fl) != v || q.Get(fl) != v {
			t.Errorf("%s = %q, want %q", fl, got.Get(fl), v)
		}
	}
	if mine.Stale() != nil || mine.Dirty() {
		t.Errorf("after the save: stale %v, dirty %v", mine.Stale(), mine.Dirty())
	}
	if op := lastEvent(t, s, p.ID); op.Reason != "theo CCCD" {
		t.Errorf("reason %q", op.Reason)
	}

	// Taking every stored value leaves nothing to save, and says so.
	a := NewPersonForm(tr, s, got)
	a.Set(storage.FieldPhone, "0911111111")
	a.SetReason("x")
	b := NewPersonForm(tr, s, got)
	b.Set(storage.FieldPhone, "0922222222")
	b.SetReason("y")
	if _, err := b.Save(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Save(); !errors.Is(err, storage.ErrStale) {
		t.Fatal(err)
	}
	if _, err := a.SaveOnNewVersion(map[storage.Field]bool{storage.FieldPhone: true}); !ErrInvalid(err) || a.Value(storage.FieldPhone) != "0922222222" || a.Message() == "" {
		t.Errorf("took every stored value: %v, phone %q, %q", err, a.Value(storage.FieldPhone), a.Message())
	}
}
