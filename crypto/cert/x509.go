package cert

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"time"

	"github.com/communekit/communekit/crypto/identity"
)

// TLSServerName is the one DNS name every node's TLS certificate carries.
// Nodes are dialled by address, and addresses change; what a laptop or a
// node checks is that the certificate was signed by the district's root
// key, not what the machine is called.
const TLSServerName = "communekit-node"

// The district CA certificate is derived from the district's root key
// alone, so that the same bytes come out wherever it is made. Changing any
// of these fields (or the subject) makes nodes on different versions
// refuse each other until all are updated.
var (
	districtCASerial    = big.NewInt(1)
	districtCANotBefore = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	districtCANotAfter  = time.Date(2125, 1, 1, 0, 0, 0, 0, time.UTC)
)

// DistrictCA makes the self-signed X.509 CA certificate of d's root key,
// which nodes name as the issuer of their TLS certificates. Ed25519
// signatures are deterministic and the template is fixed, so every call
// returns the same DER.
func DistrictCA(d *identity.District) ([]byte, error) {
	tmpl := &x509.Certificate{
		SerialNumber:          districtCASerial,
		Subject:               pkix.Name{CommonName: "communekit district " + d.Name},
		NotBefore:             districtCANotBefore,
		NotAfter:              districtCANotAfter,
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, d.Sign.Public(), d.Sign)
	if err != nil {
		return nil, fail(ErrMalformed, "CA certificate of district %q: %v", d.Name, err)
	}
	return der, nil
}

// NodeTLSCertificate makes the X.509 certificate a node shows in TLS, to
// laptops and to other nodes: the key of c, c's serial and validity,
// common name the node ID, signed by the district's root key under the
// CA certificate caDER (from [DistrictCA]).
func NodeTLSCertificate(c *NodeCertificate, caDER []byte, d *identity.District) ([]byte, error) {
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, fail(ErrMalformed, "district CA certificate: %v", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: new(big.Int).SetUint64(c.Serial),
		Subject:      pkix.Name{CommonName: c.Node.ID},
		DNSNames:     []string{TLSServerName},
		NotBefore:    c.NotBefore,
		NotAfter:     c.NotAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, c.Node.SignKey, d.Sign)
	if err != nil {
		return nil, fail(ErrMalformed, "TLS certificate of node %q: %v", c.Node.ID, err)
	}
	return der, nil
}

// NodeTLSPeer is what a checked TLS certificate of a node says.
type NodeTLSPeer struct {
	ID     string // the node ID
	Serial uint64 // its node certificate's serial: what revocation names
	Key    ed25519.PublicKey
}

// VerifyNodeTLS checks the certificate a node showed in TLS (the leaf,
// first of raw) against the district's root key directly: no system CA,
// no chain, nothing but a certificate the district signed for a node, for
// the use asked (server or client), valid at now give or take slack. The
// caller checks the serial against the revocation list it holds.
func VerifyNodeTLS(raw [][]byte, district identity.DistrictPublic, usage x509.ExtKeyUsage, now time.Time, slack time.Duration) (*NodeTLSPeer, error) {
	if len(raw) == 0 {
		return nil, fail(ErrBadSignature, "the node showed no TLS certificate")
	}
	leaf, err := x509.ParseCertificate(raw[0])
	if err != nil {
		return nil, fail(ErrMalformed, "the node's TLS certificate is damaged: %v", err)
	}
	if leaf.SignatureAlgorithm != x509.PureEd25519 || !verifySig(district.SignKey, leaf.RawTBSCertificate, leaf.Signature) {
		return nil, fail(ErrBadSignature, "the server's TLS certificate (%q) is not signed by district %q that this machine trusts: it is not one of the district's nodes, or someone is in between",
			leaf.Subject.CommonName, district.Name)
	}
	key, ok := leaf.PublicKey.(ed25519.PublicKey)
	if !ok || leaf.SerialNumber == nil || !leaf.SerialNumber.IsUint64() || leaf.SerialNumber.Sign() <= 0 {
		return nil, fail(ErrMalformed, "the node's TLS certificate %q is not of the form the district makes", leaf.Subject.CommonName)
	}
	usable := false
	for _, u := range leaf.ExtKeyUsage {
		usable = usable || u == usage
	}
	if !usable {
		return nil, fail(ErrMalformed, "the TLS certificate of node %q is not made for this use", leaf.Subject.CommonName)
	}
	if now.Add(slack).Before(leaf.NotBefore) {
		return nil, fail(ErrNotYetValid, "the TLS certificate of node %q is not valid before %s; check the date and time of this machine", leaf.Subject.CommonName, minute(leaf.NotBefore))
	}
	if !now.Add(-slack).Before(leaf.NotAfter) {
		return nil, fail(ErrExpired, "the TLS certificate of node %q expired on %s; the district office makes the node a new one", leaf.Subject.CommonName, day(leaf.NotAfter))
	}
	return &NodeTLSPeer{ID: leaf.Subject.CommonName, Serial: leaf.SerialNumber.Uint64(), Key: key}, nil
}
