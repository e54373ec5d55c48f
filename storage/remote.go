package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"

	"github.com/dgraph-io/badger/v4"

	"github.com/communekit/communekit/storage/fold"
)

// Operations made on other devices (DESIGN.md §6, §7) are kept apart from
// this device's own log:
//
//	r:<device16><seq8>           an operation of another device (the op)
//	L:<id16><device16><seq8>     history index of such an operation
//	F:<commune>\x00<feed8>       district feed: the op r:<device16><seq8> (value) concerns
//	                             commune, in the order the district applied it
//
// A district node keeps every operation it applies this way and numbers
// them in one feed (counters.Feed), so a device pulls "what concerns my
// communes after feed number n" with one cursor.
const (
	prefixRemoteOp      = "r:"
	prefixRemoteHistory = "L:"
	prefixFeed          = "F:"
	deviceKeyLen        = 16
)

func remoteOpKey(dev DeviceID, seq uint64) []byte {
	b := make([]byte, 0, len(prefixRemoteOp)+deviceKeyLen+8)
	b = append(b, prefixRemoteOp...)
	b = appendDevice(b, dev)
	return binary.BigEndian.AppendUint64(b, seq)
}

func appendDevice(b []byte, dev DeviceID) []byte {
	var d [deviceKeyLen]byte
	copy(d[:], dev)
	return append(b, d[:]...)
}

func remoteHistoryKey(id ID, dev DeviceID, seq uint64) []byte {
	b := appendID([]byte(prefixRemoteHistory), id)
	b = appendDevice(b, dev)
	return binary.BigEndian.AppendUint64(b, seq)
}

func feedPrefix(commune string) []byte {
	return append(append([]byte(prefixFeed), clip(commune)...), indexSep)
}

func feedKey(commune string, n uint64) []byte {
	return binary.BigEndian.AppendUint64(feedPrefix(commune), n)
}

// ApplyOptions say how ApplyOps keeps the operations it applies.
type ApplyOptions struct {
	// Feed numbers every applied operation in the district feed, under
	// the communes it concerns (those of the record before and after,
	// and Communes).
	Feed bool
	// Communes are added to the communes of every operation in the feed:
	// the sender's scope, so the other devices of its commune receive it.
	Communes []string
	// Scope adds, per sender, the commune of its certificate when it
	// has exactly one (an officer's); a supervisor's several add none.
	Scope map[DeviceID][]string
	// Index keeps the search index of the records changed (devices).
	Index bool
	// ObserveClock moves this device's clock past the operations'
	// clocks, so that its next edits order after them (devices; a
	// district node must not, its state may not depend on a clock).
	ObserveClock bool
	// Fresh says the caller knows none of ops is held already (a district
	// node's chain check accepts each batch once): the lookup that makes
	// applying idempotent is skipped.
	Fresh bool
	// Meta are named values (as PutMeta) written in the same transaction:
	// a node's applied index, a device's pull cursor, a chain record.
	Meta map[string][]byte
}

// ApplyResult counts what ApplyOps did.
type ApplyResult struct {
	Applied int // operations new to this store
	Skipped int // operations it already held
	Feed    uint64
}

// ApplyOps applies operations made on other devices, in one transaction,
// idempotently: an operation the store already holds is skipped.
//
// Each field takes the value of the operation with the greatest version
// (clock, then device ID): the outcome does not depend on the order in
// which operations arrive, so every node and device that applies the same
// operations holds the same records. (Concurrent edits of one field are
// also conflicts for a supervisor; see the merge issue.) Nothing here reads
// a clock or iterates a map, so a district node applying a Raft log entry
// is deterministic.
func (s *Store) ApplyOps(ops []*Op, o ApplyOptions) (ApplyResult, error) {
	res, err := s.applyOps(ops, o)
	if !errors.Is(err, badger.ErrTxnTooBig) || len(ops) < 2 {
		return res, err
	}
	// Too much for one transaction (a commune store's memtable is small):
	// halves, the named values with the second. Both halves look up
	// what the store holds (not Fresh), so a crash between them and the
	// same call again give the same result.
	first, second := o, o
	first.Meta, first.Fresh, second.Fresh = nil, false, false
	r1, err := s.ApplyOps(ops[:len(ops)/2], first)
	if err != nil {
		return r1, err
	}
	r2, err := s.ApplyOps(ops[len(ops)/2:], second)
	r2.Applied += r1.Applied
	r2.Skipped += r1.Skipped
	return r2, err
}

func (s *Store) applyOps(ops []*Op, o ApplyOptions) (ApplyResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var res ApplyResult
	if s.db == nil {
		return res, ErrClosed
	}
	for k, v := range o.Meta {
		if len(v) > MaxMetaSize {
			return res, fmt.Errorf("value %q of %d bytes is larger than %d", k, len(v), MaxMetaSize)
		}
	}
	ctr := s.ctr
	// Reads of whole histories go through this snapshot of the store as
	// it was before the transaction, plus the operations applied in it.
	ro := s.db.NewTransaction(false)
	defer ro.Discard()
	err := s.update(func(txn *badger.Txn) error {
		res = ApplyResult{}
		ctr = s.ctr
		// Maps sized for an entry of new persons, the usual case: an
		// entry of thousands of operations otherwise rehashes each of
		// them a dozen times.
		hist := &history{txn: ro, extra: make(map[ID][]*Op, len(ops))}
		persons := make(map[ID]*Person, len(ops))
		households := map[ID]*Household{}
		seenOp := make(map[OpRef]bool, len(ops))
		delta := map[string]int32{}
		type touched struct {
			old *Person
			new *Person
		}
		var order []ID
		var communes communeSet // those the current op concerns
		var entered []string    // communes the current op's record just moved into
		var idNumbers []string  // ID numbers whose holders changed
		var hhTouched []string  // households whose members changed
		var moved []ID          // persons whose pending move out (M:) this call may change
		// Persons this call creates: no conflict record of theirs exists
		// but those this call writes (multi), so no read is needed.
		fresh := make(map[ID]bool, len(ops))
		multi := map[fieldKey]bool{}
		sem := newLists(txn)
		var dupTouched []string // Q: lists whose persons or their details changed
		touchedIDs := make(map[ID]bool, len(ops))
		changed := make(map[ID]*touched, len(ops))
		var validDevice DeviceID // the last device checked: a batch's operations share one
		for _, op := range ops {
			if op.Device != validDevice {
				if !op.Device.Valid() {
					return fmt.Errorf("%w: operation without a valid device and sequence number", ErrCorrupt)
				}
				validDevice = op.Device
			}
			if op.Seq == 0 {
				return fmt.Errorf("%w: operation without a valid device and sequence number", ErrCorrupt)
			}
			k := OpRef{Device: op.Device, Seq: op.Seq}
			if seenOp[k] {
				res.Skipped++
				continue
			}
			seenOp[k] = true
			rk := remoteOpKey(op.Device, op.Seq)
			if !o.Fresh {
				if _, err := txn.Get(rk); err == nil {
					res.Skipped++
					continue
				} else if !errors.Is(err, badger.ErrKeyNotFound) {
					return err
				}
			}
			if op.Device == s.profile.Device {
				// Our own operation coming back: we hold it in o:.
				res.Skipped++
				continue
			}
			communes = communes[:0]
			switch op.Kind {
			case KindPerson:
				p, ok := persons[op.ID]
				if !ok {
					cur, err := personIn(txn, op.ID)
					switch {
					case err != nil:
						return err
					case cur == nil:
						p = &Person{ID: op.ID}
						ctr.Persons++
						changed[op.ID] = &touched{}
						fresh[op.ID] = true
						// Only a person the store holds can have been
						// merged into another (Mg:), unless this call
						// merges it (applyDecision records that).
						if _, ok := sem.retired[op.ID]; !ok {
							sem.retired[op.ID] = false
						}
					default:
						p = cur
						old := *cur
						changed[op.ID] = &touched{old: &old}
					}
					persons[op.ID] = p
					order = append(order, op.ID)
				}
				communeOf(p, &communes)
				before := len(communes) // communes[:before] are the record's before op
				existed := !p.Versions[FieldFullName].IsZero()
				// The op's own keys first: settling a field reads the
				// record's operations, this one included.
				if err := putRemote(txn, op, rk); err != nil {
					return err
				}
				touchedIDs[op.ID] = true
				hist.extra[op.ID] = append(hist.extra[op.ID], op)
				if err := mergePerson(txn, hist, op, p, fresh[op.ID], multi); err != nil {
					return err
				}
				// A person this call creates has no per-person conflict
				// unless it is recorded dead and edited, or moves out.
				newcomer := fresh[op.ID] && (p.Values[FieldStatus] != StatusDead || op.Event == EventRegister) && op.Event != EventMoveOut
				if !newcomer {
					if err := checkPersonConflicts(txn, hist, p, op); err != nil {
						return err
					}
				}
				if op.Event == EventMoveOut || op.Event == EventMoveIn || op.Event == EventResolution {
					moved = append(moved, op.ID)
				}
				communeOf(p, &communes)
				if existed {
					entered = append(entered, communes[before:]...)
				}
			case KindHousehold:
				h, ok := households[op.ID]
				if !ok {
					cur := &Household{}
					item, err := txn.Get(householdKey(op.ID))
					switch {
					case errors.Is(err, badger.ErrKeyNotFound):
						cur.ID = op.ID
						ctr.Households++
					case err != nil:
						return err
					default:
						if err := item.Value(cur.UnmarshalBinary); err != nil {
							return err
						}
					}
					h = cur
					households[op.ID] = h
					order = append(order, op.ID)
				}
				communes.add(h.AddressCode)
				if err := mergeInto(op, h.Versions[:], func(f uint8, v string) error {
					if f < 1 || f >= uint8(numHouseholdFields) {
						return fmt.Errorf("operation %s/%d: unknown household field %d", op.Device, op.Seq, f)
					}
					return h.set(HouseholdField(f), v)
				}); err != nil {
					return err
				}
				communes.add(h.AddressCode)
			case KindDecision:
				if err := putRemote(txn, op, rk); err != nil {
					return err
				}
				hist.extra[op.ID] = append(hist.extra[op.ID], op)
				touchedIDs[op.ID] = true
				if len(op.Changes) == 1 {
					if other, err := ParseID(op.Changes[0].New); err == nil {
						touchedIDs[other] = true
					}
				}
				touchedQ, retired, err := applyDecision(sem, txn, op, persons)
				if err != nil {
					return err
				}
				dupTouched = append(dupTouched, touchedQ...)
				for _, id := range retired {
					rp, ok := persons[id]
					if !ok {
						if rp, err = getPerson(txn, id); err != nil {
							continue
						}
						// Out of the search index too (a person changed in
						// this call leaves it when its record is written).
						if o.Index {
							if err := stageIndex(txn, rp, nil, delta); err != nil {
								return err
							}
						}
					}
					nums, hhs, err := retire(sem, rp)
					if err != nil {
						return err
					}
					idNumbers = append(idNumbers, nums...)
					hhTouched = append(hhTouched, hhs...)
					if ctr.Persons > 0 {
						ctr.Persons--
					}
					communeOf(rp, &communes)
				}
				if a, err := getPerson(txn, op.ID); err == nil {
					communeOf(a, &communes)
				}
			default:
				return fmt.Errorf("%w: operation %s/%d changes a %s", ErrCorrupt, op.Device, op.Seq, op.Kind)
			}
			if op.Kind == KindHousehold {
				if err := putRemote(txn, op, rk); err != nil {
					return err
				}
				hist.extra[op.ID] = append(hist.extra[op.ID], op)
			}
			if o.Feed {
				for _, c := range o.Communes {
					communes.add(c)
				}
				// An officer's colleagues receive what the officer
				// recorded even about a record whose addresses are all
				// elsewhere. A sender with several communes (a supervisor)
				// adds none: its decision on a person of one commune must
				// not reach the devices of its other communes, which would
				// hold a record of only the fields it changed (found by
				// kitctl demo: a ghost person with an occupation and no name).
				if sc := o.Scope[op.Device]; len(sc) == 1 {
					communes.add(sc[0])
				}
				ctr.Feed++
				sort.Strings(communes)
				ref := rk[len(prefixRemoteOp):]
				for _, c := range communes {
					if err := txn.Set(feedKey(c, ctr.Feed), ref); err != nil {
						return err
					}
				}
				// A record that moved into a commune reaches that
				// commune's devices whole, with its history: its earlier
				// operations are fed there again (devices skip those
				// they hold).
				if len(entered) > 0 {
					if err := refeed(txn, hist, op, entered, &ctr); err != nil {
						return err
					}
				}
			}
			entered = entered[:0]
			if op.HLC > ctr.Seen {
				ctr.Seen = op.HLC
			}
			if o.ObserveClock && op.HLC > ctr.HLC {
				ctr.HLC = op.HLC
			}
			res.Applied++
		}
		for _, id := range order {
			if p, ok := persons[id]; ok {
				b, err := p.MarshalBinary()
				if err != nil {
					return err
				}
				if err := txn.Set(personKey(id), b); err != nil {
					return err
				}
				if o.Index {
					indexed := p
					if sem.isRetired(id) {
						indexed = nil // merged into another person: not found by search
					}
					if err := stageIndex(txn, changed[id].old, indexed, delta); err != nil {
						return err
					}
				}
				nums, err := moveIDHolder(sem, changed[id].old, p)
				if err != nil {
					return err
				}
				idNumbers = append(idNumbers, nums...)
				hhs, err := moveHouseholdMember(sem, changed[id].old, p)
				if err != nil {
					return err
				}
				hhTouched = append(hhTouched, hhs...)
				qs, err := moveDupKey(sem, changed[id].old, p)
				if err != nil {
					return err
				}
				dupTouched = append(dupTouched, qs...)
				continue
			}
			h := households[id]
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
		if err := stageCounts(txn, txn, delta); err != nil {
			return err
		}
		if err := checkMoves(txn, ro, ctr.Seen, moved); err != nil {
			return err
		}
		if err := checkHouseholds(sem, hhTouched); err != nil {
			return err
		}
		grown, err := checkSameIDNumber(sem, idNumbers)
		if err != nil {
			return err
		}
		pairs, err := checkDuplicates(sem, txn, dupTouched, touchedIDs)
		if err != nil {
			return err
		}
		if o.Feed {
			for _, ids := range append(grown, pairs...) {
				if err := feedEachOther(txn, hist, ids, &ctr); err != nil {
					return err
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
		res.Feed = ctr.Feed
		return txn.Set([]byte(keyMetaCounters), ctr.bytes())
	})
	if err != nil {
		return ApplyResult{}, fmt.Errorf("applying operations: %w", err)
	}
	s.ctr = ctr
	if o.ObserveClock && s.clock != nil {
		s.clock.Observe(ctr.HLC)
	}
	return res, nil
}

// refeed adds the earlier operations of op's record to the feed of each
// commune in entered, in version order.
func refeed(txn *badger.Txn, h *history, op *Op, entered []string, ctr *counters) error {
	sort.Strings(entered)
	return refeedRecord(txn, h, op.ID, entered, ctr, op)
}

// refeedRecord adds the operations of record id (but skip) to the feed of
// each commune in to (sorted), in version order.
func refeedRecord(txn *badger.Txn, h *history, id ID, to []string, ctr *counters, skip *Op) error {
	hist, err := h.ops(id)
	if err != nil {
		return err
	}
	sort.SliceStable(hist, func(i, j int) bool { return versionLess(hist[i].Version(), hist[j].Version()) })
	for _, c := range to {
		for _, h := range hist {
			if skip != nil && h.Device == skip.Device && h.Seq == skip.Seq {
				continue
			}
			ctr.Feed++
			ref := binary.BigEndian.AppendUint64(appendDevice(nil, h.Device), h.Seq)
			if err := txn.Set(feedKey(c, ctr.Feed), ref); err != nil {
				return err
			}
		}
	}
	return nil
}

// putRemote keeps an operation of another device and its history key.
func putRemote(txn *badger.Txn, op *Op, rk []byte) error {
	b, err := op.MarshalBinary()
	if err != nil {
		return err
	}
	if err := txn.Set(rk, b); err != nil {
		return err
	}
	return txn.Set(remoteHistoryKey(op.ID, op.Device, op.Seq), nil)
}

// mergePerson applies a person operation's changes to p. A change that saw
// the field's current version, on a field with one head, replaces it (the
// usual case: one point read); any other change settles the field from all
// the record's operations (settleField), which may open or close a
// conflict. Both give the same result in any arrival order (the property
// test TestMerge_AnyInterleavingSameStateAndConflicts).
func mergePerson(txn *badger.Txn, h *history, op *Op, p *Person, fresh bool, multi map[fieldKey]bool) error {
	v := op.Version()
	for _, c := range op.Changes {
		f := Field(c.Field)
		if !f.Valid() {
			return fmt.Errorf("operation %s/%d: unknown person field %d", op.Device, op.Seq, c.Field)
		}
		fk := fieldKey{p.ID, f}
		heads := multi[fk]
		if !fresh && !heads {
			var err error
			if heads, err = hasConflict(txn, p.ID, f); err != nil {
				return err
			}
		}
		if !heads && c.Seen == p.Versions[f] && versionLess(p.Versions[f], v) {
			p.Values[f] = c.New
			p.Versions[f] = v
			continue
		}
		n, err := settleField(txn, h, p, f)
		if err != nil {
			return err
		}
		multi[fk] = n > 1
	}
	return nil
}

// fieldKey names one field of one record.
type fieldKey struct {
	id ID
	f  Field
}

// mergeInto applies op's changes to a record whose field versions are vs:
// a change wins when its version is greater than the field's.
func mergeInto(op *Op, vs []Version, set func(f uint8, v string) error) error {
	v := op.Version()
	for _, c := range op.Changes {
		if int(c.Field) >= len(vs) || c.Field == 0 {
			return fmt.Errorf("operation %s/%d: unknown %s field %d", op.Device, op.Seq, op.Kind, c.Field)
		}
		if !versionLess(vs[c.Field], v) {
			continue
		}
		if err := set(c.Field, c.New); err != nil {
			return err
		}
		vs[c.Field] = v
	}
	return nil
}

// versionLess orders versions by clock, then device ID.
func versionLess(a, b Version) bool {
	if a.HLC != b.HLC {
		return a.HLC < b.HLC
	}
	return a.Device < b.Device
}

// communeSet is the few communes one operation concerns (a record's
// addresses, its sender's commune), in the order found: a slice, because
// a map per operation cost more than the search of two or three entries.
type communeSet []string

// add adds c unless it is empty or held.
func (s *communeSet) add(c string) {
	if c == "" || s.has(c) {
		return
	}
	*s = append(*s, c)
}

func (s communeSet) has(c string) bool {
	for _, x := range s {
		if x == c {
			return true
		}
	}
	return false
}

// communeOf adds the communes p's addresses name.
func communeOf(p *Person, to *communeSet) {
	to.add(p.Values[FieldPermanentAddressCode])
	to.add(p.Values[FieldCurrentAddressCode])
	to.add(p.Values[FieldTemporaryAddressCode])
}

// personIn reads the record of id, or nil when txn holds none (getPerson
// without the error that names it: a district entry asks for thousands of
// persons it does not hold yet).
func personIn(txn *badger.Txn, id ID) (*Person, error) {
	item, err := txn.Get(personKey(id))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	p := &Person{}
	if err := item.Value(p.UnmarshalBinary); err != nil {
		return nil, err
	}
	return p, nil
}

// stageIndex moves the search index from old to new within txn.
func stageIndex(txn *badger.Txn, old, new *Person, delta map[string]int32) error {
	ops, cnt := indexWrites(nil, nil, old, new)
	for _, c := range cnt {
		delta[c.key] += c.d
	}
	return apply(txn, ops)
}

// FeedPage is one page of the district feed.
type FeedPage struct {
	Ops  []*Op
	Last uint64 // the feed number of the last operation in Ops (or the cursor given)
	More bool   // more operations follow Last
}

// Feed returns up to max operations of the district feed after the feed
// number after that concern any of communes, leaving out those made by
// the device exclude (it holds them already), in feed order.
func (s *Store) Feed(communes []string, after uint64, exclude DeviceID, max int) (*FeedPage, error) {
	if s.db == nil {
		return nil, ErrClosed
	}
	if max <= 0 {
		max = 500
	}
	page := &FeedPage{Last: after}
	err := s.db.View(func(txn *badger.Txn) error {
		type ref struct {
			n   uint64
			key []byte
		}
		var refs []ref
		scanned := map[uint64]bool{}
		// Gather up to max+1 candidate numbers per commune, then merge.
		for _, c := range communes {
			pre := feedPrefix(c)
			it := txn.NewIterator(badger.IteratorOptions{Prefix: pre})
			count := 0
			for it.Seek(binary.BigEndian.AppendUint64(append([]byte{}, pre...), after+1)); it.ValidForPrefix(pre) && count <= max; it.Next() {
				k := it.Item().Key()
				if len(k) != len(pre)+8 {
					continue
				}
				n := binary.BigEndian.Uint64(k[len(pre):])
				v, err := it.Item().ValueCopy(nil)
				if err != nil {
					it.Close()
					return err
				}
				if string(v[:deviceKeyLen]) == string(appendDevice(nil, exclude)) {
					// Not counted against max, but it moves the cursor.
					if !scanned[n] {
						scanned[n] = true
						refs = append(refs, ref{n: n})
					}
					continue
				}
				if scanned[n] {
					continue
				}
				scanned[n] = true
				refs = append(refs, ref{n: n, key: append([]byte(prefixRemoteOp), v...)})
				count++
			}
			it.Close()
		}
		sort.Slice(refs, func(i, j int) bool { return refs[i].n < refs[j].n })
		taken := 0
		for _, r := range refs {
			if taken == max {
				page.More = true
				break
			}
			page.Last = r.n
			if r.key == nil {
				continue // the asker's own operation: the cursor passes it
			}
			item, err := txn.Get(r.key)
			if err != nil {
				return fmt.Errorf("feed entry %d: %w", r.n, err)
			}
			op := &Op{}
			if err := item.Value(op.UnmarshalBinary); err != nil {
				return err
			}
			page.Ops = append(page.Ops, op)
			taken++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}

// FeedLast returns the number of the last operation in the district feed.
func (s *Store) FeedLast() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ctr.Feed
}
