package refdata

import (
	"fmt"
	"slices"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestIDProvinces(t *testing.T) {
	all := IDProvinces()
	if len(all) != 63 || all[0].IDCode != "001" || all[62].IDCode != "096" {
		t.Fatalf("%d ID codes from %v to %v, want 63 from 001 to 096", len(all), all[0], all[len(all)-1])
	}
	for _, p := range all {
		if p.IDCode != "0"+p.GSOCode {
			t.Errorf("%+v: ID code is not 0 + GSO code", p)
		}
		if _, ok := ProvincePre2025(p.GSOCode); !ok {
			t.Errorf("%+v: no pre-2025 province %s", p, p.GSOCode)
		}
		if _, ok := Province2025(p.Province2025Code); !ok {
			t.Errorf("%+v: no 2025 province %s", p, p.Province2025Code)
		}
	}
	if p, ok := IDProvinceCode("001"); !ok || p.Name != "Hà Nội" {
		t.Errorf("IDProvinceCode(001) = %+v, %v", p, ok)
	}
	if _, ok := IDProvinceCode("003"); ok {
		t.Error("IDProvinceCode(003) exists; there is no GSO province 03")
	}
	var names []string
	for _, p := range IDProvincesFor2025("08") {
		names = append(names, p.IDCode+" "+p.Name)
	}
	if want := []string{"002 Hà Giang", "008 Tuyên Quang"}; !slices.Equal(names, want) {
		t.Errorf("IDProvincesFor2025(08) = %q, want %q", names, want)
	}
	covered := 0
	for _, p := range Provinces2025() {
		covered += len(IDProvincesFor2025(p.Code))
	}
	if covered != 63 {
		t.Errorf("IDProvincesFor2025 covers %d old provinces, want 63", covered)
	}
}

func TestEthnicities(t *testing.T) {
	all := Ethnicities()
	if len(all) != 55 {
		t.Fatalf("%d ethnic groups, want 55", len(all))
	}
	for code, name := range map[string]string{"01": "Kinh", "04": "Hoa", "08": "H'Mông", "53": "Ơ Đu", "54": "Rơ Măm", "55": "Người nước ngoài"} {
		if e, ok := EthnicityByCode(code); !ok || e.NameVi != name {
			t.Errorf("EthnicityByCode(%s) = %+v, %v; want %s", code, e, ok, name)
		}
	}
	if e, ok := EthnicityByCode("1"); !ok || e.Code != "01" {
		t.Errorf("EthnicityByCode(1) = %+v, %v", e, ok)
	}
}

func TestLookupEthnicity(t *testing.T) {
	tests := []struct{ in, want string }{
		{"01", "01"}, {"1", "01"}, {"kinh", "01"}, {"Kinh", "01"}, {"KINH", "01"}, {"Việt", "01"},
		{"H'Mông", "08"}, {"H’Mông", "08"}, {"hmong", "08"}, {"Mông", "08"}, {"mong", "08"}, {"Mèo", "08"},
		{"Tày", "02"}, {"tay", "02"}, {"Thái", "03"}, {"Thái Trắng", "03"},
		{"Thổ", "24"}, {"tho", "24"},
		{"Hoa", "04"}, {"Chinese", "04"},
		{"Ê Đê", "12"}, {"Ê-đê", "12"}, {"ede", "12"}, {"Rhade", "12"},
		{"Ơ Đu", "53"}, {"o du", "53"}, {"Rơ Măm", "54"}, {"Rơ-măm", "54"},
		{"Bru - Vân Kiều", "23"}, {"Vân Kiều", "23"},
		{"Người nước ngoài", "55"},
	}
	for _, tt := range tests {
		for _, in := range []string{tt.in, norm.NFD.String(tt.in)} {
			e, ok := LookupEthnicity(in)
			if !ok || e.Code != tt.want {
				t.Errorf("LookupEthnicity(%+q) = %s %s, %v; want %s", in, e.Code, e.NameVi, ok, tt.want)
			}
		}
	}
	for _, in := range []string{"", "56", "Xá Lá Vàng", "Trại", "martian"} {
		if e, ok := LookupEthnicity(in); ok {
			t.Errorf("LookupEthnicity(%q) = %+v, want none", in, e)
		}
	}
}

// Every group's own names must find it: otherwise two main names collide.
func TestLookupEthnicity_MainNamesAreUnambiguous(t *testing.T) {
	for _, e := range Ethnicities() {
		for _, n := range []string{e.NameVi, e.NameEn} {
			if got, ok := LookupEthnicity(n); !ok || got.Code != e.Code {
				t.Errorf("LookupEthnicity(%q) = %s, %v; want %s", n, got.Code, ok, e.Code)
			}
		}
	}
}

func TestEthnicities_ReturnsCopies(t *testing.T) {
	Ethnicities()[7].OtherNames[0] = "changed"
	if e, _ := EthnicityByCode("08"); e.OtherNames[0] != "Mông" {
		t.Errorf("caller changed the reference data: %q", e.OtherNames)
	}
}

func TestReligions(t *testing.T) {
	all := Religions()
	if len(all) != 18 || all[0].Code != "00" || all[17].Code != "99" {
		t.Fatalf("religions = %v", all)
	}
	tests := []struct{ in, want string }{
		{"00", "00"}, {"0", "00"}, {"1", "01"}, {"Không", "00"}, {"khong", "00"},
		{"Phật giáo", "01"}, {"phat giao", "01"}, {"Buddhism", "01"},
		{"Phật giáo Hoà Hảo", "05"}, {"Hòa Hảo Buddhism", "05"},
		{"Công giáo", "02"}, {"Tin Lành", "03"}, {"Baha'i", "07"}, {"Bahá’í Faith", "07"},
		{"Bà La Môn", "13"}, {"Mormon", "14"}, {"Khác", "99"},
	}
	for _, tt := range tests {
		if r, ok := LookupReligion(tt.in); !ok || r.Code != tt.want {
			t.Errorf("LookupReligion(%q) = %+v, %v; want %s", tt.in, r, ok, tt.want)
		}
	}
	for _, r := range all {
		for _, n := range []string{r.NameVi, r.NameEn} {
			if got, ok := LookupReligion(n); !ok || got.Code != r.Code {
				t.Errorf("LookupReligion(%q) = %+v, %v; want %s", n, got, ok, r.Code)
			}
		}
	}
}

func TestCountries(t *testing.T) {
	all := Countries()
	if len(all) != 249 {
		t.Errorf("%d countries, want 249", len(all))
	}
	vn, ok := CountryByCode("vn")
	if want := (Country{"VN", "Việt Nam", "Vietnam"}); !ok || vn != want {
		t.Errorf("CountryByCode(vn) = %+v, %v; want %+v", vn, ok, want)
	}
	for _, in := range []string{"VN", "vn", "Việt Nam", "viet nam", "Vietnam", "VIỆT NAM", norm.NFD.String("Việt Nam")} {
		if c, ok := LookupCountry(in); !ok || c.Code != "VN" {
			t.Errorf("LookupCountry(%q) = %+v, %v; want VN", in, c, ok)
		}
	}
	for in, want := range map[string]string{"Lào": "LA", "Laos": "LA", "Campuchia": "KH", "Trung Quốc": "CN", "Hoa Kỳ": "US", "Hàn Quốc": "KR", "Côte d'Ivoire": "CI", "Miến Điện": "MM"} {
		if c, ok := LookupCountry(in); !ok || c.Code != want {
			t.Errorf("LookupCountry(%q) = %+v, %v; want %s", in, c, ok, want)
		}
	}
	for _, c := range all {
		for _, n := range []string{c.Code, c.NameVi, c.NameEn} {
			if got, ok := LookupCountry(n); !ok || got.Code != c.Code {
				t.Errorf("LookupCountry(%q) = %+v, %v; want %s", n, got, ok, c.Code)
			}
		}
	}
}

func ExampleLookupEthnicity() {
	for _, s := range []string{"kinh", "hmong", "Mông", "Tày"} {
		e, _ := LookupEthnicity(s)
		fmt.Println(e.Code, e.NameVi)
	}
	// Output:
	// 01 Kinh
	// 08 H'Mông
	// 08 H'Mông
	// 02 Tày
}

func ExampleFindCommunes() {
	for _, c := range FindCommunes("xa lung cu") {
		fmt.Println(c.Code, c.FullName())
	}
	// Output:
	// 00715 Xã Lũng Cú, Tuyên Quang
	// 00715 Xã Lũng Cú, Huyện Đồng Văn, Hà Giang
}
