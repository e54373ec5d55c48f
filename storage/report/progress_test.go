package report_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/communekit/communekit/storage/report"
)

// The progress table's rows are what Stats and Quality give each commune,
// and its total what they give all communes: a person tied to two
// communes (a temporary resident) counts in both rows and once in the
// total.
func TestProgress_AgreesWithStatsAndQuality(t *testing.T) {
	s, ck := newCommune(t, 2000)
	events(t, s, ck)
	at := report.DateOf(day(2027, 1, 5))
	other := otherCommune()
	pr, err := report.ComputeProgress(s, report.ProgressOptions{At: at, Communes: []string{other, commune, commune, ""}})
	if err != nil {
		t.Fatal(err)
	}
	if len(pr.Communes) != 2 || pr.Communes[0].Commune > pr.Communes[1].Commune {
		t.Fatalf("rows %+v: want one per commune, in code order", pr.Communes)
	}
	check := func(got report.CommuneProgress, c string) {
		t.Helper()
		st, err := report.Stats(s, report.StatsOptions{At: at, Commune: c})
		if err != nil {
			t.Fatal(err)
		}
		wl, err := report.Quality(s, report.QualityOptions{At: at, Commune: c})
		if err != nil {
			t.Fatal(err)
		}
		if got.Persons != st.Population.Total || got.Households != st.Households.Total ||
			got.CompleteRecords != wl.Completeness.CompleteRecords || got.Completeness != wl.Completeness.Percent {
			t.Errorf("commune %q: progress %+v; stats: %d persons, %d households; quality: %d complete, %.1f%%",
				c, got, st.Population.Total, st.Households.Total, wl.Completeness.CompleteRecords, wl.Completeness.Percent)
		}
	}
	for _, row := range pr.Communes {
		check(row, row.Commune)
	}
	check(pr.Total, "")
	// The fixture's temporary resident lives here and has a permanent
	// residence in the other commune: in both rows, once in the total.
	// (The one temporarily absent went to the other commune, but no
	// address of theirs is there.)
	if sum := pr.Communes[0].Persons + pr.Communes[1].Persons; sum != pr.Total.Persons+1 {
		t.Errorf("rows sum to %d persons, the total is %d: want the temporary resident twice", sum, pr.Total.Persons)
	}
}

// Statistics read back from JSON (a district node's answer) name their
// rows as the ones computed here: the same JSON once labelled.
func TestStats_ReadBackFromJSON(t *testing.T) {
	s, ck := newCommune(t, 300)
	events(t, s, ck)
	st, err := report.Stats(s, report.StatsOptions{At: report.DateOf(day(2027, 1, 5)), Commune: commune})
	if err != nil {
		t.Fatal(err)
	}
	wire, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var back report.Statistics
	if err := json.Unmarshal(wire, &back); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"vi", "en"} {
		st.SetLabels(lang)
		back.SetLabels(lang)
		a, _ := json.Marshal(st)
		b, _ := json.Marshal(&back)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: read back and labelled:\n%s\nwant\n%s", lang, b, a)
		}
	}
	if err := json.Unmarshal([]byte(`{"reference_date": "2026-13-01"}`), &back); err == nil {
		t.Error("an impossible reference date is read")
	}
}
