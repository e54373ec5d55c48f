package vm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/client"
)

// "Sao lưu": the status says none was made, a wrong passphrase or a
// missing folder writes nothing, a backup is written and noted, and a
// week later the overview is reminded.
func TestBackup_WritesAndRemindsAfterAWeek(t *testing.T) {
	s := mustStore(t, 20)
	b := NewBackup(mustTr(t), s)
	if text, due := b.Status(); !due || !strings.Contains(text, "Chưa sao lưu") {
		t.Fatalf("before any backup: %q %v", text, due)
	}
	stick := t.TempDir()
	if _, err := b.Run(stick, "sai mật khẩu rồi"); err == nil || !strings.Contains(err.Error(), "Mật khẩu không đúng") {
		t.Fatalf("wrong passphrase: %v", err)
	}
	if _, err := b.Run(filepath.Join(stick, "không có"), testPass); err == nil || !strings.Contains(err.Error(), "thư mục") {
		t.Fatalf("missing folder: %v", err)
	}
	if es, _ := os.ReadDir(stick); len(es) != 0 {
		t.Fatalf("a refused backup wrote %d file(s)", len(es))
	}
	path, err := b.Run(stick, testPass)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 || filepath.Ext(path) != ".ckpbak" {
		t.Fatalf("backup file %s: %v", path, err)
	}
	if text, due := b.Status(); due || !strings.Contains(text, "Sao lưu lần cuối") {
		t.Fatalf("after a backup: %q %v", text, due)
	}
	b.now = func() time.Time { return time.Now().Add(storage.BackupDue + time.Hour) }
	if text, due := b.Status(); !due || !strings.Contains(text, "hơn một tuần") {
		t.Fatalf("a week later: %q %v", text, due)
	}
}

// A profile copied elsewhere says on the overview that it is a new device
// to enrol, and how many changes of the old one wait.
func TestHandoverNote_ACopySaysItWaitsForEnrolment(t *testing.T) {
	s := mustStore(t, 5)
	if n := HandoverNote(mustTr(t), s); n != "" {
		t.Fatalf("the original: %q", n)
	}
	dir, old := s.Dir(), string(s.Profile().Device)
	s.Close()
	copyDir := filepath.Join(t.TempDir(), "copy")
	if err := os.CopyFS(copyDir, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	c, err := storage.Open(copyDir, []byte(testPass), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if n := HandoverNote(mustTr(t), c); !strings.Contains(n, "bản sao") || !strings.Contains(n, " thay đổi chưa gửi") || strings.Contains(n, old) {
		t.Fatalf("the copy: %q", n)
	}
}

// The sync screen says when it sends the replaced laptop's changes.
func TestSyncStep_CarryingOverIsSaid(t *testing.T) {
	s := &Sync{tr: mustTr(t)}
	if l := s.stepLine(client.Progress{Phase: client.PhaseCarry}); !strings.Contains(l, "máy cũ") {
		t.Fatalf("step line %q", l)
	}
	if f := progressFraction(client.Progress{Phase: client.PhaseCarry}); f <= 0 || f >= progressFraction(client.Progress{Phase: client.PhasePush, Total: 1}) {
		t.Fatalf("fraction %v", f)
	}
}
