package report

import (
	"errors"
	"time"

	"github.com/communekit/communekit/storage"
)

// The events the events table counts from operations.
var eventKinds = map[storage.Event]bool{
	storage.EventBirth: true, storage.EventDeath: true,
	storage.EventMoveIn: true, storage.EventMoveOut: true,
	storage.EventTemporaryResidence: true, storage.EventTemporaryAbsence: true,
}

// eventOp is an operation registering an event in the period.
type eventOp struct {
	event storage.Event
	id    storage.ID
	sex   string   // from the operation, else from the record
	codes []string // the commune codes of the addresses it names
	in    bool     // the record is under the filter (when codes is empty)
}

// eventScan holds the event operations of a period until the pass over the
// persons tells, for those that name no address, whether their person is
// under the filter, and the sex of those that do not carry it.
type eventScan struct {
	ops  []eventOp
	need map[storage.ID][]int
}

// hlcOf is the clock reading of midnight (in Vietnam) starting day d.
func hlcOf(d Date) storage.HLC {
	t := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, vietnam)
	return storage.HLC(uint64(t.UnixMilli()) << 16)
}

// scanEvents reads the event operations saved in [from, to] (days in
// Vietnam).
func scanEvents(s *storage.Store, from, to Date) (*eventScan, error) {
	lo, hi := hlcOf(from), hlcOf(to.addDays(1))
	es := &eventScan{need: map[storage.ID][]int{}}
	err := s.ScanOps(func(kind storage.EntityKind, ev storage.Event, at storage.HLC) bool {
		return kind == storage.KindPerson && eventKinds[ev] && at >= lo && at < hi
	}, func(op *storage.Op) error {
		e := eventOp{event: op.Event, id: op.ID}
		for _, c := range op.Changes {
			switch f := storage.Field(c.Field); f {
			case storage.FieldSex:
				e.sex = sexKey(c.New)
			case storage.FieldPermanentAddressCode, storage.FieldCurrentAddressCode, storage.FieldTemporaryAddressCode:
				v := c.New
				if op.Event == storage.EventMoveOut {
					v = c.Old // the commune the person leaves
				}
				if v != "" {
					e.codes = append(e.codes, v)
				}
			}
		}
		if e.sex == "" || len(e.codes) == 0 {
			es.need[op.ID] = append(es.need[op.ID], len(es.ops))
		}
		es.ops = append(es.ops, e)
		return nil
	})
	return es, err
}

// resolve completes, from the records, the operations that name no
// address or no sex: one point read per person (a month has a few dozen
// events, not thousands).
func (es *eventScan) resolve(s *storage.Store, sc scope) error {
	for id, is := range es.need {
		p, err := s.Person(id)
		if errors.Is(err, storage.ErrNotFound) {
			continue // counted under all communes only
		}
		if err != nil {
			return err
		}
		in := sc.commune == ""
		for _, f := range [...]storage.Field{storage.FieldPermanentAddressCode, storage.FieldCurrentAddressCode, storage.FieldTemporaryAddressCode} {
			in = in || p.Values[f] == sc.commune
		}
		for _, i := range is {
			e := &es.ops[i]
			if e.sex == "" {
				e.sex = sexKey(p.Values[storage.FieldSex])
			}
			e.in = in
		}
	}
	return nil
}

// tables counts the operations under the filter sc.
func (es *eventScan) tables(sc scope, from, to Date, births, deaths *counter) Events {
	bySex := func() *counter { return newCounter(SexMale, SexFemale, NotRecorded) }
	c := map[storage.Event]*counter{}
	for e := range eventKinds {
		c[e] = bySex()
	}
	for _, e := range es.ops {
		counted := sc.commune == ""
		if !counted {
			if len(e.codes) == 0 {
				counted = e.in
			}
			for _, code := range e.codes {
				if code == sc.commune {
					counted = true
				}
			}
		}
		if counted {
			c[e.event].add(e.sex)
		}
	}
	t := func(k *counter) Table { return k.table(DimSex, false, 3) }
	return Events{
		From: from, To: to,
		Births: t(births), Deaths: t(deaths),
		BirthsRegistered: t(c[storage.EventBirth]), DeathsRegistered: t(c[storage.EventDeath]),
		MovesIn: t(c[storage.EventMoveIn]), MovesOut: t(c[storage.EventMoveOut]),
		TemporaryResidence: t(c[storage.EventTemporaryResidence]), TemporaryAbsence: t(c[storage.EventTemporaryAbsence]),
	}
}
