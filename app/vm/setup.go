package vm

import (
	"strings"
	"sync"
	"unicode"

	"github.com/communekit/communekit/crypto/keyring"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/refdata"
)

// MinPassphrase is the shortest passphrase setup accepts. The passphrase is
// all that protects a stolen laptop's records (storage/DESIGN.md).
const MinPassphrase = keyring.MinPassphrase

// Setup is first-run setup: choose the commune, name the officer, choose a
// passphrase twice. It creates the profile; enrolment with the district is
// a later step ([Enrolment]).
type Setup struct {
	notifier
	tr    Tr
	dir   string
	opts  storage.Options
	units *UnitIndex

	mu      sync.Mutex
	commune refdata.Commune
	officer string
	pass1   string
	pass2   string
	errs    map[string]string
}

// NewSetup returns the setup screen creating a profile in dir.
func NewSetup(tr Tr, dir string, opts storage.Options) *Setup {
	return &Setup{tr: tr, dir: dir, opts: appOptions(opts), units: Units()}
}

// Dir is where the profile will be created.
func (s *Setup) Dir() string { return s.dir }

// FindCommunes lists the 2025 communes matching what the officer typed.
func (s *Setup) FindCommunes(query string) []Unit {
	return s.units.Find(query, false, 50)
}

// ChooseCommune picks the commune by code; false if it is no 2025 unit.
func (s *Setup) ChooseCommune(code string) bool {
	c, ok := refdata.Commune2025(code)
	s.mu.Lock()
	if ok {
		s.commune = c
		delete(s.errs, "commune")
	}
	s.mu.Unlock()
	s.changed()
	return ok
}

// Commune is the chosen commune (zero if none).
func (s *Setup) Commune() refdata.Commune {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commune
}

// SetOfficer sets the officer's name.
func (s *Setup) SetOfficer(name string) {
	s.mu.Lock()
	s.officer = name
	s.mu.Unlock()
}

// SetPassphrase sets the passphrase and its repetition.
func (s *Setup) SetPassphrase(p1, p2 string) {
	s.mu.Lock()
	s.pass1, s.pass2 = p1, p2
	s.mu.Unlock()
	s.changed()
}

// Strength rates the passphrase for the hint beside it.
func (s *Setup) Strength() (level int, hint string) {
	s.mu.Lock()
	p := s.pass1
	s.mu.Unlock()
	level = PassphraseStrength(p)
	switch level {
	case 0:
		return level, s.tr.T("setup.strength.none", MinPassphrase)
	case 1:
		return level, s.tr.T("setup.strength.weak", MinPassphrase)
	case 2:
		return level, s.tr.T("setup.strength.fair")
	}
	return level, s.tr.T("setup.strength.good")
}

// PassphraseStrength rates p from 0 (empty) to 3 (good): length counts
// most, and kinds of characters (letters, digits, others) a little. Several
// ordinary words are a good passphrase; a short password is not.
func PassphraseStrength(p string) int {
	n := keyring.Characters([]byte(p)) // letters, however an input method composed them
	if n == 0 {
		return 0
	}
	kinds := 0
	for _, is := range []func(rune) bool{unicode.IsLetter, unicode.IsDigit, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }} {
		if strings.IndexFunc(p, is) >= 0 {
			kinds++
		}
	}
	switch {
	case n < MinPassphrase:
		return 1
	case n >= 16 || (n >= 12 && kinds >= 2):
		return 3
	}
	return 2
}

// Errors returns the message beside each part of the form after a failed
// Create: keys "commune", "officer", "passphrase", "repeat", "create".
func (s *Setup) Errors() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.errs))
	for k, v := range s.errs {
		out[k] = v
	}
	return out
}

// Create checks the form and creates the profile.
func (s *Setup) Create() (*storage.Store, error) {
	s.mu.Lock()
	errs := map[string]string{}
	if s.commune.Code == "" {
		errs["commune"] = s.tr.T("setup.err.commune")
	}
	officer, p := storage.Canonicalize(storage.FieldFullName, s.officer)
	switch {
	case strings.TrimSpace(s.officer) == "":
		errs["officer"] = s.tr.T("setup.err.officer")
	case p != nil:
		errs["officer"] = p.Message(s.tr.Lang())
	}
	if keyring.Characters([]byte(s.pass1)) < MinPassphrase {
		errs["passphrase"] = s.tr.T("setup.err.short", MinPassphrase)
	}
	if !samePassphrase(s.pass1, s.pass2) {
		errs["repeat"] = s.tr.T("setup.err.repeat")
	}
	s.errs = errs
	commune, pass := s.commune.Code, s.pass1
	s.mu.Unlock()
	if len(errs) > 0 {
		s.changed()
		return nil, errInvalid
	}
	// As typed: storage derives the key from its NFC form.
	st, err := storage.Create(s.dir, []byte(pass), storage.Profile{Commune: commune, Officer: officer}, s.opts)
	if err != nil {
		s.mu.Lock()
		s.errs["create"] = s.tr.T("setup.err.create", errText(s.tr, err))
		s.mu.Unlock()
	}
	s.changed()
	return st, err
}

// samePassphrase compares two typings of a passphrase as letters: an
// input method may compose one and not the other.
func samePassphrase(a, b string) bool {
	return string(keyring.NFC([]byte(a))) == string(keyring.NFC([]byte(b)))
}
