// Package demo makes the demo profile that `communekit --demo` opens: a
// generated commune with a passphrase everyone knows, so that a newcomer
// can try the app without setting anything up. It holds made-up people only.
package demo

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/gen"
)

// The demo profile's settings. The passphrase is shown on the unlock
// screen: the demo holds no real person.
const (
	Passphrase = "thu nghiem 2025"
	Commune    = "12472" // Xã Quỳnh Phụ, Hưng Yên: a lowland commune
	Officer    = "Nguyễn Thị Lan"
	Persons    = 3000
	Seed       = 7
)

// DefaultDir is where the demo profile lives: <user cache dir>/communekit-demo.
func DefaultDir() string {
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	return filepath.Join(base, "communekit-demo")
}

// Ensure creates the demo profile in dir unless one is there, and reports
// whether it did. A half-made directory (setup interrupted) is made again.
func Ensure(dir string, opts storage.Options) (created bool, err error) {
	if _, err := storage.ProfileCommune(dir); err == nil {
		return false, nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return false, err
	}
	s, err := storage.Create(dir, []byte(Passphrase), storage.Profile{Commune: Commune, Officer: Officer}, opts)
	if err != nil {
		return false, fmt.Errorf("demo profile in %s: %w", dir, err)
	}
	defer s.Close()
	c, err := gen.Generate(gen.Options{Commune: Commune, Persons: Persons, Seed: Seed})
	if err != nil {
		return true, err
	}
	var buf bytes.Buffer
	if err := gen.WriteCSV(&buf, c, Seed); err != nil {
		return true, err
	}
	rep, err := s.ImportPersons(&buf, storage.ImportOptions{Reason: "demo", Chunk: 1000})
	if err != nil {
		return true, fmt.Errorf("demo import: %w", err)
	}
	if len(rep.Rejected) > 0 {
		r := rep.Rejected[0]
		return true, fmt.Errorf("demo import rejected %d rows, first line %d %s: %s", len(rep.Rejected), r.Line, r.Field, r.Message)
	}
	return true, s.Close()
}
