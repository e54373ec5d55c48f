package cert

import (
	"crypto/ed25519"
	"slices"
	"time"

	"github.com/communekit/communekit/crypto/identity"
)

// MaxRevoked bounds the entries of a revocation list, and so the work of
// reading one.
const MaxRevoked = 10000

// Revoked is one entry of a revocation list. It names a device, a
// certificate serial, or both; either match refuses a certificate. Naming the
// device refuses every certificate it ever had or will have: a stolen laptop
// stays refused even if someone talks the district into signing again.
type Revoked struct {
	DeviceID string // "" when only Serial is revoked
	Serial   uint64 // 0 when the whole device is revoked
	Reason   string // for people, may be empty
	At       time.Time
}

// RevocationList is a district's signed list of what it has revoked. Each
// list the district makes has the next Seq and the entries of the one before
// it plus one; a machine that holds a list replaces it only with one that
// [RevocationList.Follows] it, so a replayed old list cannot bring a revoked
// device back. The zero value is the empty list a district starts from.
type RevocationList struct {
	District      string
	DistrictKeyID string
	Seq           uint64
	Entries       []Revoked
	Sig           []byte
}

// NewRevocationList returns district d's signed empty list, Seq 0, for
// machines to hold before anything is revoked.
func NewRevocationList(d *identity.District) (*RevocationList, error) {
	p := d.Public()
	l := &RevocationList{District: p.Name, DistrictKeyID: p.KeyID}
	return l, l.sign(d)
}

// Revoke returns the list that follows l: Seq+1, with e added, signed by d.
// l itself must be d's (or the zero value) and, if signed, verify. Revoking
// what is already listed is an error wrapping [ErrRevoked].
func (l *RevocationList) Revoke(e Revoked, d *identity.District) (*RevocationList, error) {
	p := d.Public()
	if l.Sig != nil || l.Seq != 0 || len(l.Entries) != 0 {
		if err := l.Verify(p); err != nil {
			return nil, err
		}
	}
	if len(l.Entries) >= MaxRevoked {
		return nil, fail(ErrMalformed, "the revocation list is full (%d entries)", MaxRevoked)
	}
	e.Reason = identity.CleanName(e.Reason)
	e.At = second(e.At)
	for _, o := range l.Entries {
		if o.DeviceID == e.DeviceID && o.Serial == e.Serial {
			return nil, fail(ErrRevoked, "%s is already revoked, since %s", e.what(), day(o.At))
		}
	}
	next := &RevocationList{
		District:      p.Name,
		DistrictKeyID: p.KeyID,
		Seq:           l.Seq + 1,
		Entries:       append(slices.Clone(l.Entries), e),
	}
	return next, next.sign(d)
}

func (l *RevocationList) sign(d *identity.District) error {
	msg, err := l.signedBytes()
	if err != nil {
		return err
	}
	l.Sig = ed25519.Sign(d.Sign, msg)
	return nil
}

// Verify checks that l was signed by district.
func (l *RevocationList) Verify(district identity.DistrictPublic) error {
	if kid := identity.KeyID(district.AgeRecipient, district.SignKey); l.DistrictKeyID != kid {
		return fail(ErrWrongDistrict, "revocation list of district %q (key %s) is not from district %q (key %s) that this machine trusts",
			l.District, l.DistrictKeyID, district.Name, kid)
	}
	msg, err := l.signedBytes()
	if err != nil {
		return err
	}
	if !verifySig(district.SignKey, msg, l.Sig) {
		return fail(ErrBadSignature, "revocation list %d does not carry a valid signature of district %q; it was altered or damaged — fetch it again",
			l.Seq, district.Name)
	}
	return nil
}

// Check refuses c with a [*RevokedError] if l lists its device or its
// serial, whatever the time of revocation: a stolen key can sign with any
// date. l must have been verified; a list of another district than c's is
// [ErrWrongDistrict], not a pass.
func (l *RevocationList) Check(c *Certificate) error {
	if l.DistrictKeyID != c.DistrictKeyID {
		return fail(ErrWrongDistrict, "revocation list of district %q (key %s) cannot speak for the certificate of %s, issued by district %q (key %s)",
			l.District, l.DistrictKeyID, c.who(), c.District, c.DistrictKeyID)
	}
	for _, e := range l.Entries {
		if e.DeviceID != "" && e.DeviceID == c.Device.ID || e.Serial != 0 && e.Serial == c.Serial {
			return &RevokedError{Device: c.Device.ID, Officer: c.Officer, Serial: c.Serial, Entry: e}
		}
	}
	return nil
}

// Follows reports whether l may replace held, the list a machine holds: both
// are of one district, l is not older, and l keeps every entry of held in
// order. Both must have been verified. It returns [ErrWrongDistrict] or
// [ErrRollback].
func (l *RevocationList) Follows(held *RevocationList) error {
	if l.DistrictKeyID != held.DistrictKeyID {
		return fail(ErrWrongDistrict, "revocation list of district key %s cannot replace the list of district key %s", l.DistrictKeyID, held.DistrictKeyID)
	}
	if l.Seq < held.Seq {
		return fail(ErrRollback, "revocation list %d is older than list %d held here; keeping the held one", l.Seq, held.Seq)
	}
	n := len(held.Entries)
	if len(l.Entries) < n || !slices.EqualFunc(l.Entries[:n], held.Entries, sameEntry) || l.Seq == held.Seq && len(l.Entries) != n {
		return fail(ErrRollback, "revocation list %d does not keep the %d entries of list %d held here; keeping the held one and reporting it to the district",
			l.Seq, n, held.Seq)
	}
	return nil
}

func sameEntry(a, b Revoked) bool {
	return a.DeviceID == b.DeviceID && a.Serial == b.Serial && a.Reason == b.Reason && a.At.Equal(b.At)
}

func (e Revoked) what() string {
	switch {
	case e.Serial == 0:
		return "device " + e.DeviceID
	case e.DeviceID == "":
		return "certificate " + uitoa(e.Serial)
	}
	return "certificate " + uitoa(e.Serial) + " of device " + e.DeviceID
}

func (l *RevocationList) signedBytes() ([]byte, error) {
	e := encoder{of: revocationKind.name}
	e.b = append(e.b, revocationKind.magic...)
	e.name("district name", l.District)
	e.keyID(l.DistrictKeyID)
	e.u64(l.Seq)
	if len(l.Entries) > MaxRevoked {
		e.fail("%d entries, more than %d", len(l.Entries), MaxRevoked)
	}
	e.u64(uint64(len(l.Entries)))
	for i, r := range l.Entries {
		switch {
		case r.DeviceID == "" && r.Serial == 0:
			e.fail("entry %d names neither a device nor a serial", i+1)
		case slices.ContainsFunc(l.Entries[:i], func(o Revoked) bool { return o.DeviceID == r.DeviceID && o.Serial == r.Serial }):
			e.fail("entry %d repeats %s", i+1, r.what())
		}
		if r.DeviceID == "" {
			e.u8(0)
		} else {
			e.u8(1)
			e.deviceID(r.DeviceID)
		}
		e.u64(r.Serial)
		e.optName("reason", r.Reason)
		e.time("revocation time", r.At)
	}
	return e.b, e.err
}

// MarshalBinary returns the binary form of a signed list.
func (l *RevocationList) MarshalBinary() ([]byte, error) {
	e := encoder{of: revocationKind.name}
	e.b, e.err = l.signedBytes()
	return e.signed(l.Sig)
}

// MarshalText returns the text form: "CKREV1:" and the binary form in
// base64url.
func (l *RevocationList) MarshalText() ([]byte, error) {
	b, err := l.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return revocationKind.text(b), nil
}

// UnmarshalBinary is [ParseRevocationList] for the binary form.
func (l *RevocationList) UnmarshalBinary(b []byte) error { return l.unmarshal(b) }

// UnmarshalText is [ParseRevocationList] for the text form.
func (l *RevocationList) UnmarshalText(b []byte) error { return l.unmarshal(b) }

func (l *RevocationList) unmarshal(b []byte) error {
	p, err := ParseRevocationList(b)
	if err != nil {
		return err
	}
	*l = *p
	return nil
}

// ParseRevocationList reads a list in its binary form, or in its text form
// with any surrounding white space. It does not verify it; call
// [RevocationList.Verify].
func ParseRevocationList(b []byte) (*RevocationList, error) {
	bin, err := revocationKind.binary(b)
	if err != nil {
		return nil, err
	}
	d := decoder{b: bin, off: len(revocationKind.magic), of: revocationKind.name}
	l := &RevocationList{
		District:      d.name("district name"),
		DistrictKeyID: d.keyID(),
		Seq:           d.u64("sequence number"),
	}
	n := d.u64("entry count")
	if d.err == nil && n > MaxRevoked {
		d.fail("%d entries, more than %d", n, MaxRevoked)
	}
	seen := make(map[Revoked]bool)
	for i := uint64(0); i < n && d.err == nil; i++ {
		var r Revoked
		switch d.u8("entry") {
		case 0:
		case 1:
			r.DeviceID = d.deviceID()
		default:
			d.fail("entry %d has an unknown form", i+1)
		}
		r.Serial = d.u64("serial number")
		r.Reason = d.optName("reason")
		r.At = d.time("revocation time")
		key := Revoked{DeviceID: r.DeviceID, Serial: r.Serial}
		switch {
		case d.err != nil:
		case r.DeviceID == "" && r.Serial == 0:
			d.fail("entry %d names neither a device nor a serial", i+1)
		case seen[key]:
			d.fail("entry %d repeats %s", i+1, r.what())
		}
		seen[key] = true
		l.Entries = append(l.Entries, r)
	}
	l.Sig = d.signature()
	if d.err != nil {
		return nil, d.err
	}
	return l, nil
}
