package vm

import (
	"sort"
	"sync"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/fold"
)

// Households is the list of households by hamlet. It keeps each
// household's number and address only; heads and member counts, which
// take reading the members, are read for the rows a screen shows
// ([Households.Fill], [HamletList]): a hamlet of a 100,000-person commune
// has thousands of households, and reading all their members took seconds
// and tens of MB for a list that shows twenty rows at a time.
type Households struct {
	notifier
	tr    Tr
	store *storage.Store
	// Go runs a hamlet's page read in the background; nil: a goroutine.
	// The app counts the reads, so that closing the store waits for them.
	Go func(func())

	mu       sync.Mutex
	hamlets  []HamletRow
	byHamlet map[string][]HouseholdRow
}

// HamletRow is a hamlet (or residential group) and how many households it
// has.
type HamletRow struct {
	Name       string
	Households int
}

// HouseholdRow is one household in a hamlet's list.
type HouseholdRow struct {
	Number  string
	Address string
	// Read is false until Head and Members are read (Fill).
	Read    bool
	Head    string // the head's full name
	Members int    // 0 for a household merged into another, or all moved out
}

// NewHouseholds returns the households view of store; call Load.
func NewHouseholds(tr Tr, store *storage.Store) *Households {
	return &Households{tr: tr, store: store}
}

// Load reads every household that has members (one emptied by a merge is
// no longer one) and groups them by the hamlet named in their address. Households whose address names none come last, under one row.
func (v *Households) Load() error {
	hs, err := v.store.LiveHouseholds() // not those emptied by a merge
	if err != nil {
		return err
	}
	by := map[string][]HouseholdRow{}
	for _, h := range hs {
		name := storage.Hamlet(h.AddressDetail)
		by[name] = append(by[name], HouseholdRow{Number: h.Number, Address: h.AddressDetail})
	}
	rows := make([]HamletRow, 0, len(by))
	for name, list := range by {
		rows = append(rows, HamletRow{Name: name, Households: len(list)})
	}
	sort.Slice(rows, func(i, j int) bool {
		if (rows[i].Name == "") != (rows[j].Name == "") {
			return rows[j].Name == ""
		}
		return fold.Fold(rows[i].Name) < fold.Fold(rows[j].Name)
	})
	v.mu.Lock()
	v.hamlets, v.byHamlet = rows, by
	v.mu.Unlock()
	v.changed()
	return nil
}

// Hamlets returns the hamlets in name order.
func (v *Households) Hamlets() []HamletRow {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.hamlets
}

// HamletLabel is the hamlet's name, or the words for "no hamlet".
func (v *Households) HamletLabel(h HamletRow) string {
	switch {
	case h.Name == "" && h.Households == 1:
		return v.tr.T("households.no_hamlet_one")
	case h.Name == "":
		return v.tr.T("households.no_hamlet", Count(v.tr, h.Households))
	case h.Households == 1:
		return v.tr.T("households.hamlet_one", h.Name)
	}
	return v.tr.T("households.hamlet", h.Name, Count(v.tr, h.Households))
}

// InHamlet returns the households of hamlet in number order, not yet Read.
func (v *Households) InHamlet(hamlet string) []HouseholdRow {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]HouseholdRow(nil), v.byHamlet[hamlet]...)
}

// Fill reads the head and the member count of each row.
func (v *Households) Fill(rows []HouseholdRow) error {
	for i := range rows {
		r := &rows[i]
		// The store does not keep Household.Head up to date (it stays
		// zero), so the head is found among the members, who come head
		// first.
		ms, err := v.store.Members(r.Number)
		if err != nil {
			return err
		}
		r.Members, r.Head, r.Read = len(ms), "", true
		if len(ms) > 0 && ms[0].IsHead() {
			r.Head = ms[0].FullName()
		}
	}
	return nil
}

// HamletPage is how many rows of a [HamletList] are read at a time: a
// screenful and some.
const HamletPage = 32

// HamletList is the households of one hamlet as a list screen shows them:
// every number and address at once, the heads and member counts read a
// page at a time on a goroutine of their own, when a row of the page is
// first asked for. Each page read is handed over through Do and told by
// OnChange.
type HamletList struct {
	notifier
	v  *Households
	do Do

	mu    sync.Mutex
	rows  []HouseholdRow
	asked map[int]bool // pages being read or read
	err   error
}

// Hamlet returns the list of hamlet's households.
func (v *Households) Hamlet(hamlet string, do Do) *HamletList {
	return &HamletList{v: v, do: do, rows: v.InHamlet(hamlet), asked: map[int]bool{}}
}

// Len is how many households the hamlet has.
func (l *HamletList) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.rows)
}

// Row returns row i. Until its page is read, its Read is false; asking
// for it starts the read.
func (l *HamletList) Row(i int) HouseholdRow {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.rows[i]
	if page := i / HamletPage; !r.Read && !l.asked[page] {
		l.asked[page] = true
		if l.v.Go != nil {
			l.v.Go(func() { l.read(page) })
		} else {
			go l.read(page)
		}
	}
	return r
}

// Err is the error of the last page read, or nil.
func (l *HamletList) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

func (l *HamletList) read(page int) {
	l.mu.Lock()
	from := page * HamletPage
	rows := append([]HouseholdRow(nil), l.rows[from:min(from+HamletPage, len(l.rows))]...)
	l.mu.Unlock()
	err := l.v.Fill(rows)
	l.do(func() {
		l.mu.Lock()
		// A page that failed is not read again by this list (the screen
		// shows Err): asking again on every redraw would loop.
		l.err = err
		if err == nil {
			copy(l.rows[from:], rows)
		}
		l.mu.Unlock()
		l.changed()
	})
}

// Household is one household with its members.
type Household struct {
	notifier
	tr     Tr
	store  *storage.Store
	number string

	mu      sync.Mutex
	h       *storage.Household
	members []Member
	head    *storage.Person
	warning string
}

// Member is one person of a household, as the household view lists them.
type Member struct {
	Person       *storage.Person
	Name         string
	Relationship string // to the head
	Birth        string
	IDNumber     string
	Status       string // "" for the living
}

// OpenHousehold loads household number and its members, the head first.
func OpenHousehold(tr Tr, store *storage.Store, number string) (*Household, error) {
	v := &Household{tr: tr, store: store, number: number}
	return v, v.Reload()
}

// Reload reads the household again (after an event).
func (v *Household) Reload() error {
	h, err := v.store.HouseholdByNumber(v.number)
	if err != nil {
		return err
	}
	ps, err := v.store.Members(v.number)
	if err != nil {
		return err
	}
	var head *storage.Person
	ms := make([]Member, 0, len(ps))
	for _, p := range ps {
		if p.IsHead() && head == nil {
			head = p
		}
		m := Member{Person: p, Name: p.FullName(), Relationship: p.Get(storage.FieldRelationshipToHead),
			Birth: storage.DisplayValue(storage.FieldBirthDate, p.Get(storage.FieldBirthDate)), IDNumber: p.IDNumber()}
		if st := p.Get(storage.FieldStatus); st != "" && st != storage.StatusLiving {
			m.Status = displayValue(v.tr, storage.FieldStatus, st)
		}
		ms = append(ms, m)
	}
	warning := ""
	if p := storage.CheckHouseholdHeads(ps); p != nil {
		warning = p.Message(v.tr.Lang())
	}
	v.mu.Lock()
	v.h, v.members, v.head, v.warning = h, ms, head, warning
	v.mu.Unlock()
	v.changed()
	return nil
}

// Record returns the household record.
func (v *Household) Record() *storage.Household {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.h
}

// Title is "Hộ 0769-000123 — Thôn …".
func (v *Household) Title() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.tr.T("household.title", v.h.Number, v.h.AddressDetail)
}

// Address is the household's address in words.
func (v *Household) Address() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	s := v.h.AddressDetail
	if l := UnitLabel(v.h.AddressCode); l != "" {
		s += ", " + l
	}
	return s
}

// Members returns the members, the head first.
func (v *Household) Members() []Member {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.members
}

// Warning is a problem with the household as a whole (no head, two
// heads), or "".
func (v *Household) Warning() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.warning
}

// Birth opens the form registering a child born into the household.
func (v *Household) Birth() *Form {
	v.mu.Lock()
	h, head := v.h, v.head
	v.mu.Unlock()
	return NewArrivalForm(v.tr, v.store, storage.EventBirth, h, head)
}

// MoveIn opens the form registering a person who moves into the household
// from elsewhere.
func (v *Household) MoveIn() *Form {
	v.mu.Lock()
	h, head := v.h, v.head
	v.mu.Unlock()
	return NewArrivalForm(v.tr, v.store, storage.EventMoveIn, h, head)
}

// Event opens the form of ev for member p.
func (v *Household) Event(ev storage.Event, p *storage.Person) *Form {
	return NewEventForm(v.tr, v.store, ev, p)
}
