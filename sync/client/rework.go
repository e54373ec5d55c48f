package client

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"time"

	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/sync/outbox"

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
	res, restamp, err := applyRefusal(r.s, r.district, r.dev.ID, b, e)
	if err != nil {
		return err
	}
	for _, ro := range res.Withdrawn {
		r.res.Refused = append(r.res.Refused, RefusedChange{Seq: ro.Seq, Record: ro.Op.ID.String(), Rule: ro.Rule, Message: ro.Message})
	}
	r.res.Restamped += res.Restamped
	msg := fmt.Sprintf("the district refused %d change(s) of batch %d; the others are sealed again", len(res.Withdrawn), b.N)
	if restamp {
		msg = fmt.Sprintf("the district refused batch %d for a clock ahead of its own; %d change(s) stamped again", b.N, res.Restamped)
	}
	pending, _ := r.s.Pending()
	r.report(Progress{Phase: PhasePush, Batch: b.N, Pending: pending, Message: msg})
	return r.seal()
}

// ErrRefusalNotForThis: a refusal that names another batch, device or
// district than this device's unacknowledged batch, or is not signed by
// the enrolled district: nothing is withdrawn on its word.
var ErrRefusalNotForThis = errors.New("the refusal is not the district's for a batch this device sent")

// applyRefusal checks that e is district d's signed refusal of exactly
// batch b of device dev, and reworks the unaccepted operations as it says.
// It reports whether it stamped them again.
func applyRefusal(s *storage.Store, d identity.DistrictPublic, dev string, b *storage.OutBatch, e *protocol.Error) (*storage.ReworkResult, bool, error) {
	h := batch.Hash(b.Sealed)
	switch {
	case e.Sig == "" || e.Verify(d, revokedNodes(s, d)) != nil:
		return nil, false, fmt.Errorf("%w: the refusal of batch %d is not signed by the district %s; nothing was withdrawn", ErrRefusalNotForThis, b.N, d.Name)
	case e.Device != dev || e.Batch != b.N || e.Hash != hex.EncodeToString(h[:]):
		return nil, false, fmt.Errorf("%w: it names batch %d of device %s, not batch %d of this device as sealed; nothing was withdrawn", ErrRefusalNotForThis, e.Batch, e.Device, b.N)
	}
	// The district checks that a batch follows the batch before it (its
	// hash, in the batch's signed header) before it looks at what the
	// batch holds: its signed refusal of batch n says it holds exactly
	// this device's batches up to n-1. A laptop that sends only by stick
	// has no receipt for them: this is its acknowledgement.
	if st, err := s.Outbox(); err != nil {
		return nil, false, err
	} else if b.N > st.AckedBatch+1 {
		if err := s.Acknowledge(b.N - 1); err != nil {
			return nil, false, err
		}
	}
	w := storage.Rework{Batch: b.N, Withdraw: map[uint64]storage.Refusal{}}
	for _, ro := range e.Refused {
		if ro.Rule == storage.RuleClockAhead {
			w.Restamp = true
			continue
		}
		if ro.Seq < b.FirstSeq || ro.Seq > b.LastSeq {
			return nil, false, fmt.Errorf("%w: the refusal of batch %d names operation %d, which is not in it (%d to %d)", ErrRefusalNotForThis, b.N, ro.Seq, b.FirstSeq, b.LastSeq)
		}
		w.Withdraw[ro.Seq] = storage.Refusal{Rule: ro.Rule, Message: ro.Message}
	}
	if e.Code == protocol.CodeClockAhead {
		w.Restamp = true
	}
	if w.Restamp {
		district := time.UnixMilli(e.Time)
		mine := s.WallClock()
		if mine.Sub(district) > ClockWarning {
			return nil, false, fmt.Errorf("%w: it reads %s, the district's %s. Set this computer's date, time and time zone, then sync again: the changes waiting here will be stamped again and sent",
				ErrClockAhead, mine.Local().Format("2006-01-02 15:04"), district.Local().Format("2006-01-02 15:04"))
		}
	}
	res, err := s.Rework(w)
	return res, w.Restamp, err
}

// RefusalFileExt is the extension of a district's refusal of a batch, as
// `kitctl district import` leaves it on the stick that brought the batch.
const RefusalFileExt = ".ckr"

// RefusalFileName is the name of the refusal of batch n of device dev.
func RefusalFileName(dev string, n uint64) string {
	return fmt.Sprintf("refused-%s-%06d%s", dev, n, RefusalFileExt)
}

// WriteRefusal leaves the district's signed refusal e of a batch in dir,
// for the laptop that sealed the batch to act on at its next import.
func WriteRefusal(dir string, e *protocol.Error) (string, error) {
	b, err := json.MarshalIndent(e, "", " ")
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, RefusalFileName(e.Device, e.Batch))
	return p, storage.WriteFileAtomic(p, b)
}

// RefusalResult is what became of a refusal file on a device.
type RefusalResult struct {
	Path      string          `json:"file"`
	Status    string          `json:"status"` // applied, already, other_device, refused
	Batch     uint64          `json:"batch,omitempty"`
	Refused   []RefusedChange `json:"refused,omitempty"`
	Restamped int             `json:"restamped,omitempty"`
	Reason    string          `json:"reason,omitempty"`
}

// ImportRefusals acts on the district's refusals of this device's batches
// found at paths (files as named, folders searched for *.ckr), as a sync
// acts on one: the refused operations are withdrawn or the operations
// stamped again, and the batch is to be sealed again (kitctl batch export,
// the app's stick screen). A refusal of another device's batch is left for
// that laptop; one already acted on changes nothing.
func ImportRefusals(s *storage.Store, paths ...string) ([]*RefusalResult, error) {
	_, d, err := outbox.Enrolment(s)
	if err != nil {
		return nil, err
	}
	dev := s.DeviceKeys()
	if dev == nil {
		return nil, errors.New("this profile has no device keys")
	}
	names, err := findFiles(RefusalFileExt, false, paths...)
	if err != nil {
		return nil, err
	}
	sort.Strings(names) // batch numbers are zero-padded: in order
	var out []*RefusalResult
	for _, n := range names {
		r := &RefusalResult{Path: n}
		out = append(out, r)
		b, err := ReadFileMax(n, 1<<20, "a refusal")
		var e protocol.Error
		if err == nil {
			err = json.Unmarshal(b, &e)
		}
		if err != nil {
			r.Status, r.Reason = "refused", fmt.Sprintf("not a refusal of the district: %v", err)
			continue
		}
		r.Batch = e.Batch
		if e.Device != dev.ID {
			r.Status, r.Reason = "other_device", fmt.Sprintf("for device %s: leave it on the stick for that laptop", e.Device)
			continue
		}
		st, err := s.Outbox()
		if err != nil {
			return out, err
		}
		if e.Batch <= st.AckedBatch || e.Batch > st.Batches {
			r.Status, r.Reason = "already", "this device has dealt with it (the district accepted the batch, or it was sealed again)"
			continue
		}
		ob, err := s.Batch(e.Batch)
		if err != nil {
			return out, err
		}
		if hb := batch.Hash(ob.Sealed); e.Hash != hex.EncodeToString(hb[:]) {
			r.Status, r.Reason = "already", "the batch it refused was sealed again since"
			continue
		}
		res, _, err := applyRefusal(s, d, dev.ID, ob, &e)
		if errors.Is(err, ErrRefusalNotForThis) || errors.Is(err, ErrClockAhead) {
			r.Status, r.Reason = "refused", err.Error()
			continue
		}
		if err != nil {
			return out, err
		}
		r.Status, r.Restamped = "applied", res.Restamped
		for _, ro := range res.Withdrawn {
			r.Refused = append(r.Refused, RefusedChange{Seq: ro.Seq, Record: ro.Op.ID.String(), Rule: ro.Rule, Message: ro.Message})
		}
	}
	return out, nil
}
