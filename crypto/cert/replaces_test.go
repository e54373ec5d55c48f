package cert_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/communekit/communekit/crypto/cert"
)

// A successor's request names the old device, signed; the certificate the
// district signs from it names it too; without it both are as before.
func TestSuccessor_RequestAndCertificateNameTheOldDevice(t *testing.T) {
	district := mustDistrict(t, "Cụm Mèo Vạc")
	dev := mustDevice(t, "aaaaaaaaaaaaaaaa")
	const old = "bbbbbbbbbbbbbbbb"
	r, err := cert.NewSuccessorRequest(dev, "Nguyễn Thị Lan", []string{"00769"}, old, now)
	if err != nil {
		t.Fatal(err)
	}
	text, err := r.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	back, err := cert.ParseRequest(text)
	if err != nil || back.Replaces != old || back.Verify() != nil {
		t.Fatalf("request back: %+v %v", back, err)
	}
	plain := mustRequest(t, dev, "Nguyễn Thị Lan", "00769")
	pb, _ := plain.MarshalBinary()
	rb, _ := r.MarshalBinary()
	if len(rb) != len(pb)+11 {
		t.Fatalf("successor request %d bytes, plain %d", len(rb), len(pb))
	}
	// The old device is signed: changed, the request does not verify.
	forged := bytes.Clone(rb)
	forged[len(forged)-65] ^= 1
	if q, err := cert.ParseRequest(forged); err == nil && q.Verify() == nil {
		t.Fatal("a request naming another old device verified")
	}
	c, err := cert.Sign(back, cert.RoleOfficer, nil, year, 7, district, now)
	if err != nil || c.Replaces != old {
		t.Fatalf("certificate %+v %v", c, err)
	}
	cb, _ := c.MarshalBinary()
	c2, err := cert.ParseCertificate(cb)
	if err != nil || c2.Replaces != old || c2.Verify(district.Public(), now) != nil {
		t.Fatalf("certificate back %+v %v", c2, err)
	}
	// An unknown field before the signature is refused.
	bad := bytes.Clone(cb)
	bad[len(bad)-64-11] = 'Q'
	if _, err := cert.ParseCertificate(bad); !errors.Is(err, cert.ErrMalformed) {
		t.Fatalf("unknown field: %v", err)
	}
	// A device cannot replace itself.
	if _, err := cert.NewSuccessorRequest(dev, "Nguyễn Thị Lan", []string{"00769"}, dev.ID, now); err == nil {
		t.Fatal("a device replacing itself was signed")
	}
}
