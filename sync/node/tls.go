package node

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/hashicorp/raft"

	"github.com/communekit/communekit/crypto/cert"
)

// tlsServerName is the one DNS name every node certificate carries.
const tlsServerName = cert.TLSServerName

// tlsHandshakeTimeout bounds the handshake of an accepted connection, and of
// a dial that was given no timeout.
const tlsHandshakeTimeout = 10 * time.Second

// tlsAccepted is the byte an accepting node writes once the handshake has
// succeeded, and which Dial waits for. In TLS 1.3 the client's handshake is
// over once it has sent its certificate; the server checks that certificate
// afterwards, so without this byte a node of another district would see
// Dial succeed and only fail at its first RPC, with a less clear error.
const tlsAccepted = 0x06

// tlsCertificate is the node's TLS certificate and key from its
// credential.
func tlsCertificate(c *cert.NodeCredential) (tls.Certificate, error) {
	leaf, err := x509.ParseCertificate(c.TLS)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("node TLS: the credential's certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{c.TLS}, PrivateKey: c.Node.Sign, Leaf: leaf}, nil
}

// districtPool is the certificate pool of the district's CA alone.
func districtPool(c *cert.NodeCredential) (*x509.CertPool, error) {
	ca, err := x509.ParseCertificate(c.CA)
	if err != nil {
		return nil, fmt.Errorf("node TLS: the district's CA certificate: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return pool, nil
}

// NodeTLS returns the mutual-TLS configuration a district node uses for Raft
// traffic, both as server and as client.
//
// The node shows the TLS certificate of its credential (its own key,
// certified by the district's root key) and accepts a peer only if the
// peer's certificate chains to the district's CA and revoked, when given,
// does not refuse its serial: a machine without a certificate of the
// district can neither join, read nor inject, and a node whose certificate
// the district revoked is cut off. Only TLS 1.3 is offered, and session
// tickets are off so that every connection verifies the peer afresh.
func NodeTLS(c *cert.NodeCredential, revoked func(serial uint64, node string) error) (*tls.Config, error) {
	if c == nil || c.Node == nil {
		return nil, errors.New("node TLS: no node credential")
	}
	crt, err := tlsCertificate(c)
	if err != nil {
		return nil, err
	}
	pool, err := districtPool(c)
	if err != nil {
		return nil, err
	}
	cfg := &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{crt},
		// Always present our certificate, even when the server's list of
		// acceptable CAs does not name ours: the server of another district
		// then logs "unknown authority" rather than "no certificate".
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return &crt, nil
		},
		RootCAs:                pool,
		ClientCAs:              pool,
		ClientAuth:             tls.RequireAndVerifyClientCert,
		ServerName:             tlsServerName,
		SessionTicketsDisabled: true,
	}
	if revoked != nil {
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("the peer showed no certificate")
			}
			leaf := cs.PeerCertificates[0]
			if !leaf.SerialNumber.IsUint64() {
				return fmt.Errorf("node %q: a serial the district does not make", leaf.Subject.CommonName)
			}
			return revoked(leaf.SerialNumber.Uint64(), leaf.Subject.CommonName)
		}
	}
	return cfg, nil
}

// APITLS returns the TLS configuration of the node's API: the same
// certificate as for Raft, no client certificates (devices prove who they
// are by signing their requests). Laptops check the certificate against
// the district's root key alone (sync/client). Browsers, which speak no
// Ed25519, are shown the credential's browser certificate (ECDSA, issued
// by the district's browser CA) when it has one.
func APITLS(c *cert.NodeCredential) (*tls.Config, error) {
	crt, err := tlsCertificate(c)
	if err != nil {
		return nil, err
	}
	certs := []tls.Certificate{crt}
	if c.Browser != nil {
		// Shown to clients that cannot verify Ed25519 (browsers: the
		// dashboard); Go clients offer Ed25519 and get the first.
		leaf, err := x509.ParseCertificate(c.Browser)
		if err != nil {
			return nil, fmt.Errorf("node TLS: the credential's browser certificate: %w", err)
		}
		certs = append(certs, tls.Certificate{Certificate: [][]byte{c.Browser}, PrivateKey: c.BrowserKey, Leaf: leaf})
	}
	return &tls.Config{MinVersion: tls.VersionTLS13, Certificates: certs}, nil
}

// peerClient is the HTTP client a node talks to other nodes' APIs with
// (forwarding to the leader, asking for a join, collecting status): it
// trusts only the district's CA.
func peerClient(c *cert.NodeCredential) (*http.Client, error) {
	pool, err := districtPool(c)
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{
		TLSClientConfig:     &tls.Config{MinVersion: tls.VersionTLS13, RootCAs: pool, ServerName: tlsServerName},
		TLSHandshakeTimeout: tlsHandshakeTimeout,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
	}
	return &http.Client{Transport: tr}, nil
}

// TLSStreamLayer carries Raft's [raft.NetworkTransport] over mutual TLS
// (see [NodeTLS]). It implements [raft.StreamLayer].
type TLSStreamLayer struct {
	ln        net.Listener
	advertise net.Addr
	cfg       *tls.Config

	// Logger receives refused handshakes: Warn for a certificate that is
	// not of this district, Debug for anything else (port scanners, peers
	// that time out). Nil means slog.Default(). Set it before the layer is
	// handed to Raft.
	Logger *slog.Logger

	handshakeTimeout time.Duration
}

var _ raft.StreamLayer = (*TLSStreamLayer)(nil)

// ListenTLS listens on bind (e.g. "127.0.0.1:7001") for other nodes of the
// district, with cfg from [NodeTLS]. advertise is the address other nodes
// dial; nil means the listener's own address, which must then be one others
// can reach (not 0.0.0.0 or ::).
func ListenTLS(bind string, advertise net.Addr, cfg *tls.Config) (*TLSStreamLayer, error) {
	if cfg == nil {
		return nil, errors.New("listen for nodes: no TLS configuration")
	}
	ln, err := net.Listen("tcp", bind)
	if err != nil {
		return nil, fmt.Errorf("listen for nodes on %q: %w", bind, err)
	}
	if advertise == nil {
		advertise = ln.Addr()
	}
	if a, ok := advertise.(*net.TCPAddr); ok && (a.IP == nil || a.IP.IsUnspecified()) {
		_ = ln.Close()
		return nil, fmt.Errorf("listen for nodes on %q: other nodes cannot dial %q; give the address they should use", bind, advertise)
	}
	return &TLSStreamLayer{ln: ln, advertise: advertise, cfg: cfg, handshakeTimeout: tlsHandshakeTimeout}, nil
}

// Accept waits for the next connection and returns it without handshaking:
// the handshake runs, with a deadline, on the connection's first Read or
// Write, in the goroutine of whoever handles it. Raft accepts in one loop, so
// a peer that connects and stays silent must not hold up the next one.
func (l *TLSStreamLayer) Accept() (net.Conn, error) {
	c, err := l.ln.Accept()
	if err != nil {
		return nil, err
	}
	return &tlsAcceptedConn{Conn: tls.Server(c, l.cfg), layer: l}, nil
}

// Close stops listening. Connections already accepted stay open.
func (l *TLSStreamLayer) Close() error { return l.ln.Close() }

// Addr returns the address other nodes dial.
func (l *TLSStreamLayer) Addr() net.Addr { return l.advertise }

// Dial connects to the node at address and completes the handshake, both
// within timeout (or the accept-side deadline if timeout is not positive).
// The error says whether the node is not of this district, refused this
// node, or did not answer in time.
func (l *TLSStreamLayer) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	if timeout <= 0 {
		timeout = l.handshakeTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", string(address))
	if err != nil {
		return nil, fmt.Errorf("dial node at %s: %w", address, err)
	}
	conn := tls.Client(c, l.cfg)
	if err := dialHandshake(ctx, conn); err != nil {
		_ = conn.Close()
		return nil, handshakeError(address, timeout, err)
	}
	return conn, nil
}

// dialHandshake does the client side of the handshake, then waits for the
// server to say it accepted our certificate.
func dialHandshake(ctx context.Context, conn *tls.Conn) error {
	if err := conn.HandshakeContext(ctx); err != nil {
		return err
	}
	deadline, _ := ctx.Deadline()
	if err := conn.SetReadDeadline(deadline); err != nil {
		return err
	}
	var b [1]byte
	if _, err := io.ReadFull(conn, b[:]); err != nil {
		return err
	}
	if b[0] != tlsAccepted {
		return fmt.Errorf("unexpected first byte %#02x from a peer with a district certificate", b[0])
	}
	return conn.SetReadDeadline(time.Time{})
}

// handshakeError says, for the dialling side, what went wrong.
func handshakeError(address raft.ServerAddress, timeout time.Duration, err error) error {
	var verr *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var remote *net.OpError
	switch {
	case errors.As(err, &unknown):
		return fmt.Errorf("the node at %s is not of this district: %w", address, err)
	case errors.As(err, &verr):
		return fmt.Errorf("the node at %s has a certificate this node does not accept: %w", address, err)
	case errors.As(err, &remote) && remote.Op == "remote error":
		return fmt.Errorf("the node at %s refused this node's certificate (is this node of its district?): %w", address, err)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("TLS handshake with the node at %s: no answer within %v", address, timeout)
	case errors.Is(err, io.EOF):
		return fmt.Errorf("TLS handshake with the node at %s: it closed the connection (not a district node?): %w", address, err)
	}
	return fmt.Errorf("TLS handshake with the node at %s: %w", address, err)
}

// tlsAcceptedConn is an accepted connection whose handshake has not been
// done yet. Its first Read, Write or Handshake does it.
type tlsAcceptedConn struct {
	*tls.Conn
	layer *TLSStreamLayer
	once  sync.Once
	err   error
}

// Handshake runs the server side of the handshake once, within the layer's
// deadline, and reports its result on every call.
func (c *tlsAcceptedConn) Handshake() error {
	c.once.Do(func() { c.err = c.layer.acceptHandshake(c.Conn) })
	return c.err
}

// Read returns io.EOF after a failed handshake: the failure has been logged,
// and Raft would otherwise log it again as an error of its own.
func (c *tlsAcceptedConn) Read(p []byte) (int, error) {
	if c.Handshake() != nil {
		return 0, io.EOF
	}
	return c.Conn.Read(p)
}

func (c *tlsAcceptedConn) Write(p []byte) (int, error) {
	if err := c.Handshake(); err != nil {
		return 0, err
	}
	return c.Conn.Write(p)
}

func (l *TLSStreamLayer) acceptHandshake(conn *tls.Conn) error {
	ctx, cancel := context.WithTimeout(context.Background(), l.handshakeTimeout)
	defer cancel()
	err := conn.HandshakeContext(ctx)
	if err == nil {
		// One byte on a connection that has sent nothing else yet fits in
		// the socket buffer, so this cannot block on a peer that stops
		// reading.
		_, err = conn.Write([]byte{tlsAccepted})
	}
	if err == nil {
		return nil
	}
	_ = conn.Close()
	log := l.Logger
	if log == nil {
		log = slog.Default()
	}
	remote := conn.RemoteAddr().String()
	var verr *tls.CertificateVerificationError
	if errors.As(err, &verr) {
		peer := ""
		if len(verr.UnverifiedCertificates) > 0 {
			peer = verr.UnverifiedCertificates[0].Subject.CommonName
		}
		log.Warn("refused a node that is not of this district", "remote", remote, "node", peer, "err", err)
	} else {
		log.Debug("TLS handshake with a peer failed", "remote", remote, "err", err)
	}
	return fmt.Errorf("TLS handshake with %s: %w", remote, err)
}
