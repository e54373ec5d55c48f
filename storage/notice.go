package storage

import (
	"errors"
	"slices"
	"sort"
	"strings"

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
//	Nt:<id16><kind>   (node) open: the communes told so, "\x00"-joined
//	Nc:<id16><kind>   (device) the person is in such a conflict

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

// communesOfPerson is the communes a person's records and notices go to:
// its addresses', else its communes of record.
func (a *applier) communesOfPerson(p *Person) ([]string, error) {
	var cs communeSet
	communeOf(p, &cs)
	if len(cs) == 0 {
		rc, err := a.communesOfRecord(p.ID)
		if err != nil {
			return nil, err
		}
		cs = append(cs, rc...)
	}
	out := append([]string(nil), cs...)
	sort.Strings(out)
	return out, nil
}

// personNow returns the record of id as the transaction leaves it, or nil.
func (a *applier) personNow(id ID) (*Person, error) {
	if p, ok := a.persons[id]; ok {
		return p, nil
	}
	return personIn(a.txn, id)
}

// partners returns the other persons of p's conflict lists of kind k:
// the holders of its ID number, or the persons of its duplicate list
// flagged as probably one with it.
func (a *applier) partners(p *Person, k NoticeKind) ([]ID, error) {
	var out []ID
	switch k {
	case NoticeSameIDNumber:
		digits := p.Values[FieldIDNumber]
		if digits == "" || a.sem.isRetired(p.ID) {
			return nil, nil
		}
		holders, err := a.sem.get(idHolderKey(digits))
		if err != nil {
			return nil, err
		}
		for _, id := range idList(holders) {
			if id != p.ID {
				out = append(out, id)
			}
		}
	case NoticeDuplicate:
		dk := dupKey(p)
		if dk == nil || a.sem.isRetired(p.ID) {
			return nil, nil
		}
		l, err := a.sem.get(dk)
		if err != nil {
			return nil, err
		}
		for i := 0; i+dupEntryLen <= len(l); i += dupEntryLen {
			id, ok := decodeIDKey(l[i : i+idKeyLen])
			if ok && id != p.ID && exists(a.txn, pairKey(prefixSemanticDup, p.ID, id)) {
				out = append(out, id)
			}
		}
	}
	return out, nil
}

// crossConflict reports whether p is in a conflict of kind k with a
// person of another commune. communes caches each person's communes for
// the call, and unions the communes of each ID number's holders: the
// members of one list are asked in turn, and one list may hold thousands.
func (a *applier) crossConflict(p *Person, k NoticeKind, communes map[ID][]string, unions map[string][]string) (bool, error) {
	mine, err := a.cachedCommunes(p, communes)
	if err != nil {
		return false, err
	}
	if k == NoticeSameIDNumber {
		digits := p.Values[FieldIDNumber]
		if digits == "" || a.sem.isRetired(p.ID) {
			return false, nil
		}
		u, ok := unions[digits]
		if !ok {
			holders, err := a.sem.get(idHolderKey(digits))
			if err != nil {
				return false, err
			}
			seen := map[string]bool{}
			for _, id := range idList(holders) {
				cs, err := a.communesOfID(id, communes)
				if err != nil {
					return false, err
				}
				for _, c := range cs {
					if !seen[c] {
						seen[c] = true
						u = append(u, c)
					}
				}
			}
			unions[digits] = u
		}
		// p's own communes are in mine: any other in the union is
		// another holder's.
		for _, c := range u {
			if !slices.Contains(mine, c) {
				return true, nil
			}
		}
		return false, nil
	}
	others, err := a.partners(p, k)
	if err != nil {
		return false, err
	}
	for _, id := range others {
		theirs, err := a.communesOfID(id, communes)
		if err != nil {
			return false, err
		}
		for _, c := range theirs {
			if !slices.Contains(mine, c) {
				return true, nil
			}
		}
	}
	return false, nil
}

// communesOfID is the communes of person id (none when not held),
// through the call's cache.
func (a *applier) communesOfID(id ID, communes map[ID][]string) ([]string, error) {
	if cs, ok := communes[id]; ok {
		return cs, nil
	}
	q, err := a.personNow(id)
	if err != nil || q == nil {
		communes[id] = nil
		return nil, err
	}
	return a.cachedCommunes(q, communes)
}

func (a *applier) cachedCommunes(p *Person, communes map[ID][]string) ([]string, error) {
	if cs, ok := communes[p.ID]; ok {
		return cs, nil
	}
	cs, err := a.communesOfPerson(p)
	if err == nil {
		communes[p.ID] = cs
	}
	return cs, err
}

// notify brings the notices of kind k of each person of ids up to date:
// open while the person is in such a conflict with a person of another
// commune, told to the person's communes; a closing notice to every
// commune told it was open. Which communes were told is kept (Nt:), so a
// person who moves is closed where it was open and opened where it goes.
func (a *applier) notify(k NoticeKind, ids []ID) error {
	txn := a.txn
	communes := map[ID][]string{}
	unions := map[string][]string{}
	done := map[ID]bool{}
	for _, id := range ids {
		if done[id] {
			continue
		}
		done[id] = true
		p, err := a.personNow(id)
		if err != nil {
			return err
		}
		if p == nil {
			continue
		}
		open, err := a.crossConflict(p, k, communes, unions)
		if err != nil {
			return err
		}
		var now []string
		if open {
			if now, err = a.cachedCommunes(p, communes); err != nil {
				return err
			}
		}
		sk := noticeKey(prefixNoticeState, id, k)
		var told []string
		item, err := txn.Get(sk)
		switch {
		case errors.Is(err, badger.ErrKeyNotFound):
		case err != nil:
			return err
		default:
			v, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			if len(v) > 1 || len(v) == 1 && v[0] != 1 {
				told = strings.Split(string(v), "\x00")
			} else if len(v) == 1 {
				// Kept before the communes were: those of the person now.
				told, _ = a.cachedCommunes(p, communes)
			}
		}
		var closeTo, openTo []string
		for _, c := range told {
			if !slices.Contains(now, c) {
				closeTo = append(closeTo, c)
			}
		}
		for _, c := range now {
			if !slices.Contains(told, c) {
				openTo = append(openTo, c)
			}
		}
		if len(closeTo) == 0 && len(openTo) == 0 {
			continue
		}
		if open {
			err = txn.Set(sk, []byte(strings.Join(now, "\x00")))
		} else {
			err = txn.Delete(sk)
		}
		if err != nil {
			return err
		}
		if err := a.emitNotice(k, id, "", closeTo); err != nil {
			return err
		}
		if err := a.emitNotice(k, id, noticeOpen, openTo); err != nil {
			return err
		}
	}
	return nil
}

// emitNotice makes a notice of kind k on person id, value v (open or
// closed), fed to communes (sorted); none when there are none.
func (a *applier) emitNotice(k NoticeKind, id ID, v string, communes []string) error {
	if len(communes) == 0 {
		return nil
	}
	txn, ctr := a.txn, &a.ctr
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
	ctr.Feed++
	ref := rk[len(prefixRemoteOp):]
	for _, c := range communes {
		if err := txn.Set(feedKey(c, ctr.Feed), ref); err != nil {
			return err
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
