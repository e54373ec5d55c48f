package outbox_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/batch"
	"github.com/communekit/communekit/sync/outbox"
	"github.com/communekit/communekit/sync/registry"
)

const pass = "test passphrase"

func TestExport_NumbersChainsAndAcknowledges(t *testing.T) {
	dev, reg := mustEnrolled(t)
	z, err := outbox.SealerFor(dev, 40)
	if err != nil {
		t.Fatal(err)
	}
	mustImport(t, dev, 100) // 100 persons + their households
	made, err := z.Seal(dev)
	if err != nil {
		t.Fatal(err)
	}
	if len(made) < 3 {
		t.Fatalf("%d batches for >100 operations at 40 each", len(made))
	}
	again, err := z.Seal(dev)
	if err != nil || len(again) != 0 {
		t.Fatalf("second seal with nothing new: %d batches, %v", len(again), err)
	}
	op := reg.Opener()
	var prev [32]byte
	var seq uint64
	for i, b := range made {
		if b.N != uint64(i+1) {
			t.Fatalf("batch %d numbered %d", i+1, b.N)
		}
		opened, err := op.Open(b.Sealed)
		if err != nil {
			t.Fatalf("district cannot open batch %d: %v", b.N, err)
		}
		if opened.Header.PrevHash != prev {
			t.Fatalf("batch %d does not chain to the previous one", b.N)
		}
		prev = batch.Hash(b.Sealed)
		for _, o := range opened.Ops {
			seq++
			if o.Seq != seq {
				t.Fatalf("batch %d: operation %d where %d was expected", b.N, o.Seq, seq)
			}
		}
	}
	pending, _ := dev.Pending()
	if pending != seq {
		t.Fatalf("pending %d, sealed %d", pending, seq)
	}
	if err := dev.Acknowledge(2); err != nil {
		t.Fatal(err)
	}
	pending2, _ := dev.Pending()
	if pending2 != seq-made[1].LastSeq {
		t.Fatalf("after receipt for batch 2: pending %d, want %d", pending2, seq-made[1].LastSeq)
	}
	un, _ := dev.Unacknowledged()
	if len(un) != len(made)-2 || un[0].N != 3 {
		t.Fatalf("unacknowledged after receipt 2: %d batches", len(un))
	}
	paths, err := outbox.WriteFiles(filepath.Join(t.TempDir(), "stick"), un)
	if err != nil || len(paths) != len(un) || !strings.HasSuffix(paths[0], "000003.ckb") {
		t.Fatalf("files %v %v", paths, err)
	}
	// New work after a receipt goes into the next number, chained.
	mustImport(t, dev, 1)
	more, err := z.Seal(dev)
	if err != nil || len(more) != 1 || more[0].N != uint64(len(made)+1) {
		t.Fatalf("next batch: %+v %v", more, err)
	}
	if o, err := op.Open(more[0].Sealed); err != nil || o.Header.PrevHash != prev {
		t.Fatalf("next batch does not open or chain: %v", err)
	}
}

func TestExport_RevokedDeviceRefusedByDistrict(t *testing.T) {
	dev, reg := mustEnrolled(t)
	mustImport(t, dev, 3)
	z, _ := outbox.SealerFor(dev, 0)
	made, err := z.Seal(dev)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Revoke(dev.DeviceKeys().ID, "laptop stolen"); err != nil {
		t.Fatal(err)
	}
	_, err = reg.Opener().Open(made[0].Sealed)
	if !errors.Is(err, cert.ErrRevoked) || !errors.Is(err, batch.ErrUnknownSigner) {
		t.Fatalf("revoked device: %v", err)
	}
}

func TestExport_NotEnrolled(t *testing.T) {
	dev := mustProfile(t, storage.Profile{Commune: "00769", Officer: "Lò Văn Minh"})
	if _, err := outbox.SealerFor(dev, 0); !errors.Is(err, outbox.ErrNotEnrolled) {
		t.Fatalf("got %v", err)
	}
}

func mustEnrolled(t *testing.T) (*storage.Store, *registry.Registry) {
	t.Helper()
	dev := mustProfile(t, storage.Profile{Commune: "00769", Officer: "Nguyễn Thị Lan"})
	dist := mustProfile(t, storage.Profile{Kind: storage.KindDistrict, District: "Cụm Mèo Vạc"})
	reg, err := registry.Open(dist, nil)
	if err != nil {
		t.Fatal(err)
	}
	req, err := cert.NewRequest(dev.DeviceKeys(), "Nguyễn Thị Lan", []string{"00769"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c, err := reg.Sign(req, cert.RoleOfficer, nil, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	file, err := outbox.CertificateFile(c, reg.Public())
	if err != nil {
		t.Fatal(err)
	}
	c2, d2, err := outbox.ParseCertificateFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := outbox.Install(dev, c2, d2, time.Now()); err != nil {
		t.Fatal(err)
	}
	return dev, reg
}

func mustProfile(t *testing.T, p storage.Profile) *storage.Store {
	t.Helper()
	s, err := storage.Create(filepath.Join(t.TempDir(), "p"), []byte(pass), p, storage.Options{WorkFactor: 10, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func mustImport(t *testing.T, s *storage.Store, n int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("full_name,birth_date,sex,ethnicity,household_number,relationship_to_head\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "Giàng A Páo,1990,Nam,H'Mông,H%d-%d,Chủ hộ\n", time.Now().UnixNano(), i)
	}
	rep, err := s.ImportPersons(strings.NewReader(b.String()), storage.ImportOptions{})
	if err != nil || rep.Imported != n {
		t.Fatalf("import: %+v %v", rep, err)
	}
}
