package client

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/batch"
	"github.com/communekit/communekit/sync/outbox"
	"github.com/communekit/communekit/sync/protocol"
)

// PhaseCarry is the step of a sync that sends the operations of the
// device this one replaced.
const PhaseCarry Phase = "carry"

// ErrCarryRefused means the district refused operations carried over
// from the device this one replaced; they stay in the profile.
var ErrCarryRefused = errors.New("the district refused work carried over from the replaced laptop")

// carry sends the operations of the device this profile was, before it
// became a new device (a laptop replaced: storage's handover.go), that the
// district lacks. The district's record of the old device says where its
// chain stands: operations it holds — the old laptop may have sent some
// after the copy was made — are not sent again; each batch that follows
// is the old device's, signed with this device's key, and acknowledged on
// the district's signed receipt. It runs before this device's own batches:
// those may build on the carried operations.
func (r *run) carry(ctx context.Context) error {
	h, err := r.s.Handover()
	if err != nil || h == nil || h.State != storage.HandoverCarrying || r.cert.Replaces != string(h.Old) {
		return err
	}
	z, err := outbox.SealerFor(r.s, r.c.MaxOps)
	if err != nil {
		return err
	}
	old := string(h.Old)
	for tries := 1; ; tries++ {
		head, err := r.handoverHead(ctx, old)
		if err != nil {
			return err
		}
		prev, err := hex.DecodeString(head.Hash)
		if err != nil || len(prev) != 32 || head.New != r.dev.ID {
			return fmt.Errorf("%w: its record of device %s's hand-over does not name this device or is malformed", ErrNotANode, old)
		}
		seq, last := head.Batch, head.LastOp
		var hash [32]byte
		copy(hash[:], prev)
		for {
			if err := r.s.SetHandoverState(storage.HandoverCarrying, last); err != nil {
				return err
			}
			if last >= h.OldLast {
				r.report(Progress{Phase: PhaseCarry, Message: fmt.Sprintf("the district holds every operation of device %s (up to %d)", old, last)})
				return r.s.SetHandoverState(storage.HandoverDone, last)
			}
			ops, err := r.s.CarryOps(last, 0)
			if err != nil {
				return err
			}
			ops = outbox.CarryLimit(ops, r.c.MaxOps)
			sealed, err := z.SealCarried(old, seq+1, hash, ops)
			if err != nil {
				return fmt.Errorf("sealing operations of device %s: %w", old, err)
			}
			p := Progress{Phase: PhaseCarry, Batch: seq + 1, Ops: len(ops), Bytes: int64(len(sealed)),
				Message: fmt.Sprintf("carrying over %d operation(s) of device %s (%d to %d) as its batch %d", len(ops), old, ops[0].Seq, ops[len(ops)-1].Seq, seq+1)}
			p.Pending, _ = r.s.Pending()
			a, err := r.call(ctx, fmt.Sprintf("batch %d of device %s", seq+1, old), p, func() request {
				return request{method: http.MethodPost, path: protocol.PathPush, ctype: octetStream, body: sealed}
			})
			var ref *Refusal
			if errors.As(err, &ref) && (ref.Err.Code == protocol.CodeGap || ref.Err.Code == protocol.CodeReplay) && tries < maxGaps {
				// The node answered from a state behind the leader's:
				// ask again where the old device's chain stands.
				break
			}
			if errors.As(err, &ref) {
				return fmt.Errorf("%w: %v. They stay in this profile; tell the district administrator", ErrCarryRefused, err)
			}
			if err != nil {
				return err
			}
			var rec protocol.Receipt
			if err := json.Unmarshal(a.body, &rec); err != nil {
				return fmt.Errorf("%w: the answer to batch %d of device %s is not a receipt (%v)", ErrNotANode, seq+1, old, err)
			}
			if err := verifyReceipt(&rec, r.district, old, seq+1, sealed, revokedNodes(r.s, r.district)); err != nil {
				return err
			}
			seq, hash, last = seq+1, batch.Hash(sealed), ops[len(ops)-1].Seq
			r.res.Carried += len(ops)
		}
	}
}

// handoverHead asks the node where the district stands with device old,
// which this device replaced.
func (r *run) handoverHead(ctx context.Context, old string) (*protocol.Handover, error) {
	a, err := r.call(ctx, "the hand-over of device "+old, Progress{Phase: PhaseCarry, Message: "asking the district which operations of device " + old + " it holds"}, func() request {
		return request{method: http.MethodGet, path: protocol.PathHandover + old, max: 64 << 10, sign: r.signer()}
	})
	if err != nil {
		return nil, err
	}
	var h protocol.Handover
	if err := json.Unmarshal(a.body, &h); err != nil || h.Old != old {
		return nil, fmt.Errorf("%w: the answer about device %s's hand-over is not one (%v)", ErrNotANode, old, err)
	}
	return &h, nil
}
