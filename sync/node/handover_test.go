package node

import (
	"encoding/hex"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/storage"
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
