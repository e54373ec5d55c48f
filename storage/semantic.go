package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/communekit/communekit/storage/fold"
)

// Semantic conflicts (DESIGN.md, "Merge and conflicts") are found from the records, not from
// one field's changes. Each is kept under a key of its own while it holds,
// and derived only from the state the operations made, so every store with
// the same operations holds the same ones:
//
//	I:<id number>             who holds it as current ID number: id16s, sorted
//	S:i:<id number>           two or more persons hold the ID number: their id16s
//
// Correcting one person's ID number (or merging the two) makes it go away.

// Kinds of semantic conflict. When the persons holding one ID number are
// permanent residents of different communes, the conflict is
// ConflictTwoResidences: one citizen registered as living permanently in
// two places (a move recorded as a new registration, or one number typed
// wrong). Both kinds go away the same way: correct the wrong ID number,
// merge the two records, or record the move.
const (
	ConflictSameIDNumber  = "same_id_number"
	ConflictTwoResidences = "two_permanent_residences"
)

// SemanticConflict is a conflict between records.
type SemanticConflict struct {
	Kind    string
	Key     string // what the records share (the ID number)
	Persons []ID   // in ID order
}

// Name is how kitctl and the app name the conflict: "<kind>:<key>".
func (c SemanticConflict) Name() string { return c.Kind + ":" + c.Key }

func idHolderKey(digits string) []byte { return []byte(prefixIDHolder + clip(digits)) }

// A list key holds fixed-size entries (an id16, or a tag byte and an
// id16), sorted: one point read tells who holds an ID number or who is in
// a household, so the check after each write needs no iterator (inside a
// transaction of thousands of writes, an iterator sorts them all).

func listGet(txn *badger.Txn, k []byte) ([]byte, error) {
	item, err := txn.Get(k)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return item.ValueCopy(nil)
}

// lists caches the list keys one transaction reads and writes: what each
// held before the transaction (a conflict record exists exactly when the
// list held a conflict then) and what it holds now.
type lists struct {
	txn     *badger.Txn
	held    map[string]*listHeld
	retired map[ID]bool // isRetired, read once per person per transaction
}

// listHeld is what one list key held when the transaction began and holds
// now.
type listHeld struct{ was, now []byte }

func newLists(txn *badger.Txn) *lists {
	return &lists{txn: txn, held: map[string]*listHeld{}, retired: map[ID]bool{}}
}

// isRetired reports whether id was merged into another person (Mg:).
func (c *lists) isRetired(id ID) bool {
	r, ok := c.retired[id]
	if !ok {
		r = exists(c.txn, appendID([]byte(prefixMerged), id))
		c.retired[id] = r
	}
	return r
}

func (c *lists) list(k []byte) (*listHeld, error) {
	if h, ok := c.held[string(k)]; ok {
		return h, nil
	}
	l, err := listGet(c.txn, k)
	if err != nil {
		return nil, err
	}
	h := &listHeld{was: l, now: l}
	c.held[string(k)] = h
	return h, nil
}

func (c *lists) get(k []byte) ([]byte, error) {
	h, err := c.list(k)
	if err != nil {
		return nil, err
	}
	return h.now, nil
}

// before returns what the list held when the transaction began.
func (c *lists) before(k []byte) ([]byte, error) {
	h, err := c.list(k)
	if err != nil {
		return nil, err
	}
	return h.was, nil
}

// edit adds or removes entry in the list under k.
func (c *lists) edit(k, entry []byte, add bool) error {
	h, err := c.list(k)
	if err != nil {
		return err
	}
	out := listWith(h.now, entry, add)
	h.now = out
	if len(out) == 0 {
		return deleteIf(c.txn, k)
	}
	return c.txn.Set(k, out)
}

// listWith returns l with entry added or removed.
func listWith(l, entry []byte, add bool) []byte {
	size := len(entry)
	var out []byte
	placed := false
	for i := 0; i+size <= len(l); i += size {
		e := l[i : i+size]
		c := bytes.Compare(e, entry)
		if c == 0 {
			if add {
				placed = true
				out = append(out, e...)
			}
			continue
		}
		if add && !placed && c > 0 {
			out = append(out, entry...)
			placed = true
		}
		out = append(out, e...)
	}
	if add && !placed {
		out = append(out, entry...)
	}
	return out
}

func listHas(txn *badger.Txn, k, entry []byte) bool {
	l, err := listGet(txn, k)
	if err != nil {
		return false
	}
	for i := 0; i+len(entry) <= len(l); i += len(entry) {
		if bytes.Equal(l[i:i+len(entry)], entry) {
			return true
		}
	}
	return false
}

// moveIDHolder keeps the I: lists of one person in step and returns the
// ID numbers whose holders changed.
func moveIDHolder(c *lists, old, p *Person) ([]string, error) {
	if c.isRetired(p.ID) {
		return nil, nil // merged into another person: out of the lists (retire)
	}
	var was, is string
	if old != nil {
		was = old.Values[FieldIDNumber]
	}
	is = p.Values[FieldIDNumber]
	if was == is {
		return nil, nil
	}
	self := appendID(nil, p.ID)
	var touched []string
	if was != "" {
		if err := c.edit(idHolderKey(was), self, false); err != nil {
			return nil, err
		}
		touched = append(touched, was)
	}
	if is != "" {
		if err := c.edit(idHolderKey(is), self, true); err != nil {
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
func checkSameIDNumber(c *lists, numbers []string) ([][]ID, error) {
	txn := c.txn
	sort.Strings(numbers)
	var grown [][]ID
	for i, digits := range numbers {
		if digits == "" || (i > 0 && numbers[i-1] == digits) {
			continue
		}
		k := []byte(prefixSemanticSame + clip(digits))
		was, err := c.before(idHolderKey(digits))
		if err != nil {
			return nil, err
		}
		holders, err := c.get(idHolderKey(digits))
		if err != nil {
			return nil, err
		}
		n := len(holders) / idKeyLen
		if n < 2 {
			holders = nil
		}
		if len(was)/idKeyLen < 2 && n < 2 {
			continue // the usual case: nobody else holds it, then or now
		}
		held, err := listGet(txn, k)
		if err != nil {
			return nil, err
		}
		if bytes.Equal(held, holders) {
			continue
		}
		// The conflict opened, changed or closed: everyone it concerns,
		// before and after, hears of it.
		members := idList(append(append([]byte{}, held...), holders...))
		sort.Slice(members, func(i, j int) bool { return members[i].String() < members[j].String() })
		members = dedupeSorted(members)
		if len(members) >= 2 {
			grown = append(grown, members)
		}
		if n >= 2 {
			if err := txn.Set(k, holders); err != nil {
				return nil, err
			}
		} else if err := deleteIf(txn, k); err != nil {
			return nil, err
		}
	}
	return grown, nil
}

func idList(b []byte) []ID {
	var out []ID
	for i := 0; i+idKeyLen <= len(b); i += idKeyLen {
		if id, ok := decodeIDKey(b[i : i+idKeyLen]); ok {
			out = append(out, id)
		}
	}
	return out
}

// dedupeSorted drops the repeats of a sorted slice, in place.
func dedupeSorted[T comparable](s []T) []T {
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
				if len(v)%idKeyLen != 0 {
					return fmt.Errorf("%w: conflict %s", ErrCorrupt, c.Name())
				}
				c.Persons = idList(v)
				return nil
			})
			if err != nil {
				return err
			}
			// Derived from the records at read time, so every store that
			// holds them says the same.
			residences := map[string]bool{}
			for _, id := range c.Persons {
				if p, err := getPerson(txn, id); err == nil && p.Values[FieldPermanentAddressCode] != "" {
					residences[p.Values[FieldPermanentAddressCode]] = true
				}
			}
			if len(residences) >= 2 {
				c.Kind = ConflictTwoResidences
			}
			out = append(out, c)
		}
		return nil
	})
	return out, err
}

// More semantic conflicts, per person:
//
//	S:d:<id16>   edits made after the person was recorded dead (and after
//	             the last resolution on the record): the operations, as
//	             device16 seq8 per operation
//	M:<id16>     a move out of a commune not yet matched by a move in: the
//	             move's clock (HLC, 8 bytes)
//	S:m:<id16>   such a move older than MoveInWithin by the newest clock the
//	             store has applied: the move's clock
//
// "Older" is measured against the newest operation applied (counters.Seen),
// never the wall clock, so every store decides alike.
const (
	ConflictEditAfterDeath = "edit_after_death"
	ConflictMoveNotMatched = "move_without_move_in"
)

// MoveInWithin is how long a move out may wait for its move in before it
// is flagged.
const MoveInWithin = 30 * 24 * time.Hour

func personKeyed(prefix string, id ID) []byte { return appendID([]byte(prefix), id) }

// checkPersonConflicts re-derives the per-person semantic conflicts of p after op
// (nil: a local save) changed it; at is the district's time of op (a
// node's entry; 0 elsewhere).
func checkPersonConflicts(txn *badger.Txn, h *history, p *Person, op *Op, at HLC) error {
	dead := p.Values[FieldStatus] == StatusDead
	dk := personKeyed(prefixSemanticDead, p.ID)
	if dead || (op != nil && (op.Event == EventDeath || op.Event == EventResolution)) || exists(txn, dk) {
		if err := checkDeadEdits(txn, h, p); err != nil {
			return err
		}
	}
	if op == nil {
		return nil
	}
	switch op.Event {
	case EventMoveOut:
		mk := personKeyed(prefixPendingMove, p.ID)
		if !moveMatched(h, p.ID, op.HLC) {
			v := u64b(uint64(op.HLC))
			if at != 0 {
				// A node measures the move's age from when the district
				// received it, not from the laptop's stamp.
				v = binary.BigEndian.AppendUint64(v, uint64(at))
			}
			return txn.Set(mk, v)
		}
	case EventMoveIn, EventResolution:
		// A move in (or a supervisor's decision) after the move out
		// closes it.
		mk := personKeyed(prefixPendingMove, p.ID)
		if item, err := txn.Get(mk); err == nil {
			var at uint64
			item.Value(func(v []byte) error {
				if len(v) >= 8 {
					at = beU64(v[:8])
				}
				return nil
			})
			if uint64(op.HLC) > at {
				if err := txn.Delete(mk); err != nil {
					return err
				}
				return deleteIf(txn, personKeyed(prefixSemanticMove, p.ID))
			}
		}
	}
	return nil
}

// moveMatched reports whether a move in of id later than at is held.
func moveMatched(h *history, id ID, at HLC) bool {
	ops, err := h.ops(id)
	if err != nil {
		return false
	}
	for _, o := range ops {
		if (o.Event == EventMoveIn || o.Event == EventResolution) && o.HLC > at {
			return true
		}
	}
	return false
}

// checkMoves flags the moves out older than MoveInWithin by seen. The
// pending moves are those ro (the store before txn began) holds, but for
// the persons in changed, whose M: key txn may have set or deleted: those
// are read through txn. (An iterator of txn itself would sort every write
// of the transaction — tens of thousands in a district entry — each time.)
func checkMoves(txn, ro *badger.Txn, seen HLC, changed []ID) error {
	pre := []byte(prefixPendingMove)
	type late struct {
		k  []byte
		at []byte
	}
	var flag []late
	limit := uint64(MoveInWithin.Milliseconds()) << 16
	// The value is the move's clock, and on a district node the time the
	// district received it, by which its age is measured.
	consider := func(k, v []byte) {
		var since uint64
		switch len(v) {
		case 8:
			since = beU64(v)
		case 16:
			since = beU64(v[8:])
		default:
			return
		}
		if uint64(seen) > since+limit {
			flag = append(flag, late{k: append([]byte(prefixSemanticMove), k[len(pre):]...), at: v[:8]})
		}
	}
	inTxn := make(map[string]bool, len(changed))
	var keys [][]byte
	for _, id := range changed {
		if k := personKeyed(prefixPendingMove, id); !inTxn[string(k)] {
			inTxn[string(k)] = true
			keys = append(keys, k)
		}
	}
	it := ro.NewIterator(badger.IteratorOptions{Prefix: pre})
	for it.Seek(pre); it.ValidForPrefix(pre); it.Next() {
		if inTxn[string(it.Item().Key())] {
			continue
		}
		v, err := it.Item().ValueCopy(nil)
		if err != nil {
			continue
		}
		consider(it.Item().KeyCopy(nil), v)
	}
	it.Close()
	for _, k := range keys {
		item, err := txn.Get(k)
		if errors.Is(err, badger.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		v, err := item.ValueCopy(nil)
		if err != nil {
			continue
		}
		consider(k, v)
	}
	// At most maxLateMoves new flags in one transaction (in key order,
	// the rest in the next ones): a commune's officer may move out many
	// persons at once, and their flags all falling due in one entry must
	// not make a transaction larger than a node can write.
	written := 0
	sort.Slice(flag, func(i, j int) bool { return bytes.Compare(flag[i].k, flag[j].k) < 0 })
	for _, l := range flag {
		if written == maxLateMoves {
			break
		}
		if !exists(txn, l.k) {
			if err := txn.Set(l.k, l.at); err != nil {
				return err
			}
			written++
		}
	}
	return nil
}

// maxLateMoves bounds the moves flagged late in one transaction.
const maxLateMoves = 1024

// checkDeadEdits writes or clears S:d for p.
func checkDeadEdits(txn *badger.Txn, h *history, p *Person) error {
	dk := personKeyed(prefixSemanticDead, p.ID)
	if p.Values[FieldStatus] != StatusDead {
		return deleteIf(txn, dk)
	}
	ops, err := h.ops(p.ID)
	if err != nil {
		return err
	}
	death := p.Versions[FieldStatus]
	var lastRes Version
	for _, o := range ops {
		if o.Event == EventResolution && versionLess(lastRes, o.Version()) {
			lastRes = o.Version()
		}
	}
	var bad []*Op
	for _, o := range ops {
		v := o.Version()
		if o.Event == EventDeath || o.Event == EventResolution || v == death {
			continue
		}
		if versionLess(death, v) && versionLess(lastRes, v) {
			bad = append(bad, o)
		}
	}
	if len(bad) == 0 {
		return deleteIf(txn, dk)
	}
	sort.Slice(bad, func(i, j int) bool { return versionLess(bad[i].Version(), bad[j].Version()) })
	var b []byte
	for _, o := range bad {
		b = appendDevice(b, o.Device)
		b = binary.BigEndian.AppendUint64(b, o.Seq)
	}
	return txn.Set(dk, b)
}

func exists(txn *badger.Txn, k []byte) bool {
	_, err := txn.Get(k)
	return err == nil
}

func deleteIf(txn *badger.Txn, k []byte) error {
	if _, err := txn.Get(k); err == nil {
		return txn.Delete(k)
	} else if !errors.Is(err, badger.ErrKeyNotFound) {
		return err
	}
	return nil
}

func u64b(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func beU64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// PersonConflict is a per-person semantic conflict.
type PersonConflict struct {
	Kind   string
	Person ID
	Ops    []OpRef // edit_after_death: the edits
	At     HLC     // move_without_move_in: when the move out was made
}

// OpRef names one operation.
type OpRef struct {
	Device DeviceID
	Seq    uint64
}

// PersonConflicts returns the edit-after-death and unmatched-move
// conflicts the store holds.
func (s *Store) PersonConflicts() ([]PersonConflict, error) {
	if s.db == nil {
		return nil, ErrClosed
	}
	var out []PersonConflict
	err := s.db.View(func(txn *badger.Txn) error {
		for _, k := range []struct{ pre, kind string }{{prefixSemanticDead, ConflictEditAfterDeath}, {prefixSemanticMove, ConflictMoveNotMatched}} {
			pre := []byte(k.pre)
			it := txn.NewIterator(badger.IteratorOptions{Prefix: pre})
			for it.Seek(pre); it.ValidForPrefix(pre); it.Next() {
				id, ok := decodeIDKey(it.Item().Key()[len(pre):])
				if !ok {
					continue
				}
				c := PersonConflict{Kind: k.kind, Person: id}
				v, err := it.Item().ValueCopy(nil)
				if err != nil {
					it.Close()
					return err
				}
				if k.kind == ConflictMoveNotMatched {
					c.At = HLC(beU64(v))
				} else {
					for len(v) >= deviceKeyLen+8 {
						c.Ops = append(c.Ops, OpRef{Device: DeviceID(trimZero(v[:deviceKeyLen])), Seq: binary.BigEndian.Uint64(v[deviceKeyLen:])})
						v = v[deviceKeyLen+8:]
					}
				}
				out = append(out, c)
			}
			it.Close()
		}
		return nil
	})
	return out, err
}

func trimZero(b []byte) string {
	n := len(b)
	for n > 0 && b[n-1] == 0 {
		n--
	}
	return string(b[:n])
}

// Dismiss closes a per-person conflict (edits after death, a move out with
// no move in) by a supervisor's decision: one resolution operation on the
// record that changes no value (it re-states the status the officer saw),
// so every store that receives it closes the conflict too.
func (s *Store) Dismiss(id ID, o SaveOptions) (*Op, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return nil, ErrClosed
	}
	p, err := s.person(id)
	if err != nil {
		return nil, err
	}
	ctr := s.ctr
	cs := []Change{{Field: uint8(FieldStatus), Seen: p.Versions[FieldStatus], Old: p.Values[FieldStatus], New: p.Values[FieldStatus]}}
	op := s.nextOp(&ctr, KindPerson, id, EventResolution, o.Reason, cs)
	np := *p
	if err := op.ApplyTo(&np); err != nil {
		return nil, err
	}
	ws := &writeSet{ops: []*Op{op}, records: []recordChange{{oldP: p, newP: &np}}}
	if err := s.commit(ws, ctr); err != nil {
		return nil, err
	}
	return op, nil
}

// Households (DESIGN.md, "Merge and conflicts": a household without exactly one head):
//
//	Hm:<commune>\x00<folded number>                  its members: h|m (head or not), id16; sorted
//	S:h:<commune>\x00<folded number>                 the household has members
//	                                                 and not exactly one head:
//	                                                 its members (h|m, id) in key order
//
// The commune is the member's permanent address commune: household numbers
// are unique within a commune only.
const (
	ConflictHeads = "household_heads"
)

func householdOf(p *Person) (string, bool) {
	num := p.Values[FieldHouseholdNumber]
	if num == "" {
		return "", false
	}
	return clip(p.Values[FieldPermanentAddressCode]) + "\x00" + clip(fold.Fold(num)), true
}

// hhEntry is p's entry in its household's member list: h (head) or m,
// then its id16.
func hhEntry(p *Person) []byte {
	tag := byte('m')
	if p.IsHead() {
		tag = 'h'
	}
	return appendID([]byte{tag}, p.ID)
}

func hhListKey(hh string) []byte { return []byte(prefixHHMemberOf + hh) }

// firstComponents returns the distinct first components of the keys
// prefix+<component>\x00…, in order, hopping from one to the next with one
// seek each: the communes Hm: lists are under (a commune store has one or
// two: its own, and "" for members without a permanent address), the
// hamlets of x:a: keys (tens).
func firstComponents(txn *badger.Txn, prefix string) ([]string, error) {
	pre := []byte(prefix)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: pre})
	defer it.Close()
	var out []string
	for it.Seek(pre); it.ValidForPrefix(pre); {
		rest := it.Item().Key()[len(pre):]
		i := bytes.IndexByte(rest, indexSep)
		if i < 0 {
			return nil, fmt.Errorf("%w: a %q key has no separator", ErrCorrupt, prefix)
		}
		c := string(rest[:i])
		out = append(out, c)
		// Past every key of c: its separator is the smallest byte.
		it.Seek([]byte(prefix + c + string(rune(indexSep+1))))
	}
	return out, nil
}

// eachMember calls fn with each entry of a household member list (head
// says the tag is h), until fn returns false.
func eachMember(l []byte, fn func(head bool, id ID) bool) {
	for i := 0; i+hhEntryLen <= len(l); i += hhEntryLen {
		if id, ok := decodeIDKey(l[i+1 : i+hhEntryLen]); ok && !fn(l[i] == 'h', id) {
			return
		}
	}
}

// householdMembers returns the entries (h|m, id16) of household number
// key (folded) in every commune's list: a commune store's checks and
// lists go by the number alone, as its household register (H:) does.
// Heads sort first ('h' < 'm'). It iterates, so it runs in read-only
// transactions.
func householdMembers(txn *badger.Txn, key string) ([]byte, error) {
	communes, err := firstComponents(txn, prefixHHMemberOf)
	if err != nil {
		return nil, err
	}
	var out []byte
	for _, c := range communes {
		l, err := listGet(txn, hhListKey(c+"\x00"+clip(key)))
		if err != nil {
			return nil, err
		}
		out = append(out, l...)
	}
	return out, nil
}

// householdHead returns a head of household number key (folded) other
// than self.
func householdHead(txn *badger.Txn, key string, self ID) (ID, bool, error) {
	l, err := householdMembers(txn, key)
	if err != nil {
		return ID{}, false, err
	}
	var head ID
	found := false
	eachMember(l, func(h bool, id ID) bool {
		if h && id != self {
			head, found = id, true
		}
		return !found
	})
	return head, found, nil
}

// hhEntryLen is the size of one household list entry: tag and id16.
const hhEntryLen = 1 + idKeyLen

// hhMemberKey is the list key of p's household and p's entry in it (nil
// when p has no household number).
func hhMemberKey(p *Person) (k, entry []byte) {
	hh, ok := householdOf(p)
	if !ok {
		return nil, nil
	}
	return hhListKey(hh), hhEntry(p)
}

// moveHouseholdMember keeps the Hm: lists of one person in step and
// returns the households whose members changed.
func moveHouseholdMember(c *lists, old, p *Person) ([]string, error) {
	if c.isRetired(p.ID) {
		return nil, nil // merged into another person: out of the lists (retire)
	}
	var wk, we []byte
	if old != nil {
		wk, we = hhMemberKey(old)
	}
	ik, ie := hhMemberKey(p)
	if bytes.Equal(wk, ik) && bytes.Equal(we, ie) {
		return nil, nil
	}
	var touched []string
	if wk != nil {
		if err := c.edit(wk, we, false); err != nil {
			return nil, err
		}
		touched = append(touched, string(wk[len(prefixHHMemberOf):]))
	}
	if ik != nil {
		if err := c.edit(ik, ie, true); err != nil {
			return nil, err
		}
		touched = append(touched, string(ik[len(prefixHHMemberOf):]))
	}
	return touched, nil
}

// checkHouseholds writes or clears the heads conflict of each household.
func checkHouseholds(c *lists, hhs []string) error {
	sort.Strings(hhs)
	for i, hh := range hhs {
		if i > 0 && hhs[i-1] == hh {
			continue
		}
		was, err := c.before(hhListKey(hh))
		if err != nil {
			return err
		}
		list, err := c.get(hhListKey(hh))
		if err != nil {
			return err
		}
		k := []byte(prefixSemanticHeads + hh)
		if badHeads(list) {
			if err := c.txn.Set(k, list); err != nil {
				return err
			}
			continue
		}
		if badHeads(was) {
			if err := deleteIf(c.txn, k); err != nil {
				return err
			}
		}
	}
	return nil
}

// badHeads reports whether a household's member list has members and not
// exactly one head.
func badHeads(list []byte) bool {
	members, heads := 0, 0
	for i := 0; i+hhEntryLen <= len(list); i += hhEntryLen {
		members++
		if list[i] == 'h' {
			heads++
		}
	}
	return members > 0 && heads != 1
}

// HouseholdConflict is a household without exactly one head.
type HouseholdConflict struct {
	Commune string
	Number  string // folded
	Heads   []ID
	Members []ID // the other members
}

// HouseholdConflicts returns the households without exactly one head.
func (s *Store) HouseholdConflicts() ([]HouseholdConflict, error) {
	if s.db == nil {
		return nil, ErrClosed
	}
	// A household of another commune is judged by the devices of that
	// commune: this one holds only the members who came its way.
	scope, err := s.Scope()
	if err != nil {
		return nil, err
	}
	var out []HouseholdConflict
	err = s.db.View(func(txn *badger.Txn) error {
		pre := []byte(prefixSemanticHeads)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: pre})
		defer it.Close()
		for it.Seek(pre); it.ValidForPrefix(pre); it.Next() {
			parts := bytes.SplitN(it.Item().Key()[len(pre):], []byte{indexSep}, 2)
			if len(parts) != 2 {
				continue
			}
			c := HouseholdConflict{Commune: string(parts[0]), Number: string(parts[1])}
			if !inScope(scope, c.Commune) {
				continue
			}
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			for len(v) >= 1+idKeyLen {
				id, _ := decodeIDKey(v[1 : 1+idKeyLen])
				if v[0] == 'h' {
					c.Heads = append(c.Heads, id)
				} else {
					c.Members = append(c.Members, id)
				}
				v = v[1+idKeyLen:]
			}
			out = append(out, c)
		}
		return nil
	})
	return out, err
}

// ConflictSet is every open conflict a store holds, by kind.
type ConflictSet struct {
	Field      []FieldConflict
	SameID     []SemanticConflict
	Duplicates []DuplicateConflict
	Persons    []PersonConflict
	Households []HouseholdConflict
	// Notices are this device's persons in a conflict with a person of
	// another commune, which a supervisor of both decides (notice.go).
	Notices []ConflictNotice
}

// Len counts the conflicts of every kind.
func (c *ConflictSet) Len() int {
	return len(c.Field) + len(c.SameID) + len(c.Duplicates) + len(c.Persons) + len(c.Households) + len(c.Notices)
}

// AllConflicts reads every open conflict of every kind: what a supervisor's
// queue (kitctl conflicts list, the app) shows.
func (s *Store) AllConflicts() (*ConflictSet, error) {
	var c ConflictSet
	var err error
	if c.Field, err = s.Conflicts(); err != nil {
		return nil, err
	}
	if c.SameID, err = s.SemanticConflicts(); err != nil {
		return nil, err
	}
	if c.Duplicates, err = s.DuplicateConflicts(); err != nil {
		return nil, err
	}
	if c.Persons, err = s.PersonConflicts(); err != nil {
		return nil, err
	}
	if c.Households, err = s.HouseholdConflicts(); err != nil {
		return nil, err
	}
	if c.Notices, err = s.ConflictNotices(&c); err != nil {
		return nil, err
	}
	return &c, nil
}

// OpenConflicts counts every open conflict the store holds, of all kinds:
// what the overview shows a supervisor.
func (s *Store) OpenConflicts() (int, error) {
	c, err := s.AllConflicts()
	if err != nil {
		return 0, err
	}
	return c.Len(), nil
}
