package bench

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/gen"
)

// TestImportFloor_WritesWhatTheImportWrote: the floor holds every entry
// of a store that an import of 200 persons filled, interleaved by kind as
// an import writes them, and writes exactly those keys and values into
// Badger alone, which reads them back under the same key.
func TestImportFloor_WritesWhatTheImportWrote(t *testing.T) {
	dir := t.TempDir()
	s, err := storage.Create(filepath.Join(dir, "p"), []byte(benchPassphrase), storage.Profile{Commune: "00769", Officer: "Người Đo"},
		storage.Options{WorkFactor: 10, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := gen.Generate(gen.Options{Commune: "00769", Persons: 200, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	var csv bytes.Buffer
	if err := gen.WriteCSV(&csv, c, 3); err != nil {
		t.Fatal(err)
	}
	rep, err := s.ImportPersons(&csv, storage.ImportOptions{})
	if err != nil || rep.Imported < 190 {
		t.Fatalf("import: %v, %v", rep, err)
	}
	e, err := captureEntries(s, rep.Imported)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	kinds := map[string]bool{}
	s.EachEntry(func(k, v []byte) error {
		want[string(k)] = string(v)
		kinds[string(keyKind(k))] = true
		return nil
	})
	if len(e.refs) != len(want) || e.persons != rep.Imported || len(e.refs) < 5*rep.Imported {
		t.Fatalf("%d entries captured for %d persons, the store holds %d", len(e.refs), e.persons, len(want))
	}
	if !kinds["p:"] || !kinds["x:n:"] || len(kinds) < 5 {
		t.Errorf("kinds of keys: %v", kinds)
	}
	// Interleaved: the first tenth of the entries holds most kinds.
	first := map[string]bool{}
	for i := range len(e.refs) / 10 {
		first[string(keyKind(e.key(i)))] = true
	}
	if !first["p:"] || !first["x:n:"] {
		t.Errorf("the first tenth of the floor's writes holds only %v", first)
	}

	key := make([]byte, 32)
	rand.Read(key)
	fdir := filepath.Join(dir, "floor")
	if d, err := writeImportFloor(fdir, key, e); err != nil || d <= 0 {
		t.Fatalf("writeFloor: %v, %v", d, err)
	}
	db, err := badger.Open(storage.CommuneBadgerOptions(fdir, key))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got := 0
	err = db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			if w, ok := want[string(it.Item().Key())]; !ok || w != string(v) {
				t.Errorf("key %q: %d bytes, want %d (in the store: %v)", it.Item().Key(), len(v), len(w), ok)
			}
			got++
		}
		return nil
	})
	if err != nil || got != len(want) {
		t.Errorf("the floor's Badger holds %d entries, want %d (%v)", got, len(want), err)
	}

	// importFloor leaves nothing behind.
	gone := filepath.Join(dir, "floor2")
	if d, err := importFloor(gone, e); err != nil || d <= 0 {
		t.Fatalf("importFloor: %v, %v", d, err)
	}
	if _, err := os.Stat(gone); !os.IsNotExist(err) {
		t.Errorf("importFloor left %s: %v", gone, err)
	}
}

// TestFsyncFloor: each step appends a block and makes it durable; close
// removes the file.
func TestFsyncFloor(t *testing.T) {
	dir := t.TempDir()
	f, err := newFsyncFloor(dir)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if d, err := f.once(); err != nil || d <= 0 {
			t.Fatalf("once: %v, %v", d, err)
		}
	}
	st, err := os.Stat(filepath.Join(dir, "fsync-floor"))
	if err != nil || st.Size() != 3*fsyncBlock {
		t.Fatalf("after 3 writes: %v, %v", st, err)
	}
	if err := f.close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("left %v", left)
	}
}

func TestKeyKind(t *testing.T) {
	for k, want := range map[string]string{"p:ab\x00\x01": "p:", "x:n:nguyen": "x:n:", "Hm:x": "Hm:", "m:counters": "m:", "x": "", "": ""} {
		if got := string(keyKind([]byte(k))); got != want {
			t.Errorf("keyKind(%q) = %q, want %q", k, got, want)
		}
	}
}
