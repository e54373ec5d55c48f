package cert_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
)

// now is the fixed clock of the tests.
var now = time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)

const year = 365 * 24 * time.Hour

// flipBit returns b with bit i (counting from the first byte's low bit)
// inverted.
func flipBit(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i/8] ^= 1 << (i % 8)
	return c
}

func mustDevice(t testing.TB, id string) *identity.Device {
	t.Helper()
	d, err := identity.NewDevice(id)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func mustDistrict(t testing.TB, name string) *identity.District {
	t.Helper()
	d, err := identity.NewDistrict(name)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func mustRequest(t testing.TB, d *identity.Device, officer string, communes ...string) *cert.Request {
	t.Helper()
	r, err := cert.NewRequest(d, officer, communes, now)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// mustEnrol makes a device for officer, and its certificate from district
// for one year from now.
func mustEnrol(t testing.TB, district *identity.District, deviceID, officer string, serial uint64, communes ...string) *cert.Certificate {
	t.Helper()
	r := mustRequest(t, mustDevice(t, deviceID), officer, communes...)
	c, err := cert.Sign(r, cert.RoleOfficer, nil, year, serial, district, now)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustBinary(t testing.TB, m interface{ MarshalBinary() ([]byte, error) }) []byte {
	t.Helper()
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustText(t testing.TB, m interface{ MarshalText() ([]byte, error) }) []byte {
	t.Helper()
	b, err := m.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustRevoke(t testing.TB, l *cert.RevocationList, e cert.Revoked, d *identity.District) *cert.RevocationList {
	t.Helper()
	next, err := l.Revoke(e, d)
	if err != nil {
		t.Fatal(err)
	}
	return next
}

func mustNodeCredential(t testing.TB, d *identity.District, id string, serial uint64) *cert.NodeCredential {
	t.Helper()
	c, err := cert.IssueNodeCredential(d, id, serial, year, now)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// mustRollout makes the next batch key of d and its rollout to the nodes.
func mustRollout(t testing.TB, d *identity.District, nodes ...*cert.NodeCredential) (*cert.BatchKeyRollout, identity.BatchKey) {
	t.Helper()
	k, err := d.NewBatchKey()
	if err != nil {
		t.Fatal(err)
	}
	a, err := cert.AnnounceBatchKey(k, d, now)
	if err != nil {
		t.Fatal(err)
	}
	var certs []*cert.NodeCertificate
	for _, n := range nodes {
		certs = append(certs, n.Cert)
	}
	r, err := cert.NewBatchKeyRollout(k, a, certs, d)
	if err != nil {
		t.Fatal(err)
	}
	return r, k
}
