// Package gen makes up communes: households and the persons in them, with
// the variety of a real commune, for `kitctl generate` (a CSV to import),
// for the benchmarks behind the README's "Figures" and for demonstrations.
//
// The figures (search latency, bytes per person after compression,
// import rate) depend on the data: a thousand "Nguyễn Văn A" compress to
// nothing and search in no time. So the generator follows what is known of
// real communes rather than drawing uniformly:
//
//   - Names: Kinh family names with their real shares (Nguyễn 38 %, Trần
//     11 %, …, and a long tail), middle names that change with the
//     generation (older women are nearly all "Thị"), hundreds of given names
//     with Zipf-like weights; the naming patterns of the other peoples
//     (H'Mông clans, Ê Đê "Y"/"H'" names with the clan last, Khmer
//     names of two syllables, …). See names.go and names_minority.go.
//   - Ethnic mix by place: the commune code places a commune in its old
//     province or district (region.go), which gives a mix rounded from the
//     2019 census; wards lean to Kinh.
//   - Households of one to nine people whose relations, ages and names agree:
//     one head, a spouse close in age, children 19-44 years younger than
//     both parents who carry the father's family name (or the mother's
//     clan where descent is through the mother), grandparents and
//     grandchildren in the bigger households.
//   - ID numbers that follow the rules [storage.IDNumberInfo] checks, with
//     random, not sequential, serials; partial birth dates for the elderly;
//     the empty fields real records have.
//
// Output depends only on [Options]: the same options give the same
// [Commune], and [WriteCSV] with the same seed the same bytes. Every random
// draw comes from one PCG stream seeded from the options, in a fixed order;
// maps are used for lookups, never iterated to produce output.
package gen

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/refdata"
)

// Options say what commune to make.
type Options struct {
	Commune string // 2025 commune code, e.g. "00769"
	// Persons is the number of persons to make. Households are made whole
	// until the total is reached; the last one may be cut short.
	Persons int
	Seed    int64
	// Today is the date ages are counted to and after which nothing
	// happens. The zero value means [DefaultToday], so that output does not
	// depend on the clock.
	Today time.Time
}

// DefaultToday is the reference date used when [Options.Today] is zero.
var DefaultToday = time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)

// Household is a generated household registration.
type Household struct {
	Number        string // "0769-000123"
	AddressDetail string // "Thôn Lũng Hòa, số nhà 12"
	Hamlet        string // "Thôn Lũng Hòa"
	Members       []int  // indices into Commune.Persons, the head first
}

// Commune is a generated commune. Persons hold canonical values (the forms
// [storage.Canonicalize] returns); their IDs are zero, for the store to
// assign.
type Commune struct {
	Code       string
	Households []Household
	Persons    []storage.Person
}

// Errors returned by [Generate], wrapped with the offending value.
var (
	ErrUnknownCommune = errors.New("unknown 2025 commune code")
	ErrNoPersons      = errors.New("number of persons must be positive")
)

// Generate makes a commune as described by o.
func Generate(o Options) (*Commune, error) {
	if o.Persons <= 0 {
		return nil, fmt.Errorf("%w: %d", ErrNoPersons, o.Persons)
	}
	c, ok := refdata.Commune2025(o.Commune)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownCommune, o.Commune)
	}
	if o.Today.IsZero() {
		o.Today = DefaultToday
	}
	g := newGenerator(o, c)
	out := &Commune{Code: c.Code, Persons: make([]storage.Person, 0, o.Persons)}
	for len(out.Persons) < o.Persons {
		g.household(out, o.Persons-len(out.Persons))
	}
	return out, nil
}

// generator holds what stays fixed for a commune and the random stream.
type generator struct {
	r            *rand.Rand
	today        time.Time
	commune      refdata.Commune
	prof         profile
	oldProvince  string
	ward         bool
	kinhFamilies *choice[string]
	ethnic       *choice[string]
	hamlets      []string
	hamletPick   *choice[int]
	houseNo      []int // next house number per hamlet
	nextNumber   int   // household number counter
	localIDs     *choice[string]
	elsewhere    *choice[string]            // 2025 provinces people move in from
	ids          map[string]bool            // ID numbers given so far
	serials      map[int]bool               // serials given so far
	communeCodes map[string][]string        // 2025 province → its commune codes
	religions    map[string]*choice[string] // ethnicity → religions
	occupations  *choice[string]
	hhEth        string // the head's ethnicity, while a household is emitted
	hhReligion   string // and the household's faith
}

func newGenerator(o Options, c refdata.Commune) *generator {
	// The commune code is mixed into the seed so that two communes made
	// with the same seed do not share their first households.
	var code uint64
	for i := 0; i < len(c.Code); i++ {
		code = code*10 + uint64(c.Code[i]-'0')
	}
	g := &generator{
		r:            rand.New(rand.NewPCG(uint64(o.Seed), 0x9e3779b97f4a7c15^code)),
		today:        o.Today,
		commune:      c,
		ward:         c.Type == "Phường",
		ids:          make(map[string]bool, o.Persons),
		serials:      make(map[int]bool, o.Persons),
		communeCodes: make(map[string][]string),
		religions:    make(map[string]*choice[string]),
	}
	g.prof = profileFor(c.Code, g.ward)
	g.oldProvince = oldProvinceOf(c.Code)
	switch g.prof.region {
	case regionCentral, regionCentralHighland:
		g.kinhFamilies = kinhFamiliesBy[1]
	case regionSouth, regionMekong:
		g.kinhFamilies = kinhFamiliesBy[2]
	default:
		g.kinhFamilies = kinhFamiliesBy[0]
	}
	g.ethnic = fromPairs(g.prof.ethnic)

	n := between(g.r, 5, 20)
	if g.ward {
		n = between(g.r, 8, 25)
	}
	g.hamlets = hamletNames(g.r, g.prof, g.ward, n)
	idx := make([]int, len(g.hamlets))
	w := make([]float64, len(g.hamlets))
	for i := range idx {
		idx[i] = i
		w[i] = 0.5 + g.r.Float64() // hamlets differ in size, within a factor of three
	}
	g.hamletPick = newChoice(idx, w)
	g.houseNo = make([]int, len(g.hamlets))
	g.nextNumber = between(g.r, 1, 40)

	g.localIDs = g.localIDChoice()
	g.elsewhere = elsewhereChoice(c.ProvinceCode)
	g.occupations = occupationsFor(g.prof.region, g.ward)
	return g
}

// localIDChoice weighs the ID province codes of the commune's 2025
// province: the old province the commune was in gets most births, the
// others merged with it a few.
func (g *generator) localIDChoice() *choice[string] {
	ps := refdata.IDProvincesFor2025(g.commune.ProvinceCode)
	if len(ps) == 0 {
		panic(fmt.Sprintf("gen: no ID province codes for province %q", g.commune.ProvinceCode))
	}
	codes := make([]string, len(ps))
	w := make([]float64, len(ps))
	for i, p := range ps {
		codes[i] = p.IDCode
		w[i] = 1
		if p.GSOCode == g.oldProvince {
			w[i] = 12 * float64(len(ps))
		}
	}
	return newChoice(codes, w)
}

// Where people who moved in come from: anywhere, but mostly the big cities
// and the crowded delta provinces that sent settlers to the hills.
var movedFrom = []pair{
	{"01", 6}, {"79", 6}, {"33", 4}, {"37", 4}, {"31", 3}, {"38", 4}, {"40", 4}, {"24", 2}, {"25", 2},
	{"42", 2}, {"04", 1}, {"08", 1}, {"11", 1}, {"12", 1}, {"14", 1}, {"15", 1}, {"19", 1}, {"20", 1},
	{"22", 1}, {"44", 1}, {"46", 1}, {"48", 1}, {"51", 1}, {"52", 1}, {"56", 1}, {"66", 1}, {"68", 1},
	{"75", 2}, {"80", 1}, {"82", 1}, {"86", 1}, {"91", 1}, {"92", 1}, {"96", 1},
}

func elsewhereChoice(own string) *choice[string] {
	var ps []pair
	for _, p := range movedFrom {
		if p.v != own {
			ps = append(ps, p)
		}
	}
	return fromPairs(ps)
}
