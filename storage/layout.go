package storage

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// The key layout of a store has a number, kept under m:layout (a store
// without it has layout 1). Open brings an older store to the current
// layout before anything else reads it.
//
// Layout 2 (this version) writes about three keys fewer per person, which
// is what a bulk import pays for most:
//   - no x:k:i: counter per ID number (a save seeks x:i:<digits> instead);
//   - no x:h: key per person nor x:k:h: head counter per household: the
//     household member lists (Hm:) that every store keeps answer;
//   - hamlet and birth year in one x:a: key instead of x:t: and x:y:;
//   - the birth year as the value of the name keys, so that a search for a
//     name and a year reads nothing else.
const (
	layoutCurrent = 2

	prefixIDHoldersV1 = "x:k:i:"
	prefixHHMemberV1  = "x:h:"
	prefixHeadCountV1 = "x:k:h:"
	prefixHamletV1    = "x:t:"
	prefixBirthYearV1 = "x:y:"
)

func layoutBytes(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// layout returns the layout number of the store.
func (s *Store) layout() (uint32, error) {
	var v uint32 = 1
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get([]byte(keyMetaLayout))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return item.Value(func(b []byte) error {
			if len(b) != 4 {
				return fmt.Errorf("%w: the layout number is %d bytes long", ErrDamaged, len(b))
			}
			v = binary.BigEndian.Uint32(b)
			return nil
		})
	})
	return v, err
}

// upgradeLayout brings the store to layoutCurrent. Every step is derived
// from the records and the keys present, so a step cut short (a crash, a
// full disk) is done again from the start at the next Open; the layout
// number is written last.
func (s *Store) upgradeLayout() error {
	v, err := s.layout()
	if err != nil {
		return err
	}
	if v > layoutCurrent {
		return fmt.Errorf("%w (its key layout is %d; this version knows layouts up to %d)", ErrNewerVersion, v, layoutCurrent)
	}
	if v == layoutCurrent {
		return nil
	}
	if err := s.upgradeLayout2(); err != nil {
		return fmt.Errorf("updating the store to this version (nothing saved is lost; open the profile again to finish): %w", err)
	}
	return s.update(func(txn *badger.Txn) error {
		return txn.Set([]byte(keyMetaLayout), layoutBytes(layoutCurrent))
	})
}

// upgradeLayout2 writes the search-index keys of every indexed person as
// this layout has them (the x:a: keys, the birth year on the name keys),
// then drops the layout 1 keys.
func (s *Store) upgradeLayout2() error {
	// Indexed persons: those with name keys (every person has a name; one
	// merged into another has none and stays out of the index).
	ids := map[ID]bool{}
	err := s.db.View(func(txn *badger.Txn) error {
		return eachKey(txn, prefixName, false, func(rest []byte, _ *badger.Item) error {
			if len(rest) >= idKeyLen {
				if id, ok := decodeIDKey(rest[len(rest)-idKeyLen:]); ok {
					ids[id] = true
				}
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	// The records in key order (one pass over their tables, not a point
	// read per person), their keys written a thousand persons at a time.
	var pending []kvOp
	persons := 0
	write := func() error {
		err := s.update(func(txn *badger.Txn) error { return apply(txn, pending) })
		pending, persons = pending[:0], 0
		return err
	}
	err = s.db.View(func(txn *badger.Txn) error {
		if len(ids) == 0 {
			return nil // no search index (a district node's store)
		}
		return eachKey(txn, prefixPerson, true, func(rest []byte, item *badger.Item) error {
			if id, ok := decodeIDKey(rest); !ok || !ids[id] {
				return nil // not indexed: merged into another person
			}
			p := &Person{}
			if err := item.Value(p.UnmarshalBinary); err != nil {
				return err
			}
			for _, e := range indexEntries(p) {
				if e.key != "" {
					pending = append(pending, kvOp{k: []byte(e.key), v: keyBytes(e.val)})
				}
			}
			if persons++; persons == 1000 {
				return write()
			}
			return nil
		})
	})
	if err == nil && len(pending) > 0 {
		err = write()
	}
	if err != nil {
		return err
	}
	// DropPrefix rewrites the tables that hold the old keys without them:
	// deleting them one by one would write 420,000 tombstones at 100,000
	// persons, and compact them again later.
	var drop [][]byte
	err = s.db.View(func(txn *badger.Txn) error {
		for _, p := range []string{prefixIDHoldersV1, prefixHamletV1, prefixBirthYearV1, prefixHHMemberV1, prefixHeadCountV1} {
			err := eachKey(txn, p, false, func([]byte, *badger.Item) error {
				drop = append(drop, []byte(p))
				return errStopWalk
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || len(drop) == 0 {
		return err
	}
	if err := checkFree(s.dir, s.minFree); err != nil {
		return err
	}
	return s.db.DropPrefix(drop...)
}
