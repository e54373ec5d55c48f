package node

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/communekit/communekit/sync/protocol"
)

// Limits bound what the HTTP API takes from its clients, so that no number
// of slow, stuck or hostile clients makes a node run out of memory, file
// descriptors or workers while an honest device waits (DESIGN.md, "Limits
// of the API"). Zero fields take the defaults below.
type Limits struct {
	// MaxConns bounds the open connections; a new one over it is closed
	// at once, before anything of it is read.
	MaxConns int
	// MaxInFlight bounds the requests being worked on at once (bodies
	// read, signatures checked, Raft waited for); a request that finds
	// no place within InFlightWait is answered 503 unavailable with
	// Retry-After.
	MaxInFlight  int
	InFlightWait time.Duration
	// PerDevice bounds one device's requests being worked on at once;
	// beyond it, 429 busy with Retry-After. The district's own requests
	// are not counted per device.
	PerDevice int
	// BodyBudget bounds the bytes of request bodies held at once by the
	// whole node, counted as they arrive (not as declared); a request
	// whose body would go over it is answered 503 unavailable.
	BodyBudget int64
	// ChunkTimeout is how long each BodyChunk bytes of a body may take to
	// arrive (and the request's first body bytes), BodyTimeout the whole
	// body: a slow link keeps going, a sender that stops is cut.
	ChunkTimeout time.Duration
	BodyTimeout  time.Duration

	// hold, when set (tests), is called once a request is admitted, as
	// if its work took that long: tests fill the places with it.
	hold func(device string)
}

// Defaults of Limits. The reasons for each number are in DESIGN.md.
const (
	DefaultMaxConns     = 2048
	DefaultMaxInFlight  = 32
	DefaultInFlightWait = 2 * time.Second
	DefaultPerDevice    = 2
	DefaultBodyBudget   = 96 << 20
	DefaultChunkTimeout = 30 * time.Second
	DefaultBodyTimeout  = 10 * time.Minute
	// BodyChunk is the amount of a body that must arrive within
	// ChunkTimeout for the read deadline to move on.
	BodyChunk = 32 << 10
)

// Fixed limits of the HTTP server.
const (
	readHeaderTimeout = 10 * time.Second
	maxHeaderBytes    = 16 << 10
	idleTimeout       = 2 * time.Minute
	// Write deadlines, from the moment a request's handler starts: long
	// for the answers that carry data (a pull or export answer over a 2G
	// link, a backup of the whole store), short for the rest.
	writeShort  = 2 * time.Minute
	writePull   = 15 * time.Minute
	writeBackup = 2 * time.Hour
)

// Retry-After values, in seconds.
const (
	retryUnavailable = 1
	retryBusy        = 2
	retryOverloaded  = 5
)

func (l Limits) orDefault() Limits {
	if l.MaxConns <= 0 {
		l.MaxConns = DefaultMaxConns
	}
	if l.MaxInFlight <= 0 {
		l.MaxInFlight = DefaultMaxInFlight
	}
	if l.InFlightWait <= 0 {
		l.InFlightWait = DefaultInFlightWait
	}
	if l.PerDevice <= 0 {
		l.PerDevice = DefaultPerDevice
	}
	if l.BodyBudget <= 0 {
		l.BodyBudget = DefaultBodyBudget
	}
	if l.ChunkTimeout <= 0 {
		l.ChunkTimeout = DefaultChunkTimeout
	}
	if l.BodyTimeout <= 0 {
		l.BodyTimeout = DefaultBodyTimeout
	}
	return l
}

// limiter holds the counts behind Limits.
type limiter struct {
	l        Limits
	conns    atomic.Int64 // open connections
	buffered atomic.Int64 // body bytes held
	inflight chan struct{}
	mu       sync.Mutex
	devices  map[string]int // requests being worked on, by device
}

func newLimiter(l Limits) *limiter {
	l = l.orDefault()
	return &limiter{l: l, inflight: make(chan struct{}, l.MaxInFlight), devices: map[string]int{}}
}

// capListener closes the connections over the limit as they are accepted.
type capListener struct {
	net.Listener
	lim     *limiter
	refused func()
}

func (l *capListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.lim.conns.Add(1) > int64(l.lim.l.MaxConns) {
			l.lim.conns.Add(-1)
			c.Close()
			l.refused()
			continue
		}
		return &countedConn{Conn: c, lim: l.lim}, nil
	}
}

type countedConn struct {
	net.Conn
	lim  *limiter
	once sync.Once
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.lim.conns.Add(-1) })
	return err
}

// newServer is the node's HTTP server on ln: the header's time and size
// are bounded here, a body's as it is read (readBody), the answer's by
// each endpoint's write deadline (endpoint).
func (n *Node) newServer() *http.Server {
	return &http.Server{
		Handler:           n.Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(n.log.Handler(), slog.LevelWarn),
	}
}

// reqState is what the limiter knows of one request.
type reqState struct {
	charged int64 // body bytes counted in limiter.buffered
}

type reqStateKey struct{}

// endpoint wraps a handler of the API: the read deadline for the first
// body bytes and the write deadline of its answer, and a body declared
// larger than max refused before a byte of it is read.
func (n *Node) endpoint(max int64, write time.Duration, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		now := time.Now()
		rc.SetReadDeadline(now.Add(n.lim.l.ChunkTimeout))
		rc.SetWriteDeadline(now.Add(write))
		if r.ContentLength > max {
			w.Header().Set("Connection", "close")
			n.fail(w, tooLarge(r, max, r.ContentLength))
			return
		}
		st := &reqState{}
		defer func() { n.lim.buffered.Add(-st.charged) }()
		h(w, r.WithContext(context.WithValue(r.Context(), reqStateKey{}, st)))
	}
}

func tooLarge(r *http.Request, max, declared int64) *protocol.Error {
	if max == 0 {
		return errf(protocol.CodeTooLarge, "%s %s takes no body, and this request carries one", r.Method, r.URL.Path)
	}
	if declared > 0 {
		return errf(protocol.CodeTooLarge, "%s %s takes at most %d bytes; this request declares %d", r.Method, r.URL.Path, max, declared)
	}
	return errf(protocol.CodeTooLarge, "%s %s takes at most %d bytes; this request carries more", r.Method, r.URL.Path, max)
}

// readBody reads the request's body, at most max bytes, as it arrives:
// the read deadline moves on with every BodyChunk bytes (ChunkTimeout
// each, BodyTimeout in all), and the bytes are counted against the node's
// BodyBudget until the request is answered.
func (n *Node) readBody(w http.ResponseWriter, r *http.Request, max int) ([]byte, *protocol.Error) {
	if r.ContentLength > int64(max) {
		w.Header().Set("Connection", "close")
		return nil, tooLarge(r, int64(max), r.ContentLength)
	}
	st, _ := r.Context().Value(reqStateKey{}).(*reqState)
	if st == nil {
		st = &reqState{}
		defer func() { n.lim.buffered.Add(-st.charged) }()
	}
	rc := http.NewResponseController(w)
	start := time.Now()
	end := start.Add(n.lim.l.BodyTimeout)
	deadline := func() {
		d := time.Now().Add(n.lim.l.ChunkTimeout)
		if d.After(end) {
			d = end
		}
		rc.SetReadDeadline(d)
	}
	deadline()
	body := http.MaxBytesReader(w, r.Body, int64(max))
	first := BodyChunk
	if r.ContentLength >= 0 && r.ContentLength < int64(first) {
		first = int(r.ContentLength) + 1 // +1: the read that says EOF
	}
	buf := make([]byte, 0, first)
	next := BodyChunk
	for {
		if len(buf) == cap(buf) {
			grow := min(cap(buf), 1<<20)
			buf = append(buf, make([]byte, grow)...)[:len(buf)]
		}
		k, err := body.Read(buf[len(buf):cap(buf)])
		if k > 0 {
			if n.lim.buffered.Add(int64(k)) > n.lim.l.BodyBudget {
				n.lim.buffered.Add(int64(-k))
				w.Header().Set("Connection", "close")
				return nil, &protocol.Error{Code: protocol.CodeUnavailable, RetryAfter: retryOverloaded * time.Second,
					Message: fmt.Sprintf("node %s is receiving too much at once (%d KiB of requests under way): send it again in a few seconds", n.cfg.ID, n.lim.l.BodyBudget>>10)}
			}
			st.charged += int64(k)
			buf = buf[:len(buf)+k]
			if len(buf) >= next {
				next += BodyChunk
				deadline()
			}
		}
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			var mb *http.MaxBytesError
			switch {
			case errors.As(err, &mb):
				return nil, tooLarge(r, int64(max), -1)
			case errors.Is(err, os.ErrDeadlineExceeded):
				if time.Now().Before(end) {
					return nil, errf(protocol.CodeMalformed, "the request's body came slower than %d KiB in %s (%d bytes in %s): send it again when the link is better",
						BodyChunk>>10, n.lim.l.ChunkTimeout, len(buf), time.Since(start).Round(time.Second))
				}
				return nil, errf(protocol.CodeMalformed, "the request's body did not arrive whole within %s (%d bytes): send it again when the link is better",
					n.lim.l.BodyTimeout, len(buf))
			}
			return nil, errf(protocol.CodeMalformed, "reading the request: %v (send it again)", err)
		}
	}
}

// admit lets a request whose body is read be worked on: at most
// PerDevice at once for device (when not ""), at most MaxInFlight in all,
// waiting InFlightWait for a place. On a refusal it has answered; else the
// caller calls release when done.
func (n *Node) admit(w http.ResponseWriter, device string) (release func(), ok bool) {
	l := n.lim
	if device != "" {
		l.mu.Lock()
		if l.devices[device] >= l.l.PerDevice {
			l.mu.Unlock()
			n.fail(w, &protocol.Error{Code: protocol.CodeBusy, RetryAfter: retryBusy * time.Second,
				Message: fmt.Sprintf("device %s already has %d requests under way at node %s: wait for them, then send this again", device, l.l.PerDevice, n.cfg.ID)})
			return nil, false
		}
		l.devices[device]++
		l.mu.Unlock()
	}
	done := func() {
		if device == "" {
			return
		}
		l.mu.Lock()
		if l.devices[device]--; l.devices[device] <= 0 {
			delete(l.devices, device)
		}
		l.mu.Unlock()
	}
	select {
	case l.inflight <- struct{}{}:
	default:
		t := time.NewTimer(l.l.InFlightWait)
		defer t.Stop()
		select {
		case l.inflight <- struct{}{}:
		case <-t.C:
			done()
			n.fail(w, &protocol.Error{Code: protocol.CodeUnavailable, RetryAfter: retryBusy * time.Second,
				Message: fmt.Sprintf("node %s is working on %d requests already: send this again in a moment", n.cfg.ID, l.l.MaxInFlight)})
			return nil, false
		}
	}
	if l.l.hold != nil {
		l.l.hold(device)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			<-l.inflight
			done()
		})
	}, true
}

// retryAfter is the Retry-After header of a retryable refusal, in whole
// seconds (at least 1).
func retryAfter(e *protocol.Error) string {
	s := int((e.RetryAfter + time.Second - 1) / time.Second)
	if s < 1 {
		s = retryUnavailable
	}
	return strconv.Itoa(s)
}
