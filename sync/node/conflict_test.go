package node

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/protocol"
)

// addPerson saves a new person on dv.
func (dv *device) addPerson(t *testing.T, vals storage.Values) *storage.Person {
	t.Helper()
	p, err := dv.s.AddPerson(vals, storage.SaveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// registerAll sends each device's certificate, to the nodes in turn.
func (c *testCluster) registerAll(t *testing.T, devs ...*device) {
	t.Helper()
	for i, dv := range devs {
		dv.register(t, c.nodes[i%len(c.nodes)].Addr())
	}
}

// pushAll seals and pushes everything new on dv through url.
func (dv *device) pushAll(t *testing.T, c *testCluster, url string) {
	t.Helper()
	for _, ob := range dv.seal(t) {
		pushOK(t, c.d, url, ob)
	}
}

func TestCluster_ConflictResolvedBySupervisorFlowsDown(t *testing.T) {
	c := newTestCluster(t, 3, nil)
	lan := newDevice(t, c.d, "00769", "Nguyễn Thị Lan", cert.RoleOfficer)
	minh := newDevice(t, c.d, "00769", "Lò Văn Minh", cert.RoleOfficer)
	ba := newDevice(t, c.d, "00769", "Trần Văn Ba", cert.RoleOfficer)
	sup := newDevice(t, c.d, "00769", "Hoàng Thị Mai", cert.RoleSupervisor)
	far := newDevice(t, c.d, "12472", "Vàng Seo Dìn", cert.RoleSupervisor)
	c.registerAll(t, lan, minh, ba, sup, far)
	lan.add(t, 3)
	lan.pushAll(t, c, c.nodes[0].Addr())
	c.converged()
	for _, dv := range []*device{minh, ba, sup} {
		pull(t, dv, c.nodes[1].Addr())
	}
	hits, err := minh.s.Search("giang a pao", 5)
	if err != nil || len(hits) == 0 {
		t.Fatalf("minh has not Lan's persons: %v", err)
	}
	id := hits[0].Person.ID

	// Offline, both correct the same person: different fields merge, the
	// same field with different values is a conflict.
	if _, _, err := lan.s.EditPerson(id, storage.Values{storage.FieldOccupation: "Giáo viên", storage.FieldPhone: "0912345678"}, storage.SaveOptions{Reason: "hỏi trực tiếp"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := minh.s.EditPerson(id, storage.Values{storage.FieldOccupation: "Làm nương", storage.FieldOtherNames: "Páo"}, storage.SaveOptions{Reason: "sổ hộ khẩu"}); err != nil {
		t.Fatal(err)
	}
	lan.pushAll(t, c, c.nodes[2].Addr())
	minh.pushAll(t, c, c.nodes[1].Addr())
	c.converged()
	for _, n := range c.nodes {
		cs, err := n.Store().Conflicts()
		if err != nil || len(cs) != 1 || cs[0].Field != storage.FieldOccupation || len(cs[0].Candidates) != 2 {
			t.Fatalf("node %s conflicts = %+v, %v", n.cfg.ID, cs, err)
		}
		p, _ := n.Store().Person(id)
		if p.Get(storage.FieldPhone) != "0912345678" || p.Get(storage.FieldOtherNames) != "Páo" {
			t.Fatalf("edits of different fields did not merge on %s: %v", n.cfg.ID, p.Map())
		}
	}
	for _, dv := range []*device{sup, ba, lan, minh} {
		pull(t, dv, c.nodes[0].Addr())
	}
	cs, err := sup.s.Conflicts()
	if err != nil || len(cs) != 1 {
		t.Fatalf("the supervisor sees %d conflicts, %v", len(cs), err)
	}

	// An officer may not resolve it.
	before := c.converged()
	if _, _, err := ba.s.Resolve(id, storage.FieldOccupation, "Giáo viên", storage.SaveOptions{Reason: "tôi nghĩ vậy"}); err != nil {
		t.Fatal(err)
	}
	for _, ob := range ba.seal(t) {
		if st, e := pushErr(t, c.nodes[0].Addr(), ob.Sealed); st != 403 || e.Code != protocol.CodeForbidden {
			t.Fatalf("officer's resolution: %d %+v", st, e)
		}
	}
	// Nor a supervisor of another commune (who got the operations some
	// other way).
	lanOps, _ := lan.s.History(id)
	if _, err := far.s.ApplyOps(lanOps, storage.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	minhOps, _ := minh.s.History(id)
	if _, err := far.s.ApplyOps(minhOps, storage.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := far.s.Resolve(id, storage.FieldOccupation, "Giáo viên", storage.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, ob := range far.seal(t) {
		if st, e := pushErr(t, c.nodes[1].Addr(), ob.Sealed); st != 403 || e.Code != protocol.CodeOutOfScope {
			t.Fatalf("out-of-scope resolution: %d %+v", st, e)
		}
	}
	if after := c.converged(); after != before {
		t.Fatal("refused resolutions changed the district's state")
	}

	// The supervisor chooses Minh's value; it flows down to both officers.
	chosen := cs[0].Candidates[1].Value
	if _, _, err := sup.s.Resolve(id, storage.FieldOccupation, chosen, storage.SaveOptions{Reason: "đối chiếu CCCD"}); err != nil {
		t.Fatal(err)
	}
	sup.pushAll(t, c, c.nodes[2].Addr())
	c.converged()
	for _, n := range c.nodes {
		if cs, _ := n.Store().Conflicts(); len(cs) != 0 {
			t.Fatalf("node %s still has conflicts %+v", n.cfg.ID, cs)
		}
	}
	for _, dv := range []*device{lan, minh} {
		pull(t, dv, c.nodes[1].Addr())
		p, _ := dv.s.Person(id)
		if got := p.Get(storage.FieldOccupation); got != chosen {
			t.Errorf("%s sees occupation %q, want the resolution's %q", dv.s.Profile().Officer, got, chosen)
		}
		if cs, _ := dv.s.Conflicts(); len(cs) != 0 {
			t.Errorf("%s still has conflicts", dv.s.Profile().Officer)
		}
	}
}

func TestCluster_MoveReachesTheNewCommuneWithHistory(t *testing.T) {
	c := newTestCluster(t, 3, nil)
	a := newDevice(t, c.d, "00769", "Nguyễn Thị Lan", cert.RoleOfficer)
	b := newDevice(t, c.d, "12472", "Vàng Seo Dìn", cert.RoleOfficer)
	a.register(t, c.nodes[0].Addr())
	b.register(t, c.nodes[1].Addr())
	a.add(t, 2)
	a.pushAll(t, c, c.nodes[0].Addr())
	c.converged()
	if got := pull(t, b, c.nodes[2].Addr()); got != 0 {
		t.Fatalf("commune B received %d operations of commune A", got)
	}
	hits, err := a.s.Search("giang a pao", 5)
	if err != nil || len(hits) == 0 {
		t.Fatal("no person to move")
	}
	id := hits[0].Person.ID
	if _, _, err := a.s.EditPerson(id, storage.Values{storage.FieldPermanentAddressCode: "12472", storage.FieldPermanentAddressDetail: "Thôn Sín Chải"}, storage.SaveOptions{Event: storage.EventMoveOut, Reason: "chuyển đi"}); err != nil {
		t.Fatal(err)
	}
	a.pushAll(t, c, c.nodes[1].Addr())
	c.converged()
	if got := pull(t, b, c.nodes[2].Addr()); got < 2 {
		t.Fatalf("commune B pulled %d operations, want the person's registration and move", got)
	}
	p, err := b.s.Person(id)
	if err != nil {
		t.Fatalf("the moved person is not on commune B's device: %v", err)
	}
	want, _ := a.s.Person(id)
	if p.Values != want.Values {
		t.Errorf("commune B holds %v, commune A %v", p.Map(), want.Map())
	}
	h, err := b.s.History(id)
	if err != nil || len(h) < 2 {
		t.Errorf("history on B: %d operations, %v", len(h), err)
	}
	if persons, _, _ := b.s.Counts(); persons != 1 {
		t.Errorf("commune B holds %d persons, want only the one who moved in", persons)
	}
}

// One ID number on permanent residents of two communes: a
// two_permanent_residences conflict on every node. What reaches whom: a
// supervisor who covers both communes holds both records and sees the
// conflict; each commune's officers, and a supervisor of one commune,
// hold only their own person and are told it is in a conflict with a
// person of another commune (a notice), never sent that person. Settled,
// the notices close everywhere.
func TestCluster_SameIDNumberAcrossCommunes(t *testing.T) {
	c := newTestCluster(t, 3, nil)
	a := newDevice(t, c.d, "00769", "Nguyễn Thị Lan", cert.RoleOfficer)
	b := newDevice(t, c.d, "12472", "Vàng Seo Dìn", cert.RoleOfficer)
	supA := newDevice(t, c.d, "00769", "Hoàng Thị Mai", cert.RoleSupervisor)
	sup := newDeviceOf(t, c.d, []string{"00769", "12472"}, "Hoàng Văn Thụ", cert.RoleSupervisor, nil)
	c.registerAll(t, a, b, supA, sup)
	idn := storage.MakeIDNumber("002", "Nam", 1990, 4242)
	add := func(dv *device, name, commune string) *storage.Person {
		return dv.addPerson(t, storage.Values{storage.FieldFullName: name, storage.FieldBirthDate: "1990", storage.FieldSex: "Nam",
			storage.FieldEthnicity: "01", storage.FieldIDNumber: idn, storage.FieldPermanentAddressCode: commune})
	}
	pa := add(a, "Lý Văn Sáng", "00769")
	pb := add(b, "Lý Văn Sang", "12472")
	a.pushAll(t, c, c.nodes[0].Addr())
	b.pushAll(t, c, c.nodes[1].Addr())
	c.converged()
	for _, n := range c.nodes {
		sc, err := n.Store().SemanticConflicts()
		if err != nil || len(sc) != 1 || sc[0].Kind != storage.ConflictTwoResidences || len(sc[0].Persons) != 2 {
			t.Fatalf("node %s: %+v, %v", n.cfg.ID, sc, err)
		}
	}
	// The supervisor of both communes holds both persons and sees the
	// conflict itself.
	pull(t, sup, c.nodes[2].Addr())
	set, err := sup.s.AllConflicts()
	if err != nil || len(set.SameID) != 1 || len(set.Notices) != 0 {
		t.Fatalf("the supervisor of both communes: %+v, %v", set, err)
	}
	for _, id := range []storage.ID{pa.ID, pb.ID} {
		if _, err := sup.s.Person(id); err != nil {
			t.Fatalf("the supervisor of both communes lacks %s: %v", id, err)
		}
	}
	// Each officer, and the supervisor of one commune, holds its own
	// person only, with a notice.
	for _, x := range []struct {
		dv         *device
		own, other storage.ID
	}{{a, pa.ID, pb.ID}, {b, pb.ID, pa.ID}, {supA, pa.ID, pb.ID}} {
		pull(t, x.dv, c.nodes[0].Addr())
		if _, err := x.dv.s.Person(x.other); err == nil {
			t.Fatalf("%s received %s, a person of another commune", x.dv.s.Profile().Officer, x.other)
		}
		set, err := x.dv.s.AllConflicts()
		if err != nil || len(set.SameID) != 0 || len(set.Notices) != 1 || set.Notices[0].Person != x.own || set.Notices[0].Kind != storage.NoticeSameIDNumber {
			t.Fatalf("%s's conflicts: %+v, %v", x.dv.s.Profile().Officer, set, err)
		}
	}
	// Correcting one ID number settles it everywhere.
	if _, _, err := b.s.EditPerson(pb.ID, storage.Values{storage.FieldIDNumber: storage.MakeIDNumber("002", "Nam", 1990, 4243)}, storage.SaveOptions{Reason: "nhập sai"}); err != nil {
		t.Fatal(err)
	}
	b.pushAll(t, c, c.nodes[2].Addr())
	c.converged()
	for _, n := range c.nodes {
		if sc, _ := n.Store().SemanticConflicts(); len(sc) != 0 {
			t.Fatalf("node %s still has %+v", n.cfg.ID, sc)
		}
	}
	for _, dv := range []*device{a, b, supA, sup} {
		pull(t, dv, c.nodes[0].Addr())
		if n, _ := dv.s.OpenConflicts(); n != 0 {
			set, _ := dv.s.AllConflicts()
			t.Fatalf("%s still sees %+v", dv.s.Profile().Officer, set)
		}
	}
}

// A probable duplicate across two communes, merged by a supervisor of
// both: the nodes redirect the retired identifier; the officer of the
// retired person's commune no longer holds them (they live on as a person
// of the other commune), and the other officer never received them.
func TestCluster_DuplicateAcrossCommunesMergedBySupervisor(t *testing.T) {
	c := newTestCluster(t, 3, nil)
	a := newDevice(t, c.d, "00769", "Nguyễn Thị Lan", cert.RoleOfficer)
	b := newDevice(t, c.d, "12472", "Vàng Seo Dìn", cert.RoleOfficer)
	// A merge of persons of two communes needs a supervisor of both.
	sup := newDeviceOf(t, c.d, []string{"00769", "12472"}, "Hoàng Thị Mai", cert.RoleSupervisor, nil)
	c.registerAll(t, a, b, sup)
	add := func(dv *device, name, commune string) *storage.Person {
		return dv.addPerson(t, storage.Values{storage.FieldFullName: name, storage.FieldBirthDate: "17/05/1990", storage.FieldSex: "Nam",
			storage.FieldEthnicity: "H'Mông", storage.FieldFatherName: "Giàng A Sử", storage.FieldPermanentAddressCode: commune})
	}
	pa := add(a, "Giàng A Páo", "00769")
	pb := add(b, "Giàng A Páo", "12472")
	a.pushAll(t, c, c.nodes[0].Addr())
	b.pushAll(t, c, c.nodes[1].Addr())
	c.converged()
	for _, n := range c.nodes {
		if dc, err := n.Store().DuplicateConflicts(); err != nil || len(dc) != 1 {
			t.Fatalf("node %s duplicates: %+v %v", n.cfg.ID, dc, err)
		}
	}
	for _, dv := range []*device{a, b} {
		pull(t, dv, c.nodes[1].Addr())
		set, _ := dv.s.AllConflicts()
		if len(set.Duplicates) != 0 || len(set.Notices) != 1 || set.Notices[0].Kind != storage.NoticeDuplicate {
			t.Fatalf("%s's conflicts: %+v", dv.s.Profile().Officer, set)
		}
	}
	pull(t, sup, c.nodes[2].Addr())
	dc, err := sup.s.DuplicateConflicts()
	if err != nil || len(dc) != 1 {
		t.Fatalf("the supervisor sees %+v, %v", dc, err)
	}
	if _, err := sup.s.Decide(pa.ID, pb.ID, storage.DecisionMerge, storage.SaveOptions{Reason: "cùng một người"}); err != nil {
		t.Fatal(err)
	}
	sup.pushAll(t, c, c.nodes[1].Addr())
	c.converged()
	for _, n := range c.nodes {
		if dc, _ := n.Store().DuplicateConflicts(); len(dc) != 0 {
			t.Fatalf("node %s still has %+v", n.cfg.ID, dc)
		}
		p, err := n.Store().Person(pb.ID)
		if err != nil || p.ID != pa.ID {
			t.Fatalf("node %s: the retired identifier leads to %v, %v", n.cfg.ID, p, err)
		}
	}
	// Both officers' devices learn it on their next pull.
	for _, dv := range []*device{a, b} {
		pull(t, dv, c.nodes[0].Addr())
		if n, _ := dv.s.OpenConflicts(); n != 0 {
			set, _ := dv.s.AllConflicts()
			t.Errorf("%s still sees %+v", dv.s.Profile().Officer, set)
		}
		hits, err := dv.s.Search("giang a pao", 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hits {
			if h.Person.ID == pb.ID {
				t.Errorf("%s: search still finds the retired person %s", dv.s.Profile().Officer, pb.ID)
			}
		}
	}
	if p, err := a.s.Person(pa.ID); err != nil || p.FullName() != "Giàng A Páo" {
		t.Errorf("the officer of the person kept: %v, %v", p, err)
	}
	if _, err := b.s.Person(pb.ID); !errors.Is(err, storage.ErrNotFound) || !strings.Contains(err.Error(), "another commune") {
		t.Errorf("the officer of the person retired: %v", err)
	}
	if n, _, _ := b.s.Counts(); n != 0 {
		t.Errorf("the officer of the person retired counts %d persons", n)
	}
	// On the supervisor's own device too, at once.
	hits, _ := sup.s.Search("giang a pao", 10)
	kept := false
	for _, h := range hits {
		if h.Person.ID == pb.ID {
			t.Errorf("the supervisor's search still finds the retired person")
		}
		kept = kept || h.Person.ID == pa.ID
	}
	if !kept {
		t.Errorf("the supervisor's search does not find the person kept: %v", hits)
	}
}

// The other resolutions — a value entered, a dismissal — reach both
// officers' devices on their next pull, as a choice does (a merge:
// TestCluster_DuplicateAcrossCommunesMergedBySupervisor).
func TestCluster_EveryResolutionFlowsDownToBothOfficers(t *testing.T) {
	c := newTestCluster(t, 3, nil)
	lan := newDevice(t, c.d, "00769", "Nguyễn Thị Lan", cert.RoleOfficer)
	minh := newDevice(t, c.d, "00769", "Lò Văn Minh", cert.RoleOfficer)
	sup := newDevice(t, c.d, "00769", "Hoàng Thị Mai", cert.RoleSupervisor)
	c.registerAll(t, lan, minh, sup)
	lan.add(t, 3)
	lan.pushAll(t, c, c.nodes[0].Addr())
	c.converged()
	for _, dv := range []*device{minh, sup} {
		pull(t, dv, c.nodes[1].Addr())
	}
	hits, _ := minh.s.Search("giang a pao", 5)
	if len(hits) < 2 {
		t.Fatal("not enough persons")
	}
	p1, p2 := hits[0].Person.ID, hits[1].Person.ID

	// 1. A value entered: both officers renamed p1 differently.
	if _, _, err := lan.s.EditPerson(p1, storage.Values{storage.FieldFullName: "Giàng A Pào"}, storage.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := minh.s.EditPerson(p1, storage.Values{storage.FieldFullName: "Giàng A Páu"}, storage.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	// 2. A death recorded by Lan while Minh, not knowing, edits p2.
	if _, _, err := lan.s.EditPerson(p2, storage.Values{storage.FieldStatus: "dead", storage.FieldDeathDate: "2026-11-20"}, storage.SaveOptions{Event: storage.EventDeath}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond) // Minh's edit comes after the death by the clock too
	if _, _, err := minh.s.EditPerson(p2, storage.Values{storage.FieldOccupation: "Làm ruộng"}, storage.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	lan.pushAll(t, c, c.nodes[0].Addr())
	minh.pushAll(t, c, c.nodes[1].Addr())
	c.converged()
	pull(t, sup, c.nodes[2].Addr())
	if fc, _ := sup.s.Conflicts(); len(fc) != 1 {
		t.Fatalf("field conflicts on the supervisor's device: %+v", fc)
	}
	pcs, _ := sup.s.PersonConflicts()
	if len(pcs) != 1 || pcs[0].Kind != storage.ConflictEditAfterDeath {
		t.Fatalf("person conflicts on the supervisor's device: %+v", pcs)
	}
	if _, _, err := sup.s.Resolve(p1, storage.FieldFullName, "Giàng A Páo", storage.SaveOptions{Reason: "theo CCCD"}); err != nil {
		t.Fatal(err)
	}
	if _, err := sup.s.Dismiss(p2, storage.SaveOptions{Reason: "sửa trước khi biết tin"}); err != nil {
		t.Fatal(err)
	}
	sup.pushAll(t, c, c.nodes[0].Addr())
	c.converged()
	for _, n := range c.nodes {
		if k, _ := n.Store().OpenConflicts(); k != 0 {
			fc, _ := n.Store().Conflicts()
			pc, _ := n.Store().PersonConflicts()
			t.Fatalf("node %s still holds %d conflicts: %+v %+v", n.cfg.ID, k, fc, pc)
		}
	}
	for _, dv := range []*device{lan, minh} {
		pull(t, dv, c.nodes[1].Addr())
		if k, _ := dv.s.OpenConflicts(); k != 0 {
			t.Errorf("%s still sees %d conflicts", dv.s.Profile().Officer, k)
		}
		p, _ := dv.s.Person(p1)
		if got := p.Get(storage.FieldFullName); got != "Giàng A Páo" {
			t.Errorf("%s sees the name %q, want the value the supervisor entered", dv.s.Profile().Officer, got)
		}
	}
}
