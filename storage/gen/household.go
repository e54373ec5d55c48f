package gen

import (
	"fmt"
	"strconv"

	"github.com/communekit/communekit/storage"
)

// member is a person while their household is being put together; ages
// are whole years on g.today.
type member struct {
	male                   bool
	eth                    string
	age                    int
	family                 string
	name                   string
	rel                    string
	father, mother, spouse int // indices into the household, or -1
	fatherName, motherName string
	movedFrom              string // 2025 province born in, if not here
	hometown               string
}

// Household sizes 1..9 by how a people lives. Kinh and most lowland
// households average about 3.6 (the 2019 census gives 3.5); Tày, Thái and
// Khmer a little more; H'Mông, Dao and the Central Highlands peoples, who
// keep three generations and more children under one roof, about 5.
var (
	sizeSmall  = newChoice([]int{1, 2, 3, 4, 5, 6, 7, 8, 9}, []float64{9, 17, 21, 27, 14, 7, 3, 1.3, 0.7})
	sizeMedium = newChoice([]int{1, 2, 3, 4, 5, 6, 7, 8, 9}, []float64{6, 13, 19, 26, 18, 10, 5, 2, 1})
	sizeLarge  = newChoice([]int{1, 2, 3, 4, 5, 6, 7, 8, 9}, []float64{3, 7, 11, 16, 18, 16, 12, 9, 8})
)

func sizeFor(eth string) *choice[int] {
	switch eth {
	case "08", "09", "35", "41", "43", "40", "38", "10", "12", "13", "14", "27", "19", "20", "22", "16", "28", "26", "23", "31", "30":
		return sizeLarge
	case "01", "04":
		return sizeSmall
	}
	return sizeMedium
}

// Ages of household heads, by band.
var headAge = newChoice([][2]int{{22, 34}, {35, 44}, {45, 54}, {55, 64}, {65, 88}}, []float64{20, 26, 24, 18, 12})

// household adds one household of at most max persons to c.
func (g *generator) household(c *Commune, max int) {
	r := g.r
	eth := g.ethnic.pick(r)
	size := sizeFor(eth).pick(r)
	if size > max {
		size = max
	}
	hh := make([]member, 0, size)
	add := func(m member) int {
		hh = append(hh, m)
		return len(hh) - 1
	}
	none := member{father: -1, mother: -1, spouse: -1}

	head := none
	head.rel = storage.RelationshipHead
	head.eth = eth
	head.male = chance(r, 0.8)
	if size == 1 {
		head.male = chance(r, 0.45)
		if chance(r, 0.45) {
			head.age = between(r, 60, 92)
		} else {
			head.age = between(r, 20, 59)
		}
	} else {
		band := headAge.pick(r)
		head.age = between(r, band[0], band[1])
	}
	head.family = g.familyName(eth)
	g.origin(&head, true)
	h := add(head)

	// The couple whose children fill the household.
	dad, mom := -1, -1
	if head.male {
		dad = h
	} else {
		mom = h
	}
	if size >= 2 && chance(r, map2(size == 2, 0.75, 0.9)) {
		sp := none
		sp.male = !head.male
		sp.eth = eth
		if chance(r, 0.07) {
			sp.eth = g.ethnic.pick(r)
		}
		if sp.male {
			sp.age = head.age + between(r, -2, 7)
			sp.rel = "Chồng"
		} else {
			sp.age = head.age - between(r, -2, 7)
			sp.rel = "Vợ"
		}
		if sp.age < 18 {
			sp.age = 18
		}
		sp.family = g.spouseFamily(sp.eth, head.family)
		sp.spouse = h
		g.origin(&sp, true)
		s := add(sp)
		hh[h].spouse = s
		if sp.male {
			dad = s
		} else {
			mom = s
		}
	}

	// Three generations: a married child and their children live with the
	// old couple, as is the custom for one son (the daughter in a few
	// families).
	older := hh[h].age
	if len(hh) > 1 && hh[1].age > older {
		older = hh[1].age
	}
	if older >= 50 && size-len(hh) >= 3 && chance(r, 0.55) {
		lo, hi := childAges(hh, dad, mom)
		if lo < 20 {
			lo = 20
		}
		if hi >= lo {
			son := g.child(hh, dad, mom, chance(r, 0.8), between(r, lo, hi))
			si := add(son)
			in := none
			in.male = !son.male
			in.eth = son.eth
			if chance(r, 0.1) {
				in.eth = g.ethnic.pick(r)
			}
			in.age = son.age + between(r, -2, 7)
			if !in.male {
				in.age = son.age - between(r, -2, 7)
				in.rel = "Con dâu"
			} else {
				in.rel = "Con rể"
			}
			if in.age < 18 {
				in.age = 18
			}
			in.family = g.spouseFamily(in.eth, son.family)
			in.spouse = si
			g.origin(&in, chance(r, 0.3))
			ii := add(in)
			hh[si].spouse = ii
			gd, gm := si, ii
			if !son.male {
				gd, gm = ii, si
			}
			kids := between(r, 1, size-len(hh))
			if size-len(hh)-kids > 0 && chance(r, 0.5) {
				kids = size - len(hh)
			}
			for k := 0; k < kids; k++ {
				lo, hi := childAges(hh, gd, gm)
				if hi < lo {
					break
				}
				gc := g.child(hh, gd, gm, chance(r, 0.51), between(r, lo, hi))
				gc.rel = "Cháu"
				add(gc)
			}
		}
	} else if head.age <= 55 && size-len(hh) >= 2 && chance(r, 0.2) {
		// The head's widowed father or mother, or both.
		both := size-len(hh) >= 3 && chance(r, 0.4)
		pa, ma := -1, -1
		if both || chance(r, 0.35) {
			p := none
			p.male, p.eth, p.family, p.rel = true, head.eth, head.family, "Cha"
			if styles[head.eth] != nil && styles[head.eth].matrilineal {
				p.family = g.familyName(head.eth)
			}
			p.age = head.age + between(r, 20, 42)
			g.origin(&p, true)
			pa = add(p)
		}
		if both || pa < 0 {
			m := none
			m.male, m.eth, m.family, m.rel = false, head.eth, g.familyName(head.eth), "Mẹ"
			if styles[head.eth] != nil && styles[head.eth].matrilineal {
				m.family = head.family
			}
			m.age = head.age + between(r, 19, 40)
			if pa >= 0 {
				m.age = hh[pa].age - between(r, -2, 6)
				if m.age < head.age+19 {
					m.age = head.age + 19
				}
				hh[pa].spouse = len(hh)
				m.spouse = pa
			}
			g.origin(&m, true)
			ma = add(m)
		}
		hh[h].father, hh[h].mother = pa, ma
	}

	// Children of the couple fill the rest; when the couple cannot have
	// children of a plausible age, brothers, sisters or other relatives do.
	for len(hh) < size {
		lo, hi := childAges(hh, dad, mom)
		if hi < lo {
			o := none
			o.male = chance(r, 0.5)
			o.eth = head.eth
			o.age = head.age + between(r, -12, 8)
			if o.age < 0 {
				o.age = between(r, 0, 5)
			}
			if chance(r, 0.7) && o.age < head.age+8 {
				o.rel = map2s(o.age < head.age, map2s(o.male, "Em trai", "Em gái"), map2s(o.male, "Anh trai", "Chị gái"))
				o.family = head.family
			} else {
				o.rel = "Khác"
				o.family = g.familyName(o.eth)
			}
			g.origin(&o, chance(r, 0.5))
			add(o)
			continue
		}
		ch := g.child(hh, dad, mom, chance(r, 0.52), between(r, lo, hi))
		ch.rel = "Con"
		add(ch)
	}

	g.emit(c, hh)
}

// childAges returns the ages a child of dad and mom (either may be -1) can
// have: both parents 19 to 44 years older, which keeps the difference of
// birth years within 18-45 whatever the birthdays.
func childAges(hh []member, dad, mom int) (lo, hi int) {
	lo, hi = 0, 200
	for _, p := range []int{dad, mom} {
		if p < 0 {
			continue
		}
		a := hh[p].age
		lo = max(lo, a-44)
		hi = min(hi, a-19)
	}
	if dad < 0 && mom < 0 {
		return 0, -1
	}
	return lo, hi
}

// child makes a child of the members dad and mom (either may be -1: a
// parent who does not live in the household).
func (g *generator) child(hh []member, dad, mom int, male bool, age int) member {
	r := g.r
	c := member{father: dad, mother: mom, spouse: -1, male: male, age: age, rel: "Con"}
	var parentEth string
	switch {
	case dad >= 0:
		parentEth = hh[dad].eth
	default:
		parentEth = hh[mom].eth
	}
	c.eth = parentEth
	matri := styles[parentEth] != nil && styles[parentEth].matrilineal
	switch {
	case matri && mom >= 0:
		c.family = hh[mom].family
		if dad >= 0 {
			c.eth = hh[mom].eth
		}
	case dad >= 0:
		c.family = hh[dad].family
	case chance(r, 0.6):
		// A father who does not live here still gives his name, and his
		// name is on the birth certificate.
		c.family = g.familyName(hh[mom].eth)
		c.fatherName = g.fullName(hh[mom].eth, true, g.today.Year()-age-between(r, 22, 35), c.family)
	default:
		c.family = hh[mom].family
	}
	if dad < 0 && mom >= 0 && c.fatherName == "" && chance(r, 0.3) {
		c.fatherName = g.fullName(c.eth, true, g.today.Year()-age-between(r, 22, 35), c.family)
	}
	if mom < 0 && chance(r, 0.7) {
		c.motherName = g.fullName(c.eth, false, g.today.Year()-age-between(r, 20, 32), g.familyName(c.eth))
	}
	// Most children are born where their parents live; some while the
	// parents worked away, in the industrial provinces.
	if chance(r, map2(c.eth == "01", 0.06, 0.015)) {
		c.movedFrom = g.movedFrom(c.eth)
	}
	// Quê quán follows the father.
	switch {
	case dad >= 0:
		c.hometown = hh[dad].hometown
	case mom >= 0:
		c.hometown = hh[mom].hometown
	}
	return c
}

// origin decides whether an adult member was born here or moved in, and
// their hometown.
func (g *generator) origin(m *member, mayMove bool) {
	r := g.r
	p := 0.04
	if m.eth == "01" {
		p += g.prof.migrants
	}
	if mayMove && chance(r, p) {
		m.movedFrom = g.movedFrom(m.eth)
	}
	if !chance(r, 0.85) {
		return
	}
	if m.movedFrom != "" {
		cs := g.communesIn(m.movedFrom)
		m.hometown = cs[r.IntN(len(cs))]
		return
	}
	m.hometown = g.commune.Code
}

// movedFrom picks the 2025 province someone born elsewhere comes from.
// Kinh settlers and workers come from anywhere; the other peoples mostly
// from elsewhere in their own province.
func (g *generator) movedFrom(eth string) string {
	if eth != "01" && chance(g.r, 0.8) {
		return g.commune.ProvinceCode
	}
	return g.elsewhere.pick(g.r)
}

// spouseFamily draws the family name of someone marrying into a family
// named family. Clans marry out (a H'Mông, Dao or Ê Đê couple never share a
// clan), so the draw is repeated for peoples named by clan.
func (g *generator) spouseFamily(eth, family string) string {
	f := g.familyName(eth)
	for tries := 0; styles[eth] != nil && f == family && tries < 5; tries++ {
		f = g.familyName(eth)
	}
	return f
}

// emit turns the household's members into persons and the household.
func (g *generator) emit(c *Commune, hh []member) {
	r := g.r
	hi := g.hamletPick.pick(r)
	hamlet := g.hamlets[hi]
	g.houseNo[hi] += between(r, 1, 6)
	detail := hamlet
	if chance(r, 0.45) {
		detail = hamlet + ", số nhà " + strconv.Itoa(g.houseNo[hi])
	}
	g.nextNumber += between(r, 1, 3)
	number := fmt.Sprintf("%s-%06d", c.Code[1:], g.nextNumber)

	// Names first, in order: a child's name needs nothing but the family
	// name, and parents' names are needed to fill the children's rows.
	birthYears := make([]int, len(hh))
	dates := make([]storage.PartialDate, len(hh))
	for i := range hh {
		dates[i] = g.birthDate(hh[i].age)
		birthYears[i] = dates[i].Year
		hh[i].name = g.fullName(hh[i].eth, hh[i].male, dates[i].Year, hh[i].family)
	}
	g.hhEth = hh[0].eth
	g.hhReligion = g.religionOf(g.hhEth).pick(r)
	first := len(c.Persons)
	house := Household{Number: number, AddressDetail: detail, Hamlet: hamlet, Members: make([]int, len(hh))}
	for i := range hh {
		c.Persons = append(c.Persons, storage.Person{})
		house.Members[i] = first + i
		g.fill(&c.Persons[first+i], &hh[i], dates[i])
		p := &c.Persons[first+i]
		p.Values[storage.FieldHouseholdNumber] = number
		p.Values[storage.FieldPermanentAddressCode] = c.Code
		p.Values[storage.FieldCurrentAddressCode] = c.Code
		p.Values[storage.FieldPermanentAddressDetail] = detail
		p.Values[storage.FieldCurrentAddressDetail] = detail
	}
	// Relations, now that everyone has an ID number.
	for i := range hh {
		m, p := &hh[i], &c.Persons[first+i]
		link := func(j int, outside string, nameF, idF storage.Field) {
			switch {
			case j >= 0:
				p.Values[nameF] = hh[j].name
				p.Values[idF] = c.Persons[first+j].Values[storage.FieldIDNumber]
			case outside != "":
				p.Values[nameF] = outside
			}
		}
		link(m.father, m.fatherName, storage.FieldFatherName, storage.FieldFatherIDNumber)
		link(m.mother, m.motherName, storage.FieldMotherName, storage.FieldMotherIDNumber)
		link(m.spouse, "", storage.FieldSpouseName, storage.FieldSpouseIDNumber)
		g.marital(p, m)
	}
	c.Households = append(c.Households, house)
}

func map2(c bool, a, b float64) float64 {
	if c {
		return a
	}
	return b
}

func map2s(c bool, a, b string) string {
	if c {
		return a
	}
	return b
}
