package node

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
)

func TestTLS_SameDistrictDialWriteRead(t *testing.T) {
	d := mustTLSDistrict(t)
	a := mustTLSLayer(t, d, "node-a")
	b := mustTLSLayer(t, d, "node-b")

	type accepted struct {
		data []byte
		peer string
		err  error
	}
	got := make(chan accepted, 1)
	go func() {
		c, err := b.Accept()
		if err != nil {
			got <- accepted{err: err}
			return
		}
		defer c.Close()
		buf := make([]byte, 5)
		_, err = io.ReadFull(c, buf)
		r := accepted{data: buf, err: err}
		if tc, ok := c.(interface{ ConnectionState() tls.ConnectionState }); ok && err == nil {
			r.peer = tc.ConnectionState().PeerCertificates[0].Subject.CommonName
		}
		got <- r
	}()

	c, err := a.Dial(raft.ServerAddress(b.Addr().String()), 2*time.Second)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer c.Close()
	if peer := c.(*tls.Conn).ConnectionState().PeerCertificates[0].Subject.CommonName; peer != "node-b" {
		t.Errorf("dialled peer is %q, want node-b", peer)
	}
	if _, err := c.Write([]byte("hello")); err != nil {
		t.Fatalf("Write: %v", err)
	}
	r := <-got
	if r.err != nil {
		t.Fatalf("accepted side: %v", r.err)
	}
	if string(r.data) != "hello" || r.peer != "node-a" {
		t.Errorf("accepted side read %q from %q, want \"hello\" from node-a", r.data, r.peer)
	}
}

func TestTLS_RaftAppendEntriesBetweenNodes(t *testing.T) {
	d := mustTLSDistrict(t)
	a := mustTLSLayer(t, d, "node-a")
	b := mustTLSLayer(t, d, "node-b")
	ta, _, logA := mustTLSTransport(t, a)
	_, rpcsB, logB := mustTLSTransport(t, b)

	req := &raft.AppendEntriesRequest{
		RPCHeader:         raft.RPCHeader{ID: []byte("node-a"), Addr: []byte(a.Addr().String())},
		Term:              3,
		PrevLogEntry:      6,
		PrevLogTerm:       2,
		Entries:           []*raft.Log{{Index: 7, Term: 3, Type: raft.LogCommand, Data: []byte("move-in 42")}},
		LeaderCommitIndex: 6,
	}
	var resp raft.AppendEntriesResponse
	if err := ta.AppendEntries("node-b", raft.ServerAddress(b.Addr().String()), req, &resp); err != nil {
		t.Fatalf("AppendEntries: %v", err)
	}
	if !resp.Success || resp.Term != 3 || resp.LastLog != 7 {
		t.Errorf("response %+v, want success at term 3, last log 7", resp)
	}
	select {
	case cmd := <-rpcsB:
		got, ok := cmd.(*raft.AppendEntriesRequest)
		if !ok || len(got.Entries) != 1 || string(got.Entries[0].Data) != "move-in 42" || string(got.ID) != "node-a" {
			t.Errorf("node-b received %#v", cmd)
		}
	default:
		t.Error("node-b's consumer saw no RPC")
	}

	// A vote request on the pooled connection, the other RPC Raft cannot do without.
	var vote raft.RequestVoteResponse
	voteReq := &raft.RequestVoteRequest{RPCHeader: req.RPCHeader, Term: 4, LastLogIndex: 7, LastLogTerm: 3}
	if err := ta.RequestVote("node-b", raft.ServerAddress(b.Addr().String()), voteReq, &vote); err != nil {
		t.Fatalf("RequestVote: %v", err)
	}
	if !vote.Granted {
		t.Errorf("vote %+v, want granted", vote)
	}
	for _, l := range []*tlsSafeBuffer{logA, logB} {
		if s := l.String(); strings.Contains(s, "[ERROR]") || strings.Contains(s, "[WARN]") {
			t.Errorf("raft logged:\n%s", s)
		}
	}
}

func TestTLS_OtherDistrictRefusedBothWays(t *testing.T) {
	ours := mustTLSLayer(t, mustTLSDistrict(t), "node-a")
	oursLog := &tlsSafeBuffer{}
	ours.Logger = slog.New(slog.NewTextHandler(oursLog, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ourTransport, ourRPCs, ourRaftLog := mustTLSTransport(t, ours)
	// Same name, other keys: the name proves nothing, the key does.
	other := mustTLSDistrict(t)
	theirs := mustTLSLayer(t, other, "foreign")
	theirTransport, theirRPCs, _ := mustTLSTransport(t, theirs)
	// An intruder holding a certificate of the other district, which does
	// not check ours: only our server's check of its certificate stops it.
	cfg := testNodeTLS(t, other, "intruder", nil)
	cfg.InsecureSkipVerify = true
	intruder, err := ListenTLS("127.0.0.1:0", nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer intruder.Close()
	intruderTransport := raft.NewNetworkTransport(intruder, 3, 2*time.Second, io.Discard)
	defer intruderTransport.Close()
	ourAddr := raft.ServerAddress(ours.Addr().String())

	// Our server refuses the intruder's client certificate.
	_, err = intruder.Dial(ourAddr, 2*time.Second)
	if err == nil || !strings.Contains(err.Error(), "refused this node's certificate") {
		t.Errorf("intruder's Dial to us: err = %v, want our refusal of its certificate", err)
	}
	tlsEventually(t, func() bool {
		s := oursLog.String()
		return strings.Contains(s, "level=WARN") && strings.Contains(s, "node=intruder") && strings.Contains(s, "unknown authority")
	}, "our log to warn of the intruder; it has:\n%s", oursLog)

	// The other district's client refuses our server certificate, and ours theirs.
	_, err = theirs.Dial(ourAddr, 2*time.Second)
	if err == nil || !strings.Contains(err.Error(), "is not of this district") || !strings.Contains(err.Error(), "unknown authority") {
		t.Errorf("their Dial to us: err = %v, want \"not of this district: ... unknown authority\"", err)
	}
	_, err = ours.Dial(raft.ServerAddress(theirs.Addr().String()), 2*time.Second)
	if err == nil || !strings.Contains(err.Error(), "is not of this district") || !strings.Contains(err.Error(), "unknown authority") {
		t.Errorf("our Dial to them: err = %v, want \"not of this district: ... unknown authority\"", err)
	}

	// The same through Raft's transports.
	req := &raft.AppendEntriesRequest{Term: 99, Entries: []*raft.Log{{Index: 1, Term: 99, Data: []byte("forged")}}}
	var resp raft.AppendEntriesResponse
	if err := intruderTransport.AppendEntries("node-a", ourAddr, req, &resp); err == nil {
		t.Error("the intruder's AppendEntries to us succeeded")
	}
	if err := theirTransport.AppendEntries("node-a", ourAddr, req, &resp); err == nil {
		t.Error("their AppendEntries to us succeeded")
	}
	if err := ourTransport.AppendEntries("foreign", raft.ServerAddress(theirs.Addr().String()), req, &resp); err == nil {
		t.Error("our AppendEntries to them succeeded")
	}

	tlsNoRPC(t, ourRPCs, "our")
	tlsNoRPC(t, theirRPCs, "their")
	if s := ourRaftLog.String(); strings.Contains(s, "[ERROR]") {
		t.Errorf("raft logged a refused handshake as an error:\n%s", s)
	}
}

func TestTLS_PlainTCPGetsNothingAndSilentClientDoesNotBlock(t *testing.T) {
	d := mustTLSDistrict(t)
	a := mustTLSLayer(t, d, "node-a")
	b := mustTLSLayer(t, d, "node-b")
	_, rpcsA, _ := mustTLSTransport(t, a)
	tb, _, _ := mustTLSTransport(t, b)

	// A silent client first: it holds a connection open and never speaks.
	silent, err := net.Dial("tcp", a.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()

	// A client speaking Raft's wire format in the clear: rpcAppendEntries
	// (0) followed by a msgpack map.
	plain, err := net.Dial("tcp", a.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if _, err := plain.Write([]byte{0x00, 0x81, 0xa4, 'T', 'e', 'r', 'm', 0x63}); err != nil {
		t.Fatal(err)
	}
	_ = plain.SetReadDeadline(time.Now().Add(2 * time.Second))
	back, err := io.ReadAll(plain)
	var nerr net.Error
	if errors.As(err, &nerr) && nerr.Timeout() {
		t.Errorf("the node kept a plain TCP client's connection open")
	}
	if len(back) > 0 && back[0] != 0x15 {
		t.Errorf("plain TCP client got %x, want nothing or a TLS alert record", back)
	}

	// A node of the district gets through while the silent client waits.
	start := time.Now()
	var resp raft.AppendEntriesResponse
	req := &raft.AppendEntriesRequest{Term: 1, Entries: []*raft.Log{{Index: 1, Term: 1, Data: []byte("ok")}}}
	if err := tb.AppendEntries("node-a", raft.ServerAddress(a.Addr().String()), req, &resp); err != nil {
		t.Fatalf("AppendEntries behind a silent client: %v", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("AppendEntries behind a silent client took %v", took)
	}
	select {
	case cmd := <-rpcsA:
		if got, ok := cmd.(*raft.AppendEntriesRequest); !ok || string(got.Entries[0].Data) != "ok" {
			t.Errorf("node-a received %#v, want only the district node's request", cmd)
		}
	default:
		t.Error("node-a's consumer saw no RPC")
	}
	tlsNoRPC(t, rpcsA, "node-a")
}

func TestTLS_SilentClientClosedAfterHandshakeTimeout(t *testing.T) {
	a := mustTLSLayer(t, mustTLSDistrict(t), "node-a")
	a.handshakeTimeout = 200 * time.Millisecond
	mustTLSTransport(t, a)

	silent, err := net.Dial("tcp", a.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	_ = silent.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, err = silent.Read(make([]byte, 1))
	var nerr net.Error
	if err == nil || (errors.As(err, &nerr) && nerr.Timeout()) {
		t.Errorf("silent client: read err = %v, want the node to close the connection", err)
	}
}

func TestTLS_DialTimesOutOnSilentServer(t *testing.T) {
	a := mustTLSLayer(t, mustTLSDistrict(t), "node-a")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		// Accept and say nothing.
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	start := time.Now()
	_, err = a.Dial(raft.ServerAddress(ln.Addr().String()), 200*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "no answer within 200ms") {
		t.Errorf("Dial to a silent server: err = %v, want no answer within 200ms", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("Dial took %v with a 200ms timeout", took)
	}
}

func TestNodeTLS_DistrictCAIsDeterministic(t *testing.T) {
	d := mustTLSDistrict(t)
	der1, err := cert.DistrictCA(d)
	if err != nil {
		t.Fatal(err)
	}
	der2, err := cert.DistrictCA(d)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(der1, der2) {
		t.Error("two CA certificates of one district differ")
	}
	ca1, err := x509.ParseCertificate(der1)
	if err != nil {
		t.Fatal(err)
	}
	if ca1.Subject.CommonName != "communekit district Test" || !ca1.IsCA || ca1.SerialNumber.Int64() != 1 {
		t.Errorf("CA: subject %q, CA %v, serial %v", ca1.Subject.CommonName, ca1.IsCA, ca1.SerialNumber)
	}

	cfg := testNodeTLS(t, d, "node-a", nil)
	leaf := cfg.Certificates[0].Leaf
	if leaf.Subject.CommonName != "node-a" || len(leaf.DNSNames) != 1 || leaf.DNSNames[0] != tlsServerName {
		t.Errorf("node certificate: CN %q, DNS names %v", leaf.Subject.CommonName, leaf.DNSNames)
	}
	if err := leaf.CheckSignatureFrom(ca1); err != nil {
		t.Errorf("node certificate not signed by the district CA: %v", err)
	}
	if cfg.MinVersion != tls.VersionTLS13 || cfg.ClientAuth != tls.RequireAndVerifyClientCert || cfg.ServerName != tlsServerName {
		t.Errorf("config: min version %x, client auth %v, server name %q", cfg.MinVersion, cfg.ClientAuth, cfg.ServerName)
	}
}

// A node whose certificate the district revoked is refused by its peers'
// TLS, whichever side dials.
func TestTLS_RevokedNodeRefused(t *testing.T) {
	d := mustTLSDistrict(t)
	bad := testCredential(t, d, "n3")
	revoked := func(serial uint64, node string) error {
		if serial == bad.Cert.Serial {
			return errors.New("revoked: " + node)
		}
		return nil
	}
	ours, err := ListenTLS("127.0.0.1:0", nil, testNodeTLS(t, d, "n1", revoked))
	if err != nil {
		t.Fatal(err)
	}
	defer ours.Close()
	badCfg, err := NodeTLS(bad, nil)
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := ListenTLS("127.0.0.1:0", nil, badCfg)
	if err != nil {
		t.Fatal(err)
	}
	defer theirs.Close()
	go func() {
		for {
			c, err := ours.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(io.Discard, c); c.Close() }()
		}
	}()
	if c, err := theirs.Dial(raft.ServerAddress(ours.Addr().String()), 2*time.Second); err == nil {
		c.Close()
		t.Error("a revoked node's dial was accepted")
	}
	go func() {
		for {
			c, err := theirs.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(io.Discard, c); c.Close() }()
		}
	}()
	if c, err := ours.Dial(raft.ServerAddress(theirs.Addr().String()), 2*time.Second); err == nil {
		c.Close()
		t.Error("dialled a revoked node")
	} else {
		t.Log(err)
	}
}

func TestTLS_ListenRefusesUnspecifiedAdvertise(t *testing.T) {
	cfg := testNodeTLS(t, mustTLSDistrict(t), "node-a", nil)
	if l, err := ListenTLS("0.0.0.0:0", nil, cfg); err == nil {
		l.Close()
		t.Error("ListenTLS on 0.0.0.0 without an advertise address succeeded")
	}
	adv := &net.TCPAddr{IP: net.IPv4(192, 0, 2, 7), Port: 7001}
	l, err := ListenTLS("0.0.0.0:0", adv, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.Addr() != adv {
		t.Errorf("Addr() = %v, want %v", l.Addr(), adv)
	}
}

// tlsNoRPC fails if an RPC reaches the consumer within a short while.
func tlsNoRPC(t *testing.T, rpcs <-chan any, who string) {
	t.Helper()
	select {
	case cmd := <-rpcs:
		t.Errorf("%s consumer received %#v", who, cmd)
	case <-time.After(100 * time.Millisecond):
	}
}

func tlsEventually(t *testing.T, ok func() bool, format string, args ...any) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Errorf("waited 2s for "+format, args...)
}

// tlsSafeBuffer is a bytes.Buffer that loggers on other goroutines may write to.
type tlsSafeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *tlsSafeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *tlsSafeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func mustTLSDistrict(t *testing.T) *identity.District {
	t.Helper()
	d, err := identity.NewDistrict("Test")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// testCredential certifies a fresh key for node id with d's root key.
func testCredential(t testing.TB, d *identity.District, id string) *cert.NodeCredential {
	t.Helper()
	c, err := cert.IssueNodeCredential(d, id, cert.RandomNodeSerial(), 24*time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testNodeTLS(t testing.TB, d *identity.District, id string, revoked func(uint64, string) error) *tls.Config {
	t.Helper()
	cfg, err := NodeTLS(testCredential(t, d, id), revoked)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func mustTLSLayer(t *testing.T, d *identity.District, nodeID string) *TLSStreamLayer {
	t.Helper()
	cfg := testNodeTLS(t, d, nodeID, nil)
	l, err := ListenTLS("127.0.0.1:0", nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// mustTLSTransport puts a Raft network transport on l and answers every RPC
// as a willing follower would. It returns the transport, the commands it
// received and what Raft logged.
func mustTLSTransport(t *testing.T, l *TLSStreamLayer) (*raft.NetworkTransport, <-chan any, *tlsSafeBuffer) {
	t.Helper()
	log := &tlsSafeBuffer{}
	tr := raft.NewNetworkTransport(l, 3, 2*time.Second, log)
	rpcs := make(chan any, 16)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case rpc := <-tr.Consumer():
				rpcs <- rpc.Command
				switch cmd := rpc.Command.(type) {
				case *raft.AppendEntriesRequest:
					last := cmd.PrevLogEntry
					if n := len(cmd.Entries); n > 0 {
						last = cmd.Entries[n-1].Index
					}
					rpc.Respond(&raft.AppendEntriesResponse{Term: cmd.Term, LastLog: last, Success: true}, nil)
				case *raft.RequestVoteRequest:
					rpc.Respond(&raft.RequestVoteResponse{Term: cmd.Term, Granted: true}, nil)
				default:
					rpc.Respond(nil, errors.New("not in this test"))
				}
			case <-done:
				return
			}
		}
	}()
	t.Cleanup(func() {
		close(done)
		_ = tr.Close()
	})
	return tr, rpcs, log
}

// testKeys are the keys of a node of d certified now.
func testKeys(t testing.TB, d *identity.District) *keys {
	t.Helper()
	k, err := newKeys(testCredential(t, d, "n1"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}
