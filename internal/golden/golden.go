// Package golden compares what a test produced with a golden file, line
// by line, and writes the file anew when the test is run with its update
// flag. Only tests import it.
package golden

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Check fails t where got differs from the file at path, naming each
// differing line (up to ten); with update it first writes got there.
func Check(t testing.TB, path, got string, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got == string(want) {
		return
	}
	g, w := strings.Split(got, "\n"), strings.Split(string(want), "\n")
	n := 0
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl == wl {
			continue
		}
		if n++; n > 10 {
			t.Errorf("%s: more lines differ", path)
			return
		}
		t.Errorf("%s, line %d:\n got %q\nwant %q", path, i+1, gl, wl)
	}
}
