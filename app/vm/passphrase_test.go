package vm

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/communekit/communekit/storage"
)

func TestChangePassphrase_ChecksThenChangesAndTheNewOneUnlocks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	s, err := storage.Create(dir, []byte(testPass), storage.Profile{Commune: "12472", Officer: "A"}, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "master-key.age")
	before, _ := os.ReadFile(keyFile)
	c := NewChangePassphrase(mustTr(t), s, Now)
	unchanged := func(when string) {
		t.Helper()
		if now, _ := os.ReadFile(keyFile); !bytes.Equal(now, before) {
			t.Fatalf("%s: the key file changed", when)
		}
		if c.Done() || c.Message() != "" {
			t.Fatalf("%s: said done", when)
		}
	}
	const newPass = "mật khẩu mới của xã"

	// Nothing typed: every field says what is missing.
	if err := c.Submit(); !ErrInvalid(err) {
		t.Fatalf("empty dialog: %v", err)
	}
	errs := c.Errors()
	if !strings.Contains(errs["current"], "mật khẩu hiện tại") || !strings.Contains(errs["new"], "ít nhất 10 ký tự") {
		t.Errorf("empty dialog: %v", errs)
	}
	unchanged("empty")

	// Too short counted in letters: "mật khẩu" typed decomposed is 12
	// code points but 8 letters.
	short := norm.NFD.String("mật khẩu")
	c.Set(testPass, short, short)
	if c.Submit(); !strings.Contains(c.Errors()["new"], "ít nhất 10 ký tự") {
		t.Errorf("short: %v", c.Errors())
	}
	c.Set(testPass, newPass, newPass+"x")
	if c.Submit(); c.Errors()["repeat"] == "" {
		t.Errorf("repeat differs: %v", c.Errors())
	}
	// The same letters typed composed once and decomposed once are the
	// same passphrase.
	c.Set("sai mật khẩu rồi", newPass, norm.NFD.String(newPass))
	if err := c.Submit(); !errors.Is(err, storage.ErrWrongPassphrase) {
		t.Fatalf("wrong current passphrase: %v", err)
	}
	if errs := c.Errors(); !strings.Contains(errs["current"], "không đúng") || errs["repeat"] != "" {
		t.Errorf("wrong current passphrase: %v", errs)
	}
	unchanged("wrong current passphrase")
	c.Set(testPass, testPass, testPass)
	if c.Submit(); c.Errors()["new"] == "" {
		t.Errorf("the same passphrase again: %v", c.Errors())
	}
	unchanged("same passphrase")

	// The current passphrase typed decomposed; the change, reported
	// through Do.
	ch := changes(c)
	c.Set(norm.NFD.String(testPass), newPass, norm.NFD.String(newPass))
	done := make(chan struct{})
	c.SubmitAsync(func() { close(done) })
	<-done
	waitChange(t, ch)
	if !c.Done() || c.Busy() || len(c.Errors()) > 0 || !strings.Contains(c.Message(), "Đã đổi mật khẩu") {
		t.Fatalf("after the change: done %v busy %v errors %v message %q", c.Done(), c.Busy(), c.Errors(), c.Message())
	}
	// The store goes on working, then the old passphrase no longer opens
	// the profile and the new one does, typed either way.
	if _, _, err := s.Counts(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	u := NewUnlock(mustTr(t), dir, testOpts, Now)
	if _, err := u.Submit(testPass); !errors.Is(err, storage.ErrWrongPassphrase) {
		t.Fatalf("old passphrase: %v", err)
	}
	for _, p := range []string{newPass, norm.NFD.String(newPass)} {
		s, err := u.Submit(p)
		if err != nil {
			t.Fatalf("new passphrase %+q: %v", p, err)
		}
		s.Close()
	}
}

func TestChangePassphrase_FailedChangeSaysSoAndTheOldOneStillWorks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	s, err := storage.Create(dir, []byte(testPass), storage.Profile{Commune: "12472", Officer: "A"}, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	c := NewChangePassphrase(mustTr(t), s, Now)
	// The store's answer when the new key file cannot be written (storage
	// tests the write itself).
	c.change = func(old, new []byte) error {
		return errors.New("writing the new key file (the old one is kept, nothing was changed): no space left on device")
	}
	c.Set(testPass, "mật khẩu mới của xã", "mật khẩu mới của xã")
	if err := c.Submit(); err == nil || c.Done() {
		t.Fatal("a failed change said done")
	}
	if msg := c.Errors()["change"]; !strings.Contains(msg, "Không đổi được mật khẩu") || !strings.Contains(msg, "no space left") {
		t.Errorf("message: %q", msg)
	}
	s.Close()
	s, err = NewUnlock(mustTr(t), dir, testOpts, Now).Submit(testPass)
	if err != nil {
		t.Fatalf("the old passphrase after a failed change: %v", err)
	}
	s.Close()
}

func TestSetup_PassphraseCountedInLettersAndRepeatedInAnyForm(t *testing.T) {
	// 9 letters with marks, typed decomposed: 13 code points, too short.
	if got := PassphraseStrength(norm.NFD.String("mật khẩu1")); got != 1 {
		t.Errorf("strength of a 9-letter passphrase typed decomposed: %d, want 1 (weak)", got)
	}
	dir := filepath.Join(t.TempDir(), "new")
	st := NewSetup(mustTr(t), dir, testOpts)
	st.ChooseCommune("12472")
	st.SetOfficer("Nguyễn Văn Test")
	st.SetPassphrase(norm.NFC.String(testPass+" xã"), norm.NFD.String(testPass+" xã"))
	s, err := st.Create()
	if err != nil {
		t.Fatalf("%v %v", err, st.Errors())
	}
	s.Close()
	s, err = NewUnlock(mustTr(t), dir, testOpts, Now).Submit(norm.NFD.String(testPass + " xã"))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}
