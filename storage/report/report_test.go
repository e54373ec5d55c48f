package report_test

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/fold"
	"github.com/communekit/communekit/storage/gen"
	"github.com/communekit/communekit/storage/refdata"
	"github.com/communekit/communekit/storage/report"
)

const (
	commune = "00769"
	pass    = "mật khẩu thử nghiệm"
)

// clock is the store's wall clock, which the tests move.
type clock struct{ ms atomic.Int64 }

func (c *clock) set(t time.Time) { c.ms.Store(t.UnixMilli()) }
func (c *clock) now() time.Time  { return time.UnixMilli(c.ms.Load()).UTC() }
func day(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 3, 0, 0, 0, time.UTC) // 10:00 in Vietnam
}

// commune imports n generated persons on 26/11/2026 (the generator's
// today is 25/11/2026).
func newCommune(t testing.TB, n int) (*storage.Store, *clock) {
	t.Helper()
	s, ck := newCommuneIn(t, t.TempDir(), n)
	t.Cleanup(func() { s.Close() })
	return s, ck
}

// newCommuneIn is newCommune in dir, for a store the caller closes (or
// keeps open for the whole run: the benchmarks).
func newCommuneIn(t testing.TB, dir string, n int) (*storage.Store, *clock) {
	t.Helper()
	ck := &clock{}
	ck.set(day(2026, 11, 26))
	s, err := storage.Create(filepath.Join(dir, "p"), []byte(pass), storage.Profile{Commune: commune, Officer: "Nguyễn Thị Lan"},
		storage.Options{WorkFactor: 10, GCInterval: -1, Now: ck.now})
	if err != nil {
		t.Fatal(err)
	}
	c, err := gen.Generate(gen.Options{Commune: commune, Persons: n, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	var csv bytes.Buffer
	if err := gen.WriteCSV(&csv, c, 7); err != nil {
		t.Fatal(err)
	}
	rep, err := s.ImportPersons(&csv, storage.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported != n {
		t.Fatalf("imported %d of %d", rep.Imported, n)
	}
	return s, ck
}

// persons copies every person the store holds.
func persons(t testing.TB, s *storage.Store) []storage.Person {
	t.Helper()
	var out []storage.Person
	if err := s.ScanPersons(func(p *storage.Person) error { out = append(out, *p); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// otherCommune is a 2025 commune that is not the test's.
func otherCommune() string {
	for _, c := range refdata.Communes2025() {
		if c.Code != commune {
			return c.Code
		}
	}
	panic("no other commune")
}

// pick returns the first living person of the commune matching ok.
func pick(t testing.TB, ps []storage.Person, used map[storage.ID]bool, ok func(p *storage.Person) bool) *storage.Person {
	t.Helper()
	for i := range ps {
		p := &ps[i]
		if !used[p.ID] && p.Values[storage.FieldStatus] == storage.StatusLiving && p.Values[storage.FieldPermanentAddressCode] == commune && ok(p) {
			used[p.ID] = true
			return p
		}
	}
	t.Fatal("no such person")
	return nil
}

// events records one of each event on 10/12/2026.
func events(t testing.TB, s *storage.Store, ck *clock) {
	t.Helper()
	ck.set(day(2026, 12, 10))
	ps := persons(t, s)
	used := map[storage.ID]bool{}
	head := pick(t, ps, used, func(p *storage.Person) bool { return p.IsHead() })
	hh, detail := head.Values[storage.FieldHouseholdNumber], head.Values[storage.FieldPermanentAddressDetail]
	arrival := func(ev storage.Event, name, born, sex string) {
		if _, err := s.AddPerson(storage.Values{
			storage.FieldFullName: name, storage.FieldBirthDate: born, storage.FieldSex: sex,
			storage.FieldEthnicity: "01", storage.FieldNationality: "VN",
			storage.FieldHouseholdNumber: hh, storage.FieldRelationshipToHead: "Con",
			storage.FieldPermanentAddressCode: commune, storage.FieldPermanentAddressDetail: detail,
			storage.FieldCurrentAddressCode: commune, storage.FieldCurrentAddressDetail: detail,
		}, storage.SaveOptions{Event: ev}); err != nil {
			t.Fatal(err)
		}
	}
	arrival(storage.EventBirth, "Vũ Thị Tuyết Mai", "2026-12-08", storage.SexFemale)
	arrival(storage.EventMoveIn, "Vũ Văn Khánh", "1999-04-02", storage.SexMale)

	adult := func(p *storage.Person) bool { return !p.IsHead() && p.BirthDate().Year < 1990 }
	dead := pick(t, ps, used, adult)
	edit(t, s, dead.ID, storage.EventDeath, storage.Values{storage.FieldStatus: storage.StatusDead, storage.FieldDeathDate: "2026-12-09"})
	out := pick(t, ps, used, adult)
	other := otherCommune()
	edit(t, s, out.ID, storage.EventMoveOut, storage.Values{
		storage.FieldPermanentAddressCode: other, storage.FieldPermanentAddressDetail: "Số 5",
		storage.FieldCurrentAddressCode: other, storage.FieldCurrentAddressDetail: "Số 5",
		storage.FieldHouseholdNumber: "", storage.FieldRelationshipToHead: ""})
	away := pick(t, ps, used, adult)
	edit(t, s, away.ID, storage.EventTemporaryAbsence, storage.Values{
		storage.FieldTemporaryAbsenceCode: other, storage.FieldTemporaryAbsenceDetail: "Số 9"})
	if _, err := s.AddPerson(storage.Values{
		storage.FieldFullName: "Lò Văn Sính", storage.FieldBirthDate: "2001", storage.FieldSex: storage.SexMale,
		storage.FieldEthnicity: "03", storage.FieldNationality: "VN",
		storage.FieldPermanentAddressCode: other, storage.FieldPermanentAddressDetail: "Bản Nà Sáng",
		storage.FieldTemporaryAddressCode: commune, storage.FieldTemporaryAddressDetail: "Thôn Trọ Mới, số 3",
		storage.FieldCurrentAddressCode: commune, storage.FieldCurrentAddressDetail: "Thôn Trọ Mới, số 3",
	}, storage.SaveOptions{Event: storage.EventTemporaryResidence}); err != nil {
		t.Fatal(err)
	}
}

func edit(t testing.TB, s *storage.Store, id storage.ID, ev storage.Event, v storage.Values) *storage.Person {
	t.Helper()
	p, _, err := s.EditPerson(id, v, storage.SaveOptions{Event: ev})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The expected counts, computed another way: a plain loop, ages by
// adding years to the last day a birth date can mean.

func ageAt(b storage.PartialDate, at time.Time) (int, bool) {
	if b.IsZero() || b.Earliest().After(at) {
		return 0, false
	}
	l, n := b.Latest(), 0
	for !l.AddDate(n+1, 0, 0).After(at) {
		n++
	}
	return n, true
}

func aliveAt(p *storage.Person, at time.Time) bool {
	switch p.Values[storage.FieldStatus] {
	case storage.StatusDead, storage.StatusMissing:
		d := p.DeathDate()
		return !d.IsZero() && d.Earliest().After(at)
	}
	return true
}

func inCommune(p *storage.Person, c string) bool {
	if c == "" {
		return true
	}
	return p.Values[storage.FieldPermanentAddressCode] == c || p.Values[storage.FieldTemporaryAddressCode] == c ||
		p.Values[storage.FieldCurrentAddressCode] == c
}

func orNR(v string) string {
	if v == "" {
		return report.NotRecorded
	}
	return v
}

func sexOf(p *storage.Person) string {
	switch p.Values[storage.FieldSex] {
	case storage.SexMale:
		return "male"
	case storage.SexFemale:
		return "female"
	}
	return report.NotRecorded
}

func rows(tb report.Table) map[string]int {
	m := map[string]int{}
	for _, r := range tb.Rows {
		if r.Count != 0 {
			m[r.Key] += r.Count
		}
	}
	return m
}

func sameCounts(t *testing.T, what string, got report.Table, want map[string]int) {
	t.Helper()
	g := rows(got)
	for k, n := range want {
		if n != 0 && g[k] != n {
			t.Errorf("%s[%s] = %d, want %d", what, k, g[k], n)
		}
	}
	for k, n := range g {
		if want[k] != n {
			t.Errorf("%s[%s] = %d, want %d", what, k, n, want[k])
		}
	}
}

func checkTotals(t *testing.T, st *report.Statistics) {
	t.Helper()
	for _, nt := range st.Tables() {
		sum := 0
		for _, r := range nt.T.Rows {
			sum += r.Count
		}
		if sum != nt.T.Total {
			t.Errorf("table %s: rows sum to %d, total %d", nt.Title, sum, nt.T.Total)
		}
	}
	p := &st.Population
	for _, tb := range []report.Table{p.BySex, p.ByAgeGroup, p.ByEthnicity, p.ByReligion, p.ByNationality, p.ByMaritalStatus, p.ByHamlet, p.ByResidence} {
		if tb.Total != p.Total {
			t.Errorf("population table %s has total %d, population %d", tb.Dim, tb.Total, p.Total)
		}
	}
	bars := p.SexAgeNotRecorded
	for _, b := range p.BySexAge {
		bars += b.Count
	}
	if bars != p.Total {
		t.Errorf("pyramid bars and not recorded sum to %d, population %d", bars, p.Total)
	}
	u := map[string]int{}
	for _, g := range p.UsualGroups {
		u[g.Key] = g.Count
	}
	if n := u["under_6"] + u["6-14"] + u["15-59"] + u["60+"] + rows(p.ByAgeGroup)[report.NotRecorded]; n != p.Total {
		t.Errorf("under 6, 6-14, 15-59, 60+ and unknown age sum to %d, population %d", n, p.Total)
	}
	for _, tb := range []report.Table{st.Households.BySize, st.Households.ByHamlet, st.Households.ByHeadSex} {
		if tb.Total != st.Households.Total {
			t.Errorf("household table %s has total %d, households %d", tb.Dim, tb.Total, st.Households.Total)
		}
	}
}

// checkStats compares every table of Stats with counts made by a plain
// loop over the persons and households.
func checkStats(t *testing.T, s *storage.Store, c string, at time.Time) *report.Statistics {
	t.Helper()
	st, err := report.Stats(s, report.StatsOptions{At: report.DateOf(at), Commune: c})
	if err != nil {
		t.Fatal(err)
	}
	checkTotals(t, st)
	at = time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)
	ps := persons(t, s)
	total := 0
	sex, ages, eth, rel, nat, mar, ham, res, status := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{},
		map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	pyramid := map[[2]any]int{}
	usual := map[string]int{}
	members, heads, headSex := map[string]int{}, map[string]int{}, map[string]string{}
	for i := range ps {
		p := &ps[i]
		if !inCommune(p, c) {
			continue
		}
		age, known := ageAt(p.BirthDate(), at)
		if !known && !p.BirthDate().IsZero() {
			continue
		}
		alive := aliveAt(p, at)
		st := p.Values[storage.FieldStatus]
		if alive && st != "" {
			st = storage.StatusLiving
		}
		status[orNR(st)]++
		if !alive {
			continue
		}
		if num := p.Values[storage.FieldHouseholdNumber]; num != "" {
			k := fold.Fold(num)
			members[k]++
			if p.IsHead() {
				heads[k]++
				headSex[k] = sexOf(p)
			}
		}
		total++
		sex[sexOf(p)]++
		if known {
			g := min(age/5, 20)
			key := ""
			if g == 20 {
				key = "100+"
			} else {
				key = itoa(g*5) + "-" + itoa(g*5+4)
			}
			ages[key]++
			if s := sexOf(p); s != report.NotRecorded {
				pyramid[[2]any{s, g * 5}]++
			}
			for _, u := range []struct {
				k        string
				from, to int
			}{{"under_6", 0, 5}, {"6-14", 6, 14}, {"15-59", 15, 59}, {"15-64", 15, 64}, {"60+", 60, 999}, {"80+", 80, 999}} {
				if age >= u.from && age <= u.to {
					usual[u.k]++
				}
			}
		} else {
			ages[report.NotRecorded]++
		}
		eth[orNR(p.Values[storage.FieldEthnicity])]++
		rel[orNR(p.Values[storage.FieldReligion])]++
		nat[orNR(p.Values[storage.FieldNationality])]++
		mar[orNR(p.Values[storage.FieldMaritalStatus])]++
		hamlet := storage.HamletOf(p)
		if perm := p.Values[storage.FieldPermanentAddressCode]; c == "" && perm != "" && p.Values[storage.FieldCurrentAddressCode] != perm {
			// Under all communes a person is counted once, where their
			// permanent residence is.
			hamlet = storage.Hamlet(p.Values[storage.FieldPermanentAddressDetail])
		}
		ham[orNR(fold.Fold(hamlet))]++
		perm := p.Values[storage.FieldPermanentAddressCode]
		absent := p.Values[storage.FieldTemporaryAbsenceCode] != ""
		switch {
		case c == "" && perm == "" && p.Values[storage.FieldTemporaryAddressCode] == "" && p.Values[storage.FieldCurrentAddressCode] == "":
			res[report.ResidenceNoAddress]++
		case (perm == c || c == "" && perm != "") && absent:
			res[report.ResidenceAbsent]++
		case perm == c || c == "" && perm != "":
			res[report.ResidencePermanent]++
		case p.Values[storage.FieldTemporaryAddressCode] == c || c == "" && p.Values[storage.FieldTemporaryAddressCode] != "":
			res[report.ResidenceTemporary]++
		default:
			res[report.ResidenceCurrent]++
		}
	}
	if st.Population.Total != total {
		t.Errorf("population %d, want %d", st.Population.Total, total)
	}
	sameCounts(t, "by_sex", st.Population.BySex, sex)
	sameCounts(t, "by_age_group", st.Population.ByAgeGroup, ages)
	sameCounts(t, "by_ethnicity", st.Population.ByEthnicity, eth)
	sameCounts(t, "by_religion", st.Population.ByReligion, rel)
	sameCounts(t, "by_nationality", st.Population.ByNationality, nat)
	sameCounts(t, "by_marital_status", st.Population.ByMaritalStatus, mar)
	sameCounts(t, "by_residence", st.Population.ByResidence, res)
	sameCounts(t, "by_status", st.Records.ByStatus, status)
	h := report.Table{Total: st.Population.ByHamlet.Total}
	for _, r := range st.Population.ByHamlet.Rows {
		k := r.Key
		if k != report.NotRecorded {
			k = fold.Fold(k)
		}
		h.Rows = append(h.Rows, report.Row{Key: k, Count: r.Count})
	}
	sameCounts(t, "by_hamlet", h, ham)
	for _, b := range st.Population.BySexAge {
		if want := pyramid[[2]any{b.Sex, b.AgeFrom}]; b.Count != want {
			t.Errorf("pyramid %s %d: %d, want %d", b.Sex, b.AgeFrom, b.Count, want)
		}
		if (b.AgeTo == nil) != (b.AgeFrom == 100) || b.AgeTo != nil && *b.AgeTo != b.AgeFrom+4 {
			t.Errorf("pyramid bar %s %d has age_to %v", b.Sex, b.AgeFrom, b.AgeTo)
		}
	}
	if len(st.Population.BySexAge) != 42 {
		t.Errorf("pyramid has %d bars, want 42", len(st.Population.BySexAge))
	}
	for _, g := range st.Population.UsualGroups {
		if g.Count != usual[g.Key] {
			t.Errorf("usual group %s: %d, want %d", g.Key, g.Count, usual[g.Key])
		}
	}

	hs, err := s.Households()
	if err != nil {
		t.Fatal(err)
	}
	size, hsex, hham := map[string]int{}, map[string]int{}, map[string]int{}
	nh := 0
	for _, x := range hs {
		if c != "" && x.AddressCode != c {
			continue
		}
		nh++
		k := fold.Fold(x.Number)
		if m := members[k]; m >= 10 {
			size["10+"]++
		} else {
			size[itoa(m)]++
		}
		switch heads[k] {
		case 0:
			hsex["no_head"]++
		case 1:
			hsex[headSex[k]]++
		default:
			hsex["several_heads"]++
		}
		hham[orNR(fold.Fold(storage.Hamlet(x.AddressDetail)))]++
	}
	if st.Households.Total != nh {
		t.Errorf("households %d, want %d", st.Households.Total, nh)
	}
	sameCounts(t, "households by_size", st.Households.BySize, size)
	sameCounts(t, "households by_head_sex", st.Households.ByHeadSex, hsex)
	hh := report.Table{}
	for _, r := range st.Households.ByHamlet.Rows {
		k := r.Key
		if k != report.NotRecorded {
			k = fold.Fold(k)
		}
		hh.Rows = append(hh.Rows, report.Row{Key: k, Count: r.Count})
	}
	sameCounts(t, "households by_hamlet", hh, hham)

	// Births and deaths by their dates, in the period.
	from, to := st.Events.From, st.Events.To
	f := time.Date(from.Year, from.Month, from.Day, 0, 0, 0, 0, time.UTC)
	l := time.Date(to.Year, to.Month, to.Day, 0, 0, 0, 0, time.UTC)
	births, deaths := map[string]int{}, map[string]int{}
	for i := range ps {
		p := &ps[i]
		if !inCommune(p, c) {
			continue
		}
		if b := p.BirthDate(); !b.IsZero() && !b.Earliest().Before(f) && !b.Latest().After(l) {
			births[sexOf(p)]++
		}
		if d := p.DeathDate(); p.Values[storage.FieldStatus] == storage.StatusDead && !d.IsZero() && !d.Earliest().Before(f) && !d.Latest().After(l) {
			deaths[sexOf(p)]++
		}
	}
	sameCounts(t, "births", st.Events.Births, births)
	sameCounts(t, "deaths", st.Events.Deaths, deaths)
	return st
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestStats_TablesAgreeWithAPlainCount(t *testing.T) {
	s, ck := newCommune(t, 3000)
	events(t, s, ck)
	for _, at := range []time.Time{day(2027, 1, 5), day(2026, 11, 30), day(2026, 12, 9), day(2010, 6, 15)} {
		for _, c := range []string{commune, ""} {
			t.Run(at.Format("2006-01-02")+"/"+c, func(t *testing.T) {
				st := checkStats(t, s, c, at)
				if st.Population.Total < 1000 {
					t.Errorf("population %d: the fixture is wrong", st.Population.Total)
				}
			})
		}
	}

	// December 2026, the month of the events: one of each, by sex.
	st, err := report.Stats(s, report.StatsOptions{At: report.DateOf(day(2027, 1, 5)), Commune: commune})
	if err != nil {
		t.Fatal(err)
	}
	if st.Events.From.String() != "2026-12-01" || st.Events.To.String() != "2026-12-31" {
		t.Errorf("period %s – %s, want December 2026", st.Events.From, st.Events.To)
	}
	ev := st.Events
	for name, tb := range map[string]report.Table{
		"births": ev.Births, "births_registered": ev.BirthsRegistered, "deaths": ev.Deaths, "deaths_registered": ev.DeathsRegistered,
		"moves_in": ev.MovesIn, "moves_out": ev.MovesOut, "temporary_residence": ev.TemporaryResidence, "temporary_absence": ev.TemporaryAbsence,
	} {
		if tb.Total != 1 {
			t.Errorf("%s: %d in December, want 1 (%+v)", name, tb.Total, tb.Rows)
		}
	}
	if rows(ev.Births)["female"] != 1 || rows(ev.MovesIn)["male"] != 1 {
		t.Errorf("births %+v, moves in %+v: by sex wrong", ev.Births.Rows, ev.MovesIn.Rows)
	}
	r := rows(st.Population.ByResidence)
	if r[report.ResidenceTemporary] != 1 || r[report.ResidenceAbsent] != 1 {
		t.Errorf("residence %+v: want one temporary resident and one absent", r)
	}
	// The commune the person moved to counts the move out of this one
	// nowhere, and this one counts nothing of the other's.
	other, err := report.Stats(s, report.StatsOptions{At: report.DateOf(day(2027, 1, 5)), Commune: otherCommune()})
	if err != nil {
		t.Fatal(err)
	}
	if other.Events.MovesOut.Total != 0 || other.Population.Total != 2 {
		t.Errorf("other commune: %d moves out, population %d; want 0 and 2 (the mover, and the temporary resident's permanent home)",
			other.Events.MovesOut.Total, other.Population.Total)
	}

	// November: nothing registered (the import is registrations), but
	// the births of the generated commune in November by their dates.
	nov, err := report.Stats(s, report.StatsOptions{At: report.DateOf(day(2026, 12, 31)), Commune: commune})
	if err != nil {
		t.Fatal(err)
	}
	if nov.Events.MovesIn.Total+nov.Events.BirthsRegistered.Total+nov.Events.DeathsRegistered.Total != 0 {
		t.Errorf("November: %+v", nov.Events)
	}
	// A period chosen: both days included.
	d, err := report.Stats(s, report.StatsOptions{At: report.DateOf(day(2027, 1, 5)), Commune: commune,
		From: report.DateOf(day(2026, 12, 10)), To: report.DateOf(day(2026, 12, 10))})
	if err != nil {
		t.Fatal(err)
	}
	if d.Events.MovesOut.Total != 1 || d.Events.Births.Total != 0 {
		t.Errorf("10/12/2026: %d moves out, %d births by date; want 1 and 0", d.Events.MovesOut.Total, d.Events.Births.Total)
	}
	if _, err := report.Stats(s, report.StatsOptions{From: report.DateOf(day(2026, 12, 10))}); err == nil {
		t.Error("a period without its end is accepted")
	}
}

func TestStats_JSONShape(t *testing.T) {
	s, _ := newCommune(t, 200)
	st, err := report.Stats(s, report.StatsOptions{At: report.Date{Year: 2026, Month: 12, Day: 31}, Commune: commune})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		ReferenceDate string `json:"reference_date"`
		Population    struct {
			Total    int
			BySexAge []map[string]any `json:"by_sex_age"`
		}
		Households map[string]any
		Events     map[string]any
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m.ReferenceDate != "2026-12-31" || m.Population.Total == 0 || m.Households["total"] == nil || m.Events["births"] == nil {
		t.Fatalf("shape: %s", b[:min(len(b), 400)])
	}
	last := m.Population.BySexAge[len(m.Population.BySexAge)-1]
	if v, ok := last["age_to"]; !ok || v != nil || last["sex"] != "female" || last["age_from"] != 100.0 {
		t.Errorf("top bar %v: want female, 100, age_to null", last)
	}
	if first := m.Population.BySexAge[0]; first["sex"] != "male" || first["age_to"] != 4.0 {
		t.Errorf("first bar %v", first)
	}
}

func TestAge(t *testing.T) {
	at := report.Date{Year: 2026, Month: 6, Day: 30}
	for _, c := range []struct {
		birth string
		age   int
		ok    bool
	}{
		{"1990-06-30", 36, true}, {"1990-07-01", 35, true}, {"1990", 35, true}, {"1990-06", 36, true},
		{"1990-07", 35, true}, {"2026", 0, true}, {"2026-06", 0, true}, {"2026-07", 0, false}, {"2026-07-01", 0, false},
		{"", 0, false},
	} {
		b, err := storage.ParseDate(c.birth)
		if err != nil {
			t.Fatal(err)
		}
		age, ok := report.Age(b, at)
		if age != c.age || ok != c.ok {
			t.Errorf("Age(%q) = %d, %v; want %d, %v", c.birth, age, ok, c.age, c.ok)
		}
	}
	leap := storage.PartialDate{Year: 2000, Month: 2, Day: 29}
	if a, _ := report.Age(leap, report.Date{Year: 2001, Month: 2, Day: 28}); a != 0 {
		t.Errorf("born 29/02/2000, on 28/02/2001: %d", a)
	}
	if a, _ := report.Age(leap, report.Date{Year: 2001, Month: 3, Day: 1}); a != 1 {
		t.Errorf("born 29/02/2000, on 01/03/2001: %d", a)
	}
	if _, err := report.ParseDate("31/02/2026"); err == nil {
		t.Error("31/02/2026 parsed")
	}
	if d, err := report.ParseDate("31/12/2026"); err != nil || d.String() != "2026-12-31" {
		t.Errorf("31/12/2026: %v %v", d, err)
	}
	if f, l := report.PreviousMonth(report.Date{Year: 2026, Month: 1, Day: 15}); f.String() != "2025-12-01" || l.String() != "2025-12-31" {
		t.Errorf("month before January 2026: %s – %s", f, l)
	}
}
