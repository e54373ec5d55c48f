package storage

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/communekit/communekit/storage/fold"
)

// Rework rewrites this device's operations that the district has not
// accepted (those after the last acknowledged batch), so that a refusal
// never blocks the laptop:
//
//   - operations the district refused are withdrawn: kept in the refused
//     list with the district's reason, for the officer to correct (with
//     every later one on a record whose creation was withdrawn), and their
//     effect is taken out of the records;
//   - the rest are numbered again from the first unaccepted number, so
//     they run on without a gap;
//   - with Restamp, they get new clock readings from the clock, which must
//     be right again: a laptop whose clock ran ahead stamped them in the
//     future, and the district refuses such stamps;
//   - the sealed batches not accepted are dropped, to be sealed again
//     (under the same numbers: the district never accepted them).
//
// Versions that later operations saw follow their operation: a change that
// saw a withdrawn change sees what that one saw, so no conflict appears
// with the officer's own earlier value. The records the operations touch
// are rebuilt from all their operations, this device's and others'.
//
// The rewrite may take several transactions (a laptop may hold thousands
// of unsent operations): its plan is kept under m:rework from the moment
// the new operations are staged, every step can be done again, and Open
// finishes a rework a crash interrupted.
//
//	m:rework            the plan (JSON)
//	w:<new seq8>        a new operation, staged: flags, old seq8, the op
//	wx:<old seq8>       a withdrawn operation, staged (RefusedOp JSON)
//	rf:<n8>             the refused list: RefusedOp JSON, n from 1
type Rework struct {
	// Withdraw names the operations to withdraw (by their number now) and
	// why.
	Withdraw map[uint64]Refusal
	// Batch is the number of the batch the district refused (0: none).
	Batch uint64
	// Restamp gives every operation kept a new clock reading.
	Restamp bool
}

// Refusal is why an operation was withdrawn.
type Refusal struct {
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// RefusedOp is an operation the district refused (or that this device's
// own checks held back before sealing), kept for the officer.
type RefusedOp struct {
	N       uint64    `json:"n"`     // its place in the refused list
	Seq     uint64    `json:"seq"`   // its number when it was refused
	Batch   uint64    `json:"batch"` // the batch that carried it (0: held back before sealing)
	Rule    string    `json:"rule"`
	Message string    `json:"message"`
	At      time.Time `json:"at"` // when it was withdrawn, by this computer's clock
	Op      *Op       `json:"-"`
	OpBytes []byte    `json:"op"`
}

// ReworkResult says what a rework did.
type ReworkResult struct {
	Withdrawn []RefusedOp // in the order of their numbers
	Kept      int         // operations numbered again
	Restamped int
}

// undoDecision is a withdrawn decision about persons A and B.
type undoDecision struct {
	Kind DecisionKind `json:"kind"`
	A    ID           `json:"a"`
	B    ID           `json:"b"`
}

type reworkPlan struct {
	Step      int            `json:"step"`
	From      uint64         `json:"from"`      // first operation rewritten
	To        uint64         `json:"to"`        // last operation before the rework
	End       uint64         `json:"end"`       // last operation after it
	Withdrawn []uint64       `json:"withdrawn"` // old numbers, sorted
	Touched   []ID           `json:"touched"`   // records to rebuild, sorted
	Unretired []ID           `json:"unretired"` // persons a withdrawn merge had retired
	Undo      []undoDecision `json:"undo"`      // withdrawn decisions
	Rebuilt   int            `json:"rebuilt"`   // how many of Touched are rebuilt
	Clock     HLC            `json:"clock"`     // the device clock after the rework
	Restamped int            `json:"restamped"`
	// KeepBatches are the sealed batches kept (those before the first
	// operation rewritten); KeepHash is the last one's hash.
	KeepBatches uint64   `json:"keep_batches"`
	KeepHash    [32]byte `json:"keep_hash"`
}

// Plan steps: staged, moved into place, creation runs renumbered, records
// rebuilt.
const (
	stepMove = iota + 3
	stepBorn
	stepRebuild
	stepFinish
)

// ErrReworkPending means the store holds an unfinished rework (Open
// finishes it).
var ErrReworkPending = errors.New("an interrupted rewrite of unsent changes is pending")

// Rework rewrites the unaccepted operations as w says (see the type).
func (s *Store) Rework(w Rework) (*ReworkResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return nil, ErrClosed
	}
	if s.profile.Kind != KindCommune {
		return nil, fmt.Errorf("only a commune device's store has operations of its own to rework")
	}
	if err := checkFree(s.dir, s.minFree); err != nil {
		return nil, err
	}
	plan, res, err := s.stageRework(w)
	if err != nil || plan == nil {
		return res, err
	}
	if err := s.runRework(plan); err != nil {
		return nil, err
	}
	return res, nil
}

// stageRework computes the new operations from the old, stages them and
// writes the plan.
func (s *Store) stageRework(w Rework) (*reworkPlan, *ReworkResult, error) {
	var st OutboxState
	var old []*Op
	var created map[uint64]bool
	own := s.profile.Device
	floor := HLC(0)
	var from, keepBatches uint64 // the first operation rewritten; the sealed batches kept
	var keepHash [32]byte        // the last kept batch's hash
	// What a rework that failed in this process before its plan was
	// written left staged must not be moved into place by this one.
	if err := s.dropStaged(); err != nil {
		return nil, nil, err
	}
	err := s.db.View(func(txn *badger.Txn) error {
		if exists(txn, []byte(keyMetaRework)) {
			return ErrReworkPending
		}
		var err error
		if st, err = s.outbox(txn); err != nil {
			return err
		}
		if from, keepBatches, keepHash, err = s.reworkStart(txn, st, w); err != nil {
			return err
		}
		for seq := from; seq <= s.ctr.Seq; seq++ {
			op, err := getOp(txn, opKey(seq))
			if err != nil {
				return fmt.Errorf("%w: operation %d of the unsent ones: %v", ErrDamaged, seq, err)
			}
			old = append(old, op)
		}
		if from > 1 {
			if op, err := getOp(txn, opKey(from-1)); err == nil {
				floor = op.HLC
			}
		}
		created = map[uint64]bool{}
		seenID := map[ID]bool{}
		for _, op := range old {
			if seenID[op.ID] || op.ID.Origin != own.Tag() || op.Kind == KindDecision {
				continue
			}
			seenID[op.ID] = true
			born, err := creationOp(txn, op.ID)
			if err != nil {
				return err
			}
			if born != nil && born.Seq >= from {
				created[born.Seq] = true
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	res := &ReworkResult{}
	if len(old) == 0 {
		return nil, res, nil
	}
	// What is withdrawn: the operations named, and every later one on a
	// record whose creation is withdrawn.
	gone := map[uint64]Refusal{}
	goneRecord := map[ID]uint64{}
	for _, op := range old {
		if r, ok := w.Withdraw[op.Seq]; ok {
			gone[op.Seq] = r
			if created[op.Seq] {
				goneRecord[op.ID] = op.Seq
			}
			continue
		}
		if first, ok := goneRecord[op.ID]; ok {
			gone[op.Seq] = Refusal{Rule: RuleWithdrawnWith, Message: fmt.Sprintf("the record's creation (operation %d) was withdrawn with it", first)}
		}
	}
	// New versions: a kept operation's new one; a withdrawn one stands for
	// what its changes saw.
	type replaced struct {
		seen Version
		old  string
	}
	newVer := map[Version]Version{}
	withdrawnVer := map[Version]map[uint8]replaced{}
	for _, op := range old {
		for _, c := range op.Changes {
			if c.Seen.Device != own && c.Seen.HLC > floor {
				floor = c.Seen.HLC
			}
		}
	}
	if s.ctr.Seen > floor {
		floor = s.ctr.Seen
	}
	if w.Restamp {
		// Never past the clock, now right: changes accepted before with a
		// clock ahead (by a district that did not check it) must not hold
		// the new stamps in the future. A change that saw them still
		// supersedes them by what it saw, not by its clock.
		if now := HLC(uint64(s.now().UnixMilli()) << 16); floor > now {
			floor = now
		}
	}
	clk := NewClock(floor, s.now)
	var kept []*Op
	var staged []kvOp
	next := from
	now := s.now()
	for _, op := range old {
		v := op.Version()
		nop := *op
		nop.Changes = slices.Clone(op.Changes)
		for i := range nop.Changes {
			c := &nop.Changes[i]
			if c.Seen.Device != own {
				continue
			}
			if nv, ok := newVer[c.Seen]; ok {
				c.Seen = nv
			} else if rs, ok := withdrawnVer[c.Seen]; ok {
				if r, ok := rs[c.Field]; ok {
					c.Seen, c.Old = r.seen, r.old
				}
			}
		}
		if r, ok := gone[op.Seq]; ok {
			rs := map[uint8]replaced{}
			for _, c := range nop.Changes {
				rs[c.Field] = replaced{seen: c.Seen, old: c.Old}
			}
			withdrawnVer[v] = rs
			ob, err := op.MarshalBinary()
			if err != nil {
				return nil, nil, err
			}
			ro := RefusedOp{Seq: op.Seq, Batch: w.Batch, Rule: r.Rule, Message: r.Message, At: now, OpBytes: ob}
			rb, _ := json.Marshal(ro)
			staged = append(staged, kvOp{k: binary.BigEndian.AppendUint64([]byte(prefixStagedRefuse), op.Seq), v: rb})
			ro.Op = op
			res.Withdrawn = append(res.Withdrawn, ro)
			continue
		}
		nop.Seq = next
		next++
		if w.Restamp {
			nop.HLC = clk.Now()
			res.Restamped++
		} else if nop.HLC > clk.Last() {
			clk.Observe(nop.HLC)
		}
		newVer[v] = nop.Version()
		b, err := nop.MarshalBinary()
		if err != nil {
			return nil, nil, err
		}
		var flags byte
		if created[op.Seq] {
			flags = 1
		}
		val := append([]byte{flags}, binary.BigEndian.AppendUint64(nil, op.Seq)...)
		staged = append(staged, kvOp{k: binary.BigEndian.AppendUint64([]byte(prefixStaged), nop.Seq), v: append(val, b...)})
		kept = append(kept, &nop)
	}
	res.Kept = len(kept)
	plan := &reworkPlan{Step: stepMove, From: from, To: s.ctr.Seq, End: next - 1, Restamped: res.Restamped, KeepBatches: keepBatches, KeepHash: keepHash}
	plan.Clock = s.ctr.HLC
	if w.Restamp {
		plan.Clock = clk.Last()
	}
	touched := map[ID]bool{}
	for _, op := range old {
		touched[op.ID] = true
		if op.Kind == KindDecision && len(op.Changes) == 1 {
			if other, err := ParseID(op.Changes[0].New); err == nil {
				touched[other] = true
				if _, ok := gone[op.Seq]; ok {
					d := DecisionKind(op.Changes[0].Field)
					plan.Undo = append(plan.Undo, undoDecision{Kind: d, A: op.ID, B: other})
					if d == DecisionMerge {
						plan.Unretired = append(plan.Unretired, other)
					}
				}
			}
		}
	}
	for seq := range gone {
		plan.Withdrawn = append(plan.Withdrawn, seq)
	}
	slices.Sort(plan.Withdrawn)
	for id := range touched {
		plan.Touched = append(plan.Touched, id)
	}
	sortIDs(plan.Touched)
	// Staged in chunks; the plan last, so that staged keys without a plan
	// are what a crash left before the rework began (Open drops them).
	for len(staged) > 0 {
		n := min(len(staged), 256)
		if err := s.update(func(txn *badger.Txn) error { return apply(txn, staged[:n]) }); err != nil {
			return nil, nil, fmt.Errorf("staging the rewrite of unsent changes: %w", err)
		}
		staged = staged[n:]
	}
	if err := s.writePlan(plan); err != nil {
		return nil, nil, err
	}
	return plan, res, nil
}

// reworkStart finds where a rework begins: the first operation it
// rewrites and the sealed batches it keeps (with the last one's hash).
// Batches the district may hold are never dropped: a refusal of batch n
// (w.Batch) rewrites from n on, the batches before it stay as sealed; a
// rework with no batch (changes held back before sealing) begins at the
// first batch holding a withdrawn operation, or at the operation itself
// when it is not sealed yet.
func (s *Store) reworkStart(txn *badger.Txn, st OutboxState, w Rework) (from, keep uint64, hash [32]byte, err error) {
	start := uint64(0) // the batch the rework starts at
	switch {
	case w.Batch > 0:
		if w.Batch <= st.AckedBatch || w.Batch > st.Batches {
			return 0, 0, hash, fmt.Errorf("batch %d is not one the district has yet to accept (acknowledged up to %d, sealed up to %d)", w.Batch, st.AckedBatch, st.Batches)
		}
		start = w.Batch
	default:
		first := uint64(0)
		for seq := range w.Withdraw {
			if first == 0 || seq < first {
				first = seq
			}
		}
		if first == 0 {
			first = st.BatchedSeq + 1 // a restamp of what is not sealed
		}
		if first <= st.AckedSeq {
			return 0, 0, hash, fmt.Errorf("operation %d was accepted by the district already", first)
		}
		if first > st.BatchedSeq {
			return first, st.Batches, st.LastHash, nil
		}
		for n := st.AckedBatch + 1; n <= st.Batches; n++ {
			b, err := getBatch(txn, n)
			if err != nil {
				return 0, 0, hash, err
			}
			if first >= b.FirstSeq && first <= b.LastSeq {
				start = n
				break
			}
		}
		if start == 0 {
			return 0, 0, hash, fmt.Errorf("%w: operation %d is in no sealed batch", ErrDamaged, first)
		}
	}
	b, err := getBatch(txn, start)
	if err != nil {
		return 0, 0, hash, err
	}
	if start > 1 {
		prev, err := getBatch(txn, start-1)
		if err != nil {
			return 0, 0, hash, err
		}
		hash = prev.Hash
	}
	return b.FirstSeq, start - 1, hash, nil
}

func sortIDs(ids []ID) {
	sort.Slice(ids, func(i, j int) bool {
		if ids[i].Origin != ids[j].Origin {
			return ids[i].Origin < ids[j].Origin
		}
		return ids[i].N < ids[j].N
	})
}

func (s *Store) writePlan(p *reworkPlan) error {
	return s.update(func(txn *badger.Txn) error { return setPlan(txn, p) })
}

func setPlan(txn *badger.Txn, p *reworkPlan) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return txn.Set([]byte(keyMetaRework), b)
}

// resumeRework finishes a rework a crash interrupted, or drops what a
// crash left staged before its plan was written. The caller holds s.mu or
// has the store to itself (Open).
func (s *Store) resumeRework() error {
	var plan *reworkPlan
	var stray bool
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get([]byte(keyMetaRework))
		if errors.Is(err, badger.ErrKeyNotFound) {
			for _, pre := range []string{prefixStaged, prefixStagedRefuse} {
				if err := eachKey(txn, pre, false, func([]byte, *badger.Item) error { stray = true; return errStopWalk }); err != nil {
					return err
				}
			}
			return nil
		}
		if err != nil {
			return err
		}
		plan = &reworkPlan{}
		return item.Value(func(v []byte) error { return json.Unmarshal(v, plan) })
	})
	if err != nil {
		return fmt.Errorf("%w: the plan of a rewrite of unsent changes: %v", ErrDamaged, err)
	}
	if plan != nil {
		return s.runRework(plan)
	}
	if stray {
		return s.dropStaged()
	}
	return nil
}

// dropStaged drops staged operations that no plan names.
func (s *Store) dropStaged() error {
	if exists2(s, keyMetaRework) {
		return nil
	}
	for _, pre := range []string{prefixStaged, prefixStagedRefuse} {
		stray := false
		s.db.View(func(txn *badger.Txn) error {
			return eachKey(txn, pre, false, func([]byte, *badger.Item) error { stray = true; return errStopWalk })
		})
		if stray {
			if err := s.db.DropPrefix([]byte(pre)); err != nil {
				return err
			}
		}
	}
	return nil
}

// exists2 reports whether the store holds key k.
func exists2(s *Store, k string) bool {
	found := false
	s.db.View(func(txn *badger.Txn) error { found = exists(txn, []byte(k)); return nil })
	return found
}

// runRework does the plan's remaining steps.
func (s *Store) runRework(p *reworkPlan) error {
	for {
		var err error
		switch p.Step {
		case stepMove:
			err = s.reworkMove(p)
		case stepBorn:
			err = s.reworkBorn(p)
		case stepRebuild:
			err = s.reworkRebuild(p)
		case stepFinish:
			return s.reworkFinish(p)
		default:
			return fmt.Errorf("%w: a rewrite of unsent changes at step %d", ErrDamaged, p.Step)
		}
		if err != nil {
			return fmt.Errorf("rewriting the unsent changes: %w", err)
		}
	}
}

// inChunks runs fn on successive transactions until it reports done,
// halving its budget when a transaction grows too big. The function fn
// returns, if it must move state on once its transaction is committed
// (not when it is tried again), is run then.
func (s *Store) inChunks(budget int, fn func(txn *badger.Txn, budget int) (done bool, after func(), err error)) error {
	for {
		var done bool
		var after func()
		err := s.update(func(txn *badger.Txn) error {
			var err error
			done, after, err = fn(txn, budget)
			return err
		})
		if errors.Is(err, badger.ErrTxnTooBig) && budget > 1 {
			budget /= 2
			continue
		}
		if err != nil {
			return err
		}
		if after != nil {
			after()
		}
		if done {
			return nil
		}
	}
}

// reworkMove puts the staged operations in place: o: and l: under their
// new numbers, the withdrawn ones in the refused list.
func (s *Store) reworkMove(p *reworkPlan) error {
	// The withdrawn first: their history keys go before the kept
	// operations take their numbers.
	last, err := s.lastRefused()
	if err != nil {
		return err
	}
	err = s.inChunks(256, func(txn *badger.Txn, budget int) (bool, func(), error) {
		n, next := 0, last
		err := eachKey(txn, prefixStagedRefuse, true, func(rest []byte, item *badger.Item) error {
			if n == budget {
				return errStopWalk
			}
			n++
			var ro RefusedOp
			if err := item.Value(func(v []byte) error { return json.Unmarshal(v, &ro) }); err != nil {
				return err
			}
			op := &Op{}
			if err := op.UnmarshalBinary(ro.OpBytes); err != nil {
				return err
			}
			if err := txn.Delete(historyKey(op.ID, ro.Seq)); err != nil {
				return err
			}
			next++
			ro.N = next
			b, _ := json.Marshal(ro)
			if err := txn.Set(binary.BigEndian.AppendUint64([]byte(prefixRefused), next), b); err != nil {
				return err
			}
			return txn.Delete(append([]byte(prefixStagedRefuse), rest...))
		})
		return n < budget, func() { last = next }, err
	})
	if err != nil {
		return err
	}
	err = s.inChunks(256, func(txn *badger.Txn, budget int) (bool, func(), error) {
		n := 0
		err := eachKey(txn, prefixStaged, true, func(rest []byte, item *badger.Item) error {
			if n == budget {
				return errStopWalk
			}
			n++
			v, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			if len(rest) != 8 || len(v) < 9 {
				return fmt.Errorf("%w: a staged operation", ErrCorrupt)
			}
			seq := binary.BigEndian.Uint64(rest)
			creation, oldSeq := v[0]&1 == 1, binary.BigEndian.Uint64(v[1:9])
			op := &Op{}
			if err := op.UnmarshalBinary(v[9:]); err != nil {
				return err
			}
			if err := txn.Delete(historyKey(op.ID, oldSeq)); err != nil {
				return err
			}
			if err := txn.Set(opKey(seq), v[9:]); err != nil {
				return err
			}
			if !creation {
				if err := txn.Set(historyKey(op.ID, seq), nil); err != nil {
					return err
				}
			}
			return txn.Delete(append([]byte(prefixStaged), rest...))
		})
		return n < budget, nil, err
	})
	if err != nil {
		return err
	}
	// The numbers the rework freed.
	from := p.End + 1
	return s.inChunks(1024, func(txn *badger.Txn, budget int) (bool, func(), error) {
		seq := from
		for n := 0; seq <= p.To; n, seq = n+1, seq+1 {
			if n == budget {
				return false, func() { from = seq }, nil
			}
			if err := txn.Delete(opKey(seq)); err != nil {
				return false, nil, err
			}
		}
		q := *p
		q.Step = stepBorn
		return true, func() { *p = q }, setPlan(txn, &q)
	})
}

func (s *Store) lastRefused() (uint64, error) {
	var last uint64
	err := s.db.View(func(txn *badger.Txn) error {
		pre := []byte(prefixRefused)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: pre, Reverse: true})
		defer it.Close()
		it.Seek(append(append([]byte{}, pre...), 0xff))
		if it.ValidForPrefix(pre) && len(it.Item().Key()) == len(pre)+8 {
			last = binary.BigEndian.Uint64(it.Item().Key()[len(pre):])
		}
		return nil
	})
	return last, err
}

// newNumber is the number an operation numbered old has after the rework,
// or false when it was withdrawn.
func (p *reworkPlan) newNumber(old uint64) (uint64, bool) {
	if old < p.From || old > p.To {
		return old, true
	}
	i, found := slices.BinarySearch(p.Withdrawn, old)
	if found {
		return 0, false
	}
	return old - uint64(i), true
}

// reworkBorn renumbers the creation runs (n:) that name unaccepted
// operations, in one transaction with the step.
func (s *Store) reworkBorn(p *reworkPlan) error {
	return s.update(func(txn *badger.Txn) error {
		type run struct {
			key   []byte
			pairs []bornPair
		}
		var runs []run
		err := eachKey(txn, prefixBorn, true, func(rest []byte, item *badger.Item) error {
			v, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			pairs, err := bornPairs(v)
			if err != nil {
				return err
			}
			for _, bp := range pairs {
				if bp.seq >= p.From {
					runs = append(runs, run{key: append([]byte(prefixBorn), rest...), pairs: pairs})
					break
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, r := range runs {
			var out []bornPair
			for _, bp := range r.pairs {
				if seq, ok := p.newNumber(bp.seq); ok {
					out = append(out, bornPair{n: bp.n, seq: seq})
				}
			}
			if err := txn.Delete(r.key); err != nil {
				return err
			}
			if len(out) > 0 {
				kv := bornRun(out)
				if err := txn.Set(kv.k, kv.v); err != nil {
					return err
				}
			}
		}
		// A withdrawn decision is undone: the persons it merged are two
		// again, those it said were distinct may be one.
		for _, d := range p.Undo {
			var k []byte
			switch d.Kind {
			case DecisionMerge:
				if err := deleteIf(txn, appendID([]byte(prefixMerged), d.B)); err != nil {
					return err
				}
				k = appendID(appendID([]byte(prefixMergedInto), d.A), d.B)
			case DecisionDistinct:
				k = pairKey(prefixDistinct, d.A, d.B)
			}
			if err := deleteIf(txn, k); err != nil {
				return err
			}
		}
		q := *p
		q.Step = stepRebuild
		if err := setPlan(txn, &q); err != nil {
			return err
		}
		*p = q
		return nil
	})
}

// bornPairs decodes a whole creation run.
func bornPairs(v []byte) ([]bornPair, error) {
	count, k := binary.Uvarint(v)
	if k <= 0 || count > maxBornRun {
		return nil, fmt.Errorf("%w: creation run header", ErrCorrupt)
	}
	v = v[k:]
	out := make([]bornPair, 0, count)
	var pn, ps uint64
	for i := uint64(0); i < count; i++ {
		dn, k := binary.Uvarint(v)
		if k <= 0 {
			return nil, fmt.Errorf("%w: creation run entry %d", ErrCorrupt, i)
		}
		v = v[k:]
		ds, k := binary.Varint(v)
		if k <= 0 {
			return nil, fmt.Errorf("%w: creation run entry %d", ErrCorrupt, i)
		}
		v = v[k:]
		pn, ps = pn+dn, ps+uint64(ds)
		out = append(out, bornPair{n: pn, seq: ps})
	}
	return out, nil
}

// reworkRebuild rebuilds the records the unaccepted operations touched,
// from every operation that remains on them.
func (s *Store) reworkRebuild(p *reworkPlan) error {
	unretired := map[ID]bool{}
	for _, id := range p.Unretired {
		unretired[id] = true
	}
	return s.inChunks(128, func(txn *badger.Txn, budget int) (bool, func(), error) {
		c := s.ctr
		end := min(len(p.Touched), p.Rebuilt+budget)
		if err := s.rebuildRecords(txn, p.Touched[p.Rebuilt:end], unretired, &c); err != nil {
			return false, nil, err
		}
		if err := txn.Set([]byte(keyMetaCounters), c.bytes()); err != nil {
			return false, nil, err
		}
		done := end == len(p.Touched)
		q := *p
		q.Rebuilt = end
		if done {
			q.Step = stepFinish
		}
		if err := setPlan(txn, &q); err != nil {
			return false, nil, err
		}
		return done, func() { *p = q; s.ctr = c }, nil
	})
}

// reworkFinish drops the sealed batches the district did not accept, sets
// the counters and the clock, and ends the rework.
func (s *Store) reworkFinish(p *reworkPlan) error {
	ctr := s.ctr
	err := s.update(func(txn *badger.Txn) error {
		st, err := s.outbox(txn)
		if err != nil {
			return err
		}
		if p.KeepBatches < st.Batches {
			for n := p.KeepBatches + 1; n <= st.Batches; n++ {
				if err := txn.Delete(batchKey(n)); err != nil {
					return err
				}
			}
			st.Batches, st.BatchedSeq, st.LastHash = p.KeepBatches, p.From-1, p.KeepHash
		}
		sv, _ := json.Marshal(st)
		if err := txn.Set([]byte(keyMetaOutbox), sv); err != nil {
			return err
		}
		ctr.Seq = p.End
		ctr.HLC = p.Clock
		if err := txn.Set([]byte(keyMetaCounters), ctr.bytes()); err != nil {
			return err
		}
		return txn.Delete([]byte(keyMetaRework))
	})
	if err != nil {
		return fmt.Errorf("rewriting the unsent changes: %w", err)
	}
	s.ctr = ctr
	s.clock = NewClock(ctr.HLC, s.now)
	return nil
}

// rebuildRecords recomputes each record of ids from the operations that
// remain on it, with its search index, lists and conflicts.
func (s *Store) rebuildRecords(txn *badger.Txn, ids []ID, unretired map[ID]bool, ctr *counters) error {
	sem := newLists(txn)
	delta := map[string]int32{}
	var nums, hhs, dups []string
	touched := map[ID]bool{}
	for _, id := range ids {
		touched[id] = true
		if unretired[id] {
			sem.retired[id] = false
		}
	}
	h := &history{txn: txn}
	for _, id := range ids {
		ops, err := recordOps(txn, id)
		if err != nil {
			return err
		}
		var persons, households []*Op
		for _, op := range ops {
			switch op.Kind {
			case KindPerson:
				persons = append(persons, op)
			case KindHousehold:
				households = append(households, op)
			}
		}
		if len(households) > 0 || len(persons) == 0 && exists(txn, householdKey(id)) {
			if err := rebuildHousehold(txn, id, households, ctr); err != nil {
				return err
			}
			continue
		}
		old, err := personIn(txn, id)
		if err != nil {
			return err
		}
		if old == nil && len(persons) == 0 {
			continue
		}
		np := &Person{ID: id}
		for f := Field(1); f < numFields; f++ {
			heads := headsAmong(persons, f)
			k := conflictKey(id, f)
			switch {
			case len(heads) == 0:
				if err := deleteIf(txn, k); err != nil {
					return err
				}
				continue
			case len(heads) > 1:
				if err := txn.Set(k, encodeCandidates(heads)); err != nil {
					return err
				}
			default:
				if err := deleteIf(txn, k); err != nil {
					return err
				}
			}
			top := heads[len(heads)-1]
			np.Values[f], np.Versions[f] = top.Value, top.Version
		}
		// What the lists and the index held: nothing for a person a
		// withdrawn merge had retired.
		was := old
		if unretired[id] {
			was = nil
		}
		retired := sem.isRetired(id)
		if retired && len(persons) > 0 {
			// Merged into another person, and staying so: out of the
			// index and the lists since the merge; the record is kept.
			b, err := np.MarshalBinary()
			if err != nil {
				return err
			}
			if err := txn.Set(personKey(id), b); err != nil {
				return err
			}
			continue
		}
		if len(persons) == 0 {
			// Its creation was withdrawn and nobody else changed it.
			if err := txn.Delete(personKey(id)); err != nil {
				return err
			}
			if err := stageIndex(txn, was, nil, delta); err != nil {
				return err
			}
			if ctr.Persons > 0 && was != nil {
				ctr.Persons--
			}
			np = &Person{ID: id}
		} else {
			b, err := np.MarshalBinary()
			if err != nil {
				return err
			}
			if err := txn.Set(personKey(id), b); err != nil {
				return err
			}
			indexed := np
			if retired {
				indexed = nil
			}
			if err := stageIndex(txn, was, indexed, delta); err != nil {
				return err
			}
			if was == nil && !retired {
				ctr.Persons++
			}
		}
		if retired {
			continue
		}
		hh, err := moveHouseholdMember(sem, was, np)
		if err != nil {
			return err
		}
		hhs = append(hhs, hh...)
		// The ID-number and duplicate lists hold persons from elsewhere
		// (and those a merge had taken out of them).
		if was == nil || listHas(txn, idHolderKey(was.Values[FieldIDNumber]), appendID(nil, id)) {
			if id.Origin != s.profile.Device.Tag() || unretired[id] {
				n, err := moveIDHolder(sem, was, np)
				if err != nil {
					return err
				}
				nums = append(nums, n...)
			}
		}
		if was == nil || dupKey(was) != nil && listHas(txn, dupKey(was), dupEntry(was)) {
			if id.Origin != s.profile.Device.Tag() || unretired[id] {
				q, err := moveDupKey(sem, was, np)
				if err != nil {
					return err
				}
				dups = append(dups, q...)
			}
		}
		if len(persons) > 0 {
			if err := checkPersonConflicts(txn, h, np, nil, 0); err != nil {
				return err
			}
			if err := recheckMove(txn, h, np); err != nil {
				return err
			}
		}
	}
	if err := stageCounts(txn, txn, delta); err != nil {
		return err
	}
	if _, err := checkDuplicates(sem, txn, dups, touched); err != nil {
		return err
	}
	if _, err := checkSameIDNumber(sem, nums); err != nil {
		return err
	}
	return checkHouseholds(sem, hhs)
}

// recheckMove sets or clears the pending move out of p from its
// operations.
func recheckMove(txn *badger.Txn, h *history, p *Person) error {
	ops, err := h.ops(p.ID)
	if err != nil {
		return err
	}
	var out *Op
	for _, op := range ops {
		if op.Event == EventMoveOut && (out == nil || out.HLC < op.HLC) {
			out = op
		}
	}
	mk := personKeyed(prefixPendingMove, p.ID)
	if out == nil || moveMatched(h, p.ID, out.HLC) {
		if err := deleteIf(txn, mk); err != nil {
			return err
		}
		return deleteIf(txn, personKeyed(prefixSemanticMove, p.ID))
	}
	item, err := txn.Get(mk)
	if err == nil {
		if v, err := item.ValueCopy(nil); err == nil && len(v) >= 8 && HLC(beU64(v[:8])) == out.HLC {
			return nil
		}
	}
	if err := deleteIf(txn, personKeyed(prefixSemanticMove, p.ID)); err != nil {
		return err
	}
	return txn.Set(mk, u64b(uint64(out.HLC)))
}

// rebuildHousehold recomputes household id from its operations.
func rebuildHousehold(txn *badger.Txn, id ID, ops []*Op, ctr *counters) error {
	item, err := txn.Get(householdKey(id))
	var old *Household
	switch {
	case errors.Is(err, badger.ErrKeyNotFound):
	case err != nil:
		return err
	default:
		old = &Household{}
		if err := item.Value(old.UnmarshalBinary); err != nil {
			return err
		}
	}
	if len(ops) == 0 {
		// Its creation was withdrawn.
		if old == nil {
			return nil
		}
		if err := txn.Delete(householdKey(id)); err != nil {
			return err
		}
		if ctr.Households > 0 {
			ctr.Households--
		}
		if old.Number != "" {
			nk := hhNumberKey(fold.Fold(old.Number))
			if item, err := txn.Get(nk); err == nil {
				if v, err := item.ValueCopy(nil); err == nil {
					if held, ok := decodeIDKey(v); ok && held == id {
						return txn.Delete(nk)
					}
				}
			}
		}
		return nil
	}
	sort.SliceStable(ops, func(i, j int) bool { return versionLess(ops[i].Version(), ops[j].Version()) })
	h := &Household{ID: id}
	for _, op := range ops {
		if err := mergeInto(op, h.Versions[:], func(f uint8, v string) error { return h.set(HouseholdField(f), v) }); err != nil {
			return err
		}
	}
	b, err := h.MarshalBinary()
	if err != nil {
		return err
	}
	if err := txn.Set(householdKey(id), b); err != nil {
		return err
	}
	if old == nil {
		ctr.Households++
	}
	if h.Number != "" {
		nk := hhNumberKey(fold.Fold(h.Number))
		if _, err := txn.Get(nk); errors.Is(err, badger.ErrKeyNotFound) {
			return txn.Set(nk, appendID(nil, id))
		}
	}
	return nil
}

// RefusedOps returns the operations the district refused, and those this
// device held back, oldest first.
func (s *Store) RefusedOps() ([]RefusedOp, error) {
	if s.db == nil {
		return nil, ErrClosed
	}
	var out []RefusedOp
	err := s.db.View(func(txn *badger.Txn) error {
		return eachKey(txn, prefixRefused, true, func(rest []byte, item *badger.Item) error {
			var ro RefusedOp
			if err := item.Value(func(v []byte) error { return json.Unmarshal(v, &ro) }); err != nil {
				return fmt.Errorf("%w: refused operation: %v", ErrCorrupt, err)
			}
			ro.Op = &Op{}
			if err := ro.Op.UnmarshalBinary(ro.OpBytes); err != nil {
				return err
			}
			out = append(out, ro)
			return nil
		})
	})
	return out, err
}

// DismissRefused removes entry n from the refused list, once the officer
// has dealt with it.
func (s *Store) DismissRefused(n uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return ErrClosed
	}
	return s.update(func(txn *badger.Txn) error {
		k := binary.BigEndian.AppendUint64([]byte(prefixRefused), n)
		if _, err := txn.Get(k); err != nil {
			return fmt.Errorf("refused change %d: %w", n, ErrNotFound)
		}
		return txn.Delete(k)
	})
}
