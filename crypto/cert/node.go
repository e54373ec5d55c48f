package cert

import (
	"crypto/ed25519"
	"slices"
	"time"

	"github.com/communekit/communekit/crypto/identity"
)

// NodeCertificate is the district's word that a node's keys are those of
// one of its nodes. A node signs receipts, refusals, pull answers and
// backups with its own key and shows this certificate beside them; its TLS
// certificate (NodeTLSCertificate) is made from the same key and serial,
// so revoking the serial revokes both.
type NodeCertificate struct {
	Serial        uint64 // unique within the district, shared with device certificates
	Node          identity.NodePublic
	NotBefore     time.Time
	NotAfter      time.Time
	District      string
	DistrictKeyID string
	Sig           []byte
}

// MaxNodeValidity bounds a node certificate's validity. A node's key lives
// on a server that can be taken; a shorter life than a device's limits how
// long a copy that was never noticed is worth anything.
const MaxNodeValidity = 5 * 366 * 24 * time.Hour

// IssueNode certifies the node keys pub, valid from an hour before now
// (for slow clocks) for validFor.
func IssueNode(pub identity.NodePublic, validFor time.Duration, serial uint64, d *identity.District, now time.Time) (*NodeCertificate, error) {
	if err := pub.Check(); err != nil {
		return nil, fail(ErrMalformed, "node certificate: %v", err)
	}
	if validFor < time.Second || validFor > MaxNodeValidity {
		return nil, fail(ErrMalformed, "validity of %v is out of range; give from one second to %d days", validFor, MaxNodeValidity/(24*time.Hour))
	}
	if serial == 0 {
		return nil, fail(ErrMalformed, "serial number 0 is reserved; serials start at 1")
	}
	p := d.Public()
	now = second(now)
	c := &NodeCertificate{Serial: serial, Node: pub, NotBefore: now.Add(-clockSlack), NotAfter: second(now.Add(validFor)),
		District: p.Name, DistrictKeyID: p.KeyID}
	msg, err := c.signedBytes()
	if err != nil {
		return nil, err
	}
	c.Sig = ed25519.Sign(d.Sign, msg)
	return c, nil
}

// Verify checks that c was signed by district and is valid at now, with
// the errors of [Certificate.Verify]. Revocation is checked apart, with
// [RevocationList.CheckSerial].
func (c *NodeCertificate) Verify(district identity.DistrictPublic, now time.Time) error {
	if err := c.VerifySignature(district); err != nil {
		return err
	}
	if now.Before(c.NotBefore) {
		return fail(ErrNotYetValid, "certificate of node %s is not valid before %s; check the date and time of this machine", c.Node.ID, minute(c.NotBefore))
	}
	if !now.Before(c.NotAfter) {
		return fail(ErrExpired, "certificate of node %s expired on %s; the district office makes the node a new one (kitctl district node-cert)", c.Node.ID, day(c.NotAfter))
	}
	return nil
}

// VerifySignature is Verify without the dates: for something the node
// signed while its certificate was valid (a receipt kept for years).
func (c *NodeCertificate) VerifySignature(district identity.DistrictPublic) error {
	if kid := identity.KeyID(district.AgeRecipient, district.SignKey); c.DistrictKeyID != kid {
		return fail(ErrWrongDistrict, "node %s was certified by district %q (key %s), not by district %q (key %s) that this machine trusts",
			c.Node.ID, c.District, c.DistrictKeyID, district.Name, kid)
	}
	msg, err := c.signedBytes()
	if err != nil {
		return err
	}
	if !verifySig(district.SignKey, msg, c.Sig) {
		return fail(ErrBadSignature, "certificate of node %s does not carry a valid signature of district %q: it is forged or damaged", c.Node.ID, district.Name)
	}
	return nil
}

func (c *NodeCertificate) signedBytes() ([]byte, error) {
	e := encoder{of: nodeCertKind.name}
	e.b = append(e.b, nodeCertKind.magic...)
	if c.Serial == 0 {
		e.fail("serial number 0 is reserved")
	}
	e.u64(c.Serial)
	e.node(c.Node)
	e.time("start of validity", c.NotBefore)
	e.time("end of validity", c.NotAfter)
	if !c.NotBefore.Before(c.NotAfter) {
		e.fail("validity ends (%s) before it starts (%s)", minute(c.NotAfter), minute(c.NotBefore))
	}
	e.name("district name", c.District)
	e.keyID(c.DistrictKeyID)
	return e.b, e.err
}

// MarshalBinary returns the binary form of a signed node certificate.
func (c *NodeCertificate) MarshalBinary() ([]byte, error) {
	e := encoder{of: nodeCertKind.name}
	e.b, e.err = c.signedBytes()
	return e.signed(c.Sig)
}

// MarshalText returns the text form: "CKNOD1:" and the binary form in
// base64url.
func (c *NodeCertificate) MarshalText() ([]byte, error) {
	b, err := c.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return nodeCertKind.text(b), nil
}

// ParseNodeCertificate reads a node certificate in its binary or text form.
// It does not verify it.
func ParseNodeCertificate(b []byte) (*NodeCertificate, error) {
	bin, err := nodeCertKind.binary(b)
	if err != nil {
		return nil, err
	}
	d := decoder{b: bin, off: len(nodeCertKind.magic), of: nodeCertKind.name}
	c := &NodeCertificate{Serial: d.u64("serial number")}
	if d.err == nil && c.Serial == 0 {
		d.fail("serial number 0 is reserved")
	}
	c.Node = d.node()
	c.NotBefore = d.time("start of validity")
	c.NotAfter = d.time("end of validity")
	if d.err == nil && !c.NotBefore.Before(c.NotAfter) {
		d.fail("validity ends before it starts")
	}
	c.District = d.name("district name")
	c.DistrictKeyID = d.keyID()
	c.Sig = d.signature()
	if d.err != nil {
		return nil, d.err
	}
	return c, nil
}

func (e *encoder) node(p identity.NodePublic) {
	e.check(p.Check())
	e.b = append(e.b, byte(len(p.ID)))
	e.b = append(e.b, p.ID...)
	e.u8(byte(len(p.AgeRecipient)))
	e.b = append(e.b, p.AgeRecipient...)
	e.b = append(e.b, p.SignKey...)
}

func (d *decoder) node() identity.NodePublic {
	var p identity.NodePublic
	p.ID = string(d.take(int(d.u8("node ID")), "node ID"))
	p.AgeRecipient = string(d.take(int(d.u8("age key")), "age key"))
	p.SignKey = slices.Clone(ed25519.PublicKey(d.take(ed25519.PublicKeySize, "signing key")))
	if d.err == nil {
		d.check(p.Check())
	}
	return p
}

// CheckSerial refuses, with a [*RevokedError], a serial l revokes by
// itself (a node certificate's: nodes have no device ID). l must have
// been verified.
func (l *RevocationList) CheckSerial(serial uint64, node string) error {
	for _, e := range l.Entries {
		if e.Serial != 0 && e.Serial == serial && e.DeviceID == "" {
			return &RevokedError{Node: node, Serial: serial, Entry: e}
		}
	}
	return nil
}
