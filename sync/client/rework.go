package client

import (
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/batch"
	"github.com/communekit/communekit/sync/protocol"
)

// A batch the district refuses for what its operations do must not block
// the laptop: the client withdraws the refused operations (they stay in
// the store's refused list for the officer to correct), numbers the rest
// again and seals the batch anew under the same number; or, refused for a
// clock ahead of the district's, stamps its changes again once the
// laptop's clock is right. It acts only on a refusal the enrolled district
// signed for exactly the batch sent (an unsigned one could be any proxy's).

// maxReworks bounds the refusals one sync acts on: each withdraws at
// least one operation, so more means something is wrong.
const maxReworks = 20

// ErrClockAhead: the district refused this device's changes for a clock
// ahead of its own, and this computer's clock is still wrong.
var ErrClockAhead = errors.New("this computer's clock is ahead of the district's")

// RefusedChange is an operation the district refused, as a sync reports it.
type RefusedChange struct {
	Seq     uint64 `json:"seq"`
	Record  string `json:"record"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// ClockLimit is as far as a device's clock may move after seeing changes
// made elsewhere, given the district's time: a day past it.
func ClockLimit(district time.Time) storage.HLC {
	return storage.HLC(uint64(district.Add(24*time.Hour).UnixMilli()) << 16)
}

// reworkable reports whether e is a refusal the client acts on by
// reworking its unsent operations.
func reworkable(e *protocol.Error) bool {
	switch e.Code {
	case protocol.CodeClockAhead:
		return true
	case protocol.CodeInvalidOperation, protocol.CodeForbidden, protocol.CodeOutOfScope, protocol.CodeWrongOfficer:
		return len(e.Refused) > 0
	}
	return false
}

// rework acts on the district's refusal e of batch b: it checks that the
// district signed it for exactly b, then withdraws the refused operations
// or stamps the operations again, and seals anew.
func (r *run) rework(b *storage.OutBatch, e *protocol.Error) error {
	r.reworks++
	if r.reworks > maxReworks {
		return fmt.Errorf("the district refused %d batches in one sync; the last: %s. Tell the district administrator", r.reworks-1, e.Message)
	}
	h := batch.Hash(b.Sealed)
	switch {
	case e.Sig == "" || e.District != r.district.KeyID:
		return fmt.Errorf("%w: the refusal of batch %d is not signed by the district; nothing was withdrawn", ErrNotANode, b.N)
	case e.Verify(r.district.SignKey) != nil:
		return fmt.Errorf("%w: the refusal of batch %d is not signed by the district; nothing was withdrawn", ErrNotANode, b.N)
	case e.Device != r.dev.ID || e.Batch != b.N || e.Hash != hex.EncodeToString(h[:]):
		return fmt.Errorf("%w: the district's refusal names batch %d of device %s, not the batch %d sent; nothing was withdrawn", ErrNotANode, e.Batch, e.Device, b.N)
	}
	w := storage.Rework{Batch: b.N, Withdraw: map[uint64]storage.Refusal{}}
	for _, ro := range e.Refused {
		if ro.Rule == storage.RuleClockAhead {
			w.Restamp = true
			continue
		}
		if ro.Seq < b.FirstSeq || ro.Seq > b.LastSeq {
			return fmt.Errorf("%w: the refusal of batch %d names operation %d, which is not in it (%d to %d)", ErrNotANode, b.N, ro.Seq, b.FirstSeq, b.LastSeq)
		}
		w.Withdraw[ro.Seq] = storage.Refusal{Rule: ro.Rule, Message: ro.Message}
	}
	if e.Code == protocol.CodeClockAhead {
		w.Restamp = true
	}
	if w.Restamp {
		district := time.UnixMilli(e.Time)
		mine := r.s.WallClock()
		if mine.Sub(district) > ClockWarning {
			return fmt.Errorf("%w: it reads %s, the district's %s. Set this computer's date, time and time zone, then sync again: the changes waiting here will be stamped again and sent",
				ErrClockAhead, mine.Local().Format("2006-01-02 15:04"), district.Local().Format("2006-01-02 15:04"))
		}
	}
	res, err := r.s.Rework(w)
	if err != nil {
		return err
	}
	for _, ro := range res.Withdrawn {
		r.res.Refused = append(r.res.Refused, RefusedChange{Seq: ro.Seq, Record: ro.Op.ID.String(), Rule: ro.Rule, Message: ro.Message})
	}
	r.res.Restamped += res.Restamped
	msg := fmt.Sprintf("the district refused %d change(s) of batch %d; the others are sealed again", len(res.Withdrawn), b.N)
	if w.Restamp {
		msg = fmt.Sprintf("the district refused batch %d for a clock ahead of its own; %d change(s) stamped again", b.N, res.Restamped)
	}
	pending, _ := r.s.Pending()
	r.report(Progress{Phase: PhasePush, Batch: b.N, Pending: pending, Message: msg})
	return r.seal()
}
