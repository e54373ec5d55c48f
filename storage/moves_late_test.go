package storage_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/communekit/communekit/storage"
)

// Moves out that all fall due at once (an officer who moved a hamlet's
// persons out in one hour, 30 days before) are flagged a bounded number per
// entry, in key order, the rest in the next entries: flagged all in one,
// ~110,000 of them made a transaction larger than a node can write, and
// every node stopped at that entry, again at every restart (found by a
// review).
func TestMoves_LateMovesAreFlaggedABoundedNumberPerEntry(t *testing.T) {
	const n = 2_500
	const chunk = 500
	f := newOCFixture(t)
	t0 := f.at
	seq := f.after[ocOfficerA.Device]
	mk := func(ev storage.Event, id storage.ID, cs ...storage.Change) *storage.Op {
		seq++
		return &storage.Op{Device: ocOfficerA.Device, Seq: seq, HLC: t0 + storage.HLC(seq)<<16, Officer: ocOfficerA.Officer,
			Kind: storage.KindPerson, ID: id, Event: ev, Changes: cs}
	}
	apply := func(ops []*storage.Op, at storage.HLC) {
		ap, err := f.s.BeginApply(storage.ApplyOptions{Feed: true, Fresh: true, Time: at})
		if err != nil {
			t.Fatal(err)
		}
		defer ap.Discard()
		refused, err := ap.Batch(ocOfficerA, f.after[ocOfficerA.Device], ops)
		if err != nil || len(refused) > 0 {
			t.Fatalf("refused %d (first %v), %v", len(refused), refused[:min(1, len(refused))], err)
		}
		f.after[ocOfficerA.Device] += uint64(len(ops))
		if _, err := ap.Commit(nil); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	for i := 0; i < n; i += chunk {
		var ops []*storage.Op
		for j := i; j < i+chunk; j++ {
			id := ocID(ocOfficerA.Device, uint64(100+j))
			ops = append(ops, mk(storage.EventRegister, id, ocSet(storage.FieldFullName, fmt.Sprintf("Lò Văn %c", 'A'+rune(j%26))),
				ocSet(storage.FieldPermanentAddressCode, ocCommuneA)))
			ops = append(ops, mk(storage.EventMoveOut, id, ocSet(storage.FieldPermanentAddressCode, ocCommuneB)))
		}
		apply(ops, t0)
	}
	t.Logf("%d persons registered and moved out in %v", n, time.Since(start).Round(time.Second))
	// 31 days later, entries with nothing in them (or any batch at all).
	later := t0 + storage.HLC(uint64((31*24*time.Hour).Milliseconds())<<16)
	late := func() int {
		cs, err := f.s.PersonConflicts()
		if err != nil {
			t.Fatal(err)
		}
		return len(cs)
	}
	for i, want := range []int{1024, 2048, n, n} {
		ap, err := f.s.BeginApply(storage.ApplyOptions{Feed: true, Fresh: true, Time: later})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ap.Commit(map[string][]byte{storage.PositionMetaPrefix + "applied": {byte(i)}}); errors.Is(err, badger.ErrTxnTooBig) || err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		if got := late(); got != want {
			t.Fatalf("after entry %d: %d moves flagged late, want %d", i, got, want)
		}
	}
}
