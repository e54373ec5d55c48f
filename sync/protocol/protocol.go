// Package protocol is what commune devices, kitctl and district nodes say
// to each other over HTTP (PROTOCOL.md): the endpoints, the signed
// requests and receipts, and the error codes a client acts on. Both the
// node (sync/node) and the client (sync/client) use it, so the two cannot
// drift apart. The wire contract is written out in PROTOCOL.md.
package protocol

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/communekit/communekit/crypto/identity"
)

// Endpoints of a district node.
const (
	PathPush        = "/v1/push"        // POST a sealed batch → Receipt
	PathCertificate = "/v1/certificate" // POST a device certificate (binary) the district signed
	PathPull        = "/v1/pull"        // POST a PullRequest → a batch sealed to the device
	PathRevocations = "/v1/revocations" // GET the district's signed revocation list (binary)
	PathJoin        = "/v1/cluster/join"
	PathRemove      = "/v1/cluster/remove"
	PathStatus      = "/v1/cluster/status" // GET the status of every node
	PathNodeStatus  = "/v1/node/status"    // GET this node's status
	PathNodeReceipt = "/v1/node/receipt/"  // GET …/<device>/<seq>: this node's receipt for a batch, or 404
	PathBackup      = "/v1/node/backup"    // POST a BackupRequest → a backup of this node's state (backup.go)
	PathExport      = "/v1/export"         // POST an ExportRequest (the district's) → a device's pull answer (districtfile.go)
	PathBatchKey    = "/v1/batchkey"       // POST a batch key rollout the district signed (cert.BatchKeyRollout binary)
	// The district's reports, computed on the node's applied state
	// (report.go): GET, signed by the district.
	PathReportStats    = "/v1/report/stats"    // ?commune=C|all&at=&from=&to= → report.Statistics
	PathReportProgress = "/v1/report/progress" // ?at= → Progress
	PathHealth         = "/healthz"
	PathReady          = "/readyz"
	PathMetrics        = "/metrics"
)

// Headers.
const (
	// HeaderMore is "1" on a pull answer when more operations wait.
	HeaderMore = "X-Communekit-More"
	// HeaderSigner is, on a pull or export answer, the certificate (text
	// form) of the node that signed the sealed answer.
	HeaderSigner = "X-Communekit-Signer"
	// HeaderBatchKey is, on a pull or export answer, the announcement
	// (text form) of the newest generation of the district's batch key,
	// when it is not the district's own key: devices seal to it from then
	// on.
	HeaderBatchKey = "X-Communekit-Batch-Key"
	// HeaderOps is the number of operations in a pull answer: the
	// district counts what it exports without opening it.
	HeaderOps = "X-Communekit-Ops"
	// HeaderForwarded marks a request a follower forwarded to the leader,
	// so that it is never forwarded twice.
	HeaderForwarded = "X-Communekit-Forwarded"
	// HeaderCertificate, on a push, carries the sender's certificate
	// (base64 of cert.Certificate.MarshalBinary) for a node that does not
	// know the device yet: the batch's signature proves it is the
	// sender's (a supervisor forwarding officers' batch files).
	HeaderCertificate = "X-Communekit-Certificate"
)

// MaxControlBody bounds a JSON request body.
const MaxControlBody = 64 << 10

// Error codes, in Error.Code. Each has its own HTTP status (see Status).
const (
	CodeGap            = "gap"              // 409: batch n before n-1; Expected says which
	CodeReplay         = "replay"           // 409: a batch number reused for other contents
	CodeUnknownDevice  = "unknown_device"   // 401: the district has no certificate for the sender: POST it
	CodeRevoked        = "revoked"          // 403
	CodeExpired        = "expired"          // 403: certificate not valid now
	CodeOutOfScope     = "out_of_scope"     // 403
	CodeForbidden      = "forbidden"        // 403: the device's role may not do this (an officer resolving a conflict)
	CodeTampered       = "tampered"         // 400: signature or contents do not verify
	CodeMalformed      = "malformed"        // 400: not a batch / not a request
	CodeWrongRecipient = "wrong_recipient"  // 421: sealed to another district
	CodeTooLarge       = "too_large"        // 413
	CodeBadSignature   = "bad_signature"    // 401: a signed request whose signature fails
	CodeStale          = "stale"            // 401: a signed request too old or from the future; Error.Time is the node's
	CodeReplayed       = "replayed_request" // 401: a signed request this node (or, for join and remove, the cluster) took already
	CodeUnavailable    = "unavailable"      // 503: no leader, shutting down or overloaded; retry after Retry-After
	CodeBusy           = "busy"             // 429: this device has too many requests under way at once; retry after Retry-After
	CodeNotFound       = "not_found"        // 404
	CodeNotMember      = "not_member"       // 404: a node to remove is not in the cluster
	CodeLastNode       = "last_node"        // 409: the cluster's only node cannot be removed
	CodeInternal       = "internal"         // 500

	// Refusals of a batch for what its operations do (Error.Refused says
	// which and why). They are signed by the district: a device withdraws
	// the refused operations and seals the rest again only on the
	// district's word.
	CodeInvalidOperation = "invalid_operation" // 422: an operation malformed or with an invalid value
	CodeWrongOfficer     = "wrong_officer"     // 403: an operation names another officer than the certificate
	CodeClockAhead       = "clock_ahead"       // 422: stamped more than a day after the district's time (Error.Time)
)

// Status returns the HTTP status of an error code.
func Status(code string) int {
	switch code {
	case CodeGap, CodeReplay, CodeLastNode:
		return 409
	case CodeUnknownDevice, CodeBadSignature, CodeStale, CodeReplayed:
		return 401
	case CodeRevoked, CodeExpired, CodeOutOfScope, CodeForbidden, CodeWrongOfficer:
		return 403
	case CodeInvalidOperation, CodeClockAhead:
		return 422
	case CodeTampered, CodeMalformed:
		return 400
	case CodeWrongRecipient:
		return 421
	case CodeTooLarge:
		return 413
	case CodeUnavailable:
		return 503
	case CodeBusy:
		return 429
	case CodeNotFound, CodeNotMember:
		return 404
	}
	return 500
}

// Error is the JSON body of every refused request.
type Error struct {
	Code     string `json:"code"`
	Message  string `json:"message"`            // English, for logs and kitctl
	Expected uint64 `json:"expected,omitempty"` // CodeGap: the batch number the district expects

	// A batch refused for what its operations do (codes
	// invalid_operation, forbidden, out_of_scope, wrong_officer,
	// clock_ahead with Refused) names the batch, every refused operation
	// and the rule it breaks, and is signed by the district.
	Device   string      `json:"device,omitempty"`
	Batch    uint64      `json:"batch,omitempty"`
	Hash     string      `json:"hash,omitempty"` // hex SHA-256 of the sealed batch refused
	Refused  []OpRefusal `json:"refused,omitempty"`
	Time     int64       `json:"time,omitempty"` // the district's time, unix milliseconds (clock_ahead)
	District string      `json:"district,omitempty"`
	Signer   string      `json:"signer,omitempty"` // the signing node's certificate (text form); empty: the district's root key
	Sig      string      `json:"sig,omitempty"`    // hex Ed25519 by Signer over SignedBytes

	// RetryAfter is the node's Retry-After header with a retryable
	// refusal (busy, unavailable): how long to wait before asking again.
	// It is read from the header, never sent in the JSON.
	RetryAfter time.Duration `json:"-"`
}

// OpRefusal is one refused operation of a batch.
type OpRefusal struct {
	Seq     uint64 `json:"seq"`              // the operation's number on its device
	Record  string `json:"record,omitempty"` // the record it changes
	Rule    string `json:"rule"`             // which check it fails (PROTOCOL.md)
	Message string `json:"message"`
}

// Signed reports whether the error is a signed refusal of a batch's
// operations.
func (e *Error) Signed() bool { return e.Sig != "" }

// SignedBytes is what the district signs in a refusal of a batch.
func (e *Error) SignedBytes() []byte {
	var b bytes.Buffer
	if e.Signer == "" {
		b.WriteString("CKRFSD1\x00")
	} else {
		b.WriteString("CKRFSD2\x00")
		writeStr(&b, e.Signer)
	}
	writeStr(&b, e.Code)
	writeStr(&b, e.District)
	writeStr(&b, e.Device)
	b.Write(binary.BigEndian.AppendUint64(nil, e.Batch))
	writeStr(&b, e.Hash)
	b.Write(binary.BigEndian.AppendUint64(nil, uint64(e.Time)))
	b.Write(binary.BigEndian.AppendUint32(nil, uint32(len(e.Refused))))
	for _, r := range e.Refused {
		b.Write(binary.BigEndian.AppendUint64(nil, r.Seq))
		writeStr(&b, r.Record)
		writeStr(&b, r.Rule)
		writeStr(&b, r.Message)
	}
	return b.Bytes()
}

// Sign signs the refusal as the node s.
func (e *Error) Sign(s Signer) {
	e.Signer = s.Cert
	e.Sig, _ = s.sign(e.SignedBytes())
}

// Verify checks that a node of district d (not revoked) signed the
// refusal.
func (e *Error) Verify(d identity.DistrictPublic, revoked Revoked) error {
	if e.District != d.KeyID {
		return errors.New("the refusal is not of the district this device is enrolled with")
	}
	if err := verifyBy(e.SignedBytes(), e.Sig, e.Signer, d, revoked); err != nil {
		return fmt.Errorf("the refusal is not signed by the district: %w", err)
	}
	return nil
}

func (e *Error) Error() string {
	if e.Code == CodeGap {
		return fmt.Sprintf("%s (the district expects batch %d)", e.Message, e.Expected)
	}
	return e.Message
}

// Retryable reports whether the same request may succeed later unchanged.
func (e *Error) Retryable() bool {
	return e.Code == CodeUnavailable || e.Code == CodeInternal || e.Code == CodeBusy
}

// Receipt is the district's signed word that a batch is committed by Raft
// and applied: the device may forget it.
type Receipt struct {
	District  string `json:"district"` // key ID of the district
	Device    string `json:"device"`
	Seq       uint64 `json:"seq"`
	Hash      string `json:"hash"`      // hex SHA-256 of the sealed batch (batch.Hash)
	Ops       int    `json:"ops"`       // operations in the batch
	Index     uint64 `json:"index"`     // the Raft index of the entry that carried it
	Duplicate bool   `json:"duplicate"` // the batch had been accepted before; this is its original receipt
	// Signer is the certificate (text form) of the node that signed;
	// empty when the district's root key signed.
	Signer string `json:"signer,omitempty"`
	Sig    string `json:"sig"` // hex Ed25519 signature by Signer over SignedBytes
}

// SignedBytes is what a node signs in a receipt (Duplicate is not
// signed: the original receipt's bytes are the same).
func (r *Receipt) SignedBytes() []byte {
	var b bytes.Buffer
	if r.Signer == "" {
		b.WriteString("CKRCPT1\x00")
	} else {
		b.WriteString("CKRCPT2\x00")
		writeStr(&b, r.Signer)
	}
	writeStr(&b, r.District)
	writeStr(&b, r.Device)
	b.Write(binary.BigEndian.AppendUint64(nil, r.Seq))
	writeStr(&b, r.Hash)
	b.Write(binary.BigEndian.AppendUint64(nil, uint64(r.Ops)))
	b.Write(binary.BigEndian.AppendUint64(nil, r.Index))
	return b.Bytes()
}

// Sign signs the receipt as the node s.
func (r *Receipt) Sign(s Signer) {
	r.Signer = s.Cert
	r.Sig, _ = s.sign(r.SignedBytes())
}

// Verify checks that a node of district d (not revoked) signed the
// receipt.
func (r *Receipt) Verify(d identity.DistrictPublic, revoked Revoked) error {
	if err := verifyBy(r.SignedBytes(), r.Sig, r.Signer, d, revoked); err != nil {
		return fmt.Errorf("the receipt is not signed by the district (%w): the batch stays pending", err)
	}
	return nil
}

// PullRequest asks for the operations after Cursor that concern the
// device's communes. It is signed by the device, so only an enrolled
// device learns anything; the answer is sealed to the device anyway.
type PullRequest struct {
	Device string `json:"device"`
	Cursor uint64 `json:"cursor"`
	Max    int    `json:"max,omitempty"` // operations per answer (the node caps it)
	Time   int64  `json:"time"`          // unix seconds when signed: within MaxClockSkew of the node's clock
	Nonce  string `json:"nonce"`         // NonceSize random bytes, hex: a node takes each pull once
	Sig    string `json:"sig"`           // hex Ed25519 by the device over SignedBytes
}

// SignedBytes is what a device signs in a pull request (version 2: with
// the nonce; version 1, without, is refused).
func (p *PullRequest) SignedBytes() []byte {
	var b bytes.Buffer
	b.WriteString("CKPULL2\x00")
	writeStr(&b, p.Device)
	b.Write(binary.BigEndian.AppendUint64(nil, p.Cursor))
	b.Write(binary.BigEndian.AppendUint64(nil, uint64(p.Max)))
	b.Write(binary.BigEndian.AppendUint64(nil, uint64(p.Time)))
	writeStr(&b, p.Nonce)
	return b.Bytes()
}

// Hash is the SHA-256 of the signed request: the node's answer carries it
// (as the sealed answer's Header.PrevHash), so a device takes only the
// answer to the request it sent.
func (p *PullRequest) Hash() [32]byte {
	return sha256.Sum256(append(p.SignedBytes(), p.Sig...))
}

// Sign signs the request at now with a fresh nonce: each attempt is a new
// request.
func (p *PullRequest) Sign(key ed25519.PrivateKey, now time.Time) {
	p.Time = now.Unix()
	p.Nonce = NewNonce()
	p.Sig = hex.EncodeToString(ed25519.Sign(key, p.SignedBytes()))
}

// Verify checks the signature with the device's key and that the request
// is fresh (within MaxClockSkew of now; a stale refusal carries the
// node's time).
func (p *PullRequest) Verify(pub ed25519.PublicKey, now time.Time) error {
	if p.Nonce == "" {
		return &Error{Code: CodeMalformed, Message: "the pull request carries no nonce: it is from an older communekit; update this laptop's communekit"}
	}
	if !validNonce(p.Nonce) {
		return &Error{Code: CodeMalformed, Message: "the pull request's nonce is not 16 to 32 bytes of lowercase hex"}
	}
	sig, err := hex.DecodeString(p.Sig)
	if err != nil || hex.EncodeToString(sig) != p.Sig || !ed25519.Verify(pub, p.SignedBytes(), sig) {
		return &Error{Code: CodeBadSignature, Message: "the pull request is not signed by device " + p.Device}
	}
	if e := CheckFresh("pull request", p.Time, now); e != nil {
		return e
	}
	return nil
}

// MemberRequest asks the cluster to add (Join) or remove a node. Only the
// holder of the district's signing key can make one.
type MemberRequest struct {
	Op   string `json:"op"` // "join" or "remove"
	ID   string `json:"id"`
	Raft string `json:"raft,omitempty"` // join: the node's Raft address
	HTTP string `json:"http,omitempty"` // join: the node's HTTP address (base URL)
	Time int64  `json:"time"`
	// Signer is, for a node asking to join itself, its certificate (text
	// form): the district certified it to be a node. Empty: signed by
	// the district's root key (kitctl cluster join and remove).
	Signer string `json:"signer,omitempty"`
	Sig    string `json:"sig"` // hex Ed25519 over SignedBytes
}

// MaxClockSkew is how far a signed cluster request's time may be from the
// node's clock.
const MaxClockSkew = 10 * time.Minute

// SignedBytes is what the district signs in a member request.
func (m *MemberRequest) SignedBytes() []byte {
	var b bytes.Buffer
	if m.Signer == "" {
		b.WriteString("CKMEMB1\x00")
	} else {
		b.WriteString("CKMEMB2\x00")
		writeStr(&b, m.Signer)
	}
	writeStr(&b, m.Op)
	writeStr(&b, m.ID)
	writeStr(&b, m.Raft)
	writeStr(&b, m.HTTP)
	b.Write(binary.BigEndian.AppendUint64(nil, uint64(m.Time)))
	return b.Bytes()
}

// Sign signs the request with the district's key.
func (m *MemberRequest) Sign(key ed25519.PrivateKey, now time.Time) {
	m.Time = now.Unix()
	m.Sig = hex.EncodeToString(ed25519.Sign(key, m.SignedBytes()))
}

// Hash identifies the request (its signed bytes and signature): the
// cluster remembers the hashes of the joins and removals it made, and
// refuses the same request again.
func (m *MemberRequest) Hash() [32]byte {
	return sha256.Sum256(append(m.SignedBytes(), m.Sig...))
}

// SignAsNode signs a node's request to join, as the node s itself.
func (m *MemberRequest) SignAsNode(s Signer, now time.Time) {
	m.Time = now.Unix()
	m.Signer = s.Cert
	m.Sig, _ = s.sign(m.SignedBytes())
}

// Verify checks the signature and that the request is fresh: by the
// district's root key, or, for a node's own join, by that node with a
// certificate of district d for that node ID, valid at now and not
// revoked.
func (m *MemberRequest) Verify(d identity.DistrictPublic, now time.Time, revoked Revoked) error {
	if m.Signer == "" {
		return verifyDistrictSigned("cluster request", m.SignedBytes(), m.Sig, m.Time, d.SignKey, now)
	}
	c, err := NodeOf(m.Signer, d, revoked)
	if err == nil {
		err = c.Verify(d, now)
	}
	if err != nil {
		return &Error{Code: CodeBadSignature, Message: fmt.Sprintf("node %s may not join: %v", m.ID, err)}
	}
	if m.Op != "join" || c.Node.ID != m.ID {
		return &Error{Code: CodeForbidden, Message: fmt.Sprintf("the certificate of node %s lets it ask to join as itself, not to %s node %s: that takes the district's key", c.Node.ID, m.Op, m.ID)}
	}
	return verifyDistrictSigned("cluster request of node "+m.ID, m.SignedBytes(), m.Sig, m.Time, c.Node.SignKey, now)
}

// NodeStatus is one node's view of itself.
type NodeStatus struct {
	ID           string `json:"id"`
	Role         string `json:"role"` // "leader", "follower", "candidate", "shutdown", "unreachable"
	AppliedIndex uint64 `json:"applied_index"`
	Digest       string `json:"digest"` // hex SHA-256 of the node's application state
	Raft         string `json:"raft,omitempty"`
	HTTP         string `json:"http,omitempty"`
	Leader       string `json:"leader,omitempty"` // ID of the leader this node knows
	Term         uint64 `json:"term,omitempty"`
	Feed         uint64 `json:"feed"` // operations in the district feed
	// BatchKey is the newest generation of the batch key the node's
	// state announces (0: the district's own key).
	BatchKey uint32 `json:"batch_key"`
	// Cert is the node's certificate (text form), as the cluster's
	// member record holds it: batch keys are rolled out to it.
	Cert  string `json:"cert,omitempty"`
	Error string `json:"error,omitempty"`
}

// ClusterStatus is `kitctl cluster status --json`.
type ClusterStatus struct {
	Nodes []NodeStatus `json:"nodes"`
}

func writeStr(b *bytes.Buffer, s string) {
	b.Write(binary.BigEndian.AppendUint32(nil, uint32(len(s))))
	b.WriteString(s)
}
