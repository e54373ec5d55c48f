package refdata

import (
	"slices"
	"strings"
	"sync"
)

// Ethnicity is an ethnic group in the GSO coding of 1979: 01 Kinh to 54 Rơ
// Măm, and 55 for people of foreign origin.
type Ethnicity struct {
	Code   string // "08"
	NameVi string // "H'Mông"
	NameEn string // "Hmong"
	// OtherNames are older spellings and the names of local groups
	// ("Mông", "Mèo"). They help match what people answer but are not
	// exhaustive, and a few belong to more than one group.
	OtherNames []string
}

type ethnicData struct {
	list   []Ethnicity
	byCode map[string]int
	names  *nameIndex
}

var ethnicities = sync.OnceValue(func() *ethnicData {
	d := &ethnicData{byCode: make(map[string]int), names: newNameIndex()}
	for _, r := range readCSV("ethnic_groups.csv", "code", "name_vi", "name_en", "other_names") {
		e := Ethnicity{Code: r[0], NameVi: r[1], NameEn: r[2]}
		if r[3] != "" {
			e.OtherNames = strings.Split(r[3], "; ")
		}
		d.list = append(d.list, e)
	}
	slices.SortFunc(d.list, func(a, b Ethnicity) int { return strings.Compare(a.Code, b.Code) })
	for i, e := range d.list {
		d.byCode[e.Code] = i
		d.names.add(i, e.NameVi, true)
		d.names.add(i, e.NameEn, true)
		for _, n := range e.OtherNames {
			d.names.add(i, n, false)
		}
	}
	return d
})

// EthnicityByCode returns the group with the given code, "01" or "1".
func EthnicityByCode(code string) (Ethnicity, bool) {
	d := ethnicities()
	i, ok := d.byCode[padCode(code, 2)]
	if !ok {
		return Ethnicity{}, false
	}
	return d.list[i].clone(), true
}

// LookupEthnicity finds a group by code or by its Vietnamese, English or
// other name, ignoring case, diacritics, tone placement, spaces, hyphens and
// apostrophes: "01", "kinh", "Kinh", "H'Mông", "hmong" and "Mông" all work.
// A main name wins over another group's other name ("Tày" is 02 Tày, not
// 03 Thái, whose local groups include a Tày). It reports false when nothing
// matches or when the best match is an other name shared by several groups
// (such as "Xá Lá Vàng").
func LookupEthnicity(s string) (Ethnicity, bool) {
	if e, ok := EthnicityByCode(s); ok {
		return e, true
	}
	d := ethnicities()
	i, ok := d.names.lookup(s)
	if !ok {
		return Ethnicity{}, false
	}
	return d.list[i].clone(), true
}

// Ethnicities returns the 55 groups, sorted by code.
func Ethnicities() []Ethnicity {
	d := ethnicities()
	out := make([]Ethnicity, len(d.list))
	for i, e := range d.list {
		out[i] = e.clone()
	}
	return out
}

func (e Ethnicity) clone() Ethnicity {
	e.OtherNames = slices.Clone(e.OtherNames)
	return e
}
