// Package linkproxy is a TCP proxy that makes a loopback connection behave
// like a commune's link: limited bandwidth, a round-trip delay, and faults
// on demand (refuse and cut every connection, as a partition does). The
// benchmarks measure first syncs through it, and the fault tests and the
// demo partition nodes with it.
package linkproxy

import (
	"net"
	"sync"
	"time"
)

// Shape is the link: zero fields mean unlimited and instant.
type Shape struct {
	BytesPerSecond int           // each direction
	RTT            time.Duration // added round-trip time (half each way)
}

// Proxy forwards connections from its listener to a target address.
type Proxy struct {
	ln     net.Listener
	target string
	shape  Shape

	mu      sync.Mutex
	blocked bool
	conns   map[net.Conn]struct{}
	closed  bool
	wg      sync.WaitGroup

	// BytesUp and BytesDown count what went to and came from the target.
	statsMu   sync.Mutex
	bytesUp   int64
	bytesDown int64
}

// Listen starts a proxy on addr ("127.0.0.1:0" for any port) to target.
func Listen(addr, target string, s Shape) (*Proxy, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, target: target, shape: s, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
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
			if p.shape.RTT > 0 {
				time.Sleep(p.shape.RTT) // the TCP handshake's round trip
			}
			t, err := net.Dial("tcp", p.target)
			if err != nil {
				return
			}
			if !p.track(t) {
				t.Close()
				return
			}
			defer p.untrack(t)
			done := make(chan struct{}, 2)
			go func() { p.pipe(t, c, &p.bytesUp); done <- struct{}{} }()
			go func() { p.pipe(c, t, &p.bytesDown); done <- struct{}{} }()
			<-done
		}()
	}
}

// pipe copies src to dst through the link's shape: each chunk is delayed
// by half the RTT (in order, in a queue, so a stream keeps its bandwidth)
// and paced to the bandwidth.
func (p *Proxy) pipe(dst, src net.Conn, count *int64) {
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
		p.statsMu.Lock()
		*count += int64(len(c.b))
		p.statsMu.Unlock()
		if _, err := dst.Write(c.b); err != nil {
			for range q {
			}
			return
		}
	}
	if cw, ok := dst.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
}
