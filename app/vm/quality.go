package vm

import (
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/fold"
	"github.com/communekit/communekit/storage/report"
)

// Quality is the data-quality screen: the worklist of storage/report
// ("đúng, đủ, sạch, sống") of the profile's commune, per hamlet, filtered
// by hamlet and rule. Refresh computes it again off the UI goroutine (after
// a correction: the item fixed is gone); the filters apply to the list at
// hand, at once.
type Quality struct {
	notifier
	tr    Tr
	store *storage.Store
	do    Do
	// Go runs a read off the UI goroutine; plain go when nil.
	Go func(func())

	mu      sync.Mutex
	gen     uint64
	loading bool
	w       *report.Worklist
	err     error
	took    time.Duration
	hamlet  string // the hamlet kept ("" every one): a key of HamletChoices
	rule    string // the rule kept ("" every one)
	shown   []int  // the items of w kept by the filters, in order
}

// allHamlets is the hamlet filter's key for every hamlet; "" is the key of
// the persons of no named hamlet, as in the report.
const allHamlets = "\x00all"

// NewQuality returns the worklist of store's commune; nothing is computed
// until Refresh.
func NewQuality(tr Tr, store *storage.Store, do Do) *Quality {
	return &Quality{tr: tr, store: store, do: do, hamlet: allHamlets}
}

// Refresh computes the worklist again, at today's date, on its own
// goroutine; the list at hand stays shown until the new one arrives.
func (q *Quality) Refresh() {
	q.mu.Lock()
	q.gen++
	gen := q.gen
	q.loading = true
	q.mu.Unlock()
	q.changed()
	run := func() {
		t0 := time.Now()
		w, err := report.Quality(q.store, report.QualityOptions{Commune: q.store.Profile().Commune})
		took := time.Since(t0)
		go q.do(func() { // not waiting for the UI goroutine: see Statistics
			q.mu.Lock()
			if gen != q.gen {
				q.mu.Unlock()
				return
			}
			q.loading, q.err, q.took = false, err, took
			if err == nil {
				q.w = w
				q.filter()
			}
			q.mu.Unlock()
			q.changed()
		})
	}
	if q.Go != nil {
		q.Go(run)
	} else {
		go run()
	}
}

// filter lists the items the filters keep; q.mu is held.
func (q *Quality) filter() {
	q.shown = q.shown[:0]
	if q.w == nil {
		return
	}
	for i := range q.w.Items {
		it := &q.w.Items[i]
		if (q.hamlet == allHamlets || it.Hamlet == q.hamlet) && (q.rule == "" || it.Rule == q.rule) {
			q.shown = append(q.shown, i)
		}
	}
}

// SetFilter keeps the items of one hamlet (a key of HamletChoices) and one
// rule ("" for every rule).
func (q *Quality) SetFilter(hamlet, rule string) {
	q.mu.Lock()
	q.hamlet, q.rule = hamlet, rule
	q.filter()
	q.mu.Unlock()
	q.changed()
}

// Filter returns the filter's hamlet and rule keys.
func (q *Quality) Filter() (hamlet, rule string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.hamlet, q.rule
}

// QualityState is the state of the screen.
type QualityState struct {
	Loading bool // a computation is under way
	Loaded  bool // a worklist is at hand
	Error   string
	Took    time.Duration
	// Summary is the line over the list: persons checked, complete
	// records, items.
	Summary string
	// Count says how many items the filters keep.
	Count string
}

// State returns the state of the screen in the current language.
func (q *Quality) State() QualityState {
	q.mu.Lock()
	defer q.mu.Unlock()
	st := QualityState{Loading: q.loading, Loaded: q.w != nil, Took: q.took}
	if q.err != nil {
		st.Error = q.tr.T("quality.error", errText(q.tr, q.err))
	}
	if q.w != nil {
		c := q.w.Completeness
		st.Summary = q.tr.T("quality.summary", q.w.ReferenceDate.Vietnamese(), Count(q.tr, c.Persons),
			Count(q.tr, c.CompleteRecords), percentText(q.tr, c.Percent), Count(q.tr, len(q.w.Items)))
		st.Count = q.tr.T("quality.count", Count(q.tr, len(q.shown)))
	}
	return st
}

// Len is how many items the filters keep.
func (q *Quality) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.shown)
}

// QualityItem is one item of the list, in words.
type QualityItem struct {
	// Who is the person's name or the household's number.
	Who     string
	Message string
	Line    string // the rule and the hamlet
	Rule    string
	// Person is the record to open; zero for a household's item, whose
	// Household is set.
	Person    storage.ID
	Household string
	// Field is the field to correct (0 when the item names none the form
	// has).
	Field storage.Field
}

// Item returns the i-th item the filters keep; ok is false past the end
// (the list shrank while a row was drawn).
func (q *Quality) Item(i int) (QualityItem, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if i < 0 || i >= len(q.shown) {
		return QualityItem{}, false
	}
	it := &q.w.Items[q.shown[i]]
	out := QualityItem{Rule: it.Rule, Household: it.HouseholdNumber, Message: it.Message(q.tr.Lang())}
	if it.PersonID != "" {
		out.Person, _ = storage.ParseID(it.PersonID)
		out.Who = it.Name
		if out.Who == "" {
			out.Who = q.tr.T("quality.no_name")
		}
	} else {
		out.Who = q.tr.T("quality.household", it.HouseholdNumber)
	}
	if f, ok := storage.FieldByName(it.Field); ok {
		out.Field = f
	}
	out.Line = q.ruleLabel(it.Rule) + " · " + q.hamletLabel(it.Hamlet)
	return out, true
}

func (q *Quality) ruleLabel(rule string) string { return q.tr.T("quality.rule." + rule) }

func (q *Quality) hamletLabel(h string) string {
	if h == "" {
		return report.Word("hamlet_none", q.tr.Lang())
	}
	return h
}

// HamletChoices are the hamlet filter's options (Value: the key SetFilter
// takes): every hamlet, then each with its items.
func (q *Quality) HamletChoices() []Choice {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := []Choice{{allHamlets, q.tr.T("quality.all_hamlets")}}
	if q.w == nil {
		return out
	}
	for _, h := range q.w.Completeness.Hamlets {
		out = append(out, Choice{h.Hamlet, q.hamletLabel(h.Hamlet) + " (" + Count(q.tr, h.Items) + ")"})
	}
	return out
}

// RuleChoices are the rule filter's options, each with its items in the
// hamlet kept; rules with none are left out.
func (q *Quality) RuleChoices() []Choice {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := []Choice{{"", q.tr.T("quality.all_rules")}}
	if q.w == nil {
		return out
	}
	by := map[string]int{}
	for _, h := range q.w.Completeness.Hamlets {
		if q.hamlet == allHamlets || h.Hamlet == q.hamlet {
			for r, n := range h.ByRule {
				by[r] += n
			}
		}
	}
	for _, r := range report.Rules() {
		if by[r] > 0 || r == q.rule {
			out = append(out, Choice{r, q.ruleLabel(r) + " (" + Count(q.tr, by[r]) + ")"})
		}
	}
	return out
}

// QualityHamlet is a row of the hamlets' table.
type QualityHamlet struct {
	Key                         string // the filter's key
	Name                        string
	Persons, Complete, Items    string
	Percent                     string // of required values filled
	PersonsN, CompleteN, ItemsN int
}

// Hamlets returns the hamlets' table: persons, complete records,
// completeness and items, the commune's total last.
func (q *Quality) Hamlets() []QualityHamlet {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.w == nil {
		return nil
	}
	row := func(key, name string, persons, complete, items int, pct float64) QualityHamlet {
		return QualityHamlet{Key: key, Name: name, Persons: Count(q.tr, persons), Complete: Count(q.tr, complete),
			Items: Count(q.tr, items), Percent: percentText(q.tr, pct), PersonsN: persons, CompleteN: complete, ItemsN: items}
	}
	var out []QualityHamlet
	for _, h := range q.w.Completeness.Hamlets {
		out = append(out, row(h.Hamlet, q.hamletLabel(h.Hamlet), h.Persons, h.CompleteRecords, h.Items, h.Percent))
	}
	c := q.w.Completeness
	out = append(out, row(allHamlets, report.Word("total", q.tr.Lang()), c.Persons, c.CompleteRecords, len(q.w.Items), c.Percent))
	return out
}

// QualityField is a row of the fields' table: a required field, how many
// of the persons it applies to have it.
type QualityField struct {
	Label, Filled, Of, Percent string
}

// Fields returns the completeness of each required field, least complete
// first.
func (q *Quality) Fields() []QualityField {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.w == nil {
		return nil
	}
	fs := append([]report.FieldCompleteness(nil), q.w.Completeness.Fields...)
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].Percent < fs[j].Percent })
	var out []QualityField
	for _, f := range fs {
		label := q.tr.T("quality.field." + f.Field)
		if fl, ok := storage.FieldByName(f.Field); ok {
			label = FieldLabel(q.tr, fl)
		}
		out = append(out, QualityField{Label: label, Filled: Count(q.tr, f.Filled), Of: Count(q.tr, f.Of), Percent: percentText(q.tr, f.Percent)})
	}
	return out
}

// Find returns the position in the list of the first item about person
// id (or household number hh), or -1.
func (q *Quality) Find(id storage.ID, hh string) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, k := range q.shown {
		it := &q.w.Items[k]
		if (hh != "" && it.HouseholdNumber == hh) || (hh == "" && it.PersonID == id.String()) {
			return i
		}
	}
	return -1
}

// HamletKey returns the filter's key of a hamlet typed or chosen by its
// name (folded, as the report matches them), or false.
func (q *Quality) HamletKey(name string) (string, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.w == nil {
		return "", false
	}
	for _, h := range q.w.Completeness.Hamlets {
		if fold.Fold(h.Hamlet) == fold.Fold(name) {
			return h.Hamlet, true
		}
	}
	return "", false
}

// AllHamlets is the hamlet filter's key for every hamlet.
func AllHamlets() string { return allHamlets }

// percentText is a percentage with one decimal in the officer's language.
func percentText(tr Tr, p float64) string {
	s := strconv.FormatFloat(p, 'f', 1, 64)
	if tr.Lang() != "en" {
		for i := range len(s) {
			if s[i] == '.' {
				s = s[:i] + "," + s[i+1:]
				break
			}
		}
	}
	return s + " %"
}
