package client_test

import (
	"crypto/ed25519"
	"crypto/tls"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/batch"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/outbox"
	"github.com/communekit/communekit/sync/protocol"
	"github.com/communekit/communekit/sync/registry"
)

// district is a district node for tests: the protocol of PROTOCOL.md on
// one process, with the real district-side pieces (the registry for
// enrolment and each device's chain, a node store for the feed) and hooks
// for faults. It stands in for sync/node, which is tested on its own.
type district struct {
	t    *testing.T
	reg  *registry.Registry
	node *storage.Store

	mu        sync.Mutex
	known     map[string]bool              // devices whose certificate this node holds
	receipts  map[string]*protocol.Receipt // "device/seq" → the original receipt
	signKey   ed25519.PrivateKey           // signs receipts: the district's unless a test swaps it
	index     uint64                       // "Raft index" of the last batch applied
	applied   map[string]int               // "device/seq" → times applied
	certPosts int
	pushes    int
	pulls     int

	// Faults, set by tests before the requests they concern.
	hook          func(w http.ResponseWriter, r *http.Request) bool // true: the hook answered
	mutateReceipt func(*protocol.Receipt)                           // before signing
	pullSeq       func(uint64) uint64                               // the Seq a pull answer claims
	pullBinding   func([32]byte) [32]byte                           // the request hash a pull answer claims
	revocations   []byte                                            // served instead of the registry's list
}

func newDistrict(t *testing.T) *district {
	t.Helper()
	dist := mustProfile(t, storage.Profile{Kind: storage.KindDistrict, District: "Cụm Mèo Vạc"})
	reg, err := registry.Open(dist, nil)
	if err != nil {
		t.Fatal(err)
	}
	node := mustProfile(t, storage.Profile{Kind: storage.KindNode, District: "Cụm Mèo Vạc"})
	return &district{t: t, reg: reg, node: node, known: map[string]bool{}, receipts: map[string]*protocol.Receipt{},
		applied: map[string]int{}, signKey: reg.Keys().Sign}
}

// enrol makes a commune device enrolled with the district; the node knows
// its certificate unless unknown is set.
func (d *district) enrol(t *testing.T, officer, commune string, unknown bool) *storage.Store {
	t.Helper()
	dev := mustProfile(t, storage.Profile{Commune: commune, Officer: officer})
	req, err := cert.NewRequest(dev.DeviceKeys(), officer, []string{commune}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c, err := d.reg.Sign(req, cert.RoleOfficer, nil, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := outbox.Install(dev, c, d.reg.Public(), time.Now()); err != nil {
		t.Fatal(err)
	}
	d.mu.Lock()
	d.known[c.Device.ID] = !unknown
	d.mu.Unlock()
	return dev
}

func (d *district) serve(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+protocol.PathPush, d.handlePush)
	mux.HandleFunc("POST "+protocol.PathCertificate, d.handleCertificate)
	mux.HandleFunc("POST "+protocol.PathPull, d.handlePull)
	mux.HandleFunc("GET "+protocol.PathRevocations, d.handleRevocations)
	return nodeServer(t, d.reg.Keys(), mux)
}

func (d *district) fail(w http.ResponseWriter, e *protocol.Error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(protocol.Status(e.Code))
	json.NewEncoder(w).Encode(e)
}

// faulted runs the test's hook, which may read the body itself, and else
// reads the body.
func (d *district) faulted(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	d.mu.Lock()
	hook := d.hook
	d.mu.Unlock()
	if hook != nil && hook(w, r) {
		return nil, true
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, true
	}
	return body, false
}

func (d *district) handlePush(w http.ResponseWriter, r *http.Request) {
	body, done := d.faulted(w, r)
	if done {
		return
	}
	rec, e := d.push(body, true)
	if e != nil {
		d.fail(w, e)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(rec)
}

// push accepts a batch as a node does: chain checks by the registry, the
// operations applied to the feed, a signed receipt kept for duplicates.
// Without keep, no receipt is kept (a node that took the batch from a
// file and lost it), so a later push of it is answered with a gap.
func (d *district) push(sealed []byte, keep bool) (*protocol.Receipt, *protocol.Error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.pushes++
	h, err := batch.ParseHeader(sealed)
	if err != nil {
		return nil, &protocol.Error{Code: protocol.CodeMalformed, Message: err.Error()}
	}
	if !d.known[h.Sender] {
		return nil, &protocol.Error{Code: protocol.CodeUnknownDevice, Message: "the district has no certificate for device " + h.Sender}
	}
	key := fmt.Sprintf("%s/%d", h.Sender, h.Seq)
	acc, err := d.reg.Accept(sealed)
	var se *registry.SequenceError
	switch {
	case errors.As(err, &se):
		return nil, &protocol.Error{Code: protocol.CodeGap, Expected: se.Expected, Message: err.Error()}
	case errors.Is(err, cert.ErrRevoked):
		return nil, &protocol.Error{Code: protocol.CodeRevoked, Message: err.Error()}
	case errors.Is(err, registry.ErrReplay):
		return nil, &protocol.Error{Code: protocol.CodeReplay, Message: err.Error()}
	case errors.Is(err, batch.ErrWrongRecipient):
		return nil, &protocol.Error{Code: protocol.CodeWrongRecipient, Message: err.Error()}
	case err != nil:
		return nil, &protocol.Error{Code: protocol.CodeTampered, Message: err.Error()}
	}
	if acc.Duplicate {
		old, ok := d.receipts[key]
		if !ok {
			ch, err := d.reg.Store().GetMeta("registry/chain/" + h.Sender)
			if err != nil || len(ch) != 40 {
				return nil, &protocol.Error{Code: protocol.CodeInternal, Message: fmt.Sprintf("chain record: %v", err)}
			}
			held := binary.BigEndian.Uint64(ch)
			return nil, &protocol.Error{Code: protocol.CodeGap, Expected: held + 1, Message: fmt.Sprintf("the district holds up to batch %d", held)}
		}
		dup := *old
		dup.Duplicate = true
		return &dup, nil
	}
	c, err := d.reg.Certificate(h.Sender)
	if err != nil {
		return nil, &protocol.Error{Code: protocol.CodeInternal, Message: err.Error()}
	}
	if _, err := d.node.ApplyOps(acc.Batch.Ops, storage.ApplyOptions{Feed: true, Communes: c.Communes}); err != nil {
		return nil, &protocol.Error{Code: protocol.CodeInternal, Message: err.Error()}
	}
	d.applied[key]++
	d.index++
	sum := batch.Hash(sealed)
	rec := &protocol.Receipt{District: d.reg.Public().KeyID, Device: h.Sender, Seq: h.Seq, Hash: hex.EncodeToString(sum[:]),
		Ops: len(acc.Batch.Ops), Index: d.index}
	if d.mutateReceipt != nil {
		d.mutateReceipt(rec)
	}
	rec.Sign(protocol.Signer{Key: d.signKey})
	if keep {
		d.receipts[key] = rec
	}
	return rec, nil
}

func (d *district) handleCertificate(w http.ResponseWriter, r *http.Request) {
	body, done := d.faulted(w, r)
	if done {
		return
	}
	c, err := cert.ParseCertificate(body)
	if err == nil {
		err = c.Verify(d.reg.Public(), time.Now())
	}
	if err != nil {
		d.fail(w, &protocol.Error{Code: protocol.CodeMalformed, Message: err.Error()})
		return
	}
	// As a node: signed by the certificate's own device.
	if _, e := protocol.VerifyRequest(r, body, func(signer string) (ed25519.PublicKey, *protocol.Error) {
		if signer != protocol.SignerDevice(c.Device.ID) {
			return nil, &protocol.Error{Code: protocol.CodeBadSignature, Message: "not signed by the certificate's device"}
		}
		return c.Device.SignKey, nil
	}, time.Now()); e != nil {
		d.fail(w, e)
		return
	}
	d.mu.Lock()
	d.known[c.Device.ID] = true
	d.certPosts++
	d.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (d *district) handlePull(w http.ResponseWriter, r *http.Request) {
	body, done := d.faulted(w, r)
	if done {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.pulls++
	var req protocol.PullRequest
	if err := json.Unmarshal(body, &req); err != nil {
		d.fail(w, &protocol.Error{Code: protocol.CodeMalformed, Message: err.Error()})
		return
	}
	if !d.known[req.Device] {
		d.fail(w, &protocol.Error{Code: protocol.CodeUnknownDevice, Message: "no certificate for " + req.Device})
		return
	}
	c, err := d.reg.Check(req.Device)
	if err != nil {
		d.fail(w, &protocol.Error{Code: protocol.CodeRevoked, Message: err.Error()})
		return
	}
	if err := req.Verify(c.Device.SignKey, time.Now()); err != nil {
		d.fail(w, err.(*protocol.Error))
		return
	}
	page, err := d.node.Feed(c.Communes, req.Cursor, storage.DeviceID(req.Device), req.Max)
	if err != nil {
		d.fail(w, &protocol.Error{Code: protocol.CodeInternal, Message: err.Error()})
		return
	}
	seq := page.Last
	if d.pullSeq != nil {
		seq = d.pullSeq(seq)
	}
	if len(page.Ops) == 0 && seq == req.Cursor {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	rcpt, err := age.ParseX25519Recipient(c.Device.AgeRecipient)
	if err != nil {
		d.t.Error(err)
		return
	}
	sealed, err := batch.Seal(page.Ops, batch.SealOptions{
		Header:    batch.Header{Sender: d.reg.Public().KeyID, Seq: seq, PrevHash: d.answerTo(&req), RecipientKeyID: c.Device.KeyID()},
		Recipient: rcpt,
		SignKey:   d.reg.Keys().Sign,
	})
	if err != nil {
		d.t.Error(err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	if page.More {
		w.Header().Set(protocol.HeaderMore, "1")
	}
	w.Write(sealed)
}

func (d *district) handleRevocations(w http.ResponseWriter, r *http.Request) {
	if _, done := d.faulted(w, r); done {
		return
	}
	d.mu.Lock()
	fixed := d.revocations
	d.mu.Unlock()
	if fixed != nil {
		w.Write(fixed)
		return
	}
	l, err := d.reg.Revocations()
	if err != nil {
		d.t.Error(err)
		return
	}
	b, _ := l.MarshalBinary()
	w.Write(b)
}

// appliedOnce fails the test unless every batch the node applied was
// applied exactly once, and returns how many it applied.
func (d *district) appliedOnce(t *testing.T) int {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	for k, n := range d.applied {
		if n != 1 {
			t.Errorf("batch %s applied %d times", k, n)
		}
	}
	return len(d.applied)
}

const pass = "test passphrase"

func mustProfile(t *testing.T, p storage.Profile) *storage.Store {
	t.Helper()
	s, err := storage.Create(filepath.Join(t.TempDir(), "p"), []byte(pass), p, storage.Options{WorkFactor: 10, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// mustImport saves n persons in n households; names start with name.
func mustImport(t *testing.T, s *storage.Store, name string, n int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("full_name,birth_date,sex,ethnicity,household_number,relationship_to_head\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "%s,1990,Nữ,H'Mông,H%d-%d,Chủ hộ\n", name, time.Now().UnixNano(), i)
	}
	rep, err := s.ImportPersons(strings.NewReader(b.String()), storage.ImportOptions{})
	if err != nil || rep.Imported != n {
		t.Fatalf("import: %+v %v", rep, err)
	}
}

func mustOutbox(t *testing.T, s *storage.Store) storage.OutboxState {
	t.Helper()
	st, err := s.Outbox()
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func mustPending(t *testing.T, s *storage.Store) uint64 {
	t.Helper()
	p, err := s.Pending()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// nodeServer runs h as a district node of d serves: HTTPS, with a node
// certificate d's root key signed.
func nodeServer(t *testing.T, d *identity.District, h http.Handler) *httptest.Server {
	t.Helper()
	cred, err := cert.IssueNodeCredential(d, "n1", cert.RandomNodeSerial(), 24*time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{cred.TLS}, PrivateKey: cred.Node.Sign}}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshakes the tests make fail on purpose
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// pinned is the HTTP client of a laptop enrolled with d.
func pinned(d *identity.District) *http.Client {
	return client.HTTPClient(d.Public(), client.HTTPOptions{})
}

// answerTo is the request hash a pull answer carries: the request's, or
// what the test's fault makes of it.
func (d *district) answerTo(req *protocol.PullRequest) [32]byte {
	h := req.Hash()
	if d.pullBinding != nil {
		return d.pullBinding(h)
	}
	return h
}
