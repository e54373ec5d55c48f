package report

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/fold"
)

// StatsOptions say which statistics to compute.
type StatsOptions struct {
	// At is the reference date: persons are aged on it, and counted when
	// born on or before it and not dead by it. Zero means today (the
	// store's clock, in Vietnam).
	At Date
	// From and To bound the period of the events table, both days
	// included. Zero (both) means the calendar month before At; one
	// without the other is an error.
	From, To Date
	// Commune is the code of the commune to count, or "" for every
	// commune the store holds (a district node).
	Commune string
}

// Row is one line of a table: a stable key (a stored code, "male",
// "0-4", a hamlet's name, NotRecorded …) and how many it counts. Label is
// empty until [Statistics.SetLabels] fills it for a reader.
type Row struct {
	Key     string `json:"key"`
	Label   string `json:"label,omitempty"`
	Commune string `json:"commune,omitempty"` // rows of a hamlet table
	Count   int    `json:"count"`
}

// Table counts one thing by one characteristic. Its rows sum to Total:
// a person or household whose field is empty is counted in the row
// NotRecorded, never dropped.
type Table struct {
	Dim   string `json:"-"` // what the keys are: a Dim* constant
	Total int    `json:"total"`
	Rows  []Row  `json:"rows"`
}

// The characteristics of tables, for [Label].
const (
	DimSex        = "sex"
	DimAge        = "age"
	DimEthnicity  = "ethnicity"
	DimReligion   = "religion"
	DimNation     = "nationality"
	DimMarital    = "marital_status"
	DimHamlet     = "hamlet"
	DimResidence  = "residence"
	DimStatus     = "status"
	DimSize       = "household_size"
	DimHeadSex    = "head_sex"
	DimUsualGroup = "usual_group"
)

// Sex keys.
const (
	SexMale   = "male"
	SexFemale = "female"
)

// SexAge is one bar of the population pyramid: persons of one sex whose
// age lies in [AgeFrom, AgeTo]; AgeTo is nil for the open top group
// (100+).
type SexAge struct {
	Sex     string `json:"sex"`
	AgeFrom int    `json:"age_from"`
	AgeTo   *int   `json:"age_to"`
	Count   int    `json:"count"`
}

// AgeGroup is one of the usual groups (under 6, school age 6–14, working
// age 15–59 and 15–64, 60+, 80+). They overlap, so they do not sum to the
// population; under 6, 6–14, 15–59, 60+ and the persons of unknown age
// do.
type AgeGroup struct {
	Key     string `json:"key"`
	Label   string `json:"label,omitempty"`
	AgeFrom int    `json:"age_from"`
	AgeTo   *int   `json:"age_to"`
	Count   int    `json:"count"`
}

// Population is the living population at the reference date.
type Population struct {
	Total int `json:"total"`
	// BySexAge is the pyramid: male then female, five-year groups 0–4 …
	// 95–99 and 100+. Persons whose sex or birth date is not recorded
	// have no bar; they are SexAgeNotRecorded, so that the bars and it sum
	// to Total.
	BySexAge          []SexAge   `json:"by_sex_age"`
	SexAgeNotRecorded int        `json:"sex_age_not_recorded"`
	BySex             Table      `json:"by_sex"`
	ByAgeGroup        Table      `json:"by_age_group"`
	UsualGroups       []AgeGroup `json:"usual_groups"`
	ByEthnicity       Table      `json:"by_ethnicity"`
	ByReligion        Table      `json:"by_religion"`
	ByNationality     Table      `json:"by_nationality"`
	ByMaritalStatus   Table      `json:"by_marital_status"`
	ByHamlet          Table      `json:"by_hamlet"`
	ByResidence       Table      `json:"by_residence"`
}

// Records counts every record under the filter born by the reference
// date, the dead and missing included, by whether they were alive then.
type Records struct {
	Total    int   `json:"total"`
	ByStatus Table `json:"by_status"`
}

// Households counts the household registrations under the filter.
type Households struct {
	Total int `json:"total"`
	// BySize counts living members at the reference date: "0" … "9",
	// "10+".
	BySize   Table `json:"by_size"`
	ByHamlet Table `json:"by_hamlet"`
	// ByHeadSex: the sex of the one living head; "no_head" and
	// "several_heads" for households without exactly one.
	ByHeadSex Table `json:"by_head_sex"`
}

// Events counts what happened in the period, each by sex. Births and
// Deaths go by the dates the records hold (a date known only to the month
// counts when the whole month lies in the period); the other tables count
// the operations that registered the event, by the day (in Vietnam) the
// officer saved it.
type Events struct {
	From               Date  `json:"from"`
	To                 Date  `json:"to"`
	Births             Table `json:"births"`
	Deaths             Table `json:"deaths"`
	BirthsRegistered   Table `json:"births_registered"`
	DeathsRegistered   Table `json:"deaths_registered"`
	MovesIn            Table `json:"moves_in"`
	MovesOut           Table `json:"moves_out"`
	TemporaryResidence Table `json:"temporary_residence_registered"`
	TemporaryAbsence   Table `json:"temporary_absence_registered"`
}

// Statistics are the tables of a commune (or of all) at a reference date.
type Statistics struct {
	ReferenceDate Date       `json:"reference_date"`
	Commune       string     `json:"commune"` // "" for all communes
	Population    Population `json:"population"`
	Records       Records    `json:"records"`
	Households    Households `json:"households"`
	Events        Events     `json:"events"`
}

// Five-year groups of the pyramid: 0–4 … 95–99, then 100+.
const (
	groupWidth = 5
	numGroups  = 21
)

func groupOf(age int) int { return min(age/groupWidth, numGroups-1) }

func groupKey(g int) string {
	if g == numGroups-1 {
		return strconv.Itoa(g*groupWidth) + "+"
	}
	return strconv.Itoa(g*groupWidth) + "-" + strconv.Itoa(g*groupWidth+groupWidth-1)
}

func intp(n int) *int { return &n }

// usualGroups are the usual groups, in order: key, from, to (-1: open).
var usualGroups = []struct {
	key      string
	from, to int
}{
	{"under_6", 0, 5}, {"6-14", 6, 14}, {"15-59", 15, 59}, {"15-64", 15, 64}, {"60+", 60, -1}, {"80+", 80, -1},
}

// counter counts keys in the order they are first seen.
type counter struct {
	idx  map[string]int
	keys []string
	n    []int
}

func newCounter(fixed ...string) *counter {
	c := &counter{idx: map[string]int{}}
	for _, k := range fixed {
		c.slot(k)
	}
	return c
}

func (c *counter) slot(k string) int {
	i, ok := c.idx[k]
	if !ok {
		i = len(c.keys)
		c.idx[k] = i
		c.keys = append(c.keys, k)
		c.n = append(c.n, 0)
	}
	return i
}

func (c *counter) add(k string) {
	if k == "" {
		k = NotRecorded
	}
	c.n[c.slot(k)]++
}

// table returns the counts; byCount orders rows by count (then key),
// else the fixed keys first in their order and the others by key. A
// fixed row may be zero; NotRecorded is always last, and present only
// when not zero unless it is fixed.
func (c *counter) table(dim string, byCount bool, fixed int) Table {
	t := Table{Dim: dim, Rows: []Row{}}
	var nr *Row
	for i, k := range c.keys {
		t.Total += c.n[i]
		r := Row{Key: k, Count: c.n[i]}
		if k == NotRecorded {
			if r.Count > 0 || i < fixed {
				nr = &r
			}
			continue
		}
		if i >= fixed && r.Count == 0 {
			continue
		}
		t.Rows = append(t.Rows, r)
	}
	rest := t.Rows
	if !byCount {
		rest = t.Rows[min(fixed, len(t.Rows)):]
	}
	sort.SliceStable(rest, func(i, j int) bool {
		if byCount && rest[i].Count != rest[j].Count {
			return rest[i].Count > rest[j].Count
		}
		return rest[i].Key < rest[j].Key
	})
	if nr != nil {
		t.Rows = append(t.Rows, *nr)
	}
	return t
}

// sexKey is the key of a stored sex.
func sexKey(v string) string {
	switch v {
	case storage.SexMale:
		return SexMale
	case storage.SexFemale:
		return SexFemale
	}
	return NotRecorded
}

// household is what the pass learns of one household record.
type household struct {
	commune, number string
	hamlet          int
	members         int // living at the reference date
	records         int // persons of the household, living or not; none: emptied by a merge or by moves
	heads           int // living heads
	deadHeads       int // heads no longer living
	headSex         string
	headID          storage.ID
}

// householdIndex finds the household records by number.
type householdIndex struct {
	list     []household
	byNumber map[string][]int // folded number -> indexes
}

func loadHouseholds(s *storage.Store, sc scope, hs *hamlets) (*householdIndex, error) {
	hi := &householdIndex{byNumber: map[string][]int{}}
	err := s.ScanHouseholds(func(h *storage.Household) error {
		if sc.commune != "" && h.AddressCode != sc.commune {
			return nil
		}
		k := fold.Fold(h.Number)
		hi.byNumber[k] = append(hi.byNumber[k], len(hi.list))
		hi.list = append(hi.list, household{commune: h.AddressCode, number: h.Number, hamlet: hs.of(h.AddressCode, h.AddressDetail)})
		return nil
	})
	return hi, err
}

// of returns the household p is a member of, or -1: the one of p's
// household number at p's permanent address (numbers are unique within a
// commune), else the only one of that number.
func (hi *householdIndex) of(p *storage.Person) int {
	num := p.Values[storage.FieldHouseholdNumber]
	if num == "" {
		return -1
	}
	is := hi.byNumber[fold.Fold(num)]
	if len(is) == 1 {
		return is[0]
	}
	perm := p.Values[storage.FieldPermanentAddressCode]
	for _, i := range is {
		if hi.list[i].commune == perm {
			return i
		}
	}
	return -1
}

// member adds a member of household i to it.
func (hi *householdIndex) member(i int, p *storage.Person, alive bool) {
	h := &hi.list[i]
	h.records++
	if !alive {
		if p.IsHead() {
			h.deadHeads++
		}
		return
	}
	h.members++
	if p.IsHead() {
		h.heads++
		h.headSex = sexKey(p.Values[storage.FieldSex])
		h.headID = p.ID
	}
}

// resolveDates fills in the defaults of a reference date and a period.
func resolveDates(s *storage.Store, at, from, to Date) (Date, Date, Date, error) {
	if at.IsZero() {
		at = DateOf(s.WallClock())
	}
	if from.IsZero() != to.IsZero() {
		return at, from, to, fmt.Errorf("a period needs both its first and its last day")
	}
	if from.IsZero() {
		from, to = PreviousMonth(at)
	}
	if to.before(from) {
		return at, from, to, fmt.Errorf("the period ends (%s) before it begins (%s)", to, from)
	}
	return at, from, to, nil
}

// Stats computes the statistics of o.Commune (or of all communes) from
// the records s holds, in one pass over its persons, one over its
// households and one over the heads of its operations.
func Stats(s *storage.Store, o StatsOptions) (*Statistics, error) {
	at, from, to, err := resolveDates(s, o.At, o.From, o.To)
	if err != nil {
		return nil, err
	}
	sc := scope{o.Commune}
	hs := newHamlets()
	hi, err := loadHouseholds(s, sc, hs)
	if err != nil {
		return nil, err
	}
	// The operations are walked beside the persons (a laptop has two
	// cores; the walks share nothing but the store).
	var ev *eventScan
	evDone := make(chan error, 1)
	go func() {
		var err error
		ev, err = scanEvents(s, from, to)
		evDone <- err
	}()

	st := &Statistics{ReferenceDate: at, Commune: o.Commune}
	var pyramid [2][numGroups]int
	sexes := newCounter(SexMale, SexFemale, NotRecorded)
	ages := newCounter()
	for g := 0; g < numGroups; g++ {
		ages.slot(groupKey(g))
	}
	ages.slot(NotRecorded)
	usual := make([]int, len(usualGroups))
	eth, rel, nat := newCounter(), newCounter(), newCounter()
	mar := newCounter(storage.MaritalSingle, storage.MaritalMarried, storage.MaritalDivorced, storage.MaritalWidowed, NotRecorded)
	res := newCounter(ResidencePermanent, ResidenceAbsent, ResidenceTemporary, ResidenceCurrent)
	status := newCounter(storage.StatusLiving, storage.StatusDead, storage.StatusMissing)
	hamletCount := map[int]int{}
	births, deaths := newCounter(SexMale, SexFemale, NotRecorded), newCounter(SexMale, SexFemale, NotRecorded)

	err = s.ScanPersons(func(p *storage.Person) error {
		in, residence, _, hamlet := sc.place(p, hs)
		if !in {
			return nil
		}
		birth, _ := storage.ParseDate(p.Values[storage.FieldBirthDate])
		sex := sexKey(p.Values[storage.FieldSex])
		if within(birth, from, to) {
			births.add(sex)
		}
		if p.Values[storage.FieldStatus] == storage.StatusDead {
			if d, _ := storage.ParseDate(p.Values[storage.FieldDeathDate]); within(d, from, to) {
				deaths.add(sex)
			}
		}
		age, known := Age(birth, at)
		if !known && !birth.IsZero() {
			return nil // born after the reference date
		}
		alive, stat := living(p, at)
		status.add(stat)
		if hh := hi.of(p); hh >= 0 {
			hi.member(hh, p, alive)
		}
		if !alive {
			return nil
		}
		st.Population.Total++
		sexes.add(sex)
		if known {
			g := groupOf(age)
			ages.n[g]++
			switch sex {
			case SexMale:
				pyramid[0][g]++
			case SexFemale:
				pyramid[1][g]++
			default:
				st.Population.SexAgeNotRecorded++
			}
			for i, u := range usualGroups {
				if age >= u.from && (u.to < 0 || age <= u.to) {
					usual[i]++
				}
			}
		} else {
			ages.add(NotRecorded)
			st.Population.SexAgeNotRecorded++
		}
		eth.add(p.Values[storage.FieldEthnicity])
		rel.add(p.Values[storage.FieldReligion])
		nat.add(p.Values[storage.FieldNationality])
		mar.add(p.Values[storage.FieldMaritalStatus])
		res.add(residence)
		hamletCount[hamlet]++
		return nil
	})
	if evErr := <-evDone; err == nil {
		err = evErr
	}
	if err == nil {
		err = ev.resolve(s, sc)
	}
	if err != nil {
		return nil, err
	}

	pop := &st.Population
	for si, sex := range []string{SexMale, SexFemale} {
		for g := 0; g < numGroups; g++ {
			b := SexAge{Sex: sex, AgeFrom: g * groupWidth, Count: pyramid[si][g]}
			if g < numGroups-1 {
				b.AgeTo = intp(g*groupWidth + groupWidth - 1)
			}
			pop.BySexAge = append(pop.BySexAge, b)
		}
	}
	pop.BySex = sexes.table(DimSex, false, 3)
	pop.ByAgeGroup = ages.table(DimAge, false, numGroups+1)
	for i, u := range usualGroups {
		g := AgeGroup{Key: u.key, AgeFrom: u.from, Count: usual[i]}
		if u.to >= 0 {
			g.AgeTo = intp(u.to)
		}
		pop.UsualGroups = append(pop.UsualGroups, g)
	}
	pop.ByEthnicity = eth.table(DimEthnicity, true, 0)
	pop.ByReligion = rel.table(DimReligion, true, 0)
	pop.ByNationality = nat.table(DimNation, true, 0)
	pop.ByMaritalStatus = mar.table(DimMarital, false, 5)
	pop.ByResidence = res.table(DimResidence, false, 4)
	pop.ByHamlet = hamletTable(hs, hamletCount)
	st.Records.ByStatus = status.table(DimStatus, false, 3)
	st.Records.Total = st.Records.ByStatus.Total

	hh := &st.Households
	sizes := newCounter()
	for n := 0; n <= 9; n++ {
		sizes.slot(strconv.Itoa(n))
	}
	sizes.slot("10+")
	heads := newCounter(SexMale, SexFemale, NotRecorded, "no_head", "several_heads")
	hhHamlets := map[int]int{}
	for i := range hi.list {
		h := &hi.list[i]
		if h.records == 0 {
			// Merged into another household, or every member gone: a
			// record kept for its history, no longer a household.
			continue
		}
		hh.Total++
		if h.members >= 10 {
			sizes.add("10+")
		} else {
			sizes.add(strconv.Itoa(h.members))
		}
		switch {
		case h.heads == 0:
			heads.add("no_head")
		case h.heads > 1:
			heads.add("several_heads")
		default:
			heads.add(h.headSex)
		}
		hhHamlets[h.hamlet]++
	}
	hh.BySize = sizes.table(DimSize, false, 11)
	hh.ByHamlet = hamletTable(hs, hhHamlets)
	hh.ByHeadSex = heads.table(DimHeadSex, false, 5)

	st.Events = ev.tables(sc, from, to, births, deaths)
	return st, nil
}

// hamletTable makes the table of counts by hamlet index, hamlets in name
// order, the persons of no named hamlet last.
func hamletTable(hs *hamlets, counts map[int]int) Table {
	t := Table{Dim: DimHamlet, Rows: []Row{}}
	var none int
	for i, n := range counts {
		t.Total += n
		if i < 0 || hs.list[i].Name == "" {
			none += n
			continue
		}
		t.Rows = append(t.Rows, Row{Key: hs.list[i].Name, Commune: hs.list[i].Commune, Count: n})
	}
	sort.Slice(t.Rows, func(i, j int) bool {
		a, b := t.Rows[i], t.Rows[j]
		if a.Commune != b.Commune {
			return a.Commune < b.Commune
		}
		return fold.Fold(a.Key) < fold.Fold(b.Key)
	})
	if none > 0 {
		t.Rows = append(t.Rows, Row{Key: NotRecorded, Count: none})
	}
	return t
}
