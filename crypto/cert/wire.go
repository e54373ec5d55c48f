package cert

import (
	"crypto/ed25519"
	"encoding/binary"
	"encoding/hex"
	"slices"
	"time"

	"github.com/communekit/communekit/crypto/identity"
)

// The binary encodings are sequences of fields, each of fixed size or
// prefixed by its length; see FORMAT.md for the layouts. Every value has
// exactly one encoding, so the bytes a signature covers are a function of
// the value, and the decoder accepts only what the encoder makes.

// MaxCommunes bounds the commune scope of a request or certificate.
const MaxCommunes = 64

const (
	deviceIDBytes = 10 // a 16-character base32 device ID
	keyIDBytes    = identity.KeyIDLen / 2
	sigBytes      = ed25519.SignatureSize
)

// encoder appends fields, checking each; the first error sticks.
type encoder struct {
	b   []byte
	err error
	of  string // what is being encoded, for messages
}

func (e *encoder) fail(format string, args ...any) {
	if e.err == nil {
		e.err = fail(ErrMalformed, e.of+": "+format, args...)
	}
}

func (e *encoder) check(err error) {
	if err != nil && e.err == nil {
		e.err = &failure{kind: ErrMalformed, msg: e.of + ": " + err.Error()}
	}
}

func (e *encoder) u8(v byte) { e.b = append(e.b, v) }

func (e *encoder) u64(v uint64) { e.b = binary.BigEndian.AppendUint64(e.b, v) }

// time encodes t as Unix seconds; sub-second parts are the caller's to drop.
func (e *encoder) time(what string, t time.Time) {
	s := t.Unix()
	if s <= 0 || t.Nanosecond() != 0 {
		e.fail("%s %v is not a whole second after 1970", what, t)
	}
	e.u64(uint64(s))
}

func (e *encoder) name(what, s string) {
	e.check(identity.CheckName(what, s))
	e.b = append(e.b, byte(len(s)))
	e.b = append(e.b, s...)
}

// optName is a name that may be empty.
func (e *encoder) optName(what, s string) {
	if s == "" {
		e.u8(0)
		return
	}
	e.name(what, s)
}

func (e *encoder) deviceID(id string) {
	e.check(identity.CheckDeviceID(id))
	raw, _ := identity.DeviceIDEncoding.DecodeString(id)
	if len(raw) != deviceIDBytes {
		raw = make([]byte, deviceIDBytes)
	}
	e.b = append(e.b, raw...)
}

func (e *encoder) device(p identity.DevicePublic) {
	e.check(p.Check())
	e.deviceID(p.ID)
	e.u8(byte(len(p.AgeRecipient)))
	e.b = append(e.b, p.AgeRecipient...)
	e.b = append(e.b, p.SignKey...)
}

// communes encodes a scope sorted and without repeats: the one order in
// which it can be signed.
func (e *encoder) communes(list []string, min int) {
	if len(list) < min || len(list) > MaxCommunes {
		e.fail("%d communes; want %d to %d", len(list), min, MaxCommunes)
	}
	if !slices.IsSorted(list) || len(slices.Compact(slices.Clone(list))) != len(list) {
		e.fail("communes %q are not sorted or repeat", list)
	}
	e.u8(byte(len(list)))
	for _, c := range list {
		e.name("commune", c)
	}
}

func (e *encoder) keyID(id string) {
	raw, err := hex.DecodeString(id)
	if err != nil || len(raw) != keyIDBytes || hex.EncodeToString(raw) != id {
		e.fail("district key ID %q is not %d lowercase hex characters", id, identity.KeyIDLen)
		raw = make([]byte, keyIDBytes)
	}
	e.b = append(e.b, raw...)
}

// signed returns the encoding with sig appended.
func (e *encoder) signed(sig []byte) ([]byte, error) {
	if len(sig) != sigBytes {
		e.fail("not signed")
	}
	if e.err != nil {
		return nil, e.err
	}
	return append(e.b, sig...), nil
}

// decoder reads fields; the first error sticks and later reads return zero
// values, so that decoding code reads straight through.
type decoder struct {
	b   []byte
	off int
	err error
	of  string
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fail(ErrMalformed, "%s is damaged: at byte %d: "+format, append([]any{d.of, d.off}, args...)...)
	}
}

func (d *decoder) check(err error) {
	if err != nil && d.err == nil {
		d.err = &failure{kind: ErrMalformed, msg: d.of + " is damaged: " + err.Error()}
	}
}

func (d *decoder) take(n int, what string) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.b)-d.off < n {
		d.fail("truncated in the %s", what)
		return nil
	}
	v := d.b[d.off : d.off+n]
	d.off += n
	return v
}

func (d *decoder) u8(what string) byte {
	if v := d.take(1, what); v != nil {
		return v[0]
	}
	return 0
}

func (d *decoder) u64(what string) uint64 {
	if v := d.take(8, what); v != nil {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

func (d *decoder) time(what string) time.Time {
	s := d.u64(what)
	if d.err == nil && (s == 0 || s > 1<<62) {
		d.fail("%s %d is out of range", what, s)
	}
	return time.Unix(int64(s), 0).UTC()
}

func (d *decoder) name(what string) string {
	s := string(d.take(int(d.u8(what)), what))
	if d.err == nil {
		d.check(identity.CheckName(what, s))
	}
	return s
}

func (d *decoder) optName(what string) string {
	if d.err == nil && d.off < len(d.b) && d.b[d.off] == 0 {
		d.off++
		return ""
	}
	return d.name(what)
}

func (d *decoder) deviceID() string {
	return identity.DeviceIDEncoding.EncodeToString(d.take(deviceIDBytes, "device ID"))
}

func (d *decoder) device() identity.DevicePublic {
	var p identity.DevicePublic
	p.ID = d.deviceID()
	p.AgeRecipient = string(d.take(int(d.u8("age key")), "age key"))
	p.SignKey = slices.Clone(ed25519.PublicKey(d.take(ed25519.PublicKeySize, "signing key")))
	if d.err == nil {
		d.check(p.Check())
	}
	return p
}

func (d *decoder) communes(min int) []string {
	n := int(d.u8("commune count"))
	if d.err == nil && (n < min || n > MaxCommunes) {
		d.fail("%d communes; want %d to %d", n, min, MaxCommunes)
	}
	var list []string
	for range n {
		c := d.name("commune")
		if d.err == nil && len(list) > 0 && list[len(list)-1] >= c {
			d.fail("communes are not sorted or repeat")
		}
		list = append(list, c)
	}
	return list
}

func (d *decoder) keyID() string {
	return hex.EncodeToString(d.take(keyIDBytes, "district key ID"))
}

// signature reads the final field and insists that nothing follows it.
func (d *decoder) signature() []byte {
	sig := d.take(sigBytes, "signature")
	if d.err == nil && d.off != len(d.b) {
		d.fail("%d unexpected bytes after the signature", len(d.b)-d.off)
	}
	return slices.Clone(sig)
}

// verifySig is ed25519.Verify without its panic on a key of the wrong size:
// a damaged trusted key must fail verification, not crash the node.
func verifySig(key ed25519.PublicKey, msg, sig []byte) bool {
	return len(key) == ed25519.PublicKeySize && len(sig) == sigBytes && ed25519.Verify(key, msg, sig)
}
