package storage

import (
	"errors"
	"fmt"
	"sort"

	"github.com/dgraph-io/badger/v4"
)

// Semantic conflicts (DESIGN.md §8) are found from the records, not from
// one field's changes. Each is kept under a key of its own while it holds,
// and derived only from the state the operations made, so every store with
// the same operations holds the same ones:
//
//	I:<id number>\x00<id16>   the current ID number of each person (every store)
//	S:i:<id number>           two or more persons hold the ID number: their IDs
//
// Correcting one person's ID number (or merging the two) makes it go away.
const (
	prefixIDHolder     = "I:"
	prefixSemantic     = "S:"
	prefixSemanticSame = "S:i:"
)

// Kinds of semantic conflict.
const (
	ConflictSameIDNumber = "same_id_number"
)

// SemanticConflict is a conflict between records.
type SemanticConflict struct {
	Kind    string
	Key     string // what the records share (the ID number)
	Persons []ID   // in ID order
}

// Name is how kitctl and the app name the conflict: "<kind>:<key>".
func (c SemanticConflict) Name() string { return c.Kind + ":" + c.Key }

func idHolderKey(digits string, id ID) []byte { return indexKey(prefixIDHolder, digits, id) }

// moveIDHolder keeps the I: index of one person in step and returns the
// ID numbers whose holders changed.
func moveIDHolder(txn *badger.Txn, old, p *Person) ([]string, error) {
	var was, is string
	if old != nil {
		was = old.Values[FieldIDNumber]
	}
	is = p.Values[FieldIDNumber]
	if was == is {
		return nil, nil
	}
	var touched []string
	if was != "" {
		if err := txn.Delete(idHolderKey(was, p.ID)); err != nil {
			return nil, err
		}
		touched = append(touched, was)
	}
	if is != "" {
		if err := txn.Set(idHolderKey(is, p.ID), nil); err != nil {
			return nil, err
		}
		touched = append(touched, is)
	}
	return touched, nil
}

// checkSameIDNumber writes or clears the same-ID conflict of each number.
// It returns, for each conflict that opened, changed or closed, the persons
// it concerned before and after (a district feeds them to each other's
// communes, so every supervisor concerned sees it open and close).
func checkSameIDNumber(txn *badger.Txn, numbers []string) ([][]ID, error) {
	sort.Strings(numbers)
	var grown [][]ID
	for i, digits := range numbers {
		if digits == "" || (i > 0 && numbers[i-1] == digits) {
			continue
		}
		pre := append([]byte(prefixIDHolder+clip(digits)), indexSep)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: pre})
		e := &enc{}
		var ids []ID
		for it.Seek(pre); it.ValidForPrefix(pre); it.Next() {
			k := it.Item().Key()
			if id, ok := decodeIDKey(k[len(pre):]); ok {
				e.id(id)
				ids = append(ids, id)
			}
		}
		it.Close()
		k := []byte(prefixSemanticSame + clip(digits))
		var held []byte
		if item, err := txn.Get(k); err == nil {
			if held, err = item.ValueCopy(nil); err != nil {
				return nil, err
			}
		} else if !errors.Is(err, badger.ErrKeyNotFound) {
			return nil, err
		}
		if string(held) == string(e.b) || (held == nil && len(ids) < 2) {
			continue
		}
		// The conflict opened, changed or closed: everyone it concerns,
		// before and after, hears of it.
		members := append([]ID(nil), ids...)
		d := &dec{b: held}
		for len(d.b) > 0 && d.err == nil {
			members = append(members, d.id())
		}
		sort.Slice(members, func(i, j int) bool { return members[i].String() < members[j].String() })
		members = dedupeIDs(members)
		if len(members) >= 2 {
			grown = append(grown, members)
		}
		if len(ids) >= 2 {
			if err := txn.Set(k, e.b); err != nil {
				return nil, err
			}
		} else if err := txn.Delete(k); err != nil {
			return nil, err
		}
	}
	return grown, nil
}

func dedupeIDs(s []ID) []ID {
	out := s[:0]
	for i, v := range s {
		if i == 0 || s[i-1] != v {
			out = append(out, v)
		}
	}
	return out
}

// feedEachOther feeds each person's operations to the communes of the
// others, so that the supervisors of every commune concerned see the whole
// conflict (devices skip what they hold).
func feedEachOther(txn *badger.Txn, ids []ID, ctr *counters) error {
	communes := make([]map[string]bool, len(ids))
	for i, id := range ids {
		communes[i] = map[string]bool{}
		p, err := getPerson(txn, id)
		if err != nil {
			return err
		}
		communeOf(p, communes[i])
	}
	for i, id := range ids {
		var to []string
		for j := range ids {
			if j == i {
				continue
			}
			for c := range communes[j] {
				if !communes[i][c] {
					to = append(to, c)
				}
			}
		}
		sort.Strings(to)
		to = dedupe(to)
		if len(to) == 0 {
			continue
		}
		if err := refeedRecord(txn, id, to, ctr, nil); err != nil {
			return err
		}
	}
	return nil
}

func dedupe(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || s[i-1] != v {
			out = append(out, v)
		}
	}
	return out
}

// SemanticConflicts returns the semantic conflicts the store holds.
func (s *Store) SemanticConflicts() ([]SemanticConflict, error) {
	if s.db == nil {
		return nil, ErrClosed
	}
	var out []SemanticConflict
	err := s.db.View(func(txn *badger.Txn) error {
		pre := []byte(prefixSemanticSame)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: pre})
		defer it.Close()
		for it.Seek(pre); it.ValidForPrefix(pre); it.Next() {
			c := SemanticConflict{Kind: ConflictSameIDNumber, Key: string(it.Item().Key()[len(pre):])}
			err := it.Item().Value(func(v []byte) error {
				d := &dec{b: v}
				for len(d.b) > 0 && d.err == nil {
					c.Persons = append(c.Persons, d.id())
				}
				if d.err != nil {
					return fmt.Errorf("%w: conflict %s: %v", ErrCorrupt, c.Name(), d.err)
				}
				return nil
			})
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return nil
	})
	return out, err
}
