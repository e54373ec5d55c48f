package vm

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/fold"
	"github.com/communekit/communekit/storage/report"
)

// waitExport waits for the export running to end.
func waitExport(t *testing.T, x *ListExport, ch <-chan struct{}) ListExportData {
	t.Helper()
	for {
		if d := x.Data(); !d.Busy {
			return d
		}
		waitChange(t, ch)
	}
}

// TestListExport_PersonsOfAHamletToXLSX: the living persons of one hamlet,
// three columns, written to an .xlsx that excelize opens back holding
// exactly them (names and ID numbers, with their leading zeros); the
// same path again is refused with the existing file's words.
func TestListExport_PersonsOfAHamletToXLSX(t *testing.T) {
	tr := mustTr(t)
	s := mustStore(t, 300)
	x := NewListExport(tr, s, Now)
	ch := changes(x)
	x.LoadHamlets()
	waitChange(t, ch)
	hs := x.Data().Hamlets
	if len(hs) < 2 {
		t.Fatalf("hamlets %q", hs)
	}
	hamlet := hs[1]
	var want []string
	s.ScanPersons(func(p *storage.Person) error {
		if fold.Fold(storage.HamletOf(p)) == fold.Fold(hamlet) && p.Values[storage.FieldStatus] == storage.StatusLiving {
			want = append(want, p.Values[storage.FieldFullName]+"|"+p.Values[storage.FieldIDNumber])
		}
		return nil
	})
	if len(want) == 0 {
		t.Fatalf("no living person in %s", hamlet)
	}
	path := filepath.Join(t.TempDir(), "thon")
	if !x.Export(ListRequest{Kind: ListPersons, Format: FormatXLSX, Path: path, Hamlet: hamlet, Status: storage.StatusLiving,
		Fields: []storage.Field{storage.FieldFullName, storage.FieldIDNumber, storage.FieldBirthDate}}) {
		t.Fatalf("not started: %+v", x.Data())
	}
	d := waitExport(t, x, ch)
	path += ".xlsx"
	if d.Problem || d.Written != len(want) || d.Path != path || !strings.Contains(d.Message, path) {
		t.Fatalf("outcome %+v, want %d persons in %s", d, len(want), path)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(f.GetSheetList()[0])
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows[0]) != 3 || rows[0][0] != storage.FieldFullName.Label("vi") {
		t.Fatalf("header %q", rows[0])
	}
	var got []string
	for _, r := range rows[1:] {
		for len(r) < 2 {
			r = append(r, "")
		}
		got = append(got, r[0]+"|"+r[1])
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("the file holds %d persons, want %d:\n%q\n%q", len(got), len(want), got[:min(3, len(got))], want[:min(3, len(want))])
	}

	// The same name again: refused, the file left as it was.
	st, _ := os.Stat(path)
	if x.Export(ListRequest{Kind: ListPersons, Format: FormatXLSX, Path: path}) {
		t.Fatal("an export over an existing file started")
	}
	if d := x.Data(); !d.Problem || !strings.Contains(d.Message, "không bao giờ ghi đè") {
		t.Fatalf("existing file: %+v", d)
	}
	if st2, _ := os.Stat(path); st2.Size() != st.Size() || !st2.ModTime().Equal(st.ModTime()) {
		t.Error("the existing file changed")
	}
}

// TestListExport_RuleAgeCSVAndHouseholds: a data-quality rule and an age
// range to CSV (Excel's UTF-8 with a byte-order mark), households to
// .xlsx, and the requests refused with words to act on.
func TestListExport_RuleAgeCSVAndHouseholds(t *testing.T) {
	tr := mustTr(t)
	tr.SetLang("en")
	s := mustStore(t, 300)
	x := NewListExport(tr, s, Now)
	ch := changes(x)
	dir := t.TempDir()

	// The persons of a rule, as the quality report lists them.
	w, err := report.Quality(s, report.QualityOptions{Commune: s.Profile().Commune})
	if err != nil {
		t.Fatal(err)
	}
	rule, n := "", 0
	persons := map[string]map[string]bool{} // rule: its persons
	for _, it := range w.Items {
		if it.PersonID != "" {
			if persons[it.Rule] == nil {
				persons[it.Rule] = map[string]bool{}
			}
			persons[it.Rule][it.PersonID] = true
		}
	}
	for r, ps := range persons {
		if len(ps) > n {
			rule, n = r, len(ps)
		}
	}
	if rule == "" {
		t.Skip("the generated commune has no person in a quality item")
	}
	path := filepath.Join(dir, "rule.csv")
	x.Export(ListRequest{Kind: ListPersons, Format: FormatCSV, Path: path, Rule: rule,
		Fields: []storage.Field{storage.FieldFullName}})
	d := waitExport(t, x, ch)
	if d.Problem || d.Written < n || !strings.Contains(d.Message, "Wrote") {
		t.Fatalf("rule %s: %+v, want at least %d", rule, d, n)
	}
	b, _ := os.ReadFile(path)
	if !bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) {
		t.Error("no byte-order mark")
	}
	recs, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
	if err != nil || len(recs) != d.Written+1 {
		t.Fatalf("csv: %v, %d lines for %d persons", err, len(recs), d.Written)
	}

	// Ages 0 to 5.
	path = filepath.Join(dir, "young.xlsx")
	x.Export(ListRequest{Kind: ListPersons, Format: FormatXLSX, Path: path, AgeFrom: "0", AgeTo: " 5 "})
	d = waitExport(t, x, ch)
	all, _, _ := s.Counts()
	if d.Problem || d.Written == 0 || d.Written >= all {
		t.Fatalf("ages 0-5: %+v of %d", d, all)
	}

	// Households.
	path = filepath.Join(dir, "households.xlsx")
	x.Export(ListRequest{Kind: ListHouseholds, Format: FormatXLSX, Path: path})
	d = waitExport(t, x, ch)
	_, households, _ := s.Counts()
	if d.Problem || d.Written == 0 || d.Written > households || !strings.Contains(d.Message, "households") {
		t.Fatalf("households: %+v", d)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows(f.GetSheetList()[0])
	f.Close()
	if len(rows) != d.Written+1 {
		t.Errorf("%d rows for %d households", len(rows), d.Written)
	}

	for _, c := range []struct {
		r    ListRequest
		want string
	}{
		{ListRequest{Kind: ListHouseholds, Format: FormatCSV, Path: filepath.Join(dir, "h.csv")}, ".xlsx only"},
		{ListRequest{Kind: ListPersons, Format: FormatXLSX, Path: filepath.Join(dir, "a.xlsx"), AgeFrom: "sáu"}, "“sáu”"},
		{ListRequest{Kind: ListPersons, Format: FormatXLSX, Path: filepath.Join(dir, "a.xlsx"), AgeFrom: "60", AgeTo: "5"}, "correct the ages"},
		{ListRequest{Kind: ListPersons, Format: FormatXLSX, Path: filepath.Join(dir, "a.xlsx"), Fields: []storage.Field{}}, "No column"},
		{ListRequest{Kind: ListPersons, Format: FormatXLSX, Path: filepath.Join(dir, "a.csv")}, "must end in .xlsx"},
		{ListRequest{Kind: ListPersons, Format: FormatXLSX, Path: ""}, "file"},
		{ListRequest{Kind: ListPersons, Format: FormatXLSX, Path: filepath.Join(dir, "nowhere", "a.xlsx")}, "nowhere"},
	} {
		if x.Export(c.r) {
			t.Errorf("%+v started", c.r)
			waitExport(t, x, ch)
			continue
		}
		if d := x.Data(); !d.Problem || !strings.Contains(d.Message, c.want) {
			t.Errorf("%+v: %q, want %q", c.r, d.Message, c.want)
		}
	}

	// A folder that cannot be written.
	if os.Getuid() != 0 {
		ro := filepath.Join(dir, "ro")
		os.Mkdir(ro, 0o555)
		x.Export(ListRequest{Kind: ListPersons, Format: FormatXLSX, Path: filepath.Join(ro, "a.xlsx")})
		if d := waitExport(t, x, ch); !d.Problem || !strings.Contains(d.Message, "read-only") {
			t.Errorf("read-only folder: %+v", d)
		}
	}
}
