package storage

import (
	"encoding/binary"
	"errors"

	"github.com/dgraph-io/badger/v4"
)

// Key layout of a store (layout 2, layout.go). Everything — records,
// history, the search index, what came from other devices, conflicts —
// lives inside the one encrypted Badger store, so nothing about a citizen
// is ever written in the clear. Every prefix is in the table below, with
// the file that owns it; no prefix is a prefix of another's keys unless
// the table says so (m:x: under m:, the S:?: kinds under S:). The key
// bytes are hashed into the state digests: changing one is a new layout,
// with an upgrade.
//
// id16 is the 8-byte device tag and the big-endian counter, so one
// device's records sort together and in creation order; dev16 a device
// ID; n8, seq8 big-endian counters.
//
// A name key's value is the person's birth year (or empty), so a search
// for a name and a year reads no other key. "Is the ID number taken" is a
// seek on x:i:<digits>, in a read-only transaction: a counter per ID
// number would be one more key per person for every import. A
// household's members and head are in its member list (Hm:), one key per
// household, not one per person.
const (
	// The store's own values (keys.go, layout.go, outbox.go, rework.go).
	prefixMeta      = "m:"         // m:<name>: metadata
	keyMetaProfile  = "m:profile"  // the profile (kind, commune, device)
	keyMetaCounters = "m:counters" // record, operation and feed counters
	keyMetaLayout   = "m:layout"   // the key layout number
	keyMetaOutbox   = "m:outbox"   // the outbox's state
	keyMetaRework   = "m:rework"   // a rewrite of unsent operations under way
	prefixUserMeta  = "m:x:"       // m:x:<name>: named values of other layers (meta.go)

	// Records and this device's operations (keys.go, born.go).
	prefixPerson    = "p:" // p:<id16>: a person
	prefixHousehold = "h:" // h:<id16>: a household
	prefixHHNumber  = "H:" // H:<folded number>: household number → id16, unique per commune
	prefixOp        = "o:" // o:<seq8>: this device's operation log, in order
	prefixHistory   = "l:" // l:<id16><seq8>: an operation of this device that changed id (not the one that created it)
	prefixBorn      = "n:" // n:<n8>: the records one write created, and the operations that did

	// The search index (keys.go, search.go).
	prefixName       = "x:n:" // x:n:<token>\x00<folded name>\x00<id16>: name tokens (full and other names)
	prefixTokenCount = "x:c:" // x:c:<token>: how many persons carry the token, to pick the rarest
	prefixIDNumber   = "x:i:" // x:i:<digits>\x00<id16>: ID numbers, current and old
	prefixPlace      = "x:a:" // x:a:<folded hamlet>\x00<yyyy>\x00<id16>: hamlet and birth year

	// Operations from other devices and the district's feed (remote.go).
	prefixRemoteOp      = "r:" // r:<dev16><seq8>: an operation made elsewhere
	prefixRemoteHistory = "L:" // L:<id16><dev16><seq8>: such an operation changed id
	prefixFeed          = "F:" // F:<commune>\x00<n8>: the feed of a commune, in order

	// The outbox and the rewriting of refused operations (outbox.go, rework.go).
	prefixBatch        = "b:"  // b:<n8>: a sealed batch not yet acknowledged
	prefixStaged       = "w:"  // w:<seq8>: operations staged by a rewrite
	prefixStagedRefuse = "wx:" // wx:<seq8>: refusals a rewrite answers
	prefixRefused      = "rf:" // rf:<n8>: operations the district refused, to correct

	// Conflicts (conflict.go, semantic.go, duplicate.go, notice.go).
	prefixConflict      = "C:"   // C:<id16><field>: a field's candidates
	prefixIDHolder      = "I:"   // I:<digits>: who holds a current ID number
	prefixSemantic      = "S:"   // S:<kind>:…: semantic conflicts, by kind below
	prefixSemanticSame  = "S:i:" // the same ID number on two persons
	prefixSemanticDead  = "S:d:" // edits after a death
	prefixSemanticMove  = "S:m:" // a move out with no move in
	prefixSemanticHeads = "S:h:" // a household without exactly one head
	prefixSemanticDup   = "S:q:" // probable duplicates across communes
	prefixPendingMove   = "M:"   // M:<id16>: a move out waiting for its move in
	prefixHHMemberOf    = "Hm:"  // Hm:<commune>\x00<folded number>: a household's member list
	prefixDupKey        = "Q:"   // Q:<folded name>\x00<birth date>: persons to compare
	prefixDistinct      = "Dq:"  // Dq:<id16><id16> (in order): a supervisor said "not the same person"
	prefixMerged        = "Mg:"  // Mg:<id16>: a person retired into another
	prefixMergedInto    = "Mk:"  // Mk:<id16><id16>: the second was merged into the first
	prefixNoticeState   = "Nt:"  // Nt:<id16><kind>: (node) the communes told of an open conflict
	prefixNotice        = "Nc:"  // Nc:<id16><kind>: (device) the person is in such a conflict

	// The district's checks of what devices send (authority.go).
	prefixCommunesOfRecord = "Rc:" // Rc:<id16>: the communes a record belongs to

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
