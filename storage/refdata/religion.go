package refdata

import (
	"slices"
	"strings"
	"sync"
)

// Religion is an answer to the religion field. The codes are the kit's
// own, not an official coding: 00 none, 01-16 the religions recognised by
// the state, 99 other.
type Religion struct {
	Code   string // "01"
	NameVi string // "Phật giáo"
	NameEn string // "Buddhism"
}

type religionData struct {
	list   []Religion
	byCode map[string]int
	names  *nameIndex
}

var religions = sync.OnceValue(func() *religionData {
	d := &religionData{byCode: make(map[string]int), names: newNameIndex()}
	for _, r := range readCSV("religions.csv", "code", "name_vi", "name_en") {
		d.list = append(d.list, Religion{Code: r[0], NameVi: r[1], NameEn: r[2]})
	}
	slices.SortFunc(d.list, func(a, b Religion) int { return strings.Compare(a.Code, b.Code) })
	for i, r := range d.list {
		d.byCode[r.Code] = i
		d.names.add(i, r.NameVi, true)
		d.names.add(i, r.NameEn, true)
	}
	return d
})

// ReligionByCode returns the religion with the given code, "01" or "1".
func ReligionByCode(code string) (Religion, bool) {
	d := religions()
	i, ok := d.byCode[padCode(code, 2)]
	if !ok {
		return Religion{}, false
	}
	return d.list[i], true
}

// LookupReligion finds a religion by code or by its Vietnamese or English
// name, ignoring case, diacritics, tone placement, spaces, hyphens and
// apostrophes: "01", "Phật giáo", "phat giao" and "Buddhism" all give 01.
func LookupReligion(s string) (Religion, bool) {
	if r, ok := ReligionByCode(s); ok {
		return r, true
	}
	d := religions()
	i, ok := d.names.lookup(s)
	if !ok {
		return Religion{}, false
	}
	return d.list[i], true
}

// Religions returns the 18 religion codes, sorted.
func Religions() []Religion { return slices.Clone(religions().list) }
