package storage

import (
	"fmt"

	"github.com/communekit/communekit/assets/i18n"
)

// Field names one field of a [Person]. Its name is the column name used by
// the CSV import, `person show --json` and `person edit --set`, and the name
// that travels in operations, so it never changes once released.
type Field uint8

// The person fields, in the order of DESIGN.md, "The records". The numeric values are
// part of the on-disk record encoding: append new fields at the end only.
const (
	FieldIDNumber Field = iota + 1
	FieldOldIDNumber
	FieldFullName
	FieldOtherNames
	FieldBirthDate
	FieldSex
	FieldBirthRegistrationPlace
	FieldHometown
	FieldEthnicity
	FieldReligion
	FieldNationality
	FieldBloodType
	FieldMaritalStatus
	FieldPermanentAddressCode
	FieldPermanentAddressDetail
	FieldTemporaryAddressCode
	FieldTemporaryAddressDetail
	FieldTemporaryAbsenceCode
	FieldTemporaryAbsenceDetail
	FieldCurrentAddressCode
	FieldCurrentAddressDetail
	FieldHouseholdNumber
	FieldRelationshipToHead
	FieldFatherName
	FieldFatherIDNumber
	FieldMotherName
	FieldMotherIDNumber
	FieldSpouseName
	FieldSpouseIDNumber
	FieldRepresentativeName
	FieldRepresentativeIDNumber
	FieldIDIssueDate
	FieldIDIssuePlace
	FieldPhone
	FieldOccupation
	FieldStatus
	FieldDeathDate

	numFields // one past the last field
)

// NumFields is the number of person fields; valid fields are 1..NumFields.
const NumFields = int(numFields) - 1

var fieldNames = [numFields]string{
	FieldIDNumber:               "id_number",
	FieldOldIDNumber:            "old_id_number",
	FieldFullName:               "full_name",
	FieldOtherNames:             "other_names",
	FieldBirthDate:              "birth_date",
	FieldSex:                    "sex",
	FieldBirthRegistrationPlace: "birth_registration_place",
	FieldHometown:               "hometown",
	FieldEthnicity:              "ethnicity",
	FieldReligion:               "religion",
	FieldNationality:            "nationality",
	FieldBloodType:              "blood_type",
	FieldMaritalStatus:          "marital_status",
	FieldPermanentAddressCode:   "permanent_address_code",
	FieldPermanentAddressDetail: "permanent_address_detail",
	FieldTemporaryAddressCode:   "temporary_address_code",
	FieldTemporaryAddressDetail: "temporary_address_detail",
	FieldTemporaryAbsenceCode:   "temporary_absence_code",
	FieldTemporaryAbsenceDetail: "temporary_absence_detail",
	FieldCurrentAddressCode:     "current_address_code",
	FieldCurrentAddressDetail:   "current_address_detail",
	FieldHouseholdNumber:        "household_number",
	FieldRelationshipToHead:     "relationship_to_head",
	FieldFatherName:             "father_name",
	FieldFatherIDNumber:         "father_id_number",
	FieldMotherName:             "mother_name",
	FieldMotherIDNumber:         "mother_id_number",
	FieldSpouseName:             "spouse_name",
	FieldSpouseIDNumber:         "spouse_id_number",
	FieldRepresentativeName:     "representative_name",
	FieldRepresentativeIDNumber: "representative_id_number",
	FieldIDIssueDate:            "id_issue_date",
	FieldIDIssuePlace:           "id_issue_place",
	FieldPhone:                  "phone",
	FieldOccupation:             "occupation",
	FieldStatus:                 "status",
	FieldDeathDate:              "death_date",
}

// The fields' labels, the words printed on the form, are in the bundles of
// assets/i18n under "field.<column name>" (fieldLabelPrefix): validation
// messages use them so that an officer sees the label, not the column
// name, and the import recognises a column headed by either language's.
const fieldLabelPrefix = "field."

var fieldByName = func() map[string]Field {
	m := make(map[string]Field, NumFields)
	for f := Field(1); f < numFields; f++ {
		m[fieldNames[f]] = f
	}
	return m
}()

// Valid reports whether f is a known person field.
func (f Field) Valid() bool { return f >= 1 && f < numFields }

// String returns the field's column name, e.g. "full_name".
func (f Field) String() string {
	if !f.Valid() {
		return fmt.Sprintf("field(%d)", uint8(f))
	}
	return fieldNames[f]
}

// Label returns the field's label in lang ("vi" or "en").
func (f Field) Label(lang string) string {
	if !f.Valid() {
		return f.String()
	}
	if lang != i18n.English {
		lang = i18n.Vietnamese
	}
	return i18n.T(lang, fieldLabelPrefix+fieldNames[f])
}

// FieldByName returns the field whose column name is name.
func FieldByName(name string) (Field, bool) {
	f, ok := fieldByName[name]
	return f, ok
}

// Fields returns every person field in column order.
func Fields() []Field {
	fs := make([]Field, 0, NumFields)
	for f := Field(1); f < numFields; f++ {
		fs = append(fs, f)
	}
	return fs
}
