package registry_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/batch"
	"github.com/communekit/communekit/sync/outbox"
	"github.com/communekit/communekit/sync/registry"
)

func TestAccept_SequenceDuplicateReplayGap(t *testing.T) {
	dev, reg := mustEnrolled(t)
	mustImport(t, dev, 30)
	z, _ := outbox.SealerFor(dev, 10)
	bs, err := z.Seal(dev)
	if err != nil || len(bs) < 3 {
		t.Fatalf("%d batches, %v", len(bs), err)
	}
	// Batch 2 before batch 1: a gap, naming the batch expected.
	_, err = reg.Accept(bs[1].Sealed)
	var se *registry.SequenceError
	if !errors.As(err, &se) || se.Expected != 1 || !errors.Is(err, registry.ErrGap) {
		t.Fatalf("batch 2 first: %v", err)
	}
	for _, b := range bs[:2] {
		if a, err := reg.Accept(b.Sealed); err != nil || a.Duplicate {
			t.Fatalf("batch %d: %+v %v", b.N, a, err)
		}
	}
	// The same batch again is a duplicate, not an error.
	for _, b := range bs[:2] {
		if a, err := reg.Accept(b.Sealed); err != nil || !a.Duplicate {
			t.Fatalf("batch %d again: %+v %v", b.N, a, err)
		}
	}
	// Another batch under a used number — sealed by the same device, signed
	// and valid — is a replay.
	h2, err := batch.ParseHeader(bs[1].Sealed)
	if err != nil {
		t.Fatal(err)
	}
	forged := mustSealAs(t, dev, reg, h2, bs[2])
	if _, err := reg.Accept(forged); !errors.Is(err, registry.ErrReplay) {
		t.Fatalf("second batch 2: %v", err)
	}
	if _, err := reg.Accept(bs[2].Sealed); err != nil {
		t.Fatalf("batch 3 after the replay was refused: %v", err)
	}
}

func TestDownload_SealedToTheDevice(t *testing.T) {
	dev, reg := mustEnrolled(t)
	mustImport(t, dev, 2)
	ops, _ := dev.Unbatched(0)
	d := reg.Keys()
	pub := dev.DeviceKeys().Public()
	rcpt, _ := age.ParseX25519Recipient(pub.AgeRecipient)
	down, err := batch.Seal(ops, batch.SealOptions{Header: batch.Header{Sender: reg.Public().KeyID, Seq: 1, RecipientKeyID: pub.KeyID()}, Recipient: rcpt, SignKey: d.Sign})
	if err != nil {
		t.Fatal(err)
	}
	o, err := outbox.DeviceOpener(dev)
	if err != nil {
		t.Fatal(err)
	}
	b, err := o.Open(down)
	if err != nil || len(b.Ops) != len(ops) {
		t.Fatalf("device opens the download: %v", err)
	}
	// The district cannot open what was sealed to the device, and a device
	// refuses a batch signed by anyone but its district.
	if _, err := reg.Opener().Open(down); !errors.Is(err, batch.ErrWrongRecipient) {
		t.Fatalf("district opened a download: %v", err)
	}
	z, _ := outbox.SealerFor(dev, 0)
	up, _ := z.Seal(dev)
	if _, err := o.Open(up[0].Sealed); err == nil {
		t.Fatal("a device opened an upload")
	}
}

// mustSealAs seals b's operations under header h with dev's keys.
func mustSealAs(t *testing.T, dev *storage.Store, reg *registry.Registry, h batch.Header, b *storage.OutBatch) []byte {
	t.Helper()
	opened, err := reg.Opener().Open(b.Sealed)
	if err != nil {
		t.Fatal(err)
	}
	rcpt, _ := age.ParseX25519Recipient(reg.Public().AgeRecipient)
	for _, op := range opened.Ops {
		op.Reason = "forged"
	}
	sealed, err := batch.Seal(opened.Ops, batch.SealOptions{Header: h, Recipient: rcpt, SignKey: dev.DeviceKeys().Sign})
	if err != nil {
		t.Fatal(err)
	}
	return sealed
}

func mustEnrolled(t *testing.T) (*storage.Store, *registry.Registry) {
	t.Helper()
	dev := mustProfile(t, storage.Profile{Commune: "00769", Officer: "Nguyễn Thị Lan"})
	dist := mustProfile(t, storage.Profile{Kind: storage.KindDistrict, District: "Cụm Mèo Vạc"})
	reg, err := registry.Open(dist, nil)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := cert.NewRequest(dev.DeviceKeys(), "Nguyễn Thị Lan", []string{"00769"}, time.Now())
	c, err := reg.Sign(req, cert.RoleOfficer, nil, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if c.Serial != 1 {
		t.Fatalf("first serial %d", c.Serial)
	}
	if err := outbox.Install(dev, c, reg.Public(), time.Now()); err != nil {
		t.Fatal(err)
	}
	return dev, reg
}

func mustProfile(t *testing.T, p storage.Profile) *storage.Store {
	t.Helper()
	s, err := storage.Create(filepath.Join(t.TempDir(), "p"), []byte("pass"), p, storage.Options{WorkFactor: 10, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func mustImport(t *testing.T, s *storage.Store, n int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("full_name,birth_date,sex,ethnicity\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "Giàng A Páo,%d,Nam,H'Mông\n", 1950+i)
	}
	if rep, err := s.ImportPersons(strings.NewReader(b.String()), storage.ImportOptions{}); err != nil || rep.Imported != n {
		t.Fatalf("import: %+v %v", rep, err)
	}
}

func TestOpener_RefusesExpiredAndUnknownDevices(t *testing.T) {
	dev, reg := mustEnrolled(t) // certificate valid 24 h
	mustImport(t, dev, 1)
	z, _ := outbox.SealerFor(dev, 0)
	bs, err := z.Seal(dev)
	if err != nil {
		t.Fatal(err)
	}
	later, err := registry.Open(reg.Store(), func() time.Time { return time.Now().Add(48 * time.Hour) })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := later.Opener().Open(bs[0].Sealed); !errors.Is(err, cert.ErrExpired) {
		t.Fatalf("expired certificate: %v", err)
	}
	_, otherReg := mustEnrolled(t)
	if _, err := otherReg.Opener().Open(bs[0].Sealed); !errors.Is(err, batch.ErrWrongRecipient) {
		t.Fatalf("batch for another district: %v", err)
	}
}

// TestSign_RefusesCommunesTheDeviceWouldRefuse: a certificate for no
// commune in force, or without the commune the device was set up for, is
// not signed (the device would refuse it after a trip of the stick), and
// no serial is used up; a supervisor's extra communes are fine.
func TestSign_RefusesCommunesTheDeviceWouldRefuse(t *testing.T) {
	dev, reg := mustEnrolled(t)
	req, _ := cert.NewRequest(dev.DeviceKeys(), "Nguyễn Thị Lan", []string{"00769"}, time.Now())
	for _, communes := range [][]string{{"99999"}, {"00715"}, {"00769", "1234"}} {
		if _, err := reg.Sign(req, cert.RoleOfficer, communes, time.Hour); !errors.Is(err, registry.ErrBadCommunes) {
			t.Errorf("communes %v: %v", communes, err)
		}
	}
	c, err := reg.Sign(req, cert.RoleSupervisor, []string{"00769", "00715"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if c.Serial != 2 {
		t.Errorf("serial %d after refusals, want 2", c.Serial)
	}
}

// A device names its records by the first 8 characters of its ID, which it
// chooses itself: the district does not enrol a second device under a
// colleague's, which would let it create the colleague's records. The same
// device enrolled again is signed as before.
func TestSign_DeviceTagOfAnotherEnrolledDeviceIsRefused(t *testing.T) {
	dev, reg := mustEnrolled(t)
	id := dev.DeviceKeys().ID
	squatter, err := identity.NewDevice(id[:8] + "zzzzzzzz")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := cert.NewRequest(squatter, "Kẻ Xấu", []string{"00769"}, time.Now())
	if _, err := reg.Sign(req, cert.RoleOfficer, nil, 24*time.Hour); err == nil || !strings.Contains(err.Error(), "names its records like device "+id) {
		t.Fatalf("a device under another's tag: %v", err)
	}
	again, _ := cert.NewRequest(dev.DeviceKeys(), "Nguyễn Thị Lan", []string{"00769"}, time.Now())
	if _, err := reg.Sign(again, cert.RoleOfficer, nil, 24*time.Hour); err != nil {
		t.Fatalf("the same device again: %v", err)
	}
}
