package storage_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/communekit/communekit/storage"
)

// TestLockReopen: a locked store holds its profile (no other process
// opens it), answers ErrClosed, refuses a wrong passphrase without
// change, and reopens in place: the same Store reads and writes again.
func TestLockReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	s := mustCreate(t, dir)
	defer mustClose(t, s)
	p := mustAdd(t, s, "Lò Văn An")
	before := s.Changes()
	if err := s.Lock(); err != nil {
		t.Fatal(err)
	}
	if !s.Locked() {
		t.Fatal("not locked")
	}
	if _, err := s.GetMeta("x"); !errors.Is(err, storage.ErrClosed) {
		t.Fatalf("read while locked: %v, want ErrClosed", err)
	}
	if _, err := storage.Open(dir, []byte(testPass), storage.Options{GCInterval: -1}); !errors.Is(err, storage.ErrInUse) {
		t.Fatalf("another open while locked: %v, want ErrInUse", err)
	}
	opts := storage.Options{GCInterval: -1}
	if err := s.Reopen([]byte("sai rồi"), opts); !errors.Is(err, storage.ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	if !s.Locked() {
		t.Fatal("a wrong passphrase unlocked the store")
	}
	if err := s.Reopen([]byte(testPass), opts); err != nil {
		t.Fatal(err)
	}
	if s.Locked() {
		t.Fatal("still locked")
	}
	if err := s.Reopen([]byte(testPass), opts); err == nil {
		t.Fatal("reopened a store that is open")
	}
	if s.Changes() == before {
		t.Fatal("Changes did not move on across the lock")
	}
	got, err := s.Person(p.ID)
	if err != nil || got.FullName() != "Lò Văn An" {
		t.Fatalf("after reopen: %v %v", got, err)
	}
	q := mustAdd(t, s, "Lò Thị Bình")
	if s.DeviceKeys() == nil {
		t.Fatal("no device keys after reopen")
	}
	// Locked twice, closed while locked: the profile's lock is given back.
	if err := s.Lock(); err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)
	s2 := mustOpen(t, dir)
	defer mustClose(t, s2)
	if _, err := s2.Person(q.ID); err != nil {
		t.Fatalf("a write after reopen is lost: %v", err)
	}
}
