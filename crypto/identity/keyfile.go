package identity

import (
	"bytes"
	"crypto/ed25519"

	"filippo.io/age"

	"github.com/communekit/communekit/crypto/keyring"
)

// The plaintext inside a wrapped key file is a fixed sequence of fields,
// each either of fixed size or prefixed by one length byte:
//
//	device:   "CKDEVKEY" 0x01  id (16 bytes)  len age-secret  ed25519 seed (32)
//	district: "CKDSTKEY" 0x01  len name       len age-secret  ed25519 seed (32)
//
// age-secret is the "AGE-SECRET-KEY-1…" string age prints. There is one
// encoding of each key, no optional fields and nothing after the seed; a
// newer layout gets a new version byte, not a flag.
const (
	deviceKeyMagic   = "CKDEVKEY"
	districtKeyMagic = "CKDSTKEY"
	keyFileVersion   = 1
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
	b := append([]byte(districtKeyMagic), keyFileVersion, byte(len(d.Name)))
	b = append(b, d.Name...)
	return appendSecrets(b, d.Age, d.Sign), nil
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
	r := keyReader{b: p}
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
	if err := r.end(); err != nil {
		return nil, err
	}
	return &District{Name: name, Age: a, Sign: s}, nil
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
	b   []byte
	err error
}

func (r *keyReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fail(ErrMalformed, format, args...)
	}
}

func (r *keyReader) header(magic, kind string) error {
	otherMagic, otherKind := districtKeyMagic, "district"
	if magic == districtKeyMagic {
		otherMagic, otherKind = deviceKeyMagic, "device"
	}
	if bytes.HasPrefix(r.b, []byte(otherMagic)) {
		return fail(ErrMalformed, "this is a %s key file, not a %s key file", otherKind, kind)
	}
	if !bytes.HasPrefix(r.b, []byte(magic)) {
		return fail(ErrMalformed, "not a communekit %s key file", kind)
	}
	r.b = r.b[len(magic):]
	if v := r.fixed(1); r.err == nil && v[0] != keyFileVersion {
		return fail(ErrMalformed, "%s key file version %d; this program reads version %d", kind, v[0], keyFileVersion)
	}
	return r.err
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
	secret := string(r.short())
	seed := r.fixed(ed25519.SeedSize)
	if r.err != nil {
		return nil, nil
	}
	a, err := age.ParseX25519Identity(secret)
	if err != nil || a.String() != secret {
		r.fail("age key in key file is damaged")
		return nil, nil
	}
	return a, ed25519.NewKeyFromSeed(seed)
}

func (r *keyReader) end() error {
	if r.err == nil && len(r.b) != 0 {
		r.fail("%d unexpected bytes at the end of the key file", len(r.b))
	}
	return r.err
}
