package client

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
)

// HTTPOptions tune the HTTP client a laptop or the district office talks
// to district nodes with.
type HTTPOptions struct {
	// Timeout bounds one exchange: DefaultTimeout when 0, none when
	// negative (a backup, bounded by its context).
	Timeout time.Duration
	// DisableKeepAlives opens a connection per request.
	DisableKeepAlives bool
	// MaxIdleConnsPerHost keeps that many idle connections per node (2
	// when 0).
	MaxIdleConnsPerHost int
	// Revoked, when set, refuses a node whose certificate serial the
	// revocation list this machine holds names.
	Revoked func(serial uint64, node string) error
	// Now is the clock certificates are checked against (time.Now when
	// nil).
	Now func() time.Time
}

// certClockSlack is how far this machine's clock may be off when a node's
// certificate is checked: laptops in communes often show the wrong day,
// and the signature, not the date, is what keeps a stranger out.
const certClockSlack = 48 * time.Hour

// HTTPClient returns an HTTP client that talks to the district's nodes
// over TLS and trusts a node only if the certificate it shows was signed
// by the district's root key d (the key every enrolled laptop holds):
// never the system's certificate authorities, so that nobody with a
// certificate from a public authority, and nobody in between, can pass
// for a node. Devices prove who they are by signing their requests; the
// client shows no certificate.
func HTTPClient(d identity.DistrictPublic, o HTTPOptions) *http.Client {
	timeout := o.Timeout
	switch {
	case timeout == 0:
		timeout = DefaultTimeout
	case timeout < 0:
		timeout = 0
	}
	return &http.Client{Timeout: timeout, Transport: Transport(d, o)}
}

// Transport is the transport of HTTPClient, for a caller that builds its
// own client around it.
func Transport(d identity.DistrictPublic, o HTTPOptions) *http.Transport {
	idle := o.MaxIdleConnsPerHost
	if idle <= 0 {
		idle = 2
	}
	return &http.Transport{
		Proxy:               nil, // a node is reached directly, never through a proxy the system names
		DialContext:         (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     TLSConfig(d, o),
		TLSHandshakeTimeout: 30 * time.Second, // a 2G link: three round trips of a second or more
		DisableKeepAlives:   o.DisableKeepAlives,
		MaxIdleConnsPerHost: idle,
		IdleConnTimeout:     90 * time.Second,
	}
}

// TLSConfig is the TLS configuration of HTTPClient.
func TLSConfig(d identity.DistrictPublic, o HTTPOptions) *tls.Config {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	return &tls.Config{
		MinVersion: tls.VersionTLS13,
		// X25519 alone: the hybrid post-quantum exchange Go offers first
		// sends ~2.3 KB more per handshake, 0.3 s on a 64 kbit/s link,
		// and buys nothing while what crosses inside (batches, pull
		// answers) is sealed with X25519 (age) anyway. Offer it again
		// when the seals are post-quantum too.
		CurvePreferences: []tls.CurveID{tls.X25519},
		// The standard verification would check the certificate against
		// the system's authorities and the host name; the node's
		// certificate is checked against the district's key instead, in
		// VerifyConnection, which runs on every handshake (resumed ones
		// included).
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			raw := make([][]byte, len(cs.PeerCertificates))
			for i, c := range cs.PeerCertificates {
				raw[i] = c.Raw
			}
			p, err := cert.VerifyNodeTLS(raw, d, x509.ExtKeyUsageServerAuth, now(), certClockSlack)
			if err != nil {
				return &nodeCertError{err: err}
			}
			if o.Revoked != nil {
				if err := o.Revoked(p.Serial, p.ID); err != nil {
					return &nodeCertError{err: err}
				}
			}
			return nil
		},
	}
}

// nodeCertError is a node's TLS certificate refused: never retried, and
// said as it is.
type nodeCertError struct{ err error }

func (e *nodeCertError) Error() string { return e.err.Error() }
func (e *nodeCertError) Unwrap() error { return e.err }

// Is makes errors.Is(err, ErrNodeRefused) hold.
func (e *nodeCertError) Is(target error) bool { return target == ErrNodeRefused }

// isCertRefusal reports whether err is a node's certificate refused by
// this side.
func isCertRefusal(err error) bool {
	var ne *nodeCertError
	return errors.As(err, &ne)
}
