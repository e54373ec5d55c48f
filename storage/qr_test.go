package storage

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// qrLungCu is what a USB scanner types for the card of a woman from Lũng Cú
// whose address was printed before the 2025 reform.
const qrLungCu = "002188001234|073456789|Vàng Thị Mỷ|15031988|Nữ|Thôn Lũng Hòa, Lũng Cú, Đồng Văn, Hà Giang|20042021"

func TestParseCCCDQR_RealisticCode(t *testing.T) {
	d, err := ParseCCCDQR(qrLungCu + "\r\n")
	if err != nil {
		t.Fatal(err)
	}
	want := Draft{
		FieldIDNumber:               "002188001234",
		FieldOldIDNumber:            "073456789",
		FieldFullName:               "Vàng Thị Mỷ",
		FieldBirthDate:              "1988-03-15",
		FieldSex:                    SexFemale,
		FieldPermanentAddressDetail: "Thôn Lũng Hòa, Lũng Cú, Đồng Văn, Hà Giang",
		FieldPermanentAddressCode:   "00715", // Lũng Cú, now in Tuyên Quang
		FieldIDIssueDate:            "2021-04-20",
	}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("ParseCCCDQR =\n%v\nwant\n%v", d, want)
	}
	p := &Person{}
	for f, v := range d {
		p.Values[f] = v
	}
	p.Values[FieldEthnicity], p.Values[FieldNationality] = "08", "VN"
	if ps := ValidatePerson(p, today); len(ps) != 0 {
		t.Errorf("the draft does not validate: %v", ps)
	}
}

func TestParseCCCDQR_Tolerates(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"surrounding white space", "  \n" + qrLungCu + " \r\n"},
		{"trailing bar", qrLungCu + "|"},
		{"trailing bar and CRLF", qrLungCu + "|\r\n"},
		{"NFD text", norm.NFD.String(qrLungCu)},
		{"spaces around fields", strings.ReplaceAll(qrLungCu, "|", " | ")},
	}
	want, err := ParseCCCDQR(qrLungCu)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseCCCDQR(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(d, want) {
				t.Errorf("got %v, want %v", d, want)
			}
		})
	}
}

func TestParseCCCDQR_NoOldID(t *testing.T) {
	d, err := ParseCCCDQR("001090123456||Nguyễn Văn An|17051990|Nam|Số 5 Phố Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội|01072024")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := d[FieldOldIDNumber]; ok {
		t.Errorf("old ID set: %v", d)
	}
	if d[FieldSex] != SexMale || d[FieldBirthDate] != "1990-05-17" {
		t.Errorf("draft %v", d)
	}
	if got := d[FieldPermanentAddressCode]; got != "00070" {
		t.Errorf("permanent_address_code = %q, want 00070 (Hoàn Kiếm, 2025 form of the address)", got)
	}
}

func TestParseCCCDQR_NineDigitFirstField(t *testing.T) {
	d, err := ParseCCCDQR("073456789||Vàng Thị Mỷ|15031988|Nữ|Lũng Cú, Hà Giang|20042010")
	if err != nil {
		t.Fatal(err)
	}
	if d[FieldOldIDNumber] != "073456789" || d[FieldIDNumber] != "" {
		t.Errorf("draft %v", d)
	}
}

func TestParseCCCDQR_UnresolvedAddressKeepsTheText(t *testing.T) {
	d, err := ParseCCCDQR("001090123456||Nguyễn Văn An|17051990|Nam|Thôn 3, Đồng Văn|01072024")
	if err != nil {
		t.Fatal(err)
	}
	if d[FieldPermanentAddressDetail] != "Thôn 3, Đồng Văn" {
		t.Errorf("detail = %q", d[FieldPermanentAddressDetail])
	}
	if code, ok := d[FieldPermanentAddressCode]; ok {
		t.Errorf("code set to %q for an ambiguous commune", code)
	}
}

func TestParseCCCDQR_Errors(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		wantCodes []string
		wantField Field
	}{
		{"empty", "", []string{"qr_format"}, 0},
		{"not a QR code", "hello", []string{"qr_format"}, 0},
		{"too few fields", "001090123456||Nguyễn Văn An|17051990|Nam|Hà Nội", []string{"qr_format"}, 0},
		{"too many fields", qrLungCu + "|x|y", []string{"qr_format"}, 0},
		{"bad ID", strings.Replace(qrLungCu, "002188001234", "00218800123", 1), []string{"id_length"}, FieldIDNumber},
		{"unknown province", strings.Replace(qrLungCu, "002188001234", "000188001234", 1), []string{"id_province"}, FieldIDNumber},
		{"no ID at all", strings.Replace(qrLungCu, "002188001234|073456789", "|", 1), []string{"required"}, FieldIDNumber},
		{"bad birth date", strings.Replace(qrLungCu, "15031988", "31021988", 1), []string{"date_format"}, FieldBirthDate},
		{"cut birth date", strings.Replace(qrLungCu, "15031988", "1988", 1), []string{"date_format"}, FieldBirthDate},
		{"bad issue date", strings.Replace(qrLungCu, "20042021", "2004202", 1), []string{"date_format"}, FieldIDIssueDate},
		{"bad sex", strings.Replace(qrLungCu, "|Nữ|", "|X|", 1), []string{"sex"}, FieldSex},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseCCCDQR(tt.in)
			if err == nil {
				t.Fatalf("no error; draft %v", d)
			}
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("error %T %v is not Problems", err, err)
			}
			checkCodes(t, ps, tt.wantCodes...)
			if ps[0].Field != tt.wantField {
				t.Errorf("field = %s, want %s", ps[0].Field, tt.wantField)
			}
			for _, lang := range []string{"vi", "en"} {
				if ps[0].Message(lang) == "" {
					t.Errorf("empty %s message", lang)
				}
				if tt.wantField != 0 && !strings.Contains(ps[0].Message(lang), tt.wantField.Label(lang)) {
					t.Errorf("message %q does not name the field", ps[0].Message(lang))
				}
			}
		})
	}
}

func FuzzParseCCCDQR(f *testing.F) {
	f.Add(qrLungCu)
	f.Add(qrLungCu + "|\r\n")
	f.Add(norm.NFD.String(qrLungCu))
	f.Add("073456789||Vàng Thị Mỷ|15031988|Nữ|Lũng Cú, Hà Giang|20042010")
	f.Add("||||||")
	f.Add("|")
	f.Add("001090123456||A|00000000|Nam|,,,|99999999")
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseCCCDQR(s)
		if err != nil {
			var ps Problems
			if d != nil || !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("ParseCCCDQR(%q) = %v, %v", s, d, err)
			}
			return
		}
		for fld, v := range d {
			if again, p := Canonicalize(fld, v); p != nil || again != v {
				t.Fatalf("ParseCCCDQR(%q): %s = %q is not canonical (%q, %v)", s, fld, v, again, p)
			}
		}
	})
}
