package main

import (
	"flag"
	"fmt"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/outbox"
)

// replacedDevice is the device a copy of a profile replaces, while it
// waits to be enrolled as its successor ("" for any other profile).
func replacedDevice(s *storage.Store) (string, error) { return outbox.SuccessorOf(s) }

// installedSuccessor says so when a copy of a profile was enrolled, but
// not as the successor of the device it was: that device's unsent work is
// not carried over (outbox.Install starts the carrying when it is).
func installedSuccessor(e *env, s *storage.Store, c *cert.Certificate) error {
	h, err := s.Handover()
	if err != nil || h == nil || h.State != storage.HandoverAwaiting {
		return err
	}
	if c.Replaces != string(h.Old) {
		fmt.Fprintf(e.stderr, "kitctl: this certificate does not name device %s, which this profile was: its %d unsent operation(s) are not carried over. "+
			"For them, make a new request (kitctl enrol request) and have the district sign that one.\n", h.Old, h.Unsent())
	}
	return nil
}

// flagGiven reports whether the command line set the flag name.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}
