package refdata

import (
	"slices"
	"strings"
	"sync"
)

// Era says which set of administrative units a code or name belongs to.
type Era int

const (
	// Era2025 is the two-level system (province, commune) in force since
	// 1 July 2025.
	Era2025 Era = iota + 1
	// EraPre2025 is the three-level system (province, district, commune)
	// as it stood just before the reform.
	EraPre2025
)

func (e Era) String() string {
	switch e {
	case Era2025:
		return "2025"
	case EraPre2025:
		return "pre-2025"
	}
	return "unknown era"
}

// Province is a province or centrally-run city of either era.
type Province struct {
	Code string // GSO code, "08"
	Name string // "Tuyên Quang"
	// Type is "Tỉnh" or "Thành phố" for Era2025. The pre-2025 data does not
	// record it, so it is empty for pre-2025 provinces.
	Type string
}

// District is a pre-2025 district. There are no districts since 2025.
type District struct {
	Code         string // "026"
	Name         string // full name, with its type: "Huyện Đồng Văn"
	ProvinceCode string
	ProvinceName string
}

// Commune is a commune-level unit (xã, phường, thị trấn or đặc khu) of
// either era.
type Commune struct {
	Code, Name, Type           string // "00715", "Lũng Cú", "Xã"
	ProvinceCode, ProvinceName string
	DistrictCode, DistrictName string // pre-2025 only; DistrictName is full, "Huyện Đồng Văn"
	Era                        Era
}

// FullName returns the unit's name as an address ends: "Xã Lũng Cú, Tuyên
// Quang" for a 2025 unit, "Xã Lũng Cú, Huyện Đồng Văn, Hà Giang" for a
// pre-2025 one.
func (c Commune) FullName() string {
	parts := make([]string, 0, 3)
	parts = append(parts, c.Type+" "+c.Name)
	if c.DistrictName != "" {
		parts = append(parts, c.DistrictName)
	}
	parts = append(parts, c.ProvinceName)
	return strings.Join(parts, ", ")
}

type unitData struct {
	communes2025, communesPre []Commune // sorted by code
	byCode2025, byCodePre     map[string]int
	byProvince2025            map[string][]int

	provinces2025, provincesPre []Province // sorted by code
	province2025, provincePre   map[string]int

	districts  []District // sorted by code
	districtAt map[string]int
}

var units = sync.OnceValue(loadUnits)

func loadUnits() *unitData {
	u := &unitData{
		byCode2025:     make(map[string]int),
		byCodePre:      make(map[string]int),
		byProvince2025: make(map[string][]int),
		province2025:   make(map[string]int),
		provincePre:    make(map[string]int),
		districtAt:     make(map[string]int),
	}
	const file2025 = "admin_units_2025.csv"
	for _, r := range readCSV(file2025,
		"province_code", "province_name", "province_type", "commune_code", "commune_name", "commune_type") {
		p := Province{Code: r[0], Name: r[1], Type: r[2]}
		if _, ok := u.province2025[p.Code]; !ok {
			u.province2025[p.Code] = len(u.provinces2025)
			u.provinces2025 = append(u.provinces2025, p)
		}
		u.communes2025 = append(u.communes2025, Commune{
			Code: r[3], Name: r[4], Type: r[5],
			ProvinceCode: p.Code, ProvinceName: p.Name,
			Era: Era2025,
		})
	}
	const filePre = "admin_units_pre2025.csv"
	for _, r := range readCSV(filePre,
		"province_code", "province_name", "district_code", "district_name", "commune_code", "commune_name", "commune_type") {
		p := Province{Code: r[0], Name: r[1]}
		if _, ok := u.provincePre[p.Code]; !ok {
			u.provincePre[p.Code] = len(u.provincesPre)
			u.provincesPre = append(u.provincesPre, p)
		}
		d := District{Code: r[2], Name: r[3], ProvinceCode: p.Code, ProvinceName: p.Name}
		if _, ok := u.districtAt[d.Code]; !ok {
			u.districtAt[d.Code] = len(u.districts)
			u.districts = append(u.districts, d)
		}
		// Island districts without communes have one row with the
		// commune columns empty.
		if r[4] == "" {
			continue
		}
		u.communesPre = append(u.communesPre, Commune{
			Code: r[4], Name: r[5], Type: r[6],
			ProvinceCode: p.Code, ProvinceName: p.Name,
			DistrictCode: d.Code, DistrictName: d.Name,
			Era: EraPre2025,
		})
	}

	byCode := func(a, b Commune) int { return strings.Compare(a.Code, b.Code) }
	slices.SortFunc(u.communes2025, byCode)
	slices.SortFunc(u.communesPre, byCode)
	slices.SortFunc(u.provinces2025, func(a, b Province) int { return strings.Compare(a.Code, b.Code) })
	slices.SortFunc(u.provincesPre, func(a, b Province) int { return strings.Compare(a.Code, b.Code) })
	slices.SortFunc(u.districts, func(a, b District) int { return strings.Compare(a.Code, b.Code) })
	reindex := func(m map[string]int, n int, code func(int) string) {
		for i := range n {
			m[code(i)] = i
		}
	}
	reindex(u.province2025, len(u.provinces2025), func(i int) string { return u.provinces2025[i].Code })
	reindex(u.provincePre, len(u.provincesPre), func(i int) string { return u.provincesPre[i].Code })
	reindex(u.districtAt, len(u.districts), func(i int) string { return u.districts[i].Code })
	for i, c := range u.communes2025 {
		if _, dup := u.byCode2025[c.Code]; dup {
			panic("refdata: " + file2025 + ": duplicate commune code " + c.Code)
		}
		u.byCode2025[c.Code] = i
		u.byProvince2025[c.ProvinceCode] = append(u.byProvince2025[c.ProvinceCode], i)
	}
	for i, c := range u.communesPre {
		if _, dup := u.byCodePre[c.Code]; dup {
			panic("refdata: " + filePre + ": duplicate commune code " + c.Code)
		}
		u.byCodePre[c.Code] = i
	}
	return u
}

// Commune2025 returns the unit of 2025 with the given code.
func Commune2025(code string) (Commune, bool) {
	u := units()
	i, ok := u.byCode2025[padCode(code, 5)]
	if !ok {
		return Commune{}, false
	}
	return u.communes2025[i], true
}

// CommunePre2025 returns the pre-2025 unit with the given code.
func CommunePre2025(code string) (Commune, bool) {
	u := units()
	i, ok := u.byCodePre[padCode(code, 5)]
	if !ok {
		return Commune{}, false
	}
	return u.communesPre[i], true
}

// Unit returns the unit with the given code, looking in the 2025 units
// first and then in the pre-2025 ones. Because most 2025 units reuse an old
// code, a code found in both eras gives the 2025 unit; use [CommunePre2025]
// to read an old address.
func Unit(code string) (Commune, bool) {
	if c, ok := Commune2025(code); ok {
		return c, true
	}
	return CommunePre2025(code)
}

// CurrentUnit returns the 2025 unit that the unit with the given code is
// part of now. For a 2025 code that is the unit itself. For a pre-2025 code
// it is the 2025 unit that took over the same code, which the GSO did for
// one of the communes merged into each new unit; for the other old codes
// the data does not say, and CurrentUnit reports false.
func CurrentUnit(code string) (Commune, bool) {
	// The two eras share one code space, so the lookup is the same
	// whichever era code comes from. The test checks that every reused
	// code stays in the province its old unit merged into.
	return Commune2025(code)
}

// Communes2025 returns the 3,321 units of 2025, sorted by code.
func Communes2025() []Commune { return slices.Clone(units().communes2025) }

// CommunesPre2025 returns the 10,035 pre-2025 units, sorted by code.
func CommunesPre2025() []Commune { return slices.Clone(units().communesPre) }

// CommunesIn2025Province returns the 2025 units of one province, sorted by
// code, or nil if there is no such province.
func CommunesIn2025Province(provinceCode string) []Commune {
	u := units()
	is := u.byProvince2025[padCode(provinceCode, 2)]
	if len(is) == 0 {
		return nil
	}
	out := make([]Commune, len(is))
	for j, i := range is {
		out[j] = u.communes2025[i]
	}
	return out
}

// Provinces2025 returns the 34 provinces of 2025, sorted by code.
func Provinces2025() []Province { return slices.Clone(units().provinces2025) }

// Province2025 returns the 2025 province with the given code.
func Province2025(code string) (Province, bool) {
	u := units()
	i, ok := u.province2025[padCode(code, 2)]
	if !ok {
		return Province{}, false
	}
	return u.provinces2025[i], true
}

// ProvincesPre2025 returns the 63 pre-2025 provinces, sorted by code.
func ProvincesPre2025() []Province { return slices.Clone(units().provincesPre) }

// ProvincePre2025 returns the pre-2025 province with the given code.
func ProvincePre2025(code string) (Province, bool) {
	u := units()
	i, ok := u.provincePre[padCode(code, 2)]
	if !ok {
		return Province{}, false
	}
	return u.provincesPre[i], true
}

// DistrictsPre2025 returns the 696 pre-2025 districts, sorted by code.
// Five island districts (Bạch Long Vĩ, Cồn Cỏ, Hoàng Sa, Lý Sơn, Côn Đảo)
// had no communes.
func DistrictsPre2025() []District { return slices.Clone(units().districts) }

// DistrictPre2025 returns the pre-2025 district with the given code.
func DistrictPre2025(code string) (District, bool) {
	u := units()
	i, ok := u.districtAt[padCode(code, 3)]
	if !ok {
		return District{}, false
	}
	return u.districts[i], true
}
