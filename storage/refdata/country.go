package refdata

import (
	"slices"
	"strings"
	"sync"
)

// Country is a nationality: an ISO 3166-1 alpha-2 country with its names
// from the Unicode CLDR.
type Country struct {
	Code   string // "VN"
	NameVi string // "Việt Nam"
	NameEn string // "Vietnam"
}

type countryData struct {
	list   []Country
	byCode map[string]int
	names  *nameIndex
}

var countries = sync.OnceValue(func() *countryData {
	d := &countryData{byCode: make(map[string]int), names: newNameIndex()}
	for _, r := range readCSV("nationalities.csv", "code", "name_vi", "name_en") {
		d.list = append(d.list, Country{Code: r[0], NameVi: r[1], NameEn: r[2]})
	}
	slices.SortFunc(d.list, func(a, b Country) int { return strings.Compare(a.Code, b.Code) })
	for i, c := range d.list {
		d.byCode[c.Code] = i
		d.names.add(i, c.NameVi, true)
		d.names.add(i, c.NameEn, true)
	}
	return d
})

// CountryByCode returns the country with the given ISO 3166-1 alpha-2
// code, in either case: "VN", "vn".
func CountryByCode(code string) (Country, bool) {
	d := countries()
	i, ok := d.byCode[strings.ToUpper(strings.TrimSpace(code))]
	if !ok {
		return Country{}, false
	}
	return d.list[i], true
}

// LookupCountry finds a country by code or by its Vietnamese or English
// name, ignoring case, diacritics, tone placement, spaces, hyphens and
// apostrophes: "VN", "Việt Nam", "viet nam" and "Vietnam" all give VN.
func LookupCountry(s string) (Country, bool) {
	if c, ok := CountryByCode(s); ok {
		return c, true
	}
	d := countries()
	i, ok := d.names.lookup(s)
	if !ok {
		return Country{}, false
	}
	return d.list[i], true
}

// Countries returns the 249 countries, sorted by code.
func Countries() []Country { return slices.Clone(countries().list) }
