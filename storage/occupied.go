package storage

import (
	"bytes"
	"sort"

	"github.com/dgraph-io/badger/v4"

	"github.com/communekit/communekit/storage/fold"
)

// A household with no member left — merged into another, or every member
// moved away — keeps its record and its history, but is no longer a
// household: the lists and counts an officer reads leave it out.

// occupied returns the household numbers (folded, as the member lists
// key them) that have at least one member. An emptied list is deleted,
// so the member lists' keys are the occupied households; the walk reads
// keys only.
func occupied(txn *badger.Txn) (map[string]bool, error) {
	out := map[string]bool{}
	err := eachKey(txn, prefixHHMemberOf, false, func(rest []byte, _ *badger.Item) error {
		if i := bytes.IndexByte(rest, indexSep); i >= 0 {
			out[string(rest[i+1:])] = true
		}
		return nil
	})
	return out, err
}

// HasMembers reports whether h has at least one member, as occupied
// (from [Store.Occupied]) says.
func (h *Household) HasMembers(occupied map[string]bool) bool {
	return occupied[clip(fold.Fold(h.Number))]
}

// Occupied returns the numbers of the households that have at least one
// member, for [Household.HasMembers].
func (s *Store) Occupied() (map[string]bool, error) {
	if s.db == nil {
		return nil, ErrClosed
	}
	var out map[string]bool
	err := s.db.View(func(txn *badger.Txn) (err error) {
		out, err = occupied(txn)
		return err
	})
	return out, err
}

// LiveHouseholds returns the households that have at least one member, in
// number order: [Store.Households] without those emptied by a merge or by
// moves.
func (s *Store) LiveHouseholds() ([]*Household, error) {
	if s.db == nil {
		return nil, ErrClosed
	}
	var hs []*Household
	err := s.db.View(func(txn *badger.Txn) error {
		occ, err := occupied(txn)
		if err != nil {
			return err
		}
		return eachKey(txn, prefixHousehold, true, func(_ []byte, item *badger.Item) error {
			h := &Household{}
			if err := item.Value(h.UnmarshalBinary); err != nil {
				return err
			}
			if h.HasMembers(occ) {
				hs = append(hs, h)
			}
			return nil
		})
	})
	sort.Slice(hs, func(i, j int) bool { return hs[i].Number < hs[j].Number })
	return hs, err
}

// CountLiveHouseholds is how many households have at least one member:
// the count an officer reads as "households".
func (s *Store) CountLiveHouseholds() (int, error) {
	occ, err := s.Occupied()
	return len(occ), err
}
