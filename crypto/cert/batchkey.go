package cert

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"io"
	"time"

	"filippo.io/age"

	"github.com/communekit/communekit/crypto/identity"
)

// BatchKeyAnnouncement is the district's word that devices are to seal
// their batches to a new generation of its batch key. Devices learn it with
// a pull answer (or a district file on a stick), check it against the
// district key they were enrolled with, and seal to it from then on.
// Generation 0 is announced by the enrolment itself: it is the age key of
// identity.DistrictPublic.
type BatchKeyAnnouncement struct {
	Gen           uint32 // 1, 2, …
	Recipient     string // the generation's age recipient
	Made          time.Time
	District      string
	DistrictKeyID string
	Sig           []byte
}

// AnnounceBatchKey signs the announcement of k, a generation of d's batch
// key made at now.
func AnnounceBatchKey(k identity.BatchKey, d *identity.District, now time.Time) (*BatchKeyAnnouncement, error) {
	if k.Gen == 0 || k.Age == nil {
		return nil, fail(ErrMalformed, "generation 0 of the batch key is the district's own key: it is not announced")
	}
	p := d.Public()
	a := &BatchKeyAnnouncement{Gen: k.Gen, Recipient: k.Recipient(), Made: second(now), District: p.Name, DistrictKeyID: p.KeyID}
	msg, err := a.signedBytes()
	if err != nil {
		return nil, err
	}
	a.Sig = ed25519.Sign(d.Sign, msg)
	return a, nil
}

// KeyID is the key ID batches sealed to this generation name in their
// header.
func (a *BatchKeyAnnouncement) KeyID(district identity.DistrictPublic) string {
	return identity.BatchKeyID(a.Recipient, district.SignKey)
}

// Verify checks that a was signed by district.
func (a *BatchKeyAnnouncement) Verify(district identity.DistrictPublic) error {
	if kid := identity.KeyID(district.AgeRecipient, district.SignKey); a.DistrictKeyID != kid {
		return fail(ErrWrongDistrict, "batch key %d was announced by district %q (key %s), not by district %q (key %s) that this machine trusts",
			a.Gen, a.District, a.DistrictKeyID, district.Name, kid)
	}
	msg, err := a.signedBytes()
	if err != nil {
		return err
	}
	if !verifySig(district.SignKey, msg, a.Sig) {
		return fail(ErrBadSignature, "announcement of batch key %d does not carry a valid signature of district %q: it is forged or damaged", a.Gen, district.Name)
	}
	return nil
}

func (a *BatchKeyAnnouncement) signedBytes() ([]byte, error) {
	e := encoder{of: batchKeyKind.name}
	e.b = append(e.b, batchKeyKind.magic...)
	if a.Gen == 0 {
		e.fail("generation 0 is not announced")
	}
	e.b = binary.BigEndian.AppendUint32(e.b, a.Gen)
	if r, err := age.ParseX25519Recipient(a.Recipient); err != nil || r.String() != a.Recipient {
		e.fail("recipient %q is not a canonical age1 key", a.Recipient)
	}
	e.u8(byte(len(a.Recipient)))
	e.b = append(e.b, a.Recipient...)
	e.time("time made", a.Made)
	e.name("district name", a.District)
	e.keyID(a.DistrictKeyID)
	return e.b, e.err
}

// MarshalBinary returns the binary form of a signed announcement.
func (a *BatchKeyAnnouncement) MarshalBinary() ([]byte, error) {
	e := encoder{of: batchKeyKind.name}
	e.b, e.err = a.signedBytes()
	return e.signed(a.Sig)
}

// MarshalText returns the text form: "CKBKY1:" and the binary form in
// base64url.
func (a *BatchKeyAnnouncement) MarshalText() ([]byte, error) {
	b, err := a.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return batchKeyKind.text(b), nil
}

// ParseBatchKeyAnnouncement reads an announcement in its binary or text
// form. It does not verify it.
func ParseBatchKeyAnnouncement(b []byte) (*BatchKeyAnnouncement, error) {
	bin, err := batchKeyKind.binary(b)
	if err != nil {
		return nil, err
	}
	d := decoder{b: bin, off: len(batchKeyKind.magic), of: batchKeyKind.name}
	a := &BatchKeyAnnouncement{}
	if g := d.take(4, "generation"); g != nil {
		a.Gen = binary.BigEndian.Uint32(g)
	}
	if d.err == nil && a.Gen == 0 {
		d.fail("generation 0 is not announced")
	}
	a.Recipient = string(d.take(int(d.u8("recipient")), "recipient"))
	if d.err == nil {
		if r, err := age.ParseX25519Recipient(a.Recipient); err != nil || r.String() != a.Recipient {
			d.fail("recipient is not a canonical age1 key")
		}
	}
	a.Made = d.time("time made")
	a.District = d.name("district name")
	a.DistrictKeyID = d.keyID()
	a.Sig = d.signature()
	if d.err != nil {
		return nil, d.err
	}
	return a, nil
}

// BatchKeyRollout carries a new generation of the batch key to the nodes:
// its announcement, and its private half sealed with age to each node the
// district office trusts at the time, all signed by the district. A node
// left out (revoked, or taken) cannot open it.
type BatchKeyRollout struct {
	Key    *BatchKeyAnnouncement
	Sealed []byte // age ciphertext of the generation's secret, to the nodes
	Sig    []byte
}

// batchSecretMagic starts the plaintext of a rollout's sealed part.
const batchSecretMagic = "CKBKSEC1"

// NewBatchKeyRollout seals k (announced by a) to the nodes whose keys
// their certificates certify, and signs the whole.
func NewBatchKeyRollout(k identity.BatchKey, a *BatchKeyAnnouncement, nodes []*NodeCertificate, d *identity.District) (*BatchKeyRollout, error) {
	if a.Gen != k.Gen || a.Recipient != k.Recipient() {
		return nil, fail(ErrMalformed, "the announcement is of another batch key than the one rolled out")
	}
	if len(nodes) == 0 {
		return nil, fail(ErrMalformed, "a batch key rollout needs at least one node to seal the key to")
	}
	var rs []age.Recipient
	for _, n := range nodes {
		r, err := age.ParseX25519Recipient(n.Node.AgeRecipient)
		if err != nil {
			return nil, fail(ErrMalformed, "node %s: %v", n.Node.ID, err)
		}
		rs = append(rs, r)
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, rs...)
	if err != nil {
		return nil, fail(ErrMalformed, "sealing the batch key: %v", err)
	}
	secret := k.Age.String()
	pt := binary.BigEndian.AppendUint32([]byte(batchSecretMagic), k.Gen)
	pt = append(append(pt, byte(len(secret))), secret...)
	if _, err := w.Write(pt); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	r := &BatchKeyRollout{Key: a, Sealed: buf.Bytes()}
	msg, err := r.signedBytes()
	if err != nil {
		return nil, err
	}
	r.Sig = ed25519.Sign(d.Sign, msg)
	return r, nil
}

// Verify checks that r and its announcement were signed by district.
func (r *BatchKeyRollout) Verify(district identity.DistrictPublic) error {
	if err := r.Key.Verify(district); err != nil {
		return err
	}
	msg, err := r.signedBytes()
	if err != nil {
		return err
	}
	if !verifySig(district.SignKey, msg, r.Sig) {
		return fail(ErrBadSignature, "rollout of batch key %d does not carry a valid signature of district %q: it is forged or damaged", r.Key.Gen, district.Name)
	}
	return nil
}

// ErrNotARecipient means a rollout was not sealed to the node opening it.
var ErrNotARecipient = errors.New("not a recipient of the batch key rollout")

// Open returns the batch key r carries, if it was sealed to node. r must
// have been verified.
func (r *BatchKeyRollout) Open(node *identity.Node) (identity.BatchKey, error) {
	rd, err := age.Decrypt(bytes.NewReader(r.Sealed), node.Age)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			return identity.BatchKey{}, &failure{kind: ErrNotARecipient, msg: "batch key " + uitoa(uint64(r.Key.Gen)) + " was not sealed to node " + node.ID + ": the district office made its rollout without this node (revoked, or not yet certified when it was made)"}
		}
		return identity.BatchKey{}, fail(ErrMalformed, "batch key %d: opening its rollout: %v", r.Key.Gen, err)
	}
	pt, err := io.ReadAll(io.LimitReader(rd, 512))
	if err != nil {
		return identity.BatchKey{}, fail(ErrMalformed, "batch key %d: opening its rollout: %v", r.Key.Gen, err)
	}
	n := len(batchSecretMagic)
	if len(pt) < n+5 || string(pt[:n]) != batchSecretMagic || binary.BigEndian.Uint32(pt[n:]) != r.Key.Gen || int(pt[n+4]) != len(pt)-n-5 {
		return identity.BatchKey{}, fail(ErrMalformed, "batch key %d: its rollout's sealed part is damaged", r.Key.Gen)
	}
	a, err := age.ParseX25519Identity(string(pt[n+5:]))
	if err != nil || a.Recipient().String() != r.Key.Recipient {
		return identity.BatchKey{}, fail(ErrMalformed, "batch key %d: the sealed key is not the one announced", r.Key.Gen)
	}
	return identity.BatchKey{Gen: r.Key.Gen, Age: a}, nil
}

func (r *BatchKeyRollout) signedBytes() ([]byte, error) {
	e := encoder{of: rolloutKind.name}
	e.b = append(e.b, rolloutKind.magic...)
	if r.Key == nil {
		e.fail("no announcement")
		return nil, e.err
	}
	a, err := r.Key.MarshalBinary()
	e.check(err)
	e.b = binary.BigEndian.AppendUint32(e.b, uint32(len(a)))
	e.b = append(e.b, a...)
	if len(r.Sealed) == 0 || len(r.Sealed) > rolloutKind.maxBinary/2 {
		e.fail("sealed part of %d bytes", len(r.Sealed))
	}
	e.b = binary.BigEndian.AppendUint32(e.b, uint32(len(r.Sealed)))
	e.b = append(e.b, r.Sealed...)
	return e.b, e.err
}

// MarshalBinary returns the binary form of a signed rollout.
func (r *BatchKeyRollout) MarshalBinary() ([]byte, error) {
	e := encoder{of: rolloutKind.name}
	e.b, e.err = r.signedBytes()
	return e.signed(r.Sig)
}

// MarshalText returns the text form: "CKBKR1:" and the binary form in
// base64url.
func (r *BatchKeyRollout) MarshalText() ([]byte, error) {
	b, err := r.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return rolloutKind.text(b), nil
}

// ParseBatchKeyRollout reads a rollout in its binary or text form. It does
// not verify it.
func ParseBatchKeyRollout(b []byte) (*BatchKeyRollout, error) {
	bin, err := rolloutKind.binary(b)
	if err != nil {
		return nil, err
	}
	d := decoder{b: bin, off: len(rolloutKind.magic), of: rolloutKind.name}
	r := &BatchKeyRollout{}
	ab := d.take(d.u32("announcement length"), "announcement")
	if d.err == nil {
		r.Key, err = ParseBatchKeyAnnouncement(ab)
		d.check(err)
	}
	r.Sealed = bytes.Clone(d.take(d.u32("sealed length"), "sealed key"))
	if d.err == nil && len(r.Sealed) == 0 {
		d.fail("empty sealed key")
	}
	r.Sig = d.signature()
	if d.err != nil {
		return nil, d.err
	}
	return r, nil
}

// u32 reads a length; a value past the end fails in the take that follows.
func (d *decoder) u32(what string) int {
	if v := d.take(4, what); v != nil {
		n := binary.BigEndian.Uint32(v)
		if int64(n) > int64(len(d.b)) {
			d.fail("%s %d is past the end", what, n)
			return 0
		}
		return int(n)
	}
	return 0
}
