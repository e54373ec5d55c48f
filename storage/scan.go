package storage

import (
	"encoding/binary"

	"github.com/dgraph-io/badger/v4"
)

// Walks over every record and every operation, read-only, for what counts
// them all (the statistics and the data-quality worklist of
// storage/report). Each is one read-only transaction, so it sees one
// consistent state however long it takes, and costs one pass over the
// keys: no index is read, nothing is written.

// ScanPersons calls fn with every person record the store holds, in key
// order, leaving out the persons a supervisor merged into another (their
// identifier leads to the person kept, who is walked). The *Person is
// reused from one call to the next: fn must copy it to keep it past the
// call (the strings in it are its own and may be kept). An error from fn
// ends the walk and is returned.
func (s *Store) ScanPersons(fn func(p *Person) error) error {
	if s.db == nil {
		return ErrClosed
	}
	return s.db.View(func(txn *badger.Txn) error {
		retired := map[ID]bool{}
		if err := eachKey(txn, prefixMerged, false, func(rest []byte, _ *badger.Item) error {
			if id, ok := decodeIDKey(rest); ok {
				retired[id] = true
			}
			return nil
		}); err != nil {
			return err
		}
		var p Person
		in := interner{}
		decode := func(v []byte) error { return p.unmarshal(v, in) }
		// Without prefetching: a record stored in its table is decoded
		// in place rather than copied first.
		opt := badger.IteratorOptions{Prefix: []byte(prefixPerson)}
		it := txn.NewIterator(opt)
		defer it.Close()
		for it.Seek(opt.Prefix); it.ValidForPrefix(opt.Prefix); it.Next() {
			if err := it.Item().Value(decode); err != nil {
				return err
			}
			if len(retired) > 0 && retired[p.ID] {
				continue
			}
			if err := fn(&p); err != nil {
				return err
			}
		}
		return nil
	})
}

// ScanHouseholds calls fn with every household record, in key order; the
// *Household is reused as in ScanPersons. Its Head is as stored, not
// derived from the members (see Household).
func (s *Store) ScanHouseholds(fn func(h *Household) error) error {
	if s.db == nil {
		return ErrClosed
	}
	return s.db.View(func(txn *badger.Txn) error {
		var h Household
		return eachKey(txn, prefixHousehold, true, func(_ []byte, item *badger.Item) error {
			if err := item.Value(h.UnmarshalBinary); err != nil {
				return err
			}
			return fn(&h)
		})
	})
}

// ScanOps calls fn with every operation the store holds — this device's
// own log, then the operations of other devices it applied (all a
// district node holds) — for which want, given the operation's kind,
// event and clock, returns true. want reads only the head of each
// encoded operation, so a walk that wants a few events among a hundred
// thousand registrations decodes only those few. The order is by device
// and sequence, not by clock.
func (s *Store) ScanOps(want func(kind EntityKind, ev Event, at HLC) bool, fn func(op *Op) error) error {
	if s.db == nil {
		return ErrClosed
	}
	own := s.profile.Device
	return s.db.View(func(txn *badger.Txn) error {
		for _, prefix := range []string{prefixOp, prefixRemoteOp} {
			// Without prefetching: a value stored in its table is read
			// in place, and only its head is looked at.
			err := eachKey(txn, prefix, false, func(_ []byte, item *badger.Item) error {
				var op *Op
				err := item.Value(func(v []byte) error {
					dev, kind, ev, at, ok := opHead(v)
					if !ok {
						// Let the full decoder say what is wrong.
						op = &Op{}
						return op.UnmarshalBinary(v)
					}
					if prefix == prefixRemoteOp && own != "" && string(dev) == string(own) {
						return nil // never counted twice
					}
					if !want(kind, ev, at) {
						return nil
					}
					op = &Op{}
					return op.UnmarshalBinary(v)
				})
				if err != nil || op == nil {
					return err
				}
				return fn(op)
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// opHead reads the device, kind, event and clock of an encoded operation
// without decoding the rest (the layout of Op.MarshalBinary); ok is false
// when b is not a well-formed head. dev aliases b.
func opHead(b []byte) (dev []byte, kind EntityKind, ev Event, at HLC, ok bool) {
	if len(b) == 0 || b[0] != encodingV1 {
		return nil, 0, 0, 0, false
	}
	b = b[1:]
	str := func() ([]byte, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return nil, false
		}
		s := b[k : k+int(n)]
		b = b[k+int(n):]
		return s, true
	}
	uv := func() (uint64, bool) {
		v, k := binary.Uvarint(b)
		if k <= 0 {
			return 0, false
		}
		b = b[k:]
		return v, true
	}
	var good bool
	if dev, good = str(); !good {
		return nil, 0, 0, 0, false
	}
	if _, good = uv(); !good { // seq
		return nil, 0, 0, 0, false
	}
	h, good := uv()
	if !good {
		return nil, 0, 0, 0, false
	}
	if _, good = str(); !good { // officer
		return nil, 0, 0, 0, false
	}
	if len(b) == 0 {
		return nil, 0, 0, 0, false
	}
	kind = EntityKind(b[0])
	b = b[1:]
	if _, good = str(); !good { // id origin
		return nil, 0, 0, 0, false
	}
	if _, good = uv(); !good { // id counter
		return nil, 0, 0, 0, false
	}
	if len(b) == 0 {
		return nil, 0, 0, 0, false
	}
	return dev, kind, Event(b[0]), HLC(h), true
}
