package storage

import (
	"errors"
	"fmt"
)

// errNotLocked is Reopen's answer on a store that is not locked.
var errNotLocked = errors.New("store is not locked")

// Lock closes the store as Close does and forgets its keys (the store key
// goes with Badger's, the device's or district's keys are dropped), but
// keeps the Store and the profile's lock: Reopen with the passphrase opens
// it again in place. What holds the Store — a desktop app's screens, a
// form not yet saved — holds it still, and no other process opens the
// profile in between. A write in progress ends first (Lock takes the
// write lock); the caller makes sure no read runs while it locks, and that
// nothing reads until Reopen succeeds (calls in between fail or are not
// defined, as on a closed store).
func (s *Store) Lock() error {
	if s.stopGC != nil {
		s.stopGC()
		<-s.gcDone
		s.stopGC, s.gcDone = nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return nil
	}
	err := s.db.Close()
	s.db = nil
	s.device, s.district, s.clock = nil, nil, nil
	return err
}

// Locked reports whether the store is locked (or closed).
func (s *Store) Locked() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.db == nil
}

// Reopen opens a locked store again with its passphrase and options, as
// Open does, into the same Store. A wrong passphrase answers
// ErrWrongPassphrase and leaves the store locked; nothing is changed on
// disk. Anything computed from the store before the lock is to be
// computed again: Changes moves on.
func (s *Store) Reopen(passphrase []byte, o Options) error {
	s.mu.Lock()
	locked := s.db == nil
	kind := s.profile.Kind
	s.mu.Unlock()
	if !locked {
		return errNotLocked
	}
	if kind == "" {
		kind = KindCommune
	}
	u, err := unlockKeyFile(s.dir, passphrase, kind, "the profile directory was removed while the app was locked")
	if err != nil {
		return err
	}
	o.Kind = kind
	n, err := openUnlocked(s.dir, u.m, u.key, u.ident, o)
	if err != nil {
		return err
	}
	if n.profile.Device != s.profile.Device {
		n.Close()
		return fmt.Errorf("%w: the profile directory now holds another device's store", ErrDamaged)
	}
	rewrapLegacy(s.dir, u, passphrase, false, n.log)
	s.mu.Lock()
	// Every field of n that openUnlocked sets, moved over (relock_test
	// counts Store's fields: a field added there is decided here).
	s.db, s.log, s.now, s.profile, s.clock = n.db, n.log, n.now, n.profile, n.clock
	s.device, s.district, s.ctr, s.minFree = n.device, n.district, n.ctr, n.minFree
	s.stopGC, s.gcDone = n.stopGC, n.gcDone
	s.mu.Unlock()
	// Another process may not have written (the lock was held), but what
	// was cached across the lock is computed again all the same.
	s.writes.Add(1)
	return nil
}
