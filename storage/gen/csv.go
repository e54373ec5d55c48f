package gen

import (
	"encoding/csv"
	"io"
	"math/rand/v2"
	"strconv"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/refdata"
)

// CSVColumns are the columns [WriteCSV] writes, named as [storage.Field]
// names them, which is what the importer reads.
var CSVColumns = []string{
	"id_number", "old_id_number", "full_name", "other_names", "birth_date", "sex",
	"ethnicity", "religion", "nationality", "hometown",
	"permanent_address_code", "permanent_address_detail", "current_address_code", "current_address_detail",
	"household_number", "relationship_to_head",
	"father_name", "father_id_number", "mother_name", "mother_id_number", "spouse_name", "spouse_id_number",
	"id_issue_date", "id_issue_place", "phone", "occupation", "status", "death_date",
	"blood_type", "marital_status", "birth_registration_place",
}

var csvFields = func() []storage.Field {
	fs := make([]storage.Field, len(CSVColumns))
	for i, name := range CSVColumns {
		f, ok := storage.FieldByName(name)
		if !ok {
			panic("gen: CSV column " + name + " is not a person field")
		}
		fs[i] = f
	}
	return fs
}()

// WriteCSV writes the commune's persons as an import file, household by
// household, the head first. Values are written the many ways officers and
// old spreadsheets write them (dates as 17/05/1990, 17/5/1990 or
// 1990-05-17, ethnic groups by name or code, Việt Nam or VN, a hometown as
// a code or a place name …), chosen from seed, so the importer's
// canonicalisation gets exercised; each cell canonicalises back to the
// person's value. The same commune and seed give the same bytes.
func WriteCSV(w io.Writer, c *Commune, seed int64) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVColumns); err != nil {
		return err
	}
	x := &csvStyle{r: rand.New(rand.NewPCG(uint64(seed), 0x5eed_c5f0)), places: make(map[string]string)}
	row := make([]string, len(csvFields))
	for i := range c.Persons {
		p := &c.Persons[i]
		for j, f := range csvFields {
			row[j] = x.cell(f, p.Values[f])
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

type csvStyle struct {
	r      *rand.Rand
	places map[string]string // unit code → a place name that resolves back to it, or ""
}

var maritalVi = map[string]string{
	storage.MaritalSingle:   "Chưa kết hôn",
	storage.MaritalMarried:  "Đã kết hôn",
	storage.MaritalDivorced: "Ly hôn",
	storage.MaritalWidowed:  "Góa",
}

func (x *csvStyle) cell(f storage.Field, v string) string {
	if v == "" {
		return ""
	}
	r := x.r
	switch f {
	case storage.FieldBirthDate, storage.FieldDeathDate, storage.FieldIDIssueDate:
		return x.date(v)
	case storage.FieldEthnicity:
		if e, ok := refdata.EthnicityByCode(v); ok && chance(r, 0.85) {
			return e.NameVi
		}
	case storage.FieldReligion:
		if rel, ok := refdata.ReligionByCode(v); ok {
			return rel.NameVi
		}
	case storage.FieldNationality:
		if v == "VN" && chance(r, 0.8) {
			return "Việt Nam"
		}
	case storage.FieldHometown, storage.FieldBirthRegistrationPlace:
		if chance(r, 0.5) {
			if name := x.place(v); name != "" {
				return name
			}
		}
	case storage.FieldPermanentAddressCode, storage.FieldCurrentAddressCode:
		// Spreadsheets drop leading zeros.
		if chance(r, 0.05) {
			if n, err := strconv.Atoi(v); err == nil {
				return strconv.Itoa(n)
			}
		}
	case storage.FieldPhone:
		if len(v) == 10 && chance(r, 0.15) {
			return v[:4] + oneOf(r, " ", ".") + v[4:7] + oneOf(r, " ", ".") + v[7:]
		}
	case storage.FieldStatus:
		if chance(r, 0.5) {
			switch v {
			case storage.StatusLiving:
				return "Còn sống"
			case storage.StatusDead:
				return oneOf(r, "Đã mất", "Đã chết")
			}
		}
	case storage.FieldMaritalStatus:
		if chance(r, 0.7) {
			return maritalVi[v]
		}
	case storage.FieldBloodType:
		if chance(r, 0.2) {
			return "Nhóm " + v
		}
	}
	return v
}

// date writes a canonical date as an officer might.
func (x *csvStyle) date(v string) string {
	d, err := storage.ParseDate(v)
	if err != nil {
		return v
	}
	r := x.r
	switch {
	case d.Month == 0:
		return d.String()
	case d.Day == 0:
		if chance(r, 0.85) {
			return d.Vietnamese()
		}
		return d.String()
	}
	switch p := r.Float64(); {
	case p < 0.8:
		return d.Vietnamese()
	case p < 0.88:
		return strconv.Itoa(d.Day) + "/" + strconv.Itoa(d.Month) + "/" + strconv.Itoa(d.Year)
	}
	return d.String()
}

// place returns the written name of a unit code if the importer would
// resolve that name back to the same code, else "".
func (x *csvStyle) place(code string) string {
	if name, ok := x.places[code]; ok {
		return name
	}
	name := ""
	if u, ok := refdata.Unit(code); ok {
		n := u.FullName()
		if back, p := storage.Canonicalize(storage.FieldHometown, n); p == nil && back == code {
			name = n
		}
	}
	x.places[code] = name
	return name
}
