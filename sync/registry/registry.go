// Package registry is a district's record of the devices it enrolled: the
// certificates it signed, the serial numbers it used, and its revocation
// list. It answers the one question every district-side check asks — may
// this sender's batch be opened, and with which key — and it is kept in the
// district profile's encrypted store, never in plain files (certificates
// carry officers' names).
package registry

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/batch"
)

// Names of the values kept in the district store.
const (
	metaSerial      = "registry/serial"
	metaRevocations = "registry/revocations"
	metaCertPrefix  = "registry/cert/"
)

// ErrUnknownDevice means the district never enrolled the device. It wraps
// batch.ErrUnknownSigner so that an opener reports the check that failed.
var ErrUnknownDevice = fmt.Errorf("%w: the district has no certificate for this device", batch.ErrUnknownSigner)

// Registry is the enrolment state of one district.
type Registry struct {
	s   *storage.Store
	d   *identity.District
	now func() time.Time

	mu sync.Mutex
}

// Open returns the registry kept in a district profile's store.
func Open(s *storage.Store, now func() time.Time) (*Registry, error) {
	d := s.DistrictKeys()
	if d == nil {
		return nil, errors.New("this profile is not a district profile: run `kitctl district init` for one")
	}
	if now == nil {
		now = time.Now
	}
	return &Registry{s: s, d: d, now: now}, nil
}

// Public returns the district's public keys.
func (r *Registry) Public() identity.DistrictPublic { return r.d.Public() }

// Keys returns the district's private keys.
func (r *Registry) Keys() *identity.District { return r.d }

// Sign verifies an enrolment request and signs a certificate for it with
// the next serial number, which is recorded before the certificate is
// returned so that no serial is ever used twice.
func (r *Registry) Sign(req *cert.Request, role cert.Role, communes []string, validFor time.Duration) (*cert.Certificate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := req.Verify(); err != nil {
		return nil, err
	}
	serial, err := r.serial()
	if err != nil {
		return nil, err
	}
	serial++
	c, err := cert.Sign(req, role, communes, validFor, serial, r.d, r.now())
	if err != nil {
		return nil, err
	}
	if err := r.s.PutMeta(metaSerial, []byte(strconv.FormatUint(serial, 10))); err != nil {
		return nil, err
	}
	b, err := c.MarshalBinary()
	if err != nil {
		return nil, err
	}
	if err := r.s.PutMeta(metaCertPrefix+c.Device.ID, b); err != nil {
		return nil, err
	}
	return c, nil
}

func (r *Registry) serial() (uint64, error) {
	b, err := r.s.GetMeta(metaSerial)
	if errors.Is(err, storage.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(string(b), 10, 64)
}

// Certificate returns the latest certificate signed for device.
func (r *Registry) Certificate(device string) (*cert.Certificate, error) {
	b, err := r.s.GetMeta(metaCertPrefix + device)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("device %s: %w", device, ErrUnknownDevice)
	}
	if err != nil {
		return nil, err
	}
	return cert.ParseCertificate(b)
}

// Certificates returns every device's latest certificate, by device ID.
func (r *Registry) Certificates() ([]*cert.Certificate, error) {
	names, err := r.s.ListMeta(metaCertPrefix)
	if err != nil {
		return nil, err
	}
	var out []*cert.Certificate
	for _, n := range names {
		c, err := r.Certificate(strings.TrimPrefix(n, metaCertPrefix))
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// Revocations returns the district's current revocation list (the signed
// empty list when nothing was revoked).
func (r *Registry) Revocations() (*cert.RevocationList, error) {
	b, err := r.s.GetMeta(metaRevocations)
	if errors.Is(err, storage.ErrNotFound) {
		return cert.NewRevocationList(r.d)
	}
	if err != nil {
		return nil, err
	}
	l, err := cert.ParseRevocationList(b)
	if err != nil {
		return nil, err
	}
	if err := l.Verify(r.d.Public()); err != nil {
		return nil, err
	}
	return l, nil
}

// Revoke adds device to the revocation list: every certificate it has or
// will get is refused from then on.
func (r *Registry) Revoke(device, reason string) (*cert.RevocationList, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := identity.CheckDeviceID(device); err != nil {
		return nil, err
	}
	l, err := r.Revocations()
	if err != nil {
		return nil, err
	}
	next, err := l.Revoke(cert.Revoked{DeviceID: device, Reason: reason, At: r.now()}, r.d)
	if err != nil {
		return nil, err
	}
	b, err := next.MarshalBinary()
	if err != nil {
		return nil, err
	}
	if err := r.s.PutMeta(metaRevocations, b); err != nil {
		return nil, err
	}
	return next, nil
}

// Check returns the device's certificate if it is valid now and not
// revoked, else an error saying why.
func (r *Registry) Check(device string) (*cert.Certificate, error) {
	c, err := r.Certificate(device)
	if err != nil {
		return nil, err
	}
	if err := c.Verify(r.d.Public(), r.now()); err != nil {
		return nil, err
	}
	l, err := r.Revocations()
	if err != nil {
		return nil, err
	}
	if err := l.Check(c); err != nil {
		return nil, err
	}
	return c, nil
}

// SignerKey is the batch.Opener's signer lookup: the signing key of an
// enrolled, valid, unrevoked device.
func (r *Registry) SignerKey(sender string) (ed25519.PublicKey, error) {
	c, err := r.Check(sender)
	if err != nil {
		return nil, err
	}
	return c.Device.SignKey, nil
}

// Opener returns an opener for batches sealed to this district by its
// enrolled devices.
func (r *Registry) Opener() *batch.Opener {
	pub := r.d.Public()
	return &batch.Opener{Identity: r.d.Age, KeyID: pub.KeyID, SignerKey: r.SignerKey}
}
