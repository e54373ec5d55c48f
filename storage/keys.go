package storage

import (
	"encoding/binary"
	"errors"

	"github.com/dgraph-io/badger/v4"
)

// Key layout of a commune store. Everything — records, history, search
// index — lives inside the one encrypted Badger store, so nothing about a
// citizen is ever written in the clear.
//
//	m:<name>                         metadata (profile, counters)
//	p:<id16>                         person record
//	h:<id16>                         household record
//	H:<folded number>                household number -> id16 (unique per commune)
//	o:<seq8>                         this device's operation log, in order; value is the op
//	l:<id16><seq8>                   history index: an operation of this device that changed id
//	                                 (but the one that created it: see n: in born.go)
//	n:<last record counter8>         the records one write created, and the operations that did
//	m:layout                         the key layout number (layout.go)
//	x:n:<token>\x00<folded name>\x00<id16>   name token index (full and other names)
//	x:c:<token>                      how many persons carry the token (uint32), to pick the rarest
//	x:i:<digits>\x00<id16>           ID numbers (current and old)
//	x:a:<folded hamlet>\x00<yyyy>\x00<id16>   hamlet and birth year (either may be empty)
//
// A name key's value is the person's birth year (or empty), so a search
// for a name and a year reads no other key.
// "Is the ID number taken" is a seek on x:i:<digits>, in a read-only
// transaction: a counter per ID number would be one more key per person for
// every import. A household's members and head are in its member lists
// (Hm:, semantic.go), one key per household, not one per person.
//
// id16 is the 8-byte device tag and the big-endian counter, so one device's
// records sort together and in creation order.
const (
	prefixMeta        = "m:"
	prefixPerson      = "p:"
	prefixHousehold   = "h:"
	prefixHHNumber    = "H:"
	prefixOp          = "o:"
	prefixHistory     = "l:"
	prefixName        = "x:n:"
	prefixTokenCount  = "x:c:"
	prefixIDNumber    = "x:i:"
	prefixPlace       = "x:a:"
	keyMetaProfile    = "m:profile"
	keyMetaCounters   = "m:counters"
	idKeyLen          = 16
	opSeqKeyLen       = 8
	indexSep          = 0
	maxIndexComponent = 200
)

func appendID(b []byte, id ID) []byte {
	var tag [8]byte
	copy(tag[:], id.Origin)
	b = append(b, tag[:]...)
	return binary.BigEndian.AppendUint64(b, id.N)
}

func decodeIDKey(b []byte) (ID, bool) {
	if len(b) != idKeyLen {
		return ID{}, false
	}
	return ID{Origin: trimZero(b[:8]), N: binary.BigEndian.Uint64(b[8:])}, true
}

func personKey(id ID) []byte    { return appendID([]byte(prefixPerson), id) }
func householdKey(id ID) []byte { return appendID([]byte(prefixHousehold), id) }
func hhNumberKey(folded string) []byte {
	return append([]byte(prefixHHNumber), folded...)
}
func opKey(seq uint64) []byte { return binary.BigEndian.AppendUint64([]byte(prefixOp), seq) }
func historyKey(id ID, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(appendID([]byte(prefixHistory), id), seq)
}
func historyPrefix(id ID) []byte { return appendID([]byte(prefixHistory), id) }

func clip(s string) string {
	if len(s) > maxIndexComponent {
		return s[:maxIndexComponent]
	}
	return s
}

// indexKey builds prefix + value + 0 + id16.
func indexKey(prefix, value string, id ID) []byte {
	v := clip(value)
	b := make([]byte, 0, len(prefix)+len(v)+1+idKeyLen)
	b = append(b, prefix...)
	b = append(b, v...)
	b = append(b, indexSep)
	return appendID(b, id)
}

// placeKey builds x:a:<folded hamlet>\x00<yyyy>\x00<id16>.
func placeKey(hamlet, year string, id ID) []byte {
	h := clip(hamlet)
	b := make([]byte, 0, len(prefixPlace)+len(h)+len(year)+2+idKeyLen)
	b = append(b, prefixPlace...)
	b = append(b, h...)
	b = append(b, indexSep)
	b = append(b, year...)
	b = append(b, indexSep)
	return appendID(b, id)
}

// nameKey builds x:n:<token>\x00<folded name>\x00<id16>.
func nameKey(token, folded string, id ID) []byte {
	t, f := clip(token), clip(folded)
	b := make([]byte, 0, len(prefixName)+len(t)+len(f)+2+idKeyLen)
	b = append(b, prefixName...)
	b = append(b, t...)
	b = append(b, indexSep)
	b = append(b, f...)
	b = append(b, indexSep)
	return appendID(b, id)
}

// eachKey calls fn with every key under prefix, in order, with the rest of
// the key after prefix (valid only during the call) and its item; values
// says the walk prefetches values, for an fn that reads them. fn returns
// errStopWalk to end the walk early.
func eachKey(txn *badger.Txn, prefix string, values bool, fn func(rest []byte, item *badger.Item) error) error {
	pre := []byte(prefix)
	opt := badger.IteratorOptions{Prefix: pre, PrefetchValues: values}
	if values {
		opt.PrefetchSize = 100
	}
	it := txn.NewIterator(opt)
	defer it.Close()
	for it.Seek(pre); it.ValidForPrefix(pre); it.Next() {
		if err := fn(it.Item().Key()[len(pre):], it.Item()); err != nil {
			if err == errStopWalk {
				return nil
			}
			return err
		}
	}
	return nil
}

// errStopWalk ends an eachKey walk without an error.
var errStopWalk = errors.New("stop the walk")
