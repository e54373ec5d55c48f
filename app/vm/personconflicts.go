package vm

import (
	"github.com/communekit/communekit/storage"
)

// FieldMark says that a field of a person's record is in conflict: the
// value shown is one of several, until a supervisor decides.
type FieldMark struct {
	// Line says it in words with the other values and who entered
	// them: "Chưa thống nhất: “Giáo viên” (do Vũ Văn Nam ghi)…".
	Line string
	// Conflict is the conflict's row ID in the queue, to open it.
	Conflict string
}

// PersonConflicts are the open conflicts that concern one person, for
// the person's record to show.
type PersonConflicts struct {
	Fields map[storage.Field]FieldMark
	// Rows are every conflict of the person (fields too), as the queue
	// lists them.
	Rows []ConflictRow
}

// ConflictsOf reads the open conflicts that concern person p.
func ConflictsOf(tr Tr, store *storage.Store, p *storage.Person) (PersonConflicts, error) {
	out := PersonConflicts{Fields: map[storage.Field]FieldMark{}}
	all, err := store.AllConflicts()
	if err != nil {
		return out, err
	}
	var mine storage.ConflictSet
	for _, x := range all.Field {
		if x.ID == p.ID {
			mine.Field = append(mine.Field, x)
		}
	}
	for _, x := range all.SameID {
		if involves(x, p.ID) {
			mine.SameID = append(mine.SameID, x)
		}
	}
	for _, x := range all.Duplicates {
		if involves(x, p.ID) {
			mine.Duplicates = append(mine.Duplicates, x)
		}
	}
	for _, x := range all.Persons {
		if involves(x, p.ID) {
			mine.Persons = append(mine.Persons, x)
		}
	}
	for _, x := range all.Households {
		if involves(x, p.ID) {
			mine.Households = append(mine.Households, x)
		}
	}
	for _, x := range all.Notices {
		if involves(x, p.ID) {
			mine.Notices = append(mine.Notices, x)
		}
	}
	c := &Conflicts{tr: tr, store: store}
	out.Rows, _ = c.rowsOf(&mine)
	for _, fc := range mine.Field {
		shown := displayValue(tr, fc.Field, p.Get(fc.Field))
		out.Fields[fc.Field] = FieldMark{
			Line:     tr.T("person.conflict.field", valuesBy(tr, fc, shown)),
			Conflict: FieldConflictName(fc),
		}
	}
	return out, nil
}
