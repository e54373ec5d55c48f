package storage_test

import (
	"testing"
	"time"

	"github.com/communekit/communekit/storage"
)

// A batch holds at most storage.MaxRecordOps operations on one record:
// each change that does not see its field's current version is settled
// from the record's history and the batch's earlier operations on it, so
// thousands on one record cost a node time quadratic in their number
// (16,000 took half a minute, found by a review). The 65th is refused
// (once, whatever follows).
func TestCheckBatch_AtMostMaxRecordOpsOnOneRecord(t *testing.T) {
	f := newOCFixture(t)
	stale := func(n int) []*storage.Op {
		ops := make([]*storage.Op, n)
		for i := range ops {
			ops[i] = f.op(ocOfficerA, uint64(i+1), storage.KindPerson, storage.EventCorrection, ocPA1,
				storage.Change{Field: uint8(storage.FieldPermanentAddressCode), Seen: storage.Version{HLC: 1, Device: ocOfficerB.Device}, New: ocCommuneA})
			ops[i].HLC = ocHLC(time.Duration(i+1) * time.Millisecond)
		}
		return ops
	}
	if refused, err := f.s.CheckBatch(ocOfficerA, f.after[ocOfficerA.Device], stale(storage.MaxRecordOps), f.at); err != nil || len(refused) > 0 {
		t.Fatalf("%d operations on one record: %v %v", storage.MaxRecordOps, refused, err)
	}
	refused, err := f.s.CheckBatch(ocOfficerA, f.after[ocOfficerA.Device], stale(1000), f.at)
	if err != nil || len(refused) != 1 || refused[0].Rule != storage.RuleTooManyOnRecord || refused[0].Seq != f.after[ocOfficerA.Device]+storage.MaxRecordOps+1 {
		t.Fatalf("1,000 operations on one record: %d refusals, first %v, %v", len(refused), refused[:min(1, len(refused))], err)
	}
}

// BenchmarkCheckBatch_StaleChangesOnOneRecord: the most a batch can ask of
// the checks on one record, MaxRecordOps changes none of which sees the
// current version.
func BenchmarkCheckBatch_StaleChangesOnOneRecord(b *testing.B) {
	f := newOCFixture(b)
	ops := make([]*storage.Op, storage.MaxRecordOps)
	for i := range ops {
		ops[i] = f.op(ocOfficerA, uint64(i+1), storage.KindPerson, storage.EventCorrection, ocPA1,
			storage.Change{Field: uint8(storage.FieldPermanentAddressCode), Seen: storage.Version{HLC: 1, Device: ocOfficerB.Device}, New: ocCommuneA})
		ops[i].HLC = ocHLC(time.Duration(i+1) * time.Millisecond)
	}
	b.ResetTimer()
	for range b.N {
		if refused, err := f.s.CheckBatch(ocOfficerA, f.after[ocOfficerA.Device], ops, f.at); err != nil || len(refused) > 0 {
			b.Fatal(refused, err)
		}
	}
}

// A person's history holds every operation keyed by its
// identifier, decisions included, and headsAmong does not look at the
// operation's kind. A decision's one change is numbered by its kind
// (1 not_the_same_person, 2 merged_into): the numbers of FieldIDNumber and
// FieldOldIDNumber. Once the person's ID number is settled from its history
// (two officers' concurrent edits, a resolution), the decision is a
// candidate, and the newest: the person's ID number becomes the other
// person's record identifier. A decision is never a candidate (found by a
// review; it predates the checks).
func TestDecision_IsNeverACandidateOfAField(t *testing.T) {
	f := newOCFixture(t)
	d := f.op(ocSuper, 1, storage.KindDecision, storage.EventResolution, ocPA1,
		storage.Change{Field: uint8(storage.DecisionDistinct), New: ocPB1.String()})
	d.HLC = f.at // newer than the edits below
	f.mustApply(t, d)
	e1 := f.op(ocOfficerA, 1, storage.KindPerson, storage.EventCorrection, ocPA1, ocSet(storage.FieldIDNumber, storage.MakeIDNumber("002", "Nam", 1990, 1)))
	f.mustApply(t, e1)
	e2 := f.op(ocOfficerA2, 1, storage.KindPerson, storage.EventCorrection, ocPA1, ocSet(storage.FieldIDNumber, storage.MakeIDNumber("002", "Nam", 1990, 2)))
	f.mustApply(t, e2)
	p, _ := f.s.Person(ocPA1)
	if got := p.Get(storage.FieldIDNumber); got == ocPB1.String() {
		t.Errorf("person %s's ID number is %q: the supervisor's decision about %s became a candidate of the field", ocPA1, got, ocPB1)
	}
	if fc, _ := f.s.FieldConflictOf(ocPA1, storage.FieldIDNumber); fc != nil {
		for _, c := range fc.Candidates {
			if c.Value == ocPB1.String() {
				t.Errorf("the ID-number conflict lists the candidate %q (a decision)", c.Value)
			}
		}
	}
}

// The checks' simulation of a batch kept one record per identifier,
// whatever its kind (found by a review). A household created earlier in the batch
// under an identifier makes a person operation on the same identifier look
// like a change of a held record with no address and no communes of record
// (personBefore): not a creation, and of no commune. Sent as a "move out",
// it creates a person directly in another commune, which "a record leaves a
// commune by a move out" and "creates records of the communes of its
// certificate only" forbid (a creation as a move out is refused).
func TestCheckBatch_HouseholdIdentifierDoesNotMaskAPersonCreation(t *testing.T) {
	f := newOCFixture(t)
	x := ocID(ocOfficerA.Device, 50)
	direct := f.op(ocOfficerA, 1, storage.KindPerson, storage.EventMoveOut, x, ocSet(storage.FieldPermanentAddressCode, ocCommuneB))
	refused, _ := f.s.CheckBatch(ocOfficerA, f.after[ocOfficerA.Device], []*storage.Op{direct}, f.at)
	if len(refused) == 0 {
		t.Fatal("a creation sent as a move out passes even alone")
	}
	hh := f.op(ocOfficerA, 1, storage.KindHousehold, storage.EventRegister, x, ocSetHH(storage.HouseholdNumber, "0769-000009"), ocSetHH(storage.HouseholdAddressCode, ocCommuneA))
	p := f.op(ocOfficerA, 2, storage.KindPerson, storage.EventMoveOut, x, ocSet(storage.FieldPermanentAddressCode, ocCommuneB), ocSet(storage.FieldPermanentAddressDetail, "Thôn Sín Chải"))
	refused, err := f.s.CheckBatch(ocOfficerA, f.after[ocOfficerA.Device], []*storage.Op{hh, p}, f.at)
	if err != nil {
		t.Fatal(err)
	}
	if len(refused) == 0 {
		f.mustApply(t, hh, p)
		q, _ := f.s.Person(x)
		t.Errorf("officer of %s created person %s directly in commune %s (%v) by a household of the same identifier and a move out", ocCommuneA, x, homeOf(q), q.Map())
	}
}
