package storage_test

import (
	"bytes"
	"crypto/rand"
	"path/filepath"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/communekit/communekit/storage"
)

// TestRecordWrites: what a node's store writes while applying operations
// is recorded, grouped by transaction, without the recorder's own marks,
// and a plain Badger database opened with the node's options takes the
// same entries back.
func TestRecordWrites(t *testing.T) {
	c, ops := communeWithOps(t, 60, 5)
	c.Close() // its files go with the test's directory (Windows keeps open files)
	n := mustCreateNode(t, filepath.Join(t.TempDir(), "n"))
	defer n.Close()
	rec, err := n.RecordWrites()
	if err != nil {
		t.Fatal(err)
	}
	half := len(ops) / 2
	for _, part := range [][]*storage.Op{ops[:half], ops[half:]} {
		if _, err := n.ApplyOps(part, storage.ApplyOptions{Feed: true, Meta: map[string][]byte{"applied": {1}}}); err != nil {
			t.Fatal(err)
		}
	}
	writes, err := rec.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if len(writes) < len(ops) {
		t.Fatalf("%d entries recorded for %d operations", len(writes), len(ops))
	}
	versions := map[uint64]int{}
	for _, w := range writes {
		versions[w.Version]++
		if bytes.Contains(w.Key, []byte("bench-write-mark")) || bytes.HasPrefix(w.Key, []byte("!badger!")) {
			t.Errorf("recorded %q", w.Key)
		}
	}
	if len(versions) != 2 {
		t.Errorf("%d transactions recorded, want the 2 applied", len(versions))
	}
	// Nothing is recorded after Stop.
	if _, err := n.ApplyOps(ops[:1], storage.ApplyOptions{Feed: true}); err != nil {
		t.Fatal(err)
	}
	if again, _ := rec.Stop(); len(again) != len(writes) {
		t.Errorf("%d entries after Stop, %d before", len(again), len(writes))
	}

	key := make([]byte, 32)
	rand.Read(key)
	db, err := badger.Open(storage.BadgerOptions(filepath.Join(t.TempDir(), "plain"), key, storage.KindNode))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(txn *badger.Txn) error {
		for _, w := range writes {
			if err := txn.Set(w.Key, w.Value); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	last := writes[len(writes)-1]
	if err := db.View(func(txn *badger.Txn) error {
		it, err := txn.Get(last.Key)
		if err != nil {
			return err
		}
		v, err := it.ValueCopy(nil)
		if err == nil && !bytes.Equal(v, last.Value) {
			t.Errorf("%q: %q, want %q", last.Key, v, last.Value)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}
