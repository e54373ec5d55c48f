package assets

import (
	"bytes"
	"io/fs"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// The conventions README.md promises for every data file.
func TestDataFiles(t *testing.T) {
	names, err := fs.Glob(Data, "data/*.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"data/admin_units_2025.csv", "data/admin_units_pre2025.csv", "data/ethnic_groups.csv",
		"data/id_province_codes.csv", "data/nationalities.csv", "data/religions.csv",
	}
	if len(names) != len(want) {
		t.Errorf("embedded %q, want %q", names, want)
	}
	for _, name := range names {
		b, err := fs.ReadFile(Data, name)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case bytes.HasPrefix(b, []byte("\xef\xbb\xbf")):
			t.Errorf("%s starts with a BOM", name)
		case !norm.NFC.IsNormal(b):
			t.Errorf("%s is not NFC", name)
		case bytes.Contains(b, []byte("\r")):
			t.Errorf("%s has CR line endings", name)
		}
	}
}
