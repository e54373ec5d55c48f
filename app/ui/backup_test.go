package ui

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/communekit/communekit/app/i18n"
)

// TestBackup_FromTheOverview: the overview reminds a profile never backed
// up; "Sao lưu" asks the folder and the passphrase, says a wrong one, and
// writes the backup with the right one; the overview then says when.
func TestBackup_FromTheOverview(t *testing.T) {
	a := test.NewTempApp(t)
	dir, s := newUIProfile(t)
	w := a.NewWindow("test")
	w.Resize(fyne.NewSize(1366, 768))
	ui := New(w, i18n.MustLoad(), Config{Dir: dir, Options: uiOpts, Do: uiQueue.post})
	w.Show()
	defer ui.Close()
	ui.unlocked(s, time.Now())
	uiQueue.drain()
	waitFor(t, func() bool { return hasText(w.Content(), "Chưa sao lưu lần nào") })
	screenshot(t, w, "backup-reminder")

	tap(t, w.Content(), "Sao lưu")
	top := w.Canvas().Overlays().Top()
	if top == nil || !hasText(top, "Sao lưu hồ sơ ra USB") {
		t.Fatal("no backup dialog")
	}
	entries := all[*keyEntry](top)
	if len(entries) != 2 {
		t.Fatalf("%d entries in the dialog, want 2", len(entries))
	}
	stick := t.TempDir()
	entries[0].SetText(stick)
	test.Type(entries[1], "sai mật khẩu rồi")
	entries[1].TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	waitFor(t, func() bool { return hasText(top, "Mật khẩu không đúng") })
	if es, _ := os.ReadDir(stick); len(es) != 0 {
		t.Fatal("a wrong passphrase wrote a backup")
	}
	test.Type(entries[1], uiPass)
	entries[1].TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	waitFor(t, func() bool { return hasText(top, "Đã sao lưu vào") })
	screenshot(t, w, "backup-done")
	files, _ := filepath.Glob(filepath.Join(stick, "*.ckpbak"))
	if len(files) != 1 {
		t.Fatalf("backup files %v", files)
	}
	tap(t, top, "Đóng")
	waitFor(t, func() bool { return hasText(w.Content(), "Sao lưu lần cuối") })
}
