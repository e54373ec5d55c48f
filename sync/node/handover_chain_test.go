package node

import (
	"encoding/hex"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/outbox"
	"github.com/communekit/communekit/sync/protocol"
)

// A successor replaced in turn (its laptop lost too) no longer signs for
// the device it replaced: its carried batch is refused with the reason,
// not taken as the first device's.
func TestHandover_ReplacedSuccessorNoLongerCarries(t *testing.T) {
	c := newTestCluster(t, 1, nil)
	n := c.leader()
	lan := newDevice(t, c.d, "00769", "Nguyễn Thị Lan", cert.RoleOfficer)
	lan.register(t, n.Addr())
	lan.add(t, 1)
	lan.pushAll(t, c, n.Addr())
	old := lan.cert.Device.ID

	second, secondCert := successorCert(t, c.d, lan.cert, cert.RoleOfficer, "00769")
	if st, b := postCertificate(t, n.Addr(), c.d, secondCert); st != http.StatusNoContent {
		t.Fatalf("the successor: %d %s", st, b)
	}
	head := handoverHead(t, n, old, second)
	third, thirdCert := successorCert(t, c.d, secondCert, cert.RoleOfficer, "00769")
	if st, b := postCertificate(t, n.Addr(), c.d, thirdCert); st != http.StatusNoContent {
		t.Fatalf("the successor's successor: %d %s", st, b)
	}

	scratch, err := storage.Create(filepath.Join(t.TempDir(), "scratch"), []byte(testPass),
		storage.Profile{Commune: "00769", Officer: lan.cert.Officer, Device: storage.DeviceID(old)}, storage.Options{WorkFactor: 10, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer scratch.Close()
	for range head.LastOp + 1 {
		if _, err := scratch.AddPerson(storage.Values{storage.FieldFullName: "Trần Văn Nam", storage.FieldBirthDate: "1980", storage.FieldSex: "Nam",
			storage.FieldEthnicity: "01", storage.FieldPermanentAddressCode: "00769"}, storage.SaveOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	ops, err := scratch.Unbatched(0)
	if err != nil {
		t.Fatal(err)
	}
	var prev [32]byte
	hb, _ := hex.DecodeString(head.Hash)
	copy(prev[:], hb)
	z := &outbox.Sealer{Device: second, District: c.d.Public()}
	sealed, err := z.SealCarried(old, head.Batch+1, prev, ops[head.LastOp:])
	if err != nil {
		t.Fatal(err)
	}
	st, b := post(t, n.Addr(), protocol.PathPush, sealed)
	if st != http.StatusForbidden || !strings.Contains(string(b), `"code":"revoked"`) || !strings.Contains(string(b), "replaced by device "+third.ID) {
		t.Fatalf("the retired successor's carried batch: %d %s", st, b)
	}
	if h, err := n.fsm.handover(old); err != nil || h == nil {
		t.Fatalf("hand-over %+v %v", h, err)
	} else if again, _ := n.fsm.chain(old); again.OpSeq != head.LastOp {
		t.Fatalf("the old chain moved: %d -> %d", head.LastOp, again.OpSeq)
	}
}

// The hand-over's path names a device: anything else is refused as
// malformed, with the form it wants, before the state is read.
func TestHandover_PathNamesADevice(t *testing.T) {
	c := newTestCluster(t, 1, nil)
	n := c.leader()
	lan := newDevice(t, c.d, "00769", "Nguyễn Thị Lan", cert.RoleOfficer)
	lan.register(t, n.Addr())
	for _, bad := range []string{"x", "..%2F..%2Fcert", strings.Repeat("a", 300)} {
		st, b := signedDo(t, http.MethodGet, n.Addr(), protocol.PathHandover+bad, nil, districtSigner(c.d))
		if st != http.StatusBadRequest || !strings.Contains(string(b), `"code":"malformed"`) || !strings.Contains(string(b), "device ID") {
			t.Fatalf("hand-over of %q: %d %s", bad, st, b)
		}
	}
}
