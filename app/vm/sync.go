package vm

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/client"
)

// Sync is the sync screen: the district node's address, a sync run on its
// own goroutine with what it is doing in words, Cancel and Retry, and the
// result. It is the [SyncStatus] the overview shows.
//
// The client reports progress on the syncing goroutine; each report is
// handed to the UI goroutine through Do before it changes what the screen
// shows. Everything read from the store is read on the syncing goroutine,
// never inside Do, so a report that arrives after [Sync.Close] touches no
// closed store.
type Sync struct {
	notifier
	tr    Tr
	store *storage.Store
	do    Do
	opts  SyncOptions

	mu        sync.Mutex
	node      string
	draft     string   // the address as typed on the sync screen, not yet used
	arrived   []string // the conflicts the last sync brought, by row ID
	state     SyncState
	progress  client.Progress
	fraction  float64
	retryAt   time.Time // when the next attempt starts, while retrying
	result    *client.Result
	err       error
	pending   uint64
	lastSync  time.Time
	synced    bool
	online    bool
	attempted bool
	problem   string // an error reading the store, or a refused address
	refused   []RefusedRow
	run       int // the run whose reports count; older ones are dropped
	cancel    context.CancelFunc
	done      chan struct{} // closed when the running sync's goroutine ends
	closed    bool
}

// SyncOptions tune how the app syncs; the zero value is right for an
// officer's laptop. Tests shorten the waits.
type SyncOptions struct {
	HTTP    *http.Client   // nil: the client's default (a minute per exchange)
	Retry   client.Backoff // zero: the client's defaults (8 tries, waits up to 30 s)
	MaxOps  int            // operations per sealed batch (0: outbox.DefaultMaxOps)
	Timeout time.Duration  // bound of one whole sync (0: none; Cancel stops it)
}

// SyncState is where a sync stands.
type SyncState int

// States of the sync screen.
const (
	SyncIdle       SyncState = iota // no sync since the app started
	SyncRunning                     // sealing, sending or receiving
	SyncRetrying                    // waiting before trying again
	SyncCancelling                  // Cancel pressed, the sync is stopping
	SyncDone                        // the last sync ended well
	SyncFailed                      // the last sync stopped on an error
	SyncCancelled                   // the last sync was stopped by the officer
)

// Busy reports whether a sync is under way (running, retrying or stopping).
func (s SyncState) Busy() bool {
	return s == SyncRunning || s == SyncRetrying || s == SyncCancelling
}

// SyncData is what the sync screen shows, in the current language.
type SyncData struct {
	State    SyncState
	Node     string  // the district node's address, "" until one is set
	Fraction float64 // how far the sync is, 0 to 1
	// Line says what the sync is doing now, "Đang gửi lô 3/7…"; empty
	// when no sync is running.
	Line string
	// Message is the outcome of the last sync, or what to do before one
	// can start; Problem says whether it is an error.
	Message  string
	Problem  bool
	Pending  uint64 // operations the district has not acknowledged (exact)
	LastSync string // "15:04 02/01/2006", or "chưa đồng bộ"
	Online   bool
	// Refused are this device's changes the district refused (or that
	// were held back before sealing), with why: they are not in the
	// records, for the officer to correct and save again.
	Refused []RefusedRow
	// Tone says how the outcome reads: a success, a warning (stopped,
	// district not reached: nothing lost) or an error.
	Tone Tone
	// Conflicts are the conflicts the last sync brought, by their row ID
	// in the conflict queue, for the screen to lead to them.
	Conflicts []string
	// Draft is the address as typed on the sync screen and not used yet
	// ("" when none is typed): the screen shows it when it is built again.
	Draft string
}

// Tone is how a message reads.
type Tone int

// Tones of the sync screen's message.
const (
	ToneNone    Tone = iota // nothing to say
	ToneSuccess             // the sync ended well
	ToneWarning             // stopped, or the district not reached: nothing lost
	ToneDanger              // an error that needs the officer or the district
)

// RefusedRow is one refused change as the sync screen lists it.
type RefusedRow struct {
	N    uint64 // for DismissRefused
	What string // "Lò Văn Páo — Nghề nghiệp: Nông dân"
	Why  string // the district's reason
	When string
}

// NewSync returns the sync screen of store. It reads the node's address
// and the last sync from the store; call Refresh off the UI goroutine for
// the pending count.
func NewSync(tr Tr, store *storage.Store, do Do, opts SyncOptions) *Sync {
	s := &Sync{tr: tr, store: store, do: do, opts: opts}
	if b, err := store.GetMeta(client.MetaNode); err == nil {
		s.node = string(b)
	}
	s.lastSync, s.synced = readLastSync(store)
	return s
}

// readLastSync reads when the client last finished a pull.
func readLastSync(store *storage.Store) (time.Time, bool) {
	b, err := store.GetMeta(client.MetaLast)
	if err != nil {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, string(b))
	return t, err == nil
}

// Refresh reads the pending count and the last sync again.
func (s *Sync) Refresh() error {
	p, err := s.store.Pending()
	last, synced := readLastSync(s.store)
	refused, rerr := s.readRefused()
	s.mu.Lock()
	if err == nil {
		s.pending = p
	}
	if rerr == nil {
		s.refused = refused
	}
	s.lastSync, s.synced = last, synced
	s.mu.Unlock()
	s.changed()
	if err == nil {
		err = rerr
	}
	return err
}

// readRefused lists the store's refused changes in words.
func (s *Sync) readRefused() ([]RefusedRow, error) {
	rs, err := s.store.RefusedOps()
	if err != nil {
		return nil, err
	}
	out := make([]RefusedRow, 0, len(rs))
	for _, r := range rs {
		who := r.Op.ID.String()
		if p, err := s.store.Person(r.Op.ID); err == nil && p.FullName() != "" {
			who = p.FullName()
		}
		var what []string
		for _, c := range r.Op.Changes {
			name := r.Op.FieldName(c)
			if r.Op.Kind == storage.KindPerson {
				name = FieldLabel(s.tr, storage.Field(c.Field))
			}
			what = append(what, name+": "+c.New)
		}
		// The district's message is English, for logs: the officer reads
		// what the rule means, with the district's words after it.
		why := s.tr.T("refused.rule.other")
		if key := "refused.rule." + r.Rule; s.tr.Has(key) {
			why = s.tr.T(key)
		}
		out = append(out, RefusedRow{N: r.N, What: who + " — " + strings.Join(what, "; "), Why: why + " (" + r.Message + ")", When: r.At.Local().Format("15:04 02/01/2006")})
	}
	return out, nil
}

// DismissRefused drops refused change n from the list once the officer
// has dealt with it.
func (s *Sync) DismissRefused(n uint64) error {
	if err := s.store.DismissRefused(n); err != nil {
		return err
	}
	return s.Refresh()
}

// Node returns the district node's address, "" when none is set.
func (s *Sync) Node() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.node
}

// SetDraft keeps the address as typed on the sync screen, so that it is
// there when the officer comes back and the next sync (the overview's
// "Đồng bộ ngay" too) uses it; it is checked and saved in the profile when
// a sync starts.
func (s *Sync) SetDraft(node string) {
	s.mu.Lock()
	if strings.TrimSpace(node) == s.node {
		node = ""
	}
	changed := node != s.draft
	s.draft = node
	s.mu.Unlock()
	if changed {
		s.changed()
	}
}

// Draft returns the address typed and not used yet, "" when none.
func (s *Sync) Draft() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.draft
}

// SetNode checks the district node's address and keeps it in the profile,
// where `kitctl sync` finds it too. The error is in words for the officer.
func (s *Sync) SetNode(node string) error {
	node = withScheme(strings.TrimSpace(node))
	if err := s.checkNode(node); err != nil {
		s.mu.Lock()
		s.problem = errText(s.tr, err)
		s.mu.Unlock()
		s.changed()
		return err
	}
	s.mu.Lock()
	same := node == s.node
	s.mu.Unlock()
	if !same {
		if err := s.store.PutMeta(client.MetaNode, []byte(node)); err != nil {
			return errors.New(s.tr.T("sync.err.store", errText(s.tr, err)))
		}
	}
	s.mu.Lock()
	if !same {
		// Another node: what was known about the old one no longer says
		// anything.
		s.online, s.attempted = false, false
	}
	s.node, s.problem, s.draft = node, "", ""
	s.mu.Unlock()
	s.changed()
	return nil
}

func (s *Sync) checkNode(node string) error {
	if node == "" {
		return errors.New(s.tr.T("sync.err.no_node"))
	}
	u, err := url.Parse(node)
	if err == nil && u.Scheme == "http" && u.Host != "" {
		return errors.New(s.tr.T("sync.err.plain_http", node, "https://"+u.Host))
	}
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return errors.New(s.tr.T("sync.err.bad_address", node))
	}
	return nil
}

// withScheme is an address as typed, with https:// before it when it has
// no scheme (officers type "10.0.0.5:8443").
func withScheme(node string) string {
	if node != "" && !strings.Contains(node, "://") {
		return "https://" + node
	}
	return node
}

// Start begins a sync on its own goroutine, unless one is running. It
// returns false when no sync could start (no address); Data says why.
func (s *Sync) Start() bool {
	s.mu.Lock()
	if s.state.Busy() || s.closed {
		s.mu.Unlock()
		return false
	}
	draft := s.draft
	s.mu.Unlock()
	// An address typed on the sync screen is the one to use: it is
	// checked and kept in the profile as "Đồng bộ" does.
	if draft != "" && s.SetNode(draft) != nil {
		return false
	}
	s.mu.Lock()
	if s.state.Busy() || s.closed {
		s.mu.Unlock()
		return false
	}
	node := s.node
	if node == "" {
		s.problem = s.tr.T("sync.err.no_node")
		s.mu.Unlock()
		s.changed()
		return false
	}
	var ctx context.Context
	var cancel context.CancelFunc
	if s.opts.Timeout > 0 {
		ctx, cancel = context.WithTimeout(context.Background(), s.opts.Timeout)
	} else {
		ctx, cancel = context.WithCancel(context.Background())
	}
	s.run++
	run := s.run
	s.state, s.cancel, s.done = SyncRunning, cancel, make(chan struct{})
	s.progress, s.fraction, s.result, s.err, s.problem, s.arrived = client.Progress{}, 0, nil, nil, "", nil
	done := s.done
	s.mu.Unlock()
	s.changed()

	c := &client.Client{
		Node:   node,
		Store:  s.store,
		HTTP:   s.opts.HTTP,
		Retry:  s.opts.Retry,
		MaxOps: s.opts.MaxOps,
		Progress: func(p client.Progress) {
			if !s.isClosed() {
				s.do(func() { s.progressed(run, p) })
			}
		},
	}
	go func() {
		before, berr := s.store.AllConflicts()
		res, err := c.Sync(ctx)
		cancelled := errors.Is(ctx.Err(), context.Canceled)
		pending, perr := s.store.Pending()
		last, synced := readLastSync(s.store)
		refused, rerr := s.readRefused()
		var arrived []string
		if after, aerr := s.store.AllConflicts(); berr == nil && aerr == nil {
			arrived = newConflicts(before, after)
		}
		cancel()
		defer close(done)
		if s.isClosed() {
			return
		}
		s.do(func() {
			s.mu.Lock()
			if run != s.run || s.closed {
				s.mu.Unlock()
				return
			}
			s.result, s.err, s.arrived = res, err, arrived
			s.lastSync, s.synced, s.attempted = last, synced, true
			// The run is over, whatever its outcome: the bar ends.
			s.fraction = 1
			if perr == nil {
				s.pending = pending
			}
			if rerr == nil {
				s.refused = refused
			}
			switch {
			case err == nil:
				s.state, s.fraction, s.online = SyncDone, 1, true
			case cancelled:
				s.state = SyncCancelled
			default:
				s.state = SyncFailed
				if reached, known := nodeAnswered(err); known {
					s.online = reached
				}
			}
			s.mu.Unlock()
			s.changed()
		})
	}()
	return true
}

// progressed takes in one report of the client, on the UI goroutine.
func (s *Sync) progressed(run int, p client.Progress) {
	s.mu.Lock()
	if run != s.run || s.closed || !s.state.Busy() {
		s.mu.Unlock()
		return
	}
	if p.Phase == client.PhasePush && p.Total == 0 && p.Err == nil {
		// Where a push goes on after a gap: the next report says which
		// batch is sent, out of how many.
		s.mu.Unlock()
		return
	}
	s.progress = p
	if p.Phase == client.PhaseSeal || p.Phase == client.PhasePush {
		// The client counts what is pending exactly at these steps.
		s.pending = p.Pending
	}
	switch {
	case p.Err != nil:
		if s.state != SyncCancelling {
			s.state = SyncRetrying
		}
		s.retryAt = time.Now().Add(p.Wait)
		s.online = false
	default:
		if s.state == SyncRetrying {
			s.state = SyncRunning
		}
		if p.Attempt == 0 && p.Phase != client.PhaseSeal {
			// A step done: the node answered.
			s.online = true
		}
	}
	if f := progressFraction(p); f > s.fraction {
		s.fraction = f
	}
	s.mu.Unlock()
	s.changed()
}

// progressFraction places a report on the progress bar: sending takes
// most of it, since batches are what a slow link spends its time on.
func progressFraction(p client.Progress) float64 {
	switch p.Phase {
	case client.PhaseSeal:
		return 0.02
	case client.PhaseCarry:
		return 0.04
	case client.PhasePush:
		if p.Total > 0 {
			return 0.05 + 0.8*float64(p.Done)/float64(p.Total)
		}
	case client.PhasePull:
		return 0.85 + 0.1*(1-1/float64(p.Done+1))
	case client.PhaseRevocations:
		return 0.97
	case client.PhaseDone:
		return 1
	}
	return 0
}

// Cancel stops the running sync: what the district acknowledged stays
// acknowledged, the rest stays pending for the next sync.
func (s *Sync) Cancel() {
	s.mu.Lock()
	if !s.state.Busy() || s.cancel == nil {
		s.mu.Unlock()
		return
	}
	s.state = SyncCancelling
	s.cancel()
	s.mu.Unlock()
	s.changed()
}

// Retry starts the sync again after a failure or a cancel.
func (s *Sync) Retry() bool { return s.Start() }

// Wait blocks until the running sync's goroutine has ended. Its outcome
// has been handed to Do by then: with [Now], Data shows it.
func (s *Sync) Wait() {
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	if done != nil {
		<-done
	}
}

// Close stops a running sync and waits for it to end, before the store is
// closed. Reports that arrive after are dropped.
func (s *Sync) Close() {
	s.mu.Lock()
	// A well-formed address typed and not used yet is kept in the
	// profile, as a sync would have kept it.
	if draft := withScheme(strings.TrimSpace(s.draft)); draft != "" && !s.closed && s.checkNode(draft) == nil {
		s.store.PutMeta(client.MetaNode, []byte(draft))
		s.node, s.draft = draft, ""
	}
	s.closed = true
	if s.cancel != nil {
		s.cancel()
	}
	s.mu.Unlock()
	s.Wait()
}

func (s *Sync) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// LastSync implements [SyncStatus]: when the last pull finished.
func (s *Sync) LastSync() (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastSync, s.synced
}

// Online implements [SyncStatus]: the last attempt reached the node.
func (s *Sync) Online() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.online
}

// Available implements [SyncStatus]: a node's address is set.
func (s *Sync) Available() bool { return s.Node() != "" || s.Draft() != "" }

// Attempted implements [SyncStatus]: a sync has run since the app started.
func (s *Sync) Attempted() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempted || s.state.Busy()
}

// Data returns what the screen shows, in the current language.
func (s *Sync) Data() SyncData {
	s.mu.Lock()
	d := SyncData{State: s.state, Node: s.node, Fraction: s.fraction, Pending: s.pending, Online: s.online, Refused: append([]RefusedRow(nil), s.refused...),
		Conflicts: append([]string(nil), s.arrived...), Draft: s.draft}
	p, res, err, retryAt, problem := s.progress, s.result, s.err, s.retryAt, s.problem
	last, synced := s.lastSync, s.synced
	s.mu.Unlock()

	d.LastSync = s.tr.T("overview.never_synced")
	if synced {
		d.LastSync = syncTime(last)
	}
	switch d.State {
	case SyncRunning:
		d.Line = s.stepLine(p)
	case SyncRetrying:
		d.Line = s.retryLine(p, time.Until(retryAt))
	case SyncCancelling:
		d.Line = s.tr.T("sync.cancelling")
	case SyncDone:
		d.Message, d.Tone = s.resultSentence(res, len(d.Conflicts)), ToneSuccess
		if len(d.Conflicts) > 0 || (res != nil && len(res.Refused) > 0) {
			d.Tone = ToneWarning
		}
	case SyncCancelled:
		d.Message, d.Tone = s.tr.T("sync.cancelled")+s.partial(res), ToneWarning
	case SyncFailed:
		d.Message, d.Problem, d.Tone = s.failure(err)+s.partial(res), true, ToneDanger
		if reached, known := nodeAnswered(err); known && !reached {
			// The district was not reached: nothing was lost, the
			// officer tries again later.
			d.Tone = ToneWarning
		}
	}
	if problem != "" && !d.State.Busy() {
		d.Message, d.Problem, d.Tone = problem, true, ToneDanger
	}
	return d
}

// newConflicts names the conflicts of after that before did not hold.
func newConflicts(before, after *storage.ConflictSet) []string {
	had := ConflictNames(before)
	var out []string
	for name := range ConflictNames(after) {
		if !had[name] {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// syncTime writes a sync's time as the overview does.
func syncTime(t time.Time) string { return t.Local().Format("15:04 02/01/2006") }

// stepLine says what the client is doing.
func (s *Sync) stepLine(p client.Progress) string {
	switch p.Phase {
	case client.PhasePush:
		n := min(p.Done+1, p.Total)
		if p.Attempt > 1 {
			return s.tr.T("sync.step.push_again", n, p.Total, p.Attempt)
		}
		return s.tr.T("sync.step.push", n, p.Total)
	case client.PhaseCertificate:
		return s.tr.T("sync.step.certificate")
	case client.PhaseCarry:
		return s.tr.T("sync.step.carry")
	case client.PhasePull:
		if p.Ops > 0 {
			return s.tr.T("sync.step.pull_so_far", Count(s.tr, p.Ops))
		}
		return s.tr.T("sync.step.pull")
	case client.PhaseRevocations:
		return s.tr.T("sync.step.revocations")
	case client.PhaseDone:
		return s.tr.T("sync.step.done")
	}
	return s.tr.T("sync.step.seal")
}

// retryLine says what failed, why, and when the next attempt comes.
func (s *Sync) retryLine(p client.Progress, left time.Duration) string {
	secs := max(1, int(math.Ceil(left.Seconds())))
	wait := s.tr.T("sync.seconds", secs)
	if secs == 1 {
		wait = s.tr.T("sync.second")
	}
	reason := s.reason(p.Err)
	switch p.Phase {
	case client.PhasePush:
		return s.tr.T("sync.retry.push", min(p.Done+1, p.Total), p.Total, reason, wait, p.Attempt+1)
	case client.PhasePull:
		return s.tr.T("sync.retry.pull", reason, wait, p.Attempt+1)
	}
	return s.tr.T("sync.retry.other", reason, wait, p.Attempt+1)
}

// resultSentence says what a sync did: "Đã gửi 1.204 thay đổi, nhận 35
// thay đổi từ nơi khác."
func (s *Sync) resultSentence(r *client.Result, conflicts int) string {
	if r == nil {
		return ""
	}
	var msg string
	switch {
	case conflicts > 0:
		msg = s.tr.T("sync.done.conflicts", Count(s.tr, r.PushedOps), Count(s.tr, r.Pulled), Count(s.tr, conflicts))
	case r.PushedOps == 0 && r.Pulled == 0:
		msg = s.tr.T("sync.done.nothing")
	default:
		msg = s.tr.T("sync.done", Count(s.tr, r.PushedOps), Count(s.tr, r.Pulled))
	}
	if r.Pending > 0 {
		msg += " " + s.tr.T("sync.done.still_pending", Count(s.tr, int(r.Pending)))
	}
	if len(r.Refused) > 0 {
		msg += " " + s.tr.T("sync.done.refused", Count(s.tr, len(r.Refused)))
	}
	if r.Restamped > 0 {
		msg += " " + s.tr.T("sync.done.restamped", Count(s.tr, r.Restamped))
	}
	if w := s.clockWords(r); w != "" {
		msg += " " + w
	}
	return msg
}

// clockWords warns when the laptop's clock is far from the district's
// ("" when it is not).
func (s *Sync) clockWords(r *client.Result) string {
	if !r.ClockOff() {
		return ""
	}
	off := r.ClockOffset
	key := "sync.clock_ahead"
	if off < 0 {
		key, off = "sync.clock_behind", -off
	}
	amount := s.tr.T("sync.clock_hours", (off+1800)/3600)
	if off >= 48*3600 {
		amount = s.tr.T("sync.clock_days", (off+43200)/86400)
	}
	return s.tr.T(key, amount)
}

// partial says what a sync did before it stopped, if anything.
func (s *Sync) partial(r *client.Result) string {
	if r == nil || (r.PushedOps == 0 && r.Pulled == 0) {
		return ""
	}
	return " " + s.tr.T("sync.partial", Count(s.tr, r.PushedOps), Count(s.tr, r.Pulled))
}
