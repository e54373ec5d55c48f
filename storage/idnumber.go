package storage

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/communekit/communekit/storage/refdata"
)

// The personal ID number (số định danh cá nhân, Decree 137/2015 art. 7) is
// not a random serial: its first six digits restate facts the record holds.
//
//	0 7 9 | 0 | 9 0 | 1 2 3 4 5 6
//	  │     │    │       └ serial
//	  │     │    └ last two digits of the birth year
//	  │     └ sex and century: 1900s male 0 female 1, 2000s 2/3, … 2300s 8/9
//	  └ province of birth registration (id_province_codes.csv)
//
// Validation uses this to catch the commonest typing mistakes (a swapped sex,
// a mistyped year) without any network check.

// Errors returned by [IDNumberInfo]; each is wrapped with the input.
var (
	ErrIDLength   = errors.New("personal ID number must have exactly 12 digits")
	ErrIDDigits   = errors.New("personal ID number may contain only digits")
	ErrIDProvince = errors.New("personal ID number starts with an unknown province code")
)

// IDLength is the number of digits of a personal ID number.
const IDLength = 12

// IDInfo is what a personal ID number says about its holder.
type IDInfo struct {
	ProvinceCode string // digits 1-3, e.g. "001"
	ProvinceName string // the province as the code list names it, e.g. "Hà Nội"
	Sex          string // SexMale or SexFemale, from digit 4
	Century      int    // 1900, 2000, … 2300, from digit 4
	YearDigits   int    // digits 5-6, the birth year modulo 100
	Serial       string // digits 7-12
}

// BirthYear is the birth year the number encodes.
func (i IDInfo) BirthYear() int { return i.Century + i.YearDigits }

// IDNumberInfo parses a 12-digit personal ID number. The input must already
// be bare digits (see [Canonicalize] for what officers type).
func IDNumberInfo(id string) (IDInfo, error) {
	if !allDigits(id) {
		return IDInfo{}, fmt.Errorf("%w: %q", ErrIDDigits, id)
	}
	if len(id) != IDLength {
		return IDInfo{}, fmt.Errorf("%w: %q has %d", ErrIDLength, id, len(id))
	}
	prov, ok := refdata.IDProvinceCode(id[:3])
	if !ok {
		return IDInfo{}, fmt.Errorf("%w: %q in %q", ErrIDProvince, id[:3], id)
	}
	d := int(id[3] - '0')
	sex := SexMale
	if d%2 == 1 {
		sex = SexFemale
	}
	return IDInfo{
		ProvinceCode: id[:3],
		ProvinceName: prov.Name,
		Sex:          sex,
		Century:      1900 + 100*(d/2),
		YearDigits:   int(id[4]-'0')*10 + int(id[5]-'0'),
		Serial:       id[6:],
	}, nil
}

// MakeIDNumber builds the personal ID number of a person born in birthYear
// (1900-2399) with sex (SexMale or SexFemale) and registered in the province
// whose 3-digit ID code is provinceIDCode, with the given serial (0-999999).
// It is the inverse of [IDNumberInfo], used by the test-data generator.
// Like [MustDate] it panics on arguments that cannot make a number, which are
// programming errors; it does not check that the province code exists.
func MakeIDNumber(provinceIDCode string, sex string, birthYear int, serial int) string {
	if len(provinceIDCode) != 3 || !allDigits(provinceIDCode) {
		panic(fmt.Sprintf("storage.MakeIDNumber: province code %q is not 3 digits", provinceIDCode))
	}
	if birthYear < 1900 || birthYear > 2399 {
		panic(fmt.Sprintf("storage.MakeIDNumber: birth year %d outside 1900-2399", birthYear))
	}
	if serial < 0 || serial > 999999 {
		panic(fmt.Sprintf("storage.MakeIDNumber: serial %d outside 0-999999", serial))
	}
	d := 2 * (birthYear/100 - 19)
	switch sex {
	case SexMale:
	case SexFemale:
		d++
	default:
		panic(fmt.Sprintf("storage.MakeIDNumber: sex %q is neither %q nor %q", sex, SexMale, SexFemale))
	}
	return fmt.Sprintf("%s%d%02d%06d", provinceIDCode, d, birthYear%100, serial)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isIDNumberField reports the fields that hold a 12-digit personal ID number.
func isIDNumberField(f Field) bool {
	switch f {
	case FieldIDNumber, FieldFatherIDNumber, FieldMotherIDNumber, FieldSpouseIDNumber, FieldRepresentativeIDNumber:
		return true
	}
	return false
}

// idDigits removes the spaces and dots officers type to group the digits
// ("079 090 123 456", "079.090.123.456"), and the non-breaking spaces that
// spreadsheets use for the same.
func idDigits(raw string) string {
	return strings.Map(func(r rune) rune {
		if r == '.' || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, raw)
}

// canonicalIDNumber checks a personal ID number on its own: digits, length
// and province. Sex and birth year are checked against the record by
// [ValidatePerson].
func canonicalIDNumber(f Field, raw string) (string, *Problem) {
	id := idDigits(raw)
	_, err := IDNumberInfo(id)
	switch {
	case err == nil:
		return id, nil
	case errors.Is(err, ErrIDDigits):
		return "", problemIDDigits(f, raw)
	case errors.Is(err, ErrIDLength):
		return "", problemIDLength(f, id)
	}
	return "", problemIDProvince(f, id)
}

// canonicalOldIDNumber checks an old identity card number: 9 digits for the
// chứng minh nhân dân, or 12 for the first citizen identity cards, which some
// papers list as the old number.
func canonicalOldIDNumber(f Field, raw string) (string, *Problem) {
	id := idDigits(raw)
	if !allDigits(id) {
		return "", problemIDDigits(f, raw)
	}
	if len(id) != 9 && len(id) != IDLength {
		return "", problemOldIDLength(f, id)
	}
	return id, nil
}

func problemIDDigits(f Field, raw string) *Problem {
	return newProblem(f, 0, "id_digits", "problem.id_digits", f, strings.TrimSpace(raw))
}

func problemIDLength(f Field, id string) *Problem {
	key := "problem.id_length"
	if len(id) >= 9 && len(id) < 12 && id[0] != '0' {
		// Every number starts with 0 (province codes 001–096): a
		// spreadsheet that took the column for numbers dropped the zeros.
		key = "problem.id_length.zeros_dropped"
	}
	return newProblem(f, 0, "id_length", key, f, id, len(id))
}

func problemIDProvince(f Field, id string) *Problem {
	return newProblem(f, 0, "id_province", "problem.id_province", f, id, id[:3])
}

func problemOldIDLength(f Field, id string) *Problem {
	return newProblem(f, 0, "old_id_length", "problem.old_id_length", f, id, len(id))
}
