package registry_test

import (
	"errors"
	"testing"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/registry"
)

// TestExportCursor_KeptPerDeviceDamageIsAnError: a device's cursor starts
// at 0, keeps what was set, is its own; a cursor of the wrong length is
// reported as damage, never read as 0.
func TestExportCursor_KeptPerDeviceDamageIsAnError(t *testing.T) {
	dist := mustProfile(t, storage.Profile{Kind: storage.KindDistrict, District: "Cụm Mèo Vạc"})
	reg, err := registry.Open(dist, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := reg.ExportCursor("dev-a"); n != 0 || err != nil {
		t.Fatalf("before any export: %d, %v", n, err)
	}
	if err := reg.SetExportCursor("dev-a", 4096); err != nil {
		t.Fatal(err)
	}
	if n, err := reg.ExportCursor("dev-a"); n != 4096 || err != nil {
		t.Fatalf("after 4096: %d, %v", n, err)
	}
	if n, err := reg.ExportCursor("dev-b"); n != 0 || err != nil {
		t.Fatalf("another device: %d, %v", n, err)
	}
	if err := dist.PutMeta("usb/exported/dev-c", []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.ExportCursor("dev-c"); !errors.Is(err, storage.ErrDamaged) {
		t.Fatalf("a 3-byte cursor: %v", err)
	}
}
