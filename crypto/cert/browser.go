package cert

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"strings"

	"github.com/communekit/communekit/crypto/identity"
)

// Browsers speak neither Ed25519 certificates nor Ed25519 signatures in
// TLS: Chromium and Firefox offer only ECDSA and RSA, so a node showing
// its district certificate alone gets a failed handshake from any
// browser. For the district's dashboard a node shows browsers a second
// certificate, ECDSA P-256, issued by a CA of its own: the district's
// browser CA, whose key is derived from the root key alone (so the same
// CA comes out wherever the office makes it, and it never needs keeping),
// and which the district office imports into its browsers
// (`kitctl district ca`). Laptops and nodes never see it: a Go client
// offers Ed25519 and is shown the district certificate first.

// browserCAInfo labels the derivation of the browser CA's key.
const browserCAInfo = "communekit browser CA P-256 v1"

// BrowserCAKey is the ECDSA P-256 key of d's browser CA, derived from the
// root key's seed (HKDF-SHA256): the same key wherever it is derived, held
// nowhere but where the root key is.
func BrowserCAKey(d *identity.District) (*ecdsa.PrivateKey, error) {
	for i := byte(0); i < 16; i++ {
		b, err := hkdf.Key(sha256.New, d.Sign.Seed(), []byte{i}, browserCAInfo, 32)
		if err != nil {
			return nil, fail(ErrMalformed, "browser CA key: %v", err)
		}
		// A scalar of zero or past the group's order (about 2^-32) is
		// refused: the next counter is used.
		if k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), b); err == nil {
			return k, nil
		}
	}
	return nil, fail(ErrMalformed, "browser CA key: no usable scalar")
}

// deterministic signs without randomness (RFC 6979), so that the same
// template and key give the same certificate bytes.
type deterministic struct{ k *ecdsa.PrivateKey }

func (s deterministic) Public() crypto.PublicKey { return s.k.Public() }
func (s deterministic) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return s.k.Sign(nil, digest, opts)
}

// BrowserCA makes the self-signed certificate of d's browser CA (DER):
// made the same way, to the same bytes, wherever it is made. It may sign
// server certificates only, none of them a CA.
func BrowserCA(d *identity.District) ([]byte, error) {
	k, err := BrowserCAKey(d)
	if err != nil {
		return nil, err
	}
	tmpl := browserCATemplate(d)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), deterministic{k})
	if err != nil {
		return nil, fail(ErrMalformed, "browser CA certificate of district %q: %v", d.Name, err)
	}
	return der, nil
}

func browserCATemplate(d *identity.District) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber:          big.NewInt(2),
		Subject:               pkix.Name{CommonName: "communekit district " + d.Name + " (browsers)", Organization: []string{"communekit"}},
		NotBefore:             districtCANotBefore,
		NotAfter:              districtCANotAfter,
		KeyUsage:              x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
}

// BrowserCAPEM is d's browser CA certificate in PEM, the form browsers and
// operating systems import.
func BrowserCAPEM(d *identity.District) ([]byte, error) {
	der, err := BrowserCA(d)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

// MaxBrowserHosts bounds the names a browser certificate carries.
const MaxBrowserHosts = 16

// CheckBrowserHost refuses what is neither an IP address nor a DNS name.
func CheckBrowserHost(h string) error {
	if net.ParseIP(h) != nil {
		return nil
	}
	if len(h) == 0 || len(h) > 253 || strings.HasPrefix(h, ".") || strings.HasSuffix(h, ".") || strings.Contains(h, "..") {
		return fail(ErrMalformed, "%q is not a host name or IP address a browser would open", h)
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return fail(ErrMalformed, "%q is not a host name or IP address a browser would open (letters, digits, '-' and '.' only)", h)
		}
	}
	return nil
}

// IssueBrowserCertificate adds to c the certificate the node shows
// browsers: a fresh ECDSA P-256 key, certified by d's browser CA for the
// node's hosts (IP addresses or DNS names, as the office's browsers reach
// it) and communekit-node, with the node certificate's serial and dates.
func (c *NodeCredential) IssueBrowserCertificate(d *identity.District, hosts []string) error {
	if len(hosts) > MaxBrowserHosts {
		return fail(ErrMalformed, "%d host names for one node: at most %d", len(hosts), MaxBrowserHosts)
	}
	caKey, err := BrowserCAKey(d)
	if err != nil {
		return err
	}
	caDER, err := BrowserCA(d)
	if err != nil {
		return err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return fail(ErrMalformed, "browser CA certificate: %v", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: new(big.Int).SetUint64(c.Cert.Serial),
		Subject:      pkix.Name{CommonName: c.Node.ID},
		DNSNames:     []string{TLSServerName},
		NotBefore:    c.Cert.NotBefore,
		NotAfter:     c.Cert.NotAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	seen := map[string]bool{TLSServerName: true}
	for _, h := range hosts {
		h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
		if err := CheckBrowserHost(h); err != nil {
			return err
		}
		if seen[strings.ToLower(h)] {
			continue
		}
		seen[strings.ToLower(h)] = true
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, strings.ToLower(h))
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
	if err != nil {
		return fail(ErrMalformed, "browser certificate of node %q: %v", c.Node.ID, err)
	}
	c.Browser, c.BrowserKey = der, key
	return nil
}

// BrowserHosts are the host names and addresses c's browser certificate
// is made for (nil without one), communekit-node left out.
func (c *NodeCredential) BrowserHosts() []string {
	if c.Browser == nil {
		return nil
	}
	leaf, err := x509.ParseCertificate(c.Browser)
	if err != nil {
		return nil
	}
	var out []string
	for _, n := range leaf.DNSNames {
		if n != TLSServerName {
			out = append(out, n)
		}
	}
	for _, ip := range leaf.IPAddresses {
		out = append(out, ip.String())
	}
	return out
}

// checkBrowser checks that c's browser certificate is of its key and its
// node.
func (c *NodeCredential) checkBrowser() error {
	if c.Browser == nil && c.BrowserKey == nil {
		return nil
	}
	if c.Browser == nil || c.BrowserKey == nil {
		return fail(ErrMalformed, "node credential: a browser certificate without its key, or a key without its certificate")
	}
	leaf, err := x509.ParseCertificate(c.Browser)
	if err != nil {
		return fail(ErrMalformed, "node credential: browser certificate: %v", err)
	}
	pub, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	if !ok || !pub.Equal(c.BrowserKey.Public()) {
		return fail(ErrMalformed, "node credential: the browser certificate is of another key")
	}
	if leaf.Subject.CommonName != c.Node.ID {
		return fail(ErrMalformed, "node credential: the browser certificate is node %q's", leaf.Subject.CommonName)
	}
	return nil
}
