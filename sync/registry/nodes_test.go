package registry_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/registry"
)

// A node's credential renewed, then its old certificate revoked by
// number: the new one stays valid, and revoking the same number again
// (to send the list once more) revokes nothing more.
func TestRevokeNode_BySerialSparesARenewal(t *testing.T) {
	dist := mustProfile(t, storage.Profile{Kind: storage.KindDistrict, District: "Cụm Mèo Vạc"})
	reg, err := registry.Open(dist, nil)
	if err != nil {
		t.Fatal(err)
	}
	old, err := reg.IssueNode("n1", 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	renewed, err := reg.IssueNode("n1", 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.IssueNode("n2", 30*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, _, err := reg.RevokeNode("n2", "wrong node", old.Cert.Serial); !errors.Is(err, registry.ErrUnknownNode) {
		t.Fatalf("n1's serial revoked as n2's: %v", err)
	}
	l, serials, err := reg.RevokeNode("n1", "renewed", old.Cert.Serial)
	if err != nil || !slices.Equal(serials, []uint64{old.Cert.Serial}) {
		t.Fatalf("revoke the old certificate: %v %v", serials, err)
	}
	if l.CheckSerial(old.Cert.Serial, "n1") == nil || l.CheckSerial(renewed.Cert.Serial, "n1") != nil {
		t.Fatal("the list does not name the old certificate alone")
	}
	seq := l.Seq
	l, serials, err = reg.RevokeNode("n1", "renewed", old.Cert.Serial)
	if err != nil || len(serials) != 0 || l.Seq != seq || l.CheckSerial(renewed.Cert.Serial, "n1") != nil {
		t.Fatalf("the same revocation again: %v %v seq %d → %d", serials, err, seq, l.Seq)
	}
	// Without --serial, every certificate of the node not revoked yet.
	l, serials, err = reg.RevokeNode("n1", "stolen", 0)
	if err != nil || !slices.Equal(serials, []uint64{renewed.Cert.Serial}) || l.CheckSerial(renewed.Cert.Serial, "n1") == nil {
		t.Fatalf("revoke the node: %v %v", serials, err)
	}
}
