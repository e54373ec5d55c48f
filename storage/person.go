package storage

import "strings"

// Version identifies the write that last set a field: the clock reading and
// the device that made it. Operations carry the version each field had when
// the officer saw it, which is how the district tells an edit that saw
// another from one that raced it (DESIGN.md, "Merge and conflicts"). The zero Version means the
// field was never set.
type Version struct {
	HLC    HLC
	Device DeviceID
}

// IsZero reports whether v is the version of a field never set.
func (v Version) IsZero() bool { return v.HLC == 0 && v.Device == "" }

// Person is one resident's record. Every field is held in its canonical text
// form (see the Canonical* functions and DESIGN.md, "The records"), one slot per
// [Field], with the version of the write that last set it. Typed accessors
// parse on demand; a single representation keeps the change log, merge and
// encoding uniform.
type Person struct {
	ID       ID
	Values   [numFields]string
	Versions [numFields]Version
}

// Get returns the canonical value of f.
func (p *Person) Get(f Field) string {
	if !f.Valid() {
		return ""
	}
	return p.Values[f]
}

// FullName returns the full birth name.
func (p *Person) FullName() string { return p.Values[FieldFullName] }

// IDNumber returns the 12-digit personal ID number, if known.
func (p *Person) IDNumber() string { return p.Values[FieldIDNumber] }

// BirthDate returns the parsed date of birth (zero if unset or unparsable).
func (p *Person) BirthDate() PartialDate {
	d, _ := ParseDate(p.Values[FieldBirthDate])
	return d
}

// DeathDate returns the parsed date of death or disappearance.
func (p *Person) DeathDate() PartialDate {
	d, _ := ParseDate(p.Values[FieldDeathDate])
	return d
}

// IsHead reports whether the person is the head of their household.
func (p *Person) IsHead() bool { return IsHeadRelationship(p.Values[FieldRelationshipToHead]) }

// Map returns the non-empty fields under their column names, with person_id.
func (p *Person) Map() map[string]string {
	m := make(map[string]string, NumFields+1)
	m["person_id"] = p.ID.String()
	for f := Field(1); f < numFields; f++ {
		m[fieldNames[f]] = p.Values[f]
	}
	return m
}

// Canonical values of the coded fields, as stored.
const (
	SexMale   = "Nam"
	SexFemale = "Nữ"

	StatusLiving  = "living"
	StatusDead    = "dead"
	StatusMissing = "missing"

	RelationshipHead = "Chủ hộ"
)

// IsHeadRelationship reports whether rel names the household head.
func IsHeadRelationship(rel string) bool {
	return strings.EqualFold(strings.TrimSpace(rel), RelationshipHead) || strings.EqualFold(strings.TrimSpace(rel), "chu ho")
}

// Household is a household registration: its number, its address and its
// head. Members are the persons whose household_number is Number.
type Household struct {
	ID            ID
	Number        string
	AddressCode   string
	AddressDetail string
	Head          ID
	Versions      [numHouseholdFields]Version
}

// HouseholdField names one field of a Household.
type HouseholdField uint8

// The household fields; values are part of the encoding.
const (
	HouseholdNumber HouseholdField = iota + 1
	HouseholdAddressCode
	HouseholdAddressDetail
	HouseholdHead
	numHouseholdFields
)

var householdFieldNames = [numHouseholdFields]string{
	HouseholdNumber:        "household_number",
	HouseholdAddressCode:   "address_code",
	HouseholdAddressDetail: "address_detail",
	HouseholdHead:          "head_id",
}

// String returns the household field's name.
func (f HouseholdField) String() string {
	if f < 1 || f >= numHouseholdFields {
		return "household_field(?)"
	}
	return householdFieldNames[f]
}

// Get returns the canonical value of a household field.
func (h *Household) Get(f HouseholdField) string {
	switch f {
	case HouseholdNumber:
		return h.Number
	case HouseholdAddressCode:
		return h.AddressCode
	case HouseholdAddressDetail:
		return h.AddressDetail
	case HouseholdHead:
		return h.Head.String()
	}
	return ""
}

func (h *Household) set(f HouseholdField, v string) error {
	switch f {
	case HouseholdNumber:
		h.Number = v
	case HouseholdAddressCode:
		h.AddressCode = v
	case HouseholdAddressDetail:
		h.AddressDetail = v
	case HouseholdHead:
		var id ID
		if err := id.UnmarshalText([]byte(v)); err != nil {
			return err
		}
		h.Head = id
	}
	return nil
}
