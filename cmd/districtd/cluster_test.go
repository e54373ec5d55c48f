package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/batch"
	"github.com/communekit/communekit/sync/outbox"
	"github.com/communekit/communekit/sync/protocol"
)

// Fault tests of the district cluster (sync/node/DESIGN.md) with real
// districtd processes on loopback: a killed leader, a partitioned node, a
// node that joins after the log was compacted, an upload dropped half-way
// and its answer lost, and every refusal a push can meet. Each test ends
// with every running node holding byte-identical state.

// TestLeaderKilled: ten devices push to all three nodes while the leader
// is killed with SIGKILL. Every batch any device was given a receipt for
// is held by every surviving node, and by the killed node once it is
// restarted on its directory; no batch is applied twice.
func TestLeaderKilled(t *testing.T) {
	d := newDistrict(t, "Huyện Mường Tè")
	c := newCluster(t, d, 3) // no timeout flags: the production defaults
	urls := c.urls()

	const devices = 10
	devs := make([]*device, devices)
	for i := range devs {
		devs[i] = newDevice(t, d, fmt.Sprintf("Cán bộ %d", i+1))
	}
	var (
		mu       sync.Mutex
		receipts []*protocol.Receipt
		after    = make([]int, devices) // receipts since the new leader
		elected  bool
		killed   time.Time
		times    []time.Time // when each receipt came
		retries  = map[string]int{}
		lastErr  = make([]string, devices)
	)
	record := func(i int) func(*protocol.Receipt) {
		return func(r *protocol.Receipt) {
			mu.Lock()
			defer mu.Unlock()
			receipts = append(receipts, r)
			if elected {
				after[i]++
			}
			times = append(times, time.Now())
		}
	}
	failed := func(i int) func(int, error) {
		return func(_ int, err error) {
			why := "network error"
			var pe *protocol.Error
			if errors.As(err, &pe) {
				why = pe.Code
			}
			mu.Lock()
			retries[why]++
			lastErr[i] = time.Now().Format("15:04:05.000 ") + err.Error()
			mu.Unlock()
		}
	}
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(receipts)
	}
	ctx, stopDevices := context.WithCancel(context.Background())
	defer stopDevices()
	var wg sync.WaitGroup
	errs := make(chan error, devices)
	for i, dv := range devs {
		// Each device starts on its own node and moves on when it fails.
		cfg := pushConfig{urls: append(append([]string{}, urls[i%3:]...), urls[:i%3]...), failed: failed(i)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if err := dv.add(3); err != nil {
					errs <- err
					return
				}
				if _, err := dv.seal(); err != nil {
					errs <- err
					return
				}
				if err := dv.pushAll(ctx, cfg, record(i)); err != nil && ctx.Err() == nil {
					errs <- fmt.Errorf("device %d: %w", i+1, err)
					return
				}
			}
		}()
	}
	waitDevices := func(d time.Duration, what string, ok func() bool) {
		t.Helper()
		if !waitUntil(d, func() bool {
			select {
			case err := <-errs:
				t.Fatal(err)
			default:
			}
			return ok()
		}) {
			mu.Lock()
			defer mu.Unlock()
			for i := range devs {
				t.Logf("device %d: %d receipts since the new leader; last failure %s", i+1, after[i], lastErr[i])
			}
			t.Fatalf("waited %s for %s", d, what)
		}
	}
	waitDevices(60*time.Second, "40 receipts", func() bool { return count() >= 40 })

	old := c.leader()
	var survivors []*daemon
	for _, n := range c.nodes {
		if n != old {
			survivors = append(survivors, n)
		}
	}
	before := count()
	mu.Lock()
	killed = time.Now()
	retriesBefore := fmt.Sprint(retries)
	mu.Unlock()
	old.kill()
	var newLeader string
	waitFor(t, 15*time.Second, "another node to lead", func() bool {
		for _, n := range survivors {
			if st, err := n.status(); err == nil && st.Role == "leader" {
				newLeader = n.spec.ID
				return true
			}
		}
		return false
	})
	took := time.Since(killed)
	mu.Lock()
	elected = true
	retriesElection := fmt.Sprint(retries)
	mu.Unlock()
	t.Logf("killed leader %s after %d receipts (retries until then: %s); %s leads %s later (default Raft timeouts; retries until then: %s)",
		old.spec.ID, before, retriesBefore, newLeader, took.Round(time.Millisecond), retriesElection)

	// Every device, including those that pushed to the dead node, goes on.
	waitDevices(60*time.Second, "every device to get receipts from the new leader", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, a := range after {
			if a < 2 {
				return false
			}
		}
		return len(receipts) >= before+40
	})
	stopDevices()
	wg.Wait()
	mu.Lock()
	var gap time.Duration
	var gapFrom time.Time
	for i := 1; i < len(times); i++ {
		if d := times[i].Sub(times[i-1]); d > gap {
			gap, gapFrom = d, times[i-1]
		}
	}
	t.Logf("the longest time without a receipt: %s, from %s after the kill; the devices retried %v", gap.Round(time.Millisecond), gapFrom.Sub(killed).Round(time.Millisecond), retries)
	mu.Unlock()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	// Push what the devices had sealed but not had acknowledged, so that
	// the district's feed must equal what the receipts add up to.
	drain, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for i, dv := range devs {
		if err := dv.pushAll(drain, pushConfig{urls: []string{survivors[i%2].url, survivors[(i+1)%2].url}}, record(i)); err != nil {
			t.Fatalf("device %d pushing what was left: %v", i+1, err)
		}
	}
	t.Logf("%d receipts in all, %d while %s was down", count(), count()-before, old.spec.ID)

	st := converge(t, survivors...)
	checkHolds(t, receipts, survivors...)
	ops := exactlyOnce(t, receipts)
	if st.Feed != uint64(ops) {
		t.Fatalf("the district feed holds %d operations, the receipts add up to %d", st.Feed, ops)
	}

	restarted := time.Now()
	old.restart()
	c.waitReady()
	st = c.converge()
	t.Logf("%s restarted on its directory and caught up in %s (applied index %d)", old.spec.ID, time.Since(restarted).Round(time.Millisecond), st.AppliedIndex)
	checkHolds(t, receipts, old)
	if st.Feed != uint64(ops) {
		t.Fatalf("after the restart the feed holds %d operations, want %d", st.Feed, ops)
	}
}

// exactlyOnce checks that the receipts of one batch all name the same
// entry, and returns the operations of the distinct batches.
func exactlyOnce(t *testing.T, receipts []*protocol.Receipt) int {
	t.Helper()
	type key struct {
		dev string
		seq uint64
	}
	first := map[key]*protocol.Receipt{}
	ops := 0
	for _, r := range receipts {
		k := key{r.Device, r.Seq}
		if f, ok := first[k]; ok {
			if f.Index != r.Index || f.Hash != r.Hash {
				t.Fatalf("batch %d of %s acknowledged twice, at index %d and %d", r.Seq, r.Device, f.Index, r.Index)
			}
			continue
		}
		first[k] = r
		ops += r.Ops
	}
	return ops
}

// TestPartitionedNode cuts a follower off from the others' Raft traffic:
// every node's Raft port is behind a proxy of the test (the others dial
// the proxy, --advertise-raft), and the follower's proxy stops
// forwarding. The cut node then takes no writes, and what it refused
// never shows up; the two others go on; once its proxy forwards again it
// catches up.
func TestPartitionedNode(t *testing.T) {
	d := newDistrict(t, "Huyện Sìn Hồ")
	var specs []nodeSpec
	proxies := map[string]*tcpProxy{}
	for i := 1; i <= 3; i++ {
		px := newProxy(t, "", nil)
		id := fmt.Sprintf("n%d", i)
		proxies[id] = px
		specs = append(specs, nodeSpec{ID: id, Advertise: px.addr(), BeforeStart: func(n *daemon) { px.setTarget(n.raft) }})
	}
	c := startCluster(t, d, specs, fastRaft...)

	a := newDevice(t, d, "Lò Văn Minh")
	b := newDevice(t, d, "Vàng Thị Mai")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var got []*protocol.Receipt
	keep := func(r *protocol.Receipt) { got = append(got, r) }
	urls := c.urls()
	pushSome := func(n int) {
		t.Helper()
		for i := 0; i < n; i++ {
			mustAdd(t, a, 5)
			mustSeal(t, a)
			if err := a.pushAll(ctx, pushConfig{urls: urls}, keep); err != nil {
				t.Fatal(err)
			}
		}
	}
	pushSome(3)
	b.register(t, c.nodes[0].url)
	before := c.converge()

	// Only connections made to a node pass its proxy, and a leader makes
	// all of its own: the node to cut must be a follower. If the leader
	// changed just before its proxy was blocked, heal and pick again.
	var (
		cut  *daemon
		rest []*daemon
		px   *tcpProxy
		seen protocol.NodeStatus
	)
	for attempt := 1; ; attempt++ {
		leader := c.leader()
		cut, rest = nil, nil
		for _, n := range c.nodes {
			if n != leader && cut == nil {
				cut = n
			} else {
				rest = append(rest, n)
			}
		}
		px = proxies[cut.spec.ID]
		px.block()
		blocked := time.Now()
		if waitUntil(10*time.Second, func() bool {
			st, err := cut.status()
			seen = st
			return err == nil && st.Leader == "" && st.Role != "leader"
		}) {
			t.Logf("%s (cut off) noticed the partition after %s: %s with no leader", cut.spec.ID, time.Since(blocked).Round(time.Millisecond), seen.Role)
			break
		}
		if seen.Role != "leader" || attempt == 3 {
			t.Fatalf("%s, cut off, still follows a leader: %+v", cut.spec.ID, seen)
		}
		t.Logf("%s became the leader as its proxy was blocked; picking again", cut.spec.ID)
		px.heal()
		c.waitReady()
	}
	if code, body, _ := get(cut.url + protocol.PathReady); code != http.StatusServiceUnavailable {
		t.Fatalf("a partitioned node says it is ready: %d %s", code, body)
	}

	// The majority takes writes.
	urls = []string{rest[1].url, rest[0].url}
	pushSome(5)
	converge(t, rest...)
	checkHolds(t, got, rest...)

	// The cut node refuses, and says to retry.
	mustAdd(t, b, 5)
	bs := mustSeal(t, b)
	for i := 0; i < 3; i++ {
		code, body, err := post(pushClient, cut.url+protocol.PathPush, bs[0].Sealed)
		var e protocol.Error
		if err != nil || json.Unmarshal(body, &e) != nil || code != http.StatusServiceUnavailable || e.Code != protocol.CodeUnavailable || e.Message == "" {
			t.Fatalf("push to the partitioned node: %d %s %v", code, body, err)
		}
		if i == 0 {
			t.Logf("a push to the partitioned %s: %d %s: %s", cut.spec.ID, code, e.Code, e.Message)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if st, err := cut.status(); err != nil || st.AppliedIndex != before.AppliedIndex || st.Digest != before.Digest {
		t.Fatalf("the partitioned node's state moved: %+v %v", st, err)
	}

	px.heal()
	healed := time.Now()
	st := c.converge()
	t.Logf("%s caught up %s after its proxy forwarded again", cut.spec.ID, time.Since(healed).Round(time.Millisecond))
	checkHolds(t, got, cut)
	for _, n := range c.nodes {
		if r, code, err := n.receipt(b.id, 1); err != nil || code != http.StatusNotFound {
			t.Fatalf("%s holds the batch the partitioned node refused: %d %+v %v", n.spec.ID, code, r, err)
		}
	}
	if ops := exactlyOnce(t, got); st.Feed != uint64(ops) {
		t.Fatalf("the feed holds %d operations, the receipts add up to %d", st.Feed, ops)
	}
	c.waitReady()
}

// TestNewNodeCatchesUpFromSnapshot: after the leader has snapshotted and
// compacted its log, a fourth node joins; it can only catch up by
// installing the snapshot.
func TestNewNodeCatchesUpFromSnapshot(t *testing.T) {
	d := newDistrict(t, "Huyện Phong Thổ")
	snap := append([]string{"--snapshot-threshold", "16", "--trailing-logs", "4", "--snapshot-interval", "500ms"}, fastRaft...)
	c := newCluster(t, d, 3, snap...)
	dv := newDevice(t, d, "Giàng Thị Dợ")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var got []*protocol.Receipt
	keep := func(r *protocol.Receipt) { got = append(got, r) }
	leader := c.leader()
	// One batch per request, so one Raft entry each.
	for i := 0; i < 64; i++ {
		mustAdd(t, dv, 2)
		mustSeal(t, dv)
		if err := dv.pushAll(ctx, pushConfig{urls: []string{leader.url}}, keep); err != nil {
			t.Fatal(err)
		}
	}
	var taken float64
	waitFor(t, 20*time.Second, "the leader to snapshot", func() bool {
		v, err := leader.metric("communekit_snapshots_taken_total")
		taken = v
		return err == nil && v > 0
	})
	t.Logf("%d batches pushed; the leader %s has taken %v snapshots", len(got), leader.spec.ID, taken)
	before := c.converge()

	joined := time.Now()
	n4 := c.start(nodeSpec{ID: "n4", Join: leader.url})
	c.waitReady()
	st := c.converge()
	t.Logf("n4 joined and caught up in %s (applied index %d)", time.Since(joined).Round(time.Millisecond), st.AppliedIndex)
	if st.Feed != before.Feed {
		t.Fatalf("the feed went from %d to %d with no push", before.Feed, st.Feed)
	}
	restored, err := n4.metric("communekit_snapshots_restored_total")
	if err != nil || restored < 1 {
		t.Fatalf("n4 restored %v snapshots (%v): it did not catch up from a snapshot", restored, err)
	}
	t.Logf("n4 restored %v snapshot(s)", restored)
	checkHolds(t, got, n4)

	// And it follows the log from there, forwarding pushes too.
	for i := 0; i < 5; i++ {
		mustAdd(t, dv, 2)
		mustSeal(t, dv)
		if err := dv.pushAll(ctx, pushConfig{urls: []string{n4.url}}, keep); err != nil {
			t.Fatal(err)
		}
	}
	st = c.converge()
	checkHolds(t, got, c.nodes...)
	if ops := exactlyOnce(t, got); st.Feed != uint64(ops) {
		t.Fatalf("the feed holds %d operations, the receipts add up to %d", st.Feed, ops)
	}
}

// TestDroppedUpload: a proxy in front of a node's API first cuts the
// connection half-way through a push's body, then forwards a whole push
// but drops the receipt. The device pushes the same batch until it has a
// receipt; the district applies it once.
func TestDroppedUpload(t *testing.T) {
	d := newDistrict(t, "Huyện Tam Đường")
	c := newCluster(t, d, 3, fastRaft...)
	front := c.nodes[1] // a follower, so the push is forwarded too
	if front == c.leader() {
		front = c.nodes[2]
	}
	var (
		mu      sync.Mutex
		stage   int    // 0: cut the next push; 1: drop the next receipt; 2: forward
		dropped []byte // the receipt the device never saw
		events  []string
	)
	// The proxy reads the pushes, so it ends the device's TLS with a
	// certificate of the district of its own (a load balancer that
	// holds one), and speaks TLS to the node.
	cred, err := cert.IssueNodeCredential(d.keys, "proxy", cert.RandomNodeSerial(), time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	proxyTLS := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{cred.TLS}, PrivateKey: cred.Node.Sign}}}
	fault := func(n int, plain net.Conn, target string) bool {
		mu.Lock()
		st := stage
		mu.Unlock()
		if st == 2 {
			return false
		}
		client := tls.Server(plain, proxyTLS)
		head, body, err := readHTTPRequest(bufio.NewReader(client))
		if err != nil {
			t.Errorf("proxy: reading push %d: %v", n, err)
			return true
		}
		up, err := tls.Dial("tcp", target, &tls.Config{InsecureSkipVerify: true}) // the test's own node
		if err != nil {
			t.Errorf("proxy: %v", err)
			return true
		}
		defer up.Close()
		if st == 0 {
			up.Write(append(head, body[:len(body)/2]...))
			time.Sleep(100 * time.Millisecond)
			mu.Lock()
			stage = 1
			events = append(events, fmt.Sprintf("cut after %d of %d body bytes", len(body)/2, len(body)))
			mu.Unlock()
			return true
		}
		up.Write(append(head, body...))
		resp, err := http.ReadResponse(bufio.NewReader(up), nil)
		if err != nil {
			t.Errorf("proxy: reading the node's answer: %v", err)
			return true
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		mu.Lock()
		defer mu.Unlock()
		if resp.StatusCode != http.StatusOK {
			// Not a receipt (a leader election under way): pass it on
			// and drop the next one.
			events = append(events, fmt.Sprintf("passed on %d", resp.StatusCode))
			resp.Body = io.NopCloser(bytes.NewReader(b))
			resp.Write(client)
			return true
		}
		stage, dropped = 2, b
		events = append(events, "dropped a receipt")
		return true
	}
	px := newProxy(t, front.http, fault)

	dv := newDevice(t, d, "Tẩn Láo Lở")
	dv.register(t, front.url)
	mustAdd(t, dv, 40)
	bs := mustSeal(t, dv)
	if len(bs) != 1 {
		t.Fatalf("sealed %d batches, want 1", len(bs))
	}
	ob := bs[0]
	// A new connection per attempt, so each meets the proxy's next fault.
	client := &http.Client{Timeout: 20 * time.Second, Transport: testTransport(false)}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	lost := 0 // attempts that got no answer
	cfg := pushConfig{urls: []string{"https://" + px.addr()}, client: client, failed: func(attempt int, err error) {
		t.Logf("attempt %d failed: %v", attempt, err)
		var pe *protocol.Error
		if errors.As(err, &pe) {
			if pe.Code != protocol.CodeUnavailable {
				t.Errorf("attempt %d: %v", attempt, err)
			}
			return
		}
		lost++
		if attempt == 1 {
			// Half a body reached the node: nothing may be applied.
			time.Sleep(200 * time.Millisecond)
			for _, n := range c.nodes {
				if _, code, err := n.receipt(dv.id, ob.N); err != nil || code != http.StatusNotFound {
					t.Errorf("after a cut upload %s holds the batch: %d %v", n.spec.ID, code, err)
				}
			}
		}
	}}
	r, err := dv.push(ctx, cfg, ob)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	t.Logf("the proxy: %q", events)
	answer := dropped
	mu.Unlock()
	if lost != 2 {
		t.Fatalf("%d attempts got no answer before the receipt, want 2", lost)
	}
	var first protocol.Receipt
	if err := json.Unmarshal(answer, &first); err != nil || dv.check(&first, ob) != nil {
		t.Fatalf("the answer the proxy dropped is not a receipt: %s", answer)
	}
	if first.Duplicate || !r.Duplicate || r.Index != first.Index || r.Sig != first.Sig {
		t.Fatalf("the retry got %+v; the dropped receipt was %+v", r, first)
	}
	t.Logf("the retry got the original receipt (index %d, %d operations) marked duplicate", r.Index, r.Ops)
	st := c.converge()
	if ops := int(ob.LastSeq - ob.FirstSeq + 1); st.Feed != uint64(ops) || r.Ops != ops {
		t.Fatalf("the feed holds %d operations; the batch has %d (receipt says %d)", st.Feed, ops, r.Ops)
	}
	checkHolds(t, []*protocol.Receipt{r}, c.nodes...)
}

// TestRefusals: each push the district must refuse gets its own status,
// code and message, and changes no node's state; a node of another
// district cannot join; a stranger on the Raft port hears nothing.
func TestRefusals(t *testing.T) {
	d := newDistrict(t, "Huyện Than Uyên")
	other := newDistrict(t, "Huyện Tân Uyên")
	c := newCluster(t, d, 3, fastRaft...)
	n1, n2, n3 := c.nodes[0], c.nodes[1], c.nodes[2]
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cfg := pushConfig{urls: []string{n2.url}}

	lan := newDevice(t, d, "Nguyễn Thị Lan")   // pushes batch 1, then refused ones
	minh := newDevice(t, d, "Lò Văn Minh")     // revoked
	tu := newDevice(t, d, "Hoàng Văn Tú")      // seals to another district
	stranger := newDevice(t, d, "Trần Văn Ba") // never sends its certificate
	mustAdd(t, lan, 10)
	lan1 := mustSeal(t, lan)[0]
	mustAdd(t, lan, 10)
	lan2 := mustSeal(t, lan)[0]
	mustAdd(t, lan, 10)
	lan3 := mustSeal(t, lan)[0]
	first, err := lan.push(ctx, cfg, lan1)
	if err != nil {
		t.Fatal(err)
	}
	mustAdd(t, minh, 5)
	minh1 := mustSeal(t, minh)[0]
	if _, err := minh.push(ctx, cfg, minh1); err != nil {
		t.Fatal(err)
	}
	mustAdd(t, minh, 5)
	minh2 := mustSeal(t, minh)[0]
	tu.register(t, n3.url)
	mustAdd(t, tu, 5)
	toOther, err := (&outbox.Sealer{Device: tu.s.DeviceKeys(), District: other.keys.Public()}).Seal(tu.s)
	if err != nil {
		t.Fatal(err)
	}
	mustAdd(t, stranger, 5)
	strangerBatch := mustSeal(t, stranger)[0]

	// Revoke minh's device and replicate the list.
	l, err := cert.NewRevocationList(d.keys)
	if err == nil {
		l, err = l.Revoke(cert.Revoked{DeviceID: minh.id, Reason: "máy bị mất", At: time.Now()}, d.keys)
	}
	if err != nil {
		t.Fatal(err)
	}
	lb, err := l.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	mustPost(t, n3.url+protocol.PathRevocations, lb, http.StatusNoContent)
	before := c.converge()

	tampered := append([]byte{}, lan2.Sealed...)
	tampered[batch.HeaderSize+(len(tampered)-batch.HeaderSize-batch.SignatureSize)/2] ^= 0x01
	// Batch 1 again, signed by lan, with batch 2's operations: what a
	// device whose outbox was restored from an old copy would send.
	replayed := mustReseal(t, d, lan, lan2, 1)

	cases := []struct {
		name   string
		sealed []byte
		code   string
		check  func(e protocol.Error) error
	}{
		{"gap", lan3.Sealed, protocol.CodeGap, func(e protocol.Error) error {
			if e.Expected != 2 {
				return fmt.Errorf("expected %d, want 2", e.Expected)
			}
			return nil
		}},
		{"unenrolled", strangerBatch.Sealed, protocol.CodeUnknownDevice, nil},
		{"revoked", minh2.Sealed, protocol.CodeRevoked, nil},
		{"revoked, batch accepted before", minh1.Sealed, protocol.CodeRevoked, nil},
		{"tampered", tampered, protocol.CodeTampered, nil},
		{"wrongly addressed", toOther[0].Sealed, protocol.CodeWrongRecipient, nil},
		{"replayed number", replayed, protocol.CodeReplay, nil},
		{"not a batch", []byte("CKBF\x01 these bytes are no batch"), protocol.CodeMalformed, nil},
		{"too large", make([]byte, batch.DefaultLimits.MaxSealed+1), protocol.CodeTooLarge, nil},
	}
	for _, tc := range cases {
		for _, n := range c.nodes { // the leader and followers answer alike
			code, body, err := postRetry(n.url+protocol.PathPush, tc.sealed)
			var e protocol.Error
			if err != nil || json.Unmarshal(body, &e) != nil {
				t.Fatalf("%s to %s: %d %s %v", tc.name, n.spec.ID, code, body, err)
			}
			if code != protocol.Status(tc.code) || e.Code != tc.code || e.Message == "" {
				t.Fatalf("%s to %s: %d %s, want %d %s with a message", tc.name, n.spec.ID, code, body, protocol.Status(tc.code), tc.code)
			}
			if tc.check != nil {
				if err := tc.check(e); err != nil {
					t.Fatalf("%s to %s: %v", tc.name, n.spec.ID, err)
				}
			}
			if n == n1 {
				t.Logf("%s: %d %s: %s", tc.name, code, e.Code, e.Message)
			}
		}
	}
	// A duplicate is answered with the original receipt.
	for _, n := range c.nodes {
		r, err := lan.push(ctx, pushConfig{urls: []string{n.url}}, lan1)
		if err != nil {
			t.Fatalf("duplicate to %s: %v", n.spec.ID, err)
		}
		if !r.Duplicate || r.Index != first.Index || r.Sig != first.Sig {
			t.Fatalf("duplicate to %s: %+v, the original was %+v", n.spec.ID, r, first)
		}
	}
	t.Logf("duplicate: 200 with the original receipt (index %d)", first.Index)
	if st := c.converge(); st.Digest != before.Digest || st.AppliedIndex != before.AppliedIndex {
		t.Fatalf("refused pushes changed the state: %+v, before %+v", st, before)
	}

	// A node started with another district's profile asks to join; the
	// cluster refuses it, however often it asks.
	foreign := &daemon{t: t, d: other, spec: nodeSpec{ID: "x1", Join: n1.url, Flags: fastRaft}, dir: t.TempDir(), logPath: filepath.Join(t.TempDir(), "x1.log")}
	foreign.start()
	defer func() {
		if err := foreign.stop(); err != nil {
			t.Error(err)
		}
		if t.Failed() {
			t.Logf("--- end of x1's log:\n%s", tail(foreign.log(), 20))
		}
	}()
	var refusal string
	waitFor(t, 15*time.Second, "the foreign node to be refused twice", func() bool {
		refusal = ""
		for _, line := range strings.Split(foreign.log(), "\n") {
			if strings.Contains(line, "joining the cluster failed") {
				if refusal != "" {
					return true
				}
				refusal = line
			}
		}
		return false
	})
	if !strings.Contains(refusal, "not signed with this district's key") {
		t.Fatalf("the foreign node's join was refused for another reason: %s", refusal)
	}
	t.Logf("the foreign node's log: %s", refusal)
	var cs protocol.ClusterStatus
	if code, body, err := c.d.get(n2.url + protocol.PathStatus); err != nil || code != http.StatusOK || json.Unmarshal(body, &cs) != nil {
		t.Fatalf("cluster status: %d %s %v", code, body, err)
	}
	if len(cs.Nodes) != 3 {
		t.Fatalf("the cluster lists %d nodes: %+v", len(cs.Nodes), cs.Nodes)
	}
	for _, st := range cs.Nodes {
		if st.ID == foreign.spec.ID {
			t.Fatalf("the foreign node is a member: %+v", cs.Nodes)
		}
	}
	if code, body, _ := get(foreign.url + protocol.PathReady); code != http.StatusServiceUnavailable {
		t.Fatalf("the foreign node says it is ready: %d %s", code, body)
	}

	// A stranger on the Raft port: no TLS with a district certificate, so
	// nothing comes back and the node hangs up.
	conn, err := net.DialTimeout("tcp", n1.raft, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("\x00\x82\xa4Term\x01\xa7Entries\x90 append entries from nowhere, padding to be read\n")); err != nil {
		t.Fatal(err)
	}
	asked := time.Now()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 64)
	k, err := conn.Read(buf)
	var ne net.Error
	if k > 0 || err == nil || errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("a plain TCP client on the Raft port read %q (%v)", buf[:k], err)
	}
	t.Logf("a plain TCP client on n1's Raft port read nothing; the node hung up after %s (%v)", time.Since(asked).Round(time.Millisecond), err)

	if st := c.converge(); st.Digest != before.Digest || st.AppliedIndex != before.AppliedIndex {
		t.Fatalf("the foreign node or the stranger changed the state: %+v, before %+v", st, before)
	}
}

// mustReseal seals the operations of ob again as batch seq of dv
// (following nothing), signed by dv.
func mustReseal(t *testing.T, d *district, dv *device, ob *storage.OutBatch, seq uint64) []byte {
	t.Helper()
	pub := d.keys.Public()
	dev := dv.s.DeviceKeys()
	op := &batch.Opener{Identity: d.keys.Age, KeyID: pub.KeyID, SignerKey: func(string) (ed25519.PublicKey, error) { return dev.Public().SignKey, nil }}
	b, err := op.Open(ob.Sealed)
	if err != nil {
		t.Fatal(err)
	}
	rcpt, err := age.ParseX25519Recipient(pub.AgeRecipient)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := batch.Seal(b.Ops, batch.SealOptions{Header: batch.Header{Sender: dv.id, Seq: seq, RecipientKeyID: pub.KeyID}, Recipient: rcpt, SignKey: dev.Sign})
	if err != nil {
		t.Fatal(err)
	}
	return sealed
}

func mustAdd(t *testing.T, dv *device, n int) {
	t.Helper()
	if err := dv.add(n); err != nil {
		t.Fatal(err)
	}
}

func mustSeal(t *testing.T, dv *device) []*storage.OutBatch {
	t.Helper()
	bs, err := dv.seal()
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) == 0 {
		t.Fatal("nothing to seal")
	}
	return bs
}
