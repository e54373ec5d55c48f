package node

import (
	"testing"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/storage"
)

// Found by a review: a conflict notice is closed by a notice fed to the person's
// communes as they are *after* the change (notify: communeOf(p)). When the
// conflict ends because the person moved out of the commune that was told
// of it, the closing notice goes to the new commune only: the old
// commune's devices keep the open notice for ever (Nc: is cleared only by
// a closing notice), though they still hold the person (they received the
// move out) and nothing is in conflict any more.
func TestNotices_ClosedWhereTheyWereOpenAfterAMove(t *testing.T) {
	c := newTestCluster(t, 1, nil)
	a := newDevice(t, c.d, "00769", "Nguyễn Thị Lan", cert.RoleOfficer)
	b := newDevice(t, c.d, "12472", "Vàng Seo Dìn", cert.RoleOfficer)
	c.registerAll(t, a, b)
	idn := storage.MakeIDNumber("002", "Nam", 1990, 4242)
	add := func(dv *device, name, commune string) *storage.Person {
		return dv.addPerson(t, storage.Values{storage.FieldFullName: name, storage.FieldBirthDate: "1990", storage.FieldSex: "Nam",
			storage.FieldEthnicity: "01", storage.FieldIDNumber: idn, storage.FieldPermanentAddressCode: commune})
	}
	add(a, "Lý Văn Sáng", "00769")
	pb := add(b, "Lý Văn Sang", "12472")
	a.pushAll(t, c, c.nodes[0].Addr())
	b.pushAll(t, c, c.nodes[0].Addr())
	c.converged()
	pull(t, b, c.nodes[0].Addr())
	if set, _ := b.s.AllConflicts(); len(set.Notices) != 1 {
		t.Fatalf("B's device: %+v, want one notice", set)
	}
	// B's officer records that the person moved to commune A (the same
	// person as A's, as it turns out: a supervisor will merge them).
	if _, _, err := b.s.EditPerson(pb.ID, storage.Values{storage.FieldPermanentAddressCode: "00769", storage.FieldPermanentAddressDetail: "Thôn Nà Hang"},
		storage.SaveOptions{Event: storage.EventMoveOut, Reason: "chuyển đi"}); err != nil {
		t.Fatal(err)
	}
	b.pushAll(t, c, c.nodes[0].Addr())
	c.converged()
	pull(t, b, c.nodes[0].Addr())
	pull(t, a, c.nodes[0].Addr())
	// The conflict is no longer across communes: both persons are A's;
	// A's device is told no more of it (a supervisor of A sees it).
	if set, _ := a.s.AllConflicts(); len(set.Notices) != 0 {
		t.Errorf("A's device: %+v", set)
	}
	set, err := b.s.AllConflicts()
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Notices) != 0 {
		t.Errorf("B's device still shows %d open notice(s) %+v about %s, who moved to A: the closing notice went to A only", len(set.Notices), set.Notices, pb.ID)
	}
}
