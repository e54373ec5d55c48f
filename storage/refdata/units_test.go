package refdata

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestCounts_2025(t *testing.T) {
	if n := len(Provinces2025()); n != 34 {
		t.Errorf("%d provinces in 2025, want 34", n)
	}
	cs := Communes2025()
	if len(cs) != 3321 {
		t.Errorf("%d communes in 2025, want 3321", len(cs))
	}
	types := map[string]int{}
	for _, c := range cs {
		types[c.Type]++
	}
	if types["Xã"] != 2611 || types["Phường"] != 697 || types["Đặc khu"] != 13 {
		t.Errorf("2025 unit types = %v, want 2611 Xã, 697 Phường, 13 Đặc khu", types)
	}
	if !slices.IsSortedFunc(cs, func(a, b Commune) int { return strings.Compare(a.Code, b.Code) }) {
		t.Error("Communes2025 not sorted by code")
	}
	total := 0
	for _, p := range Provinces2025() {
		total += len(CommunesIn2025Province(p.Code))
	}
	if total != 3321 {
		t.Errorf("communes summed over provinces = %d, want 3321", total)
	}
}

func TestCounts_Pre2025(t *testing.T) {
	if n := len(ProvincesPre2025()); n != 63 {
		t.Errorf("%d provinces before 2025, want 63", n)
	}
	if n := len(DistrictsPre2025()); n != 696 {
		t.Errorf("%d districts before 2025, want 696", n)
	}
	cs := CommunesPre2025()
	if len(cs) != 10035 {
		t.Errorf("%d communes before 2025, want 10035", len(cs))
	}
	types := map[string]int{}
	for _, c := range cs {
		types[c.Type]++
		if c.DistrictCode == "" || c.Era != EraPre2025 {
			t.Fatalf("pre-2025 commune %+v has no district or the wrong era", c)
		}
	}
	if types["Xã"] != 7692 || types["Phường"] != 1726 || types["Thị trấn"] != 617 {
		t.Errorf("pre-2025 unit types = %v, want 7692 Xã, 1726 Phường, 617 Thị trấn", types)
	}
}

// 00769 is not Lũng Cú (that is 00715): it is Mèo Vạc, the former township
// (thị trấn) and seat of Mèo Vạc district, Hà Giang, which kept its code as
// Xã Mèo Vạc of Tuyên Quang.
func TestCommune2025_00769IsMeoVac(t *testing.T) {
	c, ok := Commune2025("00769")
	want := Commune{Code: "00769", Name: "Mèo Vạc", Type: "Xã", ProvinceCode: "08", ProvinceName: "Tuyên Quang", Era: Era2025}
	if !ok || c != want {
		t.Fatalf("Commune2025(00769) = %+v, %v; want %+v", c, ok, want)
	}
	if got := c.FullName(); got != "Xã Mèo Vạc, Tuyên Quang" {
		t.Errorf("FullName = %q", got)
	}
	old, ok := CommunePre2025("769")
	if !ok || old.Name != "Mèo Vạc" || old.Type != "Thị trấn" || old.DistrictName != "Huyện Mèo Vạc" || old.ProvinceName != "Hà Giang" {
		t.Fatalf("CommunePre2025(769) = %+v, %v", old, ok)
	}
	if got := old.FullName(); got != "Thị trấn Mèo Vạc, Huyện Mèo Vạc, Hà Giang" {
		t.Errorf("FullName = %q", got)
	}
	if u, _ := Unit("00769"); u.Era != Era2025 {
		t.Errorf("Unit(00769) = %+v, want the 2025 unit", u)
	}
}

func TestFullName_LungCu(t *testing.T) {
	c, _ := Commune2025("00715")
	if got := c.FullName(); got != "Xã Lũng Cú, Tuyên Quang" {
		t.Errorf("FullName = %q", got)
	}
	old, _ := CommunePre2025("00715")
	if got := old.FullName(); got != "Xã Lũng Cú, Huyện Đồng Văn, Hà Giang" {
		t.Errorf("FullName = %q", got)
	}
}

func TestCurrentUnit_OldCodeReusedBy2025Commune(t *testing.T) {
	// 04795 was Phường Thịnh Lang of Hòa Bình city; the merged ward took
	// its code and the city's name.
	old, ok := CommunePre2025("04795")
	if !ok || old.Name != "Thịnh Lang" || old.ProvinceName != "Hòa Bình" {
		t.Fatalf("CommunePre2025(04795) = %+v, %v", old, ok)
	}
	now, ok := CurrentUnit("04795")
	if !ok || now.Name != "Hòa Bình" || now.Type != "Phường" || now.ProvinceName != "Phú Thọ" || now.Era != Era2025 {
		t.Fatalf("CurrentUnit(04795) = %+v, %v", now, ok)
	}
	// A 2025 code that is new (a special zone) is its own current unit.
	if c, ok := CurrentUnit("26732"); !ok || c.Name != "Côn Đảo" {
		t.Errorf("CurrentUnit(26732) = %+v, %v", c, ok)
	}
	// An old code that no 2025 unit took over.
	if _, ok := CommunePre2025("00001"); !ok {
		t.Fatal("00001 Phúc Xá missing")
	}
	if c, ok := CurrentUnit("00001"); ok {
		t.Errorf("CurrentUnit(00001) = %+v, want none", c)
	}
}

// CurrentUnit trusts that a reused code means "became part of"; check that
// it never crosses into a 2025 province the old province did not merge into.
func TestCurrentUnit_ReusedCodesStayInTheirProvince(t *testing.T) {
	reused, fresh := 0, 0
	for _, c := range Communes2025() {
		old, ok := CommunePre2025(c.Code)
		if !ok {
			fresh++
			continue
		}
		reused++
		p, ok := province2025Of(old.ProvinceCode)
		if !ok || p != c.ProvinceCode {
			t.Errorf("%s: old unit in %s (-> %s), new unit in %s", c.Code, old.ProvinceName, p, c.ProvinceName)
		}
	}
	if reused != 3315 || fresh != 6 {
		t.Errorf("%d reused and %d new codes, want 3315 and 6", reused, fresh)
	}
}

func TestCodesWithoutLeadingZeros(t *testing.T) {
	if c, ok := Commune2025("715"); !ok || c.Code != "00715" {
		t.Errorf("Commune2025(715) = %+v, %v", c, ok)
	}
	if p, ok := Province2025("8"); !ok || p.Name != "Tuyên Quang" || p.Type != "Tỉnh" {
		t.Errorf("Province2025(8) = %+v, %v", p, ok)
	}
	if _, ok := Commune2025("abc"); ok {
		t.Error("Commune2025(abc) found something")
	}
}

func TestProvincePre2025_HasNoType(t *testing.T) {
	p, ok := ProvincePre2025("46")
	if !ok || p.Name != "Huế" || p.Type != "" {
		t.Errorf("ProvincePre2025(46) = %+v, %v", p, ok)
	}
}

func TestFindCommunes_HoaBinhInEitherTonePlacement(t *testing.T) {
	for _, q := range []string{"Hoà Bình", "Hòa Bình", "HOÀ BÌNH", norm.NFD.String("Hoà Bình"), "hoa binh"} {
		got := FindCommunes(q)
		codes := codesOf(got, Era2025)
		want := []string{"04795", "11533", "27211", "29830", "31891"}
		if !slices.Equal(codes, want) {
			t.Errorf("FindCommunes(%+q) 2025 codes = %v, want %v", q, codes, want)
		}
		for _, c := range got {
			if c.Name != "Hòa Bình" && !strings.EqualFold(c.Name, "Hoa Binh") {
				t.Errorf("FindCommunes(%+q) found %+v", q, c)
			}
		}
	}
}

func TestFindCommunes_ExactBeforeFolded(t *testing.T) {
	got := FindCommunes("Lũng Cú")
	if len(got) < 2 || got[0].Code != "00715" || got[0].Era != Era2025 || got[1].Code != "00715" || got[1].Era != EraPre2025 {
		t.Fatalf("FindCommunes(Lũng Cú) = %+v", got)
	}
	// "Thái Bình" and "Thới Bình" fold apart, but "Tân Hòa" and "Tân Hóa"
	// fold together: the one spelled as asked comes first.
	got = FindCommunes("Tân Hóa")
	if len(got) == 0 || got[0].Name != "Tân Hóa" {
		t.Fatalf("FindCommunes(Tân Hóa) = %+v", got)
	}
	seenOther := false
	for _, c := range got {
		if c.Name != "Tân Hóa" {
			seenOther = true
		} else if seenOther {
			t.Fatalf("FindCommunes(Tân Hóa): exact match after a folded one: %+v", got)
		}
	}
	if !seenOther {
		t.Errorf("FindCommunes(Tân Hóa) found no folded matches such as Tân Hòa")
	}
}

func TestFindCommunes_TypeProvinceAndDistrict(t *testing.T) {
	tests := []struct {
		q    string
		want []string // FullName of each result
	}{
		{"Xã Lũng Cú", []string{"Xã Lũng Cú, Tuyên Quang", "Xã Lũng Cú, Huyện Đồng Văn, Hà Giang"}},
		{"Phường Lũng Cú", nil},
		{"Lũng Cú, Tuyên Quang", []string{"Xã Lũng Cú, Tuyên Quang", "Xã Lũng Cú, Huyện Đồng Văn, Hà Giang"}},
		{"lung cu, tinh tuyen quang", []string{"Xã Lũng Cú, Tuyên Quang", "Xã Lũng Cú, Huyện Đồng Văn, Hà Giang"}},
		{"Lũng Cú, Hà Giang", []string{"Xã Lũng Cú, Huyện Đồng Văn, Hà Giang"}},
		{"Lũng Cú, Đồng Văn, Hà Giang", []string{"Xã Lũng Cú, Huyện Đồng Văn, Hà Giang"}},
		{"Lũng Cú, Huyện Đồng Văn, Tuyên Quang", []string{"Xã Lũng Cú, Huyện Đồng Văn, Hà Giang"}},
		{"Lũng Cú, Hà Nội", nil},
		{"Lũng Cú, Nowhere", nil},
		// Hòa Bình province merged into Phú Thọ.
		{"Hòa Bình, Phú Thọ", []string{"Phường Hòa Bình, Phú Thọ", "Xã Hòa Bình, Thành phố Hòa Bình, Hòa Bình"}},
		{"Phường Hòa Bình, Phú Thọ", []string{"Phường Hòa Bình, Phú Thọ"}},
		{"Phường Ba Đình, TP. Hà Nội", []string{"Phường Ba Đình, Hà Nội"}},
		{"", nil},
		{"a,b,c,d", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, c := range FindCommunes(tt.q) {
			got = append(got, c.FullName())
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("FindCommunes(%q) = %q, want %q", tt.q, got, tt.want)
		}
	}
}

func TestFindCommunes_NFDInput(t *testing.T) {
	for _, q := range []string{"Xã Lũng Cú, Tuyên Quang", "Phường Hoà Bình, Thành phố Hải Phòng"} {
		nfc, nfd := FindCommunes(q), FindCommunes(norm.NFD.String(q))
		if len(nfc) == 0 || !slices.Equal(nfc, nfd) {
			t.Errorf("FindCommunes(%q): NFC gives %v, NFD gives %v", q, nfc, nfd)
		}
	}
}

func TestFindCommunes_EveryUnitFindsItself(t *testing.T) {
	for _, c := range slices.Concat(Communes2025(), CommunesPre2025()) {
		q := c.Type + " " + c.Name + ", " + c.ProvinceName
		if c.Era == EraPre2025 {
			q = c.Type + " " + c.Name + ", " + c.DistrictName + ", " + c.ProvinceName
		}
		got := FindCommunes(q)
		if len(got) == 0 || got[0] != c && !slices.Contains(got, c) {
			t.Fatalf("FindCommunes(%q) = %v, does not include %+v", q, got, c)
		}
	}
}

func codesOf(cs []Commune, era Era) []string {
	var out []string
	for _, c := range cs {
		if c.Era == era {
			out = append(out, c.Code)
		}
	}
	return out
}
