package vm

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/diskfree"
)

func TestUnlock_WrongPassphraseSaysSoInVietnameseThenRightOneOpens(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	s, err := storage.Create(dir, []byte(testPass), storage.Profile{Commune: "12472", Officer: "A"}, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	u := NewUnlock(mustTr(t), dir, testOpts, Now)
	if got := u.Commune(); !strings.Contains(got, "Quỳnh Phụ") {
		t.Errorf("Commune() = %q, want the commune's name", got)
	}
	if _, err := u.Submit("sai mat khau"); err == nil {
		t.Fatal("wrong passphrase opened the profile")
	}
	if got := u.Message(); !strings.Contains(got, "Mật khẩu không đúng") {
		t.Errorf("message after a wrong passphrase = %q", got)
	}
	s, err = u.Submit(testPass)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if u.Message() != "" || u.Took() <= 0 {
		t.Errorf("after unlocking: message %q, took %v", u.Message(), u.Took())
	}
}

func TestUnlock_AsyncReportsThroughDo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	s, _ := storage.Create(dir, []byte(testPass), storage.Profile{Commune: "12472", Officer: "A"}, testOpts)
	s.Close()
	done := make(chan *storage.Store, 1)
	u := NewUnlock(mustTr(t), dir, testOpts, Now)
	u.SubmitAsync(testPass, func(s *storage.Store) { done <- s })
	s = <-done
	defer s.Close()
	if u.Busy() {
		t.Error("still busy after done")
	}
}

func TestSetup_FindsCommuneChecksPassphraseAndCreates(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new")
	st := NewSetup(mustTr(t), dir, testOpts)
	found := st.FindCommunes("quynh phu hung")
	if len(found) == 0 || found[0].Code != "12472" {
		t.Fatalf("FindCommunes(quynh phu hung) = %v", found)
	}
	for _, u := range st.FindCommunes("lung cu") {
		if u.Old {
			t.Errorf("setup offers pre-2025 unit %v", u)
		}
	}
	if _, err := st.Create(); !ErrInvalid(err) {
		t.Fatalf("empty form: %v", err)
	}
	errs := st.Errors()
	for _, k := range []string{"commune", "officer", "passphrase"} {
		if errs[k] == "" {
			t.Errorf("no message for %s: %v", k, errs)
		}
	}
	st.ChooseCommune("12472")
	st.SetOfficer("Trần Thị Mai")
	st.SetPassphrase("ngan", "ngan")
	if lvl, hint := st.Strength(); lvl != 1 || !strings.Contains(hint, "10") {
		t.Errorf("Strength(short) = %d %q", lvl, hint)
	}
	st.SetPassphrase(testPass, testPass+"x")
	if _, err := st.Create(); !ErrInvalid(err) || st.Errors()["repeat"] == "" {
		t.Fatalf("different repetition: %v %v", err, st.Errors())
	}
	st.SetPassphrase(testPass, testPass)
	if lvl, _ := st.Strength(); lvl != 3 {
		t.Errorf("Strength(%q) = %d, want 3", testPass, lvl)
	}
	s, err := st.Create()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if p := s.Profile(); p.Commune != "12472" || p.Officer != "Trần Thị Mai" {
		t.Errorf("profile = %+v", p)
	}
	if !HasProfile(dir) {
		t.Error("HasProfile false after setup")
	}
}

func TestPassphraseStrength(t *testing.T) {
	for p, want := range map[string]int{"": 0, "abc": 1, "abcdefghij": 2, "abcdefgh1234": 3, "con meo den tren mai nha": 3} {
		if got := PassphraseStrength(p); got != want {
			t.Errorf("PassphraseStrength(%q) = %d, want %d", p, got, want)
		}
	}
}

func TestOverview_CountsPendingAndSaysItIsOffline(t *testing.T) {
	s := mustStore(t, 200)
	o := NewOverview(mustTr(t), s, nil, nil)
	if err := o.Refresh(); err != nil {
		t.Fatal(err)
	}
	d := o.Data()
	if d.Persons != 200 || d.Households == 0 || d.Pending == 0 {
		t.Errorf("counts: %+v", d)
	}
	if d.LastSync != "chưa đồng bộ" || d.Online || !strings.Contains(d.Connection, "Ngoại tuyến") || d.Conflicts != 0 {
		t.Errorf("sync fields: %+v", d)
	}
	if !strings.Contains(d.Commune, "Quỳnh Phụ") {
		t.Errorf("commune %q", d.Commune)
	}
	o.tr.SetLang("en")
	if d := o.Data(); d.LastSync != "never synced" || !strings.Contains(d.Connection, "Offline") {
		t.Errorf("after switching to English: %+v", d)
	}
}

// TestUnlock_DiskFullSaysWhatToDo: a profile on a nearly full disk is not
// opened, and the officer reads why and what to do, in Vietnamese.
func TestUnlock_DiskFullSaysWhatToDo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	s, err := storage.Create(dir, []byte(testPass), storage.Profile{Commune: "12472", Officer: "A"}, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	full := testOpts
	full.MinFree = 1 << 60
	if _, err := diskfree.Bytes(dir); err != nil {
		t.Skipf("free space cannot be read here: %v", err)
	}
	u := NewUnlock(mustTr(t), dir, full, Now)
	if _, err := u.Submit(testPass); !errors.Is(err, storage.ErrDiskFull) {
		t.Fatalf("opened with less free space than needed: %v", err)
	}
	got := u.Message()
	for _, want := range []string{"Ổ đĩa gần đầy", "1099511627776 MB", "xóa hoặc chuyển bớt tệp", "không mất"} {
		if !strings.Contains(got, want) {
			t.Errorf("message %q lacks %q", got, want)
		}
	}
	s, err = NewUnlock(mustTr(t), dir, testOpts, Now).Submit(testPass)
	if err != nil {
		t.Fatalf("with space again: %v", err)
	}
	s.Close()
}

// TestUnlock_InUseSaysCloseTheOtherWindow: the app started twice, or
// while kitctl works on the profile, says so instead of "damaged".
func TestUnlock_InUseSaysCloseTheOtherWindow(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	s, err := storage.Create(dir, []byte(testPass), storage.Profile{Commune: "12472", Officer: "A"}, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u := NewUnlock(mustTr(t), dir, testOpts, Now)
	if _, err := u.Submit(testPass); !errors.Is(err, storage.ErrInUse) {
		t.Fatalf("second opener: %v", err)
	}
	if got := u.Message(); !strings.Contains(got, "đang được mở trong một chương trình khác") || strings.Contains(got, "hỏng") {
		t.Errorf("message %q", got)
	}
}
