package vm

import (
	"sort"
	"sync"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/fold"
)

// Households is the list of households by hamlet.
type Households struct {
	notifier
	tr    Tr
	store *storage.Store

	mu       sync.Mutex
	hamlets  []HamletRow
	byHamlet map[string][]*storage.Household
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
	Head    string // the head's full name
	Address string
	Members int // 0 for a household merged into another, or all moved out
}

// NewHouseholds returns the households view of store; call Load.
func NewHouseholds(tr Tr, store *storage.Store) *Households {
	return &Households{tr: tr, store: store}
}

// Load reads every household and groups them by the hamlet named in their
// address. Households whose address names none come last, under one row.
func (v *Households) Load() error {
	hs, err := v.store.Households()
	if err != nil {
		return err
	}
	by := map[string][]*storage.Household{}
	for _, h := range hs {
		name := storage.Hamlet(h.AddressDetail)
		by[name] = append(by[name], h)
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
	if h.Name == "" {
		return v.tr.T("households.no_hamlet", h.Households)
	}
	return v.tr.T("households.hamlet", h.Name, h.Households)
}

// InHamlet returns the households of hamlet, with their heads' names.
func (v *Households) InHamlet(hamlet string) []HouseholdRow {
	v.mu.Lock()
	list := v.byHamlet[hamlet]
	v.mu.Unlock()
	rows := make([]HouseholdRow, 0, len(list))
	for _, h := range list {
		r := HouseholdRow{Number: h.Number, Address: h.AddressDetail}
		// The store does not keep Household.Head up to date (it stays
		// zero), so the head is found among the members, who come head
		// first.
		if ms, err := v.store.Members(h.Number); err == nil {
			r.Members = len(ms)
			if len(ms) > 0 && ms[0].IsHead() {
				r.Head = ms[0].FullName()
			}
		}
		rows = append(rows, r)
	}
	return rows
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
