package storage

import (
	"io"
	"log/slog"

	"github.com/dgraph-io/badger/v4"
)

// CommuneBadgerOptions are the Badger options of a commune store whose
// files are in path, encrypted under key (32 bytes, as a profile's): the
// benchmarks open Badger alone with them to measure the floor an import
// stands on.
func CommuneBadgerOptions(path string, key []byte) badger.Options {
	return communeOptions(path, key, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// EachEntry calls fn with every key of the store and its value, in key
// order; key and value are valid only during the call. The benchmarks use
// it, right after an import into a new profile, to write the same entries
// into Badger alone.
func (s *Store) EachEntry(fn func(key, value []byte) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return ErrClosed
	}
	return s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 100})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			if err := item.Value(func(v []byte) error { return fn(item.Key(), v) }); err != nil {
				return err
			}
		}
		return nil
	})
}
