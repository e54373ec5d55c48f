package storage_test

// Tests of what differs between Linux and Windows (file locking, renaming
// over a file another program holds, read-only files, folders named in
// Vietnamese). They run with `make test` on Linux and, cross-built, under
// wine with `make test-windows`.

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/communekit/communekit/storage"
)

// vietnameseHome is a profile's folder under a user folder named in
// Vietnamese, as Windows makes them ("C:\Users\Nguyễn Thị Lan\...").
func vietnameseHome(t *testing.T) string {
	return filepath.Join(t.TempDir(), "Users", "Nguyễn Thị Lan", "AppData", "Hồ sơ xã", "communekit")
}

// TestProfile_UnderAVietnameseUserFolder: a profile made, written,
// closed, opened again, its passphrase changed, all under a folder whose
// name has Vietnamese letters.
func TestProfile_UnderAVietnameseUserFolder(t *testing.T) {
	dir := vietnameseHome(t)
	s := mustCreate(t, dir)
	p := mustAdd(t, s, "Nguyễn Văn Ếch")
	mustClose(t, s)
	s = mustOpen(t, dir)
	if got, err := s.Person(p.ID); err != nil || got.FullName() != "Nguyễn Văn Ếch" {
		t.Fatalf("reopened under %s: %v %v", dir, got, err)
	}
	if hits, err := s.Search("ech", 10); err != nil || len(hits) != 1 {
		t.Fatalf("search: %d hits, %v", len(hits), err)
	}
	mustClose(t, s)
	const newPass = "mật khẩu mới của Ếch"
	if err := storage.ChangePassphrase(dir, []byte(testPass), []byte(newPass)); err != nil {
		t.Fatal(err)
	}
	s, err := storage.Open(dir, []byte(newPass), storage.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)
	if left, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

// TestProfileLock_SecondOpenRefusedSaysInUse: the profile open (the app),
// a second open of it in the same process (kitctl's would be another) is
// refused as in use with what to do, never as damaged; nothing else may
// replace its key file meanwhile; once closed, it opens. On Windows the
// lock is a lock file's byte range (a directory cannot be locked there),
// on unix flock on the directory.
func TestProfileLock_SecondOpenRefusedSaysInUse(t *testing.T) {
	dir := vietnameseHome(t)
	s := mustCreate(t, dir)
	p := mustAdd(t, s, "Đang Mở Thị Khóa")
	_, err := storage.Open(dir, []byte(testPass), storage.Options{GCInterval: -1})
	if !errors.Is(err, storage.ErrInUse) || errors.Is(err, storage.ErrDamaged) || !strings.Contains(err.Error(), "open in another program") || !strings.Contains(err.Error(), "nothing was changed") {
		t.Fatalf("second open: %v", err)
	}
	if err := storage.ChangePassphrase(dir, []byte(testPass), []byte("một mật khẩu khác hẳn")); !errors.Is(err, storage.ErrInUse) {
		t.Fatalf("passphrase changed while the profile is open: %v", err)
	}
	// The lock leaves the profile's files readable: a backup copies
	// them while the app is open. All but Badger's own lock file, which
	// Badger opens for its process alone on Windows (and deletes as it
	// closes): a copy must leave it out.
	err = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if runtime.GOOS == "windows" && path == filepath.Join(dir, "store", "LOCK") {
			return nil
		}
		_, err = os.ReadFile(path)
		return err
	})
	if err != nil {
		t.Fatalf("a file of the open profile cannot be read: %v", err)
	}
	mustClose(t, s)
	s = mustOpen(t, dir)
	defer s.Close()
	if _, err := s.Person(p.ID); err != nil {
		t.Fatal(err)
	}
}

// TestWriteFileAtomic_TargetHeldOpenForAMoment: the file replaced is open
// in another program for a moment (an antivirus scanning it, a backup
// copying it), which Windows refuses a rename over: the write waits for
// it and lands whole, no temporary file left.
func TestWriteFileAtomic_TargetHeldOpenForAMoment(t *testing.T) {
	dir := vietnameseHome(t)
	os.MkdirAll(dir, 0o700)
	path := filepath.Join(dir, "tệp.json")
	if err := storage.WriteFileAtomic(path, []byte("cũ")); err != nil {
		t.Fatal(err)
	}
	held, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	released := make(chan struct{})
	go func() {
		time.Sleep(300 * time.Millisecond)
		held.Close()
		close(released)
	}()
	if err := storage.WriteFileAtomic(path, []byte("mới")); err != nil {
		t.Fatalf("replacing a file held open for a moment: %v", err)
	}
	<-released
	if b, _ := os.ReadFile(path); string(b) != "mới" {
		t.Fatalf("after the write: %q", b)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

// TestWriteFileAtomic_TargetHeldOpenOrReadOnly: a file held open all
// along, or marked read-only: on unix rename replaces it anyway; on
// Windows the write is refused after a few seconds, saying what to do,
// with the old contents whole and no temporary file left.
func TestWriteFileAtomic_TargetHeldOpenOrReadOnly(t *testing.T) {
	for _, how := range []string{"held open", "read-only"} {
		t.Run(how, func(t *testing.T) {
			dir := vietnameseHome(t)
			os.MkdirAll(dir, 0o700)
			path := filepath.Join(dir, "master-key.age")
			if err := storage.WriteFileAtomic(path, []byte("cũ")); err != nil {
				t.Fatal(err)
			}
			if how == "held open" {
				held, err := os.Open(path)
				if err != nil {
					t.Fatal(err)
				}
				defer held.Close()
			} else {
				if err := os.Chmod(path, 0o400); err != nil {
					t.Fatal(err)
				}
				defer os.Chmod(path, 0o600)
				if onWine() {
					// Checked as root and as another user, Debian's wine 8.
					t.Skip("wine replaces a read-only file by rename, which Windows refuses (Access denied): the refusal cannot be seen here")
				}
			}
			start := time.Now()
			err := storage.WriteFileAtomic(path, []byte("mới"))
			b, _ := os.ReadFile(path)
			if left, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(left) > 0 {
				t.Errorf("left behind: %v", left)
			}
			if runtime.GOOS != "windows" {
				if err != nil || string(b) != "mới" {
					t.Fatalf("unix replaces it: %q, %v", b, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "read-only") || !strings.Contains(err.Error(), "another program keeps it open") {
				t.Fatalf("refusal: %v", err)
			}
			if string(b) != "cũ" {
				t.Fatalf("the old contents: %q", b)
			}
			t.Logf("refused after %v: %v", time.Since(start).Round(time.Millisecond), err)
		})
	}
}

// TestReadOnlyFiles_SaysSoNotDamaged: a profile whose files are marked
// read-only (copied from a CD on Windows; chmod on unix) in a folder that
// can be written is ErrReadOnly with what to do, not "damaged, restore
// from a backup", and nothing is changed; writable again, it opens with
// its records. (A read-only folder is TestReadOnlyDisk_SaysSoNotDamaged;
// on Windows the read-only mark of a folder does not stop writing in it.)
func TestReadOnlyFiles_SaysSoNotDamaged(t *testing.T) {
	dir := vietnameseHome(t)
	s := mustCreate(t, dir)
	p := mustAdd(t, s, "Chỉ Đọc Thị Tệp")
	mustClose(t, s)
	store := filepath.Join(dir, "store")
	entries, err := os.ReadDir(store)
	if err != nil {
		t.Fatal(err)
	}
	setMode := func(mode os.FileMode) {
		for _, e := range entries {
			if err := os.Chmod(filepath.Join(store, e.Name()), mode); err != nil && !errors.Is(err, os.ErrNotExist) {
				t.Fatal(err)
			}
		}
	}
	setMode(0o400)
	defer setMode(0o600)
	if readOnlyIgnored(filepath.Join(store, "MANIFEST")) {
		t.Skip(readOnlyIgnoredWhy)
	}
	_, err = storage.Open(dir, []byte(testPass), storage.Options{GCInterval: -1})
	if !errors.Is(err, storage.ErrReadOnly) || errors.Is(err, storage.ErrDamaged) || !strings.Contains(err.Error(), "Read-only") || !strings.Contains(err.Error(), "nothing was changed") {
		t.Fatalf("read-only files: %v", err)
	}
	setMode(0o600)
	s = mustOpen(t, dir)
	defer s.Close()
	if _, err := s.Person(p.ID); err != nil {
		t.Fatal(err)
	}
}

// readOnlyIgnored tells whether a file marked read-only can still be
// opened for writing here: root on unix; wine run as root, which keeps
// Windows' read-only mark as the file's unix mode, which root ignores
// (Windows refuses to write or replace such a file, whoever asks).
func readOnlyIgnored(path string) bool {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return false
	}
	f.Close()
	return true
}

var readOnlyIgnoredWhy = func() string {
	if onWine() {
		return "wine run as root keeps the read-only mark as unix permissions, which root ignores: a read-only file is written and replaced here, unlike on Windows"
	}
	return "this user writes read-only files (root on unix)"
}()
