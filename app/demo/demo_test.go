package demo

import (
	"path/filepath"
	"testing"

	"github.com/communekit/communekit/storage"
)

func TestEnsure_CreatesOnceAndOpensWithTheKnownPassphrase(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	opts := storage.Options{WorkFactor: 10, GCInterval: -1}
	created, err := Ensure(dir, opts)
	if err != nil || !created {
		t.Fatalf("Ensure = %v, %v; want created", created, err)
	}
	created, err = Ensure(dir, opts)
	if err != nil || created {
		t.Fatalf("second Ensure = %v, %v; want kept", created, err)
	}
	s, err := storage.Open(dir, []byte(Passphrase), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n, hh, err := s.Counts()
	if err != nil || n != Persons || hh == 0 {
		t.Fatalf("Counts = %d persons, %d households, %v; want %d persons", n, hh, err, Persons)
	}
}
