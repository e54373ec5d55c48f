package storage

import (
	"errors"
	"fmt"
	"sort"

	"github.com/dgraph-io/badger/v4"
)

// Field conflicts (DESIGN.md, "Merge and conflicts"). Every change carries the version of the
// field its officer saw. A field's candidates ("heads") are the changes to
// it that no other change saw; normally there is one. Two changes made
// without seeing each other leave two heads: when their values differ the
// field is in conflict. Whenever a field has more than one head (equal
// values too: a later change that sees only one of them must not lose the
// other) they are kept under
//
//	C:<id16><field>   the heads, in version order (encodeCandidates)
//
// until a change that saw every head (a supervisor's resolution, or an
// edit made after the conflict reached the device and then resolved)
// replaces them. Heads are a set computed from the set of changes, so every
// store that holds the same operations holds the same conflicts, whatever
// the order they arrived in. Meanwhile the record shows the head with the
// greatest version (clock, then device), as it would without the conflict.

func conflictKey(id ID, f Field) []byte {
	return append(appendID([]byte(prefixConflict), id), byte(f))
}

// Candidate is one value of a field in conflict.
type Candidate struct {
	Version Version
	Value   string
	Officer string
	Seq     uint64 // the operation's sequence number on its device
	Event   Event
	Reason  string
}

// FieldConflict is a field with more than one candidate value.
type FieldConflict struct {
	ID         ID
	Field      Field
	Candidates []Candidate // in version order; the last is the value shown
}

func encodeCandidates(cs []Candidate) []byte {
	e := &enc{}
	e.uvarint(uint64(len(cs)))
	for _, c := range cs {
		e.uvarint(uint64(c.Version.HLC))
		e.str(string(c.Version.Device))
		e.str(c.Value)
		e.str(c.Officer)
		e.uvarint(c.Seq)
		e.byte1(byte(c.Event))
		e.str(c.Reason)
	}
	return e.b
}

func decodeCandidates(b []byte) ([]Candidate, error) {
	d := &dec{b: b}
	n := d.uvarint()
	if n > uint64(len(b)) {
		return nil, fmt.Errorf("%w: conflict of %d candidates in %d bytes", ErrCorrupt, n, len(b))
	}
	out := make([]Candidate, 0, n)
	for i := uint64(0); i < n && d.err == nil; i++ {
		var c Candidate
		c.Version.HLC = HLC(d.uvarint())
		c.Version.Device = DeviceID(d.str())
		c.Value = d.str()
		c.Officer = d.str()
		c.Seq = d.uvarint()
		c.Event = Event(d.byte1())
		c.Reason = d.str()
		out = append(out, c)
	}
	if d.err != nil {
		return nil, fmt.Errorf("%w: conflict record: %v", ErrCorrupt, d.err)
	}
	return out, nil
}

// history reads the operations of records: those committed, through txn,
// and those a write transaction applied since it began (extra). A district
// entry's transaction holds thousands of writes, and a Badger iterator in
// a write transaction sorts all of them each time, so ApplyOps reads
// through a read-only transaction and keeps its own operations aside.
type history struct {
	txn   *badger.Txn
	extra map[ID][]*Op
}

func (h *history) ops(id ID) ([]*Op, error) {
	ops, err := recordOps(h.txn, id)
	if err != nil {
		return nil, err
	}
	return append(ops, h.extra[id]...), nil
}

// recordOps returns every operation that changed id, this device's and
// others', as txn sees them.
func recordOps(txn *badger.Txn, id ID) ([]*Op, error) {
	ops, err := localOps(txn, id)
	if err != nil {
		return nil, err
	}
	remote, err := remoteHistory(txn, id)
	if err != nil {
		return nil, err
	}
	return append(ops, remote...), nil
}

// fieldHeads computes the heads of field f of record id from every
// operation that changed the record.
func fieldHeads(h *history, id ID, f Field) ([]Candidate, error) {
	ops, err := h.ops(id)
	if err != nil {
		return nil, err
	}
	return headsAmong(ops, f), nil
}

// headsAmong returns the heads of field f among ops: the changes to it
// that no other change saw, in version order.
func headsAmong(ops []*Op, f Field) []Candidate {
	seen := map[Version]bool{}
	var all []Candidate
	for _, op := range ops {
		if op.Kind != KindPerson {
			// A decision's change names a decision kind, not a field: it
			// is never a candidate of the person's fields.
			continue
		}
		for _, c := range op.Changes {
			if Field(c.Field) != f {
				continue
			}
			seen[c.Seen] = true
			all = append(all, Candidate{Version: op.Version(), Value: c.New, Officer: op.Officer, Seq: op.Seq, Event: op.Event, Reason: op.Reason})
		}
	}
	var heads []Candidate
	done := map[Version]bool{}
	for _, c := range all {
		if seen[c.Version] || done[c.Version] {
			continue
		}
		done[c.Version] = true
		heads = append(heads, c)
	}
	sort.Slice(heads, func(i, j int) bool { return versionLess(heads[i].Version, heads[j].Version) })
	return heads
}

// inConflict reports whether heads hold more than one value.
func inConflict(heads []Candidate) bool {
	for _, h := range heads[min(1, len(heads)):] {
		if h.Value != heads[0].Value {
			return true
		}
	}
	return false
}

// settleField recomputes field f of p from its heads and writes or
// deletes its conflict record. It is the slow path of a merge, taken when
// a change did not see the field's current version or the field is in
// conflict already.
// It returns how many heads the field has.
func settleField(txn *badger.Txn, h *history, p *Person, f Field) (int, error) {
	heads, err := fieldHeads(h, p.ID, f)
	if err != nil {
		return 0, err
	}
	if len(heads) == 0 {
		return 0, nil
	}
	top := heads[len(heads)-1]
	p.Values[f] = top.Value
	p.Versions[f] = top.Version
	k := conflictKey(p.ID, f)
	if len(heads) > 1 {
		return len(heads), txn.Set(k, encodeCandidates(heads))
	}
	return 1, deleteIf(txn, k)
}

// hasConflict reports whether field f of id has more than one head (in
// conflict, or candidates that agree).
func hasConflict(txn *badger.Txn, id ID, f Field) (bool, error) {
	_, err := txn.Get(conflictKey(id, f))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Conflicts returns every field in conflict, by record and field.
func (s *Store) Conflicts() ([]FieldConflict, error) {
	if s.db == nil {
		return nil, ErrClosed
	}
	var out []FieldConflict
	err := s.db.View(func(txn *badger.Txn) error {
		pre := []byte(prefixConflict)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: pre})
		defer it.Close()
		for it.Seek(pre); it.ValidForPrefix(pre); it.Next() {
			k := it.Item().Key()
			if len(k) != len(pre)+idKeyLen+1 {
				continue
			}
			id, _ := decodeIDKey(k[len(pre) : len(pre)+idKeyLen])
			var cs []Candidate
			if err := it.Item().Value(func(v []byte) error {
				var err error
				cs, err = decodeCandidates(v)
				return err
			}); err != nil {
				return err
			}
			if inConflict(cs) {
				out = append(out, FieldConflict{ID: id, Field: Field(k[len(k)-1]), Candidates: cs})
			}
		}
		return nil
	})
	return out, err
}

// FieldConflictOf returns the conflict on field f of id, or nil.
func (s *Store) FieldConflictOf(id ID, f Field) (*FieldConflict, error) {
	if s.db == nil {
		return nil, ErrClosed
	}
	var fc *FieldConflict
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(conflictKey(id, f))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error {
			cs, err := decodeCandidates(v)
			if err == nil && inConflict(cs) {
				fc = &FieldConflict{ID: id, Field: f, Candidates: cs}
			}
			return err
		})
	})
	return fc, err
}

// ErrNoConflict means a resolution was asked for a field that is not in
// conflict (any more: a resolution may have arrived by sync).
var ErrNoConflict = errors.New("no conflict on this field")

// Resolve decides the conflict on field f of person id: value becomes the
// field's value through one operation whose changes saw every candidate,
// so the conflict closes here and on every store the operation reaches.
// The value is canonicalised and the record validated as for an edit.
func (s *Store) Resolve(id ID, f Field, value string, o SaveOptions) (*Person, *Op, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return nil, nil, ErrClosed
	}
	old, err := s.person(id)
	if err != nil {
		return nil, nil, err
	}
	var heads []Candidate
	err = s.db.View(func(txn *badger.Txn) error {
		var err error
		heads, err = fieldHeads(&history{txn: txn}, id, f)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if !inConflict(heads) {
		return nil, nil, fmt.Errorf("%s of %s: %w", f.Label("en"), id, ErrNoConflict)
	}
	v := value
	if value != "" {
		cv, probs := canonicalValues(Values{f: value})
		if len(probs) > 0 {
			return nil, nil, probs
		}
		v = cv[f]
	}
	p := *old
	p.Values[f] = v
	// Only problems the new value brings: a record registered elsewhere
	// may lack fields (sex, ethnicity…), which must not block a decision
	// on another field.
	had := map[[2]string]bool{}
	for _, q := range ValidatePerson(old, s.today()) {
		had[[2]string{q.Field.String(), q.Code}] = true
	}
	var probs Problems
	for _, q := range ValidatePerson(&p, s.today()) {
		if !had[[2]string{q.Field.String(), q.Code}] {
			probs = append(probs, q)
		}
	}
	if len(probs) > 0 {
		return nil, nil, dedupeProblems(probs)
	}
	ctr := s.ctr
	ws := &writeSet{}
	if err := s.checkConsistency(&p, old, ws, &ctr); err != nil {
		return nil, nil, err
	}
	cs := make([]Change, 0, len(heads))
	for _, h := range heads {
		cs = append(cs, Change{Field: uint8(f), Seen: h.Version, Old: h.Value, New: v})
	}
	op := s.nextOp(&ctr, KindPerson, id, EventResolution, o.Reason, cs)
	if err := op.ApplyTo(&p); err != nil {
		return nil, nil, err
	}
	ws.ops = append([]*Op{op}, ws.ops...)
	ws.records = append([]recordChange{{oldP: old, newP: &p}}, ws.records...)
	if err := s.commit(ws, ctr); err != nil {
		return nil, nil, err
	}
	return &p, op, nil
}
