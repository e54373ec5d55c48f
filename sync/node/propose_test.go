package node

import (
	"testing"

	"filippo.io/age"

	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/batch"
)

func TestEntryFits_ByPlaintextAndCount(t *testing.T) {
	for _, c := range []struct {
		n, plain, next int
		want           bool
	}{
		{1, 123_000, 123_000, true},                // two batches of 500 new persons
		{2, 246_000, 123_000, false},               // not a third
		{1, 400_000, 1, false},                     // a batch larger than the limit goes alone
		{10, 50_000, 5_000, true},                  // small batches share an entry
		{maxEntryBatches, 64 * 100, 100, false},    // however small, at most maxEntryBatches
		{maxEntryBatches - 1, 63 * 100, 100, true}, // the last one that fits
		{1, maxEntryPlain - 10, 10, true},          // up to the limit
		{1, maxEntryPlain - 10, 11, false},         // not past it
		{3, 0, maxEntryPlain + 1, false},           // a large batch does not join
	} {
		if got := entryFits(c.n, c.plain, c.next); got != c.want {
			t.Errorf("entryFits(%d, %d, %d) = %v, want %v", c.n, c.plain, c.next, got, c.want)
		}
	}
}

func TestPlainSize_FromTheHeaderElseTheSealedSize(t *testing.T) {
	d, _ := identity.NewDistrict("Thử")
	dev, _ := identity.NewDevice(string(storage.NewDeviceID()))
	rcpt, _ := age.ParseX25519Recipient(d.Public().AgeRecipient)
	var ops []*storage.Op
	for i := 1; i <= 200; i++ {
		ops = append(ops, &storage.Op{Device: storage.DeviceID(dev.ID), Seq: uint64(i), HLC: storage.HLC(i << 16), Officer: "Lan", Kind: storage.KindPerson,
			ID: storage.ID{Origin: dev.ID[:8], N: uint64(i)}, Event: storage.EventRegister, Changes: []storage.Change{{Field: uint8(storage.FieldFullName), New: "Lò Thị Hoa"}}})
	}
	sealed, err := batch.Seal(ops, batch.SealOptions{Header: batch.Header{Sender: dev.ID, Seq: 1, RecipientKeyID: d.Public().KeyID}, Recipient: rcpt, SignKey: dev.Sign})
	if err != nil {
		t.Fatal(err)
	}
	h, _ := batch.ParseHeader(sealed)
	if got := plainSize(sealed); got != int(h.PlainSize) || got <= len(sealed) {
		t.Errorf("plainSize = %d, want the header's %d (more than the %d sealed bytes)", got, h.PlainSize, len(sealed))
	}
	if got := plainSize([]byte("not a batch")); got != len("not a batch") {
		t.Errorf("plainSize of garbage = %d, want its length", got)
	}
}
