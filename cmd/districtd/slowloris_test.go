package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/communekit/communekit/sync/protocol"
)

// slowClients is how many connections the slowloris test holds at once.
const slowClients = 500

// maxRSS is what a node may hold in memory under the attack. The race
// detector's shadow memory multiplies what a process holds several times:
// under it the bound is raceRSSFactor times larger (make slowloris runs
// the test without it, against the real bound).
const maxRSS = 200 << 20

// TestSlowloris: 500 connections to a real districtd that send their TLS
// handshake, their headers or their body a byte at a time and hold on
// (each comes back when the node cuts it) do not stop an honest device's
// pushes, and the node's resident memory stays under 200 MB throughout.
// Times are logged, never asserted.
func TestSlowloris(t *testing.T) {
	if testing.Short() {
		t.Skip("slowloris: about 40 s")
	}
	d := newDistrict(t, "Cụm Mèo Vạc")
	c := newCluster(t, d, 1)
	n := c.nodes[0]
	pid := n.p.cmd.Process.Pid
	lan := newDevice(t, d, "Nguyễn Thị Lan")
	lan.register(t, n.url)

	var (
		peak     atomic.Int64
		samples  atomic.Int64
		rssErr   atomic.Value
		sampling = make(chan struct{})
		sampled  sync.WaitGroup
	)
	sampled.Add(1)
	go func() {
		defer sampled.Done()
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			rss, err := vmRSS(pid)
			if err != nil {
				rssErr.Store(err.Error())
			} else {
				samples.Add(1)
				if rss > peak.Load() {
					peak.Store(rss)
				}
			}
			select {
			case <-sampling:
				return
			case <-tick.C:
			}
		}
	}()
	before, _ := vmRSS(pid)

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	tlsCfg := testTransport(true).TLSClientConfig
	addr := strings.TrimPrefix(n.url, "https://")
	var (
		wg        sync.WaitGroup
		open      atomic.Int64
		reconnect atomic.Int64
		cut       atomic.Int64
	)
	for i := 0; i < slowClients; i++ {
		wg.Add(1)
		go func(kind int) {
			defer wg.Done()
			slowClient(ctx, kind, addr, tlsCfg, &open, &reconnect, &cut)
		}(i % 3)
	}
	waitFor(t, 30*time.Second, fmt.Sprintf("%d slow connections open", slowClients), func() bool { return open.Load() >= slowClients*9/10 })
	t.Logf("%d slow connections open (a third dribbling a TLS handshake, a third headers, a third a 4 MiB body); districtd RSS %.1f MB before",
		open.Load(), float64(before)/(1<<20))

	// The honest device pushes while they hold on, through the whole
	// attack: the header timeout (10 s) and the body pace (32 KiB per
	// 30 s) cut the slow ones over and over meanwhile.
	var lat []time.Duration
	for round := 0; round < 4; round++ {
		mustAdd(t, lan, 20)
		obs := mustSeal(t, lan)
		for _, ob := range obs {
			start := time.Now()
			pctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			r, err := lan.push(pctx, pushConfig{urls: []string{n.url}}, ob)
			cancel()
			if err != nil {
				t.Fatalf("the honest device's push of batch %d under slowloris: %v", ob.N, err)
			}
			if err := lan.s.Acknowledge(ob.N); err != nil {
				t.Fatal(err)
			}
			lat = append(lat, time.Since(start))
			t.Logf("batch %d acknowledged (index %d) in %s under %d slow connections", r.Seq, r.Index, time.Since(start).Round(time.Millisecond), open.Load())
		}
		select {
		case <-time.After(8 * time.Second):
		case <-ctx.Done():
		}
	}
	// Status and readiness are answered too.
	if code, b, err := d.get(n.url + protocol.PathNodeStatus + "?digest=0"); err != nil || code != 200 {
		t.Fatalf("status under slowloris: %d %s %v", code, b, err)
	}
	held := open.Load()
	stop()
	wg.Wait()
	close(sampling)
	sampled.Wait()

	limit := int64(maxRSS)
	if raceEnabled {
		limit *= raceRSSFactor
	}
	worst := time.Duration(0)
	for _, l := range lat {
		worst = max(worst, l)
	}
	t.Logf("slowloris: %d connections held at the end, %d reconnects after the node cut them, %d cut while sending; %d honest pushes, slowest %s; districtd peak RSS %.1f MB (%d samples, bound %d MB%s)",
		held, reconnect.Load(), cut.Load(), len(lat), worst.Round(time.Millisecond), float64(peak.Load())/(1<<20), samples.Load(), limit>>20,
		map[bool]string{true: ", race detector", false: ""}[raceEnabled])
	if e := rssErr.Load(); e != nil && samples.Load() == 0 {
		t.Fatalf("could not read the node's memory: %v", e)
	}
	if peak.Load() >= limit {
		t.Fatalf("districtd's RSS reached %.1f MB under slowloris, over %d MB", float64(peak.Load())/(1<<20), limit>>20)
	}
}

// slowClient holds a connection to addr that sends what kind says a byte
// at a time, about one a second, and comes back when the node cuts it,
// until ctx ends. kind 0: a TLS handshake; 1: the headers of a request;
// 2: a push declaring 4 MiB, then its body.
func slowClient(ctx context.Context, kind int, addr string, tlsCfg *tls.Config, open, reconnect, cut *atomic.Int64) {
	first := true
	for ctx.Err() == nil {
		if !first {
			reconnect.Add(1)
		}
		first = false
		raw, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		if err != nil {
			sleepCtx(ctx, time.Second)
			continue
		}
		open.Add(1)
		var dribble []byte
		conn := net.Conn(raw)
		switch kind {
		case 0:
			dribble = fakeClientHello()
		default:
			tc := tls.Client(raw, tlsCfg)
			hctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			err = tc.HandshakeContext(hctx)
			cancel()
			if err != nil {
				open.Add(-1)
				raw.Close()
				sleepCtx(ctx, time.Second)
				continue
			}
			conn = tc
			if kind == 1 {
				dribble = []byte("GET " + protocol.PathNodeStatus + " HTTP/1.1\r\nHost: node\r\nUser-Agent: slow\r\nX-Padding: " + strings.Repeat("a", 4000) + "\r\n\r\n")
			} else {
				head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: node\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n", protocol.PathPush, 4<<20)
				if _, err := conn.Write([]byte(head)); err != nil {
					open.Add(-1)
					conn.Close()
					continue
				}
				dribble = []byte(strings.Repeat("CKBF", 1<<20))
			}
		}
		// Whatever the node answers (a timeout, a 400) ends this round.
		answered := make(chan struct{})
		go func() {
			defer close(answered)
			bufio.NewReader(conn).ReadByte()
		}()
		for i := 0; i < len(dribble) && ctx.Err() == nil; i++ {
			if _, err := conn.Write(dribble[i : i+1]); err != nil {
				cut.Add(1)
				break
			}
			select {
			case <-answered:
				i = len(dribble)
			case <-ctx.Done():
			case <-time.After(time.Duration(700+rand.IntN(600)) * time.Millisecond):
			}
		}
		open.Add(-1)
		conn.Close()
		<-answered
	}
}

// fakeClientHello is the start of a TLS record that never ends: a
// handshake that takes for ever.
func fakeClientHello() []byte {
	b := []byte{0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03}
	for i := 0; i < 500; i++ {
		b = append(b, byte(i))
	}
	return b
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// vmRSS reads a process's resident set size from /proc.
func vmRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			if len(f) == 2 && f[1] == "kB" {
				k, err := strconv.ParseInt(f[0], 10, 64)
				return k << 10, err
			}
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// A push declaring 1 GiB and sending nothing is refused at once from its
// Content-Length: the node reads none of it and holds nothing for it.
func TestWire_DeclaredGigabyteRefusedAtOnce(t *testing.T) {
	d := newDistrict(t, "Cụm Mèo Vạc")
	c := newCluster(t, d, 1)
	conn, err := tls.Dial("tcp", strings.TrimPrefix(c.nodes[0].url, "https://"), testTransport(true).TLSClientConfig)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: node\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n", protocol.PathPush, 1<<30)
	conn.SetReadDeadline(time.Now().Add(time.Minute)) // a broken node must not hang the test
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	defer resp.Body.Close()
	var e protocol.Error
	json.NewDecoder(resp.Body).Decode(&e)
	t.Logf("1 GiB declared: %d %s in %s: %s", resp.StatusCode, e.Code, time.Since(start).Round(time.Millisecond), e.Message)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || e.Code != protocol.CodeTooLarge {
		t.Fatalf("1 GiB declared: %d %+v", resp.StatusCode, e)
	}
}
