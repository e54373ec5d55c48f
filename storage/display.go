package storage

import (
	"github.com/communekit/communekit/storage/refdata"
)

// DisplayValue renders a canonical value for a person to read, in
// Vietnamese: see [DisplayValueIn].
func DisplayValue(f Field, v string) string { return DisplayValueIn("vi", f, v) }

// DisplayValueIn renders a canonical value for a person to read in lang
// ("en" for English, Vietnamese otherwise). Names come before codes: a
// unit is its name with its code after it ("Xã Quỳnh Phụ, Tỉnh Thái Bình
// (12472)"), an ethnicity, religion or country its name alone ("Kinh",
// "Không"); the words stored for sex, status and marital status are said
// in lang ("Còn sống", "Living"); a date the Vietnamese way.
func DisplayValueIn(lang string, f Field, v string) string {
	if v == "" {
		return ""
	}
	en := lang == "en"
	pick := func(vi, e string) string {
		if en && e != "" {
			return e
		}
		return vi
	}
	switch f {
	case FieldPermanentAddressCode, FieldTemporaryAddressCode, FieldTemporaryAbsenceCode, FieldCurrentAddressCode,
		FieldHometown, FieldBirthRegistrationPlace:
		if c, ok := refdata.Unit(v); ok {
			return c.FullName() + " (" + v + ")"
		}
	case FieldEthnicity:
		if e, ok := refdata.EthnicityByCode(v); ok {
			return pick(e.NameVi, e.NameEn)
		}
	case FieldReligion:
		if r, ok := refdata.ReligionByCode(v); ok {
			return pick(r.NameVi, r.NameEn)
		}
	case FieldNationality:
		if c, ok := refdata.CountryByCode(v); ok {
			return pick(c.NameVi, c.NameEn)
		}
	case FieldBirthDate, FieldDeathDate, FieldIDIssueDate:
		if d, err := ParseDate(v); err == nil {
			return d.Vietnamese()
		}
	case FieldSex, FieldStatus, FieldMaritalStatus:
		if w, ok := valueWords[v]; ok {
			return pick(w[0], w[1])
		}
	}
	return v
}

// valueWords are the words, Vietnamese and English, for the values stored
// for sex, status and marital status (the app's bundles say the same).
var valueWords = map[string][2]string{
	SexMale:         {"Nam", "Male"},
	SexFemale:       {"Nữ", "Female"},
	StatusLiving:    {"Còn sống", "Living"},
	StatusDead:      {"Đã chết", "Dead"},
	StatusMissing:   {"Mất tích", "Missing"},
	MaritalSingle:   {"Độc thân", "Single"},
	MaritalMarried:  {"Đã kết hôn", "Married"},
	MaritalDivorced: {"Ly hôn", "Divorced"},
	MaritalWidowed:  {"Góa", "Widowed"},
}
