package cert

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"time"

	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/crypto/keyring"
)

// NodeCredential is everything one district node needs to run without the
// district's root key: its own keys and the district's certificate of
// them, its TLS certificate, the district's public identity, and every
// generation of the batch key so far (to open devices' batches). The
// district office makes it (`kitctl district node-cert`); it travels as a
// file wrapped under a passphrase of its own.
type NodeCredential struct {
	District identity.DistrictPublic
	Node     *identity.Node
	Cert     *NodeCertificate
	TLS      []byte              // DER of the node's TLS certificate (NodeTLSCertificate)
	CA       []byte              // DER of the district's CA certificate (DistrictCA)
	Batch    []identity.BatchKey // every generation, oldest first, from 0
}

// DefaultNodeValidity is how long `kitctl district node-cert` certifies a
// node for unless told otherwise.
const DefaultNodeValidity = 2 * 366 * 24 * time.Hour

// IssueNodeCredential makes fresh keys for node id and certifies them with
// d's root key under serial, valid for validFor from now. The credential
// holds every batch key generation of d.
func IssueNodeCredential(d *identity.District, id string, serial uint64, validFor time.Duration, now time.Time) (*NodeCredential, error) {
	n, err := identity.NewNode(id)
	if err != nil {
		return nil, fail(ErrMalformed, "%v", err)
	}
	c, err := IssueNode(n.Public(), validFor, serial, d, now)
	if err != nil {
		return nil, err
	}
	ca, err := DistrictCA(d)
	if err != nil {
		return nil, err
	}
	t, err := NodeTLSCertificate(c, ca, d)
	if err != nil {
		return nil, err
	}
	return &NodeCredential{District: d.Public(), Node: n, Cert: c, TLS: t, CA: ca, Batch: d.BatchKeys()}, nil
}

// RootOnlineCredential is the credential of node id that a node holding
// the district's root key makes itself (districtd --district: demos and
// tests): its keys derived from the root key (identity.DeriveNode), its
// serial from them, valid from the start of now's year for two years, so
// that the node is the same node, with the same certificate bytes, at
// every start within a year.
func RootOnlineCredential(d *identity.District, id string, now time.Time) (*NodeCredential, error) {
	n, err := identity.DeriveNode(d, id)
	if err != nil {
		return nil, fail(ErrMalformed, "%v", err)
	}
	sum := sha256.Sum256(n.Sign.Public().(ed25519.PublicKey))
	p := d.Public()
	start := time.Date(now.UTC().Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	c := &NodeCertificate{Serial: binary.BigEndian.Uint64(sum[:8]) | 3<<62, Node: n.Public(), NotBefore: start, NotAfter: start.AddDate(2, 0, 0),
		District: p.Name, DistrictKeyID: p.KeyID}
	msg, err := c.signedBytes()
	if err != nil {
		return nil, err
	}
	c.Sig = ed25519.Sign(d.Sign, msg)
	ca, err := DistrictCA(d)
	if err != nil {
		return nil, err
	}
	t, err := NodeTLSCertificate(c, ca, d)
	if err != nil {
		return nil, err
	}
	return &NodeCredential{District: p, Node: n, Cert: c, TLS: t, CA: ca, Batch: d.BatchKeys()}, nil
}

// RandomNodeSerial is a serial for a node certificate made on a node from
// the district profile (districtd --district), with no registry to number
// it: random, with the top bits set so that it cannot meet the small
// serials the district office counts up.
func RandomNodeSerial() uint64 {
	var b [8]byte
	rand.Read(b[:])
	return binary.BigEndian.Uint64(b[:]) | 3<<62
}

// Check reports whether the parts of c belong together: the certificate
// signed by the district and of the node's own keys, the TLS certificate
// of the same key and serial, the batch keys from generation 0 (the
// district's own) up without gaps.
func (c *NodeCredential) Check() error {
	if c.Node == nil || c.Cert == nil {
		return fail(ErrMalformed, "node credential without keys or certificate")
	}
	if err := c.Cert.VerifySignature(c.District); err != nil {
		return err
	}
	pub := c.Node.Public()
	if c.Cert.Node.ID != pub.ID || c.Cert.Node.AgeRecipient != pub.AgeRecipient || !bytes.Equal(c.Cert.Node.SignKey, pub.SignKey) {
		return fail(ErrMalformed, "node credential: the certificate is of other keys than the node's")
	}
	peer, err := VerifyNodeTLS([][]byte{c.TLS}, c.District, x509.ExtKeyUsageServerAuth, c.Cert.NotBefore.Add(time.Second), 0)
	if err != nil {
		return err
	}
	if peer.ID != pub.ID || peer.Serial != c.Cert.Serial || !bytes.Equal(peer.Key, pub.SignKey) {
		return fail(ErrMalformed, "node credential: the TLS certificate is of another node or key")
	}
	ca, err := x509.ParseCertificate(c.CA)
	if err != nil {
		return fail(ErrMalformed, "node credential: district CA certificate: %v", err)
	}
	if k, ok := ca.PublicKey.(ed25519.PublicKey); !ok || !bytes.Equal(k, c.District.SignKey) {
		return fail(ErrMalformed, "node credential: the CA certificate is not of the district's root key")
	}
	if len(c.Batch) == 0 || c.Batch[0].Gen != 0 || c.Batch[0].Age.Recipient().String() != c.District.AgeRecipient {
		return fail(ErrMalformed, "node credential: generation 0 of the batch key is not the district's")
	}
	for i, k := range c.Batch {
		if k.Gen != uint32(i) {
			return fail(ErrMalformed, "node credential: batch key generations are not 0, 1, 2, …")
		}
	}
	return nil
}

// credentialMagic starts the plaintext of a wrapped node credential:
//
//	"CKNODCRD" 0x01
//	uint16 len + district public text (identity.DistrictPublic.MarshalText)
//	uint16 len + node keys (identity.Node.MarshalBinary)
//	uint16 len + node certificate (binary)
//	uint16 len + TLS certificate (DER)
//	uint16 len + CA certificate (DER)
//	uint16 count, then each batch key generation (identity.AppendBatchKey)
const credentialMagic = "CKNODCRD\x01"

// MarshalBinary returns the plaintext encoding Wrap wraps.
func (c *NodeCredential) MarshalBinary() ([]byte, error) {
	if err := c.Check(); err != nil {
		return nil, err
	}
	dt, err := c.District.MarshalText()
	if err != nil {
		return nil, err
	}
	nk, err := c.Node.MarshalBinary()
	if err != nil {
		return nil, err
	}
	cb, err := c.Cert.MarshalBinary()
	if err != nil {
		return nil, err
	}
	b := []byte(credentialMagic)
	for _, part := range [][]byte{dt, nk, cb, c.TLS, c.CA} {
		if len(part) > 0xffff {
			return nil, fail(ErrMalformed, "node credential part of %d bytes", len(part))
		}
		b = binary.BigEndian.AppendUint16(b, uint16(len(part)))
		b = append(b, part...)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(c.Batch)))
	for _, k := range c.Batch {
		b = identity.AppendBatchKey(b, k)
	}
	return b, nil
}

// ParseNodeCredential decodes what MarshalBinary returns and checks it.
func ParseNodeCredential(p []byte) (*NodeCredential, error) {
	if !bytes.HasPrefix(p, []byte(credentialMagic)) {
		return nil, fail(ErrMalformed, "not a node credential of this version")
	}
	p = p[len(credentialMagic):]
	var parts [5][]byte
	for i := range parts {
		if len(p) < 2 || len(p) < 2+int(binary.BigEndian.Uint16(p)) {
			return nil, fail(ErrMalformed, "node credential is truncated")
		}
		n := int(binary.BigEndian.Uint16(p))
		parts[i], p = p[2:2+n], p[2+n:]
	}
	c := &NodeCredential{TLS: bytes.Clone(parts[3]), CA: bytes.Clone(parts[4])}
	if err := c.District.UnmarshalText(parts[0]); err != nil {
		return nil, fail(ErrMalformed, "node credential: %v", err)
	}
	var err error
	if c.Node, err = identity.ParseNode(parts[1]); err != nil {
		return nil, fail(ErrMalformed, "node credential: %v", err)
	}
	if c.Cert, err = ParseNodeCertificate(parts[2]); err != nil {
		return nil, err
	}
	if len(p) < 2 {
		return nil, fail(ErrMalformed, "node credential is truncated")
	}
	count := int(binary.BigEndian.Uint16(p))
	p = p[2:]
	if count == 0 || count > identity.MaxBatchKeys {
		return nil, fail(ErrMalformed, "node credential holds %d batch keys", count)
	}
	for range count {
		var k identity.BatchKey
		if k, p, err = identity.ParseBatchKey(p); err != nil {
			return nil, fail(ErrMalformed, "node credential: %v", err)
		}
		c.Batch = append(c.Batch, k)
	}
	if len(p) != 0 {
		return nil, fail(ErrMalformed, "node credential: %d unexpected bytes at the end", len(p))
	}
	if err := c.Check(); err != nil {
		return nil, err
	}
	return c, nil
}

// Wrap encodes c and wraps it under passphrase with [keyring.Wrap].
func (c *NodeCredential) Wrap(passphrase []byte, workFactor int) ([]byte, error) {
	b, err := c.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return keyring.Wrap(b, passphrase, workFactor)
}

// UnwrapNodeCredential opens a file made by Wrap. A wrong passphrase gives
// [keyring.ErrWrongPassphrase].
func UnwrapNodeCredential(b, passphrase []byte) (*NodeCredential, error) {
	p, err := keyring.Unwrap(b, passphrase)
	if err != nil {
		return nil, err
	}
	return ParseNodeCredential(p)
}
