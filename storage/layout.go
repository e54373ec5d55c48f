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
	keyMetaLayout = "m:layout"
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
		return fmt.Errorf("%w: the store has key layout %d; this version of communekit knows layouts up to %d: install the newer version that wrote it", ErrDamaged, v, layoutCurrent)
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

// upgradeLayout2 writes the x:a: keys and the name keys' values of every
// indexed person from its record, then deletes the layout 1 keys.
func (s *Store) upgradeLayout2() error {
	// Indexed persons: those with name keys (a person merged into another
	// has none and stays out of the index).
	ids := map[ID]bool{}
	var order []ID
	err := s.db.View(func(txn *badger.Txn) error {
		for _, prefix := range []string{prefixName, prefixHamletV1, prefixBirthYearV1} {
			pre := []byte(prefix)
			it := txn.NewIterator(badger.IteratorOptions{Prefix: pre})
			for it.Seek(pre); it.ValidForPrefix(pre); it.Next() {
				k := it.Item().Key()
				if len(k) < len(pre)+idKeyLen {
					continue
				}
				if id, ok := decodeIDKey(k[len(k)-idKeyLen:]); ok && !ids[id] {
					ids[id] = true
					order = append(order, id)
				}
			}
			it.Close()
		}
		return nil
	})
	if err != nil {
		return err
	}
	const batch = 1000
	for i := 0; i < len(order); i += batch {
		part := order[i:min(i+batch, len(order))]
		err := s.update(func(txn *badger.Txn) error {
			for _, id := range part {
				p, err := getPerson(txn, id)
				if errors.Is(err, ErrNotFound) {
					continue // an index key without a record: nothing to derive
				}
				if err != nil {
					return err
				}
				for _, e := range indexEntries(p) {
					switch {
					case e.key == "":
					case len(e.key) > len(prefixPlace) && e.key[:len(prefixPlace)] == prefixPlace:
						err = txn.Set([]byte(e.key), nil)
					case e.val != "" && len(e.key) > len(prefixName) && e.key[:len(prefixName)] == prefixName:
						err = txn.Set([]byte(e.key), []byte(e.val))
					}
					if err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return s.deletePrefixes(prefixIDHoldersV1, prefixHamletV1, prefixBirthYearV1, prefixHHMemberV1, prefixHeadCountV1)
}

// deletePrefixes deletes every key under the prefixes, in transactions of
// a bounded size.
func (s *Store) deletePrefixes(prefixes ...string) error {
	for _, prefix := range prefixes {
		pre := []byte(prefix)
		for {
			var keys [][]byte
			err := s.db.View(func(txn *badger.Txn) error {
				it := txn.NewIterator(badger.IteratorOptions{Prefix: pre})
				defer it.Close()
				for it.Seek(pre); it.ValidForPrefix(pre) && len(keys) < 5000; it.Next() {
					keys = append(keys, it.Item().KeyCopy(nil))
				}
				return nil
			})
			if err != nil {
				return err
			}
			if len(keys) == 0 {
				break
			}
			err = s.update(func(txn *badger.Txn) error {
				for _, k := range keys {
					if err := txn.Delete(k); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}
