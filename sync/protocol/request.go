package protocol

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// A signed request proves who sends it for requests that carry no signed
// JSON body (a GET, a certificate): four headers, the last an Ed25519
// signature over the method, the path and query, the signer, the time,
// the nonce and the SHA-256 of the body (PROTOCOL.md, "Signed requests").
const (
	HeaderRequestSigner    = "X-Communekit-Request-Signer"    // SignerDistrict, or SignerDevice(id)
	HeaderRequestTime      = "X-Communekit-Request-Time"      // unix seconds when signed
	HeaderRequestNonce     = "X-Communekit-Request-Nonce"     // NonceSize random bytes, hex
	HeaderRequestSignature = "X-Communekit-Request-Signature" // hex Ed25519 over RequestSignedBytes
)

// HeaderRequestCertificate carries, with a request signed by a node
// (SignerNode), the node's certificate (text form) that the district's
// root key signed: the verifier takes the node's key from it.
const HeaderRequestCertificate = "X-Communekit-Request-Certificate"

// Signers of a request: the district (its root key), a device (the key of
// its certificate), a node (the key of its certificate, sent along).
const (
	SignerDistrict = "district"
	signerDevice   = "device "
	signerNode     = "node "
)

// SignerDevice is the signer name of device id.
func SignerDevice(id string) string { return signerDevice + id }

// SignerNode is the signer name of node id.
func SignerNode(id string) string { return signerNode + id }

// NodeOfSigner returns the node a signer name names, and whether it names
// one.
func NodeOfSigner(signer string) (string, bool) {
	id, ok := strings.CutPrefix(signer, signerNode)
	return id, ok && id != ""
}

// SignRequestAsNode signs req as node s (its key and certificate).
func SignRequestAsNode(req *http.Request, body []byte, id string, s Signer, now time.Time) {
	SignRequest(req, body, SignerNode(id), s.Key, now)
	req.Header.Set(HeaderRequestCertificate, s.Cert)
}

// DeviceOf returns the device a signer name names, and whether it names
// one.
func DeviceOf(signer string) (string, bool) {
	id, ok := strings.CutPrefix(signer, signerDevice)
	return id, ok && id != ""
}

// NonceSize is the bytes of a request's nonce.
const NonceSize = 16

// NewNonce returns a fresh random nonce, hex.
func NewNonce() string {
	b := make([]byte, NonceSize)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// validNonce: NonceSize to 32 bytes in lowercase hex.
func validNonce(s string) bool {
	if len(s) < 2*NonceSize || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// RequestAuth is a request's signature headers.
type RequestAuth struct {
	Signer string
	Time   int64
	Nonce  string
	Sig    string
}

// RequestSignedBytes is what the signer of a request signs: the method,
// the request target (path and query, as sent), the signer, the time,
// the nonce and the SHA-256 of the body.
func RequestSignedBytes(method, target, signer string, t int64, nonce string, body []byte) []byte {
	var b bytes.Buffer
	b.WriteString("CKREQ1\x00")
	writeStr(&b, method)
	writeStr(&b, target)
	writeStr(&b, signer)
	b.Write(binary.BigEndian.AppendUint64(nil, uint64(t)))
	writeStr(&b, nonce)
	h := sha256.Sum256(body)
	b.Write(h[:])
	return b.Bytes()
}

// SignRequest signs req, whose body is body, as signer with key at now,
// with a fresh nonce: each attempt at a request is signed anew.
func SignRequest(req *http.Request, body []byte, signer string, key ed25519.PrivateKey, now time.Time) {
	a := RequestAuth{Signer: signer, Time: now.Unix(), Nonce: NewNonce()}
	sig := ed25519.Sign(key, RequestSignedBytes(req.Method, req.URL.RequestURI(), a.Signer, a.Time, a.Nonce, body))
	req.Header.Set(HeaderRequestSigner, a.Signer)
	req.Header.Set(HeaderRequestTime, strconv.FormatInt(a.Time, 10))
	req.Header.Set(HeaderRequestNonce, a.Nonce)
	req.Header.Set(HeaderRequestSignature, hex.EncodeToString(sig))
}

// RequestSigner reads a request's signer without checking anything: to
// pick the key that verifies it, or to say who is refused.
func RequestSigner(r *http.Request) string { return r.Header.Get(HeaderRequestSigner) }

// KeyResolver returns the public key of a signer, or a refusal (an
// unknown or revoked device, a signer the request may not come from).
type KeyResolver func(signer string) (ed25519.PublicKey, *Error)

// VerifyRequest checks request r, whose body is body: signed, by a signer
// resolve knows, within MaxClockSkew of now. It returns the signature's
// headers; a refusal is a *Error: bad_signature when unsigned or not
// verifying, stale (with the node's time in Error.Time) when too old or
// from the future. It does not check that the nonce is new: the node
// keeps the nonces it saw.
func VerifyRequest(r *http.Request, body []byte, resolve KeyResolver, now time.Time) (*RequestAuth, *Error) {
	a := &RequestAuth{Signer: r.Header.Get(HeaderRequestSigner), Nonce: r.Header.Get(HeaderRequestNonce), Sig: r.Header.Get(HeaderRequestSignature)}
	ts := r.Header.Get(HeaderRequestTime)
	if a.Signer == "" && ts == "" && a.Nonce == "" && a.Sig == "" {
		return nil, &Error{Code: CodeBadSignature, Message: fmt.Sprintf("%s %s is answered only to a signed request, and this one is not signed", r.Method, r.URL.Path)}
	}
	t, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || a.Signer == "" || !validNonce(a.Nonce) {
		return nil, &Error{Code: CodeBadSignature, Message: fmt.Sprintf("the request's signature headers are incomplete or malformed (%s, %s, %s, %s)", HeaderRequestSigner, HeaderRequestTime, HeaderRequestNonce, HeaderRequestSignature)}
	}
	a.Time = t
	pub, e := resolve(a.Signer)
	if e != nil {
		return nil, e
	}
	sig, err := hex.DecodeString(a.Sig)
	if err != nil || !ed25519.Verify(pub, RequestSignedBytes(r.Method, r.URL.RequestURI(), a.Signer, a.Time, a.Nonce, body), sig) {
		return nil, &Error{Code: CodeBadSignature, Message: fmt.Sprintf("the request is not signed with the key of %s", a.Signer)}
	}
	if e := CheckFresh("request", a.Time, now); e != nil {
		return nil, e
	}
	return a, nil
}

// CheckFresh refuses a request (what) signed at unix time t more than
// MaxClockSkew away from now, with code stale and the node's time in
// Error.Time: a device whose clock is wrong learns the offset from it.
func CheckFresh(what string, t int64, now time.Time) *Error {
	if d := now.Sub(time.Unix(t, 0)); d > MaxClockSkew || d < -MaxClockSkew {
		return &Error{Code: CodeStale, Time: now.UnixMilli(),
			Message: fmt.Sprintf("the %s was signed %s away from this node's clock (at most %s): check both clocks", what, d.Round(time.Second), MaxClockSkew)}
	}
	return nil
}
