package refdata

import (
	"slices"
	"strings"
	"sync"

	"github.com/communekit/communekit/storage/fold"
)

// communeSearch indexes the units of both eras by name.
type communeSearch struct {
	all       []Commune        // 2025 units by code, then pre-2025 units by code
	exact     map[string][]int // fold.Key of the name, with and without its type
	loose     map[string][]int // looseKey of the same
	provinces map[string][]provinceRef
	districts map[string][]string // district codes
}

type provinceRef struct {
	era  Era
	code string
}

// districtTypes are the prefixes of pre-2025 district names.
var districtTypes = []string{"Huyện ", "Quận ", "Thị xã ", "Thành phố "}

var communeIndex = sync.OnceValue(func() *communeSearch { return newCommuneSearch(units()) })

func newCommuneSearch(u *unitData) *communeSearch {
	size := 2 * (len(u.communes2025) + len(u.communesPre))
	s := &communeSearch{
		exact:     make(map[string][]int, size),
		loose:     make(map[string][]int, size),
		provinces: make(map[string][]provinceRef),
		districts: make(map[string][]string),
	}
	s.all = slices.Concat(u.communes2025, u.communesPre)
	// Many units share a name ("Tân Hòa" has dozens) and all share a few
	// types; both keys work word by word, so key each distinct word group
	// once and join.
	type keys struct{ exact, loose string }
	memo := make(map[string]keys)
	keysOf := func(words string) keys {
		k, ok := memo[words]
		if !ok {
			k = keys{fold.Key(words), looseKey(words)}
			memo[words] = k
		}
		return k
	}
	for i, c := range s.all {
		n, t := keysOf(c.Name), keysOf(c.Type)
		addUnique(s.exact, n.exact, i)
		addUnique(s.loose, n.loose, i)
		addUnique(s.exact, t.exact+" "+n.exact, i)
		addUnique(s.loose, t.loose+n.loose, i)
	}
	addProvince := func(ref provinceRef, name, typ string) {
		names := []string{name}
		if typ != "" {
			names = append(names, typ+" "+name)
		}
		for _, n := range names {
			s.addProvinceKey(fold.Key(n), ref)
			s.addProvinceKey(looseKey(n), ref)
		}
		// "TP. Hồ Chí Minh", "Tỉnh Hà Giang": whether or not the data
		// records the type, people write one.
		for _, prefix := range []string{"tp", "thanhpho", "tinh"} {
			s.addProvinceKey(prefix+looseKey(name), ref)
		}
	}
	for _, p := range u.provinces2025 {
		addProvince(provinceRef{Era2025, p.Code}, p.Name, p.Type)
	}
	for _, p := range u.provincesPre {
		addProvince(provinceRef{EraPre2025, p.Code}, p.Name, "")
	}
	// The names of the ID annex, where they differ ("Thừa Thiên Huế" for
	// what the unit data calls "Huế").
	for _, p := range idProvinces().list {
		addProvince(provinceRef{EraPre2025, p.GSOCode}, p.Name, "")
	}
	for _, d := range u.districts {
		names := []string{d.Name}
		for _, t := range districtTypes {
			if short, ok := strings.CutPrefix(d.Name, t); ok {
				names = append(names, short)
			}
		}
		for _, n := range names {
			for _, k := range []string{fold.Key(n), looseKey(n)} {
				if !slices.Contains(s.districts[k], d.Code) {
					s.districts[k] = append(s.districts[k], d.Code)
				}
			}
		}
	}
	return s
}

func (s *communeSearch) addProvinceKey(key string, ref provinceRef) {
	if key != "" && !slices.Contains(s.provinces[key], ref) {
		s.provinces[key] = append(s.provinces[key], ref)
	}
}

// FindCommunes returns the units of both eras whose name matches name,
// ignoring case, spacing and the placement of tone marks, and then also
// diacritics. Units that match with their diacritics come first, then those
// that match only without; within each, 2025 units come before pre-2025
// ones, and each era is in code order. It returns nil when nothing matches.
//
// name is a unit's name, with or without its type ("Lũng Cú", "Xã Lũng
// Cú"), optionally followed by a province after a comma ("Lũng Cú, Tuyên
// Quang"), and optionally a district between the two ("Lũng Cú, Đồng Văn,
// Hà Giang"), which only pre-2025 units have. A pre-2025 unit matches the
// province it was in and the 2025 province that province merged into, so
// "Lũng Cú, Tuyên Quang" finds the old commune of Hà Giang as well.
func FindCommunes(name string) []Commune {
	parts := strings.Split(name, ",")
	if len(parts) > 3 {
		return nil
	}
	unit := parts[0]
	var province, district string
	if len(parts) >= 2 {
		province = parts[len(parts)-1]
	}
	if len(parts) == 3 {
		district = parts[1]
	}
	return communeIndex().find(unit, district, province)
}

func (s *communeSearch) find(unit, district, province string) []Commune {
	var provinces []provinceRef
	if strings.TrimSpace(province) != "" {
		provinces = slices.Concat(s.provinces[fold.Key(province)], s.provinces[looseKey(province)])
		if len(provinces) == 0 {
			return nil
		}
	}
	var districts []string
	if strings.TrimSpace(district) != "" {
		districts = slices.Concat(s.districts[fold.Key(district)], s.districts[looseKey(district)])
		if len(districts) == 0 {
			return nil
		}
	}
	match := func(c Commune) bool {
		if districts != nil && !slices.Contains(districts, c.DistrictCode) {
			return false
		}
		if provinces == nil {
			return true
		}
		for _, p := range provinces {
			if p.era == c.Era && p.code == c.ProvinceCode {
				return true
			}
			if p.era == Era2025 && c.Era == EraPre2025 {
				if now, ok := province2025Of(c.ProvinceCode); ok && now == p.code {
					return true
				}
			}
		}
		return false
	}

	var out []Commune
	exact := s.exact[fold.Key(unit)]
	for _, i := range exact {
		if match(s.all[i]) {
			out = append(out, s.all[i])
		}
	}
	for _, i := range s.loose[looseKey(unit)] {
		if !slices.Contains(exact, i) && match(s.all[i]) {
			out = append(out, s.all[i])
		}
	}
	return out
}
