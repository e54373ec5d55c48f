package storage

import (
	"errors"
	"sort"

	"github.com/dgraph-io/badger/v4"
)

// Conflict notices (what reaches whom). A person of one commune in a
// conflict with a record of another — the same ID number, a probable
// duplicate — is a matter for a supervisor who covers both communes, and
// such a supervisor's device holds both records already (it pulls the
// feeds of both). An officer's device holds only its own communes'
// records, and must not receive the other commune's record: an officer who
// enters a person with someone's ID number would otherwise be sent that
// person, history and all. The officer is told instead that the person is
// in such a conflict, and when it is settled: a notice, an operation the
// district makes on the person, carrying nothing of the other record.
//
// A district node decides, after every entry, whether each person a
// conflict of this kind touched is in one with a person of another commune
// (Nt: on the node, the state last notified), and when that changes makes
// a notice of the reserved device NoticeDevice, numbered by the node's
// notice counter, fed to the person's communes. A device keeps what it
// was last told:
//
//	Nt:<id16><kind>   (node) the state last notified: 1 open
//	Nc:<id16><kind>   (device) the person is in such a conflict
const (
	prefixNoticeState = "Nt:"
	prefixNotice      = "Nc:"
)

// NoticeDevice is the device of the district's notices: no device is ever
// enrolled under it (cert.Request refuses it).
const NoticeDevice DeviceID = "districtnotices2"

// NoticeKind is what a notice is about; values are part of the encoding.
type NoticeKind uint8

// Notice kinds.
const (
	NoticeSameIDNumber NoticeKind = iota + 1 // the person's ID number is held by a person of another commune
	NoticeDuplicate                          // the person is probably a person of another commune
)

// Conflict returns the conflict kind a notice kind stands for.
func (k NoticeKind) Conflict() string {
	switch k {
	case NoticeSameIDNumber:
		return ConflictSameIDNumber
	case NoticeDuplicate:
		return ConflictDuplicate
	}
	return "notice"
}

// noticeOpen is a notice's value while the conflict holds; "" closes it.
const noticeOpen = "open"

func noticeKey(prefix string, id ID, k NoticeKind) []byte {
	return append(appendID([]byte(prefix), id), byte(k))
}

// applyNotice keeps what a district's notice says (a device).
func applyNotice(txn *badger.Txn, op *Op) error {
	if len(op.Changes) != 1 {
		return nil
	}
	k := noticeKey(prefixNotice, op.ID, NoticeKind(op.Changes[0].Field))
	if op.Changes[0].New == noticeOpen {
		return txn.Set(k, nil)
	}
	return deleteIf(txn, k)
}

// crossConflict reports whether p is in a conflict of kind k with a
// person of another commune, as the lists of txn say.
func (a *applier) crossConflict(p *Person, k NoticeKind) (bool, error) {
	var mine communeSet
	communeOf(p, &mine)
	other := func(id ID) (bool, error) {
		q, ok := a.persons[id]
		if !ok {
			var err error
			if q, err = personIn(a.txn, id); err != nil || q == nil {
				return false, err
			}
		}
		var theirs communeSet
		communeOf(q, &theirs)
		for _, c := range theirs {
			if !mine.has(c) {
				return true, nil
			}
		}
		return false, nil
	}
	switch k {
	case NoticeSameIDNumber:
		digits := p.Values[FieldIDNumber]
		if digits == "" || a.sem.isRetired(p.ID) {
			return false, nil
		}
		holders, err := a.sem.get(idHolderKey(digits))
		if err != nil {
			return false, err
		}
		for _, id := range idList(holders) {
			if id == p.ID {
				continue
			}
			if cross, err := other(id); err != nil || cross {
				return cross, err
			}
		}
	case NoticeDuplicate:
		dk := dupKey(p)
		if dk == nil || a.sem.isRetired(p.ID) {
			return false, nil
		}
		l, err := a.sem.get(dk)
		if err != nil {
			return false, err
		}
		for i := 0; i+dupEntryLen <= len(l); i += dupEntryLen {
			id, ok := decodeIDKey(l[i : i+idKeyLen])
			if !ok || id == p.ID || !exists(a.txn, pairKey(prefixSemanticDup, p.ID, id)) {
				continue
			}
			if cross, err := other(id); err != nil || cross {
				return cross, err
			}
		}
	}
	return false, nil
}

// notify makes, for each person of ids whose cross-commune conflict of
// kind k opened or closed, a notice fed to the person's communes.
func (a *applier) notify(k NoticeKind, ids []ID) error {
	txn, ctr := a.txn, &a.ctr
	for _, id := range ids {
		p, ok := a.persons[id]
		if !ok {
			var err error
			if p, err = personIn(txn, id); err != nil {
				return err
			}
			if p == nil {
				continue
			}
		}
		open, err := a.crossConflict(p, k)
		if err != nil {
			return err
		}
		sk := noticeKey(prefixNoticeState, id, k)
		_, err = txn.Get(sk)
		was := err == nil
		if err != nil && !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		if open == was {
			continue
		}
		if open {
			err = txn.Set(sk, []byte{1})
		} else {
			err = txn.Delete(sk)
		}
		if err != nil {
			return err
		}
		v := ""
		if open {
			v = noticeOpen
		}
		ctr.Notices++
		at := ctr.Seen
		if a.o.Time > at {
			at = a.o.Time
		}
		op := &Op{Device: NoticeDevice, Seq: ctr.Notices, HLC: at, Kind: KindNotice, ID: id, Event: EventCorrection,
			Changes: []Change{{Field: uint8(k), New: v}}}
		b, err := op.MarshalBinary()
		if err != nil {
			return err
		}
		rk := remoteOpKey(op.Device, op.Seq)
		if err := txn.Set(rk, b); err != nil {
			return err
		}
		var cs communeSet
		communeOf(p, &cs)
		if len(cs) == 0 {
			if rc, err := a.communesOfRecord(id); err == nil {
				cs = rc
			}
		}
		ctr.Feed++
		ref := rk[len(prefixRemoteOp):]
		sort.Strings(cs)
		for _, c := range cs {
			if err := txn.Set(feedKey(c, ctr.Feed), ref); err != nil {
				return err
			}
		}
	}
	return nil
}

// ConflictNotice says that one of this device's persons is in a conflict
// with a person of another commune that a supervisor of both decides.
type ConflictNotice struct {
	Kind   NoticeKind
	Person ID
}

// Name is "<conflict kind>:<person>".
func (n ConflictNotice) Name() string { return n.Kind.Conflict() + ":" + n.Person.String() }

// ConflictNotices returns the district's notices this device holds that
// its own conflicts do not show already (a supervisor who holds both
// persons sees the conflict itself).
func (s *Store) ConflictNotices(shown *ConflictSet) ([]ConflictNotice, error) {
	if s.db == nil {
		return nil, ErrClosed
	}
	seen := map[ConflictNotice]bool{}
	if shown != nil {
		for _, c := range shown.SameID {
			for _, id := range c.Persons {
				seen[ConflictNotice{Kind: NoticeSameIDNumber, Person: id}] = true
			}
		}
		for _, d := range shown.Duplicates {
			seen[ConflictNotice{Kind: NoticeDuplicate, Person: d.A}] = true
			seen[ConflictNotice{Kind: NoticeDuplicate, Person: d.B}] = true
		}
	}
	var out []ConflictNotice
	err := s.db.View(func(txn *badger.Txn) error {
		return eachKey(txn, prefixNotice, false, func(rest []byte, _ *badger.Item) error {
			if len(rest) != idKeyLen+1 {
				return nil
			}
			id, ok := decodeIDKey(rest[:idKeyLen])
			if !ok {
				return nil
			}
			n := ConflictNotice{Kind: NoticeKind(rest[idKeyLen]), Person: id}
			if !seen[n] {
				out = append(out, n)
			}
			return nil
		})
	})
	return out, err
}
