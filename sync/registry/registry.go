// Package registry is a district's record of the devices it enrolled: the
// certificates it signed, the serial numbers it used, and its revocation
// list. It answers the one question every district-side check asks — may
// this sender's batch be opened, and with which key — and it is kept in the
// district profile's encrypted store, never in plain files (certificates
// carry officers' names).
package registry

import (
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"filippo.io/age"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/refdata"
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
	if err := checkCommunes(req, communes); err != nil {
		return nil, err
	}
	if storage.DeviceID(req.Device.ID) == storage.NoticeDevice {
		// The district's own notices carry this device ID (storage/notice.go).
		return nil, fmt.Errorf("device ID %s is reserved for the district's notices: make a new request on the device", req.Device.ID)
	}
	// A device names its records by the first 8 characters of its ID: two
	// devices sharing them could create each other's records. A device
	// chooses its own ID, so a hostile one could choose a colleague's.
	tag := storage.DeviceID(req.Device.ID).Tag()
	held, err := r.s.ListMeta(metaCertPrefix + tag)
	if err != nil {
		return nil, err
	}
	for _, n := range held {
		if other := strings.TrimPrefix(n, metaCertPrefix); other != req.Device.ID {
			return nil, fmt.Errorf("device %s names its records like device %s, already enrolled (the same first 8 characters, %q): make a new request on the device (a new profile makes a new ID)", req.Device.ID, other, tag)
		}
	}
	old, err := r.Successor(req)
	if err != nil {
		return nil, err
	}
	if err := checkSuccessor(old, role, communes); err != nil {
		return nil, err
	}
	if old != nil && len(communes) == 0 {
		communes = old.Communes
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

// ErrBadCommunes is why Sign refused a certificate's communes: a code of
// no commune in force, or a certificate the device would refuse to
// install (not covering the commune it was set up for). Either would cost
// a trip of the stick to the commune and back for nothing.
var ErrBadCommunes = errors.New("cannot sign for these communes")

// checkCommunes checks the communes a certificate is signed for (those
// requested when none are given).
func checkCommunes(req *cert.Request, communes []string) error {
	for _, code := range communes {
		if u, ok := refdata.Commune2025(code); !ok || u.Code != code {
			return fmt.Errorf("%w: %q is not the code of a commune in force since 1 July 2025; check --commune (5 digits, e.g. 00769)", ErrBadCommunes, code)
		}
	}
	if len(communes) == 0 {
		return nil
	}
	for _, want := range req.Communes {
		if !slices.Contains(communes, want) {
			return fmt.Errorf("%w: the device was set up for commune %s (its request says so) and refuses a certificate without it; sign with --commune %s (and more --commune for a supervisor of several)", ErrBadCommunes, want, want)
		}
	}
	return nil
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

// RevokedNode refuses a node certificate serial the district's revocation
// list names.
func (r *Registry) RevokedNode(serial uint64, node string) error {
	l, err := r.Revocations()
	if err != nil {
		return err
	}
	return l.CheckSerial(serial, node)
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

// Open opens a batch sealed to this district by an enrolled device and
// checks that every operation in it is that device's own: a device may
// not pass off operations as another's. It changes nothing; Accept also
// checks and moves the device's chain.
func (r *Registry) Open(sealed []byte) (*batch.Batch, error) {
	b, err := r.Opener().Open(sealed)
	if err != nil {
		return nil, err
	}
	for _, op := range b.Ops {
		if string(op.Device) != b.Header.Sender {
			return nil, fmt.Errorf("%w: operation %d names device %s, the batch was signed by %s", batch.ErrSenderMismatch, op.Seq, op.Device, b.Header.Sender)
		}
	}
	return b, nil
}

// Opener returns an opener for batches sealed to this district by its
// enrolled devices.
func (r *Registry) Opener() *batch.Opener {
	d := r.s.DistrictKeys() // the profile's keys as held now: every batch key generation
	pub := d.Public()
	return &batch.Opener{SignerKey: r.SignerKey, Keys: func(keyID string) (age.Identity, error) {
		for _, k := range d.BatchKeys() {
			if identity.BatchKeyID(k.Recipient(), pub.SignKey) == keyID {
				return k.Age, nil
			}
		}
		return nil, fmt.Errorf("%w: sealed to key %s, not to a batch key of district %s", batch.ErrWrongRecipient, keyID, pub.Name)
	}}
}

// Sequence errors of Accept.
var (
	// ErrGap means a batch came before the ones it follows.
	ErrGap = errors.New("batch out of order")
	// ErrReplay means a batch number already accepted came again with
	// other contents: a replay or a device that lost its outbox.
	ErrReplay = errors.New("batch number already used for another batch")
)

// SequenceError says which batch number the district expects from a
// device; it wraps ErrGap.
type SequenceError struct {
	Device   string
	Got      uint64
	Expected uint64
}

func (e *SequenceError) Error() string {
	return fmt.Sprintf("%v: device %s sent batch %d, the district expects batch %d first", ErrGap, e.Device, e.Got, e.Expected)
}

func (e *SequenceError) Unwrap() error { return ErrGap }

const metaChainPrefix = "registry/chain/"

// chain is what the district accepted last from one device.
type chain struct {
	Seq  uint64
	Hash [32]byte
}

func (r *Registry) chain(device string) (chain, error) {
	var c chain
	b, err := r.s.GetMeta(metaChainPrefix + device)
	if errors.Is(err, storage.ErrNotFound) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	if len(b) != 40 {
		return c, fmt.Errorf("%w: chain record of device %s", storage.ErrDamaged, device)
	}
	c.Seq = binary.BigEndian.Uint64(b)
	copy(c.Hash[:], b[8:])
	return c, nil
}

// Accepted is the outcome of Accept.
type Accepted struct {
	Batch     *batch.Batch
	Duplicate bool // the same batch was accepted before; nothing new
}

// Accept opens a sealed batch and checks it continues its device's chain:
// batch n only after n-1, chained to it by hash. The same batch again is a
// Duplicate (a retry whose receipt was lost); another batch under a number
// already used is ErrReplay; a later number is a *SequenceError naming the
// number expected. Only a batch that passes every check moves the chain.
func (r *Registry) Accept(sealed []byte) (*Accepted, error) {
	b, err := r.Open(sealed)
	if err != nil {
		return nil, err
	}
	dev := b.Header.Sender
	r.mu.Lock()
	defer r.mu.Unlock()
	c, err := r.chain(dev)
	if err != nil {
		return nil, err
	}
	h := batch.Hash(sealed)
	if b.Header.Seq <= c.Seq {
		if old, err := r.s.GetMeta(fmt.Sprintf("%s%s/%020d", metaChainPrefix, dev, b.Header.Seq)); err == nil && string(old) == string(h[:]) {
			return &Accepted{Batch: b, Duplicate: true}, nil
		}
	}
	switch {
	case b.Header.Seq <= c.Seq:
		return nil, fmt.Errorf("%w: device %s, batch %d (the district has accepted up to %d)", ErrReplay, dev, b.Header.Seq, c.Seq)
	case b.Header.Seq > c.Seq+1:
		return nil, &SequenceError{Device: dev, Got: b.Header.Seq, Expected: c.Seq + 1}
	case b.Header.PrevHash != c.Hash:
		return nil, fmt.Errorf("%w: batch %d of device %s does not follow the batch %d the district accepted", ErrReplay, b.Header.Seq, dev, c.Seq)
	}
	rec := append(binary.BigEndian.AppendUint64(nil, b.Header.Seq), h[:]...)
	if err := r.s.PutMeta(fmt.Sprintf("%s%s/%020d", metaChainPrefix, dev, b.Header.Seq), h[:]); err != nil {
		return nil, err
	}
	if err := r.s.PutMeta(metaChainPrefix+dev, rec); err != nil {
		return nil, err
	}
	return &Accepted{Batch: b}, nil
}

// Store returns the district store the registry lives in.
func (r *Registry) Store() *storage.Store { return r.s }
