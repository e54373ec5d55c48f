package storage

import (
	"github.com/communekit/communekit/storage/refdata"
)

// DisplayValue renders a canonical value for a person to read: a unit code
// with its name, an ethnicity or religion code with its name, a date the
// Vietnamese way.
func DisplayValue(f Field, v string) string {
	if v == "" {
		return ""
	}
	switch f {
	case FieldPermanentAddressCode, FieldTemporaryAddressCode, FieldTemporaryAbsenceCode, FieldCurrentAddressCode,
		FieldHometown, FieldBirthRegistrationPlace:
		if c, ok := refdata.Unit(v); ok {
			return v + " " + c.FullName()
		}
	case FieldEthnicity:
		if e, ok := refdata.EthnicityByCode(v); ok {
			return v + " " + e.NameVi
		}
	case FieldReligion:
		if r, ok := refdata.ReligionByCode(v); ok {
			return v + " " + r.NameVi
		}
	case FieldNationality:
		if c, ok := refdata.CountryByCode(v); ok {
			return c.NameVi
		}
	case FieldBirthDate, FieldDeathDate, FieldIDIssueDate:
		if d, err := ParseDate(v); err == nil {
			return d.Vietnamese()
		}
	}
	return v
}
