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
	// Limit is how many results a query shows at first, and how many
	// more each ShowMore adds.
	Limit int

	mu       sync.Mutex
	query    string
	typedAt  time.Time
	gen      uint64 // increases with every SetQuery
	running  bool
	timer    *time.Timer
	results  []Result
	message  func() string // nil: none
	latency  time.Duration
	resultOf string // the query the results answer
	// more is what ShowMore added to Limit for the present query; more
	// results exist than are shown when hasMore.
	more     int
	hasMore  bool
	selected int // the index of the chosen result, -1 when there are none
}

// NewSearch returns search over store.
func NewSearch(tr Tr, store Searcher, do Do) *Search {
	return &Search{tr: tr, store: store, do: do, Delay: DefaultSearchDelay, Limit: 50, selected: -1}
}

// SetQuery is called on every keystroke with the whole text.
func (s *Search) SetQuery(q string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if q != s.query {
		s.more = 0
	}
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
	limit := s.Limit + s.more
	s.mu.Unlock()

	// One more than is shown, to know whether there are more: the
	// officer is told rather than left with a silent cap.
	hits, err := s.store.Search(q, limit+1)
	hasMore := len(hits) > limit
	if hasMore {
		hits = hits[:limit]
	}
	results := make([]Result, 0, len(hits))
	for _, h := range hits {
		results = append(results, resultOf(h.Person))
	}
	// The message is worded when it is read, in the language of then:
	// a language changed after the search shows it in the new one.
	var msg func() string
	switch {
	case err != nil:
		msg = func() string { return s.tr.T("search.error", ErrText(s.tr, err)) }
	case q == "":
		msg = func() string { return s.tr.T("search.hint") }
	case len(results) == 0:
		msg = func() string { return s.tr.T("search.none", q) }
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
		switch {
		case q != s.resultOf || s.selected < 0:
			s.selected = 0 // a new query: its best result is chosen
		case s.selected >= len(results):
			s.selected = len(results) - 1
		}
		if len(results) == 0 {
			s.selected = -1
		}
		s.results, s.message, s.resultOf, s.hasMore = results, msg, q, hasMore
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

// More reports whether the query matches more persons than the results
// shown.
func (s *Search) More() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hasMore
}

// ShowMore runs the query again for Limit more results; the chosen result
// stays chosen. It does nothing when there are no more.
func (s *Search) ShowMore() {
	s.mu.Lock()
	if !s.hasMore || s.resultOf != s.query {
		s.mu.Unlock()
		return
	}
	s.more += s.Limit
	s.gen++
	s.typedAt = time.Now()
	if s.timer != nil {
		s.timer.Stop()
	}
	running := s.running
	if !running {
		s.timer = time.AfterFunc(0, s.run)
	}
	s.mu.Unlock()
}

// Count is the line above the results: how many there are, and when the
// query matches more than are shown, that there are more and what to do.
func (s *Search) Count() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.message != nil {
		return s.message()
	}
	n := Count(s.tr, len(s.results))
	if s.hasMore {
		return s.tr.T("search.count_more", n, n)
	}
	if len(s.results) == 1 {
		return s.tr.T("search.count_one")
	}
	return s.tr.T("search.count", n)
}

// Selected returns the index of the chosen result (-1 when there are
// none): Enter opens it.
func (s *Search) Selected() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.selected
}

// Select chooses the result at i, kept within the results.
func (s *Search) Select(i int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case len(s.results) == 0:
		i = -1
	case i < 0:
		i = 0
	case i >= len(s.results):
		i = len(s.results) - 1
	}
	s.selected = i
	return i
}

// Move moves the choice by delta results (Down is +1, Up -1), stopping at
// the first and the last, and returns the index chosen.
func (s *Search) Move(delta int) int {
	return s.Select(s.Selected() + delta)
}

// Chosen returns the chosen result, if there is one.
func (s *Search) Chosen() (Result, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.selected < 0 || s.selected >= len(s.results) {
		return Result{}, false
	}
	return s.results[s.selected], true
}

// Message is a line above the results ("no one found", an error), or "".
func (s *Search) Message() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.message == nil {
		return ""
	}
	return s.message()
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
