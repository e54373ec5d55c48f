package storage_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/diskfree"
)

// TestDiskFull_OpenRefusedWithWhatToDo: a profile on a disk with less free
// space than the store needs is not opened (opening writes), with the
// figures and what to do; a wrong passphrase is still said first.
func TestDiskFull_OpenRefusedWithWhatToDo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	mustClose(t, mustCreate(t, dir))
	if _, err := diskfree.Bytes(dir); err != nil {
		t.Skip("free space cannot be read here")
	}
	huge := storage.Options{GCInterval: -1, MinFree: 1 << 60}
	if _, err := storage.Open(dir, []byte("not the passphrase"), huge); !errors.Is(err, storage.ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase on a full disk: %v", err)
	}
	_, err := storage.Open(dir, []byte(testPass), huge)
	var df *storage.DiskFullError
	if !errors.As(err, &df) || !errors.Is(err, storage.ErrDiskFull) {
		t.Fatalf("open with too little space: %v", err)
	}
	if df.NeedMB() != 1<<40 || !strings.Contains(err.Error(), "free some space") || !strings.Contains(err.Error(), "nothing saved before is lost") {
		t.Errorf("message: %v (need %d MB)", err, df.NeedMB())
	}
	if _, err := storage.Create(filepath.Join(t.TempDir(), "q"), []byte(testPass), storage.Profile{Commune: "00769", Officer: "A"}, storage.Options{WorkFactor: testWorkFactor, MinFree: 1 << 60}); !errors.Is(err, storage.ErrDiskFull) {
		t.Errorf("create with too little space: %v", err)
	}
	s, err := storage.Open(dir, []byte(testPass), storage.Options{GCInterval: -1})
	if err != nil {
		t.Fatalf("the profile does not open once there is space: %v", err)
	}
	s.Close()
}

// TestDiskFull_RealDisk fills a real (tmpfs) disk under a profile: saves
// are refused with ErrDiskFull instead of the SIGBUS that killed kitctl,
// the profile then refuses to open, and once space is freed everything
// saved before is there. Needs root (mount).
func TestDiskFull_RealDisk(t *testing.T) {
	disk := smallDisk(t, "96m")
	const minFree = 40 << 20
	dir := filepath.Join(disk, "p")
	o := storage.Options{WorkFactor: testWorkFactor, GCInterval: -1, MinFree: minFree}
	s, err := storage.Create(dir, []byte(testPass), storage.Profile{Commune: "00769", Officer: "Nguyễn Thị Lan"}, o)
	if err != nil {
		t.Fatal(err)
	}
	var saved []storage.ID
	for i := 0; i < 20; i++ {
		saved = append(saved, mustAdd(t, s, "Đĩa Văn Đầy").ID)
	}
	free, err := diskfree.Bytes(disk)
	if err != nil {
		t.Fatal(err)
	}
	// Leave 30 MB: below what the store needs, above what Badger itself
	// needs to finish what it started.
	filler := filepath.Join(disk, "filler")
	if err := os.WriteFile(filler, make([]byte, free-30<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = s.AddPerson(storage.Values{storage.FieldFullName: "Không Được Lưu", storage.FieldBirthDate: "1980", storage.FieldSex: "Nam", storage.FieldEthnicity: "01"}, storage.SaveOptions{})
	var df *storage.DiskFullError
	if !errors.As(err, &df) {
		t.Fatalf("save on a full disk: %v", err)
	}
	if df.FreeMB() > 30 || df.NeedMB() != 40 {
		t.Errorf("figures: %d MB free, %d MB needed", df.FreeMB(), df.NeedMB())
	}
	if _, _, err := s.EditPerson(saved[0], storage.Values{storage.FieldOccupation: "Nông dân"}, storage.SaveOptions{}); !errors.Is(err, storage.ErrDiskFull) {
		t.Errorf("edit on a full disk: %v", err)
	}
	if _, err := s.ImportPersons(strings.NewReader("full_name,birth_date,sex,ethnicity\nNhập Khẩu,1990,Nam,01\n"), storage.ImportOptions{}); !errors.Is(err, storage.ErrDiskFull) {
		t.Errorf("import on a full disk: %v", err)
	}
	mustClose(t, s)
	if _, err := storage.Open(dir, []byte(testPass), o); !errors.Is(err, storage.ErrDiskFull) {
		t.Fatalf("open on a full disk: %v", err)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	s, err = storage.Open(dir, []byte(testPass), o)
	if err != nil {
		t.Fatalf("open once space is freed: %v", err)
	}
	defer s.Close()
	for _, id := range saved {
		if _, err := s.Person(id); err != nil {
			t.Errorf("saved before the disk filled, lost: %s: %v", id, err)
		}
	}
	if n, _, _ := s.Counts(); n != len(saved) {
		t.Errorf("%d persons, %d saved", n, len(saved))
	}
}

// TestReadOnlyDisk_SaysSoNotDamaged: a profile on a read-only disk (a
// write-protected stick) is ErrReadOnly with what to do, not "damaged,
// restore from a backup". Needs root (mount).
func TestReadOnlyDisk_SaysSoNotDamaged(t *testing.T) {
	disk := smallDisk(t, "200m")
	dir := filepath.Join(disk, "p")
	s, err := storage.Create(dir, []byte(testPass), storage.Profile{Commune: "00769", Officer: "Nguyễn Thị Lan"}, storage.Options{WorkFactor: testWorkFactor, GCInterval: -1, MinFree: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	id := mustAdd(t, s, "Chỉ Đọc Văn").ID
	mustClose(t, s)
	if out, err := exec.Command("mount", "-o", "remount,ro", disk).CombinedOutput(); err != nil {
		t.Fatalf("remount read-only: %v %s", err, out)
	}
	_, err = storage.Open(dir, []byte(testPass), storage.Options{GCInterval: -1, MinFree: 1 << 20})
	if !errors.Is(err, storage.ErrReadOnly) || errors.Is(err, storage.ErrDamaged) || !strings.Contains(err.Error(), "copy the whole profile") {
		t.Fatalf("read-only disk: %v", err)
	}
	if out, err := exec.Command("mount", "-o", "remount,rw", disk).CombinedOutput(); err != nil {
		t.Fatalf("remount read-write: %v %s", err, out)
	}
	s, err = storage.Open(dir, []byte(testPass), storage.Options{GCInterval: -1, MinFree: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Person(id); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "store", ".writable-*")); len(left) > 0 {
		t.Errorf("the write check left %v", left)
	}
}

// smallDisk mounts a tmpfs of size (e.g. "96m") for the test, or skips
// the test where it cannot (not Linux, not root, -short).
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	if runtime.GOOS != "linux" || os.Geteuid() != 0 || testing.Short() {
		t.Skip("mounts a tmpfs: Linux and root only")
	}
	disk := filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(disk, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", disk).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", disk).Run() })
	return disk
}
