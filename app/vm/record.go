package vm

import (
	"github.com/communekit/communekit/storage"
)

// Record is what a person's page shows besides the record itself: the
// rules the record does not meet yet, in the officer's language.
type Record struct {
	Person  *storage.Person
	Missing []string
}

// OpenRecord reads person id for its page.
func OpenRecord(tr Tr, store *storage.Store, id storage.ID) (*Record, error) {
	p, err := store.Person(id)
	if err != nil {
		return nil, err
	}
	return &Record{Person: p, Missing: MissingOf(tr, p, store.WallClock())}, nil
}

// OpenPersonForm reads person id and opens its form for a correction.
func OpenPersonForm(tr Tr, store *storage.Store, id storage.ID) (*Form, error) {
	p, err := store.Person(id)
	if err != nil {
		return nil, err
	}
	return NewPersonForm(tr, store, p), nil
}

// MergeSource is a household other than number with at least two members,
// for a demonstration of a merge into number, or "" where there is none.
func MergeSource(store *storage.Store, number string) string {
	hs, err := store.LiveHouseholds()
	if err != nil {
		return ""
	}
	for _, h := range hs {
		if ms, _ := store.Members(h.Number); h.Number != number && len(ms) >= 2 {
			return h.Number
		}
	}
	return ""
}

// Who is the commune and the officer of the profile, for the overview
// before its counts are read.
func (o *Overview) Who() (commune, officer string) {
	c := o.store.Profile()
	return UnitLabel(c.Commune), c.Officer
}
