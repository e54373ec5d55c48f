package gen

import (
	"fmt"
	"time"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/refdata"
)

// birthDate returns a birth date that makes someone age years old on
// g.today. Older people's papers often give only the year, or the month
// and year.
func (g *generator) birthDate(age int) storage.PartialDate {
	r := g.r
	t := g.today.AddDate(-age, 0, -r.IntN(365))
	d := storage.PartialDate{Year: t.Year(), Month: int(t.Month()), Day: t.Day()}
	if d.Year < 1960 {
		switch x := r.Float64(); {
		case x < 0.05:
			d.Month, d.Day = 0, 0
		case x < 0.08:
			d.Day = 0
		}
	}
	return d
}

// fill sets a person's own fields; emit sets the household and relations.
func (g *generator) fill(p *storage.Person, m *member, birth storage.PartialDate) {
	r := g.r
	v := &p.Values
	sex := storage.SexFemale
	if m.male {
		sex = storage.SexMale
	}
	v[storage.FieldFullName] = m.name
	v[storage.FieldSex] = sex
	v[storage.FieldBirthDate] = birth.String()
	v[storage.FieldEthnicity] = m.eth
	v[storage.FieldNationality] = "VN"
	v[storage.FieldRelationshipToHead] = m.rel
	v[storage.FieldHometown] = m.hometown
	v[storage.FieldStatus] = storage.StatusLiving
	if chance(r, 0.92) {
		// A household mostly shares one faith.
		rel := g.hhReligion
		if m.eth != g.hhEth || chance(r, 0.08) {
			rel = g.religionOf(m.eth).pick(r)
		}
		v[storage.FieldReligion] = rel
	}
	if chance(r, 0.015) {
		v[storage.FieldOtherNames] = nickname(r)
	}
	if chance(r, 0.25) {
		v[storage.FieldBloodType] = bloodTypes.pick(r)
	}

	// The ID number: newborns are often not yet registered.
	missing := 0.035
	switch {
	case m.age == 0:
		missing = 0.6
	case m.age <= 5:
		missing = 0.15
	}
	idCode := g.localIDs.pick(r)
	if m.movedFrom != "" {
		ps := refdata.IDProvincesFor2025(m.movedFrom)
		idCode = ps[r.IntN(len(ps))].IDCode
	}
	if !chance(r, missing) && birth.Year >= 1900 {
		v[storage.FieldIDNumber] = g.idNumber(idCode, sex, birth.Year)
		if m.age >= 25 && chance(r, 0.15) {
			v[storage.FieldOldIDNumber] = fmt.Sprintf("%09d", 10000000+r.IntN(380000000))
		}
		if m.age >= 14 && chance(r, 0.88) {
			if d, ok := g.issueDate(birth); ok {
				v[storage.FieldIDIssueDate] = d.String()
				v[storage.FieldIDIssuePlace] = issuePlace(d)
			}
		}
	}
	if chance(r, 0.5) {
		if m.movedFrom != "" {
			cs := g.communesIn(m.movedFrom)
			v[storage.FieldBirthRegistrationPlace] = cs[r.IntN(len(cs))]
		} else {
			v[storage.FieldBirthRegistrationPlace] = g.commune.Code
		}
	}

	dead := m.rel != storage.RelationshipHead && chance(r, map2(m.age >= 60, 0.07, 0.0015))
	if dead {
		v[storage.FieldStatus] = storage.StatusDead
		from := birth.Latest().AddDate(0, 0, 1)
		if lim := g.today.AddDate(-5, 0, 0); from.Before(lim) {
			from = lim
		}
		if from.After(g.today) {
			from = g.today
		}
		days := int(g.today.Sub(from).Hours() / 24)
		t := from.AddDate(0, 0, r.IntN(days+1))
		v[storage.FieldDeathDate] = storage.PartialDate{Year: t.Year(), Month: int(t.Month()), Day: t.Day()}.String()
		return
	}
	v[storage.FieldOccupation] = g.occupation(m)
	phone := 0.0
	switch {
	case m.age >= 75:
		phone = 0.3
	case m.age >= 16:
		phone = 0.75
	case m.age >= 13:
		phone = 0.3
	}
	if chance(r, phone) {
		v[storage.FieldPhone] = phonePrefixes[r.IntN(len(phonePrefixes))] + fmt.Sprintf("%07d", r.IntN(10000000))
	}
}

// idNumber makes a unique personal ID number with a random serial. Serials
// are kept unique within the commune while there are plenty left; after
// that only whole numbers need to differ.
func (g *generator) idNumber(idCode, sex string, year int) string {
	r := g.r
	for tries := 0; ; tries++ {
		serial := r.IntN(1000000)
		if g.serials[serial] && tries < 20 {
			continue
		}
		id := storage.MakeIDNumber(idCode, sex, year, serial)
		if g.ids[id] {
			continue
		}
		g.serials[serial] = true
		g.ids[id] = true
		return id
	}
}

// issueDate is when the citizen identity card was issued: from 2016, when
// the 12-digit cards began, and at 14 or older. Most cards date from the
// 2021 campaign that gave chip cards to nearly every adult.
func (g *generator) issueDate(birth storage.PartialDate) (storage.PartialDate, bool) {
	r := g.r
	from := time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC)
	if at14 := birth.Latest().AddDate(14, 0, 0); at14.After(from) {
		from = at14
	}
	if !from.Before(g.today) {
		return storage.PartialDate{}, false
	}
	to := g.today
	campaign := time.Date(2021, 2, 1, 0, 0, 0, 0, time.UTC)
	if chance(r, 0.6) && from.Before(campaign) && g.today.After(campaign.AddDate(1, 6, 0)) {
		from, to = campaign, campaign.AddDate(1, 6, 0)
	}
	days := int(to.Sub(from).Hours() / 24)
	t := from.AddDate(0, 0, r.IntN(days+1))
	return storage.PartialDate{Year: t.Year(), Month: int(t.Month()), Day: t.Day()}, true
}

// issuePlace names the authority printed on the card, which changed twice.
func issuePlace(d storage.PartialDate) string {
	switch {
	case d.Year < 2021:
		return "Cục Cảnh sát ĐKQL cư trú và DLQG về dân cư"
	case d.Year < 2024 || d.Year == 2024 && d.Month < 7:
		return "Cục Cảnh sát quản lý hành chính về trật tự xã hội"
	}
	return "Bộ Công an"
}

// marital sets the marital status of adults; some records lack it.
func (g *generator) marital(p *storage.Person, m *member) {
	r := g.r
	if m.age < 18 || chance(r, 0.12) {
		return
	}
	var s string
	switch {
	case m.spouse >= 0:
		s = storage.MaritalMarried
	case m.age >= 60:
		s = oneOf(r, storage.MaritalWidowed, storage.MaritalWidowed, storage.MaritalWidowed, storage.MaritalDivorced, storage.MaritalSingle)
	case m.rel == storage.RelationshipHead && m.age >= 30:
		s = oneOf(r, storage.MaritalDivorced, storage.MaritalDivorced, storage.MaritalWidowed, storage.MaritalSingle)
	case m.age < 30:
		s = storage.MaritalSingle
		if chance(r, 0.05) {
			s = storage.MaritalDivorced
		}
	default:
		s = oneOf(r, storage.MaritalSingle, storage.MaritalSingle, storage.MaritalDivorced)
	}
	p.Values[storage.FieldMaritalStatus] = s
}

// communesIn returns the 2025 commune codes of a province.
func (g *generator) communesIn(province string) []string {
	if cs, ok := g.communeCodes[province]; ok {
		return cs
	}
	var cs []string
	for _, c := range refdata.CommunesIn2025Province(province) {
		cs = append(cs, c.Code)
	}
	if len(cs) == 0 {
		cs = []string{g.commune.Code}
	}
	g.communeCodes[province] = cs
	return cs
}

// Blood groups in Vietnam: O about 42 %, B 31 %, A 21 %, AB 6 %; Rh
// negative is rare, and most records give the group alone.
var bloodTypes = fromPairs([]pair{{"O", 30}, {"B", 22}, {"A", 15}, {"AB", 4}, {"O+", 12}, {"B+", 9}, {"A+", 6}, {"AB+", 2}, {"O-", 0.2}})

// Mobile prefixes of the Vietnamese networks (Viettel 03x/086/09x,
// Vinaphone 08x/091/094, Mobifone 07x/089/090/093, Vietnamobile 05x).
var phonePrefixes = []string{
	"032", "033", "034", "035", "036", "037", "038", "039", "086", "096", "097", "098",
	"081", "082", "083", "084", "085", "088", "091", "094",
	"070", "076", "077", "078", "079", "089", "090", "093",
	"052", "056", "058", "059", "092",
}
