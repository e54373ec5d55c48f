package storage

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// today is the date validation tests run on, so that they do not age.
var today = time.Date(2025, 9, 1, 10, 0, 0, 0, time.UTC)

// TestCanonicalize_SpreadsheetDayNumber: a date column formatted as a
// number comes out of a spreadsheet as days since 1900; the message says
// so and how to save the column as dates.
func TestCanonicalize_SpreadsheetDayNumber(t *testing.T) {
	_, p := Canonicalize(FieldBirthDate, "31118")
	if p == nil || !strings.Contains(p.Message("en"), "spreadsheet's day number") || !strings.Contains(p.Message("vi"), "dd/mm/yyyy") {
		t.Fatalf("31118: %+v", p)
	}
}

// TestImport_RejectedDateIsNotAlsoMissing: a birth date given but refused
// is one problem, not also "required".
func TestImport_RejectedDateIsNotAlsoMissing(t *testing.T) {
	s := &Store{now: time.Now}
	_, probs := s.prepareNew(ID{}, Values{FieldFullName: "Lò Văn A", FieldBirthDate: "12/03/85", FieldSex: "Nam", FieldEthnicity: "01"}, nil)
	if len(probs) != 1 || probs[0].Code != "date_format" {
		t.Fatalf("problems %+v", probs)
	}
}

func TestCanonicalize_Dates(t *testing.T) {
	tests := []struct {
		raw      string
		want     string
		wantCode string
	}{
		{"1990", "1990", ""},
		{"05/1990", "1990-05", ""},
		{"5/1990", "1990-05", ""},
		{"17/05/1990", "1990-05-17", ""},
		{"7/5/1990", "1990-05-07", ""},
		{"17-05-1990", "1990-05-17", ""},
		{"17.05.1990", "1990-05-17", ""},
		{"1990-05-17", "1990-05-17", ""},
		{"1990-05", "1990-05", ""},
		{"17051990", "1990-05-17", ""},
		{" 29/02/2024 ", "2024-02-29", ""},
		{"29/02/2023", "", "date_format"},
		{"32/01/1990", "", "date_format"},
		{"13/1990", "", "date_format"},
		{"90", "", "date_format"},
		{"hôm qua", "", "date_format"},
		{"1700", "", "date_format"},
		// What spreadsheets and papers write.
		{"17/05/1990 00:00", "1990-05-17", ""},
		{"17/05/1990 0:00:00", "1990-05-17", ""},
		{"5/17/1990 12:00:00 AM", "", "date_format"}, // month first: refused, not guessed
		{"ngày 17 tháng 5 năm 1990", "1990-05-17", ""},
		{"Ngày 17 Tháng 05 Năm 1990", "1990-05-17", ""},
		{"17 tháng 5 năm 1990", "1990-05-17", ""},
		{"tháng 5 năm 1990", "1990-05", ""},
		{"tháng 5, năm 1990", "1990-05", ""},
		{"năm 1990", "1990", ""},
		{"ngày 31 tháng 2 năm 1990", "", "date_format"},
		{"32999", "", "date_format"},
	}
	for _, f := range []Field{FieldBirthDate, FieldDeathDate, FieldIDIssueDate} {
		for _, tt := range tests {
			t.Run(f.String()+"/"+tt.raw, func(t *testing.T) {
				got, p := Canonicalize(f, tt.raw)
				checkCanonical(t, f, tt.raw, got, p, tt.want, tt.wantCode)
			})
		}
	}
}

func TestCanonicalize_CodedFields(t *testing.T) {
	tests := []struct {
		field    Field
		raw      string
		want     string
		wantCode string
	}{
		{FieldSex, "Nam", SexMale, ""},
		{FieldSex, "nam", SexMale, ""},
		{FieldSex, "NAM", SexMale, ""},
		{FieldSex, "M", SexMale, ""},
		{FieldSex, "male", SexMale, ""},
		{FieldSex, "Nữ", SexFemale, ""},
		{FieldSex, "nữ", SexFemale, ""},
		{FieldSex, "NỮ", SexFemale, ""},
		{FieldSex, norm.NFD.String("Nữ"), SexFemale, ""},
		{FieldSex, "nu", SexFemale, ""},
		{FieldSex, "f", SexFemale, ""},
		{FieldSex, "Female", SexFemale, ""},
		{FieldSex, "0", "", "sex"},
		{FieldSex, "1", "", "sex"},
		{FieldSex, "khác", "", "sex"},

		{FieldStatus, "còn sống", StatusLiving, ""},
		{FieldStatus, "Sống", StatusLiving, ""},
		{FieldStatus, "living", StatusLiving, ""},
		{FieldStatus, "đã chết", StatusDead, ""},
		{FieldStatus, "chết", StatusDead, ""},
		{FieldStatus, "Mất", StatusDead, ""},
		{FieldStatus, "dead", StatusDead, ""},
		{FieldStatus, "mất tích", StatusMissing, ""},
		{FieldStatus, "Missing", StatusMissing, ""},
		{FieldStatus, "ốm", "", "status"},

		{FieldBloodType, "A", "A", ""},
		{FieldBloodType, "o+", "O+", ""},
		{FieldBloodType, "AB-", "AB-", ""},
		{FieldBloodType, "ab", "AB", ""},
		{FieldBloodType, "B Rh+", "B+", ""},
		{FieldBloodType, "Nhóm O", "O", ""},
		{FieldBloodType, "C", "", "blood_type"},
		{FieldBloodType, "A+-", "", "blood_type"},
		{FieldBloodType, "+", "", "blood_type"},

		{FieldMaritalStatus, "độc thân", MaritalSingle, ""},
		{FieldMaritalStatus, "Đã kết hôn", MaritalMarried, ""},
		{FieldMaritalStatus, "có vợ", MaritalMarried, ""},
		{FieldMaritalStatus, "Có chồng", MaritalMarried, ""},
		{FieldMaritalStatus, "ly hôn", MaritalDivorced, ""},
		{FieldMaritalStatus, "góa", MaritalWidowed, ""},
		{FieldMaritalStatus, "goá", MaritalWidowed, ""},
		{FieldMaritalStatus, "widowed", MaritalWidowed, ""},
		{FieldMaritalStatus, "hẹn hò", "", "marital_status"},

		{FieldEthnicity, "Kinh", "01", ""},
		{FieldEthnicity, "01", "01", ""},
		{FieldEthnicity, "tày", "02", ""},
		{FieldEthnicity, "Klingon", "", "unknown_code"},
		{FieldEthnicity, "99", "", "unknown_code"},

		{FieldReligion, "Không", "00", ""},
		{FieldReligion, "none", "00", ""},
		{FieldReligion, "Phật giáo", "01", ""},
		{FieldReligion, "02", "02", ""},
		{FieldReligion, "Jedi", "", "unknown_code"},

		{FieldNationality, "VN", "VN", ""},
		{FieldNationality, "Việt Nam", "VN", ""},
		{FieldNationality, "Pháp", "FR", ""},
		{FieldNationality, "XX", "", "unknown_code"},

		{FieldPhone, "0912 345 678", "0912345678", ""},
		{FieldPhone, "0912.345.678", "0912345678", ""},
		{FieldPhone, "+84 912 345 678", "+84912345678", ""},
		{FieldPhone, "091234", "", "phone"},
		{FieldPhone, "0912345678901", "", "phone"},
		{FieldPhone, "09123x5678", "", "phone"},
		{FieldPhone, "84+912345678", "", "phone"},
	}
	for _, tt := range tests {
		t.Run(tt.field.String()+"/"+tt.raw, func(t *testing.T) {
			got, p := Canonicalize(tt.field, tt.raw)
			checkCanonical(t, tt.field, tt.raw, got, p, tt.want, tt.wantCode)
		})
	}
}

func TestCanonicalize_AddressCodes(t *testing.T) {
	tests := []struct {
		field    Field
		raw      string
		want     string
		wantCode string
	}{
		{FieldCurrentAddressCode, "00004", "00004", ""},
		{FieldCurrentAddressCode, "769", "00769", ""}, // a spreadsheet dropped the zeros
		{FieldPermanentAddressCode, "00769", "00769", ""},
		{FieldTemporaryAddressCode, "4", "00004", ""},
		{FieldCurrentAddressCode, "00001", "", "unit_pre2025"}, // Phúc Xá, merged into Ba Đình
		{FieldPermanentAddressCode, "00001", "", "unit_pre2025"},
		{FieldTemporaryAbsenceCode, "00001", "00001", ""}, // may name a place by its old unit
		{FieldTemporaryAbsenceCode, "00004", "00004", ""},
		{FieldCurrentAddressCode, "99999", "", "unknown_code"},
		{FieldTemporaryAbsenceCode, "99999", "", "unknown_code"},
		{FieldCurrentAddressCode, "000004", "", "unit_code"},
		{FieldCurrentAddressCode, "Ba Đình", "", "unit_code"},
		{FieldCurrentAddressCode, "-1", "", "unit_code"},
	}
	for _, tt := range tests {
		t.Run(tt.field.String()+"/"+tt.raw, func(t *testing.T) {
			got, p := Canonicalize(tt.field, tt.raw)
			checkCanonical(t, tt.field, tt.raw, got, p, tt.want, tt.wantCode)
		})
	}
}

func TestCanonicalize_HometownAcceptsUnitsAndFreeText(t *testing.T) {
	for _, f := range []Field{FieldHometown, FieldBirthRegistrationPlace} {
		for raw, want := range map[string]string{
			"00001":                       "00001", // a pre-2025 unit
			"00004":                       "00004", // a 2025 unit
			"Lũng Cú, Đồng Văn, Hà Giang": "00715",
			"Xã Lũng Cú, Huyện Đồng Văn, Hà Giang":  "00715",
			"Mèo Vạc, Hà Giang":                     "00769",
			"Đồng Văn":                              "Đồng Văn", // many units bear the name: keep the text
			"Thôn Lũng Hòa, Lũng Cú, Đồng Văn":      "Thôn Lũng Hòa, Lũng Cú, Đồng Văn",
			"  làng Kim Liên,  Nam Đàn,  Nghệ An  ": "làng Kim Liên, Nam Đàn, Nghệ An",
			"99999":                       "99999", // not a unit: the paper is the authority
			norm.NFD.String("Quê  Ngoại"): "Quê Ngoại",
		} {
			got, p := Canonicalize(f, raw)
			if p != nil || got != want {
				t.Errorf("%s: Canonicalize(%q) = %q, %v; want %q", f, raw, got, p, want)
			}
		}
	}
}

func TestCanonicalize_EmptyStaysEmpty(t *testing.T) {
	for _, f := range Fields() {
		for _, raw := range []string{"", " ", "\t\r\n"} {
			if got, p := Canonicalize(f, raw); got != "" || p != nil {
				t.Errorf("Canonicalize(%s, %q) = %q, %v", f, raw, got, p)
			}
		}
	}
}

// person builds a record from canonical values, filling the required fields
// that the test does not set.
func person(vals map[Field]string) *Person {
	p := &Person{}
	p.Values[FieldFullName] = "Nguyễn Văn An"
	p.Values[FieldBirthDate] = "1990-05-17"
	p.Values[FieldSex] = SexMale
	p.Values[FieldEthnicity] = "01"
	p.Values[FieldNationality] = "VN"
	p.Values[FieldStatus] = StatusLiving
	for f, v := range vals {
		p.Values[f] = v
	}
	return p
}

func TestValidatePerson_CompleteRecordHasNoProblems(t *testing.T) {
	p := person(map[Field]string{
		FieldIDNumber:       "001090123456",
		FieldIDIssueDate:    "2021-04-01",
		FieldHometown:       "Lũng Cú, Đồng Văn, Hà Giang",
		FieldPhone:          "0912345678",
		FieldFatherIDNumber: "001060123456",
	})
	if ps := ValidatePerson(p, today); len(ps) != 0 {
		t.Errorf("problems: %v", ps)
	}
	if err := ValidatePerson(p, today).Err(); err != nil {
		t.Errorf("Err() = %v, want nil", err)
	}
}

func TestValidatePerson_RequiredFields(t *testing.T) {
	p := &Person{}
	ps := ValidatePerson(p, today)
	want := []Field{FieldFullName, FieldBirthDate, FieldSex, FieldEthnicity, FieldNationality}
	if len(ps) != len(want) {
		t.Fatalf("problems = %v, want one per required field", ps)
	}
	for i, f := range want {
		if ps[i].Field != f || ps[i].Code != "required" {
			t.Errorf("problem %d = %+v, want required %s", i, ps[i], f)
		}
		checkMessagesNameField(t, &ps[i], f)
	}
}

func TestValidatePerson_ReportsBadStoredValues(t *testing.T) {
	p := person(map[Field]string{FieldFullName: "Nguyễn Văn 3", FieldEthnicity: "99"})
	ps := ValidatePerson(p, today)
	if !ps.Has("name_chars") || !ps.Has("unknown_code") || ps.Has("required") {
		t.Errorf("problems = %+v", ps)
	}
}

func TestValidatePerson_IDNumberAgainstRecord(t *testing.T) {
	tests := []struct {
		name      string
		id, birth string
		sex       string
		wantCodes []string
	}{
		{"1900s male", "001090123456", "1990-05-17", SexMale, nil},
		{"1900s female", "001190123456", "1990", SexFemale, nil},
		{"2005 female", "079305012345", "2005-02-03", SexFemale, nil},
		{"2000s male", "079205012345", "2005-02", SexMale, nil},
		{"sex digit says female", "001190123456", "1990-05-17", SexMale, []string{"id_sex"}},
		{"sex digit says male", "079205012345", "2005-02-03", SexFemale, []string{"id_sex"}},
		{"year digits disagree", "001091123456", "1990-05-17", SexMale, []string{"id_year"}},
		{"century disagrees", "001290123456", "1990-05-17", SexMale, []string{"id_year"}},
		{"2100s number for a 1990 birth", "001490123456", "1990", SexMale, []string{"id_year"}},
		{"both disagree: two problems", "001391123456", "1990-05-17", SexMale, []string{"id_sex", "id_year"}},
		{"partial birth date still checks the year", "001091123456", "1990", SexMale, []string{"id_year"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := person(map[Field]string{FieldIDNumber: tt.id, FieldBirthDate: tt.birth, FieldSex: tt.sex})
			ps := ValidatePerson(p, today)
			checkCodes(t, ps, tt.wantCodes...)
			for _, pr := range ps {
				other := map[string]Field{"id_sex": FieldSex, "id_year": FieldBirthDate}[pr.Code]
				if pr.Field != FieldIDNumber || pr.Other != other {
					t.Errorf("%s names %s and %s, want %s and %s", pr.Code, pr.Field, pr.Other, FieldIDNumber, other)
				}
				for _, lang := range []string{"vi", "en"} {
					if msg := pr.Message(lang); !containsAll(msg, FieldIDNumber.Label(lang), other.Label(lang), tt.id) {
						t.Errorf("%s message (%s) %q does not name both fields and the number", pr.Code, lang, msg)
					}
				}
			}
		})
	}
}

func TestValidatePerson_EveryCenturyDigit(t *testing.T) {
	for d := 0; d <= 9; d++ {
		year := 1900 + 100*(d/2) + 10
		sex := SexMale
		if d%2 == 1 {
			sex = SexFemale
		}
		id := fmt.Sprintf("001%d10123456", d)
		p := person(map[Field]string{FieldIDNumber: id, FieldBirthDate: fmt.Sprint(year), FieldSex: sex})
		// Births after today are reported as such; the number agrees.
		ps := ValidatePerson(p, time.Date(2400, 1, 1, 0, 0, 0, 0, time.UTC))
		checkCodes(t, ps)
	}
}

func TestValidatePerson_IDNumberOfRelativeSameAsOwn(t *testing.T) {
	p := person(map[Field]string{FieldIDNumber: "001090123456", FieldMotherIDNumber: "001 090 123 456"})
	ps := ValidatePerson(p, today)
	checkCodes(t, ps, "id_duplicate")
	if ps[0].Field != FieldMotherIDNumber {
		t.Errorf("field = %s", ps[0].Field)
	}
}

func TestValidatePerson_Dates(t *testing.T) {
	tests := []struct {
		name      string
		vals      map[Field]string
		wantCodes []string
	}{
		{"birth today", map[Field]string{FieldBirthDate: "2025-09-01"}, nil},
		{"birth tomorrow", map[Field]string{FieldBirthDate: "2025-09-02"}, []string{"date_future"}},
		{"birth month this month", map[Field]string{FieldBirthDate: "2025-09"}, nil},
		{"birth next year", map[Field]string{FieldBirthDate: "2026"}, []string{"date_future"}},
		{"death in the future", map[Field]string{FieldStatus: StatusDead, FieldDeathDate: "2030"}, []string{"date_future"}},
		{"issue in the future", map[Field]string{FieldIDIssueDate: "2025-10-01"}, []string{"date_future"}},
		{"death before birth", map[Field]string{FieldStatus: StatusDead, FieldDeathDate: "1989-12-31"}, []string{"death_before_birth"}},
		{"death the day of birth", map[Field]string{FieldStatus: StatusDead, FieldDeathDate: "1990-05-17"}, nil},
		{"partial birth year equal to death year", map[Field]string{FieldBirthDate: "1990", FieldStatus: StatusDead, FieldDeathDate: "1990-03-02"}, nil},
		{"partial death month equal to birth month", map[Field]string{FieldStatus: StatusDead, FieldDeathDate: "1990-05"}, nil},
		{"year only vs month", map[Field]string{FieldBirthDate: "1990", FieldStatus: StatusMissing, FieldDeathDate: "1990-05"}, nil},
		{"partial death year before birth", map[Field]string{FieldStatus: StatusDead, FieldDeathDate: "1989"}, []string{"death_before_birth"}},
		{"issue before birth", map[Field]string{FieldIDIssueDate: "1989-01-01"}, []string{"issue_before_birth"}},
		{"death date for a living person", map[Field]string{FieldDeathDate: "2020"}, []string{"death_status"}},
		{"death date with no status", map[Field]string{FieldStatus: "", FieldDeathDate: "2020"}, []string{"death_status"}},
		{"missing person with a date", map[Field]string{FieldStatus: StatusMissing, FieldDeathDate: "2020"}, nil},
		{"dead without a date is not an error", map[Field]string{FieldStatus: StatusDead}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := ValidatePerson(person(tt.vals), today)
			checkCodes(t, ps, tt.wantCodes...)
			for i := range ps {
				checkMessagesNameField(t, &ps[i], ps[i].Field)
				if ps[i].Other != 0 {
					checkMessagesNameField(t, &ps[i], ps[i].Other)
				}
			}
		})
	}
}

func TestCheckParentChild(t *testing.T) {
	tests := []struct {
		name          string
		parent, child string
		wantProblem   bool
	}{
		{"30 years", "1960-01-01", "1990-05-17", false},
		{"exactly 12 years", "1978-05-17", "1990-05-17", false},
		{"one day short of 12 years", "1978-05-18", "1990-05-17", true},
		{"child born first", "1990-05-17", "1960-01-01", true},
		{"same day", "1990-05-17", "1990-05-17", true},
		{"partial years 12 apart may be enough", "1978", "1990", false},
		{"partial years 11 apart cannot be", "1979", "1990", true},
		{"partial years 5 apart", "1985", "1990-05", true},
		{"parent birth unknown", "", "1990", false},
		{"child birth unknown", "1960", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := person(map[Field]string{FieldFullName: "Trần Văn Cha", FieldBirthDate: tt.parent})
			child := person(map[Field]string{FieldFullName: "Trần Thị Con", FieldBirthDate: tt.child})
			p := CheckParentChild(parent, child)
			if (p != nil) != tt.wantProblem {
				t.Fatalf("CheckParentChild = %v, want problem: %v", p, tt.wantProblem)
			}
			if p == nil {
				return
			}
			if p.Code != "parent_age" {
				t.Errorf("code = %q", p.Code)
			}
			for _, lang := range []string{"vi", "en"} {
				if msg := p.Message(lang); !containsAll(msg, FieldBirthDate.Label(lang), "Trần Văn Cha", "Trần Thị Con") {
					t.Errorf("message (%s) %q does not name the field and both persons", lang, msg)
				}
			}
		})
	}
}

func TestCheckHouseholdHeads(t *testing.T) {
	head := person(map[Field]string{FieldFullName: "Lê Văn Chủ", FieldRelationshipToHead: RelationshipHead})
	head2 := person(map[Field]string{FieldFullName: "Lê Thị Hai", FieldRelationshipToHead: "chu ho"})
	wife := person(map[Field]string{FieldFullName: "Phạm Thị Vợ", FieldRelationshipToHead: "Vợ"})
	child := person(map[Field]string{FieldFullName: "Lê Văn Con", FieldRelationshipToHead: "Con"})
	tests := []struct {
		name     string
		members  []*Person
		wantCode string
	}{
		{"one head", []*Person{head, wife, child}, ""},
		{"head alone", []*Person{head}, ""},
		{"no head", []*Person{wife, child}, "head_missing"},
		{"no members", nil, "head_missing"},
		{"two heads", []*Person{head, wife, head2}, "head_multiple"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := CheckHouseholdHeads(tt.members)
			if tt.wantCode == "" {
				if p != nil {
					t.Errorf("problem %v", p)
				}
				return
			}
			if p == nil || p.Code != tt.wantCode || p.Field != FieldRelationshipToHead {
				t.Fatalf("problem = %+v, want %s on %s", p, tt.wantCode, FieldRelationshipToHead)
			}
			checkMessagesNameField(t, p, FieldRelationshipToHead)
			if tt.wantCode == "head_multiple" && !containsAll(p.Message("vi"), "Lê Văn Chủ", "Lê Thị Hai") {
				t.Errorf("message %q does not name the heads", p.Message("vi"))
			}
		})
	}
}

func TestProblems_Error(t *testing.T) {
	ps := ValidatePerson(&Person{}, today)
	var err error = ps
	if !strings.Contains(err.Error(), FieldFullName.Label("vi")) || !strings.Contains(err.Error(), "; ") {
		t.Errorf("Error() = %q", err.Error())
	}
	var got Problems
	if !errors.As(ps.Err(), &got) || len(got) != len(ps) {
		t.Errorf("errors.As(Err()) = %v", got)
	}
	if Problems(nil).Err() != nil {
		t.Error("no problems gave an error")
	}
	p := ps[0]
	if vi, en := p.Message("vi"), p.Message("en"); vi == "" || en == vi || p.Error() != vi || p.Message("") != vi || p.Message("fr") != vi {
		t.Errorf("Problem messages: %+v", p)
	}
}

// TestCanonicalize_MessagesNameTheField makes every field fail and checks
// both messages.
func TestCanonicalize_MessagesNameTheField(t *testing.T) {
	bad := map[Field]string{}
	for _, f := range Fields() {
		bad[f] = "\x01"
	}
	for f, raw := range map[Field]string{
		FieldIDNumber: "12", FieldOldIDNumber: "12", FieldBirthDate: "x", FieldSex: "x", FieldEthnicity: "x",
		FieldReligion: "x", FieldNationality: "x", FieldBloodType: "x", FieldMaritalStatus: "x", FieldStatus: "x",
		FieldPhone: "1", FieldCurrentAddressCode: "x", FieldFullName: "1",
	} {
		bad[f] = raw
	}
	for _, f := range Fields() {
		_, p := Canonicalize(f, bad[f])
		if p == nil {
			t.Errorf("%s: %q accepted", f, bad[f])
			continue
		}
		if p.Field != f || p.Code == "" {
			t.Errorf("%s: problem %+v", f, p)
		}
		checkMessagesNameField(t, p, f)
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"1990", "05/1990", "17/05/1990", "1990-05-17", "17051990", "29/02/2024", "0/0/0", "-1", "1990-", "//", "9999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			return
		}
		again, err := ParseDate(d.String())
		if err != nil {
			t.Fatalf("ParseDate(%q) = %v, whose String %q does not parse: %v", s, d, d.String(), err)
		}
		if again != d {
			t.Fatalf("ParseDate(%q) = %v, String %q parses as %v", s, d, d.String(), again)
		}
	})
}

// FuzzCanonicalize checks, for every field, that Canonicalize never panics,
// returns valid NFC text, and that its output is a fixed point: storing a
// value and canonicalising it again changes nothing.
func FuzzCanonicalize(f *testing.F) {
	for _, s := range []string{"", "Nguyễn Văn An", norm.NFD.String("H’Hen Niê"), "079 090 123 456", "17/05/1990", "nữ",
		"Kinh", "Không", "VN", "o+", "có chồng", "769", "Lũng Cú, Đồng Văn, Hà Giang", "chu ho", "+84 912 345 678", "mất tích", "\xff"} {
		for _, fld := range Fields() {
			f.Add(uint8(fld-1), s)
		}
	}
	f.Fuzz(func(t *testing.T, fn uint8, raw string) {
		fld := Field(fn%uint8(NumFields)) + 1
		got, p := Canonicalize(fld, raw)
		if p != nil {
			if got != "" || p.Field != fld || p.Code == "" || p.Message("vi") == "" || p.Message("en") == "" {
				t.Fatalf("Canonicalize(%s, %q) = %q, %+v", fld, raw, got, p)
			}
			return
		}
		if !utf8.ValidString(got) || !norm.NFC.IsNormalString(got) || got != strings.TrimSpace(got) {
			t.Fatalf("Canonicalize(%s, %q) = %q: not trimmed valid NFC", fld, raw, got)
		}
		again, p := Canonicalize(fld, got)
		if p != nil || again != got {
			t.Fatalf("Canonicalize(%s, %q) = %q, which canonicalises to %q, %v", fld, raw, got, again, p)
		}
	})
}

func checkCanonical(t *testing.T, f Field, raw, got string, p *Problem, want, wantCode string) {
	t.Helper()
	if wantCode == "" {
		if p != nil {
			t.Errorf("Canonicalize(%s, %q): unexpected problem %s %q", f, raw, p.Code, p.Message("vi"))
		} else if got != want {
			t.Errorf("Canonicalize(%s, %q) = %q, want %q", f, raw, got, want)
		}
		return
	}
	if p == nil {
		t.Errorf("Canonicalize(%s, %q) = %q, want problem %s", f, raw, got, wantCode)
		return
	}
	if p.Code != wantCode || p.Field != f {
		t.Errorf("Canonicalize(%s, %q): problem %s on %s, want %s on %s", f, raw, p.Code, p.Field, wantCode, f)
	}
	if got != "" {
		t.Errorf("Canonicalize(%s, %q) = %q with a problem, want empty", f, raw, got)
	}
	checkMessagesNameField(t, p, f)
}

// checkMessagesNameField checks that both messages are there and name the
// field by its label.
func checkMessagesNameField(t *testing.T, p *Problem, f Field) {
	t.Helper()
	for _, lang := range []string{"vi", "en"} {
		if msg := p.Message(lang); msg == "" || !strings.Contains(msg, f.Label(lang)) {
			t.Errorf("%s message (%s) %q does not name %q", p.Code, lang, msg, f.Label(lang))
		}
	}
}

func checkCodes(t *testing.T, ps Problems, want ...string) {
	t.Helper()
	var got []string
	for _, p := range ps {
		got = append(got, p.Code)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("problem codes = %v, want %v (%v)", got, want, ps)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// TestValidate_ClockBehindStillTakesToday: a laptop whose clock battery
// died wakes up in 2009. The store knows a later "now" — its newest change
// — so a child born last week is not "born in the future"; a date after
// that still is, and the message says what the clock reads.
func TestValidate_ClockBehindStillTakesToday(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	s, err := Create(dir, []byte("một mật khẩu đủ dài"), Profile{Commune: "00769", Officer: "Lan"}, Options{WorkFactor: 10, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddPerson(Values{FieldFullName: "Đặng Văn Đức", FieldBirthDate: "1985", FieldSex: "Nam", FieldEthnicity: "01"}, SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	lastWeek := time.Now().AddDate(0, 0, -7)
	dead := func() time.Time { return time.Date(2009, 1, 1, 8, 0, 0, 0, time.Local) }
	s, err = Open(dir, []byte("một mật khẩu đủ dài"), Options{GCInterval: -1, Now: dead})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.AddPerson(Values{FieldFullName: "Đặng Thị Nhỏ", FieldBirthDate: lastWeek.Format("02/01/2006"), FieldSex: "Nữ", FieldEthnicity: "01"}, SaveOptions{}); err != nil {
		t.Fatalf("a child born last week, on a laptop whose clock says 2009: %v", err)
	}
	_, err = s.AddPerson(Values{FieldFullName: "Chưa Sinh", FieldBirthDate: "2099", FieldSex: "Nữ", FieldEthnicity: "01"}, SaveOptions{})
	var ps Problems
	if !errors.As(err, &ps) || ps[0].Code != "date_future" || !strings.Contains(ps.Message("en"), "by this computer's clock") {
		t.Fatalf("born in 2099: %v", err)
	}
}
