package cert_test

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"

	"github.com/communekit/communekit/crypto/cert"
)

// A browser trusts a node it reaches by address once the district's
// browser CA is imported: the CA is the same wherever it is made, the
// node's certificate chains to it for the hosts the office named (and no
// other), and a credential carries it through its file.
func TestBrowserCertificate(t *testing.T) {
	d := mustDistrict(t, "Cụm Đồng Văn")
	ca1, err := cert.BrowserCAPEM(d)
	if err != nil {
		t.Fatal(err)
	}
	ca2, _ := cert.BrowserCAPEM(d)
	if !bytes.Equal(ca1, ca2) {
		t.Fatal("the browser CA differs between two makings")
	}
	other, _ := cert.BrowserCAPEM(mustDistrict(t, "Cụm khác"))
	if bytes.Equal(ca1, other) {
		t.Fatal("two districts share a browser CA")
	}
	cr := mustNodeCredential(t, d, "n1", 9)
	if err := cr.IssueBrowserCertificate(d, []string{"10.0.0.5", "tk.huyen.example", "[::1]"}); err != nil {
		t.Fatal(err)
	}
	if err := cr.IssueBrowserCertificate(d, []string{"bad host!"}); err == nil {
		t.Error("a host with a space and ! accepted")
	}
	w, err := cr.Wrap([]byte("mật khẩu của nút một"), 10)
	if err != nil {
		t.Fatal(err)
	}
	got, err := cert.UnwrapNodeCredential(w, []byte("mật khẩu của nút một"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Browser, cr.Browser) || !got.BrowserKey.Equal(cr.BrowserKey) {
		t.Fatal("the browser certificate did not come back from the file")
	}
	block, _ := pem.Decode(ca1)
	root, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(root)
	leaf, err := x509.ParseCertificate(got.Browser)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now()
	for _, h := range []string{"10.0.0.5", "tk.huyen.example", "::1", "communekit-node"} {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: h, CurrentTime: at}); err != nil {
			t.Errorf("%s: %v", h, err)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "10.0.0.6", CurrentTime: at}); err == nil {
		t.Error("the certificate verified for a host it was not made for")
	}
	if hs := got.BrowserHosts(); len(hs) != 3 {
		t.Errorf("hosts %v", hs)
	}
	// Without one, the credential is written as before (version 1).
	plain := mustNodeCredential(t, d, "n2", 10)
	b, err := plain.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("CKNODCRD\x01")) {
		t.Errorf("a credential without a browser certificate starts %q", b[:9])
	}
	if back, err := cert.ParseNodeCredential(b); err != nil || back.Browser != nil {
		t.Errorf("version 1: %v", err)
	}
	// A browser certificate of another key is refused.
	bad := *got
	bad.BrowserKey = cr.BrowserKey
	other2 := mustNodeCredential(t, d, "n1", 9)
	other2.IssueBrowserCertificate(d, []string{"10.0.0.5"})
	bad.Browser = other2.Browser
	if _, err := bad.MarshalBinary(); err == nil {
		t.Error("a browser certificate of another key accepted")
	}
}
