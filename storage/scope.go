package storage

import (
	"errors"
	"slices"
	"strings"
)

// metaScope names the communes a device works for (its certificate's),
// comma-separated.
const metaScope = "scope"

// SetScope records the communes this device works for: the communes of
// its certificate (outbox.Install sets them). A device holds some records
// of other communes too (a person with a temporary address here, one who
// moved out), but never all the members of their households: the
// conflicts it shows are those of its own communes.
func (s *Store) SetScope(communes []string) error {
	return s.PutMeta(metaScope, []byte(strings.Join(communes, ",")))
}

// Scope returns the communes this device works for: those SetScope
// recorded, else a commune profile's own commune; nil (every commune) for
// district profiles and nodes, and for a certificate without communes.
func (s *Store) Scope() ([]string, error) {
	b, err := s.GetMeta(metaScope)
	if err == nil {
		if len(b) == 0 {
			return nil, nil // a certificate for every commune (an administrator's)
		}
		return strings.Split(string(b), ","), nil
	}
	if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if s.profile.Kind == KindCommune && s.profile.Commune != "" {
		return []string{s.profile.Commune}, nil
	}
	return nil, nil
}

// inScope reports whether commune is one of scope (nil: every commune).
func inScope(scope []string, commune string) bool {
	return scope == nil || slices.Contains(scope, commune)
}
