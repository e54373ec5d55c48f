package golden

import (
	"path/filepath"
	"testing"
)

// fake records what Check reports.
type fake struct {
	testing.TB
	errors int
}

func (f *fake) Helper()               {}
func (f *fake) Errorf(string, ...any) { f.errors++ }

func TestCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "testdata", "x.golden")
	Check(t, path, "a\nb\n", true) // written, then equal
	f := &fake{TB: t}
	Check(f, path, "a\nb\n", false)
	if f.errors != 0 {
		t.Fatalf("equal: %d errors", f.errors)
	}
	Check(f, path, "a\nc\nd\n", false)
	if f.errors != 2 {
		t.Fatalf("two lines differ: %d errors", f.errors)
	}
}
