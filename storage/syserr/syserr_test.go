package syserr_test

import (
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/communekit/communekit/storage/syserr"
)

// TestRefused_ARealConnection: a connection to a port nothing listens on
// is told refused, on unix and on Windows (whose refusal is
// WSAECONNREFUSED, which syscall.ECONNREFUSED does not match there).
func TestRefused_ARealConnection(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, err = net.DialTimeout("tcp", addr, 5*time.Second)
	if err == nil {
		t.Skip("something else listens there now")
	}
	if !syserr.Refused(err) || syserr.Dropped(err) || syserr.NoRoute(err) || syserr.DiskFull(err) {
		t.Fatalf("dialing a closed port: %v (%#v)", err, errors.Unwrap(err))
	}
}

// TestDropped_ARealConnection: a connection the other end resets is told
// dropped.
func TestDropped_ARealConnection(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		io.ReadFull(c, make([]byte, 5))
		c.(*net.TCPConn).SetLinger(0) // close with a reset
		c.Close()
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("hello"))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = c.Read(make([]byte, 1))
	if errors.Is(err, io.EOF) {
		t.Skip("the reset arrived as an end of file")
	}
	if !syserr.Dropped(err) || syserr.Refused(err) {
		t.Fatalf("a reset connection: %v (%#v)", err, errors.Unwrap(err))
	}
}

// TestNone_OtherErrors: other errors, and nil, are none of these.
func TestNone_OtherErrors(t *testing.T) {
	_, err := os.Open(filepath.Join(t.TempDir(), "không có"))
	for _, e := range []error{nil, err, io.EOF, errors.New("khác")} {
		if syserr.Refused(e) || syserr.Dropped(e) || syserr.NoRoute(e) || syserr.DiskFull(e) || syserr.ReadOnlyDisk(e) {
			t.Errorf("%v classified", e)
		}
	}
}
