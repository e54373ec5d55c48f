package paper_test

import (
	"bytes"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/communekit/communekit/internal/golden"
	"github.com/communekit/communekit/storage/paper"
)

var updateWords = flag.Bool("update-words", false, "rewrite testdata/words.golden")

// TestWords_KeepTheirTextInBothLanguages says every printed word of the
// sheets in Vietnamese, English and an unknown language (which reads
// Vietnamese), and the text of a household sheet, a hamlet's round and a
// person sheet in both languages (the record's identifier, which differs
// from run to run, masked, and its line's spacing with it). The golden file was written by the code that
// held both languages in a Go table, before the words moved to the
// bundles of assets/i18n; the test keeps every text byte for byte.
func TestWords_KeepTheirTextInBothLanguages(t *testing.T) {
	tools(t)
	var b strings.Builder
	for _, lang := range []string{"vi", "en", "fr"} {
		for _, w := range paper.Words(lang) {
			fmt.Fprintf(&b, "%s\t%s\n", lang, w)
		}
	}
	s := newStore(t)
	ms := bigHousehold(t, s)
	h, err := paper.LoadHousehold(s, "0769-000022")
	if err != nil {
		t.Fatal(err)
	}
	r, err := paper.LoadHamlet(s, "Thôn Sủng Là")
	if err != nil {
		t.Fatal(err)
	}
	pp, err := paper.LoadPerson(s, ms[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"vi", "en"} {
		o := paper.Options{Lang: lang, Commune: commune, Printed: printed}
		for _, sheet := range []struct {
			name  string
			write func(*bytes.Buffer) error
		}{
			{"household", func(w *bytes.Buffer) error { return paper.WriteHouseholds(w, []*paper.Household{h}, o) }},
			{"round", func(w *bytes.Buffer) error { return paper.WriteRound(w, r, o) }},
			{"person", func(w *bytes.Buffer) error { return paper.WritePerson(w, pp, o) }},
		} {
			var buf bytes.Buffer
			if err := sheet.write(&buf); err != nil {
				t.Fatal(err)
			}
			text := strings.Join(pdfPages(t, buf.Bytes()), "\f")
			// The identifier's width moves the text pdftotext lays out
			// before it: its line keeps single spaces.
			lines := strings.Split(text, "\n")
			for i, l := range lines {
				if strings.Contains(l, ms[1].ID.String()) {
					lines[i] = strings.Join(strings.Fields(strings.ReplaceAll(l, ms[1].ID.String(), "<record>")), " ")
				}
			}
			text = strings.Join(lines, "\n")
			fmt.Fprintf(&b, "=== %s %s\n%s\n", sheet.name, lang, text)
		}
	}
	path := filepath.Join("testdata", "words.golden")
	golden.Check(t, path, b.String(), *updateWords)
}
