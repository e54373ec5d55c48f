package storage

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/dgraph-io/badger/v4"

	"github.com/communekit/communekit/storage/fold"
)

// Values is a set of field values keyed by field, as typed or imported;
// the store canonicalises them before saving.
type Values map[Field]string

// SaveOptions say why a change is made.
type SaveOptions struct {
	Event  Event  // EventRegister for a new record, EventCorrection for an edit when zero
	Reason string // the officer's note
	// Seen, when set, holds the versions of the fields as the officer saw
	// them when opening the form; an edit of a field changed since then on
	// this device fails with ErrStale instead of silently overwriting it.
	Seen map[Field]Version
}

// ErrStale means the record changed since the officer opened it.
var ErrStale = errors.New("the record was changed since you opened it; reopen it and apply your change again")

// ErrNothingChanged means an edit set every field to the value it had.
var ErrNothingChanged = errors.New("nothing to change: every value is already as given")

// canonicalValues canonicalises every value, collecting problems.
func canonicalValues(vals Values) (Values, Problems) {
	return canonicalValuesMemo(vals, nil)
}

// canonMemo remembers what Canonicalize (a pure function) returned for the
// values an import repeats row after row: codes, places, coded words. Names,
// ID numbers, dates and phone numbers are nearly all different, so they are
// not remembered; at most canonMemoMax results are kept.
type canonMemo struct {
	m map[canonKey]canonResult
}

type canonKey struct {
	f   Field
	raw string
}

type canonResult struct {
	v string
	p *Problem
}

const canonMemoMax = 1 << 14

func (c *canonMemo) canonicalize(f Field, raw string) (string, *Problem) {
	if c == nil || isNameField(f) || isIDNumberField(f) {
		return Canonicalize(f, raw)
	}
	switch f {
	case FieldOldIDNumber, FieldBirthDate, FieldDeathDate, FieldIDIssueDate, FieldPhone:
		return Canonicalize(f, raw)
	}
	k := canonKey{f, raw}
	if r, ok := c.m[k]; ok {
		return r.v, r.p
	}
	v, p := Canonicalize(f, raw)
	if len(c.m) < canonMemoMax {
		if c.m == nil {
			c.m = map[canonKey]canonResult{}
		}
		c.m[k] = canonResult{v, p}
	}
	return v, p
}

// canonicalValuesMemo is canonicalValues with results remembered in memo
// (which may be nil).
func canonicalValuesMemo(vals Values, memo *canonMemo) (Values, Problems) {
	out := make(Values, len(vals))
	var probs Problems
	for f, raw := range vals {
		if !f.Valid() {
			continue
		}
		v, p := memo.canonicalize(f, raw)
		if p != nil {
			probs = append(probs, *p)
			continue
		}
		out[f] = v
	}
	sortProblems(probs)
	return out, probs
}

func sortProblems(ps Problems) {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Field < ps[j].Field })
}

// prepareNew builds a new person record from values without saving it.
func (s *Store) prepareNew(id ID, vals Values, memo *canonMemo) (*Person, Problems) {
	p := &Person{ID: id}
	var probs Problems
	for f, raw := range vals {
		probs = canonicalInto(p, f, raw, memo, probs)
	}
	return s.finishNew(p, probs)
}

// prepareNewRow is prepareNew for an import row: the value of column i is
// rec[i], of field cols[i] (each field at most once), blanks trimmed.
func (s *Store) prepareNewRow(id ID, cols []Field, rec []string, memo *canonMemo) (*Person, Problems) {
	p := &Person{ID: id}
	var probs Problems
	for i, raw := range rec {
		if raw = strings.TrimSpace(raw); raw != "" {
			probs = canonicalInto(p, cols[i], raw, memo, probs)
		}
	}
	return s.finishNew(p, probs)
}

// canonicalInto sets field f of p to the canonical form of raw, or adds
// the problem with raw to probs.
func canonicalInto(p *Person, f Field, raw string, memo *canonMemo, probs Problems) Problems {
	if !f.Valid() {
		return probs
	}
	v, prob := memo.canonicalize(f, raw)
	if prob != nil {
		return append(probs, *prob)
	}
	p.Values[f] = v
	return probs
}

// finishNew gives a new person's record its defaults and runs the
// whole-record checks: every value came out of Canonicalize.
func (s *Store) finishNew(p *Person, probs Problems) (*Person, Problems) {
	if p.Values[FieldNationality] == "" {
		p.Values[FieldNationality] = "VN"
	}
	if p.Values[FieldStatus] == "" {
		p.Values[FieldStatus] = StatusLiving
	}
	sortProblems(probs)
	probs = append(probs, validateCanonical(p, probs, s.today())...)
	return p, dedupeProblems(probs)
}

func dedupeProblems(ps Problems) Problems {
	var out Problems
	seen := map[string]bool{}
	for _, p := range ps {
		k := p.Field.String() + "/" + p.Code
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, p)
	}
	sortProblems(out)
	return out
}

func changesFor(old *Person, p *Person) []Change {
	n := 0
	for f := Field(1); f < numFields; f++ {
		if old == nil && p.Values[f] != "" || old != nil && p.Values[f] != old.Values[f] {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	cs := make([]Change, 0, n)
	for f := Field(1); f < numFields; f++ {
		var ov string
		var seen Version
		if old != nil {
			ov, seen = old.Values[f], old.Versions[f]
		}
		if p.Values[f] != ov {
			cs = append(cs, Change{Field: uint8(f), Seen: seen, Old: ov, New: p.Values[f]})
		}
	}
	return cs
}

// nextOp makes the next operation of this device. The caller holds s.mu
// and passes the counters to update.
func (s *Store) nextOp(ctr *counters, kind EntityKind, id ID, ev Event, reason string, cs []Change) *Op {
	ctr.Seq++
	h := s.clock.Now()
	ctr.HLC = h
	return &Op{
		Device: s.profile.Device, Seq: ctr.Seq, HLC: h, Officer: s.profile.Officer,
		Kind: kind, ID: id, Event: ev, Reason: reason, Changes: cs,
	}
}

func (s *Store) newID(ctr *counters) ID {
	ctr.Entity++
	return ID{Origin: s.profile.Device.Tag(), N: ctr.Entity}
}

// AddPerson validates and saves a new person; the record is durable when it
// returns. Invalid values give Problems (an error) and save nothing.
func (s *Store) AddPerson(vals Values, o SaveOptions) (*Person, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ctr := s.ctr
	id := s.newID(&ctr)
	ctr.Persons++
	p, probs := s.prepareNew(id, vals, nil)
	if len(probs) > 0 {
		return nil, probs
	}
	scope, err := s.deviceScope()
	if err != nil {
		return nil, err
	}
	if probs := checkDeviceScope(scope, nil, p, o.Event); len(probs) > 0 {
		return nil, probs
	}
	if err := s.checkNotPresent(p); err != nil {
		return nil, err
	}
	ws := &writeSet{}
	if err := s.checkConsistency(p, nil, ws, &ctr); err != nil {
		return nil, err
	}
	ev := o.Event
	if ev == 0 {
		ev = EventRegister
	}
	op := s.nextOp(&ctr, KindPerson, id, ev, o.Reason, changesFor(nil, p))
	if err := op.ApplyTo(p); err != nil {
		return nil, err
	}
	ws.ops = append(ws.ops, op)
	ws.records = append(ws.records, recordChange{newP: p})
	if err := s.commit(ws, ctr); err != nil {
		return nil, err
	}
	return p, nil
}

// checkNotPresent refuses a new person the store already holds, by
// importIdentity (same folded name, birth date, sex and household, or a
// full birth date without a household): entered twice by mistake, it
// would be two records of one citizen. It reads the persons of that exact
// folded name through the name index.
func (s *Store) checkNotPresent(p *Person) error {
	key := importIdentity(p)
	if key == "" {
		return nil
	}
	name := fold.Fold(p.Values[FieldFullName])
	toks := fold.Tokens(p.Values[FieldFullName])
	if len(toks) == 0 {
		return nil
	}
	pre := nameKey(toks[0], name, ID{})
	pre = pre[:len(pre)-idKeyLen]
	return s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: pre})
		defer it.Close()
		for it.Seek(pre); it.ValidForPrefix(pre); it.Next() {
			id, ok := decodeIDKey(it.Item().Key()[len(pre):])
			if !ok {
				continue
			}
			q, err := getPerson(txn, id)
			if err != nil || importIdentity(q) != key {
				continue
			}
			return Problems{problemAlreadyPresent(id)}
		}
		return nil
	})
}

// EditPerson validates and saves changes to one person, as one operation
// that records, for each field, the version it replaced.
func (s *Store) EditPerson(id ID, vals Values, o SaveOptions) (*Person, *Op, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, err := s.person(id)
	if err != nil {
		return nil, nil, err
	}
	cv, probs := canonicalValues(vals)
	if len(probs) > 0 {
		return nil, nil, probs
	}
	p := *old
	for f, v := range cv {
		if o.Seen != nil {
			if seen, ok := o.Seen[f]; ok && seen != old.Versions[f] {
				return nil, nil, fmt.Errorf("%s: %w", f.Label("vi"), ErrStale)
			}
		}
		p.Values[f] = v
	}
	for f := range vals {
		if _, ok := cv[f]; !ok && f.Valid() && strings.TrimSpace(vals[f]) == "" {
			p.Values[f] = ""
		}
	}
	cs := changesFor(old, &p)
	if len(cs) == 0 {
		return nil, nil, ErrNothingChanged
	}
	if probs := ValidatePerson(&p, s.today()); len(probs) > 0 {
		return nil, nil, dedupeProblems(probs)
	}
	ev := o.Event
	if ev == 0 {
		ev = EventCorrection
	}
	scope, err := s.deviceScope()
	if err != nil {
		return nil, nil, err
	}
	if probs := checkDeviceScope(scope, old, &p, ev); len(probs) > 0 {
		return nil, nil, probs
	}
	ctr := s.ctr
	ws := &writeSet{}
	if err := s.checkConsistency(&p, old, ws, &ctr); err != nil {
		return nil, nil, err
	}
	op := s.nextOp(&ctr, KindPerson, id, ev, o.Reason, cs)
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

// checkConsistency enforces the rules that span records on this device:
// an ID number belongs to one person, a household has at most one head, and
// a person's household exists (it is created, at the person's address, when
// missing). It may add household operations to ws.
func (s *Store) checkConsistency(p, old *Person, ws *writeSet, ctr *counters) error {
	return s.db.View(func(txn *badger.Txn) error {
		if n := p.Values[FieldIDNumber]; n != "" && (old == nil || old.Values[FieldIDNumber] != n) {
			if other, ok := s.idHolder(txn, n, p.ID); ok {
				return Problems{problemIDTaken(n, other, whoIs(txn, other))}
			}
		}
		// Parents are older than their children: when a parent's ID number
		// names a person of this commune, their birth dates must agree.
		for _, f := range []Field{FieldFatherIDNumber, FieldMotherIDNumber} {
			n := p.Values[f]
			if n == "" || (old != nil && old.Values[f] == n && old.Values[FieldBirthDate] == p.Values[FieldBirthDate]) {
				continue
			}
			if pid, ok := s.idHolder(txn, n, p.ID); ok {
				if parent, err := getPerson(txn, pid); err == nil {
					if prob := CheckParentChild(parent, p); prob != nil {
						return Problems{*prob}
					}
				}
			}
		}
		num := p.Values[FieldHouseholdNumber]
		if num == "" {
			return nil
		}
		key := fold.Fold(num)
		if _, ok := ws.hhNums[key]; !ok {
			if _, err := txn.Get(hhNumberKey(key)); errors.Is(err, badger.ErrKeyNotFound) {
				s.stageNewHousehold(ws, ctr, p)
			} else if err != nil {
				return err
			}
		}
		if p.IsHead() {
			other, ok, err := householdHead(txn, key, p.ID)
			if err != nil {
				return err
			}
			if ok {
				return Problems{problemSecondHead(num, other, whoIs(txn, other))}
			}
		}
		return nil
	})
}

// stageNewHousehold adds a household operation creating p's household, at
// p's permanent address (or current, when p has no permanent one).
func (s *Store) stageNewHousehold(ws *writeSet, ctr *counters, p *Person) {
	code, detail := p.Values[FieldPermanentAddressCode], p.Values[FieldPermanentAddressDetail]
	if code == "" {
		code, detail = p.Values[FieldCurrentAddressCode], p.Values[FieldCurrentAddressDetail]
	}
	s.stageHousehold(ws, ctr, p.Values[FieldHouseholdNumber], code, detail, "")
}

// stageHousehold adds a household operation creating household number at
// an address.
func (s *Store) stageHousehold(ws *writeSet, ctr *counters, number, code, detail, reason string) {
	hid := s.newID(ctr)
	ctr.Households++
	h := &Household{}
	cs := []Change{{Field: uint8(HouseholdNumber), New: number}}
	if code != "" {
		cs = append(cs, Change{Field: uint8(HouseholdAddressCode), New: code})
	}
	if detail != "" {
		cs = append(cs, Change{Field: uint8(HouseholdAddressDetail), New: detail})
	}
	op := s.nextOp(ctr, KindHousehold, hid, EventRegister, reason, cs)
	_ = op.ApplyToHousehold(h)
	ws.ops = append(ws.ops, op)
	ws.records = append(ws.records, recordChange{newH: h})
	if ws.hhNums == nil {
		ws.hhNums = map[string]ID{}
	}
	ws.hhNums[fold.Fold(h.Number)] = hid
}

// idHolder returns another person holding the ID number digits (as
// current or old number). It is called in read-only transactions, where a
// prefix iterator over x:i:<digits> costs one seek per table; inside a
// write transaction an iterator would sort its pending writes.
func (s *Store) idHolder(txn *badger.Txn, digits string, self ID) (ID, bool) {
	pre := append([]byte(prefixIDNumber+clip(digits)), indexSep)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: pre})
	defer it.Close()
	for it.Seek(pre); it.ValidForPrefix(pre); it.Next() {
		if id, ok := decodeIDKey(it.Item().Key()[len(pre):]); ok && id != self {
			return id, true
		}
	}
	return ID{}, false
}

// Person returns the record with id.
func (s *Store) Person(id ID) (*Person, error) {
	if kept, ok := s.MergedInto(id); ok {
		// A person merged into another by a supervisor: the identifier
		// leads to the person kept.
		p, err := s.person(kept)
		if errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("person %s was merged by a supervisor into %s, a person of another commune: %w", id, kept, ErrNotFound)
		}
		return p, err
	}
	return s.person(id)
}

func (s *Store) person(id ID) (*Person, error) {
	if s.db == nil {
		return nil, ErrClosed
	}
	var p *Person
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		p, err = getPerson(txn, id)
		return err
	})
	return p, err
}

func getPerson(txn *badger.Txn, id ID) (*Person, error) {
	item, err := txn.Get(personKey(id))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, fmt.Errorf("person %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	p := &Person{}
	err = item.Value(p.UnmarshalBinary)
	return p, err
}

// History returns every operation that changed the record id, oldest first.
func (s *Store) History(id ID) ([]*Op, error) {
	if s.db == nil {
		return nil, ErrClosed
	}
	var ops []*Op
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		if ops, err = localOps(txn, id); err != nil {
			return err
		}
		remote, err := remoteHistory(txn, id)
		if err != nil {
			return err
		}
		ops = append(ops, remote...)
		// Both histories of a merge: those of the persons merged into id.
		mpre := appendID([]byte(prefixMergedInto), id)
		mit := txn.NewIterator(badger.IteratorOptions{Prefix: mpre})
		var retired []ID
		for mit.Seek(mpre); mit.ValidForPrefix(mpre); mit.Next() {
			if r, ok := decodeIDKey(mit.Item().Key()[len(mpre):]); ok {
				retired = append(retired, r)
			}
		}
		mit.Close()
		for _, r := range retired {
			more, err := recordOps(txn, r)
			if err != nil {
				return err
			}
			ops = append(ops, more...)
		}
		sort.SliceStable(ops, func(i, j int) bool { return versionLess(ops[i].Version(), ops[j].Version()) })
		return nil
	})
	if err == nil && len(ops) == 0 {
		if _, err := s.person(id); err != nil {
			if _, herr := s.Household(id); herr != nil {
				return nil, err
			}
		}
	}
	return ops, err
}

// Household returns the household with id. Its Head is the member whose
// relationship is head: the persons' records are the truth, so a head
// changed by an edit or a merge is never out of step with the household.
func (s *Store) Household(id ID) (*Household, error) {
	if s.db == nil {
		return nil, ErrClosed
	}
	h := &Household{}
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(householdKey(id))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return fmt.Errorf("household %s: %w", id, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if err := item.Value(h.UnmarshalBinary); err != nil {
			return err
		}
		head, ok, err := householdHead(txn, fold.Fold(h.Number), ID{})
		if ok {
			h.Head = head
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}

// HouseholdByNumber returns the household with the given number.
func (s *Store) HouseholdByNumber(number string) (*Household, error) {
	var id ID
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(hhNumberKey(fold.Fold(number)))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return fmt.Errorf("household number %q: %w", number, ErrNotFound)
		}
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error {
			var ok bool
			id, ok = decodeIDKey(v)
			if !ok {
				return fmt.Errorf("%w: household number entry", ErrCorrupt)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return s.Household(id)
}

// Members returns the persons of household number, the head first.
func (s *Store) Members(number string) ([]*Person, error) {
	var ps []*Person
	err := s.db.View(func(txn *badger.Txn) error {
		l, err := householdMembers(txn, fold.Fold(number))
		if err != nil {
			return err
		}
		var ids []ID
		eachMember(l, func(_ bool, id ID) bool { ids = append(ids, id); return true })
		for _, id := range ids {
			p, err := getPerson(txn, id)
			if err != nil {
				return err
			}
			ps = append(ps, p)
		}
		return nil
	})
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].IsHead() && !ps[j].IsHead() })
	return ps, err
}

// Households returns every household, in number order.
func (s *Store) Households() ([]*Household, error) {
	var hs []*Household
	err := s.db.View(func(txn *badger.Txn) error {
		pre := []byte(prefixHousehold)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: pre})
		defer it.Close()
		for it.Seek(pre); it.ValidForPrefix(pre); it.Next() {
			h := &Household{}
			if err := it.Item().Value(h.UnmarshalBinary); err != nil {
				return err
			}
			hs = append(hs, h)
		}
		return nil
	})
	sort.Slice(hs, func(i, j int) bool { return hs[i].Number < hs[j].Number })
	return hs, err
}

// AddHousehold registers a household with a number and an address.
func (s *Store) AddHousehold(number, addressCode, addressDetail string, o SaveOptions) (*Household, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	num, p := Canonicalize(FieldHouseholdNumber, number)
	if p != nil {
		return nil, Problems{*p}
	}
	if num == "" {
		return nil, Problems{problemHouseholdNumberRequired()}
	}
	code, p := Canonicalize(FieldPermanentAddressCode, addressCode)
	if p != nil {
		return nil, Problems{*p}
	}
	detail, p := Canonicalize(FieldPermanentAddressDetail, addressDetail)
	if p != nil {
		return nil, Problems{*p}
	}
	if _, err := s.HouseholdByNumber(num); err == nil {
		return nil, Problems{problemHouseholdExists(num)}
	}
	ctr := s.ctr
	ws := &writeSet{}
	s.stageHousehold(ws, &ctr, num, code, detail, o.Reason)
	if err := s.commit(ws, ctr); err != nil {
		return nil, err
	}
	return ws.records[0].newH, nil
}

// Counts returns how many persons and households the store holds.
func (s *Store) Counts() (persons, households int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return 0, 0, ErrClosed
	}
	return int(s.ctr.Persons), int(s.ctr.Households), nil
}

// recount counts the records by walking them, for a store made before the
// counts were kept, and saves the counts.
func (s *Store) recount() error {
	var persons, households uint64
	err := s.db.View(func(txn *badger.Txn) error {
		for _, c := range []struct {
			pre string
			n   *uint64
		}{{prefixPerson, &persons}, {prefixHousehold, &households}} {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(c.pre)})
			for it.Seek([]byte(c.pre)); it.ValidForPrefix([]byte(c.pre)); it.Next() {
				*c.n++
			}
			it.Close()
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ctr := s.ctr
	ctr.Persons, ctr.Households, ctr.Counted = persons, households, true
	if err := s.update(func(txn *badger.Txn) error { return txn.Set([]byte(keyMetaCounters), ctr.bytes()) }); err != nil {
		return err
	}
	s.ctr = ctr
	return nil
}

func problemAlreadyPresent(id ID) Problem {
	return Problem{Field: FieldFullName, Code: "already_present", Key: "problem.already_present", Args: []any{id}}
}

func problemIDTaken(n string, other ID, who who) Problem {
	return Problem{Field: FieldIDNumber, Code: "id_taken", Person: other, Key: "problem.id_taken", Args: []any{FieldIDNumber, n, who}}
}

func problemSecondHead(num string, other ID, who who) Problem {
	return Problem{Field: FieldRelationshipToHead, Code: "second_head", Person: other, Key: "problem.second_head", Args: []any{num, who}}
}

func problemHouseholdNumberRequired() Problem {
	return Problem{Field: FieldHouseholdNumber, Code: "required", Key: "problem.household_number_required"}
}

func problemHouseholdExists(num string) Problem {
	return Problem{Field: FieldHouseholdNumber, Code: "household_exists", Key: "problem.household_exists", Args: []any{num}}
}
