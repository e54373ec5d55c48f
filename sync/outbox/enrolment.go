package outbox

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/storage"
)

// Names of the values a commune profile keeps about its enrolment.
const (
	metaCertificate = "enrolment/certificate"
	metaDistrict    = "enrolment/district"
	metaBatchKey    = "enrolment/batchkey" // the announcement of the district's newest batch key (binary), when not its own
)

// CertificateFile is what a district hands back to an enrolled device: the
// certificate's text form and the district's public keys, one a line. The
// device needs both: the certificate to prove who it is, the district's
// keys to seal batches to it and to check what it signs.
func CertificateFile(c *cert.Certificate, d identity.DistrictPublic) ([]byte, error) {
	ct, err := c.MarshalText()
	if err != nil {
		return nil, err
	}
	dt, err := d.MarshalText()
	if err != nil {
		return nil, err
	}
	return []byte(string(ct) + "\n" + string(dt) + "\n"), nil
}

// ParseCertificateFile reads what CertificateFile writes.
func ParseCertificateFile(b []byte) (*cert.Certificate, identity.DistrictPublic, error) {
	var d identity.DistrictPublic
	text := bytes.TrimSpace(b)
	i := bytes.IndexByte(text, '\n')
	if i < 0 {
		return nil, d, errors.New("the certificate file has one line; it needs the certificate and the district's keys (made by `kitctl enrol sign`)")
	}
	c, err := cert.ParseCertificate(bytes.TrimSpace(text[:i]))
	if err != nil {
		return nil, d, err
	}
	if err := d.UnmarshalText(bytes.TrimSpace(text[i+1:])); err != nil {
		return nil, d, err
	}
	return c, d, nil
}

// Install checks a certificate against the district it names and against
// this device's keys, and keeps both in the profile.
func Install(s *storage.Store, c *cert.Certificate, d identity.DistrictPublic, now time.Time) error {
	dev := s.DeviceKeys()
	if dev == nil {
		return errors.New("this profile has no device keys (is it a district profile?)")
	}
	if err := c.Verify(d, now); err != nil {
		return err
	}
	pub := dev.Public()
	if c.Device.ID != pub.ID || c.Device.AgeRecipient != pub.AgeRecipient || !bytes.Equal(c.Device.SignKey, pub.SignKey) {
		return fmt.Errorf("this certificate is for device %s, not this device (%s): install it on the laptop that made the request", c.Device.ID, pub.ID)
	}
	if officer := identity.CleanName(s.Profile().Officer); c.Officer != officer {
		return fmt.Errorf("the certificate is for officer %q, and this profile is %q's: the district signs each officer's own request (`kitctl enrol request` on this laptop)", c.Officer, officer)
	}
	if !c.Covers(s.Profile().Commune) {
		return fmt.Errorf("the certificate covers communes %v, not this profile's commune %s: ask the district to sign again with --commune %s", c.Communes, s.Profile().Commune, s.Profile().Commune)
	}
	cb, err := c.MarshalBinary()
	if err != nil {
		return err
	}
	dt, err := d.MarshalText()
	if err != nil {
		return err
	}
	if err := s.PutMeta(metaDistrict, dt); err != nil {
		return err
	}
	if err := s.SetScope(c.Communes); err != nil {
		return err
	}
	if err := s.PutMeta(metaCertificate, cb); err != nil {
		return err
	}
	// A copy enrolled as the successor of the device it was: the next
	// sync carries over that device's unsent work (sync/client's carry.go).
	if h, err := s.Handover(); err != nil {
		return err
	} else if h != nil && h.State == storage.HandoverAwaiting && c.Replaces == string(h.Old) {
		return s.SetHandoverState(storage.HandoverCarrying, 0)
	}
	return nil
}

// SuccessorOf is the device a copy of a profile replaces while it waits to
// be enrolled as its successor, "" for any other profile: its enrolment
// request names it (cert.NewSuccessorRequest).
func SuccessorOf(s *storage.Store) (string, error) {
	h, err := s.Handover()
	if err != nil || h == nil || h.State != storage.HandoverAwaiting {
		return "", err
	}
	return string(h.Old), nil
}

// Enrolment returns the installed certificate and district keys, or an
// error wrapping ErrNotEnrolled.
func Enrolment(s *storage.Store) (*cert.Certificate, identity.DistrictPublic, error) {
	var d identity.DistrictPublic
	cb, err := s.GetMeta(metaCertificate)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, d, ErrNotEnrolled
	}
	if err != nil {
		return nil, d, err
	}
	c, err := cert.ParseCertificate(cb)
	if err != nil {
		return nil, d, err
	}
	if dev := s.DeviceKeys(); dev != nil && c.Device.ID != dev.ID {
		// A copy of a profile that became a new device (storage's
		// handover.go): the certificate is the old device's.
		return nil, d, fmt.Errorf("%w: the certificate held is device %s's, and this profile is now device %s (a copy of it): enrol it as the old device's successor (kitctl enrol request)", ErrNotEnrolled, c.Device.ID, dev.ID)
	}
	dt, err := s.GetMeta(metaDistrict)
	if err != nil {
		return nil, d, err
	}
	if err := d.UnmarshalText(dt); err != nil {
		return nil, d, err
	}
	return c, d, nil
}

// SealerFor returns a sealer for the profile's enrolled district.
func SealerFor(s *storage.Store, maxOps int) (*Sealer, error) {
	c, d, err := Enrolment(s)
	if err != nil {
		return nil, err
	}
	k, err := BatchKey(s)
	if err != nil {
		return nil, err
	}
	return &Sealer{Device: s.DeviceKeys(), District: d, BatchKey: k, MaxOps: maxOps, Officer: c.Officer}, nil
}
