package storage

import (
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/communekit/communekit/internal/golden"
	"github.com/communekit/communekit/storage/refdata"
)

var updateMessages = flag.Bool("update-messages", false, "rewrite testdata/messages.golden")

// everyMessage is every kind of message storage says to a person, each
// with arguments that take every branch, in both languages. Its golden
// file was written by the code that built each message twice with
// Sprintf, before the texts moved to the bundles of assets/i18n; the
// test keeps every text byte for byte. A new message belongs here, with
// -update-messages to add it to the golden file (and a look at the diff).
func everyMessage() []struct {
	name   string
	vi, en string
} {
	type msg = struct {
		name   string
		vi, en string
	}
	var out []msg
	prob := func(name string, p *Problem) {
		out = append(out, msg{fmt.Sprintf("%s [%s %s %s]", name, p.Code, p.Field, p.Other), p.Message("vi"), p.Message("en")})
	}
	text := func(name string, f func(lang string) string) {
		out = append(out, msg{name, f("vi"), f("en")})
	}
	person := func(name, birth, household string) *Person {
		p := &Person{}
		p.Values[FieldFullName], p.Values[FieldBirthDate], p.Values[FieldHouseholdNumber] = name, birth, household
		return p
	}
	id := MakeIDNumber("033", SexMale, 1980, 5)
	d := func(y, m, dd int) PartialDate { return PartialDate{Year: y, Month: m, Day: dd} }
	other := ID{Origin: "ABCDEFGH", N: 42}

	// validate.go
	for _, f := range []Field{FieldFullName, FieldHometown, FieldPhone} {
		prob("encoding", problemEncoding(f))
	}
	prob("too_long", problemTooLong(FieldPermanentAddressDetail, 200))
	prob("name_chars", problemNameChar(FieldFullName, "Lê V@n A", '@'))
	prob("name_no_letters", problemNameNoLetters(FieldFatherName, "---"))
	prob("date_format", problemDateFormat(FieldBirthDate, "31/02/90x"))
	prob("date_serial", problemDateSerial(FieldIDIssueDate, "33000"))
	prob("sex", problemSex(FieldSex, "x"))
	prob("status", problemStatus(FieldStatus, "sống?"))
	prob("marital", problemMarital(FieldMaritalStatus, "?"))
	prob("blood_type", problemBloodType(FieldBloodType, "C"))
	prob("unknown_code", problemUnknownCode(FieldEthnicity, "Kinh2"))
	prob("unit_format", problemUnitFormat(FieldPermanentAddressCode, "12a"))
	prob("unit_pre2025", problemUnitPre2025(FieldCurrentAddressCode, "00715", refdata.Commune{Name: "Lũng Cú", ProvinceName: "Hà Giang"}))
	prob("phone", problemPhone(FieldPhone, "12"))
	for _, f := range []Field{FieldFullName, FieldBirthDate, FieldIDNumber} {
		prob("required", problemRequired(f))
	}
	prob("id_sex male/female", problemIDSex(id, SexMale, SexFemale))
	prob("id_sex female/male", problemIDSex(id, SexFemale, SexMale))
	prob("id_year", problemIDYear(id, 1980, d(1981, 3, 0)))
	prob("id_duplicate", problemIDDuplicate(FieldFatherIDNumber, id))
	prob("date_future", problemFuture(FieldDeathDate, d(2031, 1, 2), d(2026, 12, 7)))
	prob("date_order", problemDateOrder("death_before_birth", FieldDeathDate, d(1970, 0, 0), FieldBirthDate, d(1980, 5, 0)))
	prob("date_order", problemDateOrder("issue_before_birth", FieldIDIssueDate, d(1979, 1, 1), FieldBirthDate, d(1980, 5, 17)))
	prob("death_status", problemDeathStatus())
	prob("parent_age", problemParentAge(person("Phạm Văn Bình", "", ""), d(1980, 0, 0), person("Phạm Thị Lan", "", ""), d(1985, 2, 3)))
	prob("head_missing", problemNoHead())
	prob("head_multiple", problemManyHeads([]string{"Phạm Văn Bình", "Phạm Thị Lan"}))

	// idnumber.go, qr.go
	prob("id_digits", problemIDDigits(FieldIDNumber, " 0331ab "))
	prob("id_length", problemIDLength(FieldIDNumber, "0331"))
	prob("id_length zeros dropped", problemIDLength(FieldMotherIDNumber, "33080000005"))
	prob("id_length leading zero", problemIDLength(FieldIDNumber, "03308000000"))
	prob("id_province", problemIDProvince(FieldIDNumber, "999080000005"))
	prob("old_id_length", problemOldIDLength(FieldOldIDNumber, "1234"))
	prob("qr date", problemQRDate(FieldBirthDate, "1990"))
	prob("qr format", problemQRFormat(3))

	// records.go, import.go, authority.go, household_events.go, whois.go
	full, noBirth, nobody := whoWords(person("Phạm Văn Bình", "1980-02-03", "H-7")), whoWords(person("Phạm Văn Bình", "", "")), whoWords(nil)
	for _, w := range []struct {
		name string
		who  who
	}{{"full", full}, {"name only", noBirth}, {"nobody", nobody}} {
		p := problemIDTaken(id, other, w.who)
		prob("id_taken "+w.name, &p)
		p = problemSecondHead("H-7", other, w.who)
		prob("second_head "+w.name, &p)
		p = problemIDInStore(id, other, w.who)
		prob("id_in_store "+w.name, &p)
	}
	for _, p := range []Problem{
		problemAlreadyPresent(other),
		problemHouseholdNumberRequired(),
		problemHouseholdExists("H-7"),
		problemDuplicateRow(12),
		problemIDOnLine(id, 3),
		problemHeadOnLine("H-7", 4),
		problemInternal(errors.New("badger: disk full")),
		problemParentOnLine(*problemParentAge(person("A", "", ""), d(1980, 0, 0), person("B", "", ""), d(1985, 0, 0)), 9),
		problemChildInStore(*problemParentAge(person("A", "", ""), d(1980, 0, 0), person("B", "", ""), d(1985, 0, 0)), other),
		problemOtherCommunesRecord("Phạm Văn Bình", "Xã Lũng Cú (00715)"),
		problemOutOfScope("Xã Lũng Cú (00715)"),
		problemMoveOutFields(FieldPhone, "Xã Lũng Cú (00715)"),
		problemInHousehold("H-7", *problemNoHead()),
		problemInHousehold("H-8", *problemManyHeads([]string{"A", "B", "C"})),
		problemNamed("Phạm Thị Lan", *problemRequired(FieldSex)),
		problemNamed("Phạm Thị Lan", problemInHousehold("H-7", *problemNoHead())),
	} {
		prob("inline", &p)
	}

	// Import rows and the import stopped.
	text("row width", func(l string) string { return rowWidthMessage(l, 3, 5) })
	text("unnamed value", func(l string) string { return unnamedValueMessage(l, "x \"y\"", 27) })
	text("csv", func(l string) string {
		return csvMessage(&csv.ParseError{StartLine: 2, Line: 3, Column: 4, Err: csv.ErrBareQuote}, l)
	})
	for _, long := range []longRecordError{
		{Line: 7, QuoteLine: 9, InQuotes: true, Limit: 1 << 20},
		{Line: 7, QuoteLine: 7, InQuotes: true, Limit: 1 << 20},
		{Line: 7, Limit: 64 << 10},
	} {
		for _, st := range []importStopped{{}, {header: true}, {dryRun: true}} {
			long := long
			st.long = &long
			name := fmt.Sprintf("stopped %+v header=%v dry=%v", long, st.header, st.dryRun)
			text(name+" message", func(l string) string { st.lang = l; return st.message() })
			text(name+" error", func(l string) string { st.lang = l; return st.Error() })
		}
	}
	return out
}

func TestMessages_KeepTheirWordsInBothLanguages(t *testing.T) {
	var b strings.Builder
	for _, m := range everyMessage() {
		if strings.Contains(m.vi+m.en, "%!") {
			t.Errorf("%s: a verb and its arguments disagree: %q / %q", m.name, m.vi, m.en)
		}
		fmt.Fprintf(&b, "# %s\nvi: %s\nen: %s\n\n", m.name, m.vi, m.en)
	}
	path := filepath.Join("testdata", "messages.golden")
	golden.Check(t, path, b.String(), *updateMessages)
}
