package i18n

import (
	"slices"
	"testing"
	"testing/fstest"
)

func TestDefault_BothFilesHaveTheSameKeysAndPlaceholders(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	vi, en := c.Keys(Vietnamese), c.Keys(English)
	if !slices.Equal(vi, en) {
		t.Fatalf("vi.json and en.json differ in keys (%d and %d)", len(vi), len(en))
	}
	for _, k := range vi {
		v, _ := c.Template(Vietnamese, k)
		e, _ := c.Template(English, k)
		if pv, pe := Placeholders(v), Placeholders(e); !slices.Equal(pv, pe) {
			t.Errorf("%s: vi formats its arguments as %q, en as %q", k, pv, pe)
		}
	}
}

func TestPlaceholders(t *testing.T) {
	for tmpl, want := range map[string][]string{
		"no verbs, 100%%":            nil,
		"%s có %d chữ số":            {"s", "d"},
		"%[2]s của %[1]s":            {"s", "s"},
		"%s %q (%[2]q) sinh %4d %v":  {"s", "q", "d", "v"},
		"%[1]s … %[3]d before %[2]s": {"s", "s", "d"},
		"%[2]d only":                 {"", "d"},
	} {
		if got := Placeholders(tmpl); !slices.Equal(got, want) {
			t.Errorf("Placeholders(%q) = %q, want %q", tmpl, got, want)
		}
	}
}

type label string

func (l label) Localize(lang string) string { return string(l) + "/" + lang }

func TestCatalog_TSaysLocalizedArgumentsAndNestedMessagesInTheLanguage(t *testing.T) {
	c, err := Parse(fstest.MapFS{
		"vi.json": {Data: []byte(`{"a": "%s: %s", "b": "Hộ %s", "only.vi": "chỉ có tiếng Việt"}`)},
		"en.json": {Data: []byte(`{"a": "%[2]s (%[1]s)", "b": "Household %s"}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	args := []any{label("x"), "y"}
	if got := c.T(English, "a", args...); got != "y (x/en)" {
		t.Errorf("en: %q", got)
	}
	if got := c.T(Vietnamese, "a", args...); got != "x/vi: y" {
		t.Errorf("vi: %q", got)
	}
	if args[0] != label("x") {
		t.Errorf("T changed its arguments: %v", args)
	}
	if got := c.T(English, "only.vi"); got != "chỉ có tiếng Việt" {
		t.Errorf("a key missing in English gives %q, want the Vietnamese", got)
	}
	if got := c.T("fr", "b", "7"); got != "Hộ 7" {
		t.Errorf("an unknown language gives %q, want Vietnamese", got)
	}
	if got := c.T(English, "no.such.key"); got != "no.such.key" {
		t.Errorf("a missing key gives %q", got)
	}
	if _, err := Parse(fstest.MapFS{"vi.json": {Data: []byte(`{`)}, "en.json": {Data: []byte(`{}`)}}); err == nil {
		t.Error("a malformed file parsed")
	}
}

func TestMsg_NestsInTheLanguageOfTheOuterMessage(t *testing.T) {
	// Real keys of the embedded files, so the nesting goes through T.
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	inner := M("households.hamlet_one", "Thôn 1")
	for _, lang := range Languages {
		want, _ := c.Template(lang, "households.hamlet_one")
		if got := c.T(lang, "conflicts.correct", inner); got != c.T(lang, "conflicts.correct", c.T(lang, "households.hamlet_one", "Thôn 1")) || got == want {
			t.Errorf("%s: %q", lang, got)
		}
	}
}
