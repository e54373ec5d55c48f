package refdata

import (
	"slices"
	"strings"
	"sync"
)

// IDProvince is a province code of the 12-digit personal ID number: its
// first three digits, which say where the birth was registered. The codes
// follow the 63 provinces before 2025 (Circular 07/2016/TT-BCA) and numbers
// already issued keep them after the merger.
type IDProvince struct {
	IDCode  string // "002"
	Name    string // the name in the ID annex: "Hà Giang", "Thừa Thiên Huế"
	GSOCode string // the pre-2025 province: "02"
	// Province2025Code is the 2025 province the old one became part of:
	// "08" (Tuyên Quang) for Hà Giang.
	Province2025Code string
}

type idData struct {
	list   []IDProvince // sorted by IDCode
	byCode map[string]int
	byGSO  map[string]int
	by2025 map[string][]int
}

var idProvinces = sync.OnceValue(func() *idData {
	d := &idData{byCode: make(map[string]int), byGSO: make(map[string]int), by2025: make(map[string][]int)}
	for _, r := range readCSV("id_province_codes.csv", "id_code", "province_name", "gso_code", "province_2025_code") {
		d.list = append(d.list, IDProvince{IDCode: r[0], Name: r[1], GSOCode: r[2], Province2025Code: r[3]})
	}
	slices.SortFunc(d.list, func(a, b IDProvince) int { return strings.Compare(a.IDCode, b.IDCode) })
	for i, p := range d.list {
		d.byCode[p.IDCode] = i
		d.byGSO[p.GSOCode] = i
		d.by2025[p.Province2025Code] = append(d.by2025[p.Province2025Code], i)
	}
	return d
})

// IDProvinceCode returns the province of an ID number's first three
// digits, "001" for Hà Nội.
func IDProvinceCode(idCode string) (IDProvince, bool) {
	d := idProvinces()
	i, ok := d.byCode[padCode(idCode, 3)]
	if !ok {
		return IDProvince{}, false
	}
	return d.list[i], true
}

// IDProvinces returns the 63 ID province codes, sorted.
func IDProvinces() []IDProvince { return slices.Clone(idProvinces().list) }

// IDProvincesFor2025 returns the ID province codes of the old provinces
// that merged into the given 2025 province, sorted: for "08" (Tuyên Quang),
// 002 Hà Giang and 008 Tuyên Quang.
func IDProvincesFor2025(provinceCode string) []IDProvince {
	d := idProvinces()
	is := d.by2025[padCode(provinceCode, 2)]
	if len(is) == 0 {
		return nil
	}
	out := make([]IDProvince, len(is))
	for j, i := range is {
		out[j] = d.list[i]
	}
	return out
}

// province2025Of returns the 2025 province a pre-2025 province became part
// of.
func province2025Of(gsoCode string) (string, bool) {
	d := idProvinces()
	i, ok := d.byGSO[gsoCode]
	if !ok {
		return "", false
	}
	return d.list[i].Province2025Code, true
}
