package node

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"sync"
	"time"

	"github.com/hashicorp/raft"

	"github.com/communekit/communekit/crypto/identity"
)

// tlsServerName is the one DNS name every node certificate carries. Nodes
// are dialled by address, and addresses change; what a node checks is that
// the peer was signed by the district, not what it is called.
const tlsServerName = "communekit-node"

// tlsHandshakeTimeout bounds the handshake of an accepted connection, and of
// a dial that was given no timeout.
const tlsHandshakeTimeout = 10 * time.Second

// tlsAccepted is the byte an accepting node writes once the handshake has
// succeeded, and which Dial waits for. In TLS 1.3 the client's handshake is
// over once it has sent its certificate; the server checks that certificate
// afterwards, so without this byte a node of another district would see
// Dial succeed and only fail at its first RPC, with a less clear error.
const tlsAccepted = 0x06

// The district CA certificate is derived from the district's signing key
// alone, so every node makes the same one without sharing a file. Changing
// any of these fields (or the subject) makes nodes on different versions
// refuse each other until all are updated.
var (
	districtCASerial    = big.NewInt(1)
	districtCANotBefore = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	districtCANotAfter  = time.Date(2125, 1, 1, 0, 0, 0, 0, time.UTC)
)

// NodeTLS returns the mutual-TLS configuration a district node uses for Raft
// traffic, both as server and as client.
//
// The district's signing key is the certificate authority: this node gets a
// fresh Ed25519 key and a certificate for it (common name nodeID, valid for
// ten years) signed by the district CA, and it accepts a peer only if the
// peer's certificate chains to that CA. A machine without the district's key
// can therefore neither join, read nor inject. Only TLS 1.3 is offered, and
// session tickets are off so that every connection verifies the peer afresh.
func NodeTLS(d *identity.District, nodeID string) (*tls.Config, error) {
	if d == nil || len(d.Sign) != ed25519.PrivateKeySize {
		return nil, errors.New("node TLS: the district has no signing key")
	}
	if nodeID == "" {
		return nil, errors.New("node TLS: empty node ID")
	}
	ca, err := districtCA(d)
	if err != nil {
		return nil, err
	}
	cert, err := nodeCertificate(d, ca, nodeID)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		// Always present our certificate, even when the server's list of
		// acceptable CAs does not name ours: the server of another district
		// then logs "unknown authority" rather than "no certificate".
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return &cert, nil
		},
		RootCAs:                pool,
		ClientCAs:              pool,
		ClientAuth:             tls.RequireAndVerifyClientCert,
		ServerName:             tlsServerName,
		SessionTicketsDisabled: true,
	}, nil
}

// districtCA makes the self-signed CA certificate of d. Ed25519 signatures
// are deterministic and the template is fixed, so the result is the same
// bytes on every node and every call.
func districtCA(d *identity.District) (*x509.Certificate, error) {
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
		return nil, fmt.Errorf("node TLS: CA certificate of district %q: %w", d.Name, err)
	}
	return x509.ParseCertificate(der)
}

// nodeCertificate makes a fresh key for this node and has the district CA
// sign it for both ends of a connection.
func nodeCertificate(d *identity.District, ca *x509.Certificate, nodeID string) (tls.Certificate, error) {
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return tls.Certificate{}, err
	}
	// An hour back, so that a peer whose clock runs a little behind ours
	// does not refuse a certificate made a moment ago.
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: nodeID},
		DNSNames:     []string{tlsServerName},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(10, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, pub, d.Sign)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("node TLS: certificate of node %q: %w", nodeID, err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
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
