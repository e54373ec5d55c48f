package storage

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/dgraph-io/badger/v4"
)

// remoteHistory returns the operations of other devices that changed id.
func remoteHistory(txn *badger.Txn, id ID) ([]*Op, error) {
	pre := appendID([]byte(prefixRemoteHistory), id)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: pre})
	defer it.Close()
	var ops []*Op
	for it.Seek(pre); it.ValidForPrefix(pre); it.Next() {
		k := it.Item().Key()
		if len(k) != len(pre)+deviceKeyLen+8 {
			continue
		}
		op, err := getOp(txn, append([]byte(prefixRemoteOp), k[len(pre):]...))
		if err != nil {
			return nil, fmt.Errorf("history of %s: %w", id, err)
		}
		ops = append(ops, op)
	}
	return ops, nil
}

// Names under m:x: that belong to one machine and are left out of the
// digest, backups' restore and comparisons between replicas.
const LocalMetaPrefix = "local/"

// isLocalKey reports whether k belongs to this machine only: the profile,
// the key layout number and names under LocalMetaPrefix. Replicas never
// compare, back up or overwrite them. The layout number is the version's,
// not the state's: nodes running two versions during an upgrade hold the
// same state.
func isLocalKey(k []byte) bool {
	return string(k) == keyMetaProfile || string(k) == keyMetaLayout || bytes.HasPrefix(k, []byte(prefixUserMeta+LocalMetaPrefix))
}

// PositionMetaPrefix names values that say how far a replica has got (a
// node's applied Raft index) rather than what it holds: they travel in
// backups but are left out of the digest, so an entry that changed
// nothing (a refused batch) leaves the digest as it was.
const PositionMetaPrefix = "position/"

// Digest is a SHA-256 over the store's replicated state: every key and
// value in key order, except the profile (each node has its own) and
// names under LocalMetaPrefix and PositionMetaPrefix. Two district nodes
// that applied the same Raft entries have equal digests.
func (s *Store) Digest() ([32]byte, error) {
	var sum [32]byte
	if s.db == nil {
		return sum, ErrClosed
	}
	h := sha256.New()
	position := []byte(prefixUserMeta + PositionMetaPrefix)
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		var n [8]byte
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			k := item.Key()
			if isLocalKey(k) || bytes.HasPrefix(k, position) {
				continue
			}
			binary.BigEndian.PutUint64(n[:], uint64(len(k)))
			h.Write(n[:])
			h.Write(k)
			if err := item.Value(func(v []byte) error {
				binary.BigEndian.PutUint64(n[:], uint64(len(v)))
				h.Write(n[:])
				h.Write(v)
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	copy(sum[:], h.Sum(nil))
	return sum, err
}

// Backup writes the store's replicated state (everything Digest covers) to
// w as a Badger backup stream. The stream is PLAINTEXT: the caller encrypts
// it (a district node seals its snapshots with age).
func (s *Store) Backup(w io.Writer) error {
	if s.db == nil {
		return ErrClosed
	}
	// No lock: the stream reads one consistent snapshot of the store
	// while writes go on (a node keeps applying during a snapshot).
	stream := s.db.NewStream()
	stream.LogPrefix = "backup"
	stream.ChooseKey = func(item *badger.Item) bool { return !isLocalKey(item.Key()) }
	_, err := stream.Backup(w, 0)
	return err
}

// Restore replaces the store's replicated state with a stream written by
// Backup, keeping this store's profile, key layout number and local names.
// It serves district nodes, whose stores keep no search index: their
// state is the same in every key layout (layout.go), so a backup made by
// another version restores as it is. Readers see the
// old state or the new, never a mix only if they hold no transaction
// across the call; a district node restores while its FSM is paused.
func (s *Store) Restore(r io.Reader) error {
	if s.db == nil {
		return ErrClosed
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	keep := map[string][]byte{}
	err := s.db.View(func(txn *badger.Txn) error {
		for _, k := range []string{keyMetaProfile, keyMetaLayout} {
			if item, err := txn.Get([]byte(k)); err == nil {
				if keep[k], err = item.ValueCopy(nil); err != nil {
					return err
				}
			}
		}
		pre := []byte(prefixUserMeta + LocalMetaPrefix)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: pre})
		defer it.Close()
		for it.Seek(pre); it.ValidForPrefix(pre); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			keep[string(it.Item().KeyCopy(nil))] = v
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := s.db.DropAll(); err != nil {
		return fmt.Errorf("restoring: emptying the store: %w", err)
	}
	if err := s.db.Load(r, 256); err != nil {
		return fmt.Errorf("restoring: %w", err)
	}
	err = s.update(func(txn *badger.Txn) error {
		for k, v := range keep {
			if err := txn.Set([]byte(k), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// The profile kept, the counters restored.
	if err := s.loadMeta(); err != nil {
		return fmt.Errorf("after restoring: %w", err)
	}
	return nil
}

// Sync flushes writes made without fsync (district nodes) to disk.
func (s *Store) Sync() error {
	if s.db == nil {
		return ErrClosed
	}
	return s.db.Sync()
}

// RecordsDigest is a SHA-256 over the person and household records and
// the household-number register, in key order, with how many persons it
// covers. Two devices of one commune that hold the same operations have
// equal digests whatever order they received them in; unlike Digest it
// leaves out what is a device's own (its operation log, outbox, history
// index and counters).
func (s *Store) RecordsDigest() (sum [32]byte, persons int, err error) {
	if s.db == nil {
		return sum, 0, ErrClosed
	}
	h := sha256.New()
	err = s.db.View(func(txn *badger.Txn) error {
		var n [8]byte
		for _, prefix := range []string{prefixPerson, prefixHousehold, prefixHHNumber} {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefix), PrefetchValues: true, PrefetchSize: 100})
			for it.Rewind(); it.Valid(); it.Next() {
				item := it.Item()
				k := item.Key()
				if prefix == prefixPerson {
					persons++
				}
				binary.BigEndian.PutUint64(n[:], uint64(len(k)))
				h.Write(n[:])
				h.Write(k)
				if err := item.Value(func(v []byte) error {
					binary.BigEndian.PutUint64(n[:], uint64(len(v)))
					h.Write(n[:])
					h.Write(v)
					return nil
				}); err != nil {
					it.Close()
					return err
				}
			}
			it.Close()
		}
		return nil
	})
	copy(sum[:], h.Sum(nil))
	return sum, persons, err
}
