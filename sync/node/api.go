package node

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"filippo.io/age"
	"github.com/hashicorp/raft"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/batch"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/protocol"
)

// maxPullOps caps the operations of one pull answer.
const maxPullOps = 2000

// Handler returns the node's HTTP API (sync/protocol/PROTOCOL.md). Every
// endpoint has its body limit (checked against Content-Length before a
// byte is read, and as the body arrives) and its write deadline
// (limits.go).
func (n *Node) Handler() http.Handler {
	mux := http.NewServeMux()
	ep := func(pattern string, max int64, write time.Duration, h http.HandlerFunc) {
		mux.HandleFunc(pattern, n.endpoint(max, write, h))
	}
	ep("POST "+protocol.PathPush, int64(batch.DefaultLimits.MaxSealed), writeShort, n.handlePush)
	ep("POST "+protocol.PathCertificate, maxCertificate, writeShort, n.handleCertificate)
	ep("POST "+protocol.PathPull, protocol.MaxControlBody, writePull, n.handlePull)
	ep("GET "+protocol.PathRevocations, 0, writePull, n.handleRevocations)
	ep("POST "+protocol.PathRevocations, maxRevocations, writeShort, n.handlePostRevocations)
	ep("POST "+protocol.PathJoin, protocol.MaxControlBody, writeShort, n.handleMember)
	ep("POST "+protocol.PathRemove, protocol.MaxControlBody, writeShort, n.handleMember)
	ep("GET "+protocol.PathStatus, 0, writeShort, n.handleClusterStatus)
	ep("GET "+protocol.PathNodeStatus, 0, writeShort, n.handleNodeStatus)
	ep("GET "+protocol.PathNodeReceipt+"{device}/{seq}", 0, writeShort, n.handleNodeReceipt)
	ep("GET "+protocol.PathHandover+"{device}", 0, writeShort, n.handleHandover)
	ep("POST "+protocol.PathBackup, protocol.MaxControlBody, writeBackup, n.handleBackup)
	ep("POST "+protocol.PathExport, protocol.MaxControlBody, writePull, n.handleExport)
	ep("POST "+protocol.PathBatchKey, maxBatchKey, writeShort, n.handleBatchKey)
	ep("GET "+protocol.PathReportStats, 0, writeShort, n.handleReportStats)
	ep("GET "+protocol.PathReportProgress, 0, writeShort, n.handleReportProgress)
	ep("POST "+protocol.PathDashboardPassword, protocol.MaxControlBody, writeShort, n.handleDashboardPassword)
	ep("GET "+protocol.PathDashboard, 0, writeShort, n.handleDashboard)
	ep("POST "+protocol.PathDashboardLogin, maxDashboardLogin, writeShort, n.handleDashboardLogin)
	ep("POST "+protocol.PathDashboardLogout, maxDashboardLogin, writeShort, n.handleDashboardLogout)
	ep("GET "+protocol.PathHealth, 0, writeShort, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	ep("GET "+protocol.PathReady, 0, writeShort, n.handleReady)
	return mux
}

// metricsHandler serves /metrics on the node's own metrics listener (kept
// off the API: what the counters show is the district's activity), with
// /healthz and /readyz beside it for a monitor that only reaches that
// port.
func (n *Node) metricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET "+protocol.PathMetrics, promhttp.HandlerFor(n.m.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET "+protocol.PathHealth, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET "+protocol.PathReady, n.handleReady)
	return mux
}

// Body limits of the endpoints that are not batches or control requests.
const (
	maxCertificate = 64 << 10
	maxRevocations = 1 << 20
	maxBatchKey    = 1 << 20
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (n *Node) fail(w http.ResponseWriter, e *protocol.Error) {
	n.m.refused.WithLabelValues(e.Code).Inc()
	if e.Code == protocol.CodeUnavailable || e.Code == protocol.CodeBusy {
		w.Header().Set("Retry-After", retryAfter(e))
	}
	writeJSON(w, protocol.Status(e.Code), e)
}

func errf(code, format string, a ...any) *protocol.Error {
	return &protocol.Error{Code: code, Message: fmt.Sprintf(format, a...)}
}

// leaderURL returns the leader's API URL, or "" when there is no leader
// or it is this node.
func (n *Node) leaderURL() (string, bool) {
	_, id := n.raft.LeaderWithID()
	if id == "" {
		return "", false
	}
	if string(id) == n.cfg.ID {
		return "", true
	}
	ms, err := n.fsm.members()
	if err != nil {
		return "", false
	}
	m, ok := ms[string(id)]
	if !ok || m.HTTP == "" {
		return "", false
	}
	return m.HTTP, true
}

// forward passes a request meant for the leader on to it. It reports
// whether the request was handled (forwarded or refused).
func (n *Node) forward(w http.ResponseWriter, r *http.Request, body []byte) bool {
	if n.raft.State() == raft.Leader {
		return false
	}
	if r.Header.Get(protocol.HeaderForwarded) != "" {
		n.fail(w, errf(protocol.CodeUnavailable, "node %s is not the leader any more: push again", n.cfg.ID))
		return true
	}
	target, ok := n.leaderURL()
	if !ok || target == "" {
		n.fail(w, errf(protocol.CodeUnavailable, "the district cluster has no leader right now (an election is under way or too few nodes are up): try again shortly"))
		return true
	}
	u, err := url.Parse(target)
	if err != nil {
		n.fail(w, errf(protocol.CodeInternal, "leader address %q: %v", target, err))
		return true
	}
	proxy := &httputil.ReverseProxy{
		Transport: n.peers.Transport,
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			pr.Out.Header.Set(protocol.HeaderForwarded, n.cfg.ID)
		},
		ModifyResponse: func(resp *http.Response) error {
			if idx, err := strconv.ParseUint(resp.Header.Get(headerIndex), 10, 64); err == nil {
				n.waitApplied(idx)
			}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			n.fail(w, errf(protocol.CodeUnavailable, "could not reach the leader: %v; try again", err))
		},
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	proxy.ServeHTTP(w, r)
	return true
}

func (n *Node) handlePush(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	defer func() { n.m.pushSeconds.Observe(time.Since(start).Seconds()) }()
	if !n.serving(w) {
		return
	}
	body, e := n.readBody(w, r, batch.DefaultLimits.MaxSealed)
	if e != nil {
		n.fail(w, e)
		return
	}
	// One device's pushes count against its own limit only once its
	// signature is known to be its own: a stranger naming the device
	// must not use up its places.
	dev := ""
	if h, err := batch.ParseHeader(body); err == nil {
		if _, err := n.fsm.opener().Verify(body); err == nil {
			dev = h.Sender
		}
	}
	release, ok := n.admit(w, dev)
	if !ok {
		return
	}
	defer release()
	if n.forward(w, r, body) {
		return
	}
	rec, e := n.push(body, r.Header.Get(protocol.HeaderCertificate))
	if e != nil {
		n.fail(w, e)
		return
	}
	// A follower that forwarded the push waits until it has applied the
	// entry too, so the device's next request there sees its batch and
	// everything committed before it.
	w.Header().Set(headerIndex, strconv.FormatUint(rec.Index, 10))
	writeJSON(w, http.StatusOK, rec)
}

// push checks a sealed batch against the leader's view (cheap refusals and
// duplicates never reach Raft) and proposes it. The leader opens the batch
// and runs the state machine's checks on it against the state it holds, so
// that a batch the state machine would refuse is refused at once, and a
// batch stamped more than a day ahead of the leader's clock is refused
// here (clock_ahead): the state machine reads no clock.
func (n *Node) push(sealed []byte, introduced string) (*protocol.Receipt, *protocol.Error) {
	h, err := batch.ParseHeader(sealed)
	if err != nil {
		return nil, refusal(err)
	}
	crt, e := n.checkSender(sealed, h)
	if e != nil && e.Code == protocol.CodeUnknownDevice && introduced != "" {
		if e = n.introduce(sealed, h, introduced); e == nil {
			crt, e = n.checkSender(sealed, h)
		}
	}
	if e != nil {
		return nil, e
	}
	if _, err := n.fsm.opener().Verify(sealed); err != nil {
		return nil, refusal(err)
	}
	ch, err := n.fsm.chain(h.Sender)
	if err != nil {
		return nil, errf(protocol.CodeInternal, "reading the chain of %s: %v", h.Sender, err)
	}
	if h.Seq > ch.Seq+1 {
		// A leader elected a moment ago may not have applied every entry
		// committed before it: the device's previous batch may be among
		// them. Wait until it has (a Raft barrier) before calling it a gap.
		if err := n.raft.Barrier(5 * time.Second).Error(); err != nil {
			return nil, errf(protocol.CodeUnavailable, "this node is catching up with the cluster; try again: %v", err)
		}
		if ch, err = n.fsm.chain(h.Sender); err != nil {
			return nil, errf(protocol.CodeInternal, "reading the chain of %s: %v", h.Sender, err)
		}
	}
	if h.Seq <= ch.Seq {
		if rec, old, err := n.fsm.receipt(h.Sender, h.Seq); err == nil && old == batch.Hash(sealed) {
			rec.Duplicate = true
			n.m.batches.WithLabelValues("duplicate").Inc()
			return rec, nil
		}
		return nil, errf(protocol.CodeReplay, "device %s: batch %d was already accepted with other contents (the district has accepted up to %d)", h.Sender, h.Seq, ch.Seq)
	}
	if h.Seq > ch.Seq+1 {
		return nil, &protocol.Error{Code: protocol.CodeGap, Expected: ch.Seq + 1, Message: fmt.Sprintf("device %s sent batch %d, the district expects batch %d first", h.Sender, h.Seq, ch.Seq+1)}
	}
	if h.PrevHash != ch.Hash {
		// Before any signed refusal of the batch's contents: such a
		// refusal tells the device the district holds exactly its batches
		// before this one (sync/client acknowledges them on its word).
		return nil, errf(protocol.CodeReplay, "batch %d of device %s does not follow the batch %d the district accepted", h.Seq, h.Sender, ch.Seq)
	}
	if !n.cfg.NoPushCheck {
		e := n.precheck(sealed, crt, ch)
		if e != nil && len(e.Refused) > 0 {
			// A refusal for what the batch does depends on the records: a
			// leader elected a moment ago may not have applied everything
			// committed (the move in that makes an edit lawful). Refuse,
			// signed, only from a state that has.
			if err := n.raft.Barrier(5 * time.Second).Error(); err != nil {
				return nil, errf(protocol.CodeUnavailable, "this node is catching up with the cluster; try again: %v", err)
			}
			if ch, err = n.fsm.chain(h.Sender); err != nil {
				return nil, errf(protocol.CodeInternal, "reading the chain of %s: %v", h.Sender, err)
			}
			if h.Seq != ch.Seq+1 || h.PrevHash != ch.Hash {
				return nil, errf(protocol.CodeUnavailable, "the district's record of device %s moved meanwhile: push again", h.Sender)
			}
			e = n.precheck(sealed, crt, ch)
		}
		if e != nil {
			return nil, e
		}
	}
	res := n.prop.submit(sealed)
	if res.Err != nil {
		return nil, res.Err
	}
	return res.Receipt, nil
}

// introduce makes the cluster hold the certificate that came with a push
// of a device it does not know (protocol.HeaderCertificate: a supervisor
// forwarding an officer's batch files, whose certificates came on the
// stick). The batch, signed with the certificate's key, proves that the
// certificate is the sender's.
func (n *Node) introduce(sealed []byte, h batch.Header, header string) *protocol.Error {
	b, err := base64.StdEncoding.DecodeString(header)
	if err != nil {
		return errf(protocol.CodeMalformed, "the %s header is not base64: %v", protocol.HeaderCertificate, err)
	}
	c, err := cert.ParseCertificate(b)
	if err != nil {
		return errf(protocol.CodeMalformed, "the %s header holds no certificate: %v", protocol.HeaderCertificate, err)
	}
	if c.Device.ID != h.Sender {
		return errf(protocol.CodeMalformed, "the certificate sent with batch %d of device %s is device %s's", h.Seq, h.Sender, c.Device.ID)
	}
	if e := n.checkValid(c); e != nil {
		return e
	}
	o := n.fsm.opener()
	o.SignerKey = func(string) (ed25519.PublicKey, error) { return c.Device.SignKey, nil }
	if _, err := o.Verify(sealed); err != nil {
		return refusal(err)
	}
	return n.apply(append([]byte{entryCertificate}, b...))
}

// clockAhead is how far ahead of the district's clock a batch may be
// stamped.
const clockAhead = 24 * time.Hour

// districtTime is a wall-clock reading as a clock reading with no counter.
func districtTime(t time.Time) storage.HLC { return storage.HLC(uint64(t.UnixMilli()) << 16) }

// precheck opens a batch that follows its device's chain and runs the
// state machine's checks on it against this node's state and clock.
func (n *Node) precheck(sealed []byte, crt *cert.Certificate, ch chainRec) *protocol.Error {
	start := time.Now()
	defer func() { n.m.precheckSeconds.Observe(time.Since(start).Seconds()) }()
	b, err := n.fsm.opener().Open(sealed)
	if err != nil {
		return refusal(err)
	}
	now := n.now()
	at := districtTime(now)
	h := batch.Hash(sealed)
	var newest storage.HLC
	for _, o := range b.Ops {
		newest = max(newest, o.HLC)
	}
	if newest > districtTime(now.Add(clockAhead)) {
		n.m.clockAhead.Inc()
		n.log.Warn("a device's clock is ahead: its batch is refused until its date and time are set", "device", b.Header.Sender, "batch", b.Header.Seq,
			"stamped", newest.Time().Format(time.RFC3339), "ahead", newest.Time().Sub(now).Round(time.Minute).String())
		e := signedRefusal(n.keys, protocol.CodeClockAhead, b.Header.Sender, b.Header.Seq, h, nil, at)
		e.Message = fmt.Sprintf("batch %d of device %s is stamped %s, but the district's date and time are %s: set this computer's date and time (and time zone), then sync again; the changes will be stamped again and sent",
			b.Header.Seq, b.Header.Sender, newest.Time().Local().Format("2006-01-02 15:04"), now.Local().Format("2006-01-02 15:04"))
		return e
	}
	refused, err := n.store.CheckBatch(senderOf(crt), ch.OpSeq, b.Ops, at)
	if err != nil {
		return errf(protocol.CodeInternal, "checking batch %d of %s: %v", b.Header.Seq, b.Header.Sender, err)
	}
	if len(refused) > 0 {
		return signedRefusal(n.keys, refusedCode(refused), b.Header.Sender, b.Header.Seq, h, refused, at)
	}
	return nil
}

// checkDevice returns the device's certificate if the district enrolled
// it, it is valid now and not revoked.
func (n *Node) checkDevice(dev string) (*cert.Certificate, *protocol.Error) {
	c, err := n.fsm.certificate(dev)
	if errors.Is(err, batch.ErrUnknownSigner) {
		return nil, errf(protocol.CodeUnknownDevice, "the district has no certificate for device %s: send it (POST %s), or enrol the device", dev, protocol.PathCertificate)
	}
	if err != nil {
		return nil, errf(protocol.CodeInternal, "reading the certificate of %s: %v", dev, err)
	}
	if e := n.checkValid(c); e != nil {
		return nil, e
	}
	return c, nil
}

// checkValid refuses a certificate that is not valid now (by this node's
// clock) or that the district's revocation list names.
func (n *Node) checkValid(c *cert.Certificate) *protocol.Error {
	if err := c.Verify(n.fsm.pub, n.now()); err != nil {
		return refusal(err)
	}
	l, err := n.fsm.revocations()
	if err != nil {
		return errf(protocol.CodeInternal, "reading the revocation list: %v", err)
	}
	if l != nil {
		if err := l.Check(c); err != nil {
			return refusal(err)
		}
	}
	return nil
}

func (n *Node) handleCertificate(w http.ResponseWriter, r *http.Request) {
	body, e := n.readBody(w, r, maxCertificate)
	if e != nil {
		n.fail(w, e)
		return
	}
	c, err := cert.ParseCertificate(body)
	if err != nil {
		n.fail(w, errf(protocol.CodeMalformed, "not a certificate: %v", err))
		return
	}
	// Only the device itself (its certificate's key signs the request:
	// the poster holds the device) or the district may make the cluster
	// write a certificate into its log.
	own := protocol.SignerDevice(c.Device.ID)
	a := n.verifySigned(w, r, body, func(signer string) (ed25519.PublicKey, *protocol.Error) {
		if signer == own {
			return c.Device.SignKey, nil
		}
		return n.fsm.pub.SignKey, nil
	}, func(signer string) bool { return signer == own || signer == protocol.SignerDistrict },
		"the district or the certificate's own device", n.leading())
	if a == nil {
		return
	}
	if e := n.checkValid(c); e != nil {
		n.fail(w, e)
		return
	}
	if held, err := n.store.GetMeta(metaCert + c.Device.ID); err == nil && bytes.Equal(held, body) {
		w.WriteHeader(http.StatusNoContent) // the cluster holds it already: no entry
		return
	}
	dev := ""
	if a.Signer == own {
		dev = c.Device.ID
	}
	release, ok := n.admit(w, dev)
	if !ok {
		return
	}
	defer release()
	if n.forward(w, r, body) {
		return
	}
	if e := n.apply(append([]byte{entryCertificate}, body...), w); e != nil {
		n.fail(w, e)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// apply proposes a control entry and waits for it; w, when given, gets
// the entry's index in a header, so a follower that forwarded the request
// can wait until it has applied it too before answering.
func (n *Node) apply(entry []byte, w ...http.ResponseWriter) *protocol.Error {
	f := n.raft.Apply(entry, applyTimeout)
	if err := f.Error(); err != nil {
		return raftError(err)
	}
	if err, ok := f.Response().(error); ok && err != nil {
		if errors.Is(err, errReplayedRequest) || errors.Is(err, errDashboardNotNewer) {
			return errf(protocol.CodeReplayed, "%v", err)
		}
		var pe *protocol.Error
		if errors.As(err, &pe) {
			return pe
		}
		return errf(protocol.CodeMalformed, "%v", err)
	}
	for _, w := range w {
		w.Header().Set(headerIndex, strconv.FormatUint(f.Index(), 10))
	}
	return nil
}

// headerIndex carries the Raft index of the entry a request made, from
// the leader to the follower that forwarded it.
const headerIndex = "X-Communekit-Index"

// waitApplied waits (up to 5 s) until this node has applied index, so that
// what a device just sent through it is visible to its next request here.
func (n *Node) waitApplied(index uint64) {
	end := time.Now().Add(5 * time.Second)
	for n.fsm.applied.Load() < index && time.Now().Before(end) {
		time.Sleep(5 * time.Millisecond)
	}
}

// serving refuses requests when this node is out of the cluster (removed
// or stopping): its state may be stale.
func (n *Node) serving(w http.ResponseWriter) bool {
	removed := false
	select {
	case <-n.removed:
		removed = true
	default:
	}
	if st := n.raft.State(); st == raft.Shutdown || removed {
		n.fail(w, errf(protocol.CodeUnavailable, "node %s is not a member of the district cluster any more: use another node", n.cfg.ID))
		return false
	}
	return true
}

// readRequest reads a control request's body (within MaxControlBody) as
// the JSON of into, which is what: on a failure it answers the refusal
// and returns false.
func (n *Node) readRequest(w http.ResponseWriter, r *http.Request, into any, what string) ([]byte, bool) {
	body, e := n.readBody(w, r, protocol.MaxControlBody)
	if e != nil {
		n.fail(w, e)
		return nil, false
	}
	if err := json.Unmarshal(body, into); err != nil {
		n.fail(w, errf(protocol.CodeMalformed, "not %s: %v", what, err))
		return nil, false
	}
	return body, true
}

func (n *Node) handlePull(w http.ResponseWriter, r *http.Request) {
	if !n.serving(w) {
		return
	}
	var req protocol.PullRequest
	_, ok := n.readRequest(w, r, &req, "a pull request")
	if !ok {
		return
	}
	c, e := n.checkDevice(req.Device)
	if e != nil {
		n.fail(w, e)
		return
	}
	if err := req.Verify(c.Device.SignKey, n.now()); err != nil {
		n.fail(w, err.(*protocol.Error))
		return
	}
	if e := n.replays.use("pull request", protocol.SignerDevice(req.Device), req.Nonce, req.Time, n.now()); e != nil {
		n.fail(w, e)
		return
	}
	release, ok := n.admit(w, req.Device)
	if !ok {
		return
	}
	defer release()
	n.answerPull(w, c, req.Cursor, req.Max, req.Hash())
}

// answerPull answers a pull of device c after cursor after: a batch
// sealed to the device, 204 when nothing is new. A device's own pull and
// the district's export for it (export.go) get the same answer. The
// answer's Header.PrevHash is asked, the hash of the request it answers:
// signed with the answer, it binds it to that request (its cursor, its
// nonce), so that no other answer passes for it.
func (n *Node) answerPull(w http.ResponseWriter, c *cert.Certificate, after uint64, maxOps int, asked [32]byte) {
	max := maxOps
	if max <= 0 || max > maxPullOps {
		max = 500
	}
	// Cursors and feed positions differ after a restore (backup_cursor.go).
	restores, err := readFeedRestores(n.store)
	if err != nil {
		n.fail(w, errf(protocol.CodeInternal, "reading the district feed: %v", err))
		return
	}
	page, err := n.store.Feed(c.Communes, restores.position(after), storage.DeviceID(c.Device.ID), max)
	if err != nil {
		n.fail(w, errf(protocol.CodeInternal, "reading the district feed: %v", err))
		return
	}
	// The newest batch key goes with every answer, "nothing new" too: a
	// device that receives nothing still learns it.
	if _, r, err := n.fsm.currentGen(); err == nil && r != nil {
		if t, err := r.Key.MarshalText(); err == nil {
			w.Header().Set(protocol.HeaderBatchKey, string(t))
		}
	}
	cursor := restores.cursor(page.Last)
	if len(page.Ops) == 0 && cursor <= after {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	rcpt, err := age.ParseX25519Recipient(c.Device.AgeRecipient)
	if err != nil {
		n.fail(w, errf(protocol.CodeInternal, "the device's certificate has an unusable key: %v", err))
		return
	}
	sealed, err := batch.Seal(page.Ops, batch.SealOptions{
		Header:    batch.Header{Sender: n.keys.keyID(), Seq: cursor, PrevHash: asked, RecipientKeyID: c.Device.KeyID()},
		Recipient: rcpt,
		SignKey:   n.keys.node.Sign,
	})
	if err != nil {
		n.fail(w, errf(protocol.CodeInternal, "sealing the answer: %v", err))
		return
	}
	n.m.pullOps.Add(float64(len(page.Ops)))
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set(protocol.HeaderOps, strconv.Itoa(len(page.Ops)))
	w.Header().Set(protocol.HeaderSigner, n.keys.signer.Cert)
	if page.More {
		w.Header().Set(protocol.HeaderMore, "1")
	}
	w.Write(sealed)
}

func (n *Node) handleRevocations(w http.ResponseWriter, r *http.Request) {
	l, err := n.fsm.revocations()
	if err == nil && l == nil {
		if n.cfg.District == nil {
			// The district has revoked nothing yet, and only its root
			// key, which is not here, signs even an empty list.
			w.WriteHeader(http.StatusNoContent)
			return
		}
		l, err = cert.NewRevocationList(n.cfg.District)
	}
	var b []byte
	if err == nil {
		b, err = l.MarshalBinary()
	}
	if err != nil {
		n.fail(w, errf(protocol.CodeInternal, "revocation list: %v", err))
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Write(b)
}

// handlePostRevocations replicates a revocation list the district signed
// (kitctl enrol revoke --node).
func (n *Node) handlePostRevocations(w http.ResponseWriter, r *http.Request) {
	n.replicateSigned(w, r, maxRevocations, entryRevocations, "a revocation list", func(b []byte) error {
		l, err := cert.ParseRevocationList(b)
		if err == nil {
			err = l.Verify(n.fsm.pub)
		}
		return err
	})
}

// handleBatchKey replicates a new generation of the batch key the district
// rolled out (kitctl district rotate-batch-key).
func (n *Node) handleBatchKey(w http.ResponseWriter, r *http.Request) {
	n.replicateSigned(w, r, maxBatchKey, entryBatchKey, "a batch key rollout", func(b []byte) error {
		ro, err := cert.ParseBatchKeyRollout(b)
		if err == nil {
			err = ro.Verify(n.keys.pub)
		}
		if err == nil {
			n.log.Info("a batch key rollout signed by the district came in", "generation", ro.Key.Gen)
		}
		return err
	})
}

// replicateSigned takes a document the district signed (what, up to max
// bytes), checks it with check before anything else, and replicates it
// as an entry of kind, through the leader; the state machine decides
// whether it follows what the cluster holds.
func (n *Node) replicateSigned(w http.ResponseWriter, r *http.Request, max int, kind byte, what string, check func([]byte) error) {
	body, e := n.readBody(w, r, max)
	if e != nil {
		n.fail(w, e)
		return
	}
	if err := check(body); err != nil {
		n.fail(w, errf(protocol.CodeBadSignature, "not %s of this district: %v", what, err))
		return
	}
	release, ok := n.admit(w, "")
	if !ok {
		return
	}
	defer release()
	if n.forward(w, r, body) {
		return
	}
	if e := n.apply(append([]byte{kind}, body...), w); e != nil {
		n.fail(w, e)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// checkRemovable refuses to remove a node that is not a member (removing
// it said it was removed) or the last voter (Raft refused with words about
// "configuration" that told district staff nothing).
func (n *Node) checkRemovable(id string) *protocol.Error {
	f := n.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return raftError(err)
	}
	var ids []string
	voters, member := 0, false
	for _, s := range f.Configuration().Servers {
		ids = append(ids, string(s.ID))
		if s.Suffrage == raft.Voter {
			voters++
		}
		member = member || string(s.ID) == id
	}
	if !member {
		return errf(protocol.CodeNotMember, "%s is not a node of this cluster (its nodes: %s); `kitctl cluster status` lists them", id, strings.Join(ids, ", "))
	}
	if voters <= 1 {
		return errf(protocol.CodeLastNode, "%s is the cluster's only node and cannot be removed: to retire the cluster, back it up (`kitctl district backup`) and stop the node", id)
	}
	return nil
}

func (n *Node) handleMember(w http.ResponseWriter, r *http.Request) {
	var req protocol.MemberRequest
	body, ok := n.readRequest(w, r, &req, "a cluster request")
	if !ok {
		return
	}
	if err := req.Verify(n.keys.pub, n.now(), n.peerRevoked); err != nil {
		n.fail(w, err.(*protocol.Error))
		return
	}
	want := "join"
	if strings.HasSuffix(r.URL.Path, "/remove") {
		want = "remove"
	}
	if req.Op != want || req.ID == "" || (want == "join" && (req.Raft == "" || req.HTTP == "")) {
		n.fail(w, errf(protocol.CodeMalformed, "a %s request needs op %q, the node's id%s", want, want, map[bool]string{true: ", raft and http addresses", false: ""}[want == "join"]))
		return
	}
	// Taken once by the whole cluster: its hash goes into the entry of
	// the change, and the state machine refuses it the second time (any
	// node refuses at once what its state shows taken).
	hash := req.Hash()
	reqID := hex.EncodeToString(hash[:])
	if n.fsm.memberRequestTaken(reqID) {
		n.fail(w, errf(protocol.CodeReplayed, "%v", errReplayedRequest))
		return
	}
	release, ok := n.admit(w, "")
	if !ok {
		return
	}
	defer release()
	if n.forward(w, r, body) {
		return
	}
	var err error
	switch want {
	case "join":
		// The entry first: the state machine decides whether the request
		// is new, before Raft's configuration changes.
		if e := n.apply(encodeMember(member{ID: req.ID, Raft: req.Raft, HTTP: req.HTTP, Cert: req.Signer, Request: reqID, RequestTime: req.Time})); e != nil {
			n.fail(w, e)
			return
		}
		err = n.raft.AddVoter(raft.ServerID(req.ID), raft.ServerAddress(req.Raft), 0, 30*time.Second).Error()
	case "remove":
		if e := n.checkRemovable(req.ID); e != nil {
			n.fail(w, e)
			return
		}
		if e := n.apply(encodeMember(member{ID: req.ID, Removed: true, Request: reqID, RequestTime: req.Time})); e != nil {
			n.fail(w, e)
			return
		}
		err = n.raft.RemoveServer(raft.ServerID(req.ID), 0, 30*time.Second).Error()
	}
	if err != nil {
		n.fail(w, raftError(err))
		return
	}
	n.log.Info("cluster membership changed", "op", want, "id", req.ID, "raft", req.Raft, "http", req.HTTP)
	w.WriteHeader(http.StatusNoContent)
}

// Status returns this node's status.
func (n *Node) Status() protocol.NodeStatus {
	_, leader := n.raft.LeaderWithID()
	st := protocol.NodeStatus{
		ID:           n.cfg.ID,
		Role:         strings.ToLower(n.raft.State().String()),
		AppliedIndex: n.fsm.applied.Load(),
		Raft:         string(n.trans.LocalAddr()),
		HTTP:         n.cfg.HTTPURL,
		Leader:       string(leader),
		Term:         n.raft.CurrentTerm(),
		Feed:         n.store.FeedLast(),
		Cert:         n.keys.signer.Cert,
	}
	st.BatchKey, _, _ = n.fsm.currentGen()
	d, err := n.digest()
	if err != nil {
		st.Error = err.Error()
	} else {
		st.Digest = d
	}
	return st
}

// roleStatus is Status without the digest (which reads the whole store).
func (n *Node) roleStatus() protocol.NodeStatus {
	_, leader := n.raft.LeaderWithID()
	return protocol.NodeStatus{ID: n.cfg.ID, Role: strings.ToLower(n.raft.State().String()), AppliedIndex: n.fsm.applied.Load(),
		Leader: string(leader), Term: n.raft.CurrentTerm(), Feed: n.store.FeedLast()}
}

// handleNodeReceipt answers whether this node itself (not the leader)
// holds batch seq of device: its receipt, or 404.
func (n *Node) handleNodeReceipt(w http.ResponseWriter, r *http.Request) {
	dev := r.PathValue("device")
	a := n.verifySigned(w, r, nil, nil, func(signer string) bool {
		return signer == protocol.SignerDistrict || signer == protocol.SignerDevice(dev)
	}, "the district or device "+dev, true)
	if a == nil {
		return
	}
	own := ""
	if a.Signer != protocol.SignerDistrict {
		own = dev
	}
	release, ok := n.admit(w, own)
	if !ok {
		return
	}
	defer release()
	seq, err := strconv.ParseUint(r.PathValue("seq"), 10, 64)
	if err != nil {
		n.fail(w, errf(protocol.CodeMalformed, "batch number %q", r.PathValue("seq")))
		return
	}
	rec, _, err := n.fsm.receipt(r.PathValue("device"), seq)
	if err != nil {
		n.fail(w, errf(protocol.CodeNotFound, "node %s does not hold batch %d of device %s", n.cfg.ID, seq, r.PathValue("device")))
		return
	}
	writeJSON(w, http.StatusOK, rec)
}

func (n *Node) handleNodeStatus(w http.ResponseWriter, r *http.Request) {
	if n.verifySigned(w, r, nil, nil, districtOnly, "the district (kitctl --profile DISTRICT_PROFILE cluster status)", true) == nil {
		return
	}
	release, ok := n.admit(w, "")
	if !ok {
		return
	}
	defer release()
	if r.URL.Query().Get("digest") == "0" {
		writeJSON(w, http.StatusOK, n.roleStatus())
		return
	}
	writeJSON(w, http.StatusOK, n.Status())
}

// handleClusterStatus asks every server of the Raft configuration for its
// status.
func (n *Node) handleClusterStatus(w http.ResponseWriter, r *http.Request) {
	if n.verifySigned(w, r, nil, nil, districtOnly, "the district (kitctl --profile DISTRICT_PROFILE cluster status)", true) == nil {
		return
	}
	release, ok := n.admit(w, "")
	if !ok {
		return
	}
	defer release()
	f := n.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		n.fail(w, errf(protocol.CodeUnavailable, "reading the cluster configuration: %v", err))
		return
	}
	ms, _ := n.fsm.members()
	servers := f.Configuration().Servers
	out := protocol.ClusterStatus{Nodes: make([]protocol.NodeStatus, len(servers))}
	var wg sync.WaitGroup
	for i, s := range servers {
		id := string(s.ID)
		if id == n.cfg.ID {
			out.Nodes[i] = n.Status()
			continue
		}
		m, ok := ms[id]
		if !ok || m.HTTP == "" {
			out.Nodes[i] = protocol.NodeStatus{ID: id, Role: "unreachable", Raft: string(s.Address), Error: "its API address is not known yet"}
			continue
		}
		wg.Add(1)
		go func(i int, id, base string) {
			defer wg.Done()
			out.Nodes[i] = n.fetchStatus(r.Context(), id, base)
			out.Nodes[i].Raft = string(servers[i].Address)
		}(i, id, m.HTTP)
	}
	wg.Wait()
	// Each node's certificate as the cluster's member records hold it,
	// reachable or not: a batch key is rolled out to all of them.
	for i := range out.Nodes {
		if m, ok := ms[out.Nodes[i].ID]; ok && m.Cert != "" {
			out.Nodes[i].Cert = m.Cert
		}
	}
	sort.Slice(out.Nodes, func(i, j int) bool { return out.Nodes[i].ID < out.Nodes[j].ID })
	writeJSON(w, http.StatusOK, out)
}

// fetchStatus asks node id at base for its status, signed with this
// node's own key (its certificate goes along).
func (n *Node) fetchStatus(ctx context.Context, id, base string) protocol.NodeStatus {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	unreachable := func(err error) protocol.NodeStatus {
		return protocol.NodeStatus{ID: id, Role: "unreachable", HTTP: base, Error: err.Error()}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+protocol.PathNodeStatus, nil)
	if err != nil {
		return unreachable(err)
	}
	protocol.SignRequestAsNode(req, nil, n.cfg.ID, n.keys.signer, n.now())
	resp, err := n.peers.Do(req)
	if err != nil {
		return unreachable(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return unreachable(err)
	}
	if resp.StatusCode != http.StatusOK {
		var pe protocol.Error
		if json.Unmarshal(b, &pe) == nil && pe.Message != "" {
			return unreachable(fmt.Errorf("it refused the status request: %s", pe.Message))
		}
		return unreachable(fmt.Errorf("it answered HTTP %d", resp.StatusCode))
	}
	var st protocol.NodeStatus
	if err := json.Unmarshal(b, &st); err != nil {
		return unreachable(err)
	}
	return st
}

// Ready reports whether the node is a member of a cluster with a leader
// and has applied everything it knows to be committed.
func (n *Node) Ready() error {
	st := n.raft.State()
	if st != raft.Leader && st != raft.Follower {
		return fmt.Errorf("this node is %s", strings.ToLower(st.String()))
	}
	member := false
	for _, s := range n.voters() {
		if string(s.ID) == n.cfg.ID {
			member = true
		}
	}
	if !member {
		return errors.New("this node is not a voter of a cluster yet")
	}
	if _, id := n.raft.LeaderWithID(); id == "" {
		return errors.New("the cluster has no leader")
	}
	if st == raft.Follower && time.Since(n.raft.LastContact()) > 3*or(n.cfg.HeartbeatTimeout, 500*time.Millisecond) {
		return fmt.Errorf("no contact with the leader for %s", time.Since(n.raft.LastContact()).Round(time.Millisecond))
	}
	if a, c := n.raft.AppliedIndex(), n.raft.CommitIndex(); a < c {
		return fmt.Errorf("catching up: applied %d of %d", a, c)
	}
	return nil
}

func (n *Node) handleReady(w http.ResponseWriter, r *http.Request) {
	if err := n.Ready(); err != nil {
		http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	io.WriteString(w, "ready\n")
}

// joinLoop asks the cluster at target to add this node, until it does.
func (n *Node) joinLoop(target string) {
	defer n.wg.Done()
	delay := 500 * time.Millisecond
	for attempt := 1; ; attempt++ {
		for _, s := range n.voters() {
			if string(s.ID) == n.cfg.ID {
				return
			}
		}
		err := n.requestJoin(target)
		if err == nil {
			n.log.Info("joined the cluster", "via", target)
			return
		}
		n.log.Warn("joining the cluster failed; retrying", "via", target, "attempt", attempt, "err", err)
		select {
		case <-n.stop:
			return
		case <-time.After(delay):
		}
		if delay < 10*time.Second {
			delay *= 2
		}
	}
}

func (n *Node) requestJoin(target string) error {
	req := protocol.MemberRequest{Op: "join", ID: n.cfg.ID, Raft: string(n.trans.LocalAddr()), HTTP: n.cfg.HTTPURL}
	// Signed by this node: its certificate from the district is its
	// leave to join (and a revoked one is refused).
	req.SignAsNode(n.keys.signer, n.now())
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	err := client.Member(ctx, n.peers, target, req)
	var ua x509.UnknownAuthorityError
	if errors.As(err, &ua) {
		return fmt.Errorf("the node at %s is not of this node's district: its TLS certificate is not signed with this district's key (%w)", target, err)
	}
	return err
}
