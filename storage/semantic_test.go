package storage_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/communekit/communekit/storage"
)

func hlcAt(t time.Time) storage.HLC { return storage.HLC(uint64(t.UnixMilli()) << 16) }

func semOp(dev string, seq uint64, at time.Time, ev storage.Event, id storage.ID, cs ...storage.Change) *storage.Op {
	return &storage.Op{Device: storage.DeviceID(dev), Seq: seq, HLC: hlcAt(at), Officer: dev[:3], Kind: storage.KindPerson, ID: id, Event: ev, Changes: cs}
}

func TestSemantic_EditAfterDeathAnyOrderAndDismissed(t *testing.T) {
	id := storage.ID{Origin: "aaaaaaaa", N: 1}
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	reg := semOp("aaaaaaaaaaaaaaaa", 1, t0, storage.EventRegister, id,
		storage.Change{Field: uint8(storage.FieldFullName), New: "Hoàng Văn Thụ"}, storage.Change{Field: uint8(storage.FieldStatus), New: storage.StatusLiving})
	regV := reg.Version()
	before := semOp("bbbbbbbbbbbbbbbb", 1, t0.Add(time.Hour), storage.EventCorrection, id, storage.Change{Field: uint8(storage.FieldPhone), Seen: storage.Version{}, New: "0912000001"})
	death := semOp("aaaaaaaaaaaaaaaa", 2, t0.Add(48*time.Hour), storage.EventDeath, id, storage.Change{Field: uint8(storage.FieldStatus), Seen: regV, New: storage.StatusDead})
	after := semOp("bbbbbbbbbbbbbbbb", 2, t0.Add(72*time.Hour), storage.EventCorrection, id, storage.Change{Field: uint8(storage.FieldOccupation), New: "Giáo viên"})
	for _, order := range [][]*storage.Op{{reg, before, death, after}, {after, before, reg, death}, {death, after, reg, before}} {
		n := mustCreateNode(t, filepath.Join(t.TempDir(), "n"))
		for _, op := range order {
			if _, err := n.ApplyOps([]*storage.Op{op}, storage.ApplyOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		pc, err := n.PersonConflicts()
		if err != nil || len(pc) != 1 || pc[0].Kind != storage.ConflictEditAfterDeath || len(pc[0].Ops) != 1 || pc[0].Ops[0].Seq != 2 || pc[0].Ops[0].Device != "bbbbbbbbbbbbbbbb" {
			t.Fatalf("order %v: %+v, %v", order, pc, err)
		}
		p, _ := n.Person(id)
		res := semOp("cccccccccccccccc", 1, t0.Add(96*time.Hour), storage.EventResolution, id, storage.Change{Field: uint8(storage.FieldStatus), Seen: p.Versions[storage.FieldStatus], Old: storage.StatusDead, New: storage.StatusDead})
		if _, err := n.ApplyOps([]*storage.Op{res}, storage.ApplyOptions{}); err != nil {
			t.Fatal(err)
		}
		if pc, _ := n.PersonConflicts(); len(pc) != 0 {
			t.Fatalf("after the supervisor's decision: %+v", pc)
		}
		n.Close()
	}
}

func TestSemantic_MoveOutWithoutMoveInIsFlaggedAfterThirtyDays(t *testing.T) {
	id := storage.ID{Origin: "aaaaaaaa", N: 1}
	other := storage.ID{Origin: "aaaaaaaa", N: 2}
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	reg := semOp("aaaaaaaaaaaaaaaa", 1, t0, storage.EventRegister, id, storage.Change{Field: uint8(storage.FieldPermanentAddressCode), New: "00769"})
	out := semOp("aaaaaaaaaaaaaaaa", 2, t0.Add(time.Hour), storage.EventMoveOut, id, storage.Change{Field: uint8(storage.FieldPermanentAddressCode), Seen: reg.Version(), New: "12472"})
	soon := semOp("aaaaaaaaaaaaaaaa", 3, t0.Add(10*24*time.Hour), storage.EventRegister, other, storage.Change{Field: uint8(storage.FieldFullName), New: "Lò Thị Hoa"})
	late := semOp("aaaaaaaaaaaaaaaa", 4, t0.Add(40*24*time.Hour), storage.EventCorrection, other, storage.Change{Field: uint8(storage.FieldPhone), New: "0912000002"})
	in := semOp("bbbbbbbbbbbbbbbb", 1, t0.Add(41*24*time.Hour), storage.EventMoveIn, id, storage.Change{Field: uint8(storage.FieldPermanentAddressDetail), New: "Thôn Sín Chải"})

	n := mustCreateNode(t, filepath.Join(t.TempDir(), "n"))
	defer n.Close()
	apply := func(ops ...*storage.Op) {
		if _, err := n.ApplyOps(ops, storage.ApplyOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	apply(reg, out, soon)
	if pc, _ := n.PersonConflicts(); len(pc) != 0 {
		t.Fatalf("ten days after the move: %+v", pc)
	}
	apply(late)
	pc, _ := n.PersonConflicts()
	if len(pc) != 1 || pc[0].Kind != storage.ConflictMoveNotMatched || pc[0].Person != id || pc[0].At != out.HLC {
		t.Fatalf("forty days after the move: %+v", pc)
	}
	apply(in)
	if pc, _ := n.PersonConflicts(); len(pc) != 0 {
		t.Fatalf("after the move in: %+v", pc)
	}
	// The move in arriving first: never flagged.
	m := mustCreateNode(t, filepath.Join(t.TempDir(), "m"))
	defer m.Close()
	for _, op := range []*storage.Op{in, reg, late, out, soon} {
		if _, err := m.ApplyOps([]*storage.Op{op}, storage.ApplyOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if pc, _ := m.PersonConflicts(); len(pc) != 0 {
		t.Fatalf("move in before move out: %+v", pc)
	}
	dn, _ := n.Digest()
	dm, _ := m.Digest()
	if dn != dm {
		t.Error("the two orders end in different states")
	}
}

func TestSemantic_HouseholdNeedsExactlyOneHead(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	member := func(dev string, n uint64, rel string) *storage.Op {
		id := storage.ID{Origin: dev[:8], N: n}
		return semOp(dev, n, t0.Add(time.Duration(n)*time.Minute), storage.EventRegister, id,
			storage.Change{Field: uint8(storage.FieldFullName), New: "Người " + dev[:1]},
			storage.Change{Field: uint8(storage.FieldPermanentAddressCode), New: "00769"},
			storage.Change{Field: uint8(storage.FieldHouseholdNumber), New: "0769-000042"},
			storage.Change{Field: uint8(storage.FieldRelationshipToHead), New: rel})
	}
	a := member("aaaaaaaaaaaaaaaa", 1, "Chủ hộ")
	b := member("bbbbbbbbbbbbbbbb", 1, "Chủ hộ") // a second head, entered offline elsewhere
	c := member("aaaaaaaaaaaaaaaa", 2, "Con")
	n := mustCreateNode(t, filepath.Join(t.TempDir(), "n"))
	defer n.Close()
	if _, err := n.ApplyOps([]*storage.Op{a, c}, storage.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if hc, _ := n.HouseholdConflicts(); len(hc) != 0 {
		t.Fatalf("one head: %+v", hc)
	}
	if _, err := n.ApplyOps([]*storage.Op{b}, storage.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	hc, err := n.HouseholdConflicts()
	if err != nil || len(hc) != 1 || len(hc[0].Heads) != 2 || len(hc[0].Members) != 1 || hc[0].Commune != "00769" {
		t.Fatalf("two heads: %+v, %v", hc, err)
	}
	// The second officer corrects the relationship: one head again.
	fix := semOp("bbbbbbbbbbbbbbbb", 2, t0.Add(time.Hour), storage.EventCorrection, b.ID,
		storage.Change{Field: uint8(storage.FieldRelationshipToHead), Seen: b.Version(), New: "Vợ"})
	if _, err := n.ApplyOps([]*storage.Op{fix}, storage.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if hc, _ := n.HouseholdConflicts(); len(hc) != 0 {
		t.Fatalf("after the correction: %+v", hc)
	}
	// No head at all is a conflict too.
	noHead := semOp("aaaaaaaaaaaaaaaa", 3, t0.Add(2*time.Hour), storage.EventCorrection, a.ID,
		storage.Change{Field: uint8(storage.FieldRelationshipToHead), Seen: a.Version(), New: "Con"})
	if _, err := n.ApplyOps([]*storage.Op{noHead}, storage.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if hc, _ := n.HouseholdConflicts(); len(hc) != 1 || len(hc[0].Heads) != 0 || len(hc[0].Members) != 3 {
		t.Fatalf("no head: %+v", hc)
	}
}

func TestDuplicate_AcrossCommunesDismissedOrMerged(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	person := func(dev string, n uint64, name, commune, father string) *storage.Op {
		return semOp(dev, n, t0.Add(time.Duration(n)*time.Minute), storage.EventRegister, storage.ID{Origin: dev[:8], N: n},
			storage.Change{Field: uint8(storage.FieldFullName), New: name},
			storage.Change{Field: uint8(storage.FieldBirthDate), New: "1990-05-17"},
			storage.Change{Field: uint8(storage.FieldPermanentAddressCode), New: commune},
			storage.Change{Field: uint8(storage.FieldFatherName), New: father})
	}
	a := person("aaaaaaaaaaaaaaaa", 1, "Giàng A Páo", "00769", "Giàng A Sử")
	b := person("bbbbbbbbbbbbbbbb", 1, "Giàng A Pao", "12472", "GIÀNG A SỬ") // the same man, typed elsewhere
	c := person("bbbbbbbbbbbbbbbb", 2, "Giàng A Páo", "12472", "Vàng A Chá") // a namesake
	n := mustCreateNode(t, filepath.Join(t.TempDir(), "n"))
	defer n.Close()
	if _, err := n.ApplyOps([]*storage.Op{a, b, c}, storage.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	dc, err := n.DuplicateConflicts()
	if err != nil || len(dc) != 1 {
		t.Fatalf("duplicates = %+v, %v; want a and b only", dc, err)
	}
	pair := dc[0]
	decide := func(seq uint64, d storage.DecisionKind) {
		op := &storage.Op{Device: "cccccccccccccccc", Seq: seq, HLC: hlcAt(t0.Add(time.Hour + time.Duration(seq))), Officer: "Mai", Kind: storage.KindDecision,
			ID: pair.A, Event: storage.EventResolution, Changes: []storage.Change{{Field: uint8(d), New: pair.B.String()}}}
		if _, err := n.ApplyOps([]*storage.Op{op}, storage.ApplyOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// Merged: b's identifier leads to a, both histories are a's, and the
	// conflict is gone.
	before, _, _ := n.Counts()
	decide(1, storage.DecisionMerge)
	if dc, _ := n.DuplicateConflicts(); len(dc) != 0 {
		t.Fatalf("after the merge: %+v", dc)
	}
	p, err := n.Person(pair.B)
	if err != nil || p.ID != pair.A {
		t.Fatalf("the retired identifier leads to %v, %v; want %s", p, err, pair.A)
	}
	h, _ := n.History(pair.A)
	if len(h) < 3 {
		t.Errorf("history of the person kept has %d operations, want both registrations and the decision", len(h))
	}
	if after, _, _ := n.Counts(); after != before-1 {
		t.Errorf("persons %d → %d, want one fewer", before, after)
	}

	// Dismissed: a second store, decided "not the same person".
	m := mustCreateNode(t, filepath.Join(t.TempDir(), "m"))
	defer m.Close()
	if _, err := m.ApplyOps([]*storage.Op{c, b, a}, storage.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	dc2, _ := m.DuplicateConflicts()
	if len(dc2) != 1 || dc2[0] != pair {
		t.Fatalf("the other order found %+v", dc2)
	}
	op := &storage.Op{Device: "cccccccccccccccc", Seq: 1, HLC: hlcAt(t0.Add(time.Hour)), Officer: "Mai", Kind: storage.KindDecision,
		ID: pair.A, Event: storage.EventResolution, Changes: []storage.Change{{Field: uint8(storage.DecisionDistinct), New: pair.B.String()}}}
	if _, err := m.ApplyOps([]*storage.Op{op}, storage.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if dc, _ := m.DuplicateConflicts(); len(dc) != 0 {
		t.Fatalf("after 'not the same person': %+v", dc)
	}
	// A later edit does not bring it back.
	edit := semOp("bbbbbbbbbbbbbbbb", 3, t0.Add(2*time.Hour), storage.EventCorrection, pair.B, storage.Change{Field: uint8(storage.FieldHometown), New: "00769"})
	if _, err := m.ApplyOps([]*storage.Op{edit}, storage.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if dc, _ := m.DuplicateConflicts(); len(dc) != 0 {
		t.Fatalf("after a later edit: %+v", dc)
	}
}

func TestHouseholdConflicts_OnlyOfTheDevicesCommunes(t *testing.T) {
	// A laptop of another commune holds two heads of a household of 00778
	// (say both have a temporary address there) but not its other
	// members: it does not judge that household; a node, or a device
	// whose certificate covers 00778, does.
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	head := func(dev string) *storage.Op {
		id := storage.ID{Origin: dev[:8], N: 1}
		return semOp(dev, 1, t0, storage.EventRegister, id,
			storage.Change{Field: uint8(storage.FieldFullName), New: "Người " + dev[:1]},
			storage.Change{Field: uint8(storage.FieldPermanentAddressCode), New: "00778"},
			storage.Change{Field: uint8(storage.FieldHouseholdNumber), New: "0778-000042"},
			storage.Change{Field: uint8(storage.FieldRelationshipToHead), New: "Chủ hộ"})
	}
	ops := []*storage.Op{head("aaaaaaaaaaaaaaaa"), head("bbbbbbbbbbbbbbbb")}
	s := mustCreate(t, filepath.Join(t.TempDir(), "p"))
	defer s.Close()
	if _, err := s.ApplyOps(ops, storage.ApplyOptions{Index: true}); err != nil {
		t.Fatal(err)
	}
	if sc, err := s.Scope(); err != nil || len(sc) != 1 || sc[0] != s.Profile().Commune || sc[0] == "00778" {
		t.Fatalf("default scope %v, %v; want the profile's commune, not 00778", sc, err)
	}
	if hc, _ := s.HouseholdConflicts(); len(hc) != 0 {
		t.Errorf("a household of another commune judged: %+v", hc)
	}
	if err := s.SetScope([]string{s.Profile().Commune, "00778"}); err != nil {
		t.Fatal(err)
	}
	if hc, _ := s.HouseholdConflicts(); len(hc) != 1 {
		t.Errorf("scope with 00778: %+v", hc)
	}
	if err := s.SetScope(nil); err != nil {
		t.Fatal(err)
	}
	if sc, _ := s.Scope(); sc != nil {
		t.Errorf("a certificate without communes: scope %v, want every commune", sc)
	}
	n := mustCreateNode(t, filepath.Join(t.TempDir(), "n"))
	defer n.Close()
	if _, err := n.ApplyOps(ops, storage.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if hc, _ := n.HouseholdConflicts(); len(hc) != 1 {
		t.Errorf("a node judges every commune: %+v", hc)
	}
}

func TestSemantic_TwoPermanentResidencesMadeAndResolved(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	const num = "002094001234" // Hà Giang, man, born 1994
	person := func(dev, commune string) *storage.Op {
		id := storage.ID{Origin: dev[:8], N: 1}
		return semOp(dev, 1, t0, storage.EventRegister, id,
			storage.Change{Field: uint8(storage.FieldFullName), New: "Giàng A Páo"},
			storage.Change{Field: uint8(storage.FieldIDNumber), New: num},
			storage.Change{Field: uint8(storage.FieldPermanentAddressCode), New: commune})
	}
	n := mustCreateNode(t, filepath.Join(t.TempDir(), "n"))
	defer n.Close()
	a, b, c := person("aaaaaaaaaaaaaaaa", "00769"), person("bbbbbbbbbbbbbbbb", "00769"), person("cccccccccccccccc", "00778")
	if _, err := n.ApplyOps([]*storage.Op{a, b}, storage.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	sc, err := n.SemanticConflicts()
	if err != nil || len(sc) != 1 || sc[0].Kind != storage.ConflictSameIDNumber || sc[0].Key != num {
		t.Fatalf("one commune: %+v, %v", sc, err)
	}
	if _, err := n.ApplyOps([]*storage.Op{c}, storage.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	sc, _ = n.SemanticConflicts()
	if len(sc) != 1 || sc[0].Kind != storage.ConflictTwoResidences || len(sc[0].Persons) != 3 || sc[0].Name() != "two_permanent_residences:"+num {
		t.Fatalf("two communes: %+v", sc)
	}
	// The supervisor finds c's number was typed wrong and corrects it:
	// back to a conflict within one commune, then b's too: none.
	for i, fix := range []*storage.Op{c, b} {
		op := semOp(string(fix.Device), 2, t0.Add(time.Hour), storage.EventCorrection, fix.ID,
			storage.Change{Field: uint8(storage.FieldIDNumber), Seen: fix.Version(), New: "00209400123" + string(rune('5'+i))})
		if _, err := n.ApplyOps([]*storage.Op{op}, storage.ApplyOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if sc, _ := n.SemanticConflicts(); len(sc) != 0 {
		t.Fatalf("after the corrections: %+v", sc)
	}
}
