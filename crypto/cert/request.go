package cert

import (
	"crypto/ed25519"
	"slices"
	"time"

	"github.com/communekit/communekit/crypto/identity"
)

// Request is a device's application to be enrolled: its public keys, the
// officer who uses it and the communes the officer asks for, signed by the
// device's own key to prove the device holds it.
type Request struct {
	Device   identity.DevicePublic
	Officer  string
	Communes []string // may be empty: the district decides the scope
	Created  time.Time
	// Replaces is the device this one replaces (replaces.go), or "".
	Replaces string
	Sig      []byte
}

// NewRequest makes a signed request from device d for the named officer.
// Names are cleaned with [identity.CleanName]; communes are sorted and
// repeats dropped; now is kept to the second.
func NewRequest(d *identity.Device, officer string, communes []string, now time.Time) (*Request, error) {
	return NewSuccessorRequest(d, officer, communes, "", now)
}

// NewSuccessorRequest is NewRequest for a device that replaces device old
// (replaces.go); old "" is NewRequest.
func NewSuccessorRequest(d *identity.Device, officer string, communes []string, old string, now time.Time) (*Request, error) {
	r := &Request{
		Replaces: old,
		Device:   d.Public(),
		Officer:  identity.CleanName(officer),
		Communes: cleanCommunes(communes),
		Created:  second(now),
	}
	msg, err := r.signedBytes()
	if err != nil {
		return nil, err
	}
	r.Sig = ed25519.Sign(d.Sign, msg)
	return r, nil
}

// Verify checks that the request is signed by the key it carries: the device
// that made it holds the private key. It proves nothing about who the
// officer is; the district's administrator checks that in person before
// signing a certificate.
func (r *Request) Verify() error {
	msg, err := r.signedBytes()
	if err != nil {
		return err
	}
	if !verifySig(r.Device.SignKey, msg, r.Sig) {
		return fail(ErrBadSignature, "enrolment request of device %s (%s) is not signed by the key it carries; it was altered or damaged on the way — make a new request on the device",
			r.Device.ID, r.Officer)
	}
	return nil
}

func (r *Request) signedBytes() ([]byte, error) {
	e := encoder{of: requestKind.name}
	e.b = append(e.b, requestKind.magic...)
	e.device(r.Device)
	e.name("officer name", r.Officer)
	e.communes(r.Communes, 0)
	e.time("creation time", r.Created)
	e.replaces(r.Replaces)
	if r.Replaces == r.Device.ID && r.Replaces != "" {
		e.fail("device %s cannot replace itself", r.Replaces)
	}
	return e.b, e.err
}

// MarshalBinary returns the binary form of a signed request.
func (r *Request) MarshalBinary() ([]byte, error) {
	e := encoder{of: requestKind.name}
	e.b, e.err = r.signedBytes()
	return e.signed(r.Sig)
}

// MarshalText returns the text form: "CKREQ1:" and the binary form in
// base64url, one line with no spaces, fit for a QR code.
func (r *Request) MarshalText() ([]byte, error) {
	b, err := r.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return requestKind.text(b), nil
}

// UnmarshalBinary is [ParseRequest] for the binary form.
func (r *Request) UnmarshalBinary(b []byte) error { return r.unmarshal(b) }

// UnmarshalText is [ParseRequest] for the text form.
func (r *Request) UnmarshalText(b []byte) error { return r.unmarshal(b) }

func (r *Request) unmarshal(b []byte) error {
	q, err := ParseRequest(b)
	if err != nil {
		return err
	}
	*r = *q
	return nil
}

// ParseRequest reads a request in its binary form, or in its text form with
// any surrounding white space. It does not verify the signature; call
// [Request.Verify].
func ParseRequest(b []byte) (*Request, error) {
	bin, err := requestKind.binary(b)
	if err != nil {
		return nil, err
	}
	d := decoder{b: bin, off: len(requestKind.magic), of: requestKind.name}
	r := &Request{
		Device:   d.device(),
		Officer:  d.name("officer name"),
		Communes: d.communes(0),
		Created:  d.time("creation time"),
		Replaces: d.replaces(),
		Sig:      d.signature(),
	}
	if d.err != nil {
		return nil, d.err
	}
	return r, nil
}

func cleanCommunes(list []string) []string {
	var out []string
	for _, c := range list {
		out = append(out, identity.CleanName(c))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func second(t time.Time) time.Time { return time.Unix(t.Unix(), 0).UTC() }
