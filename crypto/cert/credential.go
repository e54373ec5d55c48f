package cert

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
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
	// Browser is the certificate the node shows browsers (ECDSA P-256,
	// issued by the district's browser CA: browser.go), BrowserKey its
	// key; both nil in a credential made without one.
	Browser    []byte
	BrowserKey *ecdsa.PrivateKey
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
	return c.checkBrowser()
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
//
// Version 2 ("CKNODCRD" 0x02) adds, after the batch keys, the certificate
// the node shows browsers and its key:
//
//	uint16 len + browser certificate (DER)
//	uint16 len + its ECDSA P-256 key (32 bytes, big endian)
//
// A credential without a browser certificate is written as version 1, which
// nodes of every version read.
const (
	credentialMagic  = "CKNODCRD\x01"
	credentialMagic2 = "CKNODCRD\x02"
)

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
	magic := credentialMagic
	if c.Browser != nil {
		magic = credentialMagic2
	}
	b := []byte(magic)
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
	if c.Browser != nil {
		kb, err := c.BrowserKey.Bytes()
		if err != nil {
			return nil, err
		}
		for _, part := range [][]byte{c.Browser, kb} {
			if len(part) > 0xffff {
				return nil, fail(ErrMalformed, "node credential part of %d bytes", len(part))
			}
			b = binary.BigEndian.AppendUint16(b, uint16(len(part)))
			b = append(b, part...)
		}
	}
	return b, nil
}

// ParseNodeCredential decodes what MarshalBinary returns and checks it.
func ParseNodeCredential(p []byte) (*NodeCredential, error) {
	v2 := bytes.HasPrefix(p, []byte(credentialMagic2))
	if !v2 && !bytes.HasPrefix(p, []byte(credentialMagic)) {
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
	if v2 {
		var br [2][]byte
		for i := range br {
			if len(p) < 2 || len(p) < 2+int(binary.BigEndian.Uint16(p)) {
				return nil, fail(ErrMalformed, "node credential is truncated")
			}
			n := int(binary.BigEndian.Uint16(p))
			br[i], p = p[2:2+n], p[2+n:]
		}
		c.Browser = bytes.Clone(br[0])
		if c.BrowserKey, err = ecdsa.ParseRawPrivateKey(elliptic.P256(), br[1]); err != nil {
			return nil, fail(ErrMalformed, "node credential: browser key: %v", err)
		}
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
