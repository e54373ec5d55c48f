// Package outbox seals a commune device's pending operations into
// numbered batches for its district and writes them out as files, as they
// travel on a USB stick or are pushed over HTTP.
//
// The store (storage.Store's outbox) keeps each sealed batch, with its
// number and operations, until the district acknowledges it; this package
// does the sealing between reading unbatched operations and recording the
// batch. A batch's bytes are written to a file only after the store has
// committed its number, so a number is never given to two different
// batches.
package outbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"filippo.io/age"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/batch"
)

// DefaultMaxOps is the largest batch Export seals by default: about 30 KB
// of new persons (28 B each) or 10 KB of edits, under 4 s on a 64 kbit/s
// link, so a dropped connection costs little to retry. Each batch costs a
// round trip for its receipt: with 500 operations a first sync of 10,000
// persons over 64 kbit/s and 400 ms took 1.31 × bytes ÷ bandwidth; with
// 1,000 it takes less (kitctl bench sync).
const DefaultMaxOps = 1000

// FileExt is the extension of batch files.
const FileExt = ".ckb"

// ErrNotEnrolled means the device has no district to seal to.
var ErrNotEnrolled = errors.New("this device is not enrolled with a district yet: run `kitctl enrol request`, have the district sign it, then `kitctl enrol install`")

// Sealer seals for one device and one district.
type Sealer struct {
	Device   *identity.Device
	District identity.DistrictPublic
	// BatchKey is the district's batch key to seal to, when it rolled
	// out a new one (nil: its own key, from enrolment).
	BatchKey *cert.BatchKeyAnnouncement
	MaxOps   int // DefaultMaxOps when 0
	// Officer is the officer of the device's certificate: operations that
	// name another are held back, as the district would refuse them.
	Officer string
	// Withheld are the operations the last Seal held back: the district
	// would refuse them (storage.CheckOp). The store's refused list keeps
	// them for the officer to correct.
	Withheld []storage.RefusedOp
}

// Seal seals every unbatched operation of s into as many batches as needed
// and records them in the store's outbox; it returns the new batches.
func (z *Sealer) Seal(s *storage.Store) ([]*storage.OutBatch, error) {
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
	max := z.MaxOps
	if max <= 0 {
		max = DefaultMaxOps
	}
	max = min(max, storage.MaxBatchOps) // what a district accepts
	if err := z.holdBack(s); err != nil {
		return nil, err
	}
	var made []*storage.OutBatch
	for {
		ops, err := s.Unbatched(max)
		if err != nil {
			return made, err
		}
		if len(ops) == 0 {
			return made, nil
		}
		ops = withinRecordLimit(ops)
		st, err := s.Outbox()
		if err != nil {
			return made, err
		}
		h := batch.Header{
			Sender:         z.Device.ID,
			Seq:            st.Batches + 1,
			PrevHash:       st.LastHash,
			RecipientKeyID: keyID,
		}
		sealed, err := batch.Seal(ops, batch.SealOptions{Header: h, Recipient: rcpt, SignKey: z.Device.Sign})
		if err != nil {
			return made, fmt.Errorf("sealing batch %d: %w", h.Seq, err)
		}
		b := &storage.OutBatch{N: h.Seq, FirstSeq: ops[0].Seq, LastSeq: ops[len(ops)-1].Seq, Hash: batch.Hash(sealed), Sealed: sealed}
		if err := s.AddBatch(b); err != nil {
			return made, err
		}
		made = append(made, b)
	}
}

// withinRecordLimit cuts ops before the first operation that would put
// more than storage.MaxRecordOps operations on one record in one batch
// (an officer who corrects one person again and again between syncs): the
// rest go in the next batch.
func withinRecordLimit(ops []*storage.Op) []*storage.Op {
	n := map[storage.ID]int{}
	for i, op := range ops {
		if n[op.ID]++; n[op.ID] > storage.MaxRecordOps {
			return ops[:i]
		}
	}
	return ops
}

// holdBack runs the district's checks of each operation alone on the
// operations not sealed yet, and withdraws those the district would
// refuse, so that an honest device is never refused: a save that slipped
// past validation (a value this version no longer takes as it was stored)
// reaches the officer as a refused change, not the district as an invalid
// batch.
func (z *Sealer) holdBack(s *storage.Store) error {
	z.Withheld = nil
	ops, err := s.Unbatched(0)
	if err != nil {
		return err
	}
	withdraw := map[uint64]storage.Refusal{}
	for _, op := range ops {
		if r := storage.CheckOp(op); r != nil {
			withdraw[op.Seq] = storage.Refusal{Rule: r.Rule, Message: r.Message}
			continue
		}
		if z.Officer != "" && identity.CleanName(op.Officer) != z.Officer {
			withdraw[op.Seq] = storage.Refusal{Rule: storage.RuleOfficerName, Message: fmt.Sprintf("operation %d names officer %q; this device's certificate is %q's", op.Seq, op.Officer, z.Officer)}
		}
	}
	if len(withdraw) == 0 {
		return nil
	}
	res, err := s.Rework(storage.Rework{Withdraw: withdraw})
	if err != nil {
		return fmt.Errorf("holding back changes the district would refuse: %w", err)
	}
	z.Withheld = res.Withdrawn
	return nil
}

// FileName is the name of batch n's file: "000001.ckb".
func FileName(n uint64) string { return fmt.Sprintf("%06d%s", n, FileExt) }

// WriteFiles writes each batch to dir (created if missing) as FileName(n),
// atomically (a partial file is never left under the final name), and
// returns the paths. Rewriting a batch writes the same bytes.
func WriteFiles(dir string, bs []*storage.OutBatch) ([]string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	var paths []string
	for _, b := range bs {
		p := filepath.Join(dir, FileName(b.N))
		if err := storage.WriteFileAtomic(p, b.Sealed); err != nil {
			return paths, fmt.Errorf("writing %s: %w", p, err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}
