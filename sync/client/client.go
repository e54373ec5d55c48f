// Package client syncs a commune device with a district node over HTTP
// (DESIGN.md, sync/protocol/PROTOCOL.md): it seals what is new into
// batches, pushes every batch the district has not acknowledged, pulls
// what changed elsewhere, and fetches the district's revocation list. The
// app and `kitctl sync` both use it.
//
// Everything a sync needs to go on is in the device's store — the outbox
// of sealed batches, the number of the last one acknowledged, the pull
// cursor — and each is changed in one transaction with what it describes,
// so a sync killed at any point goes on where it stopped the next time. A
// batch is acknowledged only on a receipt signed by the enrolled district
// for exactly that batch. See DESIGN.md in this directory for why each
// answer of the node is handled the way it is.
//
// A network failure, a node with no leader (503) or a 5xx answer is
// retried with exponential backoff and jitter ([Backoff]); the same batch
// sent again is answered with its original receipt, so a retry never
// applies anything twice. Anything else the node refuses stops the sync
// with a [*Refusal] that says what a person can do.
package client

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/outbox"
	"github.com/communekit/communekit/sync/protocol"
)

const octetStream = "application/octet-stream"

// Names of the values a device keeps about its syncs (storage meta).
const (
	MetaCursor      = "sync/cursor" // the district feed number pulled up to, 8 bytes big endian
	MetaLast        = "sync/last"   // when the last pull finished, RFC 3339
	MetaNode        = "sync/node"   // the node URL last synced with (kitctl)
	MetaRevocations = "revocations" // the district's signed revocation list, binary
	// MetaClockOffset is the node's clock minus this computer's, in
	// milliseconds (8 bytes big endian), as a node's stale refusal told
	// it: signed requests carry the time corrected by it.
	MetaClockOffset = "sync/clock_offset"
)

// Client syncs one device's store with a district node. Its zero value is
// not usable: set Node and Store. A Client runs one sync at a time.
type Client struct {
	Node  string         // base URL of a district node, e.g. https://10.0.0.5:8443
	Store *storage.Store // the device's open store, enrolled
	// HTTP is the client to talk to the node with. Nil (the right choice
	// but in tests): one from HTTPClient that trusts only the district
	// the device is enrolled with, refuses nodes the revocation list held
	// names, and bounds each exchange to DefaultTimeout.
	HTTP *http.Client
	// Progress, when set, is called (on the syncing goroutine) at each
	// step and each retry.
	Progress func(Progress)
	Log      *slog.Logger     // nil: no logs
	Retry    Backoff          // zero: the defaults
	Now      func() time.Time // nil: time.Now
	MaxOps   int              // operations per sealed batch (outbox.DefaultMaxOps when 0)
	PullMax  int              // operations per pull answer asked for (the node's default when 0)

	mu     sync.Mutex
	pinned *http.Client // HTTPClient for pinnedTo, kept across syncs (its connections too)
	pinTo  string       // the district key ID pinned is for
}

// Phase names a step of a sync.
type Phase string

// Phases of a sync, in order.
const (
	PhaseSeal        Phase = "seal"        // sealing new operations into batches
	PhasePush        Phase = "push"        // sending batches
	PhaseCertificate Phase = "certificate" // sending this device's certificate to a node that lacks it
	PhasePull        Phase = "pull"        // receiving changes made elsewhere
	PhaseRevocations Phase = "revocations" // fetching the revocation list
	PhaseDone        Phase = "done"
)

// Progress is what a person watching a sync is told.
type Progress struct {
	Phase   Phase
	Done    int    // push: batches acknowledged so far; pull: answers applied
	Total   int    // push: batches to send (0 in other phases)
	Batch   uint64 // push: number of the batch being sent
	Ops     int    // operations in that batch; pull: operations received so far
	Bytes   int64  // size of the batch being sent or received
	Pending uint64 // this device's operations the district has not acknowledged
	// Attempt is the attempt about to be made (1, 2, …), or with Err the
	// one that failed; 0 when a step is done (a batch acknowledged, an
	// answer applied, the sync finished).
	Attempt int
	Wait    time.Duration // with Err: the wait before the next attempt
	Err     error         // a failure about to be retried
	Message string        // the same in English words, for logs
}

// Result counts what a sync did. It is returned with what was done even
// when the sync stopped on an error.
type Result struct {
	Sealed      int    `json:"sealed"`      // new batches sealed
	Pushed      int    `json:"pushed"`      // batches acknowledged by the district in this sync
	PushedOps   int    `json:"pushed_ops"`  // operations in them
	Duplicates  int    `json:"duplicates"`  // of those, batches the district held already (receipt lost before)
	Pulled      int    `json:"pulled"`      // operations received
	Applied     int    `json:"applied"`     // of those, new to this device
	Cursor      uint64 `json:"cursor"`      // the district feed number pulled up to
	Pending     uint64 `json:"pending"`     // operations still waiting for a receipt (exact)
	Revocations uint64 `json:"revocations"` // number of the revocation list held (0: none revoked)
	// ClockOffset is this computer's clock minus the district node's, in
	// seconds, as read from the node's answers (to a second or two; 0
	// when they agree or no answer came). Changes are stamped with the
	// laptop's clock: see ClockWarning.
	ClockOffset int64 `json:"clock_offset_s,omitempty"`
	// Refused are this device's changes the district refused in this
	// sync: withdrawn (the store's refused list keeps them for the
	// officer to correct); the others went on.
	Refused []RefusedChange `json:"refused,omitempty"`
	// Restamped counts the changes stamped again after the district
	// refused them for a clock ahead of its own.
	Restamped int `json:"restamped,omitempty"`
	// Carried counts the operations of the device this profile replaced
	// (a laptop replaced) the district accepted in this sync.
	Carried int `json:"carried,omitempty"`
}

// ClockWarning is how far the laptop's clock may be from the district's
// before a sync warns. Changes carry the laptop's clock in their history,
// and a clock far ahead moves every clock that sees its changes.
const ClockWarning = time.Hour

// ClockOff reports whether the sync found this computer's clock more than
// ClockWarning away from the district's.
func (r *Result) ClockOff() bool {
	return r != nil && (r.ClockOffset >= int64(ClockWarning/time.Second) || r.ClockOffset <= -int64(ClockWarning/time.Second))
}

// Sync seals, pushes, pulls and fetches the revocation list.
func (c *Client) Sync(ctx context.Context) (*Result, error) {
	return c.run(ctx, func(r *run) error {
		if err := r.seal(); err != nil {
			return err
		}
		if err := r.carry(ctx); err != nil {
			return err
		}
		if err := r.push(ctx); err != nil {
			return err
		}
		if err := r.pull(ctx); err != nil {
			return err
		}
		return r.revocations(ctx)
	})
}

// Push seals what is new and pushes every batch the district has not
// acknowledged.
func (c *Client) Push(ctx context.Context) (*Result, error) {
	return c.run(ctx, func(r *run) error {
		if err := r.seal(); err != nil {
			return err
		}
		if err := r.carry(ctx); err != nil {
			return err
		}
		return r.push(ctx)
	})
}

// Pull receives what changed elsewhere until the node has no more.
func (c *Client) Pull(ctx context.Context) (*Result, error) {
	return c.run(ctx, func(r *run) error { return r.pull(ctx) })
}

// run is the state of one sync.
type run struct {
	c        *Client
	s        *storage.Store
	base     string
	hc       *http.Client
	dev      *identity.Device
	cert     *cert.Certificate
	district identity.DistrictPublic
	certSent bool
	reworks  int
	offset   time.Duration // the node's clock minus this computer's, for signing (MetaClockOffset)
	res      *Result
	log      *slog.Logger
}

func (c *Client) run(ctx context.Context, steps func(*run) error) (*Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	res := &Result{}
	if c.Store == nil {
		return res, errors.New("sync: no store")
	}
	r := &run{c: c, s: c.Store, res: res, log: c.Log}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	var err error
	if r.base, err = nodeURL(c.Node); err != nil {
		return res, err
	}
	if r.cert, r.district, err = outbox.Enrolment(c.Store); err != nil {
		return res, err
	}
	r.dev = c.Store.DeviceKeys()
	if r.dev == nil {
		return res, errors.New("this profile has no device keys: sync runs on a commune profile")
	}
	if r.hc = c.HTTP; r.hc == nil {
		if c.pinned == nil || c.pinTo != r.district.KeyID {
			c.pinned, c.pinTo = HTTPClient(r.district, HTTPOptions{Revoked: revokedNodes(c.Store, r.district), Now: c.Now}), r.district.KeyID
		}
		r.hc = c.pinned
	}
	if b, err := c.Store.GetMeta(MetaClockOffset); err == nil && len(b) == 8 {
		r.offset = time.Duration(int64(binary.BigEndian.Uint64(b))) * time.Millisecond
	}
	err = steps(r)
	if p, perr := r.s.Pending(); perr == nil {
		res.Pending = p
	}
	if cur, cerr := cursor(r.s); cerr == nil {
		res.Cursor = cur
	}
	if err != nil {
		r.log.Warn("sync stopped", "node", r.base, "err", err)
		return res, err
	}
	r.report(Progress{Phase: PhaseDone, Pending: res.Pending, Message: fmt.Sprintf("synced: %d batch(es) pushed, %d operation(s) pulled, %d pending", res.Pushed, res.Pulled, res.Pending)})
	return res, nil
}

func (r *run) now() time.Time {
	if r.c.Now != nil {
		return r.c.Now()
	}
	return time.Now()
}

// signedNow is the time a signed request carries: this computer's clock
// corrected by the offset a node told it (a commune laptop's clock is
// often wrong, and a node refuses a request signed more than
// protocol.MaxClockSkew from its own).
func (r *run) signedNow() time.Time { return r.now().Add(r.offset) }

// learnClock takes the node's time from a stale refusal: the next
// requests, of this sync and later ones, are signed with this computer's
// clock corrected by the difference. It reports whether there was one.
func (r *run) learnClock(err error) bool {
	var ref *Refusal
	if !errors.As(err, &ref) || ref.Err.Code != protocol.CodeStale || ref.Err.Time == 0 {
		return false
	}
	r.offset = time.UnixMilli(ref.Err.Time).Sub(r.now())
	r.s.PutMeta(MetaClockOffset, binary.BigEndian.AppendUint64(nil, uint64(r.offset.Milliseconds())))
	r.report(Progress{Phase: PhasePull, Message: fmt.Sprintf("this computer's clock is %s off the node's: signing with the node's time", (-r.offset).Round(time.Second))})
	return true
}

func (r *run) report(p Progress) {
	if p.Message != "" {
		r.log.Debug(p.Message, "phase", string(p.Phase), "attempt", p.Attempt)
	}
	if r.c.Progress != nil {
		r.c.Progress(p)
	}
}

// seal seals the operations saved since the last batch.
func (r *run) seal() error {
	z, err := outbox.SealerFor(r.s, r.c.MaxOps)
	if err != nil {
		return err
	}
	made, err := z.Seal(r.s)
	r.res.Sealed += len(made)
	for _, ro := range z.Withheld {
		r.res.Refused = append(r.res.Refused, RefusedChange{Seq: ro.Seq, Record: ro.Op.ID.String(), Rule: ro.Rule, Message: ro.Message})
	}
	if err != nil {
		return err
	}
	pending, _ := r.s.Pending()
	r.report(Progress{Phase: PhaseSeal, Done: len(made), Pending: pending, Message: fmt.Sprintf("sealed %d new batch(es)", len(made))})
	return nil
}

// call sends one request with retries. what names it in messages; p is
// the progress reported for each attempt and wait. A node that does not
// know this device is sent the certificate once per sync, then asked
// again.
func (r *run) call(ctx context.Context, what string, p Progress, req func() request) (*answer, error) {
	relearned := false
	for {
		a, err := r.attempt(ctx, what, p, req)
		if !relearned && r.learnClock(err) {
			// Signed too far from the node's clock: again at once, with
			// the node's time.
			relearned = true
			continue
		}
		var pe *Refusal
		if errors.As(err, &pe) && pe.Err.Code == protocol.CodeUnknownDevice && !r.certSent {
			if err := r.sendCertificate(ctx); err != nil {
				return nil, err
			}
			continue
		}
		return a, err
	}
}

// attemptClock is attempt, again at once with the node's time after a
// stale refusal.
func (r *run) attemptClock(ctx context.Context, what string, p Progress, req func() request) (*answer, error) {
	a, err := r.attempt(ctx, what, p, req)
	if r.learnClock(err) {
		a, err = r.attempt(ctx, what, p, req)
	}
	return a, err
}

func (r *run) attempt(ctx context.Context, what string, p Progress, req func() request) (*answer, error) {
	var a *answer
	err := r.c.Retry.retry(ctx, r.base, func(attempt int) error {
		p.Attempt, p.Err, p.Wait = attempt, nil, 0
		if attempt > 1 {
			p.Message = fmt.Sprintf("%s: attempt %d", what, attempt)
		}
		r.report(p)
		var err error
		a, err = do(ctx, r.hc, r.base, req())
		if err == nil {
			r.readClock(a)
		}
		return err
	}, func(attempt int, d time.Duration, err error) {
		p.Attempt, p.Err, p.Wait = attempt, err, d
		p.Message = fmt.Sprintf("%s: retrying in %s: %v", what, d.Round(100*time.Millisecond), err)
		r.report(p)
	})
	return a, refusal(what, err)
}

// readClock sets the result's clock offset from the node's Date header:
// the store's wall clock (what stamps this device's changes) minus the
// node's, less the time the body took to arrive after it.
func (r *run) readClock(a *answer) {
	date, err := http.ParseTime(a.header.Get("Date"))
	if err != nil {
		return
	}
	off := r.s.WallClock().Add(-a.readFor).Sub(date)
	r.res.ClockOffset = int64(off.Round(time.Second) / time.Second)
}

// refusal wraps a protocol error the node answered as a *Refusal.
func refusal(what string, err error) error {
	var pe *protocol.Error
	if errors.As(err, &pe) && !errors.Is(err, ErrUnreachable) {
		return &Refusal{What: what, Err: pe}
	}
	return err
}

// sendCertificate posts this device's certificate to the node.
func (r *run) sendCertificate(ctx context.Context) error {
	r.certSent = true
	b, err := r.cert.MarshalBinary()
	if err != nil {
		return err
	}
	p := Progress{Phase: PhaseCertificate, Bytes: int64(len(b)), Message: "the node does not know this device yet: sending its certificate"}
	_, err = r.attemptClock(ctx, "this device's certificate", p, func() request {
		// Signed with this device's own key: the node takes a
		// certificate only from its device or the district.
		return request{method: http.MethodPost, path: protocol.PathCertificate, ctype: octetStream, body: b, sign: r.signer()}
	})
	return err
}

// signer signs this device's requests.
func (r *run) signer() *Signer {
	s := DeviceSigner(r.dev)
	s.Now = r.signedNow
	return s
}

// cursor returns the district feed number this device has pulled up to.
func cursor(s *storage.Store) (uint64, error) {
	b, err := s.GetMeta(MetaCursor)
	if errors.Is(err, storage.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if len(b) != 8 {
		return 0, fmt.Errorf("%w: the sync cursor is %d bytes, not 8", storage.ErrDamaged, len(b))
	}
	return binary.BigEndian.Uint64(b), nil
}
