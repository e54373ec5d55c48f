package identity

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"

	"filippo.io/age"

	"github.com/communekit/communekit/crypto/keyring"
)

// The plaintext inside a wrapped key file is a fixed sequence of fields,
// each either of fixed size or prefixed by one length byte:
//
//	device:   "CKDEVKEY" 0x01  id (16 bytes)  len age-secret  ed25519 seed (32)
//	district: "CKDSTKEY" 0x01  len name       len age-secret  ed25519 seed (32)
//	district: "CKDSTKEY" 0x02  len name       len age-secret  ed25519 seed (32)
//	          uint16 count, then per later batch key: uint32 gen  len age-secret
//
// age-secret is the "AGE-SECRET-KEY-1…" string age prints. There is one
// encoding of each key, no optional fields and nothing after the last
// field; a newer layout gets a new version byte, not a flag. A district
// whose batch key was never rotated is written as version 1, as before;
// generations after 0 are strictly increasing.
const (
	deviceKeyMagic   = "CKDEVKEY"
	districtKeyMagic = "CKDSTKEY"
	keyFileVersion   = 1
	districtKeyV2    = 2
)

// Wrap encodes d's private keys and wraps them under passphrase with
// [keyring.Wrap] at the given scrypt work factor (0 for the default).
func (d *Device) Wrap(passphrase []byte, workFactor int) ([]byte, error) {
	if err := CheckDeviceID(d.ID); err != nil {
		return nil, err
	}
	b, err := d.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return keyring.Wrap(b, passphrase, workFactor)
}

// MarshalBinary returns the plaintext key encoding that Wrap wraps, for a
// caller that wraps it together with other secrets in one key file (one
// scrypt derivation per unlock instead of two).
func (d *Device) MarshalBinary() ([]byte, error) {
	if err := CheckDeviceID(d.ID); err != nil {
		return nil, err
	}
	b := append([]byte(deviceKeyMagic), keyFileVersion)
	b = append(b, d.ID...)
	return appendSecrets(b, d.Age, d.Sign), nil
}

// ParseDevice decodes what [Device.MarshalBinary] returns.
func ParseDevice(p []byte) (*Device, error) { return decodeDevice(p) }

// UnwrapDevice opens a device key file made by [Device.Wrap]. A wrong
// passphrase gives [keyring.ErrWrongPassphrase]; a damaged file, or one that
// holds another kind of key, an error wrapping [ErrMalformed] or
// [keyring.ErrMalformed].
func UnwrapDevice(b, passphrase []byte) (*Device, error) {
	p, err := keyring.Unwrap(b, passphrase)
	if err != nil {
		return nil, err
	}
	return decodeDevice(p)
}

func decodeDevice(p []byte) (*Device, error) {
	r := keyReader{b: p}
	if err := r.header(deviceKeyMagic, "device"); err != nil {
		return nil, err
	}
	id := string(r.fixed(DeviceIDLen))
	if r.err == nil {
		if err := CheckDeviceID(id); err != nil {
			return nil, fail(ErrMalformed, "device key file: %v", err)
		}
	}
	a, s := r.secrets()
	if err := r.end(); err != nil {
		return nil, err
	}
	return &Device{ID: id, Age: a, Sign: s}, nil
}

// Wrap encodes d's private keys and wraps them under passphrase with
// [keyring.Wrap] at the given scrypt work factor (0 for the default).
func (d *District) Wrap(passphrase []byte, workFactor int) ([]byte, error) {
	if err := CheckName("district name", d.Name); err != nil {
		return nil, err
	}
	b, err := d.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return keyring.Wrap(b, passphrase, workFactor)
}

// MarshalBinary returns the plaintext key encoding that Wrap wraps.
func (d *District) MarshalBinary() ([]byte, error) {
	if err := CheckName("district name", d.Name); err != nil {
		return nil, err
	}
	version := byte(keyFileVersion)
	if len(d.Batch) > 0 {
		version = districtKeyV2
	}
	b := append([]byte(districtKeyMagic), version, byte(len(d.Name)))
	b = append(b, d.Name...)
	b = appendSecrets(b, d.Age, d.Sign)
	if version == keyFileVersion {
		return b, nil
	}
	if len(d.Batch) >= MaxBatchKeys {
		return nil, fail(ErrInvalid, "district %q has %d batch keys, more than %d", d.Name, len(d.Batch)+1, MaxBatchKeys)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(d.Batch)))
	prev := uint32(0)
	for _, k := range d.Batch {
		if k.Gen <= prev || k.Age == nil {
			return nil, fail(ErrInvalid, "district %q: batch key generations are not increasing from 1", d.Name)
		}
		prev = k.Gen
		b = AppendBatchKey(b, k)
	}
	return b, nil
}

// ParseDistrict decodes what [District.MarshalBinary] returns.
func ParseDistrict(p []byte) (*District, error) { return decodeDistrict(p) }

// UnwrapDistrict opens a district key file made by [District.Wrap], with the
// same errors as [UnwrapDevice].
func UnwrapDistrict(b, passphrase []byte) (*District, error) {
	p, err := keyring.Unwrap(b, passphrase)
	if err != nil {
		return nil, err
	}
	return decodeDistrict(p)
}

func decodeDistrict(p []byte) (*District, error) {
	r := keyReader{b: p, v2: true}
	if err := r.header(districtKeyMagic, "district"); err != nil {
		return nil, err
	}
	name := string(r.short())
	if r.err == nil {
		if err := CheckName("district name", name); err != nil {
			return nil, fail(ErrMalformed, "district key file: %v", err)
		}
	}
	a, s := r.secrets()
	d := &District{Name: name, Age: a, Sign: s}
	if r.version == districtKeyV2 {
		n := r.fixed(2)
		if r.err == nil {
			count := int(binary.BigEndian.Uint16(n))
			if count == 0 || count >= MaxBatchKeys {
				r.fail("district key file holds %d later batch keys", count)
			}
			prev := uint32(0)
			for i := 0; i < count && r.err == nil; i++ {
				g := r.fixed(4)
				k := r.ageSecret()
				if r.err != nil {
					break
				}
				gen := binary.BigEndian.Uint32(g)
				if gen <= prev {
					r.fail("batch key generations in the key file are not increasing")
					break
				}
				prev = gen
				d.Batch = append(d.Batch, BatchKey{Gen: gen, Age: k})
			}
		}
	}
	if err := r.end(); err != nil {
		return nil, err
	}
	return d, nil
}

// nodeKeyMagic starts the encoding of a node's keys:
//
//	"CKNODKEY" 0x01  len id  len age-secret  ed25519 seed (32)
const nodeKeyMagic = "CKNODKEY"

// MarshalBinary returns the plaintext encoding of n's keys, for a node
// credential that wraps them with its certificates.
func (n *Node) MarshalBinary() ([]byte, error) {
	if err := CheckNodeID(n.ID); err != nil {
		return nil, err
	}
	b := append([]byte(nodeKeyMagic), keyFileVersion, byte(len(n.ID)))
	b = append(b, n.ID...)
	return appendSecrets(b, n.Age, n.Sign), nil
}

// ParseNode decodes what [Node.MarshalBinary] returns.
func ParseNode(p []byte) (*Node, error) {
	r := keyReader{b: p}
	if err := r.header(nodeKeyMagic, "node"); err != nil {
		return nil, err
	}
	id := string(r.short())
	if r.err == nil {
		if err := CheckNodeID(id); err != nil {
			return nil, fail(ErrMalformed, "node key: %v", err)
		}
	}
	a, s := r.secrets()
	if err := r.end(); err != nil {
		return nil, err
	}
	return &Node{ID: id, Age: a, Sign: s}, nil
}

// AppendBatchKey appends the encoding of one batch key generation:
// uint32 gen, then the length-prefixed age secret.
func AppendBatchKey(b []byte, k BatchKey) []byte {
	b = binary.BigEndian.AppendUint32(b, k.Gen)
	secret := k.Age.String()
	b = append(b, byte(len(secret)))
	return append(b, secret...)
}

// ParseBatchKey reads one encoding AppendBatchKey made from the start of
// b and returns it with the rest of b.
func ParseBatchKey(b []byte) (BatchKey, []byte, error) {
	r := keyReader{b: b}
	g := r.fixed(4)
	a := r.ageSecret()
	if r.err != nil {
		return BatchKey{}, nil, r.err
	}
	return BatchKey{Gen: binary.BigEndian.Uint32(g), Age: a}, r.b, nil
}

func appendSecrets(b []byte, a *age.X25519Identity, s ed25519.PrivateKey) []byte {
	secret := a.String()
	b = append(b, byte(len(secret)))
	b = append(b, secret...)
	return append(b, s.Seed()...)
}

// keyReader reads the plaintext of a key file; the first error sticks and
// later reads return nothing.
type keyReader struct {
	b       []byte
	err     error
	v2      bool // version 2 is known (district key files)
	version byte
}

func (r *keyReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fail(ErrMalformed, format, args...)
	}
}

func (r *keyReader) header(magic, kind string) error {
	for otherMagic, otherKind := range map[string]string{districtKeyMagic: "district", deviceKeyMagic: "device", nodeKeyMagic: "node"} {
		if otherMagic != magic && bytes.HasPrefix(r.b, []byte(otherMagic)) {
			return fail(ErrMalformed, "this is a %s key file, not a %s key file", otherKind, kind)
		}
	}
	if !bytes.HasPrefix(r.b, []byte(magic)) {
		return fail(ErrMalformed, "not a communekit %s key file", kind)
	}
	r.b = r.b[len(magic):]
	v := r.fixed(1)
	if r.err != nil {
		return r.err
	}
	r.version = v[0]
	if v[0] != keyFileVersion && !(r.v2 && v[0] == districtKeyV2) {
		return fail(ErrMalformed, "%s key file version %d; this program reads older versions only: update it", kind, v[0])
	}
	return nil
}

func (r *keyReader) fixed(n int) []byte {
	if r.err != nil {
		return nil
	}
	if len(r.b) < n {
		r.fail("key file is truncated")
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *keyReader) short() []byte {
	n := r.fixed(1)
	if r.err != nil {
		return nil
	}
	return r.fixed(int(n[0]))
}

func (r *keyReader) secrets() (*age.X25519Identity, ed25519.PrivateKey) {
	a := r.ageSecret()
	seed := r.fixed(ed25519.SeedSize)
	if r.err != nil {
		return nil, nil
	}
	return a, ed25519.NewKeyFromSeed(seed)
}

// ageSecret reads one length-prefixed "AGE-SECRET-KEY-1…" string, in the
// one spelling age prints.
func (r *keyReader) ageSecret() *age.X25519Identity {
	secret := string(r.short())
	if r.err != nil {
		return nil
	}
	a, err := age.ParseX25519Identity(secret)
	if err != nil || a.String() != secret {
		r.fail("age key in key file is damaged")
		return nil
	}
	return a
}

func (r *keyReader) end() error {
	if r.err == nil && len(r.b) != 0 {
		r.fail("%d unexpected bytes at the end of the key file", len(r.b))
	}
	return r.err
}
