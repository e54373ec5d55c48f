package gen

import (
	"bytes"
	"encoding/csv"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/communekit/communekit/storage"
)

// Communes used by the tests, one per kind of place.
const (
	meoVac    = "00769" // Mèo Vạc, on the Đồng Văn plateau (Hà Giang, now Tuyên Quang)
	quynhPhu  = "12472" // Quỳnh Phụ, a Red River delta commune (Thái Bình, now Hưng Yên)
	baDinh    = "00004" // Ba Đình, a ward of Hà Nội
	eaHiao    = "24187" // Ea Hiao, Đắk Lắk: Ê Đê and Kinh
	chuSe     = "23941" // Chư Sê, Gia Lai: Gia Rai
	traCu     = "29461" // Trà Cú, Trà Vinh (now Vĩnh Long): Khmer and Kinh
	bacAi     = "22795" // Bác Ái, Ninh Thuận (now Khánh Hòa): Ra Glai, Chăm
	thuDauMot = "25747" // Thủ Dầu Một, a ward of Hồ Chí Minh City
)

var allKinds = []string{meoVac, quynhPhu, baDinh, eaHiao, chuSe, traCu, bacAi, thuDauMot}

func TestGenerate_SameOptionsGiveSameBytes(t *testing.T) {
	o := Options{Commune: meoVac, Persons: 3000, Seed: 42}
	a, b := mustCSV(t, o, 7), mustCSV(t, o, 7)
	if !bytes.Equal(a, b) {
		t.Fatal("two runs with the same options wrote different CSV")
	}
	o.Seed = 43
	if bytes.Equal(a, mustCSV(t, o, 7)) {
		t.Fatal("a different seed wrote the same CSV")
	}
}

func TestGenerate_RefusesBadOptions(t *testing.T) {
	if _, err := Generate(Options{Commune: "99999", Persons: 10}); !errors.Is(err, ErrUnknownCommune) {
		t.Errorf("unknown commune: err = %v, want ErrUnknownCommune", err)
	}
	if _, err := Generate(Options{Commune: meoVac, Persons: 0}); !errors.Is(err, ErrNoPersons) {
		t.Errorf("0 persons: err = %v, want ErrNoPersons", err)
	}
}

func TestGenerate_HouseholdsHaveOneHeadAndCoverEveryone(t *testing.T) {
	for _, code := range allKinds {
		for _, n := range []int{1, 7, 2000} {
			c := mustGenerate(t, Options{Commune: code, Persons: n, Seed: 1})
			if len(c.Persons) != n {
				t.Fatalf("%s: %d persons, want %d", code, len(c.Persons), n)
			}
			seen := make([]bool, n)
			numbers := map[string]bool{}
			for _, h := range c.Households {
				if numbers[h.Number] {
					t.Fatalf("%s: household number %s used twice", code, h.Number)
				}
				numbers[h.Number] = true
				members := make([]*storage.Person, len(h.Members))
				for i, m := range h.Members {
					if seen[m] {
						t.Fatalf("%s: person %d in two households", code, m)
					}
					seen[m] = true
					members[i] = &c.Persons[m]
					if got := members[i].Values[storage.FieldHouseholdNumber]; got != h.Number {
						t.Fatalf("%s: member of %s has household_number %q", code, h.Number, got)
					}
				}
				if p := storage.CheckHouseholdHeads(members); p != nil {
					t.Fatalf("%s: household %s: %s", code, h.Number, p.Message("en"))
				}
				if !members[0].IsHead() {
					t.Fatalf("%s: household %s does not list its head first", code, h.Number)
				}
				if got := storage.Hamlet(h.AddressDetail); got != h.Hamlet {
					t.Fatalf("%s: address %q reads as hamlet %q, want %q", code, h.AddressDetail, got, h.Hamlet)
				}
			}
			if i := slices.Index(seen, false); i >= 0 {
				t.Fatalf("%s: person %d is in no household", code, i)
			}
		}
	}
}

// TestGenerate_EveryPersonIsValid runs the store's own validation, which
// includes the ID number against sex and birth year and dates in the
// future, and checks the ID rules again with a check written here.
func TestGenerate_EveryPersonIsValid(t *testing.T) {
	for _, code := range allKinds {
		c := mustGenerate(t, Options{Commune: code, Persons: 5000, Seed: 3})
		for i := range c.Persons {
			p := &c.Persons[i]
			if ps := storage.ValidatePerson(p, DefaultToday); len(ps) > 0 {
				t.Fatalf("%s: %s: %s", code, p.FullName(), ps.Message("en"))
			}
			for f := storage.Field(1); int(f) <= storage.NumFields; f++ {
				if v := p.Values[f]; v != "" {
					if canon, prob := storage.Canonicalize(f, v); prob != nil || canon != v {
						t.Fatalf("%s: %s = %q is not canonical (%q, %v)", code, f, v, canon, prob)
					}
				}
			}
			if !norm.NFC.IsNormalString(p.FullName()) {
				t.Fatalf("%s: name %q is not NFC", code, p.FullName())
			}
			if id := p.IDNumber(); id != "" {
				if msg := checkID(id, p.Values[storage.FieldSex], p.BirthDate().Year); msg != "" {
					t.Fatalf("%s: %s: ID %s: %s", code, p.FullName(), id, msg)
				}
			}
			for _, f := range []storage.Field{storage.FieldBirthDate, storage.FieldDeathDate, storage.FieldIDIssueDate} {
				if d, _ := storage.ParseDate(p.Values[f]); !d.IsZero() && d.Earliest().After(DefaultToday) {
					t.Fatalf("%s: %s %s is after today", code, f, d)
				}
			}
			if (p.Values[storage.FieldStatus] == storage.StatusDead) != (p.Values[storage.FieldDeathDate] != "") {
				t.Fatalf("%s: %s: status %q with death date %q", code, p.FullName(), p.Values[storage.FieldStatus], p.Values[storage.FieldDeathDate])
			}
		}
	}
}

// checkID is the ID rule of storage/DESIGN.md ("The records"), written again so that the test
// does not only trust storage.IDNumberInfo.
func checkID(id, sex string, year int) string {
	if len(id) != 12 || strings.Trim(id, "0123456789") != "" {
		return "not 12 digits"
	}
	d := int(id[3] - '0')
	if want := 2 * (year/100 - 19); d/2*2 != want {
		return "digit 4 says the wrong century"
	}
	if (d%2 == 1) != (sex == storage.SexFemale) {
		return "digit 4 says the wrong sex"
	}
	if yy, _ := strconv.Atoi(id[4:6]); yy != year%100 {
		return "digits 5-6 are not the birth year"
	}
	return ""
}

func TestGenerate_RelativesAgree(t *testing.T) {
	for _, code := range allKinds {
		c := mustGenerate(t, Options{Commune: code, Persons: 5000, Seed: 4})
		byID := map[string]*storage.Person{}
		for i := range c.Persons {
			if id := c.Persons[i].IDNumber(); id != "" {
				byID[id] = &c.Persons[i]
			}
		}
		children := 0
		for i := range c.Persons {
			p := &c.Persons[i]
			born := p.BirthDate().Year
			for _, f := range []storage.Field{storage.FieldFatherIDNumber, storage.FieldMotherIDNumber} {
				parent := byID[p.Values[f]]
				if parent == nil {
					continue
				}
				children++
				if gap := born - parent.BirthDate().Year; gap < 18 || gap > 45 {
					t.Fatalf("%s: %s born %d, parent %s born %d", code, p.FullName(), born, parent.FullName(), parent.BirthDate().Year)
				}
			}
			if sp := byID[p.Values[storage.FieldSpouseIDNumber]]; sp != nil {
				if sp.Values[storage.FieldSpouseIDNumber] != p.IDNumber() && p.IDNumber() != "" {
					t.Fatalf("%s: %s and %s are not each other's spouse", code, p.FullName(), sp.FullName())
				}
				if gap := born - sp.BirthDate().Year; gap < -12 || gap > 12 {
					t.Fatalf("%s: spouses %s (%d) and %s (%d)", code, p.FullName(), born, sp.FullName(), sp.BirthDate().Year)
				}
			}
		}
		if children < 1000 {
			t.Errorf("%s: only %d parent links in 5000 persons", code, children)
		}
	}
}

func TestGenerate_KinhChildrenCarryTheirFathersName(t *testing.T) {
	c := mustGenerate(t, Options{Commune: quynhPhu, Persons: 5000, Seed: 5})
	for i := range c.Persons {
		p := &c.Persons[i]
		father := p.Values[storage.FieldFatherName]
		if father == "" || p.Values[storage.FieldEthnicity] != "01" {
			continue
		}
		if a, b := firstWord(p.FullName()), firstWord(father); a != b {
			t.Fatalf("%s, child of %s", p.FullName(), father)
		}
	}
}

func TestGenerate_GivenNamesAreVaried(t *testing.T) {
	c := mustGenerate(t, Options{Commune: quynhPhu, Persons: 100000, Seed: 6})
	given := map[string]int{}
	for i := range c.Persons {
		given[lastWord(c.Persons[i].FullName())]++
	}
	if len(given) < 300 {
		t.Errorf("%d distinct given names in 100,000 persons, want at least 300", len(given))
	}
	for _, name := range []string{"Đức", "Hùng", "Hương", "Anh"} {
		if given[name] < 100 {
			t.Errorf("given name %s only %d times", name, given[name])
		}
	}
}

func TestGenerate_KinhFamilyNameShares(t *testing.T) {
	c := mustGenerate(t, Options{Commune: quynhPhu, Persons: 100000, Seed: 7})
	family := map[string]int{}
	names := map[string]int{}
	for i := range c.Persons {
		n := c.Persons[i].FullName()
		family[firstWord(n)]++
		names[n]++
	}
	share := func(f string) float64 { return float64(family[f]) / float64(len(c.Persons)) }
	for _, want := range []struct {
		family string
		share  float64
	}{{"Nguyễn", 0.38}, {"Trần", 0.11}, {"Lê", 0.095}, {"Phạm", 0.07}, {"Hoàng", 0.05}, {"Đặng", 0.021}} {
		if got := share(want.family); math.Abs(got-want.share) > want.share/4 {
			t.Errorf("%s: %.3f of persons, want about %.3f", want.family, got, want.share)
		}
	}
	if len(family) < 60 {
		t.Errorf("%d family names, want at least 60", len(family))
	}
	if names["Đặng Văn Đức"] == 0 {
		t.Errorf("no Đặng Văn Đức among 100,000 persons of a delta commune")
	}
}

func TestGenerate_EthnicMixFollowsThePlace(t *testing.T) {
	for _, tc := range []struct {
		code, eth string
		min, max  float64
	}{
		{meoVac, "08", 0.6, 0.98}, // H'Mông
		{quynhPhu, "01", 0.97, 1},
		{eaHiao, "12", 0.08, 0.4}, // Ê Đê
		{chuSe, "10", 0.2, 0.5},   // Gia Rai
		{traCu, "05", 0.15, 0.5},  // Khmer
	} {
		c := mustGenerate(t, Options{Commune: tc.code, Persons: 10000, Seed: 8})
		n := 0
		for i := range c.Persons {
			if c.Persons[i].Values[storage.FieldEthnicity] == tc.eth {
				n++
			}
		}
		if got := float64(n) / float64(len(c.Persons)); got < tc.min || got > tc.max {
			t.Errorf("%s: ethnicity %s is %.2f of persons, want %.2f-%.2f", tc.code, tc.eth, got, tc.min, tc.max)
		}
	}
}

func TestGenerate_Proportions(t *testing.T) {
	c := mustGenerate(t, Options{Commune: quynhPhu, Persons: 50000, Seed: 9})
	var noID, dead, adults, oldID, partial, elderly int
	for i := range c.Persons {
		p := &c.Persons[i]
		born := p.BirthDate()
		if p.IDNumber() == "" {
			noID++
		}
		if p.Values[storage.FieldStatus] == storage.StatusDead {
			dead++
		}
		if born.Year <= 2000 {
			adults++
			if p.Values[storage.FieldOldIDNumber] != "" {
				oldID++
			}
		}
		if born.Year < 1960 {
			elderly++
			if born.Day == 0 {
				partial++
			}
		}
	}
	n := float64(len(c.Persons))
	check := func(what string, got, lo, hi float64) {
		t.Helper()
		if got < lo || got > hi {
			t.Errorf("%s: %.3f, want %.3f-%.3f", what, got, lo, hi)
		}
	}
	check("share without ID number", float64(noID)/n, 0.04, 0.09)
	check("share dead", float64(dead)/n, 0.002, 0.01)
	check("share of adults with an old ID", float64(oldID)/float64(adults), 0.1, 0.2)
	check("share of elderly with partial birth dates", float64(partial)/float64(elderly), 0.05, 0.11)
	check("mean household size", n/float64(len(c.Households)), 3.2, 4.0)

	h := mustGenerate(t, Options{Commune: meoVac, Persons: 20000, Seed: 9})
	check("mean household size on the plateau", 20000/float64(len(h.Households)), 4.3, 6)
}

func TestGenerate_SerialsAreRandomAndUnique(t *testing.T) {
	c := mustGenerate(t, Options{Commune: meoVac, Persons: 20000, Seed: 10})
	serials := map[string]bool{}
	prev, steps, n := -1, 0, 0
	for i := range c.Persons {
		id := c.Persons[i].IDNumber()
		if id == "" {
			continue
		}
		s := id[6:]
		if serials[s] {
			t.Fatalf("serial %s used twice", s)
		}
		serials[s] = true
		v, _ := strconv.Atoi(s)
		if prev >= 0 && (v-prev == 1 || prev-v == 1) {
			steps++
		}
		prev = v
		n++
	}
	if steps > n/100 {
		t.Errorf("%d of %d consecutive serials differ by one", steps, n)
	}
}

// TestWriteCSV_CellsCanonicaliseToThePersons checks that importing the CSV
// would give back the generated persons: every cell, however it is
// written, canonicalises to the person's value.
func TestWriteCSV_CellsCanonicaliseToThePersons(t *testing.T) {
	for _, code := range allKinds {
		o := Options{Commune: code, Persons: 2000, Seed: 11}
		c := mustGenerate(t, o)
		rows, err := csv.NewReader(bytes.NewReader(mustCSV(t, o, 12))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(rows[0], CSVColumns) {
			t.Fatalf("header %v", rows[0])
		}
		if len(rows) != len(c.Persons)+1 {
			t.Fatalf("%d rows for %d persons", len(rows)-1, len(c.Persons))
		}
		for i, row := range rows[1:] {
			p := &c.Persons[i]
			for j, cell := range row {
				f, _ := storage.FieldByName(CSVColumns[j])
				got, prob := storage.Canonicalize(f, cell)
				if prob != nil {
					t.Fatalf("%s row %d: %s %q: %s", code, i+2, f, cell, prob.Message("en"))
				}
				if got != p.Values[f] {
					t.Fatalf("%s row %d: %s %q reads as %q, want %q", code, i+2, f, cell, got, p.Values[f])
				}
			}
		}
	}
}

func BenchmarkGenerate_100000Persons(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Generate(Options{Commune: quynhPhu, Persons: 100000, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

func firstWord(s string) string {
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return s[:i]
	}
	return s
}

func lastWord(s string) string { return s[strings.LastIndexByte(s, ' ')+1:] }

// generated caches small communes: several tests look at the same one.
var generated sync.Map

func mustGenerate(t testing.TB, o Options) *Commune {
	t.Helper()
	if c, ok := generated.Load(o); ok {
		return c.(*Commune)
	}
	c, err := Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	if o.Persons <= 10000 {
		generated.Store(o, c)
	}
	return c
}

func mustCSV(t testing.TB, o Options, seed int64) []byte {
	t.Helper()
	c, err := Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, c, seed); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
