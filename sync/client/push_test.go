package client_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/outbox"
	"github.com/communekit/communekit/sync/protocol"
)

func TestSync_PushesEveryBatch_AcknowledgedOnVerifiedReceipts(t *testing.T) {
	d := newDistrict(t)
	srv := d.serve(t)
	dev := d.enrol(t, "Nguyễn Thị Lan", "00769", false)
	mustImport(t, dev, "Giàng Thị Mỷ", 25)
	c, log := newClient(srv.URL, dev)
	c.MaxOps = 10

	res, err := c.Sync(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	st := mustOutbox(t, dev)
	if st.Batches < 5 {
		t.Fatalf("%d batches for 50 operations at 10 each", st.Batches)
	}
	if res.Sealed != int(st.Batches) || res.Pushed != int(st.Batches) || res.Duplicates != 0 || res.PushedOps != int(st.BatchedSeq) {
		t.Fatalf("result %+v for %d batches of %d operations", res, st.Batches, st.BatchedSeq)
	}
	if st.AckedBatch != st.Batches || res.Pending != 0 || mustPending(t, dev) != 0 {
		t.Fatalf("acknowledged %d of %d; pending %d (result %d)", st.AckedBatch, st.Batches, mustPending(t, dev), res.Pending)
	}
	if n := d.appliedOnce(t); n != int(st.Batches) {
		t.Fatalf("the district applied %d batches, %d were sealed", n, st.Batches)
	}

	// Progress: each batch announced with its place, pending falling to 0.
	pushes := log.phase(client.PhasePush)
	var acked int
	lastPending := ^uint64(0)
	for _, p := range pushes {
		if p.Total != int(st.Batches) {
			t.Fatalf("progress total %d, want %d: %+v", p.Total, st.Batches, p)
		}
		if p.Done > acked {
			acked = p.Done
			if p.Pending >= lastPending {
				t.Fatalf("pending did not fall after a receipt: %d then %d", lastPending, p.Pending)
			}
			lastPending = p.Pending
		}
	}
	if acked != int(st.Batches) || lastPending != 0 {
		t.Fatalf("progress reported %d batches acknowledged, pending %d", acked, lastPending)
	}
	if done := log.phase(client.PhaseDone); len(done) != 1 || done[0].Pending != 0 {
		t.Fatalf("done reported %+v", done)
	}

	// Nothing new: nothing sent.
	before := d.pushes
	res, err = c.Sync(context.Background())
	if err != nil || res.Pushed != 0 || res.Sealed != 0 || d.pushes != before {
		t.Fatalf("second sync: %+v %v, %d pushes", res, err, d.pushes-before)
	}
}

func TestPush_ConnectionDroppedMidUpload_RetriedAndAppliedOnce(t *testing.T) {
	d := newDistrict(t)
	srv := d.serve(t)
	dev := d.enrol(t, "Nguyễn Thị Lan", "00769", false)
	mustImport(t, dev, "Giàng Thị Mỷ", 10)
	var once sync.Once
	d.hook = func(w http.ResponseWriter, r *http.Request) bool {
		dropped := false
		if r.URL.Path == protocol.PathPush {
			once.Do(func() {
				io.CopyN(io.Discard, r.Body, 100) // part of the batch, then the link goes
				dropConnection(t, w)
				dropped = true
			})
		}
		return dropped
	}
	c, log := newClient(srv.URL, dev)
	res, err := c.Sync(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Pushed != 1 || res.Duplicates != 0 || res.Pending != 0 {
		t.Fatalf("result %+v", res)
	}
	if n := d.appliedOnce(t); n != 1 {
		t.Fatalf("applied %d batches", n)
	}
	retry := log.retries(client.PhasePush)
	if len(retry) != 1 || retry[0].Batch != 1 || retry[0].Attempt != 1 || !strings.Contains(retry[0].Message, "retrying in") {
		t.Fatalf("retries reported: %+v", retry)
	}
	if !log.saw(func(p client.Progress) bool { return p.Phase == client.PhasePush && p.Attempt == 2 && p.Err == nil }) {
		t.Fatal("the second attempt was not reported")
	}
}

func TestPush_ConnectionDroppedAfterCommit_DuplicateReceiptAppliedOnce(t *testing.T) {
	d := newDistrict(t)
	srv := d.serve(t)
	dev := d.enrol(t, "Nguyễn Thị Lan", "00769", false)
	mustImport(t, dev, "Giàng Thị Mỷ", 10)
	var once sync.Once
	d.hook = func(w http.ResponseWriter, r *http.Request) bool {
		dropped := false
		if r.URL.Path == protocol.PathPush {
			once.Do(func() {
				body, _ := io.ReadAll(r.Body)
				if _, e := d.push(body, true); e != nil { // committed…
					t.Errorf("push: %v", e)
				}
				dropConnection(t, w) // …and the receipt never arrives
				dropped = true
			})
		}
		return dropped
	}
	c, _ := newClient(srv.URL, dev)
	res, err := c.Sync(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Pushed != 1 || res.Duplicates != 1 || res.Pending != 0 || mustOutbox(t, dev).AckedBatch != 1 {
		t.Fatalf("result %+v", res)
	}
	if n := d.appliedOnce(t); n != 1 {
		t.Fatalf("applied %d batches", n)
	}
}

func TestPush_GapBehind_ResendsFromExpected(t *testing.T) {
	d := newDistrict(t)
	srv := d.serve(t)
	dev := d.enrol(t, "Nguyễn Thị Lan", "00769", false)
	mustImport(t, dev, "Giàng Thị Mỷ", 15)
	c, log := newClient(srv.URL, dev)
	c.MaxOps = 10
	if _, err := c.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	held := mustOutbox(t, dev).AckedBatch
	if held < 2 {
		t.Fatalf("%d batches acknowledged", held)
	}
	// The district is restored from a backup older than those receipts.
	d.mu.Lock()
	if err := d.reg.Store().PutMeta("registry/chain/"+dev.DeviceKeys().ID, make([]byte, 40)); err != nil {
		t.Fatal(err)
	}
	d.receipts = map[string]*protocol.Receipt{}
	d.applied = map[string]int{}
	pushes := d.pushes
	d.mu.Unlock()

	mustImport(t, dev, "Sùng A Dũng", 1)
	res, err := c.Sync(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	st := mustOutbox(t, dev)
	if st.Batches != held+1 || st.AckedBatch != st.Batches || res.Pending != 0 {
		t.Fatalf("outbox %+v, result %+v", st, res)
	}
	if res.Pushed != int(st.Batches) || d.pushes-pushes != int(st.Batches)+1 {
		t.Fatalf("pushed %d (%d requests) for %d batches and one gap", res.Pushed, d.pushes-pushes, st.Batches)
	}
	if n := d.appliedOnce(t); n != int(st.Batches) {
		t.Fatalf("the restored district applied %d batches, want %d", n, st.Batches)
	}
	if !log.saw(func(p client.Progress) bool { return strings.Contains(p.Message, "asks for batch 1 first") }) {
		t.Fatal("the gap was not reported")
	}
}

func TestPush_GapAhead_GoesOnFromExpected_AndItsReceiptCoversTheRest(t *testing.T) {
	d := newDistrict(t)
	srv := d.serve(t)
	dev := d.enrol(t, "Nguyễn Thị Lan", "00769", false)
	mustImport(t, dev, "Giàng Thị Mỷ", 15)
	z, err := outbox.SealerFor(dev, 10)
	if err != nil {
		t.Fatal(err)
	}
	made, err := z.Seal(dev)
	if err != nil || len(made) != 3 {
		t.Fatalf("sealed %d batches: %v", len(made), err)
	}
	// Batches 1 and 2 reached the district on a USB stick; it kept no
	// receipt for them, so a push of batch 1 is answered "expected 3".
	for _, b := range made[:2] {
		if _, e := d.push(b.Sealed, false); e != nil {
			t.Fatal(e)
		}
	}
	pending := mustPending(t, dev)
	c, log := newClient(srv.URL, dev)
	res, err := c.Push(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st := mustOutbox(t, dev); st.AckedBatch != 3 || res.Pending != 0 || res.Pushed != 1 || res.PushedOps != int(made[2].LastSeq-made[2].FirstSeq+1) {
		t.Fatalf("outbox %+v, result %+v (pending before %d)", st, res, pending)
	}
	if n := d.appliedOnce(t); n != 3 {
		t.Fatalf("applied %d batches", n)
	}
	if !log.saw(func(p client.Progress) bool { return strings.Contains(p.Message, "already holds batches 1 to 2") }) {
		t.Fatal("the skip was not reported")
	}
}

func TestPush_GapBeyondWhatWasSealed_Stops(t *testing.T) {
	d := newDistrict(t)
	srv := d.serve(t)
	dev := d.enrol(t, "Nguyễn Thị Lan", "00769", false)
	mustImport(t, dev, "Giàng Thị Mỷ", 3)
	d.hook = func(w http.ResponseWriter, r *http.Request) bool {
		d.fail(w, &protocol.Error{Code: protocol.CodeGap, Expected: 9, Message: "expected 9"})
		return true
	}
	c, _ := newClient(srv.URL, dev)
	_, err := c.Sync(context.Background())
	if !errors.Is(err, client.ErrAhead) || !strings.Contains(err.Error(), "sealed only 1") {
		t.Fatalf("got %v", err)
	}
	if mustOutbox(t, dev).AckedBatch != 0 {
		t.Fatal("acknowledged without a receipt")
	}
}

func TestSync_UnknownDevice_SendsCertificateOnceThenSucceeds(t *testing.T) {
	d := newDistrict(t)
	srv := d.serve(t)
	dev := d.enrol(t, "Nguyễn Thị Lan", "00769", true)
	mustImport(t, dev, "Giàng Thị Mỷ", 3)
	c, log := newClient(srv.URL, dev)
	res, err := c.Sync(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if d.certPosts != 1 || res.Pushed != 1 || res.Pending != 0 {
		t.Fatalf("%d certificates sent; result %+v", d.certPosts, res)
	}
	if len(log.phase(client.PhaseCertificate)) != 1 {
		t.Fatal("sending the certificate was not reported")
	}

	// A device with nothing to push sends it on its first pull.
	quiet := d.enrol(t, "Lò Văn Minh", "00769", true)
	c2, _ := newClient(srv.URL, quiet)
	if _, err := c2.Pull(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d.certPosts != 2 {
		t.Fatalf("%d certificates sent", d.certPosts)
	}
}

func TestSync_UnknownDeviceAfterCertificate_Stops(t *testing.T) {
	d := newDistrict(t)
	srv := d.serve(t)
	dev := d.enrol(t, "Nguyễn Thị Lan", "00769", true)
	mustImport(t, dev, "Giàng Thị Mỷ", 3)
	d.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == protocol.PathPush {
			d.fail(w, &protocol.Error{Code: protocol.CodeUnknownDevice, Message: "who are you"})
			return true
		}
		return false
	}
	c, _ := newClient(srv.URL, dev)
	_, err := c.Sync(context.Background())
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Code != protocol.CodeUnknownDevice || !strings.Contains(err.Error(), "enrol it again") {
		t.Fatalf("got %v", err)
	}
	if d.certPosts != 1 {
		t.Fatalf("%d certificates sent", d.certPosts)
	}
}

func TestSync_RevokedDevice_StopsWithClearError_NothingAcknowledged(t *testing.T) {
	d := newDistrict(t)
	srv := d.serve(t)
	dev := d.enrol(t, "Nguyễn Thị Lan", "00769", false)
	mustImport(t, dev, "Giàng Thị Mỷ", 5)
	if _, err := d.reg.Revoke(dev.DeviceKeys().ID, "laptop stolen"); err != nil {
		t.Fatal(err)
	}
	c, log := newClient(srv.URL, dev)
	res, err := c.Sync(context.Background())
	var pe *protocol.Error
	var ref *client.Refusal
	if !errors.As(err, &pe) || pe.Code != protocol.CodeRevoked || !errors.As(err, &ref) || ref.What != "batch 1" {
		t.Fatalf("got %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "refused batch 1") || !strings.Contains(msg, "laptop stolen") || !strings.Contains(msg, "ask the district administrator") {
		t.Fatalf("message %q", msg)
	}
	if st := mustOutbox(t, dev); st.AckedBatch != 0 || res.Pending != mustPending(t, dev) || res.Pending == 0 {
		t.Fatalf("outbox %+v, result %+v", st, res)
	}
	if d.pushes != 1 || len(log.retries(client.PhasePush)) != 0 {
		t.Fatalf("a refusal was retried: %d pushes", d.pushes)
	}
}

func TestPush_BadReceipt_NotAcknowledged(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault func(d *district)
	}{
		{"signed by another key", func(d *district) {
			_, k, _ := ed25519.GenerateKey(rand.Reader)
			d.signKey = k
		}},
		{"for another batch", func(d *district) {
			d.mutateReceipt = func(r *protocol.Receipt) { r.Seq++ }
		}},
		{"for other contents", func(d *district) {
			d.mutateReceipt = func(r *protocol.Receipt) { r.Hash = strings.Repeat("0", 64) }
		}},
		{"from another district", func(d *district) {
			d.mutateReceipt = func(r *protocol.Receipt) { r.District = "0123456789abcdef" }
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDistrict(t)
			srv := d.serve(t)
			dev := d.enrol(t, "Nguyễn Thị Lan", "00769", false)
			mustImport(t, dev, "Giàng Thị Mỷ", 5)
			tc.fault(d)
			pending := mustPending(t, dev)
			c, _ := newClient(srv.URL, dev)
			res, err := c.Sync(context.Background())
			if !errors.Is(err, client.ErrBadReceipt) || !strings.Contains(err.Error(), "batch 1") {
				t.Fatalf("got %v", err)
			}
			if st := mustOutbox(t, dev); st.AckedBatch != 0 || res.Pending != pending || res.Pushed != 0 {
				t.Fatalf("outbox %+v, result %+v", st, res)
			}
		})
	}
}

func TestPush_Unavailable_RetriedWithBackoff(t *testing.T) {
	d := newDistrict(t)
	srv := d.serve(t)
	dev := d.enrol(t, "Nguyễn Thị Lan", "00769", false)
	mustImport(t, dev, "Giàng Thị Mỷ", 5)
	n := 0
	d.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != protocol.PathPush {
			return false
		}
		n++
		switch n {
		case 1:
			d.fail(w, &protocol.Error{Code: protocol.CodeUnavailable, Message: "the district cluster has no leader right now"})
		case 2:
			http.Error(w, "bad gateway", http.StatusBadGateway)
		default:
			return false
		}
		return true
	}
	c, log := newClient(srv.URL, dev)
	res, err := c.Sync(context.Background())
	if err != nil || res.Pushed != 1 || res.Pending != 0 {
		t.Fatalf("%+v %v", res, err)
	}
	retry := log.retries(client.PhasePush)
	if len(retry) != 2 || !strings.Contains(retry[0].Message, "no leader") || !strings.Contains(retry[1].Message, "502") {
		t.Fatalf("retries reported: %+v", retry)
	}
	for i, p := range retry {
		if p.Attempt != i+1 || p.Wait > 5*time.Millisecond {
			t.Fatalf("retry %d: %+v", i, p)
		}
	}
}

func TestSync_KilledMidway_GoesOnNextTime(t *testing.T) {
	d := newDistrict(t)
	srv := d.serve(t)
	dev := d.enrol(t, "Nguyễn Thị Lan", "00769", false)
	mustImport(t, dev, "Giàng Thị Mỷ", 25)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, _ := newClient(srv.URL, dev)
	c.MaxOps = 10
	c.Progress = func(p client.Progress) {
		if p.Phase == client.PhasePush && p.Done == 2 {
			cancel()
		}
	}
	if _, err := c.Sync(ctx); err == nil {
		t.Fatal("a cancelled sync succeeded")
	}
	st := mustOutbox(t, dev)
	if st.AckedBatch != 2 || st.Batches < 5 {
		t.Fatalf("after the kill: %+v", st)
	}
	c2, _ := newClient(srv.URL, dev)
	res, err := c2.Sync(context.Background())
	if err != nil || res.Sealed != 0 || res.Pushed != int(st.Batches)-2 || res.Pending != 0 {
		t.Fatalf("%+v %v", res, err)
	}
	if n := d.appliedOnce(t); n != int(st.Batches) {
		t.Fatalf("applied %d of %d", n, st.Batches)
	}
}

func TestSync_Unreachable_GivesUpAfterAttempts(t *testing.T) {
	dev := newDistrict(t).enrol(t, "Nguyễn Thị Lan", "00769", false)
	mustImport(t, dev, "Giàng Thị Mỷ", 2)
	c, log := newClient("https://127.0.0.1:1", dev)
	c.Retry.Attempts = 3
	res, err := c.Sync(context.Background())
	if !errors.Is(err, client.ErrUnreachable) || !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), "3 attempt(s)") {
		t.Fatalf("got %v", err)
	}
	if res.Sealed != 1 || res.Pending == 0 {
		t.Fatalf("result %+v", res)
	}
	if r := log.retries(client.PhasePush); len(r) != 2 {
		t.Fatalf("%d retries reported", len(r))
	}
}

func TestSync_NotANode_NotRetried(t *testing.T) {
	d := newDistrict(t)
	dev := d.enrol(t, "Nguyễn Thị Lan", "00769", false)
	mustImport(t, dev, "Giàng Thị Mỷ", 2)
	hits := 0
	hotel := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		http.Error(w, "<html>Welcome to the hotel wifi</html>", http.StatusNotFound)
	})
	// A server with a certificate from anyone else (a captive portal, a
	// machine in between) is refused at the handshake, before a byte of
	// the request leaves, and not asked again.
	stranger := httptest.NewTLSServer(hotel)
	defer stranger.Close()
	c, _ := newClient(stranger.URL, dev)
	_, err := c.Sync(context.Background())
	if err == nil || !strings.Contains(err.Error(), "not signed by district") || errors.Is(err, client.ErrUnreachable) || hits != 0 {
		t.Fatalf("a stranger's TLS certificate: got %v after %d requests", err, hits)
	}
	// A plain HTTP address is refused before anything is sent.
	c.Node = strings.Replace(stranger.URL, "https://", "http://", 1)
	if _, err := c.Sync(context.Background()); err == nil || !strings.Contains(err.Error(), "plain HTTP") || hits != 0 {
		t.Fatalf("plain HTTP: %v", err)
	}
	// Something that is not a node behind the district's certificate
	// answers what no node answers: not retried either.
	srv := nodeServer(t, d.reg.Keys(), hotel)
	c.Node = srv.URL
	_, err = c.Sync(context.Background())
	if !errors.Is(err, client.ErrNotANode) || !strings.Contains(err.Error(), "404") || hits != 1 {
		t.Fatalf("got %v after %d requests", err, hits)
	}
	c.Node = "ftp://example.org"
	if _, err := c.Sync(context.Background()); err == nil || !strings.Contains(err.Error(), "not an https") {
		t.Fatalf("bad URL: %v", err)
	}
}

// progressLog collects what a client reports.
type progressLog struct {
	mu sync.Mutex
	ps []client.Progress
}

func (l *progressLog) add(p client.Progress) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ps = append(l.ps, p)
}

func (l *progressLog) phase(ph client.Phase) []client.Progress {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []client.Progress
	for _, p := range l.ps {
		if p.Phase == ph {
			out = append(out, p)
		}
	}
	return out
}

func (l *progressLog) retries(ph client.Phase) []client.Progress {
	var out []client.Progress
	for _, p := range l.phase(ph) {
		if p.Err != nil {
			out = append(out, p)
		}
	}
	return out
}

func (l *progressLog) saw(f func(client.Progress) bool) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, p := range l.ps {
		if f(p) {
			return true
		}
	}
	return false
}

func newClient(node string, s *storage.Store) (*client.Client, *progressLog) {
	log := &progressLog{}
	return &client.Client{
		Node:     node,
		Store:    s,
		Progress: log.add,
		Retry:    client.Backoff{Base: time.Millisecond, Max: 5 * time.Millisecond, Attempts: 5},
	}, log
}

// dropConnection closes the connection under w without an answer.
func dropConnection(t *testing.T, w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	conn.Close()
}

// TestSync_ReportsHowFarTheLaptopClockIs: a sync reads the node's clock
// from its answers; a laptop whose clock is days ahead is told (its
// changes are stamped with that clock), one that agrees is not.
func TestSync_ReportsHowFarTheLaptopClockIs(t *testing.T) {
	d := newDistrict(t)
	dev := d.enrol(t, "Nguyễn Thị Lan", "00769", false)
	mustImport(t, dev, "Giàng Thị Mỷ", 3)
	srv := d.serve(t)
	c, _ := newClient(srv.URL, dev)
	res, err := c.Sync(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.ClockOffset < -5 || res.ClockOffset > 5 || res.ClockOff() {
		t.Errorf("clocks that agree: offset %d s", res.ClockOffset)
	}

	// A node whose clock is three days behind this laptop's.
	slow := nodeServer(t, d.reg.Keys(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", time.Now().Add(-72*time.Hour).UTC().Format(http.TimeFormat))
		srv.Config.Handler.ServeHTTP(w, r)
	}))
	defer slow.Close()
	mustImport(t, dev, "Giàng Thị Mỷ", 2)
	c, _ = newClient(slow.URL, dev)
	res, err = c.Sync(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(72 * 3600); res.ClockOffset < want-5 || res.ClockOffset > want+5 || !res.ClockOff() {
		t.Errorf("laptop three days ahead: offset %d s, want about %d", res.ClockOffset, want)
	}
}

// A node that turns a request away with Retry-After (429 busy for one
// device, 503 when the node is full) is asked again no sooner than it
// said, and the sync goes on.
func TestPush_BusyAndOverloaded_RetriedAfterRetryAfter(t *testing.T) {
	d := newDistrict(t)
	srv := d.serve(t)
	dev := d.enrol(t, "Nguyễn Thị Lan", "00769", false)
	mustImport(t, dev, "Giàng Thị Mỷ", 5)
	n := 0
	d.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != protocol.PathPush {
			return false
		}
		n++
		switch n {
		case 1:
			w.Header().Set("Retry-After", "1")
			d.fail(w, &protocol.Error{Code: protocol.CodeBusy, Message: "device already has 2 requests under way"})
		case 2:
			w.Header().Set("Retry-After", "2")
			d.fail(w, &protocol.Error{Code: protocol.CodeUnavailable, Message: "node is working on 32 requests already"})
		default:
			return false
		}
		return true
	}
	c, log := newClient(srv.URL, dev)
	res, err := c.Sync(context.Background())
	if err != nil || res.Pushed != 1 || res.Pending != 0 {
		t.Fatalf("%+v %v", res, err)
	}
	retry := log.retries(client.PhasePush)
	if len(retry) != 2 || retry[0].Wait < time.Second || retry[1].Wait < 2*time.Second || retry[1].Wait > 3*time.Second {
		t.Fatalf("retries reported: %+v", retry)
	}
}
