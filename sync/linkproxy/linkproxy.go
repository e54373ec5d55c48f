// Package linkproxy is a TCP proxy that makes a loopback connection behave
// like a commune's link: limited bandwidth, a round-trip delay, and faults
// on demand (refuse and cut every connection, as a partition does). The
// benchmarks measure first syncs through it, and the fault tests and the
// demo partition nodes with it.
package linkproxy

import (
	"math/rand/v2"
	"net"
	"sync"
	"time"
)

// Shape is the link: zero fields mean unlimited and instant.
type Shape struct {
	BytesPerSecond int           // each direction
	RTT            time.Duration // added round-trip time (half each way)
}

// Faults are the link's random failures, as a 2G link in the mountains has
// them. Zero fields mean none.
type Faults struct {
	// Refuse is the chance that a new connection is closed at once, before
	// any byte passes (no signal, a tower out of reach).
	Refuse float64
	// Cut is the chance that a connection is cut at a random point of its
	// first CutWithin bytes, in either direction (the signal lost mid-sync).
	Cut       float64
	CutWithin int64 // 64 KB when zero
	Seed      uint64
}

// Proxy forwards connections from its listener to a target address, or to
// the first of several that answers (a district's nodes behind one
// address: a node that is down is skipped).
type Proxy struct {
	ln      net.Listener
	targets []string
	shape   Shape
	faults  Faults
	rnd     *rand.Rand // guarded by mu
	next    int        // the target that answered last, tried first

	mu      sync.Mutex
	blocked bool
	conns   map[net.Conn]struct{}
	closed  bool
	wg      sync.WaitGroup

	// BytesUp and BytesDown count what went to and came from the target.
	statsMu   sync.Mutex
	bytesUp   int64
	bytesDown int64
	refused   int64
	cut       int64
}

// Listen starts a proxy on addr ("127.0.0.1:0" for any port) to target.
func Listen(addr, target string, s Shape) (*Proxy, error) {
	return ListenTargets(addr, []string{target}, s)
}

// ListenTargets starts a proxy on addr to the first of targets that
// accepts a connection, beginning with the one that accepted last.
func ListenTargets(addr string, targets []string, s Shape) (*Proxy, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, targets: append([]string(nil), targets...), shape: s, conns: map[net.Conn]struct{}{},
		rnd: rand.New(rand.NewPCG(1, 2))}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// SetFaults sets the link's random failures from now on (connections
// already open keep theirs).
func (p *Proxy) SetFaults(f Faults) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if f.CutWithin <= 0 {
		f.CutWithin = 64 << 10
	}
	p.faults = f
	p.rnd = rand.New(rand.NewPCG(f.Seed, 2))
}

// Faulted returns how many connections the faults refused and cut.
func (p *Proxy) Faulted() (refused, cut int64) {
	p.statsMu.Lock()
	defer p.statsMu.Unlock()
	return p.refused, p.cut
}

// fate draws a new connection's faults: refused at once, or cut after
// the returned number of bytes (-1: never).
func (p *Proxy) fate() (refuse bool, cutAfter int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.faults
	if f.Refuse > 0 && p.rnd.Float64() < f.Refuse {
		return true, -1
	}
	if f.Cut > 0 && p.rnd.Float64() < f.Cut {
		return false, p.rnd.Int64N(f.CutWithin)
	}
	return false, -1
}

// dial connects to the first target that answers.
func (p *Proxy) dial() (net.Conn, error) {
	p.mu.Lock()
	start, targets := p.next, p.targets
	p.mu.Unlock()
	var err error
	for i := range targets {
		k := (start + i) % len(targets)
		var t net.Conn
		if t, err = net.DialTimeout("tcp", targets[k], 5*time.Second); err == nil {
			p.mu.Lock()
			p.next = k
			p.mu.Unlock()
			return t, nil
		}
	}
	return nil, err
}

// Addr is the address clients dial.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Bytes returns the bytes forwarded up (client to target) and down.
func (p *Proxy) Bytes() (up, down int64) {
	p.statsMu.Lock()
	defer p.statsMu.Unlock()
	return p.bytesUp, p.bytesDown
}

// Block cuts every open connection and refuses new ones until Unblock.
func (p *Proxy) Block() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.blocked = true
	for c := range p.conns {
		c.Close()
	}
}

// Unblock lets connections through again.
func (p *Proxy) Unblock() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.blocked = false
}

// Close stops the proxy and cuts its connections.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	err := p.ln.Close()
	p.wg.Wait()
	return err
}

func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.blocked || p.closed {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if !p.track(c) {
			c.Close()
			continue
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer p.untrack(c)
			refuse, cutAfter := p.fate()
			if refuse {
				p.statsMu.Lock()
				p.refused++
				p.statsMu.Unlock()
				return
			}
			if p.shape.RTT > 0 {
				time.Sleep(p.shape.RTT) // the TCP handshake's round trip
			}
			t, err := p.dial()
			if err != nil {
				return
			}
			if !p.track(t) {
				t.Close()
				return
			}
			defer p.untrack(t)
			var budget *cutBudget
			if cutAfter >= 0 {
				budget = &cutBudget{left: cutAfter}
			}
			done := make(chan struct{}, 2)
			go func() { p.pipe(t, c, &p.bytesUp, budget); done <- struct{}{} }()
			go func() { p.pipe(c, t, &p.bytesDown, budget); done <- struct{}{} }()
			<-done
			if budget != nil && budget.spent() {
				p.statsMu.Lock()
				p.cut++
				p.statsMu.Unlock()
			}
		}()
	}
}

// pipe copies src to dst through the link's shape: each chunk is delayed
// by half the RTT (in order, in a queue, so a stream keeps its bandwidth)
// and paced to the bandwidth.
// cutBudget is what a connection that will be cut may still carry, both
// directions together.
type cutBudget struct {
	mu   sync.Mutex
	left int64
	out  bool
}

// take returns how many of n bytes may pass; fewer than n means the
// connection is cut after them.
func (b *cutBudget) take(n int) int {
	if b == nil {
		return n
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if int64(n) <= b.left {
		b.left -= int64(n)
		return n
	}
	k := int(b.left)
	b.left, b.out = 0, true
	return k
}

func (b *cutBudget) spent() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.out
}

func (p *Proxy) pipe(dst, src net.Conn, count *int64, budget *cutBudget) {
	defer dst.Close()
	defer src.Close()
	type chunk struct {
		b  []byte
		at time.Time
	}
	q := make(chan chunk, 1024)
	go func() {
		defer close(q)
		var next time.Time // when the link is free to send again
		for {
			buf := make([]byte, 4096)
			if p.shape.BytesPerSecond > 0 && p.shape.BytesPerSecond < 4096*8 {
				buf = buf[:max(p.shape.BytesPerSecond/20, 256)]
			}
			n, err := src.Read(buf)
			if n > 0 {
				now := time.Now()
				if next.Before(now) {
					next = now
				}
				if p.shape.BytesPerSecond > 0 {
					next = next.Add(time.Duration(n) * time.Second / time.Duration(p.shape.BytesPerSecond))
				}
				q <- chunk{b: buf[:n], at: next.Add(p.shape.RTT / 2)}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range q {
		if d := time.Until(c.at); d > 0 {
			time.Sleep(d)
		}
		b := c.b[:budget.take(len(c.b))]
		p.statsMu.Lock()
		*count += int64(len(b))
		p.statsMu.Unlock()
		if _, err := dst.Write(b); err != nil || len(b) < len(c.b) {
			// A cut: both ends see the connection reset, as when the
			// signal goes.
			if tc, ok := dst.(*net.TCPConn); ok && len(b) < len(c.b) {
				tc.SetLinger(0)
			}
			if tc, ok := src.(*net.TCPConn); ok && len(b) < len(c.b) {
				tc.SetLinger(0)
			}
			src.Close()
			for range q {
			}
			return
		}
	}
	if cw, ok := dst.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
}
