package report

import (
	"strings"

	"github.com/communekit/communekit/assets/i18n"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/refdata"
)

// wordPrefix is the prefix of the fixed words' keys in the bundles of
// assets/i18n: the word of key "total" is "report.label.total".
const wordPrefix = "report.label."

// say returns the text of a bundle key in lang ("en", else Vietnamese).
func say(lang, key string) string {
	if lang != i18n.English {
		lang = i18n.Vietnamese
	}
	return i18n.T(lang, key)
}

// FieldLabel names a field of the completeness table ("address" is the
// permanent or current residence) in lang.
func FieldLabel(name, lang string) string {
	if name == "address" {
		return say(lang, "report.field.address")
	}
	if f, ok := storage.FieldByName(name); ok {
		label := f.Label(lang)
		if f == storage.FieldIDNumber {
			label += say(lang, "report.field.id_number_age")
		}
		return label
	}
	return name
}

// Place names the commune a report is about, as its header shows it:
// "Xã Phố Bảng, Tuyên Quang (00769)", or all communes for "".
func Place(commune, lang string) string {
	if commune == "" {
		return Word("commune_all", lang)
	}
	if c, ok := refdata.Unit(commune); ok {
		return c.FullName() + " (" + commune + ")"
	}
	return commune
}

func pick(w [2]string, lang string) string {
	if lang == "en" {
		return w[1]
	}
	return w[0]
}

// Word returns the label of a fixed word or key in lang ("vi", the
// default, or "en"), or the key itself.
func Word(key, lang string) string {
	c, err := i18n.Default()
	if err != nil || !c.Has(i18n.Vietnamese, wordPrefix+key) {
		return key
	}
	return say(lang, wordPrefix+key)
}

// Label returns the words for a row's key of a table of dim, in lang:
// names of ethnic groups, religions and countries for their codes, the
// fixed words for the fixed keys, the key itself for hamlets and ages.
func Label(dim, key, lang string) string {
	if key == NotRecorded {
		return Word(key, lang)
	}
	switch dim {
	case DimEthnicity:
		if e, ok := refdata.EthnicityByCode(key); ok {
			return pick([2]string{e.NameVi, e.NameEn}, lang)
		}
	case DimReligion:
		if r, ok := refdata.ReligionByCode(key); ok {
			return pick([2]string{r.NameVi, r.NameEn}, lang)
		}
		if key == "00" {
			return say(lang, "report.religion.none")
		}
	case DimNation:
		if c, ok := refdata.CountryByCode(key); ok {
			return pick([2]string{c.NameVi, c.NameEn}, lang)
		}
	case DimAge, DimSize, DimHamlet:
		return strings.Replace(key, "-", "–", 1)
	}
	return Word(key, lang)
}

func (t *Table) setLabels(lang string) {
	for i := range t.Rows {
		t.Rows[i].Label = Label(t.Dim, t.Rows[i].Key, lang)
	}
}

// SetLabels fills the Label of every row in lang, for a reader.
func (st *Statistics) SetLabels(lang string) {
	for _, t := range st.Tables() {
		t.T.setLabels(lang)
	}
	for i := range st.Population.UsualGroups {
		g := &st.Population.UsualGroups[i]
		g.Label = Word(g.Key, lang)
	}
}

// NamedTable is a table with the key of its title.
type NamedTable struct {
	Title string // a key of Word: "by_sex" is DimSex's …
	T     *Table
}

// Tables returns every table of st, in the order a report prints them,
// with the key of the word for its title.
func (st *Statistics) Tables() []NamedTable {
	p, h, e := &st.Population, &st.Households, &st.Events
	return []NamedTable{
		{DimSex, &p.BySex}, {DimAge, &p.ByAgeGroup}, {DimEthnicity, &p.ByEthnicity},
		{DimReligion, &p.ByReligion}, {DimNation, &p.ByNationality}, {DimMarital, &p.ByMaritalStatus},
		{DimHamlet, &p.ByHamlet}, {DimResidence, &p.ByResidence}, {DimStatus, &st.Records.ByStatus},
		{DimSize, &h.BySize}, {DimHamlet, &h.ByHamlet}, {DimHeadSex, &h.ByHeadSex},
		{"births", &e.Births}, {"deaths", &e.Deaths}, {"births_registered", &e.BirthsRegistered},
		{"deaths_registered", &e.DeathsRegistered}, {"moves_in", &e.MovesIn}, {"moves_out", &e.MovesOut},
		{"temporary_residence_reg", &e.TemporaryResidence}, {"temporary_absence_reg", &e.TemporaryAbsence},
	}
}
