package vm

import (
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/refdata"
)

// Group is a titled part of the person form.
type Group struct {
	Key    string // translation key of the title: "group.identity"
	Fields []storage.Field
}

// PersonGroups is the person form's layout: every field of a person (storage/DESIGN.md, "The records"),
// grouped the way the paper forms group them.
var PersonGroups = []Group{
	{"group.identity", []storage.Field{storage.FieldFullName, storage.FieldOtherNames, storage.FieldIDNumber, storage.FieldOldIDNumber,
		storage.FieldSex, storage.FieldEthnicity, storage.FieldReligion, storage.FieldNationality}},
	{"group.birth", []storage.Field{storage.FieldBirthDate, storage.FieldBirthRegistrationPlace}},
	{"group.origin", []storage.Field{storage.FieldHometown}},
	{"group.residence", []storage.Field{storage.FieldPermanentAddressCode, storage.FieldPermanentAddressDetail,
		storage.FieldCurrentAddressCode, storage.FieldCurrentAddressDetail,
		storage.FieldTemporaryAddressCode, storage.FieldTemporaryAddressDetail,
		storage.FieldTemporaryAbsenceCode, storage.FieldTemporaryAbsenceDetail}},
	{"group.household", []storage.Field{storage.FieldHouseholdNumber, storage.FieldRelationshipToHead}},
	{"group.family", []storage.Field{storage.FieldFatherName, storage.FieldFatherIDNumber, storage.FieldMotherName, storage.FieldMotherIDNumber,
		storage.FieldSpouseName, storage.FieldSpouseIDNumber, storage.FieldRepresentativeName, storage.FieldRepresentativeIDNumber}},
	{"group.card", []storage.Field{storage.FieldIDIssueDate, storage.FieldIDIssuePlace}},
	{"group.other", []storage.Field{storage.FieldMaritalStatus, storage.FieldBloodType, storage.FieldPhone, storage.FieldOccupation,
		storage.FieldStatus, storage.FieldDeathDate}},
}

// Input says which widget edits a field.
type Input int

// The inputs.
const (
	InputText   Input = iota
	InputDate         // typed: 17/05/1990, 05/1990 or 1990
	InputChoice       // one of a short list (Choices)
	InputUnit         // an administrative-unit picker (see UnitField)
)

// InputOf returns the widget kind for f.
func InputOf(f storage.Field) Input {
	if ok, _ := unitField(f); ok {
		return InputUnit
	}
	switch f {
	case storage.FieldBirthDate, storage.FieldDeathDate, storage.FieldIDIssueDate:
		return InputDate
	case storage.FieldSex, storage.FieldStatus, storage.FieldMaritalStatus, storage.FieldBloodType,
		storage.FieldEthnicity, storage.FieldReligion, storage.FieldNationality:
		return InputChoice
	}
	return InputText
}

// UnitField reports, for a unit field, whether pre-2025 units are offered
// and whether free text is accepted (hometown and birth registration are
// written as old papers write them when no unit matches).
func UnitField(f storage.Field) (old, freeText bool) {
	_, old = unitField(f)
	return old, f == storage.FieldHometown || f == storage.FieldBirthRegistrationPlace
}

// Choice is one entry of a choice list: the value stored and its label.
type Choice struct {
	Value string
	Label string
}

// Choices returns the entries of a choice field in the current language.
func Choices(tr Tr, f storage.Field) []Choice {
	en := tr.Lang() == "en"
	switch f {
	case storage.FieldSex:
		return []Choice{{storage.SexMale, tr.T("sex.male")}, {storage.SexFemale, tr.T("sex.female")}}
	case storage.FieldStatus:
		return []Choice{{storage.StatusLiving, tr.T("status.living")}, {storage.StatusDead, tr.T("status.dead")}, {storage.StatusMissing, tr.T("status.missing")}}
	case storage.FieldMaritalStatus:
		return []Choice{{storage.MaritalSingle, tr.T("marital.single")}, {storage.MaritalMarried, tr.T("marital.married")},
			{storage.MaritalDivorced, tr.T("marital.divorced")}, {storage.MaritalWidowed, tr.T("marital.widowed")}}
	case storage.FieldBloodType:
		var cs []Choice
		for _, g := range []string{"A", "B", "AB", "O"} {
			for _, rh := range []string{"", "+", "-"} {
				cs = append(cs, Choice{g + rh, g + rh})
			}
		}
		return cs
	case storage.FieldEthnicity:
		var cs []Choice
		for _, e := range refdata.Ethnicities() {
			name := e.NameVi
			if en && e.NameEn != "" {
				name = e.NameEn
			}
			cs = append(cs, Choice{e.Code, name + " (" + e.Code + ")"})
		}
		return cs
	case storage.FieldReligion:
		var cs []Choice
		for _, r := range refdata.Religions() {
			name := r.NameVi
			if en && r.NameEn != "" {
				name = r.NameEn
			}
			cs = append(cs, Choice{r.Code, name + " (" + r.Code + ")"})
		}
		return cs
	case storage.FieldNationality:
		cs := []Choice{}
		var vn Choice
		for _, c := range refdata.Countries() {
			name := c.NameVi
			if en && c.NameEn != "" {
				name = c.NameEn
			}
			if c.Code == "VN" {
				vn = Choice{c.Code, name}
				continue
			}
			cs = append(cs, Choice{c.Code, name})
		}
		return append([]Choice{vn}, cs...)
	}
	return nil
}

// ChoiceLabel returns the label of value among choices, or value itself.
func ChoiceLabel(cs []Choice, value string) string {
	for _, c := range cs {
		if c.Value == value {
			return c.Label
		}
	}
	return value
}

// FieldLabel is the field's label in the current language.
func FieldLabel(tr Tr, f storage.Field) string { return f.Label(tr.Lang()) }
