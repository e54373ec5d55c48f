package paper

import (
	"strconv"
	"strings"
	"time"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/refdata"
)

// FormDate writes a date as the population forms write it: the day in two
// digits, the month in one digit from March to September and in two for
// the others (so that a 1 cannot be made an 11 or a 12 by hand), the year
// in four: "05/3/1990", "17/12/1985", "01/02/2000". A date known to the
// month is "3/1990" or "01/1990"; to the year, "1990".
func FormDate(d storage.PartialDate) string {
	if d.IsZero() {
		return ""
	}
	year := strconv.Itoa(d.Year)
	for len(year) < 4 {
		year = "0" + year
	}
	if d.Month == 0 {
		return year
	}
	month := strconv.Itoa(d.Month)
	if d.Month < 3 || d.Month > 9 {
		month = two(d.Month)
	}
	if d.Day == 0 {
		return month + "/" + year
	}
	return two(d.Day) + "/" + month + "/" + year
}

func two(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// dateValue is a stored date as the forms write it; a value that does not
// parse is shown as stored.
func dateValue(v string) string {
	if v == "" {
		return ""
	}
	if d, err := storage.ParseDate(v); err == nil {
		return FormDate(d)
	}
	return v
}

// placeName is a unit's name for a person to read ("Xã Mèo Vạc, Tuyên
// Quang"), without its code; a place typed as text is shown as typed.
func placeName(v string) string {
	if c, ok := refdata.Unit(v); ok {
		return c.FullName()
	}
	return v
}

// address joins a detail line and a unit: "Thôn Lũng Nưa, số nhà 4, Xã
// Mèo Vạc, Tuyên Quang".
func address(detail, code string) string {
	var parts []string
	if d := strings.TrimSpace(detail); d != "" {
		parts = append(parts, d)
	}
	if code != "" {
		parts = append(parts, placeName(code))
	}
	return strings.Join(parts, ", ")
}

// value is field f of p as a sheet prints it, in lang: names for codes,
// dates as the forms write them, the kit's own words (sex, marital status)
// in lang; "" when the record has none.
func value(p *storage.Person, f storage.Field, lang string) string {
	v := p.Get(f)
	if v == "" {
		return ""
	}
	switch f {
	case storage.FieldBirthDate, storage.FieldDeathDate, storage.FieldIDIssueDate:
		return dateValue(v)
	case storage.FieldSex:
		switch v {
		case storage.SexMale:
			return word("male", lang)
		case storage.SexFemale:
			return word("female", lang)
		}
	case storage.FieldMaritalStatus:
		switch v {
		case storage.MaritalSingle, storage.MaritalMarried, storage.MaritalDivorced, storage.MaritalWidowed:
			return word(v, lang)
		}
	case storage.FieldEthnicity:
		if e, ok := refdata.EthnicityByCode(v); ok {
			return e.NameVi
		}
	case storage.FieldReligion:
		if r, ok := refdata.ReligionByCode(v); ok {
			return r.NameVi
		}
	case storage.FieldNationality:
		if c, ok := refdata.CountryByCode(v); ok {
			return c.NameVi
		}
	case storage.FieldHometown, storage.FieldBirthRegistrationPlace, storage.FieldPermanentAddressCode,
		storage.FieldCurrentAddressCode, storage.FieldTemporaryAddressCode, storage.FieldTemporaryAbsenceCode:
		return placeName(v)
	}
	return v
}

// statusNote is what a sheet says of a person the record says is dead or
// missing ("đã chết 05/3/2020"), or "".
func statusNote(p *storage.Person, lang string) string {
	var w string
	switch p.Get(storage.FieldStatus) {
	case storage.StatusDead:
		w = word("dead", lang)
	case storage.StatusMissing:
		w = word("missing", lang)
	default:
		return ""
	}
	if d := dateValue(p.Get(storage.FieldDeathDate)); d != "" {
		w += " " + d
	}
	return w
}

// dateOf is the day of t, where t is.
func dateOf(t time.Time) storage.PartialDate {
	y, m, d := t.Date()
	return storage.PartialDate{Year: y, Month: int(m), Day: d}
}
