package i18n

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	files "github.com/communekit/communekit/assets/i18n"
)

func TestFiles_HaveTheSameKeysAndVerbs(t *testing.T) {
	b := MustLoad()
	vi, en := b.Keys(Vietnamese), b.Keys(English)
	if !slices.Equal(vi, en) {
		t.Fatalf("vi.json and en.json differ in keys:\nvi only: %v\nen only: %v", minus(vi, en), minus(en, vi))
	}
	// The same arguments with the same verbs, whatever their order
	// (an English template may use explicit indexes, %[2]s).
	for _, k := range vi {
		b.SetLang(Vietnamese)
		v := files.Placeholders(b.T(k))
		b.SetLang(English)
		e := files.Placeholders(b.T(k))
		if !slices.Equal(v, e) {
			t.Errorf("%s: vi formats its arguments as %q, en as %q", k, v, e)
		}
	}
}

// TestEveryKeyUsedIsTranslated reads the app's sources for T("key") and
// checks that each key is in the files, so no screen shows a raw key.
func TestEveryKeyUsedIsTranslated(t *testing.T) {
	b := MustLoad()
	keys := map[string]bool{}
	for _, k := range b.Keys(Vietnamese) {
		keys[k] = true
	}
	lit := regexp.MustCompile(`\bT\("([a-z_.]+)"`)
	root := filepath.Join("..")
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range lit.FindAllStringSubmatch(string(src), -1) {
			k := m[1]
			if strings.HasSuffix(k, ".") {
				continue // a prefix completed at run time; see below
			}
			if !keys[k] {
				t.Errorf("%s uses %q, which is not in vi.json", path, k)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"event.register", "event.correction", "event.birth", "event.death", "event.move_in", "event.move_out",
		"event.temporary_residence", "event.temporary_absence", "event.household_split", "event.household_merge",
		"form.title.new.register", "form.title.new.birth", "form.title.new.move_in",
		"household_field.household_number", "household_field.address_code", "household_field.address_detail", "household_field.head_id"} {
		if !keys[k] {
			t.Errorf("%q is built at run time but missing from vi.json", k)
		}
	}
}

func TestSetLang_SwitchesAndTellsListeners(t *testing.T) {
	b := MustLoad()
	if got := b.T("nav.search"); got != "Tìm kiếm" {
		t.Fatalf("default language gives %q, want Vietnamese", got)
	}
	called := 0
	b.OnChange(func() { called++ })
	b.SetLang(English)
	if got := b.T("nav.search"); got != "Search" || called != 1 {
		t.Fatalf("after SetLang(en): %q, %d calls", got, called)
	}
	b.SetLang("fr")
	if b.Lang() != English || called != 1 {
		t.Fatalf("unknown language changed state: %s, %d calls", b.Lang(), called)
	}
	if got := b.T("no.such.key"); got != "no.such.key" {
		t.Fatalf("missing key gives %q", got)
	}
}

func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}
