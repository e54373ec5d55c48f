package storage

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/communekit/communekit/assets/i18n"
)

// TestMessageKeys_AreInBothBundlesWithTheSamePlaceholders reads storage's
// sources for the message keys they use ("problem.…") and checks that
// each is in vi.json and in en.json (not only through the fallback to
// Vietnamese), formatting the same arguments with the same verbs; and
// that every "problem." key of the bundles is used, so none is left
// behind when a message goes.
func TestMessageKeys_AreInBothBundlesWithTheSamePlaceholders(t *testing.T) {
	c, err := i18n.Default()
	if err != nil {
		t.Fatal(err)
	}
	lit := regexp.MustCompile(`"(problem\.[a-z0-9_.]+)"`)
	used := map[string]string{} // key → a file using it
	err = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range lit.FindAllStringSubmatch(string(src), -1) {
			used[m[1]] = path
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(used) < 50 {
		t.Fatalf("found only %d keys in storage's sources: %v", len(used), used)
	}
	for k, path := range used {
		vi, okVi := c.Template(i18n.Vietnamese, k)
		if !okVi || !c.Has(i18n.English, k) {
			t.Errorf("%s uses %q, which is missing from vi.json (%v) or en.json (%v)", path, k, okVi, c.Has(i18n.English, k))
			continue
		}
		en, _ := c.Template(i18n.English, k)
		if pv, pe := i18n.Placeholders(vi), i18n.Placeholders(en); !slices.Equal(pv, pe) {
			t.Errorf("%s: vi formats its arguments as %q, en as %q", k, pv, pe)
		}
	}
	for _, k := range c.Keys(i18n.Vietnamese) {
		if _, ok := used[k]; strings.HasPrefix(k, "problem.") && !ok {
			t.Errorf("%q is in the bundles but storage does not use it", k)
		}
	}
	// The English words of a file refused outright begin as the error
	// callers match with errors.Is.
	if en, _ := c.Template(i18n.English, "problem.stopped.header"); !strings.HasPrefix(en, ErrBadCSV.Error()+": ") {
		t.Errorf("problem.stopped.header in English is %q, not %q then the reason", en, ErrBadCSV.Error())
	}
}
