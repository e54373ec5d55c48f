package vm

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/communekit/communekit/app/i18n"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/gen"
)

// testOpts make key derivation cheap: the tests are about the screens.
var testOpts = storage.Options{WorkFactor: 10, GCInterval: -1}

const testPass = "mot hai ba bon nam"

func mustTr(t testing.TB) Tr {
	t.Helper()
	return i18n.MustLoad()
}

// mustStore creates a profile holding a generated commune of n persons.
func mustStore(t testing.TB, n int) *storage.Store {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "profile")
	s, err := storage.Create(dir, []byte(testPass), storage.Profile{Commune: "12472", Officer: "Nguyễn Văn Test"}, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if n == 0 {
		return s
	}
	c, err := gen.Generate(gen.Options{Commune: "12472", Persons: n, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := gen.WriteCSV(&buf, c, 7); err != nil {
		t.Fatal(err)
	}
	rep, err := s.ImportPersons(&buf, storage.ImportOptions{})
	if err != nil || len(rep.Rejected) > 0 {
		t.Fatalf("import: %v %+v", err, rep)
	}
	return s
}

// mustPerson returns some living person with an ID number, and their record.
func mustPerson(t testing.TB, s *storage.Store, query string) *storage.Person {
	t.Helper()
	hits, err := s.Search(query, 1)
	if err != nil || len(hits) == 0 {
		t.Fatalf("search %q: %v, %d hits", query, err, len(hits))
	}
	return hits[0].Person
}

// waitChange waits for the next OnChange of a view model.
func waitChange(t testing.TB, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal("no change within 5 s")
	}
}

func changes(n interface{ OnChange(func()) }) <-chan struct{} {
	ch := make(chan struct{}, 100)
	n.OnChange(func() { ch <- struct{}{} })
	return ch
}
