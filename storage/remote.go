package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"

	"github.com/dgraph-io/badger/v4"
)

// Operations made on other devices (DESIGN.md, "Operations from elsewhere") are kept apart from
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
	deviceKeyLen = 16
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
	// SizeHint is about how many operations the transaction applies: it
	// sizes the maps that follow them.
	SizeHint int
	// Time is the district's time of the operations (a district node:
	// the time its leader wrote into the Raft entry). Checks refuse an
	// operation stamped more than a day after it, and the age of a move
	// out is measured by it, never by a device's clock.
	Time HLC
	// NoChecks applies a sender's batches without checking them: only for
	// measuring what the checks cost (BenchmarkFSMApply).
	NoChecks bool
	// ClockLimit, with ObserveClock, is as far as the device's clock may
	// move: the district's time learned at sync plus a day. A laptop
	// whose clock ran ahead must not carry every other device with it.
	ClockLimit HLC
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
	if o.SizeHint == 0 {
		o.SizeHint = len(ops)
	}
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
	ap, err := s.BeginApply(o)
	if err != nil {
		return ApplyResult{}, err
	}
	defer ap.Discard()
	if _, err := ap.Batch(nil, 0, ops); err != nil {
		return ApplyResult{}, fmt.Errorf("applying operations: %w", err)
	}
	return ap.Commit(nil)
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

// LastRemoteSeq returns the number of the last operation of dev the store
// holds from elsewhere (0: none): where a district node's check of the
// device's next operation numbers starts when its chain record predates
// keeping it.
func (s *Store) LastRemoteSeq(dev DeviceID) (uint64, error) {
	if s.db == nil {
		return 0, ErrClosed
	}
	var last uint64
	err := s.db.View(func(txn *badger.Txn) error {
		pre := appendDevice([]byte(prefixRemoteOp), dev)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: pre, Reverse: true})
		defer it.Close()
		it.Seek(append(append([]byte{}, pre...), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))
		if it.ValidForPrefix(pre) {
			if k := it.Item().Key(); len(k) == len(pre)+8 {
				last = binary.BigEndian.Uint64(k[len(pre):])
			}
		}
		return nil
	})
	return last, err
}
