package cert_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/crypto/keyring"
)

func TestNodeCertificate(t *testing.T) {
	d := mustDistrict(t, "Cụm Mèo Vạc")
	other := mustDistrict(t, "Cụm Đồng Văn")
	c := mustNodeCredential(t, d, "n1", 7).Cert
	if err := c.Verify(d.Public(), now); err != nil {
		t.Fatal(err)
	}
	got, err := cert.ParseNodeCertificate(mustText(t, c))
	if err != nil || !bytes.Equal(mustBinary(t, got), mustBinary(t, c)) {
		t.Fatalf("text round trip: %v", err)
	}
	if err := c.Verify(other.Public(), now); !errors.Is(err, cert.ErrWrongDistrict) {
		t.Errorf("another district's node: %v", err)
	}
	if err := c.Verify(d.Public(), now.Add(3*year)); !errors.Is(err, cert.ErrExpired) {
		t.Errorf("after its validity: %v", err)
	}
	if err := c.Verify(d.Public(), now.Add(-2*time.Hour)); !errors.Is(err, cert.ErrNotYetValid) {
		t.Errorf("before its validity: %v", err)
	}
	// Any bit of the signed part changed breaks the signature (or the
	// parse).
	b := mustBinary(t, c)
	for i := 4 * 8; i < (len(b)-64)*8; i += 37 {
		if p, err := cert.ParseNodeCertificate(flipBit(b, i)); err == nil && p.Verify(d.Public(), now) == nil {
			t.Fatalf("bit %d flipped: still verifies", i)
		}
	}
	// The same fields signed by another district's key, claiming this
	// district, do not verify.
	forged, err := cert.IssueNode(c.Node, year, 7, other, now)
	if err != nil {
		t.Fatal(err)
	}
	forged.District, forged.DistrictKeyID = c.District, c.DistrictKeyID
	if err := forged.Verify(d.Public(), now); !errors.Is(err, cert.ErrBadSignature) {
		t.Errorf("forged: %v", err)
	}
}

func TestNodeRevokedBySerial(t *testing.T) {
	d := mustDistrict(t, "Cụm Mèo Vạc")
	c := mustNodeCredential(t, d, "n2", 12).Cert
	empty, err := cert.NewRevocationList(d)
	if err != nil {
		t.Fatal(err)
	}
	if err := empty.CheckSerial(c.Serial, "n2"); err != nil {
		t.Fatal(err)
	}
	l := mustRevoke(t, empty, cert.Revoked{Serial: c.Serial, Reason: "máy chủ bị lấy cắp", At: now}, d)
	err = l.CheckSerial(c.Serial, "n2")
	if !errors.Is(err, cert.ErrRevoked) {
		t.Fatalf("revoked serial: %v", err)
	}
	t.Log(err)
	if err := l.CheckSerial(13, "n3"); err != nil {
		t.Errorf("another serial: %v", err)
	}
}

func TestVerifyNodeTLS(t *testing.T) {
	d := mustDistrict(t, "Cụm Mèo Vạc")
	cr := mustNodeCredential(t, d, "n1", 7)
	p, err := cert.VerifyNodeTLS([][]byte{cr.TLS}, d.Public(), x509.ExtKeyUsageServerAuth, now, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != "n1" || p.Serial != 7 || !bytes.Equal(p.Key, cr.Node.Sign.Public().(ed25519.PublicKey)) {
		t.Fatalf("peer %+v", p)
	}
	if _, err := cert.VerifyNodeTLS([][]byte{cr.TLS}, d.Public(), x509.ExtKeyUsageClientAuth, now, 0); err != nil {
		t.Errorf("client use: %v", err)
	}
	if _, err := cert.VerifyNodeTLS([][]byte{cr.TLS}, d.Public(), x509.ExtKeyUsageServerAuth, now.Add(3*year), time.Hour); !errors.Is(err, cert.ErrExpired) {
		t.Errorf("expired: %v", err)
	}
	// Another district's node, and a stranger's self-signed certificate
	// with the same names, are refused.
	other := mustNodeCredential(t, mustDistrict(t, "Cụm Mèo Vạc"), "n1", 7)
	if _, err := cert.VerifyNodeTLS([][]byte{other.TLS}, d.Public(), x509.ExtKeyUsageServerAuth, now, 0); !errors.Is(err, cert.ErrBadSignature) {
		t.Errorf("another district of the same name: %v", err)
	} else {
		t.Log(err)
	}
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "n1"}, DNSNames: []string{cert.TLSServerName},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(year), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cert.VerifyNodeTLS([][]byte{der}, d.Public(), x509.ExtKeyUsageServerAuth, now, 0); !errors.Is(err, cert.ErrBadSignature) {
		t.Errorf("self-signed stranger: %v", err)
	}
	if _, err := cert.VerifyNodeTLS(nil, d.Public(), x509.ExtKeyUsageServerAuth, now, 0); err == nil {
		t.Error("no certificate accepted")
	}
	if _, err := cert.VerifyNodeTLS([][]byte{[]byte("not DER")}, d.Public(), x509.ExtKeyUsageServerAuth, now, 0); !errors.Is(err, cert.ErrMalformed) {
		t.Errorf("garbage: %v", err)
	}
}

func TestNodeCredentialWrap(t *testing.T) {
	d := mustDistrict(t, "Cụm Mèo Vạc")
	if _, err := d.NewBatchKey(); err != nil {
		t.Fatal(err)
	}
	cr := mustNodeCredential(t, d, "n1", 7)
	if len(cr.Batch) != 2 || cr.Batch[1].Gen != 1 {
		t.Fatalf("batch keys %+v", cr.Batch)
	}
	w, err := cr.Wrap([]byte("mật khẩu của nút một"), keyring.MinWorkFactor)
	if err != nil {
		t.Fatal(err)
	}
	got, err := cert.UnwrapNodeCredential(w, []byte("mật khẩu của nút một"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Node.ID != "n1" || !got.Node.Sign.Equal(cr.Node.Sign) || got.Cert.Serial != 7 || len(got.Batch) != 2 || got.Batch[1].Age.String() != cr.Batch[1].Age.String() {
		t.Fatalf("unwrapped %+v", got)
	}
	if _, err := cert.UnwrapNodeCredential(w, []byte("mật khẩu khác hẳn")); !errors.Is(err, keyring.ErrWrongPassphrase) {
		t.Errorf("wrong passphrase: %v", err)
	}
	// A credential whose certificate is of another node's keys is refused.
	bad := *cr
	bad.Cert = mustNodeCredential(t, d, "n1", 8).Cert
	if _, err := bad.MarshalBinary(); err == nil {
		t.Error("mismatched certificate accepted")
	}
	bad = *cr
	bad.TLS = mustNodeCredential(t, d, "n1", 7).TLS
	if _, err := bad.MarshalBinary(); err == nil {
		t.Error("mismatched TLS certificate accepted")
	}
}

func TestBatchKeyRollout(t *testing.T) {
	d := mustDistrict(t, "Cụm Mèo Vạc")
	n1, n2, n3 := mustNodeCredential(t, d, "n1", 1), mustNodeCredential(t, d, "n2", 2), mustNodeCredential(t, d, "n3", 3)
	r, k := mustRollout(t, d, n1, n2)
	if k.Gen != 1 {
		t.Fatalf("generation %d", k.Gen)
	}
	b := mustBinary(t, r)
	r, err := cert.ParseBatchKeyRollout(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Verify(d.Public()); err != nil {
		t.Fatal(err)
	}
	if kid := r.Key.KeyID(d.Public()); kid != identity.BatchKeyID(k.Recipient(), d.Public().SignKey) || kid == d.Public().KeyID {
		t.Errorf("key ID %s", kid)
	}
	for _, n := range []*cert.NodeCredential{n1, n2} {
		got, err := r.Open(n.Node)
		if err != nil || got.Gen != 1 || got.Age.String() != k.Age.String() {
			t.Fatalf("%s: %v", n.Node.ID, err)
		}
	}
	// The node left out cannot open it.
	if _, err := r.Open(n3.Node); !errors.Is(err, cert.ErrNotARecipient) {
		t.Fatalf("node left out: %v", err)
	} else {
		t.Log(err)
	}
	// Changed sealed bytes, or a rollout signed by another district, do
	// not verify.
	r2 := *r
	r2.Sealed = append(bytes.Clone(r.Sealed[:len(r.Sealed)-1]), r.Sealed[len(r.Sealed)-1]^1)
	if err := r2.Verify(d.Public()); !errors.Is(err, cert.ErrBadSignature) {
		t.Errorf("changed sealed part: %v", err)
	}
	other := mustDistrict(t, "Cụm Mèo Vạc")
	ro, _ := mustRollout(t, other, mustNodeCredential(t, other, "n1", 1))
	if err := ro.Verify(d.Public()); !errors.Is(err, cert.ErrWrongDistrict) {
		t.Errorf("another district's rollout: %v", err)
	}
	if _, err := cert.AnnounceBatchKey(identity.BatchKey{Gen: 0, Age: d.Age}, d, now); err == nil {
		t.Error("generation 0 announced")
	}
}

func TestRootOnlineCredential(t *testing.T) {
	d := mustDistrict(t, "Cụm Mèo Vạc")
	a, err := cert.RootOnlineCredential(d, "n1", now)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := cert.RootOnlineCredential(d, "n1", now.Add(30*24*time.Hour))
	if !bytes.Equal(mustBinary(t, a), mustBinary(t, b)) {
		t.Error("two starts in one year made different credentials")
	}
	if err := a.Cert.Verify(d.Public(), now); err != nil {
		t.Fatal(err)
	}
	if _, err := cert.VerifyNodeTLS([][]byte{a.TLS}, d.Public(), x509.ExtKeyUsageServerAuth, now, 0); err != nil {
		t.Fatal(err)
	}
	c, _ := cert.RootOnlineCredential(d, "n2", now)
	if c.Cert.Serial == a.Cert.Serial || c.Node.Public().KeyID() == a.Node.Public().KeyID() {
		t.Error("two nodes share a serial or keys")
	}
}
