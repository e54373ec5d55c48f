package storage_test

import (
	"errors"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/communekit/communekit/storage"
)

// sealAll records every unbatched operation as one sealed batch (the bytes
// are a stand-in: the storage layer does not read them).
func sealAll(t *testing.T, s *storage.Store) *storage.OutBatch {
	t.Helper()
	ops, err := s.Unbatched(0)
	if err != nil || len(ops) == 0 {
		t.Fatalf("unbatched: %d, %v", len(ops), err)
	}
	st, err := s.Outbox()
	if err != nil {
		t.Fatal(err)
	}
	b := &storage.OutBatch{N: st.Batches + 1, FirstSeq: ops[0].Seq, LastSeq: ops[len(ops)-1].Seq, Hash: [32]byte{byte(st.Batches + 1)}, Sealed: []byte("sealed")}
	if err := s.AddBatch(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func mustAddPerson(t *testing.T, s *storage.Store, name string, extra storage.Values) *storage.Person {
	t.Helper()
	v := storage.Values{storage.FieldFullName: name, storage.FieldBirthDate: "1990", storage.FieldSex: "Nam",
		storage.FieldEthnicity: "01", storage.FieldPermanentAddressCode: "00769"}
	for f, x := range extra {
		v[f] = x
	}
	p, err := s.AddPerson(v, storage.SaveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func mustEdit(t *testing.T, s *storage.Store, id storage.ID, v storage.Values) *storage.Op {
	t.Helper()
	_, op, err := s.EditPerson(id, v, storage.SaveOptions{Reason: "sửa"})
	if err != nil {
		t.Fatal(err)
	}
	return op
}

// An edit the district refused is withdrawn: kept in the refused list with
// the reason, taken out of the record, and the later edits are numbered on
// from the last accepted operation, the one that saw the withdrawn edit
// seeing what that one saw, so the district finds no conflict.
func TestRework_WithdrawnEditIsUndoneAndTheRestRenumbered(t *testing.T) {
	s := mustCreate(t, filepath.Join(t.TempDir(), "p"))
	defer s.Close()
	p := mustAddPerson(t, s, "Lò Văn Páo", nil)
	b1 := sealAll(t, s)
	if err := s.Acknowledge(b1.N); err != nil {
		t.Fatal(err)
	}
	a := mustEdit(t, s, p.ID, storage.Values{storage.FieldOccupation: "Nông dân"})
	b := mustEdit(t, s, p.ID, storage.Values{storage.FieldPhone: "0912345678"})
	c := mustEdit(t, s, p.ID, storage.Values{storage.FieldOccupation: "Giáo viên"})
	sealAll(t, s)
	mustAddPerson(t, s, "Lò Thị Mai", nil) // saved after the batch was sealed
	res, err := s.Rework(storage.Rework{Batch: 2, Withdraw: map[uint64]storage.Refusal{a.Seq: {Rule: "out_of_scope", Message: "outside"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Withdrawn) != 1 || res.Withdrawn[0].Seq != a.Seq || res.Kept < 3 {
		t.Fatalf("rework: %+v", res)
	}
	st, _ := s.Outbox()
	if st.Batches != 1 || st.BatchedSeq != b1.LastSeq || st.AckedBatch != 1 {
		t.Fatalf("outbox after the rework: %+v (want batch 2 dropped, to be sealed again)", st)
	}
	ops, err := s.Unbatched(0)
	if err != nil {
		t.Fatal(err)
	}
	for i, op := range ops {
		if op.Seq != b1.LastSeq+uint64(i)+1 {
			t.Fatalf("operation %d is numbered %d, want %d", i, op.Seq, b1.LastSeq+uint64(i)+1)
		}
	}
	if ops[0].HLC != b.HLC || ops[1].HLC != c.HLC {
		t.Fatalf("the kept edits changed clocks: %v %v", ops[0].HLC, ops[1].HLC)
	}
	if got := ops[1].Changes[0]; got.Seen != (storage.Version{}) || got.Old != "" || got.New != "Giáo viên" {
		t.Fatalf("the edit that saw the withdrawn one: %+v, want it to see what that one saw (nothing)", got)
	}
	if n, _ := s.Pending(); n != uint64(len(ops)) {
		t.Fatalf("pending %d, want %d", n, len(ops))
	}
	got, _ := s.Person(p.ID)
	if got.Get(storage.FieldOccupation) != "Giáo viên" || got.Get(storage.FieldPhone) != "0912345678" {
		t.Fatalf("record after the rework: %v", got.Map())
	}
	hist, _ := s.History(p.ID)
	if len(hist) != 3 {
		t.Fatalf("history holds %d operations, want the creation and the two kept edits", len(hist))
	}
	refused, err := s.RefusedOps()
	if err != nil || len(refused) != 1 || refused[0].Rule != "out_of_scope" || refused[0].Op.Changes[0].New != "Nông dân" || refused[0].Batch != 2 {
		t.Fatalf("refused list: %+v %v", refused, err)
	}
	// A new edit numbers on.
	d := mustEdit(t, s, p.ID, storage.Values{storage.FieldOccupation: "Thợ may"})
	if d.Seq != ops[len(ops)-1].Seq+1 {
		t.Fatalf("the next edit is numbered %d", d.Seq)
	}
	if err := s.DismissRefused(refused[0].N); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.RefusedOps(); len(r) != 0 {
		t.Fatalf("dismissed, the list holds %+v", r)
	}
}

// A withdrawn creation takes the record's later edits with it, and the
// record leaves the store, its search index and its counts.
func TestRework_WithdrawnCreationTakesItsEditsAndTheRecord(t *testing.T) {
	s := mustCreate(t, filepath.Join(t.TempDir(), "p"))
	defer s.Close()
	keep := mustAddPerson(t, s, "Giàng A Sử", nil)
	gone := mustAddPerson(t, s, "Vàng Thị Dua", nil)
	edit := mustEdit(t, s, gone.ID, storage.Values{storage.FieldOccupation: "Nông dân"})
	sealAll(t, s)
	hist, _ := s.History(gone.ID)
	res, err := s.Rework(storage.Rework{Batch: 1, Withdraw: map[uint64]storage.Refusal{hist[0].Seq: {Rule: "invalid_value", Message: "bad"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Withdrawn) != 2 || res.Withdrawn[1].Seq != edit.Seq || res.Withdrawn[1].Rule != storage.RuleWithdrawnWith {
		t.Fatalf("withdrawn: %+v", res.Withdrawn)
	}
	if _, err := s.Person(gone.ID); err == nil {
		t.Fatal("the record whose creation was withdrawn is still there")
	}
	if n, _, _ := s.Counts(); n != 1 {
		t.Fatalf("%d persons counted, want 1", n)
	}
	if hits, _ := s.Search("vang thi dua", 10); len(hits) != 0 {
		t.Fatalf("search still finds the withdrawn person: %+v", hits)
	}
	if hits, _ := s.Search("giang a su", 10); len(hits) != 1 || hits[0].Person.ID != keep.ID {
		t.Fatalf("search for the person kept: %+v", hits)
	}
	ops, _ := s.Unbatched(0)
	for i, op := range ops {
		if op.Seq != uint64(i)+1 || op.ID == gone.ID {
			t.Fatalf("operation %d: %+v", i, op)
		}
	}
}

// A laptop whose clock ran a year ahead stamped its changes in the future;
// once the clock is right, the rework stamps them again from it, the
// records' versions follow, and the device's clock comes back.
func TestRework_RestampBringsFutureStampsBack(t *testing.T) {
	var offset atomic.Int64
	offset.Store(int64(365 * 24 * time.Hour))
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	s, err := storage.Create(filepath.Join(t.TempDir(), "p"), []byte(testPass), storage.Profile{Commune: "00769", Officer: "Nguyễn Thị Lan"},
		storage.Options{WorkFactor: testWorkFactor, GCInterval: -1, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := mustAddPerson(t, s, "Lò Văn Páo", nil)
	mustEdit(t, s, p.ID, storage.Values{storage.FieldOccupation: "Nông dân"})
	mustEdit(t, s, p.ID, storage.Values{storage.FieldOccupation: "Giáo viên"})
	sealAll(t, s)
	offset.Store(0) // the clock is set right
	mustEdit(t, s, p.ID, storage.Values{storage.FieldPhone: "0912345678"})
	// The district refused batch 1 for its clock: from there on.
	res, err := s.Rework(storage.Rework{Batch: 1, Restamp: true})
	if err != nil {
		t.Fatal(err)
	}
	limit := time.Now().Add(time.Minute)
	ops, _ := s.Unbatched(0)
	if res.Restamped != len(ops) || len(ops) < 4 {
		t.Fatalf("restamped %d of %d", res.Restamped, len(ops))
	}
	for i, op := range ops {
		if op.HLC.Time().After(limit) {
			t.Fatalf("operation %d is still stamped %s", op.Seq, op.HLC)
		}
		if i > 0 && op.HLC <= ops[i-1].HLC {
			t.Fatalf("operations out of order after the restamp")
		}
		for _, c := range op.Changes {
			if c.Seen.HLC.Time().After(limit) {
				t.Fatalf("operation %d saw a version stamped %s", op.Seq, c.Seen.HLC)
			}
		}
	}
	got, _ := s.Person(p.ID)
	for f := storage.Field(1); int(f) <= storage.NumFields; f++ {
		if v := got.Versions[f]; v.HLC.Time().After(limit) {
			t.Fatalf("field %s keeps version %s", f, v.HLC)
		}
	}
	if got.Get(storage.FieldOccupation) != "Giáo viên" {
		t.Fatalf("occupation %q", got.Get(storage.FieldOccupation))
	}
	if c, _ := s.Conflicts(); len(c) != 0 {
		t.Fatalf("the restamp made conflicts: %+v", c)
	}
	next := mustEdit(t, s, p.ID, storage.Values{storage.FieldOccupation: "Thợ may"})
	if next.HLC.Time().After(limit) {
		t.Fatalf("the next edit is stamped %s: the clock did not come back", next.HLC)
	}
}

// An enrolled device refuses at once what the district would refuse as out
// of its communes, saying what to do: a person of another commune entered
// or corrected here, a correction that sends a person elsewhere, a move out
// that changes more than the residence. A move out changing only where the
// person lives passes, and so does everything on a device not enrolled yet.
func TestSave_OutOfTheDevicesCommunesIsRefusedAtOnce(t *testing.T) {
	s := mustCreate(t, filepath.Join(t.TempDir(), "p"))
	defer s.Close()
	p := mustAddPerson(t, s, "Lò Văn Páo", nil)
	q := mustAddPerson(t, s, "Lò Văn Pá", storage.Values{storage.FieldBirthDate: "1991"})
	if err := s.SetScope([]string{"00769"}); err != nil {
		t.Fatal(err)
	}
	wantProblem := func(err error, code string) {
		t.Helper()
		var ps storage.Problems
		if !errors.As(err, &ps) || !ps.Has(code) {
			t.Fatalf("want problem %s, got %v", code, err)
		}
	}
	_, err := s.AddPerson(storage.Values{storage.FieldFullName: "Vàng Seo Dìn", storage.FieldBirthDate: "1980", storage.FieldSex: "Nam",
		storage.FieldEthnicity: "01", storage.FieldPermanentAddressCode: "12472"}, storage.SaveOptions{})
	wantProblem(err, "out_of_scope")
	_, _, err = s.EditPerson(p.ID, storage.Values{storage.FieldPermanentAddressCode: "12472"}, storage.SaveOptions{})
	wantProblem(err, "out_of_scope")
	_, _, err = s.EditPerson(p.ID, storage.Values{storage.FieldPermanentAddressCode: "12472", storage.FieldOccupation: "Nông dân"}, storage.SaveOptions{Event: storage.EventMoveOut})
	wantProblem(err, "move_out_fields")
	if _, _, err := s.EditPerson(p.ID, storage.Values{storage.FieldPermanentAddressCode: "12472", storage.FieldPermanentAddressDetail: "Thôn Nà Phầy"}, storage.SaveOptions{Event: storage.EventMoveOut}); err != nil {
		t.Fatalf("a move out: %v", err)
	}
	// Moved out: no longer this device's to change.
	_, _, err = s.EditPerson(p.ID, storage.Values{storage.FieldOccupation: "Nông dân"}, storage.SaveOptions{})
	wantProblem(err, "out_of_scope")
	if _, _, err := s.EditPerson(q.ID, storage.Values{storage.FieldOccupation: "Nông dân"}, storage.SaveOptions{}); err != nil {
		t.Fatalf("an edit of this commune's person: %v", err)
	}
	rep, err := s.ImportPersons(strings.NewReader("full_name,birth_date,sex,ethnicity,permanent_address_code\nGiàng A Sử,1970,Nam,01,12472\nGiàng A Páo,1971,Nam,01,00769\n"), storage.ImportOptions{})
	if err != nil || rep.Imported != 1 || len(rep.Rejected) != 1 || rep.Rejected[0].Line != 2 {
		t.Fatalf("import: %+v %v", rep, err)
	}
}
