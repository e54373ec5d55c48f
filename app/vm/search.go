package vm

import (
	"strings"
	"sync"
	"time"

	"github.com/communekit/communekit/storage"
)

// Searcher is the part of the store search needs.
type Searcher interface {
	Search(query string, limit int) ([]storage.Hit, error)
}

// Result is one search hit as the results list shows it.
type Result struct {
	ID        storage.ID
	Name      string
	Birth     string // "17/05/1990", "1990"
	IDNumber  string
	Household string // household number
	Hamlet    string
	Dead      bool
}

// DefaultSearchDelay is how long search waits after a keystroke before it
// runs the query: not at all. Officers type 5-10 keys a second, so the
// earlier pause of 20 ms collapsed no keys and added 20 ms to every result
// (BenchmarkSearchAsYouType, 100,000 persons: p50 21.9 -> 1.2 ms,
// p99 32.4 -> 12.7 ms); keys that come while a query runs are collapsed
// anyway (see [Search]).
const DefaultSearchDelay = 0

// Search is search as you type. SetQuery returns at once; the query runs on
// its own goroutine after Delay, at most one at a time, and only the latest
// query's results are delivered (through Do). A query typed while another
// runs waits for it and then runs once, however many keys came in between.
type Search struct {
	notifier
	tr    Tr
	store Searcher
	do    Do
	// Delay is the pause after a keystroke before the query runs
	// (DefaultSearchDelay).
	Delay time.Duration
	// Limit is the most results shown.
	Limit int

	mu       sync.Mutex
	query    string
	typedAt  time.Time
	gen      uint64 // increases with every SetQuery
	running  bool
	timer    *time.Timer
	results  []Result
	message  string
	latency  time.Duration
	resultOf string // the query the results answer
}

// NewSearch returns search over store.
func NewSearch(tr Tr, store Searcher, do Do) *Search {
	return &Search{tr: tr, store: store, do: do, Delay: DefaultSearchDelay, Limit: 50}
}

// SetQuery is called on every keystroke with the whole text.
func (s *Search) SetQuery(q string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.query = q
	s.typedAt = time.Now()
	s.gen++
	if s.timer != nil {
		s.timer.Stop()
	}
	if s.running {
		return // the running query starts the next when it ends
	}
	s.timer = time.AfterFunc(s.Delay, s.run)
}

// run searches for the latest query, on its own goroutine.
func (s *Search) run() {
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		return
	}
	s.running = true
	q, gen, typed := s.query, s.gen, s.typedAt
	s.mu.Unlock()

	hits, err := s.store.Search(q, s.Limit)
	results := make([]Result, 0, len(hits))
	for _, h := range hits {
		results = append(results, resultOf(h.Person))
	}
	msg := ""
	switch {
	case err != nil:
		msg = s.tr.T("search.error", err.Error())
	case q == "":
		msg = s.tr.T("search.hint")
	case len(results) == 0:
		msg = s.tr.T("search.none", q)
	}

	s.mu.Lock()
	s.running = false
	stale := gen != s.gen
	if stale {
		// Keys came in while this query ran: run once more for the latest.
		s.timer = time.AfterFunc(0, s.run)
	}
	s.mu.Unlock()
	if stale {
		return
	}
	s.do(func() {
		s.mu.Lock()
		if gen != s.gen { // a key came in while the results travelled
			s.mu.Unlock()
			return
		}
		s.results, s.message, s.resultOf = results, msg, q
		s.latency = time.Since(typed)
		s.mu.Unlock()
		s.changed()
	})
}

// Results returns the latest results and the query they answer.
func (s *Search) Results() ([]Result, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.results, s.resultOf
}

// Message is a line above the results ("no one found", an error), or "".
func (s *Search) Message() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.message
}

// Latency is the time from the last keystroke to its results on screen's
// side of Do: what the officer waits.
func (s *Search) Latency() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.latency
}

func resultOf(p *storage.Person) Result {
	return Result{
		ID:        p.ID,
		Name:      p.FullName(),
		Birth:     storage.DisplayValue(storage.FieldBirthDate, p.Get(storage.FieldBirthDate)),
		IDNumber:  p.IDNumber(),
		Household: p.Get(storage.FieldHouseholdNumber),
		Hamlet:    storage.HamletOf(p),
		Dead:      p.Get(storage.FieldStatus) == storage.StatusDead,
	}
}

// OrNone is v, or the word for "not recorded" ("chưa có") when v is
// empty, so that a line never reads "Số ĐD · Hộ ·".
func OrNone(tr Tr, v string) string {
	if strings.TrimSpace(v) == "" {
		return tr.T("value.none")
	}
	return v
}

// Line is the result's second line: birth, ID number, household and
// hamlet, each "chưa có" when not recorded.
func (r Result) Line(tr Tr) string {
	return tr.T("result.line", OrNone(tr, r.Birth), OrNone(tr, r.IDNumber), OrNone(tr, r.Household), OrNone(tr, r.Hamlet))
}
