package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"

	"github.com/dgraph-io/badger/v4"

	"github.com/communekit/communekit/storage/fold"
)

// Probable duplicate persons across communes (DESIGN.md, "Merge and conflicts"), and the two
// decisions a supervisor makes about them:
//
//	Q:<folded name>\x00<birth date>   persons with that name and birth date: id16 + commune8, sorted
//	S:q:<idA16><idB16>                A and B (A < B) are probably one person
//	Dq:<idA16><idB16>                 a supervisor decided they are not
//	Mg:<retired16>                    merged: the id16 of the person kept
//	Mk:<kept16><retired16>            the persons merged into kept
//
// Two persons are probably one when they share folded name and birth date,
// live in different communes, agree on at least one of hometown, father's
// or mother's name, do not hold two different ID numbers, and no decision
// says otherwise. Like every conflict here it is derived from the set of
// operations, so every store holding the same ones agrees.
const (
	ConflictDuplicate = "duplicate"
)

// DecisionKind is what a KindDecision operation decides.
type DecisionKind uint8

// Decisions; values are part of the encoding.
const (
	DecisionDistinct DecisionKind = iota + 1 // the two are different persons
	DecisionMerge                            // the second is the first: it is retired into it
)

func (d DecisionKind) String() string {
	switch d {
	case DecisionDistinct:
		return "not_the_same_person"
	case DecisionMerge:
		return "merged_into"
	}
	return fmt.Sprintf("decision(%d)", uint8(d))
}

func dupKey(p *Person) []byte {
	name, born := p.Values[FieldFullName], p.Values[FieldBirthDate]
	if name == "" || born == "" {
		return nil
	}
	return []byte(prefixDupKey + clip(fold.Fold(name)) + "\x00" + born)
}

func pairKey(prefix string, a, b ID) []byte {
	if b.String() < a.String() {
		a, b = b, a
	}
	return appendID(appendID([]byte(prefix), a), b)
}

// dupEntry is p's entry in its Q: list: its id16 and its permanent
// address commune (8 bytes, zero-padded), so that two persons of one
// commune — never a duplicate conflict — are told apart without reading
// their records.
func dupEntry(p *Person) []byte {
	var c [8]byte
	copy(c[:], p.Values[FieldPermanentAddressCode])
	return append(appendID(nil, p.ID), c[:]...)
}

const dupEntryLen = idKeyLen + 8

// moveDupKey keeps the Q: lists of one person in step; it returns the lists
// touched.
func moveDupKey(c *lists, old, p *Person) ([]string, error) {
	var wk, ik, we, ie []byte
	if old != nil && !c.isRetired(old.ID) {
		wk, we = dupKey(old), dupEntry(old)
	}
	if !c.isRetired(p.ID) {
		ik, ie = dupKey(p), dupEntry(p)
	}
	var touched []string
	if bytes.Equal(wk, ik) && bytes.Equal(we, ie) {
		if ik != nil && dupRelevantChanged(old, p) {
			touched = append(touched, string(ik))
		}
		return touched, nil
	}
	if wk != nil {
		if err := c.edit(wk, we, false); err != nil {
			return nil, err
		}
		touched = append(touched, string(wk))
	}
	if ik != nil {
		if err := c.edit(ik, ie, true); err != nil {
			return nil, err
		}
		touched = append(touched, string(ik))
	}
	return touched, nil
}

// dupRelevantChanged reports whether a field the duplicate test reads changed.
func dupRelevantChanged(old, p *Person) bool {
	if old == nil {
		return true
	}
	for _, f := range []Field{FieldHometown, FieldFatherName, FieldMotherName, FieldIDNumber, FieldPermanentAddressCode} {
		if old.Values[f] != p.Values[f] {
			return true
		}
	}
	return false
}

func probablySame(a, b *Person) bool {
	ca, cb := a.Values[FieldPermanentAddressCode], b.Values[FieldPermanentAddressCode]
	if ca == cb {
		return false // within one commune the officers see both
	}
	return ProbablySame(a, b)
}

// ProbablySame is the test of a probable duplicate without its commune
// rule, for two persons already known to share folded full name and birth
// date: they do not hold two different ID numbers, and agree (folded) on
// at least one of hometown, father's name or mother's name. Across
// communes the store keeps such pairs as conflicts; within one commune the
// data-quality worklist (storage/report) lists them.
func ProbablySame(a, b *Person) bool {
	if ia, ib := a.Values[FieldIDNumber], b.Values[FieldIDNumber]; ia != "" && ib != "" && ia != ib {
		return false
	}
	same := func(f Field) bool {
		va, vb := a.Values[f], b.Values[f]
		return va != "" && fold.Fold(va) == fold.Fold(vb)
	}
	return same(FieldHometown) || same(FieldFatherName) || same(FieldMotherName)
}

// checkDuplicates re-derives the duplicate pairs of the persons in
// touched (those this transaction changed) within each touched Q: list;
// it returns the pairs that opened or closed. Only pairs with a touched
// person can change, and a pair in one commune (then and now) is never a
// conflict, so a large group of namesakes in one commune costs no reads.
func checkDuplicates(c *lists, txn *badger.Txn, keys []string, touched map[ID]bool) ([][]ID, error) {
	sort.Strings(keys)
	var changed [][]ID
	persons := map[ID]*Person{}
	load := func(id ID) *Person {
		p, ok := persons[id]
		if !ok {
			p, _ = getPerson(txn, id)
			persons[id] = p
		}
		return p
	}
	for i, k := range keys {
		if i > 0 && keys[i-1] == k {
			continue
		}
		now, err := c.get([]byte(k))
		if err != nil {
			return nil, err
		}
		was, err := c.before([]byte(k))
		if err != nil {
			return nil, err
		}
		type entry struct {
			id           ID
			was, now     string // communes (empty: not in that list)
			inWas, inNow bool
		}
		byID := map[ID]*entry{}
		var order []ID
		add := func(l []byte, isNow bool) {
			for i := 0; i+dupEntryLen <= len(l); i += dupEntryLen {
				id, ok := decodeIDKey(l[i : i+idKeyLen])
				if !ok {
					continue
				}
				e := byID[id]
				if e == nil {
					e = &entry{id: id}
					byID[id] = e
					order = append(order, id)
				}
				commune := trimZero(l[i+idKeyLen : i+dupEntryLen])
				if isNow {
					e.now, e.inNow = commune, true
				} else {
					e.was, e.inWas = commune, true
				}
			}
		}
		add(was, false)
		add(now, true)
		if len(order) < 2 {
			continue
		}
		sort.Slice(order, func(i, j int) bool { return order[i].String() < order[j].String() })
		for a := 0; a < len(order); a++ {
			for b := a + 1; b < len(order); b++ {
				ea, eb := byID[order[a]], byID[order[b]]
				if !touched[ea.id] && !touched[eb.id] {
					continue
				}
				// A conflict record can exist only if they were in
				// different communes before, and can be wanted only if
				// they are in different communes now.
				couldHave := ea.inWas && eb.inWas && ea.was != eb.was
				couldWant := ea.inNow && eb.inNow && ea.now != eb.now
				if !couldHave && !couldWant {
					continue
				}
				want := false
				if couldWant {
					pa, pb := load(ea.id), load(eb.id)
					want = pa != nil && pb != nil && probablySame(pa, pb) && !exists(txn, pairKey(prefixDistinct, ea.id, eb.id))
				}
				sk := pairKey(prefixSemanticDup, ea.id, eb.id)
				has := couldHave && exists(txn, sk)
				if !has && !want && !couldHave {
					continue
				}
				if !has && ea.inWas && eb.inWas {
					// Not flagged before, though in different communes:
					// look, in case an earlier transaction flagged it.
					has = exists(txn, sk)
				}
				switch {
				case want && !has:
					if err := txn.Set(sk, nil); err != nil {
						return nil, err
					}
					changed = append(changed, []ID{ea.id, eb.id})
				case !want && has:
					if err := txn.Delete(sk); err != nil {
						return nil, err
					}
					changed = append(changed, []ID{ea.id, eb.id})
				}
			}
		}
	}
	return changed, nil
}

// applyDecision applies a supervisor's decision about op.ID and the person
// its change names. It returns the Q: lists to re-check.
func applyDecision(c *lists, txn *badger.Txn, op *Op, pending map[ID]*Person) ([]string, []ID, error) {
	get := func(id ID) (*Person, error) {
		if p, ok := pending[id]; ok {
			return p, nil // changed earlier in this transaction, not yet written
		}
		return getPerson(txn, id)
	}
	if len(op.Changes) != 1 {
		return nil, nil, fmt.Errorf("%w: decision %s/%d has %d changes, want 1", ErrCorrupt, op.Device, op.Seq, len(op.Changes))
	}
	other, err := ParseID(op.Changes[0].New)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: decision %s/%d names %q: %v", ErrCorrupt, op.Device, op.Seq, op.Changes[0].New, err)
	}
	a, errA := get(op.ID)
	b, errB := get(other)
	if errA != nil && errB != nil {
		// A decision about persons this store does not hold: kept in
		// history only.
		return nil, nil, nil
	}
	var touched []string
	switch DecisionKind(op.Changes[0].Field) {
	case DecisionDistinct:
		if err := txn.Set(pairKey(prefixDistinct, op.ID, other), nil); err != nil {
			return nil, nil, err
		}
		if errA != nil || errB != nil {
			return nil, nil, nil // one of them is of another commune: nothing to re-check here
		}
	case DecisionMerge:
		// other is retired into op.ID: out of the duplicate, ID number and
		// household lists, its lookups redirected. An officer's device may
		// hold only the person retired (the one kept is of another
		// commune): it retires it all the same.
		if errB != nil || op.ID == other || c.isRetired(op.ID) {
			return nil, nil, nil
		}
		mk := appendID([]byte(prefixMerged), other)
		if c.isRetired(other) {
			// Merged already by another decision (two supervisors decided
			// offline): it is counted out once, and the earlier decision
			// by version says where it leads, whichever arrived first, so
			// every store agrees.
			item, err := txn.Get(mk)
			if err != nil {
				return nil, nil, err
			}
			v, err := item.ValueCopy(nil)
			if err != nil {
				return nil, nil, err
			}
			cur, ok := decodeIDKey(v[:min(len(v), idKeyLen)])
			held := mergeVersion(v)
			if !ok || held.IsZero() || !versionLess(op.Version(), held) {
				return nil, nil, nil
			}
			if err := deleteIf(txn, appendID(appendID([]byte(prefixMergedInto), cur), other)); err != nil {
				return nil, nil, err
			}
			if err := txn.Set(mk, mergeValue(op)); err != nil {
				return nil, nil, err
			}
			return nil, nil, txn.Set(appendID(appendID([]byte(prefixMergedInto), op.ID), other), nil)
		}
		if err := txn.Set(mk, mergeValue(op)); err != nil {
			return nil, nil, err
		}
		c.retired[other] = true
		if err := txn.Set(appendID(appendID([]byte(prefixMergedInto), op.ID), other), nil); err != nil {
			return nil, nil, err
		}
		if k := dupKey(b); k != nil {
			if err := c.edit(k, dupEntry(b), false); err != nil {
				return nil, nil, err
			}
			touched = append(touched, string(k))
		}
		if errA == nil {
			if k := dupKey(a); k != nil {
				touched = append(touched, string(k))
			}
		}
		return touched, []ID{other}, nil
	default:
		return nil, nil, fmt.Errorf("%w: decision %s/%d of unknown kind %d", ErrCorrupt, op.Device, op.Seq, op.Changes[0].Field)
	}
	if k := dupKey(a); k != nil {
		touched = append(touched, string(k))
	}
	if k := dupKey(b); k != nil {
		touched = append(touched, string(k))
	}
	return touched, nil, nil
}

// mergeValue is the Mg: value of a merge decision: the person kept, then
// the decision's version (clock, device), by which two merges of one
// person are ordered.
func mergeValue(op *Op) []byte {
	b := appendID(nil, op.ID)
	b = binary.BigEndian.AppendUint64(b, uint64(op.HLC))
	return appendDevice(b, op.Device)
}

// mergeVersion reads the decision's version from an Mg: value (zero in
// one written before it was kept).
func mergeVersion(v []byte) Version {
	if len(v) != idKeyLen+8+deviceKeyLen {
		return Version{}
	}
	return Version{HLC: HLC(binary.BigEndian.Uint64(v[idKeyLen:])), Device: DeviceID(trimZero(v[idKeyLen+8:]))}
}

// retire takes a merged person out of the lists that make conflicts.
func retire(c *lists, p *Person) (nums, hhs []string, err error) {
	self := appendID(nil, p.ID)
	if v := p.Values[FieldIDNumber]; v != "" {
		if err := c.edit(idHolderKey(v), self, false); err != nil {
			return nil, nil, err
		}
		nums = append(nums, v)
	}
	if k, e := hhMemberKey(p); k != nil {
		if err := c.edit(k, e, false); err != nil {
			return nil, nil, err
		}
		hhs = append(hhs, string(k[len(prefixHHMemberOf):]))
	}
	return nums, hhs, nil
}

// DuplicateConflict is a pair of persons that are probably one.
type DuplicateConflict struct{ A, B ID }

// Name is "duplicate:<A>+<B>".
func (d DuplicateConflict) Name() string {
	return ConflictDuplicate + ":" + d.A.String() + "+" + d.B.String()
}

// DuplicateConflicts returns the probable duplicates the store holds.
func (s *Store) DuplicateConflicts() ([]DuplicateConflict, error) {
	if s.db == nil {
		return nil, ErrClosed
	}
	var out []DuplicateConflict
	err := s.db.View(func(txn *badger.Txn) error {
		pre := []byte(prefixSemanticDup)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: pre, PrefetchValues: false})
		defer it.Close()
		for it.Seek(pre); it.ValidForPrefix(pre); it.Next() {
			k := it.Item().Key()[len(pre):]
			if len(k) != 2*idKeyLen {
				continue
			}
			a, _ := decodeIDKey(k[:idKeyLen])
			b, _ := decodeIDKey(k[idKeyLen:])
			out = append(out, DuplicateConflict{A: a, B: b})
		}
		return nil
	})
	return out, err
}

// MergedInto returns the person a retired person was merged into, or
// false.
func (s *Store) MergedInto(id ID) (ID, bool) {
	var kept ID
	ok := false
	if s.db == nil {
		return kept, false
	}
	s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(appendID([]byte(prefixMerged), id))
		if err != nil {
			return nil
		}
		return item.Value(func(v []byte) error {
			kept, ok = decodeIDKey(v[:min(len(v), idKeyLen)])
			return nil
		})
	})
	return kept, ok
}

// ErrNotDuplicate means a decision was asked about two persons that are not
// (any more) a probable duplicate.
var ErrNotDuplicate = errors.New("these two persons are not a probable duplicate")

// Decide records a supervisor's decision about the probable duplicate a
// and b: DecisionDistinct (not the same person) or DecisionMerge (b is a:
// b is retired into a, both histories kept, b's lookups redirected).
func (s *Store) Decide(a, b ID, d DecisionKind, o SaveOptions) (*Op, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return nil, ErrClosed
	}
	err := s.db.View(func(txn *badger.Txn) error {
		if !exists(txn, pairKey(prefixSemanticDup, a, b)) {
			return fmt.Errorf("%s and %s: %w", a, b, ErrNotDuplicate)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	ctr := s.ctr
	op := s.nextOp(&ctr, KindDecision, a, EventResolution, o.Reason, []Change{{Field: uint8(d), New: b.String()}})
	ws := &writeSet{ops: []*Op{op}}
	if err := s.commit(ws, ctr); err != nil {
		return nil, err
	}
	return op, nil
}
