package storage

import (
	"errors"
	"strings"
	"time"

	"github.com/communekit/communekit/assets/i18n"
	"github.com/communekit/communekit/storage/fold"
	"github.com/communekit/communekit/storage/refdata"
)

// Validation works in two steps (DESIGN.md, "The records"):
//
//   - [Canonicalize] takes one field as an officer typed it or a CSV cell
//     holds it and returns the form the record stores, or a [Problem] about
//     that field alone.
//   - [ValidatePerson], [CheckParentChild] and [CheckHouseholdHeads] check a
//     whole record, or records against each other: required fields, an ID
//     number against sex and birth year, dates against each other.
//
// Both speak to the officer: a Problem names the field by the label on the
// form, says what is wrong with the value and what to do, in Vietnamese and
// in English, and carries a short stable Code for tests and the UI. Its
// words are in the bundles of assets/i18n, under keys beginning with
// "problem."; a Problem holds the key and the arguments, and says them in
// the language asked.

// Problem is one thing an officer must fix in a record.
type Problem struct {
	Field Field  // the field to fix
	Other Field  // a second field the problem names (an ID number and the sex it disagrees with), or 0
	Code  string // short and stable: "id_length", "date_future", "required", …
	// Key is the message's key in the bundles of assets/i18n
	// ("problem.id_length"), Args its arguments. A Field among them says
	// its label, an i18n.Msg itself, in the language of the message.
	Key  string
	Args []any
	// Person is the other record the problem is about (the holder of an
	// ID number typed again, the household's head), for a screen to
	// offer to open it; the messages name that person, never this.
	Person ID
}

// Message returns the problem's message in lang: English for "en",
// Vietnamese otherwise.
func (p *Problem) Message(lang string) string {
	return i18n.T(lang, p.Key, p.Args...)
}

// Error returns the Vietnamese message: officers read errors first.
func (p *Problem) Error() string { return p.Message(i18n.Vietnamese) }

// msg is the problem's message, to be said inside another.
func (p *Problem) msg() i18n.Msg { return i18n.Msg{Key: p.Key, Args: p.Args} }

// Localize says a field, as an argument of a message, by its label in
// lang.
func (f Field) Localize(lang string) string { return f.Label(lang) }

// Problems is every problem found in a record, in field order. It is an
// error so that a function can return it as one; use [Problems.Err] to
// return no error for no problems.
type Problems []Problem

// Error joins the Vietnamese messages.
func (ps Problems) Error() string { return ps.Message("vi") }

// Message joins the messages in lang with "; ".
func (ps Problems) Message(lang string) string {
	msgs := make([]string, len(ps))
	for i := range ps {
		msgs[i] = ps[i].Message(lang)
	}
	return strings.Join(msgs, "; ")
}

// Err returns ps as an error, or nil if there are no problems. Returning a
// nil Problems as an error would give a non-nil error.
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	return ps
}

// Has reports whether a problem with code is in ps.
func (ps Problems) Has(code string) bool {
	for _, p := range ps {
		if p.Code == code {
			return true
		}
	}
	return false
}

// Canonicalize turns what an officer typed, or a CSV cell holds, into the
// canonical form field f stores, or returns a Problem naming f. Surrounding
// white space is trimmed; an empty value stays empty, because whether a
// field is required is a property of the record ([ValidatePerson]), and
// default values (nationality VN) are the caller's to apply.
func Canonicalize(f Field, raw string) (string, *Problem) {
	if strings.TrimSpace(raw) == "" {
		return "", nil
	}
	switch {
	case isNameField(f):
		return canonicalName(f, raw)
	case isIDNumberField(f):
		return canonicalIDNumber(f, raw)
	}
	switch f {
	case FieldOldIDNumber:
		return canonicalOldIDNumber(f, raw)
	case FieldBirthDate, FieldDeathDate, FieldIDIssueDate:
		return canonicalDate(f, raw)
	case FieldSex:
		return canonicalWord(f, raw, sexWords, problemSex)
	case FieldStatus:
		return canonicalWord(f, raw, statusWords, problemStatus)
	case FieldMaritalStatus:
		return canonicalWord(f, raw, maritalWords, problemMarital)
	case FieldBloodType:
		return canonicalBloodType(f, raw)
	case FieldEthnicity:
		return canonicalLookup(f, raw, func(s string) (string, bool) {
			e, ok := refdata.LookupEthnicity(s)
			return e.Code, ok
		})
	case FieldReligion:
		return canonicalLookup(f, raw, lookupReligion)
	case FieldNationality:
		return canonicalLookup(f, raw, func(s string) (string, bool) {
			c, ok := refdata.LookupCountry(s)
			return c.Code, ok
		})
	case FieldPermanentAddressCode, FieldTemporaryAddressCode, FieldCurrentAddressCode:
		return canonicalUnitCode(f, raw, true)
	case FieldTemporaryAbsenceCode:
		return canonicalUnitCode(f, raw, false)
	case FieldHometown, FieldBirthRegistrationPlace:
		return canonicalPlace(f, raw)
	case FieldRelationshipToHead:
		s, p := canonicalText(f, raw)
		if p == nil && fold.Fold(s) == "chu ho" {
			s = RelationshipHead
		}
		return s, p
	case FieldPhone:
		return canonicalPhone(f, raw)
	}
	// Household number, address details, occupation, issue place, and any
	// field added later: free text.
	return canonicalText(f, raw)
}

func canonicalDate(f Field, raw string) (string, *Problem) {
	s, p := cleanText(f, raw)
	if p != nil {
		return "", p
	}
	d, err := ParseDate(s)
	if errors.Is(err, ErrDateSerial) {
		return "", problemDateSerial(f, s)
	}
	if err != nil {
		return "", problemDateFormat(f, s)
	}
	return d.String(), nil
}

// Words officers and old files use for the coded fields, folded (lower case,
// no diacritics: see [fold.Fold]), mapped to the stored value.
var (
	sexWords = map[string]string{
		"nam": SexMale, "m": SexMale, "male": SexMale,
		"nu": SexFemale, "f": SexFemale, "female": SexFemale,
	}
	statusWords = map[string]string{
		"living": StatusLiving, "alive": StatusLiving, "con song": StatusLiving, "song": StatusLiving,
		"dead": StatusDead, "deceased": StatusDead, "da chet": StatusDead, "chet": StatusDead,
		"mat": StatusDead, "da mat": StatusDead, "tu vong": StatusDead, "da tu vong": StatusDead,
		"missing": StatusMissing, "mat tich": StatusMissing, "da mat tich": StatusMissing,
	}
	maritalWords = map[string]string{
		"single": MaritalSingle, "doc than": MaritalSingle, "chua ket hon": MaritalSingle,
		"married": MaritalMarried, "da ket hon": MaritalMarried, "ket hon": MaritalMarried,
		"co vo": MaritalMarried, "co chong": MaritalMarried, "da co vo": MaritalMarried, "da co chong": MaritalMarried,
		"divorced": MaritalDivorced, "ly hon": MaritalDivorced, "da ly hon": MaritalDivorced, "ly di": MaritalDivorced,
		"widowed": MaritalWidowed, "goa": MaritalWidowed, "goa vo": MaritalWidowed, "goa chong": MaritalWidowed,
	}
)

// Canonical values of marital_status, as stored.
const (
	MaritalSingle   = "single"
	MaritalMarried  = "married"
	MaritalDivorced = "divorced"
	MaritalWidowed  = "widowed"
)

func canonicalWord(f Field, raw string, words map[string]string, bad func(Field, string) *Problem) (string, *Problem) {
	s, p := cleanText(f, raw)
	if p != nil {
		return "", p
	}
	if v, ok := words[fold.Fold(s)]; ok {
		return v, nil
	}
	return "", bad(f, s)
}

// canonicalBloodType accepts "O", "o+", "AB-", "A Rh+", "nhóm B" and stores
// the group with an optional Rh sign: "O", "O+", "AB-".
func canonicalBloodType(f Field, raw string) (string, *Problem) {
	s, p := cleanText(f, raw)
	if p != nil {
		return "", p
	}
	t := strings.ToUpper(strings.ReplaceAll(fold.Fold(s), " ", ""))
	t = strings.TrimPrefix(t, "NHOM")
	t = strings.Replace(t, "RH", "", 1)
	group, rh := t, ""
	if n := len(t); n > 0 && (t[n-1] == '+' || t[n-1] == '-') {
		group, rh = t[:n-1], t[n-1:]
	}
	switch group {
	case "A", "B", "AB", "O":
		return group + rh, nil
	}
	return "", problemBloodType(f, s)
}

// canonicalLookup resolves a code or a name through the reference data.
func canonicalLookup(f Field, raw string, lookup func(string) (string, bool)) (string, *Problem) {
	s, p := cleanText(f, raw)
	if p != nil {
		return "", p
	}
	if code, ok := lookup(s); ok {
		return code, nil
	}
	return "", problemUnknownCode(f, s)
}

// religionNone is the code of "Không" (no religion) in religions.csv.
const religionNone = "00"

func lookupReligion(s string) (string, bool) {
	if r, ok := refdata.LookupReligion(s); ok {
		return r.Code, true
	}
	switch fold.Fold(s) {
	case "khong", "khong co", "none", "no":
		return religionNone, true
	}
	return "", false
}

// unitCodeLen is the length of a commune-level administrative unit code.
const unitCodeLen = 5

// canonicalUnitCode checks an administrative-unit code. Spreadsheets drop
// leading zeros ("00769" becomes 769), so shorter codes are padded. Current
// addresses must use the units in force since 1 July 2025 (DESIGN.md, "The records");
// a temporary absence may name a place by either.
func canonicalUnitCode(f Field, raw string, current bool) (string, *Problem) {
	s := strings.TrimSpace(raw)
	if !allDigits(s) || len(s) > unitCodeLen {
		return "", problemUnitFormat(f, s)
	}
	code := strings.Repeat("0", unitCodeLen-len(s)) + s
	if _, ok := refdata.Commune2025(code); ok {
		return code, nil
	}
	if old, ok := refdata.CommunePre2025(code); ok {
		if !current {
			return code, nil
		}
		return "", problemUnitPre2025(f, code, old)
	}
	return "", problemUnknownCode(f, code)
}

// canonicalPlace handles hometown and place of birth registration, which
// old papers write in many ways. A unit code that exists (before or after
// 2025), or a name that the reference data resolves to exactly one unit, is
// stored as the code; anything else is kept as written, because the paper is
// the authority and the unit may have been renamed or merged since.
func canonicalPlace(f Field, raw string) (string, *Problem) {
	s, p := canonicalText(f, raw)
	if p != nil {
		return "", p
	}
	if allDigits(s) && len(s) == unitCodeLen {
		if _, ok := refdata.Unit(s); ok {
			return s, nil
		}
	}
	if c, ok := resolvePlace(s); ok {
		return c.Code, nil
	}
	return s, nil
}

// phoneSeparators are the characters a phone number may be written with
// and is stored without. Built once: a Replacer builds its tables on first use.
var phoneSeparators = strings.NewReplacer(" ", "", ".", "", "-", "")

// canonicalPhone keeps digits and a leading "+".
func canonicalPhone(f Field, raw string) (string, *Problem) {
	s, p := cleanText(f, raw)
	if p != nil {
		return "", p
	}
	t := phoneSeparators.Replace(s)
	digits := strings.TrimPrefix(t, "+")
	if !allDigits(digits) || len(digits) < 9 || len(digits) > 12 {
		return "", problemPhone(f, s)
	}
	return t, nil
}

// ValidatePerson checks a whole record as of today (the device's date; a
// date is in the future only if it certainly lies after today). Every
// non-empty field must be in a form [Canonicalize] accepts; the required
// fields must be present; the ID number must agree with sex and birth year;
// dates must be in order. Partial dates are compared with
// [PartialDate.Before], so that a birth in "1990" and a death in "05/1990"
// are not reported: only what is certainly wrong is an error.
//
// A person whose status is dead but who has no date of death is not an
// error: older records often lack it.
func ValidatePerson(p *Person, today time.Time) Problems {
	var ps Problems
	// canon holds the canonical form of every good value; the checks below
	// see a bad value as empty, so that one mistake gives one problem.
	var canon [numFields]string
	var bad [numFields]bool
	for _, f := range Fields() {
		if p.Values[f] == "" {
			continue
		}
		v, prob := Canonicalize(f, p.Values[f])
		if prob != nil {
			ps = append(ps, *prob)
			bad[f] = true
		}
		canon[f] = v
	}
	return checkPerson(ps, &canon, &bad, today)
}

// validateCanonical is [ValidatePerson] for a record whose every value
// Canonicalize has just returned (a new record built from canonical
// values): canonical forms are fixed points of Canonicalize, so it skips
// canonicalising them again and runs the whole-record checks only.
// rejected are the problems of the values Canonicalize refused (and left
// out of p): a field given but refused is not also "required".
func validateCanonical(p *Person, rejected Problems, today time.Time) Problems {
	var bad [numFields]bool
	for _, q := range rejected {
		if q.Field.Valid() {
			bad[q.Field] = true
		}
	}
	return checkPerson(nil, &p.Values, &bad, today)
}

// checkPerson runs the whole-record checks of [ValidatePerson] on canonical
// values, bad marking the fields whose value was rejected; it appends to ps.
func checkPerson(ps Problems, canon *[numFields]string, bad *[numFields]bool, today time.Time) Problems {
	for _, f := range requiredFields {
		if canon[f] == "" && !bad[f] {
			ps = append(ps, *problemRequired(f))
		}
	}
	value := func(f Field) string { return canon[f] }
	date := func(f Field) PartialDate {
		d, _ := ParseDate(value(f))
		return d
	}
	birth, death, issue := date(FieldBirthDate), date(FieldDeathDate), date(FieldIDIssueDate)

	if id := value(FieldIDNumber); id != "" {
		if info, err := IDNumberInfo(id); err == nil {
			if sex := value(FieldSex); sex != "" && sex != info.Sex {
				ps = append(ps, *problemIDSex(id, info.Sex, sex))
			}
			if !birth.IsZero() && birth.Year != info.BirthYear() {
				ps = append(ps, *problemIDYear(id, info.BirthYear(), birth))
			}
		}
		for _, f := range []Field{FieldFatherIDNumber, FieldMotherIDNumber, FieldSpouseIDNumber, FieldRepresentativeIDNumber} {
			if value(f) == id {
				ps = append(ps, *problemIDDuplicate(f, id))
			}
		}
	}

	now := PartialDate{Year: today.Year(), Month: int(today.Month()), Day: today.Day()}
	for _, f := range []Field{FieldBirthDate, FieldDeathDate, FieldIDIssueDate} {
		if d := date(f); !d.IsZero() && now.Before(d) {
			ps = append(ps, *problemFuture(f, d, now))
		}
	}
	if !death.IsZero() && !birth.IsZero() && death.Before(birth) {
		ps = append(ps, *problemDateOrder("death_before_birth", FieldDeathDate, death, FieldBirthDate, birth))
	}
	if !issue.IsZero() && !birth.IsZero() && issue.Before(birth) {
		ps = append(ps, *problemDateOrder("issue_before_birth", FieldIDIssueDate, issue, FieldBirthDate, birth))
	}
	if !death.IsZero() && !bad[FieldStatus] {
		if st := value(FieldStatus); st != StatusDead && st != StatusMissing {
			ps = append(ps, *problemDeathStatus())
		}
	}
	return ps
}

// requiredFields are the fields every record must have (DESIGN.md, "The records"). A
// newborn may have no ID number yet, so that is not among them.
var requiredFields = []Field{FieldFullName, FieldBirthDate, FieldSex, FieldEthnicity, FieldNationality}

// minParentAge is the least gap between a parent's birth and a child's that
// is not a typing mistake.
const minParentAge = 12

// CheckParentChild reports a parent who was certainly not born at least
// minParentAge (12) years before the child. With partial dates it reports
// only what is certain: a parent born in 1970 and a child born in 1982 pass,
// since the gap may be 12 years.
func CheckParentChild(parent, child *Person) *Problem {
	pb, cb := parent.BirthDate(), child.BirthDate()
	if pb.IsZero() || cb.IsZero() {
		return nil
	}
	if !cb.Latest().Before(pb.Earliest().AddDate(minParentAge, 0, 0)) {
		return nil
	}
	return problemParentAge(parent, pb, child, cb)
}

// CheckHouseholdHeads reports a household whose members do not include
// exactly one head.
func CheckHouseholdHeads(members []*Person) *Problem {
	var heads []string
	for _, m := range members {
		if m != nil && m.IsHead() {
			heads = append(heads, m.FullName())
		}
	}
	switch len(heads) {
	case 1:
		return nil
	case 0:
		return problemNoHead()
	}
	return problemManyHeads(heads)
}

// The problems. Each names the field by its label, quotes the value when
// there is one, and says what to do.

func newProblem(f, other Field, code, key string, args ...any) *Problem {
	return &Problem{Field: f, Other: other, Code: code, Key: key, Args: args}
}

func problemEncoding(f Field) *Problem {
	return newProblem(f, 0, "encoding", "problem.encoding", f)
}

func problemTooLong(f Field, limit int) *Problem {
	return newProblem(f, 0, "too_long", "problem.too_long", f, limit)
}

func problemNameChar(f Field, s string, r rune) *Problem {
	return newProblem(f, 0, "name_chars", "problem.name_chars", f, s, r)
}

func problemNameNoLetters(f Field, s string) *Problem {
	return newProblem(f, 0, "name_chars", "problem.name_no_letters", f, s)
}

func problemDateFormat(f Field, s string) *Problem {
	return newProblem(f, 0, "date_format", "problem.date_format", f, s)
}

func problemDateSerial(f Field, s string) *Problem {
	return newProblem(f, 0, "date_format", "problem.date_serial", f, s)
}

func problemSex(f Field, s string) *Problem {
	return newProblem(f, 0, "sex", "problem.sex", f, s)
}

func problemStatus(f Field, s string) *Problem {
	return newProblem(f, 0, "status", "problem.status", f, s)
}

func problemMarital(f Field, s string) *Problem {
	return newProblem(f, 0, "marital_status", "problem.marital_status", f, s)
}

func problemBloodType(f Field, s string) *Problem {
	return newProblem(f, 0, "blood_type", "problem.blood_type", f, s)
}

func problemUnknownCode(f Field, s string) *Problem {
	return newProblem(f, 0, "unknown_code", "problem.unknown_code", f, s)
}

func problemUnitFormat(f Field, s string) *Problem {
	return newProblem(f, 0, "unit_code", "problem.unit_code", f, s)
}

func problemUnitPre2025(f Field, code string, old refdata.Commune) *Problem {
	return newProblem(f, 0, "unit_pre2025", "problem.unit_pre2025", f, code, old.Name, old.ProvinceName)
}

func problemPhone(f Field, s string) *Problem {
	return newProblem(f, 0, "phone", "problem.phone", f, s)
}

func problemRequired(f Field) *Problem {
	return newProblem(f, 0, "required", "problem.required", f)
}

// sexWord says a stored sex in a message: the stored word in Vietnamese,
// "male" or "female" in English.
func sexWord(sex string) i18n.Msg {
	if sex == SexFemale {
		return i18n.M("problem.sex.female")
	}
	return i18n.M("problem.sex.male")
}

func problemIDSex(id, idSex, sex string) *Problem {
	f, o := FieldIDNumber, FieldSex
	return newProblem(f, o, "id_sex", "problem.id_sex", f, id, sexWord(idSex), o, sexWord(sex))
}

func problemIDYear(id string, idYear int, birth PartialDate) *Problem {
	f, o := FieldIDNumber, FieldBirthDate
	return newProblem(f, o, "id_year", "problem.id_year", f, id, idYear, o, birth.Vietnamese())
}

func problemIDDuplicate(f Field, id string) *Problem {
	o := FieldIDNumber
	return newProblem(f, o, "id_duplicate", "problem.id_duplicate", f, id, o)
}

func problemFuture(f Field, d, today PartialDate) *Problem {
	return newProblem(f, 0, "date_future", "problem.date_future", f, d.Vietnamese(), today.Vietnamese())
}

func problemDateOrder(code string, f Field, d PartialDate, o Field, od PartialDate) *Problem {
	return newProblem(f, o, code, "problem.date_order", f, d.Vietnamese(), o, od.Vietnamese())
}

func problemDeathStatus() *Problem {
	f, o := FieldStatus, FieldDeathDate
	return newProblem(f, o, "death_status", "problem.death_status", o, f, f)
}

func problemParentAge(parent *Person, pb PartialDate, child *Person, cb PartialDate) *Problem {
	f := FieldBirthDate
	return newProblem(f, 0, "parent_age", "problem.parent_age",
		f, parent.FullName(), pb.Vietnamese(), f, child.FullName(), cb.Vietnamese(), minParentAge)
}

func problemNoHead() *Problem {
	f := FieldRelationshipToHead
	return newProblem(f, 0, "head_missing", "problem.head_missing", RelationshipHead, f)
}

func problemManyHeads(names []string) *Problem {
	f := FieldRelationshipToHead
	return newProblem(f, 0, "head_multiple", "problem.head_multiple", len(names), strings.Join(names, ", "), f, RelationshipHead)
}
