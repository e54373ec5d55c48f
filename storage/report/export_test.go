package report_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/report"
)

// dump lists every person's values and every household, without
// identifiers or versions, sorted: equal for two stores holding the same
// records.
func dump(t testing.TB, s *storage.Store) []string {
	t.Helper()
	var lines []string
	for _, p := range persons(t, s) {
		var b strings.Builder
		for _, f := range storage.Fields() {
			fmt.Fprintf(&b, "%s=%s|", f, p.Get(f))
		}
		lines = append(lines, b.String())
	}
	err := s.ScanHouseholds(func(h *storage.Household) error {
		lines = append(lines, "household "+h.Number+"|"+h.AddressCode+"|"+h.AddressDetail)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return lines
}

func emptyStore(t testing.TB, dir string) *storage.Store {
	t.Helper()
	ck := &clock{}
	ck.set(day(2026, 11, 26))
	s, err := storage.Create(filepath.Join(dir, "p"), []byte(pass), storage.Profile{Commune: commune, Officer: "Lò Văn Mười"},
		storage.Options{WorkFactor: 10, GCInterval: -1, Now: ck.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Export → import gives the same records, from .xlsx and from CSV.
func TestExportImportRoundTrip(t *testing.T) {
	s, _ := newCommune(t, 500)
	want := dump(t, s)
	for _, kind := range []string{"xlsx", "csv"} {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "list."+kind)
			var buf bytes.Buffer
			var n int
			var err error
			if kind == "xlsx" {
				n, err = report.WritePersonsXLSX(&buf, s, report.ExportOptions{})
			} else {
				n, err = report.WritePersonsCSV(&buf, s, report.ExportOptions{})
			}
			if err != nil || n != 500 {
				t.Fatalf("wrote %d persons: %v", n, err)
			}
			if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			s2 := emptyStore(t, dir)
			rep, err := s2.ImportFile(path, storage.ImportOptions{Lang: "en"})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Imported != 500 || len(rep.Rejected) > 0 {
				t.Fatalf("imported %d, rejected %v", rep.Imported, rep.Rejected[:min(3, len(rep.Rejected))])
			}
			got := dump(t, s2)
			if len(got) != len(want) {
				t.Fatalf("%d lines, want %d", len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("the stores differ:\nexported: %s\nimported: %s", want[i], got[i])
				}
			}
		})
	}
}

// The .xlsx list has typed cells: a date a date, an ID number text with
// its leading zeros; the CSV starts with a byte-order mark and keeps the
// zeros from Excel.
func TestExportTypedCells(t *testing.T) {
	s, _ := newCommune(t, 200)
	var buf bytes.Buffer
	if _, err := report.WritePersonsXLSX(&buf, s, report.ExportOptions{Fields: []string{"person_id", "full_name", "birth_date", "id_number"}}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sh := f.GetSheetName(0)
	rows, _ := f.GetRows(sh)
	if got := strings.Join(rows[0], "|"); got != "Mã người|Họ, chữ đệm và tên khai sinh|Ngày, tháng, năm sinh|Số định danh cá nhân" {
		t.Errorf("header %q", got)
	}
	dates, ids := 0, 0
	for r := 2; r <= len(rows); r++ {
		c := fmt.Sprintf("C%d", r)
		if typ, _ := f.GetCellType(sh, c); typ == excelize.CellTypeUnset || typ == excelize.CellTypeNumber {
			if v, _ := f.GetCellValue(sh, c); strings.Count(v, "/") == 2 {
				dates++
			}
		}
		d := fmt.Sprintf("D%d", r)
		v, _ := f.GetCellValue(sh, d, excelize.Options{RawCellValue: true})
		if typ, _ := f.GetCellType(sh, d); v != "" && strings.HasPrefix(v, "0") && len(v) == 12 && typ != excelize.CellTypeNumber {
			ids++
		}
	}
	if dates == 0 || ids == 0 {
		t.Errorf("%d date cells, %d ID numbers as text with their zeros", dates, ids)
	}

	buf.Reset()
	if _, err := report.WritePersonsCSV(&buf, s, report.ExportOptions{Fields: []string{"full_name", "id_number"}}); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("\ufeff")) || !bytes.Contains(buf.Bytes(), []byte("\r\n")) {
		t.Errorf("CSV without a byte-order mark or CRLF: %q", buf.String()[:40])
	}
	recs, err := csv.NewReader(bytes.NewReader(buf.Bytes()[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	kept := 0
	for _, r := range recs[1:] {
		if strings.HasPrefix(r[1], `="0`) {
			kept++
		}
	}
	if kept == 0 {
		t.Errorf("no ID number kept as text for Excel")
	}
}

// The filters: status, hamlet, rule, age; unknown fields and rules.
func TestExportFilters(t *testing.T) {
	s, _ := newCommune(t, 400)
	all := persons(t, s)
	count := func(o report.ExportOptions) int {
		t.Helper()
		n, err := report.WritePersonsCSV(&bytes.Buffer{}, s, o)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	living, dead := 0, 0
	for _, p := range all {
		switch p.Get(storage.FieldStatus) {
		case storage.StatusLiving:
			living++
		case storage.StatusDead:
			dead++
		}
	}
	if n := count(report.ExportOptions{Status: "living"}); n != living {
		t.Errorf("living: %d, want %d", n, living)
	}
	if n := count(report.ExportOptions{Status: "dead"}); n != dead {
		t.Errorf("dead: %d, want %d", n, dead)
	}
	// A hamlet: the persons whose address names it.
	hamlet := ""
	for _, p := range all {
		if h := storage.HamletOf(&p); h != "" {
			hamlet = h
			break
		}
	}
	inHamlet := count(report.ExportOptions{Hamlet: hamlet})
	if inHamlet == 0 || inHamlet >= len(all) {
		t.Errorf("hamlet %q: %d of %d", hamlet, inHamlet, len(all))
	}
	// A rule: the persons of the worklist's items.
	w, err := report.Quality(s, report.QualityOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, it := range w.Items {
		if it.Rule == report.RuleMissingField {
			ids[it.PersonID] = true
		}
	}
	if n := count(report.ExportOptions{Rule: report.RuleMissingField}); n != len(ids) || n == 0 {
		t.Errorf("rule %s: %d persons, want %d", report.RuleMissingField, n, len(ids))
	}
	from, to := 0, 14
	children := count(report.ExportOptions{AgeFrom: &from, AgeTo: &to})
	if children == 0 || children >= len(all) {
		t.Errorf("aged 0–14: %d of %d", children, len(all))
	}
	for _, o := range []report.ExportOptions{{Fields: []string{"colour"}}, {Rule: "no_such_rule"}, {Status: "asleep"}} {
		if _, err := report.WritePersonsCSV(&bytes.Buffer{}, s, o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
	var buf bytes.Buffer
	n, err := report.WriteHouseholdsXLSX(&buf, s, report.HouseholdOptions{})
	if err != nil || n == 0 {
		t.Fatalf("households: %d %v", n, err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows(f.GetSheetName(0))
	if len(rows) != n+1 || rows[0][0] != "Số hộ" {
		t.Errorf("households sheet: %d rows for %d households, header %v", len(rows), n, rows[0])
	}
}
