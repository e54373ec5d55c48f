package outbox_test

import (
	"testing"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/batch"
	"github.com/communekit/communekit/sync/outbox"
)

// Found by a review: holdBack withdraws operations that were never sealed, but the
// Rework it runs drops every sealed batch the district has not
// acknowledged (reworkFinish) and Seal seals them again: batch 1, which
// may already be with the district (pushed and applied, its receipt lost
// on a dropped connection; or carried on a USB stick), gets new bytes
// under the same number. Pushed again it is not a duplicate of the batch
// the district holds but a `replay` (same number, other contents), which
// the client does not get past: the laptop's sync is stuck.
func TestHoldBack_KeepsTheBatchesAlreadySealed(t *testing.T) {
	dev, _ := mustEnrolled(t)
	z, err := outbox.SealerFor(dev, 0)
	if err != nil {
		t.Fatal(err)
	}
	mustImport(t, dev, 3)
	made, err := z.Seal(dev)
	if err != nil || len(made) != 1 {
		t.Fatalf("%d batches, %v", len(made), err)
	}
	sent := batch.Hash(made[0].Sealed) // sent; no receipt came back

	// A later change the district would refuse (here: an officer name
	// that is not the certificate's — any CheckOp refusal does the same).
	mustImport(t, dev, 1)
	z.Officer = "Someone Else"
	if _, err := z.Seal(dev); err != nil {
		t.Fatal(err)
	}
	if len(z.Withheld) == 0 {
		t.Fatal("nothing held back")
	}
	b1, err := dev.Batch(1)
	if err != nil {
		t.Fatalf("batch 1 is gone: %v", err)
	}
	if batch.Hash(b1.Sealed) != sent {
		t.Errorf("batch 1, sent before and possibly applied by the district, was sealed again with other bytes: "+
			"the district will answer it `replay` (withheld %d ops of later changes)", len(z.Withheld))
	}
	st, _ := dev.Outbox()
	t.Logf("outbox after: %+v", st)
	_ = storage.RuleOfficerName
}
