package outbox

import (
	"errors"
	"fmt"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/storage"
)

// BatchKey returns the announcement of the district's batch key this
// device seals to, nil when it is the district's own key (generation 0,
// from enrolment).
func BatchKey(s *storage.Store) (*cert.BatchKeyAnnouncement, error) {
	b, err := s.GetMeta(metaBatchKey)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	_, d, err := Enrolment(s)
	if err != nil {
		return nil, err
	}
	a, err := cert.ParseBatchKeyAnnouncement(b)
	if err == nil {
		err = a.Verify(d)
	}
	if errors.Is(err, cert.ErrWrongDistrict) {
		return nil, nil // enrolled again with another district since: its own key
	}
	if err != nil {
		return nil, fmt.Errorf("%w: the district's batch key held here: %v", storage.ErrDamaged, err)
	}
	return a, nil
}

// KeepBatchKey keeps the announcement text (from a pull answer or a
// district file) if the enrolled district signed it and it is newer than
// the one held; it reports whether it did. Batches sealed from then on
// are sealed to it; those sealed before stay as they are (the district
// keeps every generation).
func KeepBatchKey(s *storage.Store, text string) (bool, error) {
	a, err := cert.ParseBatchKeyAnnouncement([]byte(text))
	if err != nil {
		return false, err
	}
	_, d, err := Enrolment(s)
	if err != nil {
		return false, err
	}
	if err := a.Verify(d); err != nil {
		return false, err
	}
	held, err := BatchKey(s)
	if err != nil {
		return false, err
	}
	if held != nil && held.Gen >= a.Gen {
		return false, nil
	}
	b, err := a.MarshalBinary()
	if err != nil {
		return false, err
	}
	return true, s.PutMeta(metaBatchKey, b)
}
