package storage

import (
	"fmt"
	"strings"

	"github.com/communekit/communekit/storage/fold"
)

// PersonEdit is one person's part of an event that changes several persons
// at once: a household split or merge moves members between households and
// names their relationships to the head.
type PersonEdit struct {
	ID     ID
	Values Values // as for EditPerson: canonicalised, "" clears a field
	// Seen holds the versions of the fields as the officer saw them; an
	// edit of a field changed since then fails with ErrStale.
	Seen map[Field]Version
}

// EditPersons saves the edits of several persons as one event: one
// operation per person, all with o's event and reason, written in one
// durable transaction, so a split or merge is saved whole or not at all.
//
// Each person is validated as EditPerson validates one, and a household
// number that does not exist yet is registered at the address of the first
// person moved into it. The head rule is checked on the households as the
// edits leave them, not one person at a time: a household that loses or
// gains members, or whose head changes, must end with exactly one head (or
// no members), else nothing is saved and the Problems say which household.
// One at a time, a split that hands the old household to a new head would
// pass through a household with two heads or none; saved whole, no device
// or district ever holds that state (the district would report it as a
// household-head conflict).
func (s *Store) EditPersons(edits []PersonEdit, o SaveOptions) ([]*Person, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return nil, ErrClosed
	}
	ev := o.Event
	if ev == 0 {
		ev = EventCorrection
	}
	scope, err := s.deviceScope()
	if err != nil {
		return nil, err
	}
	ctr := s.ctr
	ws := &writeSet{}
	final := map[ID]*Person{}
	var order []*Person     // final, in the order of edits
	var households []string // numbers whose members or head change
	out := make([]*Person, 0, len(edits))
	for _, e := range edits {
		if _, twice := final[e.ID]; twice {
			return nil, fmt.Errorf("person %s is edited twice in one event", e.ID)
		}
		old, err := s.person(e.ID)
		if err != nil {
			return nil, err
		}
		p := *old
		cv, probs := canonicalValues(e.Values)
		if len(probs) > 0 {
			return nil, namedProblems(old, probs)
		}
		for f, v := range cv {
			if seen, ok := e.Seen[f]; ok && seen != old.Versions[f] {
				return nil, fmt.Errorf("%s, %s: %w", old.FullName(), f.Label("vi"), ErrStale)
			}
			p.Values[f] = v
		}
		for f, raw := range e.Values {
			if _, ok := cv[f]; !ok && f.Valid() && strings.TrimSpace(raw) == "" {
				p.Values[f] = ""
			}
		}
		final[e.ID] = &p
		order = append(order, &p)
		cs := changesFor(old, &p)
		if len(cs) == 0 {
			out = append(out, old)
			continue
		}
		if probs := ValidatePerson(&p, s.today()); len(probs) > 0 {
			return nil, namedProblems(old, dedupeProblems(probs))
		}
		if probs := checkDeviceScope(scope, old, &p, ev); len(probs) > 0 {
			return nil, namedProblems(old, probs)
		}
		// checkConsistency checks the ID number, the parents, and
		// registers a new household; its head rule looks at one person
		// against the stored records, so it is given the person without
		// the head's relationship and the rule is checked below on the
		// households as they end.
		chk := p
		chk.Values[FieldRelationshipToHead] = ""
		if err := s.checkConsistency(&chk, old, ws, &ctr); err != nil {
			return nil, err
		}
		op := s.nextOp(&ctr, KindPerson, e.ID, ev, o.Reason, cs)
		if err := op.ApplyTo(&p); err != nil {
			return nil, err
		}
		ws.ops = append(ws.ops, op)
		ws.records = append(ws.records, recordChange{oldP: old, newP: &p})
		out = append(out, &p)
		was, is := old.Values[FieldHouseholdNumber], p.Values[FieldHouseholdNumber]
		if fold.Fold(was) != fold.Fold(is) || old.IsHead() != p.IsHead() {
			households = append(households, was, is)
		}
	}
	if len(ws.ops) == 0 {
		return nil, ErrNothingChanged
	}
	if err := s.checkHeadsAfter(households, order); err != nil {
		return nil, err
	}
	if err := s.commit(ws, ctr); err != nil {
		return nil, err
	}
	return out, nil
}

// checkHeadsAfter checks that each household numbered in numbers ends with
// exactly one head or no members, its stored members replaced by their
// edited records in final.
func (s *Store) checkHeadsAfter(numbers []string, final []*Person) error {
	edited := make(map[ID]bool, len(final))
	for _, p := range final {
		edited[p.ID] = true
	}
	done := map[string]bool{}
	var probs Problems
	for _, num := range numbers {
		key := fold.Fold(num)
		if num == "" || done[key] {
			continue
		}
		done[key] = true
		stored, err := s.Members(num)
		if err != nil {
			return err
		}
		var members []*Person
		for _, m := range stored {
			if !edited[m.ID] {
				members = append(members, m)
			}
		}
		for _, p := range final {
			if fold.Fold(p.Values[FieldHouseholdNumber]) == key {
				members = append(members, p)
			}
		}
		if len(members) == 0 {
			continue
		}
		if p := CheckHouseholdHeads(members); p != nil {
			probs = append(probs, problemInHousehold(num, *p))
		}
	}
	if len(probs) > 0 {
		return probs
	}
	return nil
}

// namedProblems puts the person's name before each message: an event's
// problems may be about any of several persons.
func namedProblems(p *Person, ps Problems) Problems {
	out := make(Problems, len(ps))
	for i, q := range ps {
		out[i] = problemNamed(p.FullName(), q)
	}
	return out
}

func problemInHousehold(num string, p Problem) Problem {
	return Problem{Field: FieldRelationshipToHead, Code: p.Code, Key: "problem.in_household", Args: []any{num, p.msg()}}
}

func problemNamed(name string, q Problem) Problem {
	q.Key, q.Args = "problem.named", []any{name, q.msg()}
	return q
}
