package storage

import (
	"errors"
	"fmt"
	"sort"

	"github.com/dgraph-io/badger/v4"

	"github.com/communekit/communekit/storage/fold"
)

// ErrInvalidOp wraps what applying an operation found wrong with the
// operation itself (not with the disk): a district node refuses the batch
// that carried it, on every node alike, and applies the others.
var ErrInvalidOp = errors.New("operation cannot be applied")

// Apply is one transaction applying operations made on other devices:
// a district node applies the batches of one Raft entry through one
// Apply, checking each batch before it changes anything (Batch), then
// writes the entry's index with them (Commit). It holds the store's write
// lock until Commit or Discard.
//
// After Batch returns an error the transaction is spoiled: Discard it. An
// error wrapping badger.ErrTxnTooBig means the batches so far are more
// than one transaction holds; one wrapping ErrInvalidOp names an
// operation that cannot be applied; any other is the disk's.
type Apply struct {
	a      *applier
	s      *Store
	ro     *badger.Txn
	txn    *badger.Txn
	closed bool
}

// BeginApply starts a transaction that applies operations from elsewhere.
func (s *Store) BeginApply(o ApplyOptions) (*Apply, error) {
	s.mu.Lock()
	if s.db == nil {
		s.mu.Unlock()
		return nil, ErrClosed
	}
	for k, v := range o.Meta {
		if len(v) > MaxMetaSize {
			s.mu.Unlock()
			return nil, fmt.Errorf("value %q of %d bytes is larger than %d", k, len(v), MaxMetaSize)
		}
	}
	if err := checkFree(s.dir, s.minFree); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	// Reads of whole histories go through this snapshot of the store as
	// it was before the transaction, plus the operations applied in it.
	ro := s.db.NewTransaction(false)
	txn := s.db.NewTransaction(true)
	return &Apply{s: s, ro: ro, txn: txn, a: newApplier(s, txn, ro, o, s.ctr)}, nil
}

// Batch checks ops, a batch signed by snd whose last accepted operation
// before it was number after, and applies them unless a check refuses one:
// then it applies none and returns every refusal. A nil snd applies
// without checks (a device applying what its district sent). An error
// wrapping ErrInvalidOp comes with the refusal of the operation that
// caused it.
func (ap *Apply) Batch(snd *Sender, after uint64, ops []*Op) (refused []OpRefusal, err error) {
	if ap.closed {
		return nil, ErrClosed
	}
	a := ap.a
	var cur *Op // the operation being checked or applied
	defer func() {
		// A check this version lacks must not stop a district: what the
		// operations make the code do is the batch's fault, on every node
		// alike.
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrInvalidOp, r)
			refused = applyRefusal(cur, ops, err)
		}
	}()
	if snd != nil && !a.o.NoChecks {
		if refused, err = a.checkBatch(snd, after, ops); err != nil || len(refused) > 0 {
			return refused, err
		}
	}
	for _, op := range ops {
		cur = op
		if err := a.applyOp(op, snd); err != nil {
			if errors.Is(err, ErrInvalidOp) {
				return applyRefusal(op, ops, err), err
			}
			return nil, err
		}
	}
	return nil, nil
}

// applyRefusal is the refusal of op (nil: the batch's first) that made
// applying fail with err.
func applyRefusal(op *Op, ops []*Op, err error) []OpRefusal {
	if op == nil {
		if len(ops) == 0 {
			return nil
		}
		op = ops[0]
	}
	return []OpRefusal{*refuse(op, RefusedInvalid, RuleApply, "operation %d could not be applied (%v): the district lacks a check for it", op.Seq, err)}
}

// Commit writes what the batches did in one transaction, with the named
// values meta (when not nil, in place of the options' Meta).
func (ap *Apply) Commit(meta map[string][]byte) (ApplyResult, error) {
	if ap.closed {
		return ApplyResult{}, ErrClosed
	}
	defer ap.Discard()
	if meta != nil {
		for k, v := range meta {
			if len(v) > MaxMetaSize {
				return ApplyResult{}, fmt.Errorf("value %q of %d bytes is larger than %d", k, len(v), MaxMetaSize)
			}
		}
		ap.a.o.Meta = meta
	}
	if err := ap.a.finish(); err != nil {
		return ApplyResult{}, fmt.Errorf("applying operations: %w", err)
	}
	if err := ap.txn.Commit(); err != nil {
		return ApplyResult{}, fmt.Errorf("applying operations: %w", err)
	}
	ap.s.writes.Add(1)
	a := ap.a
	ap.s.ctr = a.ctr
	if a.o.ObserveClock && ap.s.clock != nil {
		ap.s.clock.Observe(a.ctr.HLC)
	}
	return a.res, nil
}

// Discard drops what the transaction did (nothing once committed) and
// releases the store.
func (ap *Apply) Discard() {
	if ap.closed {
		return
	}
	ap.closed = true
	ap.txn.Discard()
	ap.ro.Discard()
	ap.s.mu.Unlock()
}

// touched is a person record as the transaction found it (nil: new) and
// as it leaves it.
type touched struct {
	old *Person
}

// applier is the state of one Apply: the records it changed (written at
// finish), the lists and conflicts to re-derive, the counters.
type applier struct {
	s    *Store
	o    ApplyOptions
	txn  *badger.Txn
	ro   *badger.Txn
	res  ApplyResult
	ctr  counters
	hist *history

	persons    map[ID]*Person
	households map[ID]*Household
	order      []ID
	changed    map[ID]*touched
	// loaded caches records the checks read (nil: absent), so that
	// applying them reads each once.
	loaded   map[ID]*Person
	loadedHH map[ID]*Household
	seenOp   map[OpRef]bool
	delta    map[string]int32
	// fresh: persons this transaction creates: no conflict record of
	// theirs exists but those it writes (multi), so no read is needed.
	fresh      map[ID]bool
	multi      map[fieldKey]bool
	sem        *lists
	touchedIDs map[ID]bool
	// rc are the communes of record of records without an address
	// (Rc: keys) this transaction writes.
	rc map[ID][]string

	communes    communeSet // those the current op concerns
	entered     []string   // communes the current op's record just moved into
	idNumbers   []string   // ID numbers whose holders changed
	hhTouched   []string   // households whose members changed
	moved       []ID       // persons whose pending move out (M:) this call may change
	dupTouched  []string   // Q: lists whose persons or their details changed
	validDevice DeviceID   // the last device checked: a batch's operations share one
	memo        valueMemo
}

// newApplier starts an applier from the counters ctr (the store's, read
// under s.mu; the checks alone need none).
func newApplier(s *Store, txn, ro *badger.Txn, o ApplyOptions, ctr counters) *applier {
	// Maps sized for an entry of new persons, the usual case: an entry of
	// thousands of operations otherwise rehashes each of them a dozen
	// times.
	n := o.SizeHint
	return &applier{
		s: s, o: o, txn: txn, ro: ro, ctr: ctr,
		hist:       &history{txn: ro, extra: make(map[ID][]*Op, n)},
		persons:    make(map[ID]*Person, n),
		households: map[ID]*Household{},
		changed:    make(map[ID]*touched, n),
		loaded:     map[ID]*Person{},
		loadedHH:   map[ID]*Household{},
		seenOp:     make(map[OpRef]bool, n),
		delta:      map[string]int32{},
		fresh:      make(map[ID]bool, n),
		multi:      map[fieldKey]bool{},
		sem:        newLists(txn),
		touchedIDs: make(map[ID]bool, n),
		rc:         map[ID][]string{},
	}
}

// person returns the record of id as the transaction holds it now, or
// nil.
func (a *applier) person(id ID) (*Person, error) {
	if p, ok := a.persons[id]; ok {
		return p, nil
	}
	if p, ok := a.loaded[id]; ok {
		return p, nil
	}
	p, err := personIn(a.txn, id)
	if err != nil {
		return nil, err
	}
	a.loaded[id] = p
	return p, nil
}

// household returns the household id as the transaction holds it now, or
// nil.
func (a *applier) household(id ID) (*Household, error) {
	if h, ok := a.households[id]; ok {
		return h, nil
	}
	if h, ok := a.loadedHH[id]; ok {
		return h, nil
	}
	item, err := a.txn.Get(householdKey(id))
	var h *Household
	switch {
	case errors.Is(err, badger.ErrKeyNotFound):
	case err != nil:
		return nil, err
	default:
		h = &Household{}
		if err := item.Value(h.UnmarshalBinary); err != nil {
			return nil, err
		}
	}
	a.loadedHH[id] = h
	return h, nil
}

// applyOp applies one operation (snd: its checked sender, or nil).
func (a *applier) applyOp(op *Op, snd *Sender) error {
	txn, ctr := a.txn, &a.ctr
	if op.Device != a.validDevice {
		if !op.Device.Valid() {
			return fmt.Errorf("%w: %w: operation without a valid device and sequence number", ErrInvalidOp, ErrCorrupt)
		}
		a.validDevice = op.Device
	}
	if op.Seq == 0 {
		return fmt.Errorf("%w: %w: operation without a valid device and sequence number", ErrInvalidOp, ErrCorrupt)
	}
	k := OpRef{Device: op.Device, Seq: op.Seq}
	if a.seenOp[k] {
		a.res.Skipped++
		return nil
	}
	a.seenOp[k] = true
	rk := remoteOpKey(op.Device, op.Seq)
	if !a.o.Fresh {
		if _, err := txn.Get(rk); err == nil {
			a.res.Skipped++
			return nil
		} else if !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
	}
	if op.Device == a.s.profile.Device {
		// Our own operation coming back: we hold it in o:.
		a.res.Skipped++
		return nil
	}
	a.communes = a.communes[:0]
	var err error
	switch op.Kind {
	case KindPerson:
		err = a.applyPerson(op, snd, rk)
	case KindHousehold:
		err = a.applyHousehold(op, snd, rk)
	case KindDecision:
		err = a.applyDecisionOp(op, rk)
	case KindNotice:
		// Never fed, nor observed as a clock.
		return a.applyNoticeOp(op, snd, rk)
	default:
		return fmt.Errorf("%w: %w: operation %s/%d changes a %s", ErrInvalidOp, ErrCorrupt, op.Device, op.Seq, op.Kind)
	}
	if err != nil {
		return err
	}
	if a.o.Feed {
		if err := a.feedOp(op, snd, rk); err != nil {
			return err
		}
	}
	a.entered = a.entered[:0]
	if op.HLC > ctr.Seen {
		ctr.Seen = op.HLC
	}
	if a.o.ObserveClock {
		h := op.HLC
		if a.o.ClockLimit != 0 && h > a.o.ClockLimit {
			h = a.o.ClockLimit
		}
		if h > ctr.HLC {
			ctr.HLC = h
		}
	}
	a.res.Applied++
	return nil
}

// applyPerson merges a person's operation into the record, the
// conflicts it makes, and the communes it enters.
func (a *applier) applyPerson(op *Op, snd *Sender, rk []byte) error {
	txn, ctr := a.txn, &a.ctr
	var before []string // the record's communes of record before op (snd only)
	p, ok := a.persons[op.ID]
	if !ok {
		cur, err := a.person(op.ID)
		switch {
		case err != nil:
			return err
		case cur == nil:
			p = &Person{ID: op.ID}
			ctr.Persons++
			a.changed[op.ID] = &touched{}
			a.fresh[op.ID] = true
			// Only a person the store holds can have been
			// merged into another (Mg:), unless this call
			// merges it (applyDecision records that).
			if _, ok := a.sem.retired[op.ID]; !ok {
				a.sem.retired[op.ID] = false
			}
		default:
			p = cur
			old := *cur
			a.changed[op.ID] = &touched{old: &old}
		}
		a.persons[op.ID] = p
		a.order = append(a.order, op.ID)
	}
	if snd != nil {
		before = personCommunes(p)
	}
	communeOf(p, &a.communes)
	nb := len(a.communes) // communes[:nb] are the record's before op
	existed := !p.Versions[FieldFullName].IsZero()
	// The op's own keys first: settling a field reads the record's
	// operations, this one included.
	if err := putRemote(txn, op, rk); err != nil {
		return err
	}
	a.touchedIDs[op.ID] = true
	a.hist.extra[op.ID] = append(a.hist.extra[op.ID], op)
	if err := mergePerson(txn, a.hist, op, p, a.fresh[op.ID], a.multi); err != nil {
		return err
	}
	// A person this call creates has no per-person conflict unless it
	// is recorded dead and edited, or moves out.
	newcomer := a.fresh[op.ID] && (p.Values[FieldStatus] != StatusDead || op.Event == EventRegister) && op.Event != EventMoveOut
	if !newcomer {
		if err := checkPersonConflicts(txn, a.hist, p, op, a.o.Time); err != nil {
			return err
		}
	}
	if op.Event == EventMoveOut || op.Event == EventMoveIn || op.Event == EventResolution {
		a.moved = append(a.moved, op.ID)
	}
	communeOf(p, &a.communes)
	if existed {
		a.entered = append(a.entered, a.communes[nb:]...)
	}
	if snd != nil {
		if err := a.keepCommunesOfRecord(op.ID, before, personCommunes(p), snd); err != nil {
			return err
		}
	}
	return nil
}

// applyHousehold merges a household's operation into the household.
func (a *applier) applyHousehold(op *Op, snd *Sender, rk []byte) error {
	txn, ctr := a.txn, &a.ctr
	var before []string // the household's communes of record before op (snd only)
	h, ok := a.households[op.ID]
	if !ok {
		cur, err := a.household(op.ID)
		if err != nil {
			return err
		}
		if cur == nil {
			cur = &Household{ID: op.ID}
			ctr.Households++
		} else {
			cp := *cur
			cur = &cp
		}
		h = cur
		a.households[op.ID] = h
		a.order = append(a.order, op.ID)
	}
	if snd != nil {
		before = householdCommunes(h)
	}
	a.communes.add(h.AddressCode)
	if err := mergeInto(op, h.Versions[:], func(f uint8, v string) error {
		if f < 1 || f >= uint8(numHouseholdFields) {
			return fmt.Errorf("%w: operation %s/%d: unknown household field %d", ErrInvalidOp, op.Device, op.Seq, f)
		}
		if err := h.set(HouseholdField(f), v); err != nil {
			return fmt.Errorf("%w: operation %s/%d: %v", ErrInvalidOp, op.Device, op.Seq, err)
		}
		return nil
	}); err != nil {
		return err
	}
	a.communes.add(h.AddressCode)
	if err := putRemote(txn, op, rk); err != nil {
		return err
	}
	a.hist.extra[op.ID] = append(a.hist.extra[op.ID], op)
	if snd != nil {
		if err := a.keepCommunesOfRecord(op.ID, before, householdCommunes(h), snd); err != nil {
			return err
		}
	}
	return nil
}

// applyDecisionOp applies a supervisor's decision about two persons:
// the pair is distinct, or one is merged into the other and retired.
func (a *applier) applyDecisionOp(op *Op, rk []byte) error {
	txn, ctr := a.txn, &a.ctr
	if err := putRemote(txn, op, rk); err != nil {
		return err
	}
	a.hist.extra[op.ID] = append(a.hist.extra[op.ID], op)
	a.touchedIDs[op.ID] = true
	if len(op.Changes) == 1 {
		if other, err := ParseID(op.Changes[0].New); err == nil {
			a.touchedIDs[other] = true
		}
	}
	touchedQ, retired, err := applyDecision(a.sem, txn, op, a.persons)
	if err != nil {
		return err
	}
	a.dupTouched = append(a.dupTouched, touchedQ...)
	for _, id := range retired {
		rp, ok := a.persons[id]
		if !ok {
			if rp, err = getPerson(txn, id); err != nil {
				continue
			}
			// Out of the search index too (a person changed in
			// this call leaves it when its record is written).
			if a.o.Index {
				if err := stageIndex(txn, rp, nil, a.delta); err != nil {
					return err
				}
			}
		}
		nums, hhs, err := retire(a.sem, rp)
		if err != nil {
			return err
		}
		a.idNumbers = append(a.idNumbers, nums...)
		a.hhTouched = append(a.hhTouched, hhs...)
		if ctr.Persons > 0 {
			ctr.Persons--
		}
		communeOf(rp, &a.communes)
	}
	if p, err := getPerson(txn, op.ID); err == nil {
		communeOf(p, &a.communes)
	}
	return nil
}

// applyNoticeOp keeps the district's word about a conflict (on a device).
func (a *applier) applyNoticeOp(op *Op, snd *Sender, rk []byte) error {
	txn := a.txn
	// The district's word about a conflict (a device): kept, and
	// held so that the same notice again is skipped; never fed.
	if op.Device != NoticeDevice || snd != nil {
		return fmt.Errorf("%w: operation %s/%d is a notice", ErrInvalidOp, op.Device, op.Seq)
	}
	b, err := op.MarshalBinary()
	if err != nil {
		return err
	}
	if err := txn.Set(rk, b); err != nil {
		return err
	}
	if err := applyNotice(txn, op); err != nil {
		return err
	}
	a.res.Applied++
	return nil
}

// feedOp adds op to the feeds of the communes it concerns.
func (a *applier) feedOp(op *Op, snd *Sender, rk []byte) error {
	txn, ctr := a.txn, &a.ctr
	for _, c := range a.o.Communes {
		a.communes.add(c)
	}
	// An officer's colleagues receive what the officer recorded even
	// about a record whose addresses are all elsewhere (a move out).
	// A sender with several communes (a supervisor) adds none: its
	// decision on a person of one commune must not reach the devices
	// of its other communes, which would hold a record of only the
	// fields it changed (found by kitctl demo: a ghost person with
	// an occupation and no name).
	if sc := a.o.Scope[op.Device]; len(sc) == 1 {
		a.communes.add(sc[0])
	} else if snd != nil && len(snd.Communes) == 1 && snd.Device == op.Device {
		a.communes.add(snd.Communes[0])
	}
	ctr.Feed++
	sort.Strings(a.communes)
	ref := rk[len(prefixRemoteOp):]
	for _, c := range a.communes {
		if err := txn.Set(feedKey(c, ctr.Feed), ref); err != nil {
			return err
		}
	}
	// A record that moved into a commune reaches that commune's
	// devices whole, with its history: its earlier operations are fed
	// there again (devices skip those they hold).
	if len(a.entered) > 0 {
		if err := refeed(txn, a.hist, op, a.entered, ctr); err != nil {
			return err
		}
	}
	return nil
}

// finish writes the records the transaction changed, re-derives the
// lists and conflicts they take part in, and writes the named values and
// counters.
func (a *applier) finish() error {
	txn, ctr, o := a.txn, &a.ctr, a.o
	if o.Time > ctr.Now {
		// How far the node has got, not what it holds: out of the
		// digest, so an entry that changed nothing leaves it as it was.
		ctr.Now = o.Time
		if err := txn.Set([]byte(prefixUserMeta+metaNow), u64b(uint64(ctr.Now))); err != nil {
			return err
		}
	}
	for _, id := range a.order {
		if p, ok := a.persons[id]; ok {
			b, err := p.MarshalBinary()
			if err != nil {
				return err
			}
			if err := txn.Set(personKey(id), b); err != nil {
				return err
			}
			old := a.changed[id].old
			if o.Index {
				indexed := p
				if a.sem.isRetired(id) {
					indexed = nil // merged into another person: not found by search
				}
				if err := stageIndex(txn, old, indexed, a.delta); err != nil {
					return err
				}
			}
			nums, err := moveIDHolder(a.sem, old, p)
			if err != nil {
				return err
			}
			a.idNumbers = append(a.idNumbers, nums...)
			hhs, err := moveHouseholdMember(a.sem, old, p)
			if err != nil {
				return err
			}
			a.hhTouched = append(a.hhTouched, hhs...)
			qs, err := moveDupKey(a.sem, old, p)
			if err != nil {
				return err
			}
			a.dupTouched = append(a.dupTouched, qs...)
			continue
		}
		h := a.households[id]
		b, err := h.MarshalBinary()
		if err != nil {
			return err
		}
		if err := txn.Set(householdKey(id), b); err != nil {
			return err
		}
		if o.Index && h.Number != "" {
			nk := hhNumberKey(fold.Fold(h.Number))
			if _, err := txn.Get(nk); errors.Is(err, badger.ErrKeyNotFound) {
				if err := txn.Set(nk, appendID(nil, id)); err != nil {
					return err
				}
			}
		}
	}
	if err := a.writeCommunesOfRecord(); err != nil {
		return err
	}
	if err := stageCounts(txn, txn, a.delta); err != nil {
		return err
	}
	now := ctr.Seen
	if ctr.Now != 0 {
		now = ctr.Now // a district node: the time the leader wrote into its entries
	}
	if err := checkMoves(txn, a.ro, now, a.moved); err != nil {
		return err
	}
	if err := checkHouseholds(a.sem, a.hhTouched); err != nil {
		return err
	}
	grown, err := checkSameIDNumber(a.sem, a.idNumbers)
	if err != nil {
		return err
	}
	pairs, err := checkDuplicates(a.sem, txn, a.dupTouched, a.touchedIDs)
	if err != nil {
		return err
	}
	if o.Feed {
		// A person of one commune in a conflict with one of another: the
		// officers are told, not sent the other record (notice.go).
		for _, ids := range grown {
			if err := a.notify(NoticeSameIDNumber, ids); err != nil {
				return err
			}
		}
		for _, ids := range pairs {
			if err := a.notify(NoticeDuplicate, ids); err != nil {
				return err
			}
		}
		// One whose conflict stays but who moved to another commune.
		var movedOn []ID
		for _, id := range a.order {
			p, ok := a.persons[id]
			if !ok || a.changed[id].old == nil {
				continue
			}
			old := a.changed[id].old
			if home(old) != home(p) || old.Values[FieldCurrentAddressCode] != p.Values[FieldCurrentAddressCode] || old.Values[FieldTemporaryAddressCode] != p.Values[FieldTemporaryAddressCode] {
				movedOn = append(movedOn, id)
			}
		}
		if len(movedOn) > 0 {
			// The one who moved, and those in conflict with it: whether
			// their conflict crosses communes may have changed too.
			for _, k := range []NoticeKind{NoticeSameIDNumber, NoticeDuplicate} {
				ids := append([]ID(nil), movedOn...)
				for _, id := range movedOn {
					others, err := a.partners(a.persons[id], k)
					if err != nil {
						return err
					}
					ids = append(ids, others...)
				}
				if err := a.notify(k, ids); err != nil {
					return err
				}
			}
		}
	}
	names := make([]string, 0, len(o.Meta))
	for n := range o.Meta {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := txn.Set([]byte(prefixUserMeta+n), o.Meta[n]); err != nil {
			return err
		}
	}
	a.res.Feed = ctr.Feed
	return txn.Set([]byte(keyMetaCounters), ctr.bytes())
}
