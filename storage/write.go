package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"

	"github.com/dgraph-io/badger/v4"
)

// kv is what a write needs of a Badger transaction or write batch.
type kv interface {
	Set(k, v []byte) error
	Delete(k []byte) error
}

// recordChange is one record written by a set of operations.
type recordChange struct {
	oldP, newP *Person
	newH       *Household
}

// writeSet is everything one save or one import chunk writes.
type writeSet struct {
	ops      []*Op
	records  []recordChange
	hhNums   map[string]ID // new household numbers (folded) -> id
	ctrAfter counters      // the device counters once this set is written
}

// stage writes ws through w and adds the counter changes (keyed by counter
// key) to delta.
func stage(w kv, ws *writeSet, delta map[string]int32) error {
	for _, op := range ws.ops {
		b, err := op.MarshalBinary()
		if err != nil {
			return err
		}
		if err := w.Set(opKey(op.Seq), b); err != nil {
			return err
		}
		if err := w.Set(historyKey(op.ID, op.Seq), nil); err != nil {
			return err
		}
	}
	for _, rc := range ws.records {
		if rc.newH != nil {
			b, _ := rc.newH.MarshalBinary()
			if err := w.Set(householdKey(rc.newH.ID), b); err != nil {
				return err
			}
			continue
		}
		b, _ := rc.newP.MarshalBinary()
		if err := w.Set(personKey(rc.newP.ID), b); err != nil {
			return err
		}
		del, add := indexDiff(rc.oldP, rc.newP)
		for _, e := range del {
			if e.key != "" {
				if err := w.Delete([]byte(e.key)); err != nil {
					return err
				}
			}
			if e.count != "" {
				delta[e.count]--
			}
		}
		for _, e := range add {
			if e.key != "" {
				if err := w.Set([]byte(e.key), nil); err != nil {
					return err
				}
			}
			if e.count != "" {
				delta[e.count]++
			}
		}
	}
	nums := make([]string, 0, len(ws.hhNums))
	for n := range ws.hhNums {
		nums = append(nums, n)
	}
	sort.Strings(nums)
	for _, n := range nums {
		if err := w.Set(hhNumberKey(n), appendID(nil, ws.hhNums[n])); err != nil {
			return err
		}
	}
	return nil
}

// stageCounts writes the new counter values, reading the old ones with txn.
func stageCounts(w kv, txn *badger.Txn, delta map[string]int32) error {
	toks := make([]string, 0, len(delta))
	for t, d := range delta {
		if d != 0 {
			toks = append(toks, t)
		}
	}
	sort.Strings(toks)
	for _, t := range toks {
		k := []byte(t)
		cur, err := getUint32(txn, k)
		if err != nil {
			return err
		}
		n := int64(cur) + int64(delta[t])
		if n <= 0 {
			if err := w.Delete(k); err != nil {
				return err
			}
			continue
		}
		if err := w.Set(k, putUint32(uint32(n))); err != nil {
			return err
		}
	}
	return nil
}

func getUint32(txn *badger.Txn, k []byte) (uint32, error) {
	item, err := txn.Get(k)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var v uint32
	err = item.Value(func(b []byte) error {
		if len(b) != 4 {
			return fmt.Errorf("%w: token count of %d bytes", ErrCorrupt, len(b))
		}
		v = binary.BigEndian.Uint32(b)
		return nil
	})
	return v, err
}

// commit writes ws in one durable transaction with the counters ctr. The
// caller holds s.mu.
func (s *Store) commit(ws *writeSet, ctr counters) error {
	if s.db == nil {
		return ErrClosed
	}
	err := s.db.Update(func(txn *badger.Txn) error {
		delta := map[string]int32{}
		if err := stage(txn, ws, delta); err != nil {
			return err
		}
		if err := stageCounts(txn, txn, delta); err != nil {
			return err
		}
		return txn.Set([]byte(keyMetaCounters), ctr.bytes())
	})
	if err != nil {
		return fmt.Errorf("saving: %w", err)
	}
	s.ctr = ctr
	return nil
}

// commitBulk writes several write sets in one atomic, durable transaction
// (one fsync for all of them). If they do not fit one Badger transaction it
// returns badger.ErrTxnTooBig and writes nothing; the importer then halves
// its chunk. The caller holds s.mu.
func (s *Store) commitBulk(sets []*writeSet, ctr counters) error {
	if s.db == nil {
		return ErrClosed
	}
	err := s.db.Update(func(txn *badger.Txn) error {
		delta := map[string]int32{}
		for _, ws := range sets {
			if err := stage(txn, ws, delta); err != nil {
				return err
			}
		}
		if err := stageCounts(txn, txn, delta); err != nil {
			return err
		}
		return txn.Set([]byte(keyMetaCounters), ctr.bytes())
	})
	if err != nil {
		return err
	}
	s.ctr = ctr
	return nil
}
