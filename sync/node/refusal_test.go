package node

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/outbox"
	"github.com/communekit/communekit/sync/protocol"
)

// An honest laptop's edit can still be refused: another officer of its
// commune moved the person out meanwhile, and the district holds the
// person in the commune they moved to. The laptop withdraws the refused
// edit (its refused list says why), numbers the rest on, seals the batch
// again under the same number, and the sync goes on: its other changes
// reach the district, and so does its next edit.
func TestSync_RefusedEditIsWithdrawnAndTheRestGoesOn(t *testing.T) {
	c := newTestCluster(t, 3, nil)
	lan := newDevice(t, c.d, "00769", "Nguyễn Thị Lan", cert.RoleOfficer)
	hoa := newDevice(t, c.d, "00769", "Trần Thị Hoa", cert.RoleOfficer)
	c.registerAll(t, lan, hoa)
	p := lan.addPerson(t, storage.Values{storage.FieldFullName: "Lò Văn Páo", storage.FieldBirthDate: "1990", storage.FieldSex: "Nam",
		storage.FieldEthnicity: "01", storage.FieldPermanentAddressCode: "00769"})
	syncOK(t, c.nodes[0].Addr(), lan)
	c.converged()
	syncOK(t, c.nodes[1].Addr(), hoa)
	// Hoa records the move out to another commune; Lan, not knowing,
	// corrects the person's occupation and registers a newborn.
	if _, _, err := hoa.s.EditPerson(p.ID, storage.Values{storage.FieldPermanentAddressCode: "12472", storage.FieldPermanentAddressDetail: "Thôn Nà Phầy"},
		storage.SaveOptions{Event: storage.EventMoveOut, Reason: "chuyển hộ khẩu"}); err != nil {
		t.Fatal(err)
	}
	syncOK(t, c.nodes[1].Addr(), hoa)
	c.converged()
	if _, _, err := lan.s.EditPerson(p.ID, storage.Values{storage.FieldOccupation: "Nông dân"}, storage.SaveOptions{Reason: "sửa"}); err != nil {
		t.Fatal(err)
	}
	baby := lan.addPerson(t, storage.Values{storage.FieldFullName: "Lò Thị Mai", storage.FieldBirthDate: "2026", storage.FieldSex: "Nữ",
		storage.FieldEthnicity: "01", storage.FieldPermanentAddressCode: "00769"})
	res := syncOK(t, c.nodes[2].Addr(), lan)
	if len(res.Refused) != 1 || res.Refused[0].Rule != storage.RuleOutOfScope || res.Refused[0].Record != p.ID.String() {
		t.Fatalf("Lan's sync: refused %+v", res.Refused)
	}
	if res.Pending != 0 {
		t.Fatalf("Lan's sync left %d changes pending", res.Pending)
	}
	c.converged()
	for _, n := range c.nodes {
		if _, err := n.Store().Person(baby.ID); err != nil {
			t.Fatalf("node %s lacks the newborn: %v", n.cfg.ID, err)
		}
		if got, _ := n.Store().Person(p.ID); got.Get(storage.FieldOccupation) != "" || got.Get(storage.FieldPermanentAddressCode) != "12472" {
			t.Fatalf("node %s: %v", n.cfg.ID, got.Map())
		}
	}
	refused, err := lan.s.RefusedOps()
	if err != nil || len(refused) != 1 || refused[0].Op.Changes[0].New != "Nông dân" {
		t.Fatalf("Lan's refused list: %+v %v", refused, err)
	}
	// The pull brought the move: Lan's laptop shows the person where the
	// district holds them, without the withdrawn edit.
	if got, _ := lan.s.Person(p.ID); got.Get(storage.FieldOccupation) != "" || got.Get(storage.FieldPermanentAddressCode) != "12472" {
		t.Fatalf("on Lan's laptop: %v", got.Map())
	}
	// The next edit reaches the district.
	if _, _, err := lan.s.EditPerson(baby.ID, storage.Values{storage.FieldOccupation: "Trẻ em"}, storage.SaveOptions{Reason: "sửa"}); err != nil {
		t.Fatal(err)
	}
	if res := syncOK(t, c.nodes[0].Addr(), lan); res.Pushed != 1 || len(res.Refused) != 0 {
		t.Fatalf("Lan's next sync: %+v", res)
	}
	c.converged()
	if got, _ := c.nodes[1].Store().Person(baby.ID); got.Get(storage.FieldOccupation) != "Trẻ em" {
		t.Fatalf("the next edit did not reach the district: %v", got.Map())
	}
}

// A laptop whose clock ran a year ahead is refused (clock_ahead) and told
// to set it while it is still wrong; once it is set right, the next sync
// stamps the waiting changes again and they are accepted. No device's
// clock moves past the district's time plus a day, not even one that pulls
// what a laptop ahead by less than a day sent.
func TestSync_LaptopClockAheadThenSetRightPushesAgain(t *testing.T) {
	c := newTestCluster(t, 1, nil)
	n := c.leader()
	var ahead atomic.Int64
	ahead.Store(int64(365 * 24 * time.Hour))
	lan := newDeviceClock(t, c.d, "00769", "Nguyễn Thị Lan", cert.RoleOfficer, func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) })
	hoa := newDevice(t, c.d, "00769", "Trần Thị Hoa", cert.RoleOfficer)
	c.registerAll(t, lan, hoa)
	p := lan.addPerson(t, storage.Values{storage.FieldFullName: "Lò Văn Páo", storage.FieldBirthDate: "1990", storage.FieldSex: "Nam",
		storage.FieldEthnicity: "01", storage.FieldPermanentAddressCode: "00769"})
	cl := &client.Client{Node: n.Addr(), Store: lan.s, Retry: client.Backoff{Base: 50 * time.Millisecond, Max: 500 * time.Millisecond, Attempts: 20}}
	if _, err := cl.Sync(context.Background()); !errors.Is(err, client.ErrClockAhead) {
		t.Fatalf("sync with a clock a year ahead: %v", err)
	}
	if pending, _ := lan.s.Pending(); pending == 0 {
		t.Fatal("the changes are no longer pending")
	}
	// Set right, but the changes made meanwhile still carry the future:
	// one more edit made now is stamped after them (a clock never goes
	// back by itself).
	ahead.Store(0)
	if _, _, err := lan.s.EditPerson(p.ID, storage.Values{storage.FieldOccupation: "Nông dân"}, storage.SaveOptions{Reason: "sửa"}); err != nil {
		t.Fatal(err)
	}
	res := syncOK(t, n.Addr(), lan)
	if res.Restamped == 0 || res.Pending != 0 || len(res.Refused) != 0 {
		t.Fatalf("sync once the clock is right: %+v", res)
	}
	limit := time.Now().Add(time.Minute)
	hist, _ := n.Store().History(p.ID)
	if len(hist) != 2 {
		t.Fatalf("the district holds %d operations on the person", len(hist))
	}
	for _, op := range hist {
		if op.HLC.Time().After(limit) {
			t.Fatalf("the district holds operation %d stamped %s", op.Seq, op.HLC)
		}
	}
	// A laptop half a day ahead is accepted; a device that pulls its
	// changes moves its clock with them but never past the district's
	// time plus a day.
	var half atomic.Int64
	half.Store(int64(20 * time.Hour))
	minh := newDeviceClock(t, c.d, "00769", "Hoàng Văn Minh", cert.RoleOfficer, func() time.Time { return time.Now().Add(time.Duration(half.Load())) })
	minh.register(t, n.Addr())
	minh.addPerson(t, storage.Values{storage.FieldFullName: "Hoàng Thị Sen", storage.FieldBirthDate: "1992", storage.FieldSex: "Nữ",
		storage.FieldEthnicity: "01", storage.FieldPermanentAddressCode: "00769"})
	syncOK(t, n.Addr(), minh)
	syncOK(t, n.Addr(), hoa)
	if last := hoa.s.LastClock().Time(); last.After(time.Now().Add(24*time.Hour + time.Minute)) {
		t.Fatalf("Hoa's clock moved to %s", last)
	}
	if last := hoa.s.LastClock().Time(); last.Before(time.Now().Add(19 * time.Hour)) {
		t.Fatalf("Hoa's clock did not move past the changes it pulled: %s", last)
	}
}

// A commune that syncs only by USB stick: the district operator pushes the
// laptop's batch files, the district refuses one change, and the signed
// refusal goes back on the stick. The laptop withdraws the change when it
// imports the stick, the batch is sealed again under the same number, and
// the operator's next push of it is accepted.
func TestUSB_RefusalTravelsBackOnTheStick(t *testing.T) {
	c := newTestCluster(t, 1, nil)
	n := c.leader()
	lan := newDevice(t, c.d, "00769", "Nguyễn Thị Lan", cert.RoleOfficer)
	hoa := newDevice(t, c.d, "00769", "Trần Thị Hoa", cert.RoleOfficer)
	c.registerAll(t, lan, hoa)
	p := lan.addPerson(t, storage.Values{storage.FieldFullName: "Lò Văn Páo", storage.FieldBirthDate: "1990", storage.FieldSex: "Nam",
		storage.FieldEthnicity: "01", storage.FieldPermanentAddressCode: "00769"})
	syncOK(t, n.Addr(), lan)
	syncOK(t, n.Addr(), hoa)
	if _, _, err := hoa.s.EditPerson(p.ID, storage.Values{storage.FieldPermanentAddressCode: "12472"}, storage.SaveOptions{Event: storage.EventMoveOut}); err != nil {
		t.Fatal(err)
	}
	syncOK(t, n.Addr(), hoa)
	// Lan, offline, corrects the person and registers another.
	if _, _, err := lan.s.EditPerson(p.ID, storage.Values{storage.FieldOccupation: "Nông dân"}, storage.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	lan.addPerson(t, storage.Values{storage.FieldFullName: "Lò Thị Mai", storage.FieldBirthDate: "1995", storage.FieldSex: "Nữ",
		storage.FieldEthnicity: "01", storage.FieldPermanentAddressCode: "00769"})
	stick := t.TempDir()
	push := func() (*protocol.Receipt, error) {
		z, err := outbox.SealerFor(lan.s, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := z.Seal(lan.s); err != nil {
			t.Fatal(err)
		}
		bs, _ := lan.s.Unacknowledged()
		if len(bs) != 1 {
			t.Fatalf("%d batches on the stick", len(bs))
		}
		return client.PushSealed(context.Background(), testHTTP(n.Addr()), n.Addr(), bs[0].Sealed)
	}
	_, err := push()
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Code != protocol.CodeOutOfScope || !pe.Signed() {
		t.Fatalf("the operator's push: %v", err)
	}
	if _, err := client.WriteRefusal(stick, pe); err != nil {
		t.Fatal(err)
	}
	rs, err := client.ImportRefusals(lan.s, stick)
	if err != nil || len(rs) != 1 || rs[0].Status != "applied" || len(rs[0].Refused) != 1 || rs[0].Refused[0].Rule != storage.RuleOutOfScope {
		t.Fatalf("the laptop imports the stick: %+v %v", rs, err)
	}
	// Imported again: nothing more to do.
	if rs, _ := client.ImportRefusals(lan.s, stick); len(rs) != 1 || rs[0].Status != "already" {
		t.Fatalf("the same refusal again: %+v", rs)
	}
	rec, err := push()
	if err != nil || rec.Seq != pe.Batch {
		t.Fatalf("the batch sealed again: %+v %v", rec, err)
	}
}

// A certificate for a device whose records would be named like an enrolled
// device's (the same first 8 characters of the ID) is refused by the state
// machine, whoever signed it: the device could create the other's records.
func TestCertificate_DeviceTagOfAnotherDeviceIsRefused(t *testing.T) {
	c := newTestCluster(t, 1, nil)
	n := c.leader()
	lan := newDevice(t, c.d, "00769", "Nguyễn Thị Lan", cert.RoleOfficer)
	lan.register(t, n.Addr())
	squatter, err := identity.NewDevice(lan.cert.Device.ID[:8] + "zzzzzzzz")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := cert.NewRequest(squatter, "Kẻ Xấu", []string{"12472"}, time.Now())
	sc, err := cert.Sign(req, cert.RoleOfficer, nil, time.Hour, 99, c.d, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cb, _ := sc.MarshalBinary()
	if st, b := signedDo(t, http.MethodPost, n.Addr(), protocol.PathCertificate, cb, districtSigner(c.d)); st == http.StatusNoContent || !strings.Contains(string(b), "names its records like device "+lan.cert.Device.ID) {
		t.Fatalf("a certificate under another device's tag: %d %s", st, b)
	}
	if _, err := n.fsm.certificate(squatter.ID); err == nil {
		t.Fatal("the district keeps the certificate")
	}
}
