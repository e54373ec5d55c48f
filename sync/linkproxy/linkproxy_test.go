package linkproxy

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

func echoServer(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	return ln.Addr().String()
}

func TestProxy_ShapesAndDeliversIntact(t *testing.T) {
	p, err := Listen("127.0.0.1:0", echoServer(t), Shape{BytesPerSecond: 16000, RTT: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msg := bytes.Repeat([]byte("0123456789abcdef"), 1000) // 16 KB
	start := time.Now()
	go c.Write(msg)
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatal("bytes changed on the way")
	}
	// A lower bound only (a link cannot be faster than its shape): 16 KB
	// at 16 KB/s each way, plus the connect and one round trip.
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("16 KB through a 16 KB/s link in %s: the shape is not applied", d)
	}
	if up, down := p.Bytes(); up != int64(len(msg)) || down != int64(len(msg)) {
		t.Errorf("counted %d up, %d down", up, down)
	}
}

func TestProxy_BlockCutsAndRefuses(t *testing.T) {
	p, err := Listen("127.0.0.1:0", echoServer(t), Shape{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("x"))
	b := make([]byte, 1)
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatal(err)
	}
	p.Block()
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Read(b); err == nil {
		t.Error("an open connection survived Block")
	}
	c2, err := net.Dial("tcp", p.Addr())
	if err == nil {
		c2.Write([]byte("y"))
		c2.SetReadDeadline(time.Now().Add(2 * time.Second))
		if n, _ := c2.Read(b); n > 0 {
			t.Error("a new connection got through a blocked proxy")
		}
		c2.Close()
	}
	p.Unblock()
	c3, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close()
	c3.Write([]byte("z"))
	c3.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.ReadFull(c3, b); err != nil || b[0] != 'z' {
		t.Errorf("after Unblock: %q %v", b, err)
	}
}

func TestProxy_SkipsATargetThatIsDown(t *testing.T) {
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := dead.Addr().String()
	dead.Close() // nothing listens there now
	p, err := ListenTargets("127.0.0.1:0", []string{deadAddr, echoServer(t)}, Shape{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for i := 0; i < 3; i++ {
		c, err := net.Dial("tcp", p.Addr())
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("hello"))
		got := make([]byte, 5)
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.ReadFull(c, got); err != nil || string(got) != "hello" {
			t.Fatalf("connection %d: %q, %v: the proxy did not move to the target that answers", i, got, err)
		}
		c.Close()
	}
}

func TestProxy_FaultsRefuseAndCutConnections(t *testing.T) {
	p, err := Listen("127.0.0.1:0", echoServer(t), Shape{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.SetFaults(Faults{Refuse: 0.3, Cut: 0.5, CutWithin: 8 << 10, Seed: 7})
	msg := bytes.Repeat([]byte("x"), 32<<10)
	whole, broken := 0, 0
	for i := 0; i < 40; i++ {
		c, err := net.Dial("tcp", p.Addr())
		if err != nil {
			t.Fatal(err)
		}
		go c.Write(msg)
		got := make([]byte, len(msg))
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err = io.ReadFull(c, got)
		c.Close()
		switch {
		case err == nil && bytes.Equal(got, msg):
			whole++
		case err == nil:
			t.Fatal("a connection delivered changed bytes")
		default:
			broken++
		}
	}
	// The proxy counts a fault once both its pipes are done, which may
	// be after the client saw it (seen under wine): closed first, it has
	// counted every connection.
	p.Close()
	refused, cut := p.Faulted()
	if whole == 0 || broken == 0 || refused == 0 || cut == 0 {
		t.Errorf("40 connections: %d whole, %d broken, %d refused, %d cut; want some of each", whole, broken, refused, cut)
	}
	if int64(broken) != refused+cut {
		t.Errorf("%d broken connections but %d refused + %d cut", broken, refused, cut)
	}
}
