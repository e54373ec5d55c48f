package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestReportNode_DistrictTablesFromANode: three communes' laptops sync
// their generated persons to a node; the district profile's `report stats
// --node --commune C --json` prints exactly what that laptop's `report
// stats --json` prints, the district's total is the sum of the laptops',
// `report progress` shows each device's last batch, and nothing printed
// holds a name or ID number of the generated persons.
func TestReportNode_DistrictTablesFromANode(t *testing.T) {
	const pass = "mật khẩu thử nghiệm"
	t.Setenv("COMMUNEKIT_PASSPHRASE", pass)
	t.Setenv("COMMUNEKIT_WORK_FACTOR", "10")
	dir := t.TempDir()
	at := func(name string) string { return filepath.Join(dir, name) }
	kitctl := func(profile string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(append([]string{"--profile", at(profile)}, args...), strings.NewReader(""), &out, &errb)
		return code, out.String(), errb.String()
	}
	must := func(profile string, args ...string) string {
		t.Helper()
		code, stdout, stderr := kitctl(profile, args...)
		if code != 0 {
			t.Fatalf("kitctl --profile %s %s: exit %d\n%s%s", profile, strings.Join(args, " "), code, stdout, stderr)
		}
		return stdout
	}
	must("d", "district", "init", "--name", "Cụm Mèo Vạc")
	n := startTestNode(t, at("d"), at("n1"), pass)

	communes := []string{"00769", "03004", "12472"}
	devices := map[string]string{}
	var csvs []string
	for i, c := range communes {
		p := "p" + c
		must(p, "init", "--commune", c, "--officer", []string{"Nguyễn Thị Lan", "Lò Văn Minh", "Vàng Seo Dìn"}[i])
		gen := must(p, "generate", "--persons", []string{"250", "300", "350"}[i], "--seed", []string{"3", "5", "9"}[i])
		os.WriteFile(at(p+".csv"), []byte(gen), 0o644)
		csvs = append(csvs, gen)
		must(p, "import", "persons", at(p+".csv"))
		var req struct{ Device string }
		json.Unmarshal([]byte(must(p, "--json", "enrol", "request", "--out", at(p+".req"))), &req)
		devices[c] = req.Device
		must("d", "enrol", "sign", at(p+".req"), "--commune", c, "--out", at(p+".cert"))
		must(p, "enrol", "install", at(p+".cert"))
		must(p, "sync", "--node", n.Addr())
	}

	type stats struct {
		Population struct{ Total int } `json:"population"`
		Records    struct{ Total int } `json:"records"`
		Households struct{ Total int } `json:"households"`
	}
	var sum stats
	var printed []string
	for _, c := range communes {
		own := must("p"+c, "--json", "report", "stats", "--at", "2026-12-31")
		got := must("d", "--json", "report", "stats", "--node", n.Addr(), "--commune", c, "--at", "2026-12-31")
		if got != own {
			t.Errorf("commune %s: the node's\n%s\nthe laptop's\n%s", c, got, own)
		}
		var s stats
		if err := json.Unmarshal([]byte(own), &s); err != nil {
			t.Fatal(err)
		}
		sum.Population.Total += s.Population.Total
		sum.Records.Total += s.Records.Total
		sum.Households.Total += s.Households.Total
		printed = append(printed, got)
	}
	// Without --commune, --node means --all; generated persons live in
	// their commune only, so each counts once either way.
	all := must("d", "--json", "report", "stats", "--node", n.Addr(), "--at", "2026-12-31")
	if again := must("d", "--json", "report", "stats", "--node", n.Addr(), "--all", "--at", "2026-12-31"); again != all {
		t.Errorf("--all differs from no --commune:\n%s\n%s", again, all)
	}
	var s stats
	if err := json.Unmarshal([]byte(all), &s); err != nil {
		t.Fatal(err)
	}
	if s != sum || s.Population.Total < 800 {
		t.Errorf("the district: %+v; the sum of the laptops: %+v", s, sum)
	}
	if !strings.Contains(all, `"commune": ""`) || !strings.Contains(all, `"age_to": null`) {
		t.Errorf("the district's JSON is not the laptop's shape:\n%.400s", all)
	}
	// The same tables as documents: the district's total in the workbook,
	// a PDF that is one.
	docs := t.TempDir()
	if d := os.Getenv("REPORT_DOC_DIR"); d != "" {
		docs = d
	}
	must("d", "report", "stats", "--node", n.Addr(), "--at", "2026-12-31", "--xlsx", filepath.Join(docs, "huyen.xlsx"))
	must("d", "report", "stats", "--node", n.Addr(), "--at", "2026-12-31", "--pdf", filepath.Join(docs, "huyen.pdf"))
	wb, err := excelize.OpenFile(filepath.Join(docs, "huyen.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := wb.GetRows(wb.GetSheetList()[0], excelize.Options{RawCellValue: true})
	wb.Close()
	if err != nil {
		t.Fatal(err)
	}
	foundTotal := false
	for _, r := range rows {
		for _, c := range r {
			foundTotal = foundTotal || c == strconv.Itoa(s.Population.Total)
		}
	}
	if !foundTotal {
		t.Errorf("the district's workbook does not hold its total %d: %q", s.Population.Total, rows)
	}
	if b, err := os.ReadFile(filepath.Join(docs, "huyen.pdf")); err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Errorf("report stats --node --pdf: %.20q %v", b, err)
	}
	text := must("d", "report", "stats", "--node", n.Addr(), "--commune", "00769", "--lang", "en")
	if !strings.Contains(text, "Population pyramid") || !strings.Contains(text, "Computed on the district's state by node n1") {
		t.Errorf("report stats --node in words:\n%s", text)
	}
	printed = append(printed, all, text)

	prog := must("d", "--json", "report", "progress", "--node", n.Addr(), "--at", "2026-12-31")
	var pr struct {
		Clock    string `json:"clock"`
		Leader   bool   `json:"leader"`
		Communes []struct {
			Commune       string  `json:"commune"`
			Persons       int     `json:"persons"`
			Completeness  float64 `json:"completeness_percent"`
			OpenConflicts int     `json:"open_conflicts"`
			Devices       []string
		} `json:"communes"`
		Total   struct{ Persons int } `json:"total"`
		Devices []struct {
			Device     string
			LastBatch  uint64  `json:"last_batch"`
			AcceptedAt *string `json:"accepted_at"`
			AgeSeconds *int64  `json:"age_seconds"`
		} `json:"devices"`
	}
	if err := json.Unmarshal([]byte(prog), &pr); err != nil {
		t.Fatal(err)
	}
	if pr.Clock != "n1" || !pr.Leader || len(pr.Communes) != 3 || pr.Total.Persons != sum.Population.Total || len(pr.Devices) != 3 {
		t.Fatalf("progress:\n%s", prog)
	}
	for i, row := range pr.Communes {
		if row.Commune != communes[i] || len(row.Devices) != 1 || row.Devices[0] != devices[row.Commune] || row.Persons == 0 || row.Completeness <= 0 {
			t.Errorf("row %+v", row)
		}
	}
	for _, d := range pr.Devices {
		if d.LastBatch == 0 || d.AcceptedAt == nil || d.AgeSeconds == nil || *d.AgeSeconds < 0 {
			t.Errorf("device %+v", d)
		}
	}
	words := must("d", "report", "progress", "--node", n.Addr())
	for _, want := range []string{"Tiến độ nhập liệu — Cụm Mèo Vạc", "giờ của nút dẫn đầu n1", devices["00769"], "Toàn huyện"} {
		if !strings.Contains(words, want) {
			t.Errorf("report progress in words lacks %q:\n%s", want, words)
		}
	}
	t.Logf("kitctl report progress:\n%s", words)
	printed = append(printed, prog, words)

	// No name, no ID number: every value of those columns of the
	// generated files, searched in everything printed.
	checked := 0
	for _, f := range csvs {
		rows, err := csv.NewReader(strings.NewReader(f)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for j, col := range rows[0] {
			if !strings.HasSuffix(col, "name") && !strings.HasSuffix(col, "id_number") && col != "phone" && col != "other_names" {
				continue
			}
			for _, r := range rows[1:] {
				v := r[j]
				if len(v) < 4 {
					continue
				}
				checked++
				for _, out := range printed {
					if strings.Contains(out, v) {
						t.Fatalf("kitctl printed %s %q of a generated person", col, v)
					}
				}
			}
		}
	}
	if checked < 1000 {
		t.Errorf("only %d names and numbers checked", checked)
	}

	// Usage mistakes, and a commune laptop cannot ask.
	for _, args := range [][]string{
		{"report", "stats", "--node", n.Addr(), "--commune", "00769", "--all"},
		{"report", "stats", "--node", n.Addr(), "--commune", "Lũng Cú"},
		{"report", "stats", "--node", n.Addr(), "--from", "2026-01-01"},
		{"report", "progress"},
	} {
		if code, _, stderr := kitctl("d", args...); code != 2 || stderr == "" {
			t.Errorf("%v: exit %d %s", args, code, stderr)
		}
	}
	if code, _, stderr := kitctl("p00769", "report", "stats", "--node", n.Addr()); code == 0 || !strings.Contains(stderr, "district") {
		t.Errorf("a commune profile asked the district's tables: exit %d %s", code, stderr)
	}
}
