package diskfree_test

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/communekit/communekit/storage/diskfree"
)

// TestBytes_ReadOnEveryPlatformTheAppRunsOn: the disk guard of a profile
// (storage.ErrDiskFull) needs the free space on Linux and on Windows, in a
// folder whose name has Vietnamese letters (a Windows user folder
// "C:\Users\Nguyễn"); a folder that does not exist is an error, not 0.
func TestBytes_ReadOnEveryPlatformTheAppRunsOn(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "Nguyễn", "Hồ sơ")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	free, err := diskfree.Bytes(dir)
	if errors.Is(err, diskfree.ErrUnknown) && runtime.GOOS != "linux" && runtime.GOOS != "windows" {
		t.Skipf("free space is not read on %s", runtime.GOOS)
	}
	if err != nil || free == 0 {
		t.Fatalf("free space of %s: %d, %v", dir, free, err)
	}
	t.Logf("%d MB free under %s", free>>20, dir)
	if _, err := diskfree.Bytes(filepath.Join(dir, "không có")); err == nil {
		t.Error("a folder that does not exist: no error")
	}
}
