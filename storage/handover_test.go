package storage_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/communekit/communekit/storage"
)

// A backup restored into a new directory opens with the same passphrase,
// holds the same records, and is a new device whose old operations the
// district lacks are there to carry over; the backup is noted.
func TestProfileBackup_RestoredIsANewDeviceWithTheRecords(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "p")
	s := mustCreate(t, dir)
	var ps []*storage.Person
	for _, n := range []string{"Lò Văn Minh", "Nguyễn Thị Hoa", "Vàng Seo Páo"} {
		ps = append(ps, mustAdd(t, s, n))
	}
	// Operations 1 and 2 reached the district.
	if err := s.AddBatch(&storage.OutBatch{N: 1, FirstSeq: 1, LastSeq: 2, Hash: [32]byte{1}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Acknowledge(1); err != nil {
		t.Fatal(err)
	}
	old := s.Profile().Device
	if _, ok, _ := s.LastBackup(); ok {
		t.Fatal("a backup noted before any was made")
	}
	file := filepath.Join(root, "stick", "p.ckpbak")
	if _, err := s.BackupProfile(file, []byte(testPass)); err == nil {
		t.Fatal("a backup into a missing directory was written")
	}
	os.Mkdir(filepath.Join(root, "stick"), 0o700)
	if _, err := s.BackupProfile(file, []byte("not the passphrase")); !errors.Is(err, storage.ErrWrongPassphrase) {
		t.Fatalf("backup with a wrong passphrase: %v", err)
	}
	rec, err := s.BackupProfile(file, []byte(testPass))
	if err != nil {
		t.Fatal(err)
	}
	if got, ok, err := s.LastBackup(); err != nil || !ok || !got.Made.Equal(rec.Made) || got.File != file {
		t.Fatalf("last backup %+v %v %v, want %+v", got, ok, err, rec)
	}
	if _, err := s.BackupProfile(file, []byte(testPass)); !errors.Is(err, storage.ErrBackupExists) {
		t.Fatalf("a second backup over the first: %v", err)
	}
	b, _ := os.ReadFile(file)
	for _, n := range []string{"Minh", "Hoa", "Páo", "00769"} {
		if strings.Contains(string(b), n) {
			t.Fatalf("the backup holds %q in the clear", n)
		}
	}

	restore := func(to string, o storage.RestoreOptions, pass string) error {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		_, err = storage.RestoreProfile(f, to, []byte(pass), o)
		return err
	}
	newDir := filepath.Join(root, "new")
	if err := restore(newDir, storage.RestoreOptions{}, "wrong passphrase!"); !errors.Is(err, storage.ErrWrongPassphrase) {
		t.Fatalf("restore with a wrong passphrase: %v", err)
	}
	// The original is still here: refused unless forced.
	if err := restore(newDir, storage.RestoreOptions{}, testPass); !errors.Is(err, storage.ErrOriginalHere) || !strings.Contains(err.Error(), "open in a program") {
		t.Fatalf("restore beside the original in use: %v", err)
	}
	if _, err := os.Stat(newDir); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a refused restore left a directory")
	}
	if err := restore(newDir, storage.RestoreOptions{Force: true}, testPass); err != nil {
		t.Fatal(err)
	}
	if err := restore(newDir, storage.RestoreOptions{Force: true}, testPass); err == nil {
		t.Fatal("restored over a profile")
	}
	// The original goes on as before, under its own identity.
	mustAdd(t, s, "Giàng A Tủa")
	if s.Profile().Device != old {
		t.Fatal("the original changed identity")
	}
	mustClose(t, s)

	r := mustOpen(t, newDir)
	defer func() { r.Close() }() // the last r: it is opened again below
	h, err := r.Handover()
	if err != nil || h == nil {
		t.Fatalf("handover %+v %v", h, err)
	}
	if h.Old != old || h.New == old || r.Profile().Device != h.New || r.DeviceKeys().ID != string(h.New) ||
		h.Reason != storage.HandoverRestored || h.State != storage.HandoverAwaiting || h.OldAcked != 2 || h.OldLast != 3 || h.Unsent() != 1 {
		t.Fatalf("handover %+v, device %s", h, r.Profile().Device)
	}
	if r.Profile().Device.Tag() == old.Tag() {
		t.Fatal("the new device names its records like the old")
	}
	for _, p := range ps {
		got, err := r.Person(p.ID)
		if err != nil || got.FullName() != p.FullName() {
			t.Fatalf("person %s after restore: %v %v", p.ID, got, err)
		}
		if hist, err := r.History(p.ID); err != nil || len(hist) != 1 || hist[0].Device != old {
			t.Fatalf("history of %s: %v %v", p.ID, hist, err)
		}
	}
	if ops, err := r.Unbatched(0); err != nil || len(ops) != 0 {
		t.Fatalf("the new device has %d operations of its own to send (%v)", len(ops), err)
	}
	if st, _ := r.Outbox(); st.Batches != 0 {
		t.Fatalf("the old device's batches are still in the outbox: %+v", st)
	}
	carry, err := r.CarryOps(h.OldAcked, 0)
	if err != nil || len(carry) != 1 || carry[0].Seq != 3 || carry[0].Device != old {
		t.Fatalf("carry %v %v", carry, err)
	}
	// New work is the new device's, numbered from 1, under its own tag.
	p := mustAdd(t, r, "Sùng Thị Mai")
	if p.ID.Origin != r.Profile().Device.Tag() {
		t.Fatalf("new record %s", p.ID)
	}
	ops, _ := r.Unbatched(0)
	if len(ops) != 1 || ops[0].Seq != 1 || ops[0].Device != h.New {
		t.Fatalf("new device's operations %+v", ops)
	}
	if n, _ := r.Pending(); n != 2 {
		t.Fatalf("pending %d, want 2 (one carried, one new)", n)
	}
	// Opened again: the same new device, no second hand-over.
	mustClose(t, r)
	r = mustOpen(t, newDir)
	if h2, _ := r.Handover(); h2.New != h.New || r.Profile().Device != h.New {
		t.Fatalf("reopened: %+v", h2)
	}
}

// A profile directory copied elsewhere is a new device once opened there;
// the original, opened where it is, stays itself, and so does a renamed one.
func TestProfileCopy_OpenedElsewhereIsANewDevice(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "p")
	s := mustCreate(t, dir)
	mustAdd(t, s, "Lò Văn Minh")
	old := s.Profile().Device
	mustClose(t, s)
	copyDir(t, dir, filepath.Join(root, "copy"))
	if err := os.Rename(dir, filepath.Join(root, "renamed")); err != nil {
		t.Fatal(err)
	}
	o := mustOpen(t, filepath.Join(root, "renamed"))
	if o.Profile().Device != old {
		t.Fatal("a renamed profile became a new device")
	}
	if h, _ := o.Handover(); h != nil {
		t.Fatalf("renamed: %+v", h)
	}
	mustClose(t, o)
	c := mustOpen(t, filepath.Join(root, "copy"))
	defer c.Close()
	h, err := c.Handover()
	if err != nil || h == nil || h.Reason != storage.HandoverCopied || h.Old != old || c.Profile().Device == old || h.Unsent() != 1 {
		t.Fatalf("copy: %+v %v", h, err)
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if err := os.CopyFS(to, os.DirFS(from)); err != nil {
		t.Fatal(err)
	}
}
