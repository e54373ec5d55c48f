package storage

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// Named small values that other layers keep in the encrypted store: an
// installed certificate, the district's public keys, a revocation list.
// They live under "m:x:" so they never collide with the store's own.

// MaxMetaSize bounds one named value.
const MaxMetaSize = 1 << 20

// PutMeta stores v under name, durably.
func (s *Store) PutMeta(name string, v []byte) error {
	if len(v) > MaxMetaSize {
		return fmt.Errorf("value %q of %d bytes is larger than %d", name, len(v), MaxMetaSize)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return ErrClosed
	}
	return s.update(func(txn *badger.Txn) error { return txn.Set([]byte(prefixUserMeta+name), v) })
}

// GetMeta returns the value stored under name, or an error wrapping
// ErrNotFound.
func (s *Store) GetMeta(name string) ([]byte, error) {
	if s.db == nil {
		return nil, ErrClosed
	}
	var v []byte
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get([]byte(prefixUserMeta + name))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return fmt.Errorf("%s: %w", name, ErrNotFound)
		}
		if err != nil {
			return err
		}
		v, err = item.ValueCopy(nil)
		return err
	})
	return v, err
}

// ListMeta returns the names stored under a name prefix, in order.
func (s *Store) ListMeta(prefix string) ([]string, error) {
	if s.db == nil {
		return nil, ErrClosed
	}
	var names []string
	err := s.db.View(func(txn *badger.Txn) error {
		pre := []byte(prefixUserMeta + prefix)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: pre})
		defer it.Close()
		for it.Seek(pre); it.ValidForPrefix(pre); it.Next() {
			names = append(names, string(it.Item().Key()[len(prefixUserMeta):]))
		}
		return nil
	})
	return names, err
}
