package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/dgraph-io/badger/v4"
)

// The operation that created a record of this device is found through a
// run key, not a history key (l:) of its own: one key per saved write —
// per import chunk of a thousand persons — instead of one per record.
//
//	n:<last record counter, 8 bytes BE>   the records that write created:
//	                                       (counter, operation seq) pairs
//
// Record counters (ID.N) grow with every record made, so the runs of two
// writes never interleave, and the run holding counter N is the first key
// at or after n:<N>. Later operations on a record have their l: keys as
// before; stores written before layout 2 have l: keys for creations too,
// and history readers take both, once.

// bornPair says that this device's operation seq created record counter n.
type bornPair struct{ n, seq uint64 }

// maxBornRun bounds the pairs one run key decodes to.
const maxBornRun = 1 << 20

// bornRun is the key and value of the run of pairs (any order).
func bornRun(pairs []bornPair) kvOp {
	ps := slices.Clone(pairs)
	slices.SortFunc(ps, func(a, b bornPair) int {
		switch {
		case a.n < b.n:
			return -1
		case a.n > b.n:
			return 1
		}
		return 0
	})
	v := binary.AppendUvarint(nil, uint64(len(ps)))
	var pn, ps0 uint64
	for _, p := range ps {
		v = binary.AppendUvarint(v, p.n-pn)
		v = binary.AppendVarint(v, int64(p.seq-ps0))
		pn, ps0 = p.n, p.seq
	}
	return kvOp{k: binary.BigEndian.AppendUint64([]byte(prefixBorn), pn), v: v}
}

// bornSeq returns the seq of the operation that created record counter n,
// from the run v; ok is false when the run does not hold n.
func bornSeq(v []byte, n uint64) (seq uint64, ok bool, err error) {
	count, k := binary.Uvarint(v)
	if k <= 0 || count > maxBornRun {
		return 0, false, fmt.Errorf("%w: creation run header", ErrCorrupt)
	}
	v = v[k:]
	var pn, ps uint64
	for i := uint64(0); i < count; i++ {
		dn, k := binary.Uvarint(v)
		if k <= 0 {
			return 0, false, fmt.Errorf("%w: creation run entry %d", ErrCorrupt, i)
		}
		v = v[k:]
		ds, k := binary.Varint(v)
		if k <= 0 {
			return 0, false, fmt.Errorf("%w: creation run entry %d", ErrCorrupt, i)
		}
		v = v[k:]
		pn, ps = pn+dn, ps+uint64(ds)
		if pn == n {
			return ps, true, nil
		}
		if pn > n {
			break
		}
	}
	return 0, false, nil
}

// creationOp returns this device's operation that created id, if a run
// key names it.
func creationOp(txn *badger.Txn, id ID) (*Op, error) {
	pre := []byte(prefixBorn)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: pre})
	defer it.Close()
	it.Seek(binary.BigEndian.AppendUint64([]byte(prefixBorn), id.N))
	if !it.ValidForPrefix(pre) {
		return nil, nil
	}
	var seq uint64
	var ok bool
	err := it.Item().Value(func(v []byte) error {
		var err error
		seq, ok, err = bornSeq(v, id.N)
		return err
	})
	if err != nil || !ok {
		return nil, err
	}
	op, err := getOp(txn, opKey(seq))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, fmt.Errorf("%w: the operation that created %s is missing", ErrCorrupt, id)
	}
	if err != nil {
		return nil, err
	}
	if op.ID != id {
		return nil, nil // counter n of another device's record
	}
	return op, nil
}

// localOps returns this device's operations on id, oldest first: the one
// that created it (run key) and those with history keys.
func localOps(txn *badger.Txn, id ID) ([]*Op, error) {
	var ops []*Op
	born, err := creationOp(txn, id)
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", id, err)
	}
	if born != nil {
		ops = append(ops, born)
	}
	err = eachKey(txn, string(historyPrefix(id)), false, func(rest []byte, _ *badger.Item) error {
		if len(rest) != opSeqKeyLen {
			return nil
		}
		seq := binary.BigEndian.Uint64(rest)
		if born != nil && seq == born.Seq {
			return nil // a store written before layout 2 has both
		}
		op, err := getOp(txn, opKey(seq))
		if err != nil {
			return fmt.Errorf("history of %s: %w", id, err)
		}
		ops = append(ops, op)
		return nil
	})
	return ops, err
}

// getOp reads the operation stored under k (o: or r:).
func getOp(txn *badger.Txn, k []byte) (*Op, error) {
	item, err := txn.Get(k)
	if err != nil {
		return nil, err
	}
	op := &Op{}
	if err := item.Value(op.UnmarshalBinary); err != nil {
		return nil, err
	}
	return op, nil
}
