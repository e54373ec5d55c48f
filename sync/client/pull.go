package client

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/batch"
	"github.com/communekit/communekit/sync/outbox"
	"github.com/communekit/communekit/sync/protocol"
)

// pull asks for the changes after the cursor until the node has no more,
// applying each answer and its cursor in one transaction.
func (r *run) pull(ctx context.Context) error {
	for answers := 0; ; answers++ {
		cur, err := cursor(r.s)
		if err != nil {
			return err
		}
		req := protocol.PullRequest{Device: r.dev.ID, Cursor: cur, Max: r.c.PullMax}
		p := Progress{Phase: PhasePull, Done: answers, Ops: r.res.Pulled,
			Message: fmt.Sprintf("asking for changes after %d", cur)}
		var asked [32]byte // the hash of the request of the last attempt
		a, err := r.call(ctx, "the pull request", p, func() request {
			req.Sign(r.dev.Sign, r.signedNow()) // signed anew for each attempt: its time and nonce are checked
			asked = req.Hash()
			body, _ := json.Marshal(&req)
			return request{method: http.MethodPost, path: protocol.PathPull, ctype: "application/json", body: body, max: batch.DefaultLimits.MaxSealed}
		})
		if err != nil {
			return err
		}
		if text := a.header.Get(protocol.HeaderBatchKey); text != "" {
			// Signed by the district itself, whoever delivers it.
			kept, err := outbox.KeepBatchKey(r.s, text)
			if err != nil {
				return fmt.Errorf("the district's new batch key in the answer does not check out; nothing was applied: %w", err)
			}
			if kept {
				r.report(Progress{Phase: PhasePull, Message: "the district rolled out a new batch key: the next batches are sealed to it"})
			}
		}
		last := []byte(r.now().UTC().Format(time.RFC3339))
		if a.status == http.StatusNoContent {
			// Nothing after the cursor (PROTOCOL.md has no batch for
			// "nothing": a batch numbered 0 does not exist).
			return r.s.PutMeta(MetaLast, last)
		}
		op, err := r.answerOpener(a)
		if err != nil {
			return err
		}
		b, err := op.Open(a.body)
		if err != nil {
			return fmt.Errorf("the district's answer to the pull request does not open; nothing was applied: %w", err)
		}
		if b.Header.PrevHash != asked {
			// A node (or anyone on the way) answering with an answer to
			// another request: an old one replayed, or one for another
			// cursor.
			return fmt.Errorf("%w: its answer is not the answer to the pull request sent (after change %d); nothing was applied", ErrStalePull, cur)
		}
		if b.Header.Seq < cur {
			return fmt.Errorf("%w: its answer ends at change %d, this device has received up to %d; nothing was applied", ErrStalePull, b.Header.Seq, cur)
		}
		meta := map[string][]byte{
			MetaCursor: binary.BigEndian.AppendUint64(nil, b.Header.Seq),
			MetaLast:   last,
		}
		// A laptop whose clock ran ahead must not carry this one with it:
		// the clock moves at most a day past the district's time.
		limit := storage.HLC(0)
		if date, err := http.ParseTime(a.header.Get("Date")); err == nil {
			limit = ClockLimit(date)
		}
		res, err := r.s.ApplyOps(b.Ops, storage.ApplyOptions{Index: true, ObserveClock: true, ClockLimit: limit, Meta: meta})
		if err != nil {
			return err
		}
		r.res.Pulled += len(b.Ops)
		r.res.Applied += res.Applied
		r.res.Cursor = b.Header.Seq
		more := a.header.Get(protocol.HeaderMore) == "1"
		r.report(Progress{Phase: PhasePull, Done: answers + 1, Ops: r.res.Pulled, Bytes: int64(len(a.body)),
			Message: fmt.Sprintf("received %d change(s) (%d new), up to %d", len(b.Ops), res.Applied, b.Header.Seq)})
		if !more {
			return nil
		}
		if b.Header.Seq == cur {
			return fmt.Errorf("%w: it says more changes wait after %d but sent none", ErrNotANode, cur)
		}
	}
}

// answerOpener opens a pull answer.
func (r *run) answerOpener(a *answer) (*batch.Opener, error) {
	return AnswerOpener(r.s, a.header.Get(protocol.HeaderSigner))
}

// AnswerOpener opens a pull answer for the device whose store is s,
// signed by the node whose certificate signer is (the answer's
// X-Communekit-Signer header; empty: the district's root key), once that
// certificate checks out against the district and the revocation list s
// holds.
func AnswerOpener(s *storage.Store, signer string) (*batch.Opener, error) {
	var nodes []*cert.NodeCertificate
	if signer != "" {
		_, d, err := outbox.Enrolment(s)
		if err != nil {
			return nil, err
		}
		c, err := protocol.NodeOf(signer, d, revokedNodes(s, d))
		if err != nil {
			return nil, fmt.Errorf("the district's answer to the pull request is signed by a node this device does not trust; nothing was applied: %w", err)
		}
		nodes = append(nodes, c)
	}
	return outbox.DeviceOpener(s, nodes...)
}

// revocations fetches the district's revocation list and keeps it if it
// follows the one held.
func (r *run) revocations(ctx context.Context) error {
	p := Progress{Phase: PhaseRevocations, Message: "fetching the revocation list"}
	a, err := r.call(ctx, "the revocation list request", p, func() request {
		return request{method: http.MethodGet, path: protocol.PathRevocations, max: maxListAnswer}
	})
	if err != nil {
		return err
	}
	if a.status == http.StatusNoContent {
		return nil // the district has revoked nothing yet
	}
	l, err := cert.ParseRevocationList(a.body)
	if err == nil {
		err = l.Verify(r.district)
	}
	if err != nil {
		return fmt.Errorf("the district's revocation list was not kept: %w", err)
	}
	held, err := r.heldRevocations()
	if err != nil {
		return err
	}
	if held != nil {
		if err := l.Follows(held); err != nil {
			r.res.Revocations = held.Seq
			return fmt.Errorf("the node's revocation list was not kept: %w", err)
		}
		if l.Seq == held.Seq {
			r.res.Revocations = held.Seq
			return nil
		}
	}
	b, err := l.MarshalBinary()
	if err != nil {
		return err
	}
	if err := r.s.PutMeta(MetaRevocations, b); err != nil {
		return err
	}
	r.res.Revocations = l.Seq
	r.report(Progress{Phase: PhaseRevocations, Bytes: int64(len(b)), Message: fmt.Sprintf("revocation list %d kept (%d revoked)", l.Seq, len(l.Entries))})
	return nil
}

// RevokedNodes returns a check that refuses a node whose certificate the
// revocation list the device's store s holds names.
func RevokedNodes(s *storage.Store, d identity.DistrictPublic) protocol.Revoked {
	return revokedNodes(s, d)
}

// revokedNodes returns a check that refuses a node whose certificate the
// revocation list s holds names.
func revokedNodes(s *storage.Store, d identity.DistrictPublic) func(serial uint64, node string) error {
	return func(serial uint64, node string) error {
		l, err := heldRevocations(s, d)
		if err != nil || l == nil {
			return err
		}
		return l.CheckSerial(serial, node)
	}
}

// heldRevocations returns the list this device holds, nil when none.
func (r *run) heldRevocations() (*cert.RevocationList, error) {
	return heldRevocations(r.s, r.district)
}

// heldRevocations returns the list s holds, nil when none.
func heldRevocations(s *storage.Store, d identity.DistrictPublic) (*cert.RevocationList, error) {
	b, err := s.GetMeta(MetaRevocations)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	l, err := cert.ParseRevocationList(b)
	if err == nil {
		err = l.Verify(d)
	}
	if err != nil {
		// Re-enrolment with another district leaves the old list: it is
		// replaced, never merged.
		if errors.Is(err, cert.ErrWrongDistrict) {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: the revocation list held here: %v", storage.ErrDamaged, err)
	}
	return l, nil
}
