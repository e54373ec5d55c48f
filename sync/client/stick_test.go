package client_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/outbox"
)

// stickRoot is the root of a USB stick for the test. On Windows a stick is
// a drive of its own: `make test-windows` maps a fresh folder as drive E:
// in its wine prefix and names it in COMMUNEKIT_TEST_STICK ("E:\"); without
// it, a folder under the temporary directory (a path with a drive letter
// still, "C:\..."). Elsewhere, a folder as a stick's mount point is.
func stickRoot(t *testing.T) string {
	if root := os.Getenv("COMMUNEKIT_TEST_STICK"); root != "" && runtime.GOOS == "windows" {
		if filepath.VolumeName(root) == "" {
			t.Fatalf("COMMUNEKIT_TEST_STICK=%s: not a drive", root)
		}
		return root
	}
	return t.TempDir()
}

// TestStick_BatchesAndDistrictFilesOnADriveOfItsOwn: the way by USB
// stick with the stick a drive of its own (E:\ on Windows): a laptop
// writes its batches into a folder named for its commune, the district
// reads them back from there and applies each once; district files are
// found from the stick's root down, in a folder per device, whatever the
// case of their extension (some tools write 8.3 names in capitals on a
// FAT stick), and a damaged one is refused, not applied.
func TestStick_BatchesAndDistrictFilesOnADriveOfItsOwn(t *testing.T) {
	root := stickRoot(t)
	folder := filepath.Join(root, "Xã 00769 "+strings.ReplaceAll(t.Name(), "/", "-")+time.Now().Format("150405.000000"))
	t.Cleanup(func() { os.RemoveAll(folder) })
	if runtime.GOOS == "windows" && filepath.VolumeName(folder) == "" {
		t.Fatalf("%s: no drive letter", folder)
	}

	d := newDistrict(t)
	srv := d.serve(t)
	dev := d.enrol(t, "Nguyễn Thị Lan", "00769", false)
	mustImport(t, dev, "Giàng Thị Mỷ", 15)
	z, _ := outbox.SealerFor(dev, 10)
	made, err := z.Seal(dev)
	if err != nil || len(made) == 0 {
		t.Fatalf("%d batches: %v", len(made), err)
	}
	paths, err := outbox.WriteFiles(filepath.Join(folder, "gửi huyện"), made)
	if err != nil || len(paths) != len(made) {
		t.Fatalf("writing to the stick: %v %v", paths, err)
	}
	for i, p := range paths {
		if !strings.HasPrefix(p, root) {
			t.Errorf("%s: not on the stick %s", p, root)
		}
		b, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(b, made[i].Sealed) {
			t.Fatalf("%s read back from the stick: %d bytes, %v", p, len(b), err)
		}
		if _, err := client.PushSealed(context.Background(), pinned(d.reg.Keys()), srv.URL, b); err != nil {
			t.Fatalf("the district pushing %s: %v", p, err)
		}
	}
	if n := d.appliedOnce(t); n != len(made) {
		t.Fatalf("applied %d of %d batches", n, len(made))
	}
	// Written again (the officer exports twice): the same bytes.
	if again, err := outbox.WriteFiles(filepath.Join(folder, "gửi huyện"), made); err != nil || !slices.Equal(again, paths) {
		t.Fatalf("again: %v %v", again, err)
	}

	// District files for two devices, in folders of their own.
	lan := filepath.Join(folder, "Lan", "district-abc-0-5.ckp")
	minh := filepath.Join(folder, "Minh", "DISTRICT-DEF-0-3.CKP")
	for _, p := range []string{lan, minh} {
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("not a district file, damaged on the stick"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	found, err := client.DistrictFiles(root)
	if err != nil {
		t.Fatalf("listing the stick from its root %s: %v", root, err)
	}
	if !slices.Contains(found, lan) || !slices.Contains(found, minh) {
		t.Fatalf("from %s found %v", root, found)
	}
	for _, f := range found {
		if strings.EqualFold(filepath.Ext(f), outbox.FileExt) {
			t.Errorf("a batch file taken for a district file: %s", f)
		}
	}
	rs, err := client.ImportFiles(dev, filepath.Join(folder, "Lan"))
	if err != nil || len(rs) != 1 || rs[0].Status != client.FileRefused || rs[0].Applied != 0 {
		t.Fatalf("a damaged district file on the stick: %v %v", rs, err)
	}
	t.Logf("%s: %s", rs[0].Path, rs[0].Reason)
}
