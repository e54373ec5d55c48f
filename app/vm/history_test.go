package vm

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

// Rows flattens entries to one row per field change, in the entries'
// order.
func Rows(entries []HistoryEntry) []HistoryRow {
	var rows []HistoryRow
	for _, e := range entries {
		for _, c := range e.Changes {
			rows = append(rows, HistoryRow{When: e.When, Who: e.Who, Event: e.Event, Reason: e.Reason, Field: c.Field, Old: c.Old, New: c.New})
		}
	}
	return rows
}
