package storage_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/gen"
)

// TestProfile_NoPlaintextNamesOrIDNumbers imports 10,000 generated persons,
// edits some, closes the store and greps every file of the profile for
// their names and ID numbers, in NFC and NFD, whole and as single words
// that only a person's name would hold.
func TestProfile_NoPlaintextNamesOrIDNumbers(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 10,000 persons")
	}
	dir := filepath.Join(t.TempDir(), "p")
	s := mustCreate(t, dir)
	c, err := gen.Generate(gen.Options{Commune: "12472", Persons: 10000, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	var csv bytes.Buffer
	if err := gen.WriteCSV(&csv, c, 7); err != nil {
		t.Fatal(err)
	}
	rep, err := s.ImportPersons(&csv, storage.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported != 10000 {
		t.Fatalf("imported %d of 10000; first rejection %+v", rep.Imported, rep.Rejected[:min(1, len(rep.Rejected))])
	}
	hits, _ := s.Search("nguyen", 50)
	for _, h := range hits {
		if _, _, err := s.EditPerson(h.Person.ID, storage.Values{storage.FieldOccupation: "Nghề thử " + h.Person.ID.String()}, storage.SaveOptions{Reason: "đối chiếu CCCD"}); err != nil {
			t.Fatal(err)
		}
	}
	mustClose(t, s)

	var needles [][]byte
	seen := map[string]bool{}
	add := func(s string) {
		if len(s) < 6 || seen[s] {
			return
		}
		seen[s] = true
		needles = append(needles, []byte(s))
		if d := norm.NFD.String(s); d != s {
			needles = append(needles, []byte(d))
		}
	}
	for i := range c.Persons {
		p := &c.Persons[i]
		add(p.Get(storage.FieldFullName))
		add(p.Get(storage.FieldIDNumber))
		add(p.Get(storage.FieldOldIDNumber))
	}
	files := 0
	var total int64
	err = filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		total += int64(len(b))
		for _, n := range needles {
			if bytes.Contains(b, n) {
				t.Errorf("%s contains %q in plaintext", strings.TrimPrefix(path, dir), n)
				return nil
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 3 || total < 100_000 {
		t.Fatalf("only %d files, %d bytes: the grep saw no data", files, total)
	}
	t.Logf("%d needles, %d files, %d bytes: none found", len(needles), files, total)
}
