package vm

import (
	"errors"
	"testing"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/report"
)

func TestParseDay(t *testing.T) {
	for in, ok := range map[string]bool{
		"31/12/2026": true, "1/2/2026": true, " 07/12/2026 ": true, "07-12-2026": true, "07.12.2026": true,
		"29/02/2024": true, "29/02/2026": false, "31/04/2026": false, "2026-12-31": false, "12/2026": false,
		"": false, "00/01/2026": false, "01/13/2026": false, "01/01/26": false, "01/01/1800": false, "a/b/cdef": false,
	} {
		if _, got := parseDay(in); got != ok {
			t.Errorf("parseDay(%q) = %v, want %v", in, got, ok)
		}
	}
}

// TestStatistics_TablesAddUpAndRulesAreWorded: on a generated commune
// every table the screen shows sums to its total, the pyramid's to the
// population less those without sex or birth date; and every rule of the
// worklist has its words in both languages.
func TestStatistics_TablesAddUpAndRulesAreWorded(t *testing.T) {
	s := mustStore(t, 800)
	tr := mustTr(t)
	st := NewStatistics(tr, s, Now)
	changed := changes(st)
	if !st.Apply() {
		t.Fatal(st.Inputs())
	}
	for st.Data().Loading {
		waitChange(t, changed)
	}
	d := st.Data()
	if d.Stats == nil || d.Error != "" {
		t.Fatalf("%+v", d)
	}
	for _, tb := range st.Tables(d.Stats) {
		if tb.Total == nil {
			continue
		}
		for c := range tb.Columns {
			sum := 0
			for _, r := range tb.Rows {
				sum += r.Counts[c]
			}
			if sum != tb.Total.Counts[c] {
				t.Errorf("%s column %d: %d != %d", tb.Title, c, sum, tb.Total.Counts[c])
			}
		}
		if tb.Key == "pyramid" && tb.Total.Counts[0]+tb.Total.Counts[1]+d.Stats.Population.SexAgeNotRecorded != d.Stats.Population.Total {
			t.Errorf("pyramid %v", tb.Total.Counts)
		}
	}
	for _, lang := range []string{"vi", "en"} {
		tr.SetLang(lang)
		for _, r := range report.Rules() {
			if !tr.Has("quality.rule." + r) {
				t.Errorf("rule %s has no words in %s", r, lang)
			}
		}
	}
}

var errStop = errors.New("stop")

// TestStatistics_KeptWhileNothingIsSaved: asked again for the same dates
// with nothing saved, the tables shown are the same ones, not computed
// again; a save, or other dates, computes them again.
func TestStatistics_KeptWhileNothingIsSaved(t *testing.T) {
	s := mustStore(t, 300)
	st := NewStatistics(mustTr(t), s, Now)
	changed := changes(st)
	wait := func() *report.Statistics {
		t.Helper()
		for st.Data().Loading {
			waitChange(t, changed)
		}
		d := st.Data()
		if d.Stats == nil || d.Error != "" {
			t.Fatalf("%+v", d)
		}
		return d.Stats
	}
	st.Compute()
	first := wait()
	st.Compute()
	if st.Data().Loading || wait() != first {
		t.Fatal("the same dates, nothing saved: the tables were computed again")
	}
	var id storage.ID
	s.ScanPersons(func(p *storage.Person) error { id = p.ID; return errStop })
	if _, _, err := s.EditPerson(id, storage.Values{storage.FieldOccupation: "Làm nương rẫy"}, storage.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	st.Compute()
	if wait() == first {
		t.Fatal("after a save the tables were not computed again")
	}
}
