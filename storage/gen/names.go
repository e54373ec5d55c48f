package gen

import (
	"math/rand/v2"
	"strings"
)

// Kinh family names by region: the north writes Hoàng and Vũ, the south
// Huỳnh and Võ (the same names, once split by a naming taboo), the centre
// has both.
var kinhFamiliesBy = func() [3]*choice[string] {
	var out [3]*choice[string]
	for i, southShare := range []float64{0.05, 0.6, 0.9} {
		var ps []pair
		for _, p := range kinhFamilies {
			switch p.v {
			case "Hoàng":
				ps = append(ps, pair{"Hoàng", p.w * (1 - southShare)}, pair{"Huỳnh", p.w * southShare})
			case "Vũ":
				ps = append(ps, pair{"Vũ", p.w * (1 - southShare)}, pair{"Võ", p.w * southShare})
			default:
				ps = append(ps, p)
			}
		}
		out[i] = fromPairs(ps)
	}
	return out
}()

var (
	kinhMaleOldC   = zipf(kinhMaleOld, 1, 3)
	kinhMaleNewC   = zipf(kinhMaleNew, 1, 3)
	kinhFemaleOldC = zipf(kinhFemaleOld, 1, 3)
	kinhFemaleNewC = zipf(kinhFemaleNew, 1, 3)
	kinhMaleMidOld = fromPairs(kinhMaleMiddleOld)
	kinhMaleMidNew = fromPairs(kinhMaleMiddleNew)
	kinhFemMidOld  = fromPairs(kinhFemaleMiddleOld)
	kinhFemMidNew  = fromPairs(kinhFemaleMiddleNew)
)

// newShare is how far a birth year leans to the names of the 2000s: 0 for
// people born before 1970, 1 for those born after 2005.
func newShare(year int) float64 {
	switch {
	case year < 1970:
		return 0.03
	case year < 1985:
		return 0.15
	case year < 1995:
		return 0.35
	case year < 2005:
		return 0.65
	}
	return 0.9
}

// familyName draws the family (or clan) name of someone whose parents are
// not in the data: a household founder or a spouse.
func (g *generator) familyName(eth string) string {
	if st := styles[eth]; st != nil {
		return st.families.pick(g.r)
	}
	if ef := extraFamilies[eth]; ef != nil && chance(g.r, 0.85) {
		return ef.pick(g.r)
	}
	return g.kinhFamilies.pick(g.r)
}

// fullName builds a person's birth name from the family name they inherit.
func (g *generator) fullName(eth string, male bool, year int, family string) string {
	st := styles[eth]
	if st == nil {
		return g.kinhName(male, year, family)
	}
	r := g.r
	kinh := st.kinhGiven
	if year >= 1990 {
		kinh *= 2
	}
	given := func() string {
		if chance(r, kinh) {
			return g.kinhGiven(male, year)
		}
		if male {
			return st.maleGiven.pick(r)
		}
		return st.femaleGiven.pick(r)
	}
	mid := func() string {
		if male {
			return st.maleMid.pick(r)
		}
		return st.femaleMid.pick(r)
	}
	switch st.form {
	case formClanLast:
		return mid() + given() + " " + family
	case formAY:
		if chance(r, 0.45) {
			if male {
				return "A " + given()
			}
			return "Y " + given()
		}
	case formKhmer:
		// In An Giang and Kiên Giang many Khmer names open with Chau (men)
		// or Néang (women) in place of a family name.
		if (g.oldProvince == "89" || g.oldProvince == "91") && chance(r, 0.4) {
			if male {
				return "Chau " + given()
			}
			return "Néang " + given()
		}
	}
	return join3(family, mid(), given())
}

func (g *generator) kinhName(male bool, year int, family string) string {
	r := g.r
	ns := newShare(year)
	var mid string
	switch {
	case chance(r, 0.015):
		// A few people, mostly men, have no middle name at all.
	case male && chance(r, ns):
		mid = kinhMaleMidNew.pick(r)
	case male:
		mid = kinhMaleMidOld.pick(r)
	case chance(r, ns):
		mid = kinhFemMidNew.pick(r)
	default:
		mid = kinhFemMidOld.pick(r)
	}
	given := g.kinhGiven(male, year)
	if given == mid {
		given = g.kinhGiven(male, year)
	}
	// Two-syllable given names ("Bảo Anh", "Gia Huy") have spread with each
	// generation.
	if chance(r, 0.02+0.1*ns) {
		var extra string
		if male {
			extra = kinhMaleMidNew.pick(r)
		} else {
			extra = kinhFemMidNew.pick(r)
		}
		if extra != mid && extra != given && extra != "Thị" && extra != "Văn" {
			given = extra + " " + given
		}
	}
	return join3(family, mid, given)
}

func (g *generator) kinhGiven(male bool, year int) string {
	r := g.r
	ns := newShare(year)
	switch {
	case male && chance(r, ns):
		return kinhMaleNewC.pick(r)
	case male:
		return kinhMaleOldC.pick(r)
	case chance(r, ns):
		return kinhFemaleNewC.pick(r)
	}
	return kinhFemaleOldC.pick(r)
}

// join3 joins the parts of a name, skipping an empty middle name and
// gluing a prefix that ends in an apostrophe (H', K') to what follows.
func join3(family, mid, given string) string {
	var b strings.Builder
	b.Grow(len(family) + len(mid) + len(given) + 2)
	b.WriteString(family)
	if mid != "" {
		b.WriteByte(' ')
		b.WriteString(mid)
	}
	if !strings.HasSuffix(mid, "'") {
		b.WriteByte(' ')
	}
	b.WriteString(given)
	return b.String()
}

// nickname is an occasional "other name".
func nickname(r *rand.Rand) string { return nicknames[r.IntN(len(nicknames))] }
