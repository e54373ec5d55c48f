package storage

import (
	"flag"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/communekit/communekit/internal/golden"
)

var updateFieldLabels = flag.Bool("update-field-labels", false, "rewrite testdata/fieldlabels.golden")

// TestFieldLabels_KeepTheirTextAndHeadings says every field's label in
// Vietnamese, English and an unknown language (which reads Vietnamese),
// an invalid field's, and every heading the import recognises (folded)
// with the field it names. The golden file was written by the code that
// held both languages in a Go table, before the labels moved to the
// bundles of assets/i18n; the test keeps every label byte for byte and
// the import's headings as they were.
func TestFieldLabels_KeepTheirTextAndHeadings(t *testing.T) {
	var b strings.Builder
	for _, f := range Fields() {
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\t%s\n", f, f.Label("vi"), f.Label("en"), f.Label("fr"), f.Localize("en"))
	}
	fmt.Fprintf(&b, "invalid\t%s\t%s\n", Field(0).Label("vi"), Field(200).Label("en"))
	keys := make([]string, 0, len(headerIndex))
	for k := range headerIndex {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name := "-"
		if f := headerIndex[k]; f != skipField {
			name = f.String()
		}
		fmt.Fprintf(&b, "heading\t%s\t%s\n", k, name)
	}
	for _, f := range Fields() {
		for _, lang := range []string{"vi", "en"} {
			if g, skip, ok := FieldByHeader(f.Label(lang)); !ok || skip || g != f {
				t.Errorf("%s: heading %q reads as %v (skip %v, ok %v)", f, f.Label(lang), g, skip, ok)
			}
		}
	}

	path := filepath.Join("testdata", "fieldlabels.golden")
	golden.Check(t, path, b.String(), *updateFieldLabels)
}
