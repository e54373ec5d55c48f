package node

import (
	"context"
	"errors"
	"testing"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/outbox"
	"github.com/communekit/communekit/sync/protocol"
)

// Found by a review: a laptop that syncs only by USB stick never acknowledges a batch
// (only an online push calls Acknowledge). ImportRefusals acts only on a
// refusal of batch AckedBatch+1, so for such a laptop only a refusal of
// its very first batch is ever acted on: a refusal of batch 2 is answered
// "it has not accepted batch 1 before it yet", the laptop keeps the
// refused batch, the district refuses it at every stick, and every later
// batch is a gap. (TestUSB_RefusalTravelsBackOnTheStick syncs online
// first, so its laptop has a receipt for batch 1.)
func TestUSB_LaptopThatNeverSyncsOnlineActsOnARefusal(t *testing.T) {
	c := newTestCluster(t, 1, nil)
	n := c.leader()
	lan := newDevice(t, c.d, "00769", "Nguyễn Thị Lan", cert.RoleOfficer)
	hoa := newDevice(t, c.d, "00769", "Trần Thị Hoa", cert.RoleOfficer)
	c.registerAll(t, lan, hoa)
	// The operator pushes what the stick carries: every unacknowledged
	// batch, in order, as kitctl district import does.
	operator := func() *protocol.Error {
		z, err := outbox.SealerFor(lan.s, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := z.Seal(lan.s); err != nil {
			t.Fatal(err)
		}
		bs, _ := lan.s.Unacknowledged()
		for _, b := range bs {
			_, err := client.PushSealed(context.Background(), testHTTP(n.Addr()), n.Addr(), b.Sealed)
			var pe *protocol.Error
			if errors.As(err, &pe) {
				return pe
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		return nil
	}
	p := lan.addPerson(t, storage.Values{storage.FieldFullName: "Lò Văn Páo", storage.FieldBirthDate: "1990", storage.FieldSex: "Nam",
		storage.FieldEthnicity: "01", storage.FieldPermanentAddressCode: "00769"})
	if pe := operator(); pe != nil {
		t.Fatalf("batch 1: %v", pe)
	}
	syncOK(t, n.Addr(), hoa)
	if _, _, err := hoa.s.EditPerson(p.ID, storage.Values{storage.FieldPermanentAddressCode: "12472", storage.FieldPermanentAddressDetail: "Thôn Nà Phầy"},
		storage.SaveOptions{Event: storage.EventMoveOut}); err != nil {
		t.Fatal(err)
	}
	syncOK(t, n.Addr(), hoa)
	// Lan, offline, corrects the person (she cannot know of the move).
	if _, _, err := lan.s.EditPerson(p.ID, storage.Values{storage.FieldOccupation: "Nông dân"}, storage.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	pe := operator()
	if pe == nil || !pe.Signed() || pe.Batch != 2 {
		t.Fatalf("the operator's push of batch 2: %+v", pe)
	}
	stick := t.TempDir()
	if _, err := client.WriteRefusal(stick, pe); err != nil {
		t.Fatal(err)
	}
	rs, err := client.ImportRefusals(lan.s, stick)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].Status != "applied" {
		t.Errorf("the USB-only laptop does not act on the district's signed refusal of batch 2: %s (%s)", rs[0].Status, rs[0].Reason)
	}
	if pe2 := operator(); pe2 != nil {
		t.Errorf("next stick: batch %d refused again (%s): the laptop is blocked", pe2.Batch, pe2.Code)
	}
}
