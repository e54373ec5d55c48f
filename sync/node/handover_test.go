package node

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/outbox"
	"github.com/communekit/communekit/sync/protocol"
)

// successorCert signs, as the district, a certificate for a new device
// that replaces old, for communes and role.
func successorCert(t *testing.T, d *identity.District, old *cert.Certificate, role cert.Role, communes ...string) (*identity.Device, *cert.Certificate) {
	t.Helper()
	dev, err := identity.NewDevice(string(storage.NewDeviceID()))
	if err != nil {
		t.Fatal(err)
	}
	req, err := cert.NewSuccessorRequest(dev, old.Officer, communes, old.Device.ID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c, err := cert.Sign(req, role, nil, 24*time.Hour, uint64(time.Now().UnixNano()), d, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return dev, c
}

func postCertificate(t *testing.T, url string, d *identity.District, c *cert.Certificate) (int, []byte) {
	t.Helper()
	cb, _ := c.MarshalBinary()
	return signedDo(t, http.MethodPost, url, protocol.PathCertificate, cb, districtSigner(d))
}

// The district takes a successor only as the old device served, and one
// only; then the old device's own batches are refused with the reason, and
// what the successor carries over is checked as the old device's: a
// change outside its communes is refused like any device's.
func TestHandover_DistrictChecksTheSuccessorAndWhatItCarries(t *testing.T) {
	c := newTestCluster(t, 1, nil)
	n := c.leader()
	lan := newDevice(t, c.d, "00769", "Nguyễn Thị Lan", cert.RoleOfficer)
	lan.register(t, n.Addr())
	lan.add(t, 2)
	lan.pushAll(t, c, n.Addr())
	old := lan.cert.Device.ID

	// Another scope, or another role: refused, nothing retired.
	_, wide := successorCert(t, c.d, lan.cert, cert.RoleOfficer, "00769", "12472")
	if st, b := postCertificate(t, n.Addr(), c.d, wide); st == http.StatusNoContent || !strings.Contains(string(b), "does not serve as it did") {
		t.Fatalf("a successor of wider scope: %d %s", st, b)
	}
	_, sup := successorCert(t, c.d, lan.cert, cert.RoleSupervisor, "00769")
	if st, b := postCertificate(t, n.Addr(), c.d, sup); st == http.StatusNoContent || !strings.Contains(string(b), "does not serve as it did") {
		t.Fatalf("a supervisor succeeding an officer: %d %s", st, b)
	}
	if h, _ := n.fsm.handover(old); h != nil {
		t.Fatalf("retired by a refused successor: %+v", h)
	}
	// The right one: the old device is retired, once.
	newDev, succ := successorCert(t, c.d, lan.cert, cert.RoleOfficer, "00769")
	if st, b := postCertificate(t, n.Addr(), c.d, succ); st != http.StatusNoContent {
		t.Fatalf("the successor: %d %s", st, b)
	}
	h, err := n.fsm.handover(old)
	if err != nil || h == nil || h.New != newDev.ID || !strings.Contains(h.Reason, "replaced by device "+newDev.ID) {
		t.Fatalf("hand-over %+v %v", h, err)
	}
	_, second := successorCert(t, c.d, lan.cert, cert.RoleOfficer, "00769")
	if st, b := postCertificate(t, n.Addr(), c.d, second); st == http.StatusNoContent || !strings.Contains(string(b), "replaced already") {
		t.Fatalf("a second successor: %d %s", st, b)
	}

	// The old laptop goes on: refused, with the reason.
	lan.add(t, 1)
	for _, ob := range lan.seal(t) {
		st, b := post(t, n.Addr(), protocol.PathPush, ob.Sealed)
		if st != http.StatusForbidden || !strings.Contains(string(b), `"code":"revoked"`) || !strings.Contains(string(b), "replaced by device "+newDev.ID) {
			t.Fatalf("the old device's push: %d %s", st, b)
		}
	}

	// A hostile successor carries a person of another commune as the old
	// device's: refused as out of the old device's scope.
	head := handoverHead(t, n, old, newDev)
	scratch, err := storage.Create(filepath.Join(t.TempDir(), "scratch"), []byte(testPass),
		storage.Profile{Commune: "12472", Officer: lan.cert.Officer, Device: storage.DeviceID(old)}, storage.Options{WorkFactor: 10, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer scratch.Close()
	for range head.LastOp + 1 {
		if _, err := scratch.AddPerson(storage.Values{storage.FieldFullName: "Kẻ Lạ", storage.FieldBirthDate: "1980", storage.FieldSex: "Nam",
			storage.FieldEthnicity: "01", storage.FieldPermanentAddressCode: "12472"}, storage.SaveOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	ops, err := scratch.Unbatched(0)
	if err != nil {
		t.Fatal(err)
	}
	z := &outbox.Sealer{Device: newDev, District: c.d.Public()}
	var prev [32]byte
	hb, _ := hex.DecodeString(head.Hash)
	copy(prev[:], hb)
	sealed, err := z.SealCarried(old, head.Batch+1, prev, ops[head.LastOp:])
	if err != nil {
		t.Fatal(err)
	}
	st, b := post(t, n.Addr(), protocol.PathPush, sealed)
	if st != http.StatusForbidden || !strings.Contains(string(b), `"code":"out_of_scope"`) {
		t.Fatalf("a carried change of another commune: %d %s", st, b)
	}
	// The old device's chain did not move.
	if again := handoverHead(t, n, old, newDev); again.LastOp != head.LastOp || again.Batch != head.Batch {
		t.Fatalf("the old chain moved: %+v -> %+v", head, again)
	}
}

// handoverHead asks the node, as the successor, where the old device's
// chain stands.
func handoverHead(t *testing.T, n *Node, old string, succ *identity.Device) protocol.Handover {
	t.Helper()
	st, b := signedDo(t, http.MethodGet, n.Addr(), protocol.PathHandover+old, nil, signer{name: protocol.SignerDevice(succ.ID), key: succ.Sign})
	var h protocol.Handover
	if st != http.StatusOK || json.Unmarshal(b, &h) != nil || h.Old != old || h.New != succ.ID {
		t.Fatalf("hand-over head: %d %s", st, b)
	}
	return h
}

// A restored backup, enrolled as the successor, carries the old device's
// unsent operations over in as many batches as its sealer makes (one
// operation each here), then its own; a second sync sends nothing.
func TestHandover_RestoredBackupCarriesOverInSeveralBatches(t *testing.T) {
	c := newTestCluster(t, 3, nil)
	n := c.nodes[1]
	lan := newDevice(t, c.d, "00769", "Nguyễn Thị Lan", cert.RoleOfficer)
	lan.register(t, n.Addr())
	lan.add(t, 2)
	syncOK(t, n.Addr(), lan)
	lan.add(t, 3)
	file := filepath.Join(t.TempDir(), "lan.ckpbak")
	if _, err := lan.s.BackupProfile(file, []byte(testPass)); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "new")
	_, err = storage.RestoreProfile(f, dir, []byte(testPass), storage.RestoreOptions{Force: true})
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	s, err := storage.Open(dir, []byte(testPass), storage.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	old, err := outbox.SuccessorOf(s)
	if err != nil || old != lan.cert.Device.ID {
		t.Fatalf("the restored profile replaces %q (%v)", old, err)
	}
	req, err := cert.NewSuccessorRequest(s.DeviceKeys(), s.Profile().Officer, []string{"00769"}, old, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	sc, err := cert.Sign(req, cert.RoleOfficer, nil, 24*time.Hour, uint64(time.Now().UnixNano()), c.d, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := outbox.Install(s, sc, c.d.Public(), time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddPerson(storage.Values{storage.FieldFullName: "Sùng Thị Mai", storage.FieldBirthDate: "2001", storage.FieldSex: "Nữ",
		storage.FieldEthnicity: "01", storage.FieldPermanentAddressCode: "00769"}, storage.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	succ := &device{s: s, cert: sc}
	cl := &client.Client{Node: n.Addr(), Store: s, MaxOps: 1, Retry: client.Backoff{Base: 50 * time.Millisecond, Max: 500 * time.Millisecond, Attempts: 20}}
	res, err := cl.Sync(context.Background())
	if err != nil || res.Carried != 6 || res.PushedOps != 1 || res.Pending != 0 {
		t.Fatalf("the successor's sync: %+v %v", res, err)
	}
	if h, _ := s.Handover(); h.State != storage.HandoverDone {
		t.Fatalf("hand-over %+v", h)
	}
	if res := syncOK(t, c.nodes[2].Addr(), succ); res.Carried != 0 || res.Pushed != 0 {
		t.Fatalf("the second sync: %+v", res)
	}
	c.converged()
	head := handoverHead(t, c.nodes[0], old, s.DeviceKeys())
	// Each person came with a household: 4 operations in batch 1, then 6
	// carried one a batch.
	if head.LastOp != 10 || head.Batch != 7 {
		t.Fatalf("the old chain: %+v (want operation 10 in batch 7)", head)
	}
	for _, nd := range c.nodes {
		if p, h, err := nd.Store().Counts(); err != nil || p != 6 || h != 5 {
			t.Fatalf("node %s holds %d persons and %d households (%v), want 6 and 5", nd.cfg.ID, p, h, err)
		}
	}
}
