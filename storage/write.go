package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"

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

// kvOp is one key a write set sets (or deletes).
type kvOp struct {
	k, v []byte
	del  bool
}

// countDelta is a change of one counter.
type countDelta struct {
	key string
	d   int32
}

// stage writes ws through w and adds the counter changes (keyed by counter
// key) to delta.
func stage(w kv, ws *writeSet, delta map[string]int32) error {
	ops, cnt, born, err := prepareSet(nil, nil, nil, ws)
	if err != nil {
		return err
	}
	for _, c := range cnt {
		delta[c.key] += c.d
	}
	if len(born) > 0 {
		ops = append(ops, bornRun(born))
	}
	return apply(w, ops)
}

// apply sets or deletes the keys of ops through w, in order.
func apply(w kv, ops []kvOp) error {
	for _, o := range ops {
		var err error
		if o.del {
			err = w.Delete(o.k)
		} else {
			err = w.Set(o.k, o.v)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// prepareSet appends to out the keys ws writes, in the order stage writes
// them, to cnt its counter changes, and to born the records its operations
// create (their run key is the caller's: one per transaction, born.go). It
// reads nothing, so an import prepares a chunk while the one before it is
// being written.
func prepareSet(out []kvOp, cnt []countDelta, born []bornPair, ws *writeSet) ([]kvOp, []countDelta, []bornPair, error) {
	// The records this set creates: the first operation on each made it.
	var created map[ID]bool
	for _, rc := range ws.records {
		var id ID
		switch {
		case rc.newH != nil:
			id = rc.newH.ID
		case rc.newP != nil && rc.oldP == nil:
			id = rc.newP.ID
		default:
			continue
		}
		if created == nil {
			created = make(map[ID]bool, 2)
		}
		created[id] = true
	}
	for _, op := range ws.ops {
		b, err := op.MarshalBinary()
		if err != nil {
			return nil, nil, nil, err
		}
		out = append(out, kvOp{k: opKey(op.Seq), v: b})
		if created[op.ID] {
			delete(created, op.ID)
			born = append(born, bornPair{n: op.ID.N, seq: op.Seq})
			continue
		}
		out = append(out, kvOp{k: historyKey(op.ID, op.Seq)})
	}
	for _, rc := range ws.records {
		if rc.newH != nil {
			b, _ := rc.newH.MarshalBinary()
			out = append(out, kvOp{k: householdKey(rc.newH.ID), v: b})
			continue
		}
		b, _ := rc.newP.MarshalBinary()
		out = append(out, kvOp{k: personKey(rc.newP.ID), v: b})
		out, cnt = indexWrites(out, cnt, rc.oldP, rc.newP)
	}
	nums := make([]string, 0, len(ws.hhNums))
	for n := range ws.hhNums {
		nums = append(nums, n)
	}
	sort.Strings(nums)
	for _, n := range nums {
		out = append(out, kvOp{k: hhNumberKey(n), v: appendID(nil, ws.hhNums[n])})
	}
	return out, cnt, born, nil
}

// indexWrites appends to out the index keys to delete and to set to move
// the search index from old to new (either may be nil), and to cnt the
// changes of the counters kept with them.
func indexWrites(out []kvOp, cnt []countDelta, old, new *Person) ([]kvOp, []countDelta) {
	del, add := indexDiff(old, new)
	for _, e := range del {
		if e.key != "" {
			out = append(out, kvOp{k: keyBytes(e.key), del: true})
		}
		if e.count != "" {
			cnt = append(cnt, countDelta{e.count, -1})
		}
	}
	for _, e := range add {
		if e.key != "" {
			out = append(out, kvOp{k: keyBytes(e.key), v: keyBytes(e.val)})
		}
		if e.count != "" {
			cnt = append(cnt, countDelta{e.count, 1})
		}
	}
	return out, cnt
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
	return uint32Value(item)
}

// uint32Value reads a counter's value.
func uint32Value(item *badger.Item) (uint32, error) {
	var v uint32
	err := item.Value(func(b []byte) error {
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
	err := s.update(func(txn *badger.Txn) error {
		delta := map[string]int32{}
		if err := stage(txn, ws, delta); err != nil {
			return err
		}
		if err := stageCounts(txn, txn, delta); err != nil {
			return err
		}
		// A person this save creates has no conflicts yet: no reads for it.
		records := map[ID]recordChange{}
		for _, rc := range ws.records {
			if rc.newP != nil {
				records[rc.newP.ID] = rc
			}
		}
		var edited []*Op
		for _, op := range ws.ops {
			if rc, ok := records[op.ID]; !ok || rc.oldP != nil {
				edited = append(edited, op)
			}
		}
		if err := settleLocal(txn, edited); err != nil {
			return err
		}
		for _, op := range edited {
			if rc, ok := records[op.ID]; ok && op.Kind == KindPerson {
				if err := checkPersonConflicts(txn, &history{txn: txn}, rc.newP, op, 0); err != nil {
					return err
				}
			}
		}
		// Semantic keys (semantic.go): the household member lists are
		// kept for every person, this device's own too, so that a
		// household's heads are judged on all its members whichever device
		// made them — a newborn pulled from a colleague's laptop into a
		// household imported here has the household's head beside it.
		// The ID-number and duplicate lists are kept for persons that came
		// from elsewhere; a local edit of such a person moves them and may
		// settle a conflict (this device's own persons are checked against
		// the indexes when they are saved, and by the district).
		var nums, hhs, dups []string
		sem := newLists(txn)
		for _, rc := range ws.records {
			if rc.newP == nil {
				continue
			}
			h, err := moveHouseholdMember(sem, rc.oldP, rc.newP)
			if err != nil {
				return err
			}
			hhs = append(hhs, h...)
			if rc.oldP == nil {
				continue
			}
			if v := rc.oldP.Values[FieldIDNumber]; v != "" && listHas(txn, idHolderKey(v), appendID(nil, rc.oldP.ID)) {
				n, err := moveIDHolder(sem, rc.oldP, rc.newP)
				if err != nil {
					return err
				}
				nums = append(nums, n...)
			}
			if k := dupKey(rc.oldP); k != nil && listHas(txn, k, dupEntry(rc.oldP)) {
				q, err := moveDupKey(sem, rc.oldP, rc.newP)
				if err != nil {
					return err
				}
				dups = append(dups, q...)
			}
		}
		// A supervisor's decision made here applies here at once.
		for _, op := range ws.ops {
			if op.Kind != KindDecision {
				continue
			}
			q, retired, err := applyDecision(sem, txn, op, nil)
			if err != nil {
				return err
			}
			dups = append(dups, q...)
			for _, id := range retired {
				rp, err := getPerson(txn, id)
				if err != nil {
					continue
				}
				n, h, err := retire(sem, rp)
				if err != nil {
					return err
				}
				nums, hhs = append(nums, n...), append(hhs, h...)
				unindex := map[string]int32{}
				if err := stageIndex(txn, rp, nil, unindex); err != nil {
					return err
				}
				if err := stageCounts(txn, txn, unindex); err != nil {
					return err
				}
				if ctr.Persons > 0 {
					ctr.Persons--
				}
			}
		}
		touchedIDs := map[ID]bool{}
		for _, rc := range ws.records {
			if rc.newP != nil {
				touchedIDs[rc.newP.ID] = true
			}
		}
		for _, op := range ws.ops {
			touchedIDs[op.ID] = true
			if op.Kind == KindDecision && len(op.Changes) == 1 {
				if other, err := ParseID(op.Changes[0].New); err == nil {
					touchedIDs[other] = true
				}
			}
		}
		if _, err := checkDuplicates(sem, txn, dups, touchedIDs); err != nil {
			return err
		}
		if _, err := checkSameIDNumber(sem, nums); err != nil {
			return err
		}
		if err := checkHouseholds(sem, hhs); err != nil {
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

// counterCache knows the name-token counters (x:c:) of a store while an
// import holds s.mu, so an import chunk writes its counters without reading
// them back: they are read once when the import begins.
type counterCache struct {
	known map[string]uint32
}

func (c *counterCache) prior(txn func() *badger.Txn, key string) (uint32, error) {
	if v, ok := c.known[key]; ok {
		return v, nil
	}
	if strings.HasPrefix(key, prefixTokenCount) {
		return 0, nil
	}
	return getUint32(txn(), []byte(key))
}

// values returns the counter keys changed by delta with their new values
// (deleted when zero), sorted by key, without changing the cache.
func (c *counterCache) values(db *badger.DB, delta map[string]int32) ([]kvOp, map[string]uint32, error) {
	var view *badger.Txn
	defer func() {
		if view != nil {
			view.Discard()
		}
	}()
	txn := func() *badger.Txn {
		if view == nil {
			view = db.NewTransaction(false)
		}
		return view
	}
	keys := make([]string, 0, len(delta))
	for k, d := range delta {
		if d != 0 {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	out := make([]kvOp, 0, len(keys))
	vals := make(map[string]uint32, len(keys))
	for _, k := range keys {
		cur, err := c.prior(txn, k)
		if err != nil {
			return nil, nil, err
		}
		n := int64(cur) + int64(delta[k])
		if n <= 0 {
			out = append(out, kvOp{k: []byte(k), del: true})
			vals[k] = 0
			continue
		}
		out = append(out, kvOp{k: []byte(k), v: putUint32(uint32(n))})
		vals[k] = uint32(n)
	}
	return out, vals, nil
}

// commitPrepared writes the prepared keys of an import chunk and its
// counters in one atomic, durable transaction (one fsync for the chunk).
// If they do not fit one Badger transaction it returns badger.ErrTxnTooBig
// and writes nothing; the importer then halves its chunk. The caller holds
// s.mu.
func (s *Store) commitPrepared(ops, counts []kvOp, sets []*writeSet, ctr counters) error {
	if s.db == nil {
		return ErrClosed
	}
	err := s.update(func(txn *badger.Txn) error {
		if err := apply(txn, ops); err != nil {
			return err
		}
		if err := apply(txn, counts); err != nil {
			return err
		}
		// The household member lists, as commit keeps them for every
		// person (see there).
		sem := newLists(txn)
		var hhs []string
		for _, ws := range sets {
			for _, rc := range ws.records {
				if rc.newP == nil {
					continue
				}
				if rc.oldP == nil {
					// Created by this import under an identifier never
					// used before: not merged into anyone (no read).
					sem.retired[rc.newP.ID] = false
				}
				h, err := moveHouseholdMember(sem, rc.oldP, rc.newP)
				if err != nil {
					return err
				}
				hhs = append(hhs, h...)
			}
		}
		if err := checkHouseholds(sem, hhs); err != nil {
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

// settleLocal updates the conflict record of every field in conflict that
// this device's operations change: an officer's edit made after a conflict
// arrived replaces the head it saw and stays a candidate beside the others
// until a resolution sees them all. The edit is the newest version (the
// device's clock has observed everything it pulled), so the record keeps
// the value just saved.
func settleLocal(txn *badger.Txn, ops []*Op) error {
	for _, op := range ops {
		if op.Kind != KindPerson {
			continue
		}
		for _, c := range op.Changes {
			f := Field(c.Field)
			open, err := hasConflict(txn, op.ID, f)
			if err != nil {
				return err
			}
			if !open {
				continue
			}
			p := &Person{ID: op.ID}
			if _, err := settleField(txn, &history{txn: txn}, p, f); err != nil {
				return err
			}
		}
	}
	return nil
}
