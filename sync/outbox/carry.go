package outbox

import (
	"fmt"

	"filippo.io/age"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/batch"
)

// SealCarried seals ops, operations of the device this one replaced (a
// laptop replaced: storage's handover.go), as that device's batch seq
// after the batch whose hash is prev, signed with this device's key: the
// district takes the old device's batches from its successor only. It
// returns the sealed batch; nothing is kept in the outbox (the district's
// chain of the old device says where the next one goes).
func (z *Sealer) SealCarried(old string, seq uint64, prev [32]byte, ops []*storage.Op) ([]byte, error) {
	if z.Device == nil || z.District.AgeRecipient == "" {
		return nil, ErrNotEnrolled
	}
	to, keyID := z.District.AgeRecipient, z.District.KeyID
	if z.BatchKey != nil {
		to, keyID = z.BatchKey.Recipient, z.BatchKey.KeyID(z.District)
	}
	rcpt, err := age.ParseX25519Recipient(to)
	if err != nil {
		return nil, fmt.Errorf("district key: %v", err)
	}
	h := batch.Header{Sender: old, Seq: seq, PrevHash: prev, RecipientKeyID: keyID}
	return batch.Seal(ops, batch.SealOptions{Header: h, Recipient: rcpt, SignKey: z.Device.Sign})
}

// CarryLimit cuts ops to what one batch may hold: at most max (and
// storage.MaxBatchOps) operations, and at most storage.MaxRecordOps on
// one record.
func CarryLimit(ops []*storage.Op, max int) []*storage.Op {
	if max <= 0 {
		max = DefaultMaxOps
	}
	max = min(max, storage.MaxBatchOps)
	if len(ops) > max {
		ops = ops[:max]
	}
	return withinRecordLimit(ops)
}
