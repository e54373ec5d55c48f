package cert

import (
	"crypto/ed25519"
	"slices"
	"time"

	"github.com/communekit/communekit/crypto/identity"
)

// MaxValidity bounds the validity a certificate can be given. A device still
// in use after ten years enrols again, which also refreshes its officer's
// name and scope.
const MaxValidity = 10 * 366 * 24 * time.Hour

// clockSlack backdates a certificate's NotBefore, so that a device whose
// clock runs somewhat slow can still install and use a certificate signed
// minutes ago.
const clockSlack = time.Hour

// Certificate is a district's word that a device, used by the named officer,
// may act in the given role for the given communes during the validity
// period.
type Certificate struct {
	Serial        uint64 // chosen by the district, unique within it, never 0
	Device        identity.DevicePublic
	Officer       string
	Role          Role
	Communes      []string // sorted, at least one
	NotBefore     time.Time
	NotAfter      time.Time // first second at which the certificate is no longer valid
	District      string    // name of the district, for messages
	DistrictKeyID string    // identity.KeyID of the signing district: what is checked
	// Replaces is the device this one replaces (replaces.go), or "": the
	// district retires it and lets this device carry over its operations.
	Replaces string
	Sig      []byte
}

// Sign issues a certificate for the device that made r, after checking r's
// signature. communes is the scope the administrator grants; when empty, the
// scope the request asked for. The certificate is valid from an hour before
// now (for slow clocks) until now+validFor.
func Sign(r *Request, role Role, communes []string, validFor time.Duration, serial uint64, d *identity.District, now time.Time) (*Certificate, error) {
	if err := r.Verify(); err != nil {
		return nil, err
	}
	if _, ok := roleCodes[role]; !ok {
		return nil, fail(ErrUnknownRole, "unknown role %q; the roles are officer, supervisor and admin", role)
	}
	if len(communes) == 0 {
		communes = r.Communes
	}
	if len(communes) == 0 {
		return nil, fail(ErrMalformed, "the request of device %s (%s) names no commune; give the communes the officer works for", r.Device.ID, r.Officer)
	}
	if validFor < time.Second || validFor > MaxValidity {
		return nil, fail(ErrMalformed, "validity of %v is out of range; give from one second to %d days", validFor, MaxValidity/(24*time.Hour))
	}
	if serial == 0 {
		return nil, fail(ErrMalformed, "serial number 0 is reserved; serials start at 1")
	}
	p := d.Public()
	now = second(now)
	c := &Certificate{
		Serial:        serial,
		Device:        r.Device,
		Officer:       r.Officer,
		Role:          role,
		Communes:      cleanCommunes(communes),
		NotBefore:     now.Add(-clockSlack),
		NotAfter:      second(now.Add(validFor)),
		District:      p.Name,
		DistrictKeyID: p.KeyID,
		Replaces:      r.Replaces,
	}
	msg, err := c.signedBytes()
	if err != nil {
		return nil, err
	}
	c.Sig = ed25519.Sign(d.Sign, msg)
	return c, nil
}

// Verify checks that c was signed by district and is valid at now. It
// reports, in this order: [ErrWrongDistrict] when c names another district
// key, [ErrBadSignature] when the signature fails, then [ErrNotYetValid] or
// [ErrExpired]. Revocation is checked apart, with [RevocationList.Check].
func (c *Certificate) Verify(district identity.DistrictPublic, now time.Time) error {
	if kid := identity.KeyID(district.AgeRecipient, district.SignKey); c.DistrictKeyID != kid {
		return fail(ErrWrongDistrict, "certificate of %s was issued by district %q (key %s), not by district %q (key %s) that this machine trusts; enrol the device with %q",
			c.who(), c.District, c.DistrictKeyID, district.Name, kid, district.Name)
	}
	msg, err := c.signedBytes()
	if err != nil {
		return err
	}
	if !verifySig(district.SignKey, msg, c.Sig) {
		return fail(ErrBadSignature, "certificate of %s does not carry a valid signature of district %q; it was altered or damaged — ask the district for the certificate again",
			c.who(), district.Name)
	}
	if now.Before(c.NotBefore) {
		return fail(ErrNotYetValid, "certificate of %s is not valid before %s; check the date and time of this machine",
			c.who(), minute(c.NotBefore))
	}
	if !now.Before(c.NotAfter) {
		return fail(ErrExpired, "certificate of %s expired on %s; enrol the device again", c.who(), day(c.NotAfter))
	}
	return nil
}

// Covers reports whether commune is within c's scope.
func (c *Certificate) Covers(commune string) bool {
	_, ok := slices.BinarySearch(c.Communes, identity.CleanName(commune))
	return ok
}

// CheckCommune is [Certificate.Covers] as an error wrapping [ErrNotCovered],
// for refusing data of a commune the officer is not enrolled for.
func (c *Certificate) CheckCommune(commune string) error {
	if c.Covers(commune) {
		return nil
	}
	return fail(ErrNotCovered, "%s is not enrolled for commune %q, only for %q; the district can enrol it again with that commune",
		c.who(), commune, c.Communes)
}

func (c *Certificate) who() string {
	return "device " + c.Device.ID + " (" + c.Officer + ")"
}

func (c *Certificate) signedBytes() ([]byte, error) {
	e := encoder{of: certificateKind.name}
	e.b = append(e.b, certificateKind.magic...)
	if c.Serial == 0 {
		e.fail("serial number 0 is reserved")
	}
	e.u64(c.Serial)
	e.device(c.Device)
	e.name("officer name", c.Officer)
	code, ok := roleCodes[c.Role]
	if !ok {
		e.fail("unknown role %q", c.Role)
	}
	e.u8(code)
	e.communes(c.Communes, 1)
	e.time("start of validity", c.NotBefore)
	e.time("end of validity", c.NotAfter)
	if !c.NotBefore.Before(c.NotAfter) {
		e.fail("validity ends (%s) before it starts (%s)", minute(c.NotAfter), minute(c.NotBefore))
	}
	e.name("district name", c.District)
	e.keyID(c.DistrictKeyID)
	e.replaces(c.Replaces)
	if c.Replaces == c.Device.ID && c.Replaces != "" {
		e.fail("device %s cannot replace itself", c.Replaces)
	}
	return e.b, e.err
}

// MarshalBinary returns the binary form of a signed certificate.
func (c *Certificate) MarshalBinary() ([]byte, error) {
	e := encoder{of: certificateKind.name}
	e.b, e.err = c.signedBytes()
	return e.signed(c.Sig)
}

// MarshalText returns the text form: "CKCRT1:" and the binary form in
// base64url, one line with no spaces, fit for a QR code.
func (c *Certificate) MarshalText() ([]byte, error) {
	b, err := c.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return certificateKind.text(b), nil
}

// UnmarshalBinary is [ParseCertificate] for the binary form.
func (c *Certificate) UnmarshalBinary(b []byte) error { return c.unmarshal(b) }

// UnmarshalText is [ParseCertificate] for the text form.
func (c *Certificate) UnmarshalText(b []byte) error { return c.unmarshal(b) }

func (c *Certificate) unmarshal(b []byte) error {
	p, err := ParseCertificate(b)
	if err != nil {
		return err
	}
	*c = *p
	return nil
}

// ParseCertificate reads a certificate in its binary form, or in its text
// form with any surrounding white space. It does not verify it; call
// [Certificate.Verify].
func ParseCertificate(b []byte) (*Certificate, error) {
	bin, err := certificateKind.binary(b)
	if err != nil {
		return nil, err
	}
	d := decoder{b: bin, off: len(certificateKind.magic), of: certificateKind.name}
	c := &Certificate{Serial: d.u64("serial number")}
	if d.err == nil && c.Serial == 0 {
		d.fail("serial number 0 is reserved")
	}
	c.Device = d.device()
	c.Officer = d.name("officer name")
	code := d.u8("role")
	if r, ok := roleFromCode(code); ok {
		c.Role = r
	} else if d.err == nil {
		d.fail("unknown role code %d; this program may be older than the district's", code)
	}
	c.Communes = d.communes(1)
	c.NotBefore = d.time("start of validity")
	c.NotAfter = d.time("end of validity")
	if d.err == nil && !c.NotBefore.Before(c.NotAfter) {
		d.fail("validity ends before it starts")
	}
	c.District = d.name("district name")
	c.DistrictKeyID = d.keyID()
	c.Replaces = d.replaces()
	c.Sig = d.signature()
	if d.err != nil {
		return nil, d.err
	}
	return c, nil
}
