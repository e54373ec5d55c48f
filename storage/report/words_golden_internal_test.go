package report

import (
	"bytes"
	"flag"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/communekit/communekit/assets/i18n"
	"github.com/communekit/communekit/internal/golden"
	"github.com/communekit/communekit/storage"
)

var updateWords = flag.Bool("update-words", false, "rewrite testdata/words.golden")

// wordKeys are the keys Word knows: those of the bundles under wordPrefix.
func wordKeys(t *testing.T) []string {
	c, err := i18n.Default()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, k := range c.Keys(i18n.Vietnamese) {
		if strings.HasPrefix(k, wordPrefix) {
			keys = append(keys, strings.TrimPrefix(k, wordPrefix))
		}
	}
	sort.Strings(keys)
	return keys
}

// TestWords_KeepTheirTextInBothLanguages says every fixed word, the labels
// of the completeness table, and the headings and sheet names of the
// workbooks (persons, households, refused rows) in both languages, one
// line each: what, Vietnamese, English. The golden file was written by
// the code that held both languages in Go tables, before the words moved
// to the bundles of assets/i18n (keys report.…); the test keeps every text byte for byte.
func TestWords_KeepTheirTextInBothLanguages(t *testing.T) {
	var b strings.Builder
	line := func(what string, say func(lang string) string) {
		fmt.Fprintf(&b, "%s\t%s\t%s\n", what, say("vi"), say("en"))
	}
	for _, k := range wordKeys(t) {
		line("word:"+k, func(l string) string { return Word(k, l) })
	}
	line("label:religion/00", func(l string) string { return Label(DimReligion, "00", l) })
	line("label:age/6-14", func(l string) string { return Label(DimAge, "6-14", l) })
	line("fieldlabel:address", func(l string) string { return FieldLabel("address", l) })
	for _, f := range storage.Fields() {
		line("fieldlabel:"+f.String(), func(l string) string { return FieldLabel(f.String(), l) })
	}
	line("word:unknown-key", func(l string) string { return Word("unknown-key", l) })
	line("word:fr", func(string) string { return Word("population", "fr") })

	s, err := storage.Create(filepath.Join(t.TempDir(), "p"), []byte("mật khẩu thử nghiệm"),
		storage.Profile{Commune: "00769", Officer: "Nguyễn Thị Lan"}, storage.Options{WorkFactor: 10, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	heads := map[string][]string{}
	for _, lang := range []string{"vi", "en"} {
		var pb, hb, rb bytes.Buffer
		if _, err := WritePersonsXLSX(&pb, s, ExportOptions{Lang: lang, Fields: []string{PersonIDColumn, "full_name", "sex"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := WriteHouseholdsXLSX(&hb, s, HouseholdOptions{Lang: lang}); err != nil {
			t.Fatal(err)
		}
		rf := NewRefusedBook(lang)
		rf.Header([]storage.ImportColumn{{Header: "Họ và tên", Index: 0}})
		if _, err := rf.WriteTo(&rb); err != nil {
			t.Fatal(err)
		}
		rf.Close()
		for _, w := range []struct {
			name string
			b    *bytes.Buffer
		}{{"persons", &pb}, {"households", &hb}, {"refused", &rb}} {
			f, err := excelize.OpenReader(w.b)
			if err != nil {
				t.Fatal(err)
			}
			sheet := f.GetSheetList()[0]
			rows, err := f.GetRows(sheet)
			if err != nil {
				t.Fatal(err)
			}
			f.Close()
			h := []string{sheet}
			if len(rows) > 0 {
				h = append(h, rows[0]...)
			}
			heads[w.name] = append(heads[w.name], strings.Join(h, " | "))
		}
	}
	for _, n := range []string{"persons", "households", "refused"} {
		fmt.Fprintf(&b, "xlsx:%s\t%s\t%s\n", n, heads[n][0], heads[n][1])
	}

	path := filepath.Join("testdata", "words.golden")
	golden.Check(t, path, b.String(), *updateWords)
}
