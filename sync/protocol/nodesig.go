package protocol

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
)

// A node signs what it says (receipts, refusals, pull answers, backups)
// with its own key, and shows beside the signature its certificate, which
// the district's root key signed: whoever holds the district's public key
// checks both, and a node the district revoked is not believed. What the
// root key itself signed (before nodes had keys of their own, or with the
// root key online) is still believed: the root key is the district.

// Signer is a node's key and the text form of its certificate.
type Signer struct {
	Key  ed25519.PrivateKey
	Cert string // cert.NodeCertificate text form ("CKNOD1:…")
}

// Revoked refuses a node's certificate serial (nil: nothing is revoked).
type Revoked func(serial uint64, node string) error

// ErrNotSigned is a signature that does not check out: not by a node the
// district certified, or not over these bytes.
var ErrNotSigned = errors.New("not signed by the district")

// sign returns the hex signature of msg and the signer's certificate.
func (s Signer) sign(msg []byte) (sig, certText string) {
	return hex.EncodeToString(ed25519.Sign(s.Key, msg)), s.Cert
}

// NodeOf checks a node certificate text against the district d and the
// revocation check; it returns the certificate.
func NodeOf(certText string, d identity.DistrictPublic, revoked Revoked) (*cert.NodeCertificate, error) {
	c, err := cert.ParseNodeCertificate([]byte(certText))
	if err == nil {
		err = c.VerifySignature(d)
	}
	if err == nil && revoked != nil {
		err = revoked(c.Serial, c.Node.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotSigned, err)
	}
	return c, nil
}

// verifyBy checks sigHex over msg: by the node whose certificate is
// certText, or, when certText is empty, by the district's root key.
func verifyBy(msg []byte, sigHex, certText string, d identity.DistrictPublic, revoked Revoked) error {
	key := d.SignKey
	if certText != "" {
		c, err := NodeOf(certText, d, revoked)
		if err != nil {
			return err
		}
		key = c.Node.SignKey
	}
	sig, err := hex.DecodeString(sigHex)
	if err != nil || hex.EncodeToString(sig) != sigHex || len(key) != ed25519.PublicKeySize || !ed25519.Verify(key, msg, sig) {
		return ErrNotSigned
	}
	return nil
}
