package storage_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/fold"
	"github.com/communekit/communekit/storage/gen"
)

// Benchmarks named after the figures of the README's "Figures". They report the
// figure as a custom metric; none fails on a wall-clock figure.
//
//	go test -run '^$' -bench . -benchtime 1x ./storage/
//
// The population is 100,000 persons unless -short (10,000).

var benchFixture struct {
	once sync.Once
	c    *gen.Commune
	csv  []byte
	err  error
}

func benchPersons(b *testing.B) int {
	if testing.Short() {
		return 10000
	}
	return 100000
}

func benchCommune(b *testing.B) (*gen.Commune, []byte) {
	b.Helper()
	benchFixture.once.Do(func() {
		c, err := gen.Generate(gen.Options{Commune: "00769", Persons: benchPersons(b), Seed: 7})
		if err != nil {
			benchFixture.err = err
			return
		}
		var buf bytes.Buffer
		if err := gen.WriteCSV(&buf, c, 7); err != nil {
			benchFixture.err = err
			return
		}
		benchFixture.c, benchFixture.csv = c, buf.Bytes()
	})
	if benchFixture.err != nil {
		b.Fatal(benchFixture.err)
	}
	return benchFixture.c, benchFixture.csv
}

func benchStore(b *testing.B, dir string) *storage.Store {
	b.Helper()
	s, err := storage.Create(dir, []byte(testPass), storage.Profile{Commune: "00769", Officer: "Người Đo Hiệu Năng"},
		storage.Options{WorkFactor: testWorkFactor, GCInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func benchImported(b *testing.B) *storage.Store {
	b.Helper()
	_, csv := benchCommune(b)
	s := benchStore(b, filepath.Join(b.TempDir(), "p"))
	if _, err := s.ImportPersons(bytes.NewReader(csv), storage.ImportOptions{Chunk: 1000}); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkImport100k: bulk import, validation, indexes and history
// included (target ≥ 25,000 persons/s).
func BenchmarkImport100k(b *testing.B) {
	_, csv := benchCommune(b)
	var rate float64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s := benchStore(b, filepath.Join(b.TempDir(), "p"+strconv.Itoa(i)))
		b.StartTimer()
		t0 := time.Now()
		rep, err := s.ImportPersons(bytes.NewReader(csv), storage.ImportOptions{Chunk: 1000})
		if err != nil {
			b.Fatal(err)
		}
		rate = float64(rep.Imported) / time.Since(t0).Seconds()
		b.StopTimer()
		if len(rep.Rejected) > 0 {
			b.Logf("%d rows rejected, first %+v", len(rep.Rejected), rep.Rejected[0])
		}
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(rate, "persons/s")
}

func p99(d []time.Duration) float64 {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return float64(s[int(float64(len(s)-1)*0.99)].Microseconds()) / 1000
}

// BenchmarkSaveDurable: one saved person, durable (target p99 ≤ 1 ms).
func BenchmarkSaveDurable(b *testing.B) {
	s := benchImported(b)
	defer s.Close()
	var ids []storage.ID
	for _, q := range []string{"nguyen", "tran", "le", "thi", "van"} {
		hits, err := s.Search(q, 400)
		if err != nil {
			b.Fatal(err)
		}
		for _, h := range hits {
			ids = append(ids, h.Person.ID)
		}
	}
	rng := rand.New(rand.NewPCG(7, 1))
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := time.Now()
		_, _, err := s.EditPerson(ids[rng.IntN(len(ids))], storage.Values{storage.FieldOccupation: "Làm ruộng " + strconv.Itoa(i)}, storage.SaveOptions{Reason: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t))
	}
	b.ReportMetric(p99(lat), "p99-ms")
	if testing.Verbose() {
		for i, d := range lat {
			if d > time.Millisecond {
				b.Logf("save %d took %v", i, d)
			}
		}
	}
}

// benchQueries is the realistic mix of kitctl bench store.
func benchQueries(c *gen.Commune, n int) []string {
	rng := rand.New(rand.NewPCG(7, 2))
	var qs []string
	for len(qs) < n {
		p := &c.Persons[rng.IntN(len(c.Persons))]
		name := p.Values[storage.FieldFullName]
		toks := fold.Tokens(name)
		if len(toks) == 0 {
			continue
		}
		last := toks[len(toks)-1]
		switch rng.IntN(8) {
		case 0:
			qs = append(qs, toks[0])
		case 1:
			qs = append(qs, last)
		case 2:
			qs = append(qs, toks[0]+" "+last)
		case 3:
			qs = append(qs, strings.Join(toks, " "))
		case 4:
			qs = append(qs, name)
		case 5:
			qs = append(qs, last[:min(len(last), 2+rng.IntN(3))])
		case 6:
			qs = append(qs, toks[0]+" "+last[:min(len(last), 1+rng.IntN(3))])
		case 7:
			if id := p.Values[storage.FieldIDNumber]; id != "" {
				qs = append(qs, id)
			}
		}
	}
	return qs
}

// BenchmarkSearch: search, realistic query mix (target p99 ≤ 5 ms).
func BenchmarkSearch(b *testing.B) {
	c, _ := benchCommune(b)
	s := benchImported(b)
	defer s.Close()
	qs := benchQueries(c, 2000)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := time.Now()
		if _, err := s.Search(qs[i%len(qs)], 20); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t))
	}
	b.ReportMetric(p99(lat), "p99-ms")
}

// TestCanonicalFormsAreFixedPoints backs the importer's fast validation:
// Canonicalize returns a canonical value unchanged, so validating a record
// built from canonical values need not canonicalise them again.
func TestCanonicalFormsAreFixedPoints(t *testing.T) {
	c, err := gen.Generate(gen.Options{Commune: "00769", Persons: 3000, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	extra := map[storage.Field][]string{
		storage.FieldNationality: {"VN"}, storage.FieldStatus: {storage.StatusLiving, storage.StatusDead, storage.StatusMissing},
		storage.FieldBloodType: {"O+", "AB-", "A"}, storage.FieldPhone: {"+84912345678", "0912345678"},
		storage.FieldReligion: {"00"}, storage.FieldRelationshipToHead: {storage.RelationshipHead},
	}
	check := func(f storage.Field, v string) {
		got, p := storage.Canonicalize(f, v)
		if p != nil || got != v {
			t.Errorf("Canonicalize(%s, %q) = %q, %v; want it unchanged", f, v, got, p)
		}
	}
	for i := range c.Persons {
		for _, f := range storage.Fields() {
			if v := c.Persons[i].Values[f]; v != "" {
				// Generated values are raw for some fields: canonicalise
				// once, then the result must be a fixed point.
				cv, p := storage.Canonicalize(f, v)
				if p == nil && cv != "" {
					check(f, cv)
				}
			}
		}
	}
	for f, vs := range extra {
		for _, v := range vs {
			cv, p := storage.Canonicalize(f, v)
			if p == nil {
				check(f, cv)
			}
		}
	}
}

// TestImportCountersAcrossChunks backs the importer's counters, which it
// writes without reading them back: after imports in many small chunks
// (and a second import into the same store), a save still finds an
// imported ID number taken and an imported household's head.
func TestImportCountersAcrossChunks(t *testing.T) {
	s := mustCreate(t, filepath.Join(t.TempDir(), "p"))
	defer s.Close()
	first := "full_name,birth_date,sex,id_number,old_id_number,household_number,relationship_to_head,ethnicity\n" +
		"Đặng Văn Đức,12/03/1985,Nam,002085012345,,H1,Chủ hộ,Kinh\n" +
		"Lò Thị Mai,1988,Nữ,002188012345,,H1,Vợ,Kinh\n" +
		"Đặng Văn Hai,1990,Nam,,,H2,Chủ hộ,Kinh\n"
	second := "full_name,birth_date,sex,id_number,old_id_number,household_number,relationship_to_head,ethnicity\n" +
		"Đặng Thị Ba,2010,Nữ,,002085012345,H1,Con,Kinh\n" +
		"Giàng A Páo,1990,Nam,001090000001,,H3,Chủ hộ,Kinh\n" +
		"Giàng Thị Dở,1992,Nữ,,001090000001,H3,Vợ,Kinh\n"
	for _, csv := range []string{first, second} {
		rep, err := s.ImportPersons(strings.NewReader(csv), storage.ImportOptions{Chunk: 1})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Imported != 3 {
			t.Fatalf("imported %d, want 3: %+v", rep.Imported, rep.Rejected)
		}
	}
	// Đức gives up the number Ba holds as her old one: it stays taken.
	duc, err := s.Search("002085012345", 10)
	if err != nil || len(duc) == 0 {
		t.Fatalf("search 002085012345: %v", err)
	}
	for _, h := range duc {
		if h.Person.Values[storage.FieldFullName] == "Đặng Văn Đức" {
			if _, _, err := s.EditPerson(h.Person.ID, storage.Values{storage.FieldIDNumber: ""}, storage.SaveOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, c := range [][3]string{{"002085012345", "1985", "Nam"}, {"002188012345", "1988", "Nữ"}, {"001090000001", "1990", "Nam"}} {
		n := c[0]
		if _, err := s.AddPerson(storage.Values{storage.FieldFullName: "Người Mới", storage.FieldBirthDate: c[1], storage.FieldSex: c[2], storage.FieldEthnicity: "Kinh", storage.FieldIDNumber: n}, storage.SaveOptions{}); !hasCode(err, "id_taken") {
			t.Errorf("ID number %s: %v, want id_taken", n, err)
		}
	}
	for _, h := range []string{"H1", "H2", "H3"} {
		if _, err := s.AddPerson(storage.Values{storage.FieldFullName: "Người Mới", storage.FieldBirthDate: "2000", storage.FieldSex: "Nam", storage.FieldEthnicity: "Kinh", storage.FieldHouseholdNumber: h, storage.FieldRelationshipToHead: "Chủ hộ"}, storage.SaveOptions{}); !hasCode(err, "second_head") {
			t.Errorf("household %s: %v, want second_head", h, err)
		}
	}
	hits, err := s.Search("dang", 10)
	if err != nil || len(hits) != 3 {
		t.Errorf("search dang: %d hits, %v; want 3", len(hits), err)
	}
}

func hasCode(err error, code string) bool {
	var ps storage.Problems
	if !errors.As(err, &ps) {
		return false
	}
	for _, p := range ps {
		if p.Code == code {
			return true
		}
	}
	return false
}
