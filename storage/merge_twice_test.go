package storage_test

import (
	"testing"
	"time"

	"github.com/communekit/communekit/storage"
)

// TestDecide_PersonMergedTwice: b is a probable duplicate of a (commune A)
// and of c (another commune); two supervisors, offline, merge b into a and
// b into c. Both decisions pass the district's checks (b is still held).
// Applying the second must not count b out again, and where b's identifier
// leads must not depend on which decision arrived first (a laptop may
// receive them in the other order than the district).
// The earlier decision by version keeps b (duplicate.go).
func TestDecide_PersonMergedTwice(t *testing.T) {
	mk := func(dev storage.DeviceID, commune string) *storage.Op {
		return &storage.Op{Device: dev, Seq: 1, HLC: ocHLC(0), Officer: "Cán bộ", Kind: storage.KindPerson, ID: ocID(dev, 1), Event: storage.EventRegister,
			Changes: []storage.Change{ocSet(storage.FieldFullName, "Giàng A Páo"), ocSet(storage.FieldBirthDate, "1990-05-17"),
				ocSet(storage.FieldPermanentAddressCode, commune), ocSet(storage.FieldFatherName, "Giàng A Sử")}}
	}
	a, b, c := mk("aaaaaaaaaaaaaaaa", ocCommuneA), mk("bbbbbbbbbbbbbbbb", ocCommuneB), mk("dddddddddddddddd", "00778")
	merge := func(dev storage.DeviceID, keep storage.ID) *storage.Op {
		return &storage.Op{Device: dev, Seq: 1, HLC: ocHLC(time.Hour), Officer: "Giám sát", Kind: storage.KindDecision, ID: keep, Event: storage.EventResolution,
			Changes: []storage.Change{{Field: uint8(storage.DecisionMerge), New: b.ID.String()}}}
	}
	intoA, intoC := merge("cccccccccccccccc", a.ID), merge("eeeeeeeeeeeeeeee", c.ID)
	var leads []storage.ID
	for _, order := range [][]*storage.Op{{intoA, intoC}, {intoC, intoA}} {
		n := ocNode(t)
		if _, err := n.ApplyOps([]*storage.Op{a, b, c}, storage.ApplyOptions{}); err != nil {
			t.Fatal(err)
		}
		if dc, err := n.DuplicateConflicts(); err != nil || len(dc) != 3 {
			t.Fatalf("duplicates %v, %v; want the three pairs", dc, err)
		}
		// Checked as the district checks them: a supervisor of the
		// communes may make either.
		super := &storage.Sender{Device: "cccccccccccccccc", Officer: "Giám sát", Role: storage.RoleSupervisor, Communes: []string{ocCommuneA, "00778", ocCommuneB}}
		if refused, err := n.CheckBatch(super, 0, []*storage.Op{intoA}, 0); err != nil || len(refused) > 0 {
			t.Fatalf("merge into a: %v %v", refused, err)
		}
		for _, op := range order {
			if _, err := n.ApplyOps([]*storage.Op{op}, storage.ApplyOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		if persons, _, _ := n.Counts(); persons != 2 {
			t.Errorf("%d persons after b merged (twice), want 2 (a and c)", persons)
		}
		to, _ := n.MergedInto(b.ID)
		leads = append(leads, to)
	}
	if leads[0] != leads[1] {
		t.Errorf("b leads to %s or to %s depending on the order the decisions arrived in", leads[0], leads[1])
	}
}
