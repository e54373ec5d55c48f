package node

import (
	"errors"
	"strings"
	"testing"

	"github.com/communekit/communekit/storage/diskfree"
)

func TestCheckDisk_RefusesBelowTheMinimumAndSaysWhatToDo(t *testing.T) {
	dir := t.TempDir()
	free, err := diskfree.Bytes(dir)
	if errors.Is(err, diskfree.ErrUnknown) {
		t.Skip("no statfs here")
	}
	if err != nil || free == 0 {
		t.Fatalf("free %d, %v", free, err)
	}
	if err := checkDisk(dir, 1<<20); err != nil {
		t.Errorf("1 MB needed, %d MB free: %v", free>>20, err)
	}
	err = checkDisk(dir, int64(free)+1<<40)
	if !errors.Is(err, ErrDiskFull) || !strings.Contains(err.Error(), "start the node again") || !strings.Contains(err.Error(), dir) {
		t.Errorf("more than is free: %v", err)
	}
	if err := checkDisk(dir, -1); err != nil {
		t.Errorf("check off: %v", err)
	}
}
