package vm

import (
	"github.com/communekit/communekit/storage"
)

// HistoryRow is one field change in a person's history.
type HistoryRow struct {
	When   string // the device's clock, local time: "14:05 25/11/2026"
	Who    string // officer and device
	Event  string
	Reason string
	Field  string
	Old    string
	New    string
}

// History returns every change to record id, oldest first, one row per
// field change, with labels and values as an officer reads them.
func History(tr Tr, store *storage.Store, id storage.ID) ([]HistoryRow, error) {
	ops, err := store.History(id)
	if err != nil {
		return nil, err
	}
	lang := tr.Lang()
	var rows []HistoryRow
	for _, op := range ops {
		base := HistoryRow{
			When:   op.HLC.Time().Local().Format("15:04 02/01/2006"),
			Who:    tr.T("history.who", op.Officer, op.Device.Tag()),
			Event:  tr.T("event." + op.Event.String()),
			Reason: op.Reason,
		}
		for _, c := range op.Changes {
			r := base
			if op.Kind == storage.KindHousehold {
				r.Field = tr.T("household_field." + storage.HouseholdField(c.Field).String())
				r.Old, r.New = c.Old, c.New
			} else if op.Kind == storage.KindDecision {
				// A supervisor's decision about two persons: what, and
				// the other person.
				r.Field = tr.T("decision." + storage.DecisionKind(c.Field).String())
				r.New = c.New
			} else {
				f := storage.Field(c.Field)
				r.Field = f.Label(lang)
				r.Old, r.New = displayValue(tr, f, c.Old), displayValue(tr, f, c.New)
			}
			rows = append(rows, r)
		}
	}
	return rows, nil
}
