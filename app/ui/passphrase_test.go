package ui

import (
	"errors"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/communekit/communekit/app/i18n"
	"github.com/communekit/communekit/storage"
)

// TestChangePassphrase_FromTheSettings: "Đổi mật khẩu" on the settings
// screen opens the dialog; a wrong current passphrase is said and
// changes nothing; the right one changes it, and the profile then opens
// with the new passphrase only.
func TestChangePassphrase_FromTheSettings(t *testing.T) {
	a := test.NewTempApp(t)
	dir, s := newUIProfile(t)
	w := a.NewWindow("test")
	w.Resize(fyne.NewSize(1366, 768))
	ui := New(w, i18n.MustLoad(), Config{Dir: dir, Options: uiOpts, Do: uiQueue.post})
	w.Show()
	ui.unlocked(s, time.Now())
	uiQueue.drain()

	tap(t, w.Content(), "Cài đặt")
	tap(t, w.Content(), "Đổi mật khẩu")
	top := w.Canvas().Overlays().Top()
	if top == nil || !hasText(top, "Mật khẩu hiện tại") {
		t.Fatal("no passphrase dialog")
	}
	entries := all[*keyEntry](top)
	if len(entries) != 3 {
		t.Fatalf("%d entries in the dialog, want 3", len(entries))
	}
	cur, p1, p2 := entries[0], entries[1], entries[2]
	const newPass = "mật khẩu mới của xã"
	test.Type(cur, "sai mật khẩu rồi")
	test.Type(p1, newPass)
	test.Type(p2, newPass)
	p2.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	waitFor(t, func() bool { return hasText(top, "Mật khẩu hiện tại không đúng") })
	if cur.Text != "" {
		t.Error("the wrong passphrase stays in its entry")
	}
	screenshot(t, w, "change-passphrase-wrong")
	test.Type(cur, uiPass)
	tap(t, top, "Đổi mật khẩu")
	waitFor(t, func() bool { return hasText(top, "Đã đổi mật khẩu") })
	if p1.Text != "" || p2.Text != "" {
		t.Error("the new passphrase stays in its entries")
	}
	screenshot(t, w, "change-passphrase-done")
	tap(t, top, "Đóng")
	if w.Canvas().Overlays().Top() != nil {
		t.Error("the dialog is still open")
	}
	ui.Close()

	if _, err := storage.Open(dir, []byte(uiPass), uiOpts); !errors.Is(err, storage.ErrWrongPassphrase) {
		t.Fatalf("the old passphrase: %v", err)
	}
	s, err := storage.Open(dir, []byte(newPass), uiOpts)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}
