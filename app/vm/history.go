package vm

import (
	"github.com/communekit/communekit/storage"
)

// HistoryEntry is one change to a record, as the history screen shows it:
// who made it, when, the event and the reason, with the fields it changed
// beneath. A registration is one entry, whatever the number of fields.
type HistoryEntry struct {
	When    string // the device's clock, local time: "14:05 25/11/2026"
	Who     string // officer and device
	Event   string
	Reason  string
	Changes []HistoryChange
	// New says every change sets a field that had no value (a
	// registration): the screen lists them without "old → new".
	New bool
}

// HistoryChange is one field an entry changed.
type HistoryChange struct {
	Field string
	Old   string
	New   string
}

// History returns every change to record id, newest first, one entry per
// change with its fields beneath, with labels and values as an officer
// reads them.
func History(tr Tr, store *storage.Store, id storage.ID) ([]HistoryEntry, error) {
	ops, err := store.History(id)
	if err != nil {
		return nil, err
	}
	lang := tr.Lang()
	here := store.Profile().Device
	out := make([]HistoryEntry, 0, len(ops))
	for i := len(ops) - 1; i >= 0; i-- {
		op := ops[i]
		e := HistoryEntry{
			When:   op.HLC.Time().Local().Format("15:04 02/01/2006"),
			Who:    who(tr, op.Officer, op.Device == here),
			Event:  tr.T("event." + op.Event.String()),
			Reason: op.Reason,
			New:    len(op.Changes) > 0,
		}
		for _, c := range op.Changes {
			var ch HistoryChange
			switch op.Kind {
			case storage.KindHousehold:
				ch.Field = tr.T("household_field." + storage.HouseholdField(c.Field).String())
				ch.Old, ch.New = c.Old, c.New
			case storage.KindDecision:
				// A supervisor's decision about two persons: what, and
				// the other person.
				ch.Field = tr.T("decision." + storage.DecisionKind(c.Field).String())
				ch.New = c.New
				if other, err := storage.ParseID(c.New); err == nil {
					if p, err := store.Person(other); err == nil && p.FullName() != "" {
						ch.New = p.FullName()
					}
				}
			default:
				f := storage.Field(c.Field)
				ch.Field = f.Label(lang)
				ch.Old, ch.New = displayValue(tr, f, c.Old), displayValue(tr, f, c.New)
			}
			if ch.Old != "" {
				e.New = false
			}
			e.Changes = append(e.Changes, ch)
		}
		out = append(out, e)
	}
	return out, nil
}

// who names who made a change: the officer, on this laptop or another.
// The device's own code ("2xtadpwk") means nothing to an officer.
func who(tr Tr, officer string, here bool) string {
	if here {
		return tr.T("history.who_here", officer)
	}
	return tr.T("history.who_other", officer)
}
