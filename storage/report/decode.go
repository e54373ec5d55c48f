package report

import "encoding/json"

// UnmarshalJSON reads statistics as [Stats] writes them (a district
// node's answer) and gives every table back the characteristic of its
// keys, which the JSON leaves out, so that [Statistics.SetLabels] names
// the rows of statistics read back as it names those computed here.
func (st *Statistics) UnmarshalJSON(b []byte) error {
	type plain Statistics // without this method
	if err := json.Unmarshal(b, (*plain)(st)); err != nil {
		return err
	}
	p, h, e := &st.Population, &st.Households, &st.Events
	for _, d := range []struct {
		t   *Table
		dim string
	}{
		{&p.BySex, DimSex}, {&p.ByAgeGroup, DimAge}, {&p.ByEthnicity, DimEthnicity}, {&p.ByReligion, DimReligion},
		{&p.ByNationality, DimNation}, {&p.ByMaritalStatus, DimMarital}, {&p.ByHamlet, DimHamlet},
		{&p.ByResidence, DimResidence}, {&st.Records.ByStatus, DimStatus},
		{&h.BySize, DimSize}, {&h.ByHamlet, DimHamlet}, {&h.ByHeadSex, DimHeadSex},
		{&e.Births, DimSex}, {&e.Deaths, DimSex}, {&e.BirthsRegistered, DimSex}, {&e.DeathsRegistered, DimSex},
		{&e.MovesIn, DimSex}, {&e.MovesOut, DimSex}, {&e.TemporaryResidence, DimSex}, {&e.TemporaryAbsence, DimSex},
	} {
		d.t.Dim = d.dim
	}
	return nil
}

// UnmarshalText reads a date in the ISO form MarshalText writes.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	x, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = x
	return nil
}
