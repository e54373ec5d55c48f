package storage

import (
	"fmt"
)

// EntityKind says what an operation changes.
type EntityKind uint8

// Entity kinds; values are part of the encoding.
const (
	KindPerson EntityKind = iota + 1
	KindHousehold
	// KindDecision is a supervisor's decision about two persons (ID is
	// the first; its one change names the second): see duplicate.go.
	KindDecision
	// KindNotice is the district's notice that a person is in a conflict
	// with a person of another commune (notice.go). Only a district
	// makes one.
	KindNotice
)

func (k EntityKind) String() string {
	switch k {
	case KindPerson:
		return "person"
	case KindHousehold:
		return "household"
	case KindDecision:
		return "decision"
	case KindNotice:
		return "notice"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Event is why a record changed, kept in its history (DESIGN.md, "The records").
type Event uint8

// Events; values are part of the encoding.
const (
	EventRegister Event = iota + 1 // a record entered for the first time (survey, import)
	EventCorrection
	EventBirth
	EventDeath
	EventMoveIn
	EventMoveOut
	EventTemporaryResidence
	EventTemporaryAbsence
	EventHouseholdSplit
	EventHouseholdMerge
	// EventResolution is a supervisor's decision on a conflict: its changes
	// see every candidate. A district accepts it only from a supervisor's
	// certificate for the record's commune.
	EventResolution
	numEvents
)

var eventNames = [numEvents]string{
	EventRegister:           "register",
	EventCorrection:         "correction",
	EventBirth:              "birth",
	EventDeath:              "death",
	EventMoveIn:             "move_in",
	EventMoveOut:            "move_out",
	EventTemporaryResidence: "temporary_residence",
	EventTemporaryAbsence:   "temporary_absence",
	EventHouseholdSplit:     "household_split",
	EventHouseholdMerge:     "household_merge",
	EventResolution:         "resolution",
}

func (e Event) String() string {
	if e < 1 || e >= numEvents {
		return fmt.Sprintf("event(%d)", uint8(e))
	}
	return eventNames[e]
}

// EventByName returns the event called name ("death", "move_in", …).
func EventByName(name string) (Event, bool) {
	for e := Event(1); e < numEvents; e++ {
		if eventNames[e] == name {
			return e, true
		}
	}
	return 0, false
}

// Change is one field's change inside an operation: the field (a [Field] for
// persons, a [HouseholdField] for households), the version the officer saw
// when making it, and the old and new canonical values.
type Change struct {
	Field uint8
	Seen  Version
	Old   string
	New   string
}

// Op is one operation: one officer changing one record on one device for
// one reason. It is the unit of the change log, of history, of the batches
// that travel to the district and of merge there.
//
// Seq numbers a device's operations 1, 2, 3… without gaps; (Device, Seq)
// identifies an operation everywhere. Every field change in it carries the
// field version it replaced, so the district can merge edits to different
// fields and flag concurrent edits of the same one.
type Op struct {
	Device  DeviceID
	Seq     uint64
	HLC     HLC
	Officer string
	Kind    EntityKind
	ID      ID
	Event   Event
	Reason  string
	Changes []Change
}

// Version is the version an operation gives the fields it sets.
func (o *Op) Version() Version { return Version{HLC: o.HLC, Device: o.Device} }

// ApplyTo applies a person operation to p, which must be the record with
// o.ID (the zero Person for a new record), setting values and versions.
func (o *Op) ApplyTo(p *Person) error {
	if o.Kind != KindPerson {
		return fmt.Errorf("operation %s/%d changes a %s, not a person", o.Device, o.Seq, o.Kind)
	}
	p.ID = o.ID
	v := o.Version()
	for _, c := range o.Changes {
		f := Field(c.Field)
		if !f.Valid() {
			return fmt.Errorf("operation %s/%d: unknown person field %d", o.Device, o.Seq, c.Field)
		}
		p.Values[f] = c.New
		p.Versions[f] = v
	}
	return nil
}

// ApplyToHousehold applies a household operation to h.
func (o *Op) ApplyToHousehold(h *Household) error {
	if o.Kind != KindHousehold {
		return fmt.Errorf("operation %s/%d changes a %s, not a household", o.Device, o.Seq, o.Kind)
	}
	h.ID = o.ID
	v := o.Version()
	for _, c := range o.Changes {
		f := HouseholdField(c.Field)
		if f < 1 || f >= numHouseholdFields {
			return fmt.Errorf("operation %s/%d: unknown household field %d", o.Device, o.Seq, c.Field)
		}
		if err := h.set(f, c.New); err != nil {
			return fmt.Errorf("operation %s/%d: %v", o.Device, o.Seq, err)
		}
		h.Versions[f] = v
	}
	return nil
}

// FieldName returns the name of a change's field for the operation's kind.
func (o *Op) FieldName(c Change) string {
	if o.Kind == KindHousehold {
		return HouseholdField(c.Field).String()
	}
	if o.Kind == KindDecision {
		return DecisionKind(c.Field).String()
	}
	if o.Kind == KindNotice {
		return NoticeKind(c.Field).Conflict()
	}
	return Field(c.Field).String()
}
