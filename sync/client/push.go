package client

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/batch"
	"github.com/communekit/communekit/sync/protocol"
)

// maxGaps bounds the gap answers in a row (without a receipt between
// them) that push follows before it stops: two nodes that disagree must
// not keep a device going back and forth.
const maxGaps = 3

// push sends the batches the district has not acknowledged, in order,
// and acknowledges each on its verified receipt.
func (r *run) push(ctx context.Context) error {
	st, err := r.s.Outbox()
	if err != nil {
		return err
	}
	next := st.AckedBatch + 1
	done, gaps := 0, 0
	checked := false
	for {
		if st, err = r.s.Outbox(); err != nil {
			return err
		}
		if next > st.Batches && !checked && done == 0 && st.AckedBatch > 0 {
			// Nothing to send: does the district still hold the last
			// batch it acknowledged? After a restore from an older
			// backup it may not, and a laptop with nothing new would
			// never be asked for it again. Sent once more, the batch is
			// a duplicate (its receipt comes back), or the district's gap
			// answer says where to go back to.
			checked = true
			if !r.districtHolds(ctx, st.AckedBatch) {
				r.report(Progress{Phase: PhasePush, Batch: st.AckedBatch, Message: fmt.Sprintf("the district does not hold batch %d, acknowledged before: sending it again", st.AckedBatch)})
				next = st.AckedBatch
			}
		}
		if next > st.Batches {
			return nil
		}
		b, err := r.s.Batch(next)
		if err != nil {
			return err
		}
		pending, _ := r.s.Pending()
		ops := int(b.LastSeq - b.FirstSeq + 1)
		p := Progress{Phase: PhasePush, Done: done, Total: done + int(st.Batches-next+1), Batch: b.N, Ops: ops,
			Bytes: int64(len(b.Sealed)), Pending: pending}
		p.Message = fmt.Sprintf("pushing batch %d (%d of %d, %d operations, %d bytes)", b.N, p.Done+1, p.Total, ops, p.Bytes)
		a, err := r.call(ctx, fmt.Sprintf("batch %d", b.N), p, func() request {
			return request{method: http.MethodPost, path: protocol.PathPush, ctype: octetStream, body: b.Sealed}
		})
		var ref *Refusal
		if errors.As(err, &ref) && ref.Err.Code == protocol.CodeGap {
			gaps++
			if next, err = r.gap(b.N, ref.Err.Expected, st, gaps); err != nil {
				return err
			}
			continue
		}
		if errors.As(err, &ref) && reworkable(ref.Err) {
			// Withdrawn or stamped again, and sealed anew: the district
			// expects the same batch number again.
			if err := r.rework(b, ref.Err); err != nil {
				return err
			}
			next = b.N
			continue
		}
		if err != nil {
			return err
		}
		rec, err := checkReceipt(a.body, r.district, r.dev.ID, b, revokedNodes(r.s, r.district))
		if err != nil {
			return err
		}
		if err := r.s.Acknowledge(b.N); err != nil {
			return err
		}
		gaps = 0
		done++
		r.res.Pushed++
		r.res.PushedOps += ops
		if rec.Duplicate {
			r.res.Duplicates++
		}
		p.Done, p.Attempt, p.Err, p.Wait = done, 0, nil, 0
		p.Pending, _ = r.s.Pending()
		p.Message = fmt.Sprintf("batch %d acknowledged (Raft index %d)", b.N, rec.Index)
		if rec.Duplicate {
			p.Message = fmt.Sprintf("batch %d was already with the district; its receipt is now here", b.N)
		}
		r.report(p)
		next = b.N + 1
	}
}

// districtHolds asks the node for its receipt of this device's batch n
// (a request signed by the device). Only a clear "not held" says no: any
// other failure leaves the push as it was.
func (r *run) districtHolds(ctx context.Context, n uint64) bool {
	_, err := r.call(ctx, fmt.Sprintf("the receipt of batch %d", n), Progress{Phase: PhasePush, Batch: n, Message: fmt.Sprintf("checking that the district holds batch %d", n)}, func() request {
		return request{method: http.MethodGet, path: fmt.Sprintf("%s%s/%d", protocol.PathNodeReceipt, r.dev.ID, n), max: 64 << 10, sign: r.signer()}
	})
	var ref *Refusal
	return !(errors.As(err, &ref) && ref.Err.Code == protocol.CodeNotFound)
}

// gap decides where to go on after the district answered batch sent with
// "expected batch e first", given the outbox st. See DESIGN.md.
func (r *run) gap(sent, e uint64, st storage.OutboxState, gaps int) (uint64, error) {
	switch {
	case e == 0 || e == sent:
		return 0, fmt.Errorf("%w: it answered batch %d with a gap, expecting batch %d", ErrNotANode, sent, e)
	case e > st.Batches:
		return 0, fmt.Errorf("%w: the district expects batch %d next, but this profile sealed only %d. Was it restored from an old backup, or copied to another machine? Tell the district administrator before saving more here",
			ErrAhead, e, st.Batches)
	case gaps > maxGaps:
		return 0, fmt.Errorf("the district keeps asking for other batches (now batch %d after batch %d): try again later, and tell the district administrator if it repeats", e, sent)
	case e < sent:
		// Batches e…sent-1 are missing there. If this device holds
		// receipts for them, the district lost them (restored from an
		// old backup): they are still in the outbox and go again.
		r.report(Progress{Phase: PhasePush, Batch: e, Message: fmt.Sprintf("the district asks for batch %d first: sending again from there", e)})
	default:
		// The district holds sent…e-1 but sent no receipt for them. The
		// receipt for e will cover them: see DESIGN.md.
		r.report(Progress{Phase: PhasePush, Batch: e, Message: fmt.Sprintf("the district already holds batches %d to %d: going on with batch %d", sent, e-1, e)})
	}
	return e, nil
}

// checkReceipt reads a push answer and checks that it is the district's
// signed receipt for exactly batch b of device dev.
func checkReceipt(body []byte, d identity.DistrictPublic, dev string, b *storage.OutBatch, revoked protocol.Revoked) (*protocol.Receipt, error) {
	var rec protocol.Receipt
	if err := json.Unmarshal(body, &rec); err != nil {
		return nil, fmt.Errorf("%w: the answer to batch %d is not a receipt (%v)", ErrNotANode, b.N, err)
	}
	if err := verifyReceipt(&rec, d, dev, b.N, b.Sealed, revoked); err != nil {
		return nil, err
	}
	return &rec, nil
}

// VerifyReceipt checks that rec is district d's signed receipt for the
// sealed batch (signed by a node d certified and revoked does not
// refuse), as a device does before it forgets a batch.
func VerifyReceipt(rec *protocol.Receipt, d identity.DistrictPublic, sealed []byte, revoked protocol.Revoked) error {
	h, err := batch.ParseHeader(sealed)
	if err != nil {
		return err
	}
	return verifyReceipt(rec, d, h.Sender, h.Seq, sealed, revoked)
}

func verifyReceipt(rec *protocol.Receipt, d identity.DistrictPublic, dev string, seq uint64, sealed []byte, revoked protocol.Revoked) error {
	if rec.District != d.KeyID {
		return fmt.Errorf("%w: batch %d: the receipt is from district key %s, this device is enrolled with %s (%s); the batch stays pending",
			ErrBadReceipt, seq, rec.District, d.Name, d.KeyID)
	}
	if err := rec.Verify(d, revoked); err != nil {
		return fmt.Errorf("%w: batch %d: %v", ErrBadReceipt, seq, err)
	}
	h := batch.Hash(sealed)
	if rec.Device != dev || rec.Seq != seq || rec.Hash != hex.EncodeToString(h[:]) {
		return fmt.Errorf("%w: it is for batch %d of device %s, sent was batch %d of device %s; the batch stays pending",
			ErrBadReceipt, rec.Seq, rec.Device, seq, dev)
	}
	return nil
}
