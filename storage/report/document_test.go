package report_test

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/communekit/communekit/storage/office"
	"github.com/communekit/communekit/storage/report"
	"github.com/xuri/excelize/v2"
)

func openXLSX(t *testing.T, write func(*bytes.Buffer) error) *excelize.File {
	t.Helper()
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(t.TempDir(), "r.xlsx")
	if err := os.WriteFile(name, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if keep := os.Getenv("REPORT_DOC_DIR"); keep != "" {
		os.WriteFile(filepath.Join(keep, strings.ReplaceAll(t.Name(), "/", "_")+".xlsx"), buf.Bytes(), 0o644)
	}
	f, err := excelize.OpenFile(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func sheetRows(t *testing.T, f *excelize.File, sheet string) [][]string {
	t.Helper()
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// tableAt finds the table titled title (the n-th of that title) in rows
// and returns its rows, label -> count, up to its total, and the total.
func tableAt(t *testing.T, rows [][]string, title string, n int) (map[string]int, int) {
	t.Helper()
	for i, r := range rows {
		if len(r) != 1 || r[0] != title {
			continue
		}
		if n > 0 {
			n--
			continue
		}
		got := map[string]int{}
		for _, r := range rows[i+2:] {
			if len(r) < 2 {
				break
			}
			c, err := strconv.Atoi(r[1])
			if err != nil {
				t.Fatalf("table %q: %q is not a count", title, r)
			}
			if r[0] == report.Word("total", "vi") || r[0] == report.Word("total", "en") {
				return got, c
			}
			got[r[0]] += c
		}
		t.Fatalf("table %q has no total row", title)
	}
	t.Fatalf("no table %q", title)
	return nil, 0
}

// The statistics' workbook, opened back with excelize, holds every number
// of report.Stats: each table row by row and its total, the pyramid, the
// usual groups, the events; the dates are dates.
func TestStatsXLSX_HoldsEveryTable(t *testing.T) {
	s, ck := newCommune(t, 1500)
	events(t, s, ck)
	for _, lang := range []string{"vi", "en"} {
		t.Run(lang, func(t *testing.T) {
			st, err := report.Stats(s, report.StatsOptions{At: report.DateOf(day(2027, 1, 5)), Commune: commune})
			if err != nil {
				t.Fatal(err)
			}
			f := openXLSX(t, func(b *bytes.Buffer) error { return st.WriteXLSX(b, lang) })
			word := func(k string) string { return report.Word(k, lang) }
			if got, want := f.GetSheetList(), []string{word("sheet_population"), word("sheet_households"), word("sheet_events")}; fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("sheets %q, want %q", got, want)
			}
			pop := sheetRows(t, f, word("sheet_population"))
			hh := sheetRows(t, f, word("sheet_households"))
			seen := map[string]int{}
			for _, nt := range st.Tables() {
				if nt.T.Dim == report.DimSex && nt.T != &st.Population.BySex {
					continue
				}
				title, rows, inPop := word(nt.Title), pop, true
				switch nt.T {
				case &st.Records.ByStatus:
					title = word("records")
				case &st.Households.BySize, &st.Households.ByHamlet, &st.Households.ByHeadSex:
					rows, inPop = hh, false
				}
				n := 0
				if inPop {
					n = seen[title]
					seen[title]++
				}
				got, total := tableAt(t, rows, title, n)
				want := map[string]int{}
				for _, r := range nt.T.Rows {
					want[report.Label(nt.T.Dim, r.Key, lang)] += r.Count
				}
				if fmt.Sprint(got) != fmt.Sprint(want) || total != nt.T.Total {
					t.Errorf("%s: got %v total %d, want %v total %d", title, got, total, want, nt.T.Total)
				}
			}
			// The pyramid: male, female and their sum per group.
			got, total := tableAt(t, pop, word("pyramid"), 0)
			half := len(st.Population.BySexAge) / 2
			men := 0
			for i := 0; i < half; i++ {
				m := st.Population.BySexAge[i]
				label := strconv.Itoa(m.AgeFrom) + "+"
				if m.AgeTo != nil {
					label = strconv.Itoa(m.AgeFrom) + "–" + strconv.Itoa(*m.AgeTo)
				}
				if got[label] != m.Count {
					t.Errorf("pyramid %s: men %d, want %d", label, got[label], m.Count)
				}
				men += m.Count
			}
			if total != men {
				t.Errorf("pyramid: men's total %d, want %d", total, men)
			}
			for i, r := range pop {
				if len(r) > 2 && r[0] == "0–4" {
					w, _ := strconv.Atoi(r[2])
					if w != st.Population.BySexAge[half].Count {
						t.Errorf("pyramid 0–4 women %d at row %d, want %d", w, i, st.Population.BySexAge[half].Count)
					}
					break
				}
			}
			// The usual groups.
			for _, g := range st.Population.UsualGroups {
				if !hasRow(pop, report.Word(g.Key, lang), strconv.Itoa(g.Count)) {
					t.Errorf("usual group %s: no row with %d", g.Key, g.Count)
				}
			}
			// The events, by sex.
			ev := sheetRows(t, f, word("sheet_events"))
			for _, nt := range st.Tables() {
				if nt.T.Dim != report.DimSex || nt.T == &st.Population.BySex {
					continue
				}
				m, fe := 0, 0
				for _, r := range nt.T.Rows {
					switch r.Key {
					case report.SexMale:
						m = r.Count
					case report.SexFemale:
						fe = r.Count
					}
				}
				if !hasRow(ev, word(nt.Title), strconv.Itoa(m), strconv.Itoa(fe)) {
					t.Errorf("events %s: no row %d %d in %q", nt.Title, m, fe, ev)
				}
			}
			// The reference date is a date cell.
			isDate(t, f, word("sheet_population"), "B2", st.ReferenceDate)
			isDate(t, f, word("sheet_events"), "C3", st.Events.To)
		})
	}
}

func hasRow(rows [][]string, cells ...string) bool {
	for _, r := range rows {
		if len(r) >= len(cells) && fmt.Sprint(r[:len(cells)]) == fmt.Sprint(cells) {
			return true
		}
	}
	return false
}

// isDate checks that a cell holds d as a date: Excel's day number, shown
// dd/mm/yyyy.
func isDate(t *testing.T, f *excelize.File, sheet, cell string, d report.Date) {
	t.Helper()
	shown, _ := f.GetCellValue(sheet, cell)
	if shown != d.Vietnamese() {
		t.Errorf("%s!%s shows %q, want %s", sheet, cell, shown, d.Vietnamese())
	}
	raw, _ := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
	if _, err := strconv.Atoi(raw); err != nil {
		t.Errorf("%s!%s holds %q, not a day number", sheet, cell, raw)
	}
}

// The worklist's workbook: every item in order with its ID number as text
// (leading zeros kept), and the completeness tables.
func TestQualityXLSX_HoldsTheWorklist(t *testing.T) {
	s, _ := newCommune(t, 1500)
	wl := worklist(t, s, report.QualityOptions{At: qualityAt, Commune: commune})
	f := openXLSX(t, func(b *bytes.Buffer) error { return wl.WriteXLSX(b, "vi") })
	word := func(k string) string { return report.Word(k, "vi") }
	rows := sheetRows(t, f, word("sheet_worklist"))
	if len(rows) != len(wl.Items)+3 {
		t.Fatalf("%d rows for %d items", len(rows), len(wl.Items))
	}
	zeros := 0
	for i, it := range wl.Items {
		r := append(rows[i+3], make([]string, 9)...)
		want := []string{word(it.Rule), it.PersonID, it.IDNumber, it.HouseholdNumber, it.Name, it.Hamlet, report.FieldLabel(it.Field, "vi"), it.Message("vi"), it.Rule}
		if it.Hamlet == "" {
			want[5] = word("hamlet_none")
		}
		if fmt.Sprint(r[:9]) != fmt.Sprint(want) {
			t.Fatalf("item %d: %q, want %q", i, r[:9], want)
		}
		if strings.HasPrefix(it.IDNumber, "0") {
			zeros++
			cell := "C" + strconv.Itoa(i+4)
			if ct, _ := f.GetCellType(word("sheet_worklist"), cell); ct == excelize.CellTypeNumber {
				t.Errorf("%s: an ID number stored as a number", cell)
			}
		}
	}
	if zeros == 0 {
		t.Error("no ID number with a leading zero was checked")
	}
	isDate(t, f, word("sheet_worklist"), "B2", wl.ReferenceDate)

	byField := sheetRows(t, f, word("sheet_by_field"))
	for _, fc := range wl.Completeness.Fields {
		if !hasRow(byField, report.FieldLabel(fc.Field, "vi"), strconv.Itoa(fc.Filled), strconv.Itoa(fc.Of)) {
			t.Errorf("field %s: no row %d/%d", fc.Field, fc.Filled, fc.Of)
		}
	}
	byHamlet := sheetRows(t, f, word("sheet_by_hamlet"))
	for _, h := range wl.Completeness.Hamlets {
		name := h.Hamlet
		if name == "" {
			name = word("hamlet_none")
		}
		cells := []string{name, strconv.Itoa(h.Persons), strconv.Itoa(h.CompleteRecords)}
		if !hasRow(byHamlet, cells...) {
			t.Errorf("hamlet %q: no row %q", h.Hamlet, cells)
		}
	}
	// The percentages hold the shares.
	pc, _ := f.GetCellValue(word("sheet_by_field"), "C5", excelize.Options{RawCellValue: true})
	if v, err := strconv.ParseFloat(pc, 64); err != nil || abs(v-wl.Completeness.Percent/100) > 1e-9 {
		t.Errorf("completeness %q, want %v", pc, wl.Completeness.Percent/100)
	}
}

func abs(x float64) float64 { return max(x, -x) }

// renderPDF converts a PDF to PNG pages (pdftoppm at dpi) and its text
// (pdftotext); it skips when poppler-utils is not installed. With
// REPORT_DOC_DIR set the files are kept there to be looked at.
func renderPDF(t *testing.T, pdf []byte, dpi int) ([]image.Image, string) {
	t.Helper()
	for _, tool := range []string{"pdftoppm", "pdftotext"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (Debian: poppler-utils, which `make deps` installs): the PDF's pages are not checked", tool)
		}
	}
	dir := t.TempDir()
	if keep := os.Getenv("REPORT_DOC_DIR"); keep != "" {
		dir = filepath.Join(keep, strings.ReplaceAll(t.Name(), "/", "_"))
		os.MkdirAll(dir, 0o755)
	}
	in := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdftoppm", "-png", "-r", strconv.Itoa(dpi), in, filepath.Join(dir, "page")).CombinedOutput(); err != nil || len(out) > 0 {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	txt, err := exec.Command("pdftotext", "-layout", in, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "page-*.png"))
	sort.Slice(files, func(i, j int) bool {
		return len(files[i]) < len(files[j]) || len(files[i]) == len(files[j]) && files[i] < files[j]
	})
	var pages []image.Image
	for _, name := range files {
		fh, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(fh)
		fh.Close()
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, img)
	}
	return pages, string(txt)
}

func near(c uint32, v int) bool { return abs(float64(int(c>>8)-v)) <= 6 }

// bars measures, top to bottom, the bars drawn in colour c on a page:
// each a run of rows at least minH pixels high, and its width in pixels.
func bars(img image.Image, c [3]int, minH int) []int {
	b := img.Bounds()
	var out []int
	run, width := 0, 0
	for y := b.Min.Y; y <= b.Max.Y; y++ {
		n := 0
		if y < b.Max.Y {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bl, _ := img.At(x, y).RGBA()
				if near(r, c[0]) && near(g, c[1]) && near(bl, c[2]) {
					n++
				}
			}
		}
		if n > 0 {
			run++
			width = max(width, n)
			continue
		}
		if run >= minH {
			out = append(out, width)
		}
		run, width = 0, 0
	}
	return out
}

// The statistics' PDF: its pages converted, each inked; the header and
// page numbers on every page; the pyramid's bars as long as the table
// says; the tables' numbers in the text; in Vietnamese and in English.
func TestStatsPDF_Pages(t *testing.T) {
	s, ck := newCommune(t, 1500)
	events(t, s, ck)
	st, err := report.Stats(s, report.StatsOptions{At: report.DateOf(day(2027, 1, 5)), Commune: commune})
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"vi", "en"} {
		t.Run(lang, func(t *testing.T) {
			var buf bytes.Buffer
			if err := st.WritePDF(&buf, lang); err != nil {
				t.Fatal(err)
			}
			const dpi = 100
			pages, text := renderPDF(t, buf.Bytes(), dpi)
			// 1,500 persons: the summary and pyramid, then the tables.
			if len(pages) < 3 || len(pages) > 8 {
				t.Errorf("%d pages", len(pages))
			}
			for i, p := range pages {
				if ink := inked(p); ink < 0.02 {
					t.Errorf("page %d is nearly blank (%.3f inked)", i+1, ink)
				}
				foot := fmt.Sprintf("%s %d/%d", report.Word("page", lang), i+1, len(pages))
				if !strings.Contains(text, foot) {
					t.Errorf("no %q in the text", foot)
				}
			}
			place := report.Place(commune, lang)
			if n := strings.Count(text, place); n < len(pages) {
				t.Errorf("the commune %q is named %d times on %d pages", place, n, len(pages))
			}
			if !strings.Contains(text, report.Word("reference_date", lang)+": 05/01/2027") {
				t.Error("no reference date in the header")
			}
			for _, nt := range st.Tables() {
				if nt.T.Dim == report.DimSex && nt.T != &st.Population.BySex {
					continue
				}
				tot := report.Word("total", lang)
				if !regexp.MustCompile(regexp.QuoteMeta(tot) + `\s+` + regexp.QuoteMeta(num(nt.T.Total, lang)) + `\s`).MatchString(text) {
					t.Errorf("table %s: no total %d", nt.Title, nt.T.Total)
				}
			}

			// The pyramid: bars for the non-empty groups, oldest first,
			// their lengths in the proportion of the counts.
			half := len(st.Population.BySexAge) / 2
			peak := 0
			for _, g := range st.Population.BySexAge {
				peak = max(peak, g.Count)
			}
			pxPerMM := dpi / 25.4
			scale := (210.0-30)/2 - 8 - 14 // mm for the largest bar, as drawn
			for side, c := range [][3]int{office.MenColor, office.WomenColor} {
				var want []int
				for i := half - 1; i >= 0; i-- {
					if n := st.Population.BySexAge[side*half+i].Count; n > 0 {
						want = append(want, n)
					}
				}
				got := bars(pages[0], c, int(3.6*pxPerMM))
				if len(got) != len(want) {
					t.Fatalf("side %d: %d bars, want %d (%v)", side, len(got), len(want), got)
				}
				for i := range want {
					w := float64(want[i]) / float64(peak) * scale * pxPerMM
					if abs(float64(got[i])-w) > 2.5 {
						t.Errorf("side %d bar %d: %d px, want %.1f for %d persons", side, i, got[i], w, want[i])
					}
				}
			}
		})
	}
}

func num(n int, lang string) string {
	s := strconv.Itoa(n)
	sep := "."
	if lang == "en" {
		sep = ","
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + sep + s[i:]
	}
	return s
}

func inked(img image.Image) float64 {
	b := img.Bounds()
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				n++
			}
		}
	}
	return float64(n) / float64(b.Dx()*b.Dy())
}
