package storage

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// The outbox keeps this device's sealed batches until the district
// acknowledges them. Operations are numbered 1, 2, 3… as they are saved;
// batches are numbered 1, 2, 3… as they are sealed, each holding the next
// run of operations. A batch's number and its operations are committed in
// one transaction, before its file is written anywhere, so two different
// batches never share a number: a crash before the commit loses only bytes
// that never left the machine, and the next export seals the same
// operations under the same number.
//
//	m:outbox     OutboxState (JSON)
//	b:<n8>       OutBatch: the sealed bytes and the operations it holds

// OutboxState counts what has been sealed and acknowledged.
type OutboxState struct {
	Batches    uint64   `json:"batches"`     // number of the last sealed batch
	BatchedSeq uint64   `json:"batched_seq"` // last operation sealed in a batch
	AckedSeq   uint64   `json:"acked_seq"`   // last operation the district acknowledged
	AckedBatch uint64   `json:"acked_batch"` // last batch the district acknowledged
	LastHash   [32]byte `json:"last_hash"`   // hash of the last sealed batch (the next one's PrevHash)
}

// OutBatch is one sealed batch kept in the outbox.
type OutBatch struct {
	N        uint64   `json:"n"`
	FirstSeq uint64   `json:"first_seq"`
	LastSeq  uint64   `json:"last_seq"`
	Hash     [32]byte `json:"hash"`
	Sealed   []byte   `json:"sealed"`
}

// ErrOutboxChanged means another export sealed operations meanwhile.
var ErrOutboxChanged = errors.New("the outbox changed while sealing; run the export again")

func batchKey(n uint64) []byte { return binary.BigEndian.AppendUint64([]byte(prefixBatch), n) }

func (s *Store) outbox(txn *badger.Txn) (OutboxState, error) {
	var st OutboxState
	item, err := txn.Get([]byte(keyMetaOutbox))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	err = item.Value(func(v []byte) error { return json.Unmarshal(v, &st) })
	if err != nil {
		return st, fmt.Errorf("%w: outbox state: %v", ErrDamaged, err)
	}
	return st, nil
}

// Outbox returns the outbox counters.
func (s *Store) Outbox() (OutboxState, error) {
	if s.db == nil {
		return OutboxState{}, ErrClosed
	}
	var st OutboxState
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		st, err = s.outbox(txn)
		return err
	})
	return st, err
}

// Pending returns the exact number of this device's operations the
// district has not acknowledged, sealed or not, and of a copy's operations
// of the device it was that the district is not known to hold.
func (s *Store) Pending() (uint64, error) {
	st, err := s.Outbox()
	if err != nil {
		return 0, err
	}
	h, err := s.Handover()
	if err != nil {
		return 0, err
	}
	var carried uint64
	if h != nil {
		// A copy's operations of the device it was (handover.go).
		carried = h.Unsent()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ctr.Seq - st.AckedSeq + carried, nil
}

// Unbatched returns up to max operations (all when max <= 0) saved since the
// last sealed batch, in order.
func (s *Store) Unbatched(max int) ([]*Op, error) {
	if s.db == nil {
		return nil, ErrClosed
	}
	var ops []*Op
	err := s.db.View(func(txn *badger.Txn) error {
		st, err := s.outbox(txn)
		if err != nil {
			return err
		}
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefixOp), PrefetchValues: true, PrefetchSize: 100})
		defer it.Close()
		for it.Seek(opKey(st.BatchedSeq + 1)); it.ValidForPrefix([]byte(prefixOp)); it.Next() {
			op := &Op{}
			if err := it.Item().Value(op.UnmarshalBinary); err != nil {
				return err
			}
			if op.Seq != st.BatchedSeq+uint64(len(ops))+1 {
				return fmt.Errorf("%w: operation log has a gap at %d", ErrDamaged, st.BatchedSeq+uint64(len(ops))+1)
			}
			ops = append(ops, op)
			if max > 0 && len(ops) >= max {
				break
			}
		}
		return nil
	})
	return ops, err
}

// updateOutbox runs fn on the outbox state in one durable transaction and
// saves the state fn leaves; fn returning errUnchanged saves nothing.
func (s *Store) updateOutbox(fn func(txn *badger.Txn, st *OutboxState) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return ErrClosed
	}
	err := s.update(func(txn *badger.Txn) error {
		st, err := s.outbox(txn)
		if err != nil {
			return err
		}
		if err := fn(txn, &st); err != nil {
			return err
		}
		sv, _ := json.Marshal(st)
		return txn.Set([]byte(keyMetaOutbox), sv)
	})
	if errors.Is(err, errUnchanged) {
		return nil
	}
	return err
}

var errUnchanged = errors.New("unchanged")

// AddBatch records a sealed batch holding operations firstSeq..lastSeq as
// batch n. It must be the next batch and hold the next operations, else
// ErrOutboxChanged and nothing is written. The batch is durable when
// AddBatch returns; only then may its bytes leave the machine.
func (s *Store) AddBatch(b *OutBatch) error {
	return s.updateOutbox(func(txn *badger.Txn, st *OutboxState) error {
		if b.N != st.Batches+1 || b.FirstSeq != st.BatchedSeq+1 || b.LastSeq < b.FirstSeq || b.LastSeq > s.ctr.Seq {
			return ErrOutboxChanged
		}
		v, _ := json.Marshal(b)
		if err := txn.Set(batchKey(b.N), v); err != nil {
			return err
		}
		st.Batches, st.BatchedSeq, st.LastHash = b.N, b.LastSeq, b.Hash
		return nil
	})
}

func getBatch(txn *badger.Txn, n uint64) (*OutBatch, error) {
	item, err := txn.Get(batchKey(n))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, fmt.Errorf("batch %d: %w", n, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	b := &OutBatch{}
	if err := item.Value(func(v []byte) error { return json.Unmarshal(v, b) }); err != nil {
		return nil, fmt.Errorf("%w: outbox batch %d: %v", ErrDamaged, n, err)
	}
	return b, nil
}

// Batch returns sealed batch n.
func (s *Store) Batch(n uint64) (*OutBatch, error) {
	if s.db == nil {
		return nil, ErrClosed
	}
	var b *OutBatch
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		b, err = getBatch(txn, n)
		return err
	})
	return b, err
}

// Unacknowledged returns the sealed batches the district has not
// acknowledged, in order: what an export writes out (again) and a sync
// pushes.
func (s *Store) Unacknowledged() ([]*OutBatch, error) {
	st, err := s.Outbox()
	if err != nil {
		return nil, err
	}
	var out []*OutBatch
	for n := st.AckedBatch + 1; n <= st.Batches; n++ {
		b, err := s.Batch(n)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// Acknowledge records the district's receipt for batches up to n: their
// operations stop counting as pending. Acknowledging an older batch again
// changes nothing.
func (s *Store) Acknowledge(n uint64) error {
	return s.updateOutbox(func(txn *badger.Txn, st *OutboxState) error {
		if n <= st.AckedBatch {
			return errUnchanged
		}
		if n > st.Batches {
			return fmt.Errorf("receipt for batch %d, but only %d batches were sealed on this device", n, st.Batches)
		}
		b, err := getBatch(txn, n)
		if err != nil {
			return err
		}
		st.AckedBatch, st.AckedSeq = n, b.LastSeq
		return nil
	})
}
