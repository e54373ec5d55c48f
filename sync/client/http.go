package client

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/storage/syserr"
	"github.com/communekit/communekit/sync/protocol"
)

// DefaultTimeout bounds one HTTP exchange when the caller gives no
// *http.Client: a batch of outbox.DefaultMaxOps takes seconds even on a
// 64 kbit/s link, so a minute of silence means the link is gone and the
// attempt is retried.
const DefaultTimeout = time.Minute

// Bounds of what a node may send back.
const (
	maxJSONAnswer = 1 << 20 // a receipt, an error, a cluster status
	maxListAnswer = 4 << 20 // a revocation list of MaxRevoked entries
)

// nodeURL checks a node's base URL and returns it without a trailing
// slash.
func nodeURL(node string) (string, error) {
	if strings.TrimSpace(node) == "" {
		return "", errors.New("no district node address: give its URL, e.g. https://10.0.0.5:8443")
	}
	u, err := url.Parse(node)
	if err == nil && u.Scheme == "http" && u.Host != "" {
		return "", fmt.Errorf("district node address %q is plain HTTP, which anyone on the way can read and change: district nodes answer only on https://; use https://%s", node, u.Host)
	}
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("district node address %q is not an https:// URL, e.g. https://10.0.0.5:8443", node)
	}
	return strings.TrimRight(node, "/"), nil
}

// request is one HTTP exchange with a node.
type request struct {
	method, path, ctype string
	body                []byte
	max                 int         // bytes of answer accepted
	header              http.Header // more headers
	sign                *Signer     // signs the request (each attempt anew), when set
}

// Signer signs requests that carry no signed body of their own (a status
// or receipt request, a certificate) with the district's or a device's
// key (PROTOCOL.md, "Signed requests").
type Signer struct {
	Name string             // protocol.SignerDistrict or protocol.SignerDevice(id)
	Key  ed25519.PrivateKey // the signer's Ed25519 key
	// Now is the time the signature carries (time.Now when nil): a
	// device whose clock is wrong signs with its clock corrected by the
	// offset a node told it.
	Now func() time.Time
}

// DistrictSigner signs as the district, with its keys.
func DistrictSigner(d *identity.District) *Signer {
	return &Signer{Name: protocol.SignerDistrict, Key: d.Sign}
}

// DeviceSigner signs as device dev, with its keys.
func DeviceSigner(dev *identity.Device) *Signer {
	return &Signer{Name: protocol.SignerDevice(dev.ID), Key: dev.Sign}
}

func (s *Signer) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// build makes the HTTP request of r to base, signed when r says so.
func (r request) build(ctx context.Context, base string) (*http.Request, error) {
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, base+r.path, body)
	if err != nil {
		return nil, err
	}
	if r.ctype != "" {
		req.Header.Set("Content-Type", r.ctype)
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	if r.sign != nil {
		protocol.SignRequest(req, r.body, r.sign.Name, r.sign.Key, r.sign.now())
	}
	return req, nil
}

// answer is a node's 2xx answer, read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
	// readFor is how long the body took to arrive after the header: the
	// node's Date header is that much older than the moment do returned.
	readFor time.Duration
}

// transportError is a failure to exchange with the node at all.
type transportError struct {
	err   error
	retry bool
}

func (e *transportError) Error() string { return describe(e.err) }
func (e *transportError) Unwrap() error { return e.err }

// statusError is a non-2xx answer that is not a protocol.Error.
type statusError struct {
	status     int
	body       string
	retryAfter time.Duration // the answer's Retry-After
}

func (e *statusError) Error() string {
	if e.body == "" {
		return fmt.Sprintf("HTTP %d %s", e.status, http.StatusText(e.status))
	}
	return fmt.Sprintf("HTTP %d %s: %s", e.status, http.StatusText(e.status), e.body)
}

func (e *statusError) Unwrap() error {
	if e.status >= 500 || e.status == http.StatusTooManyRequests {
		return nil
	}
	return ErrNotANode
}

// do sends r to the node at base and reads the answer. A 2xx answer is
// returned; anything else is an error: a *protocol.Error when the node
// answered with one, a *statusError for other HTTP answers, a
// *transportError when no answer came whole.
func do(ctx context.Context, hc *http.Client, base string, r request) (*answer, error) {
	if hc == nil {
		return nil, errNoHTTP
	}
	req, err := r.build(ctx, base)
	if err != nil {
		return nil, &transportError{err: err}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, &transportError{err: err, retry: transient(ctx, err)}
	}
	defer resp.Body.Close()
	headerAt := time.Now()
	max := r.max
	if max <= 0 {
		max = maxJSONAnswer
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, int64(max)+1))
	if err != nil {
		// The connection dropped while the answer came: ask again.
		return nil, &transportError{err: fmt.Errorf("reading the answer: %w", err), retry: ctx.Err() == nil}
	}
	if len(b) > max {
		return nil, fmt.Errorf("%w: %s %s answered more than %d bytes", ErrNotANode, r.method, r.path, max)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return &answer{status: resp.StatusCode, header: resp.Header, body: b, readFor: time.Since(headerAt)}, nil
	}
	return nil, answerError(resp, b)
}

// answerError is the error of a non-2xx answer with body b: the node's
// *protocol.Error when it sent one, else a *statusError; either carries
// the answer's Retry-After.
func answerError(resp *http.Response, b []byte) error {
	after := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	var pe protocol.Error
	if json.Unmarshal(b, &pe) == nil && pe.Code != "" {
		if pe.Message == "" {
			pe.Message = pe.Code
		}
		pe.RetryAfter = after
		return &pe
	}
	return &statusError{status: resp.StatusCode, body: snippet(b), retryAfter: after}
}

// parseRetryAfter reads a Retry-After header: seconds, or an HTTP date.
// Anything else, or nothing, is 0.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(min(s, 24*3600)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// retryAfter is the wait a node asked for with a retryable answer, 0
// when it named none.
func retryAfter(err error) time.Duration {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		return pe.RetryAfter
	}
	var se *statusError
	if errors.As(err, &se) {
		return se.retryAfter
	}
	return 0
}

// errNoHTTP is a call without the HTTP client that trusts the district:
// a mistake of the program, not of the network.
var errNoHTTP = errors.New("no HTTP client trusting the district was given (client.HTTPClient)")

// transient reports whether an error of http.Client.Do may go away by
// itself: a refused or dropped connection, a timeout, a name that does not
// resolve yet (the link is down). A bad certificate or URL does not.
func transient(ctx context.Context, err error) bool {
	if ctx.Err() != nil || isCertRefusal(err) {
		return false
	}
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	var cv *tls.CertificateVerificationError
	if errors.As(err, &ua) || errors.As(err, &hn) || errors.As(err, &ci) || errors.As(err, &cv) {
		return false
	}
	var ue *url.Error
	if errors.As(err, &ue) && strings.Contains(ue.Err.Error(), "unsupported protocol scheme") {
		return false
	}
	return true
}

// retryable reports whether the same request may succeed later.
func retryable(err error) bool {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		return pe.Retryable()
	}
	var se *statusError
	if errors.As(err, &se) {
		return se.status >= 500 || se.status == http.StatusTooManyRequests
	}
	var te *transportError
	if errors.As(err, &te) {
		return te.retry
	}
	return false
}

// describe says in words what went wrong on the network.
func describe(err error) string {
	var dns *net.DNSError
	var ne net.Error
	var nc *nodeCertError
	var rh tls.RecordHeaderError
	switch {
	case errors.As(err, &nc):
		return "the node was refused: " + nc.Error()
	case errors.As(err, &rh):
		return "the address does not answer in TLS (is it a district node's https:// address, and its port?)"
	case syserr.Refused(err):
		return "connection refused (is the node running, and is the address right?)"
	case syserr.Dropped(err), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the connection was dropped"
	case errors.As(err, &dns):
		return fmt.Sprintf("the name %s does not resolve (check the address and the network)", dns.Name)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "no answer in time"
	case syserr.NoRoute(err):
		return "no route to the node (is the network up?)"
	}
	return err.Error()
}

// snippet is the start of a non-protocol answer, for a message.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}
