package node

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/protocol"
)

// oneNode starts a one-node cluster with limits l and waits for it to
// lead.
func oneNode(t *testing.T, l Limits) (*Node, *identity.District) {
	t.Helper()
	d, err := identity.NewDistrict("Cụm thử")
	if err != nil {
		t.Fatal(err)
	}
	n := startNode(t, d, "n1", filepath.Join(t.TempDir(), "n1"), true, "", func(c *Config) { c.Limits = l })
	t.Cleanup(func() { n.Shutdown(t.Context()) })
	waitFor(t, 20*time.Second, "a leader", func() bool { return n.raft.State() == raft.Leader && n.Ready() == nil })
	return n, d
}

// rawRequest sends head (a request line and headers, without the blank
// line) and body on a new connection and returns the connection.
func rawRequest(t *testing.T, n *Node, head string, body []byte) net.Conn {
	t.Helper()
	c, err := tls.Dial("tcp", n.ln.Addr().String(), client.TLSConfig(n.cfg.District.Public(), client.HTTPOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, strings.ReplaceAll(head, "\n", "\r\n")+"\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(body); err != nil {
		t.Fatal(err)
	}
	return c
}

// readAnswer reads one HTTP answer from c. The deadline only keeps a
// broken node from hanging the test.
func readAnswer(t *testing.T, c net.Conn) (*http.Response, protocol.Error) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(2 * time.Minute))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e protocol.Error
	json.Unmarshal(b, &e)
	return resp, e
}

// A body declared larger than the endpoint takes is refused from its
// Content-Length alone: the node answers at once, reading none of it.
func TestLimits_DeclaredTooLargeIsRefusedBeforeReading(t *testing.T) {
	n, _ := oneNode(t, Limits{})
	for _, path := range []string{protocol.PathPush, protocol.PathPull, protocol.PathCertificate, protocol.PathNodeStatus} {
		method := "POST"
		if path == protocol.PathNodeStatus {
			method = "GET"
		}
		c := rawRequest(t, n, fmt.Sprintf("%s %s HTTP/1.1\nHost: x\nContent-Type: application/octet-stream\nContent-Length: %d", method, path, 1<<30), nil)
		start := time.Now()
		resp, e := readAnswer(t, c)
		t.Logf("%s %s declaring 1 GiB: %d %s in %s", method, path, resp.StatusCode, e.Code, time.Since(start).Round(time.Millisecond))
		if resp.StatusCode != http.StatusRequestEntityTooLarge || e.Code != protocol.CodeTooLarge || !strings.Contains(e.Message, "declares 1073741824") && !strings.Contains(e.Message, "takes no body") {
			t.Errorf("%s: %d %+v, want 413 too_large naming the declared size", path, resp.StatusCode, e)
		}
	}
	// A chunked body (no Content-Length) is cut where it passes the limit.
	c := rawRequest(t, n, "POST "+protocol.PathPull+" HTTP/1.1\nHost: x\nTransfer-Encoding: chunked", nil)
	chunk := bytes.Repeat([]byte("a"), 8<<10)
	for i := 0; i < 9; i++ {
		fmt.Fprintf(c, "%x\r\n%s\r\n", len(chunk), chunk)
	}
	if resp, e := readAnswer(t, c); resp.StatusCode != http.StatusRequestEntityTooLarge || e.Code != protocol.CodeTooLarge {
		t.Errorf("chunked body over the limit: %d %+v", resp.StatusCode, e)
	}
}

// A sender that stops sending its body is cut once ChunkTimeout passes
// without BodyChunk bytes, and the bytes it sent no longer count.
func TestLimits_StalledBodyIsCut(t *testing.T) {
	n, _ := oneNode(t, Limits{ChunkTimeout: 300 * time.Millisecond})
	c := rawRequest(t, n, fmt.Sprintf("POST %s HTTP/1.1\nHost: x\nContent-Length: 1000", protocol.PathPush), []byte("CKBF"))
	resp, e := readAnswer(t, c)
	if resp.StatusCode != http.StatusBadRequest || e.Code != protocol.CodeMalformed || !strings.Contains(e.Message, "slower than 32 KiB") {
		t.Fatalf("a stalled body: %d %+v", resp.StatusCode, e)
	}
	waitFor(t, 10*time.Second, "the stalled body's bytes given back", func() bool { return n.lim.buffered.Load() == 0 })
}

// The bytes of bodies held at once are bounded node-wide, counted as they
// arrive: over the budget a request is answered 503 with Retry-After.
func TestLimits_BodyBudgetAnswers503WithRetryAfter(t *testing.T) {
	n, _ := oneNode(t, Limits{BodyBudget: 64 << 10})
	// 48 KiB of a 100 KiB body arrive and the sender holds on.
	held := rawRequest(t, n, fmt.Sprintf("POST %s HTTP/1.1\nHost: x\nContent-Length: %d", protocol.PathPush, 100<<10), bytes.Repeat([]byte{1}, 48<<10))
	_ = held
	waitFor(t, 10*time.Second, "the held body counted", func() bool { return n.lim.buffered.Load() >= 48<<10 })
	c := rawRequest(t, n, fmt.Sprintf("POST %s HTTP/1.1\nHost: x\nContent-Length: %d", protocol.PathPush, 20<<10), bytes.Repeat([]byte{1}, 20<<10))
	resp, e := readAnswer(t, c)
	if resp.StatusCode != http.StatusServiceUnavailable || e.Code != protocol.CodeUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("over the budget: %d %+v Retry-After %q", resp.StatusCode, e, resp.Header.Get("Retry-After"))
	}
	t.Logf("over the budget: %d, Retry-After %s: %s", resp.StatusCode, resp.Header.Get("Retry-After"), e.Message)
}

// Past MaxConns, new connections are closed as they come; once one
// closes, a new one is served.
func TestLimits_ConnectionsOverTheCapAreClosed(t *testing.T) {
	n, _ := oneNode(t, Limits{MaxConns: 4})
	var open []net.Conn
	for i := 0; i < 4; i++ {
		c, err := net.Dial("tcp", n.ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, c)
	}
	waitFor(t, 10*time.Second, "four connections counted", func() bool { return n.lim.conns.Load() == 4 })
	c, err := net.Dial("tcp", n.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(time.Minute))
	if k, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatalf("a fifth connection was served (%d bytes)", k)
	}
	c.Close()
	for _, c := range open {
		c.Close()
	}
	waitFor(t, 10*time.Second, "the closed connections given back", func() bool { return n.lim.conns.Load() == 0 })
	resp, err := testHTTP(n.Addr()).Get(n.Addr() + protocol.PathHealth)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz after the others closed: %d", resp.StatusCode)
	}
}

// A device with PerDevice requests under way gets 429 busy with
// Retry-After; with MaxInFlight requests under way node-wide, a request
// that waited InFlightWait gets 503. Both are retryable, and the client
// comes back after Retry-After and succeeds.
func TestLimits_PerDevice429AndNodeWide503CarryRetryAfter(t *testing.T) {
	var (
		mu      sync.Mutex
		holding = map[string]chan struct{}{}
	)
	hold := func(dev string) {
		mu.Lock()
		ch := holding[dev]
		mu.Unlock()
		if ch != nil {
			<-ch
		}
	}
	n, d := oneNode(t, Limits{PerDevice: 1, MaxInFlight: 2, InFlightWait: 200 * time.Millisecond, hold: hold})
	lan := newDevice(t, d, "00769", "Nguyễn Thị Lan", cert.RoleOfficer)
	mai := newDevice(t, d, "00769", "Lò Thị Mai", cert.RoleOfficer)
	tu := newDevice(t, d, "00769", "Hoàng Văn Tú", cert.RoleOfficer)
	lan.register(t, n.Addr())
	mai.register(t, n.Addr())
	tu.register(t, n.Addr())
	pullReq := func(dv *device) []byte {
		req := protocol.PullRequest{Device: string(dv.s.Profile().Device)}
		signPull(&req, dv, time.Now())
		b, _ := json.Marshal(req)
		return b
	}
	send := func(dv *device) (*http.Response, protocol.Error) {
		resp, err := testHTTP(n.Addr()).Post(n.Addr()+protocol.PathPull, "application/json", bytes.NewReader(pullReq(dv)))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var e protocol.Error
		json.Unmarshal(b, &e)
		return resp, e
	}

	release := make(chan struct{})
	mu.Lock()
	holding[string(lan.s.Profile().Device)] = release
	mu.Unlock()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); send(lan) }()
	waitFor(t, 10*time.Second, "lan's pull under way", func() bool { return len(n.lim.inflight) == 1 })
	resp, e := send(lan)
	if resp.StatusCode != http.StatusTooManyRequests || e.Code != protocol.CodeBusy || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("a second request of one device: %d %+v Retry-After %q", resp.StatusCode, e, resp.Header.Get("Retry-After"))
	}
	t.Logf("per device: %d Retry-After %s: %s", resp.StatusCode, resp.Header.Get("Retry-After"), e.Message)

	// mai takes the node's second place; a third device's request waits,
	// then is answered 503.
	mu.Lock()
	holding[string(mai.s.Profile().Device)] = release
	mu.Unlock()
	wg.Add(1)
	go func() { defer wg.Done(); send(mai) }()
	waitFor(t, 10*time.Second, "two pulls under way", func() bool { return len(n.lim.inflight) == 2 })
	resp, e = send(tu)
	if resp.StatusCode != http.StatusServiceUnavailable || e.Code != protocol.CodeUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("a request over the node's places: %d %+v Retry-After %q", resp.StatusCode, e, resp.Header.Get("Retry-After"))
	}
	t.Logf("node-wide: %d Retry-After %s: %s", resp.StatusCode, resp.Header.Get("Retry-After"), e.Message)
	close(release)
	wg.Wait()
	if resp, e := send(tu); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("once the others are done: %d %+v", resp.StatusCode, e)
	}
}

// signPull signs a pull request as dv's client does.
func signPull(req *protocol.PullRequest, dv *device, now time.Time) {
	req.Sign(dv.s.DeviceKeys().Sign, now)
}
