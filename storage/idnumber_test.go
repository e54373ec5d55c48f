package storage

import (
	"errors"
	"fmt"
	"testing"
)

func TestIDNumberInfo_ParsesEveryPart(t *testing.T) {
	info, err := IDNumberInfo("001305012345")
	if err != nil {
		t.Fatal(err)
	}
	want := IDInfo{ProvinceCode: "001", ProvinceName: "Hà Nội", Sex: SexFemale, Century: 2000, YearDigits: 5, Serial: "012345"}
	if info != want {
		t.Errorf("IDNumberInfo = %+v, want %+v", info, want)
	}
	if info.BirthYear() != 2005 {
		t.Errorf("BirthYear = %d, want 2005", info.BirthYear())
	}
}

func TestIDNumberInfo_SexAndCenturyDigit(t *testing.T) {
	for d := 0; d <= 9; d++ {
		id := fmt.Sprintf("079%d90123456", d)
		info, err := IDNumberInfo(id)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		wantSex := SexMale
		if d%2 == 1 {
			wantSex = SexFemale
		}
		wantCentury := 1900 + 100*(d/2)
		if info.Sex != wantSex || info.Century != wantCentury || info.BirthYear() != wantCentury+90 {
			t.Errorf("digit %d: sex %s century %d year %d, want %s %d %d",
				d, info.Sex, info.Century, info.BirthYear(), wantSex, wantCentury, wantCentury+90)
		}
	}
}

func TestIDNumberInfo_Rejects(t *testing.T) {
	tests := []struct {
		name, id string
		want     error
	}{
		{"empty", "", ErrIDLength},
		{"11 digits", "07909012345", ErrIDLength},
		{"13 digits", "0790901234567", ErrIDLength},
		{"letter", "07909012345a", ErrIDDigits},
		{"spaces are the caller's to remove", "079 090 123 456", ErrIDDigits},
		{"province 000", "000090123456", ErrIDProvince},
		{"province 097", "097090123456", ErrIDProvince},
		{"province 003 is a gap in the list", "003090123456", ErrIDProvince},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := IDNumberInfo(tt.id)
			if !errors.Is(err, tt.want) {
				t.Errorf("IDNumberInfo(%q) error = %v, want %v", tt.id, err, tt.want)
			}
		})
	}
}

func TestMakeIDNumber_IsTheInverseOfIDNumberInfo(t *testing.T) {
	for _, year := range []int{1900, 1945, 1999, 2000, 2005, 2099, 2100, 2250, 2399} {
		for _, sex := range []string{SexMale, SexFemale} {
			id := MakeIDNumber("096", sex, year, 4567)
			info, err := IDNumberInfo(id)
			if err != nil {
				t.Fatalf("MakeIDNumber(096, %s, %d) = %q: %v", sex, year, id, err)
			}
			if info.Sex != sex || info.BirthYear() != year || info.ProvinceCode != "096" || info.Serial != "004567" {
				t.Errorf("MakeIDNumber(096, %s, %d) = %q, which reads back as %+v", sex, year, id, info)
			}
		}
	}
}

func TestMakeIDNumber_KnownNumbers(t *testing.T) {
	if got := MakeIDNumber("001", SexMale, 1990, 123456); got != "001090123456" {
		t.Errorf("1990 male = %q", got)
	}
	if got := MakeIDNumber("079", SexFemale, 2005, 1); got != "079305000001" {
		t.Errorf("2005 female = %q", got)
	}
}

func TestMakeIDNumber_PanicsOnBadArguments(t *testing.T) {
	for _, tc := range []struct {
		prov, sex    string
		year, serial int
	}{
		{"01", SexMale, 1990, 1},
		{"001", "X", 1990, 1},
		{"001", SexMale, 1899, 1},
		{"001", SexMale, 2400, 1},
		{"001", SexMale, 1990, 1000000},
		{"001", SexMale, 1990, -1},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("MakeIDNumber(%q, %q, %d, %d) did not panic", tc.prov, tc.sex, tc.year, tc.serial)
				}
			}()
			MakeIDNumber(tc.prov, tc.sex, tc.year, tc.serial)
		}()
	}
}

func TestCanonicalize_IDNumberFields(t *testing.T) {
	tests := []struct {
		field    Field
		raw      string
		want     string
		wantCode string
	}{
		{FieldIDNumber, "001090123456", "001090123456", ""},
		{FieldIDNumber, " 079 090 123 456 ", "079090123456", ""},
		{FieldIDNumber, "079.090.123.456", "079090123456", ""},
		{FieldIDNumber, "079\u00a0090\u00a0123\u00a0456", "079090123456", ""},
		{FieldIDNumber, "07909012345", "", "id_length"},
		{FieldIDNumber, "0790901234567", "", "id_length"},
		{FieldIDNumber, "07909O123456", "", "id_digits"},
		{FieldIDNumber, "079-090-123-456", "", "id_digits"},
		{FieldIDNumber, "000090123456", "", "id_province"},
		{FieldIDNumber, "097090123456", "", "id_province"},
		{FieldFatherIDNumber, "12345", "", "id_length"},
		{FieldMotherIDNumber, "098090123456", "", "id_province"},
		{FieldSpouseIDNumber, "001090123456", "001090123456", ""},
		{FieldRepresentativeIDNumber, "abc", "", "id_digits"},
		{FieldOldIDNumber, "012345678", "012345678", ""},
		{FieldOldIDNumber, "012 345 678", "012345678", ""},
		{FieldOldIDNumber, "001090123456", "001090123456", ""},
		{FieldOldIDNumber, "0123456789", "", "old_id_length"},
		{FieldOldIDNumber, "01234567x", "", "id_digits"},
	}
	for _, tt := range tests {
		t.Run(tt.field.String()+"/"+tt.raw, func(t *testing.T) {
			got, p := Canonicalize(tt.field, tt.raw)
			checkCanonical(t, tt.field, tt.raw, got, p, tt.want, tt.wantCode)
		})
	}
}

func TestCanonicalize_IDLengthMessage(t *testing.T) {
	_, p := Canonicalize(FieldIDNumber, "07909012345")
	if p == nil {
		t.Fatal("no problem")
	}
	for lang, want := range map[string]string{
		"vi": "Số định danh cá nhân phải có đúng 12 chữ số",
		"en": "Personal ID number must have exactly 12 digits",
	} {
		if got := p.Message(lang); !containsAll(got, want, "07909012345") {
			t.Errorf("Message(%s) = %q, want it to contain %q and the input", lang, got, want)
		}
	}
}

// TestCanonicalize_IDLengthMessageNamesTheSpreadsheet: a number that lost
// its leading zeros (every real one starts with 0) says why and how to
// get them back; one that is merely mistyped does not.
func TestCanonicalize_IDLengthMessageNamesTheSpreadsheet(t *testing.T) {
	_, p := Canonicalize(FieldIDNumber, "2085012345")
	if p == nil {
		t.Fatal("no problem")
	}
	if got := p.Message("en"); !containsAll(got, "dropped the leading zeros", "000000000000") {
		t.Errorf("en: %q", got)
	}
	if got := p.Message("vi"); !containsAll(got, "bỏ các số 0 ở đầu", "000000000000") {
		t.Errorf("vi: %q", got)
	}
	_, p = Canonicalize(FieldIDNumber, "07909012345")
	if got := p.Message("en"); containsAll(got, "leading zeros") {
		t.Errorf("a mistyped number blamed on a spreadsheet: %q", got)
	}
}
