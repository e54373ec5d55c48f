package ui

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/i18n"
	"github.com/communekit/communekit/app/vm"
	"github.com/communekit/communekit/storage"
)

// fakeClock is the idle lock's clock in tests: it moves when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// unlockedApp opens the app on a new profile in a 1366×768 window, past the
// unlock screen.
func unlockedApp(t *testing.T, cfg Config) (*App, fyne.Window, *storage.Store) {
	t.Helper()
	a := test.NewTempApp(t)
	dir, s := newUIProfile(t)
	w := a.NewWindow("test")
	w.Resize(fyne.NewSize(1366, 768))
	cfg.Dir, cfg.Options, cfg.Do = dir, uiOpts, uiQueue.post
	if cfg.IdleCheck == 0 {
		cfg.IdleCheck = -1
	}
	ui := New(w, i18n.MustLoad(), cfg)
	w.Show()
	ui.unlocked(s, time.Now())
	uiQueue.drain()
	t.Cleanup(ui.Close)
	return ui, w, s
}

// labelledInput is the input of type T beside the form label named label.
func labelledInput[T fyne.CanvasObject](t *testing.T, o fyne.CanvasObject, label string) T {
	t.Helper()
	var out T
	found := false
	walk(o, func(o fyne.CanvasObject) {
		c, ok := o.(*fyne.Container)
		if !ok || found {
			return
		}
		for i, x := range c.Objects {
			if l, ok := x.(*widget.Label); ok && l.Text == label && i+1 < len(c.Objects) {
				out, found = find[T](c.Objects[i+1]), true
				return
			}
		}
	})
	if !found {
		t.Fatalf("no input labelled %q", label)
	}
	return out
}

func fieldEntry(t *testing.T, o fyne.CanvasObject, label string) *keyEntry {
	t.Helper()
	return labelledInput[*keyEntry](t, o, label)
}

// choice is a widget choosing among a list, whichever it is.
type choice interface {
	fyne.CanvasObject
	SetSelectedIndex(int)
}

// entryHolding reports whether an entry under o holds text.
func entryHolding(o fyne.CanvasObject, text string) bool {
	for _, e := range all[*keyEntry](o) {
		if strings.Contains(e.Text, text) {
			return true
		}
	}
	return false
}

// unlockAgain types the passphrase on the lock screen and waits for the
// app to be back.
func unlockAgain(t *testing.T, ui *App, w fyne.Window) {
	t.Helper()
	pass := find[*keyEntry](w.Content())
	if pass == nil || !pass.Password {
		t.Fatal("no passphrase entry on the lock screen")
	}
	test.Type(pass, uiPass)
	pass.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	waitFor(t, func() bool { return !ui.Locked() })
}

// TestLock_CtrlLKeepsTheFormAndUnlockReturnsToIt: Ctrl+L in a form being
// filled in closes the store and shows only the lock screen; the
// passphrase brings back the form with what was typed, the focus where it
// was, and the form saves into the store opened again.
func TestLock_CtrlLKeepsTheFormAndUnlockReturnsToIt(t *testing.T) {
	ui, w, s := unlockedApp(t, Config{})
	tap(t, w.Content(), "Thêm người")
	name := fieldEntry(t, ui.content, storage.FieldFullName.Label("vi"))
	test.Type(name, "Hoàng Thị Lụa")
	w.Canvas().Focus(name)

	name.TypedShortcut(lockShortcut)
	if !ui.Locked() {
		t.Fatal("Ctrl+L did not lock the app")
	}
	waitFor(t, s.Locked)
	if !hasText(w.Content(), "Ứng dụng đã khóa") {
		t.Fatal("no lock screen")
	}
	if entryHolding(w.Content(), "Hoàng Thị Lụa") || hasText(w.Content(), "Thêm người") {
		t.Fatal("the form or the navigation is still on screen while locked")
	}
	screenshot(t, w, "locked")
	// The app's keys do nothing while locked.
	ui.keys.doFind()
	ui.keys.doEscape()
	if !ui.Locked() || !hasText(w.Content(), "Ứng dụng đã khóa") {
		t.Fatal("a key left the lock screen")
	}
	pass := find[*keyEntry](w.Content())
	test.Type(pass, "sai")
	pass.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	waitFor(t, func() bool { return hasText(w.Content(), "Mật khẩu không đúng") })
	if !ui.Locked() || !s.Locked() {
		t.Fatal("a wrong passphrase unlocked")
	}
	unlockAgain(t, ui, w)
	if s.Locked() || ui.Store() != s {
		t.Fatal("the store is not open again in place")
	}
	if name.Text != "Hoàng Thị Lụa" || !entryHolding(w.Content(), "Hoàng Thị Lụa") {
		t.Fatal("the form typed before the lock is not back on screen")
	}
	if w.Canvas().Focused() != name {
		t.Fatal("the focus is not back in the field")
	}
	test.Type(fieldEntry(t, ui.content, storage.FieldBirthDate.Label("vi")), "1990")
	for _, f := range []storage.Field{storage.FieldSex, storage.FieldEthnicity} {
		sel := labelledInput[choice](t, ui.content, f.Label("vi"))
		if sel == nil {
			t.Fatalf("no choice for %s", f)
		}
		sel.SetSelectedIndex(1) // the first after "—"
	}
	name.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) // Enter saves
	uiQueue.drain()
	if hits, err := s.Search("Hoàng Thị Lụa", 5); err != nil || len(hits) != 1 {
		var msgs []string
		for _, l := range all[*widget.Label](ui.content) {
			if l.Visible() && l.Importance == widget.DangerImportance {
				msgs = append(msgs, l.Text)
			}
		}
		t.Fatalf("the form did not save after the lock: %v %v %q", hits, err, msgs)
	}
}

// TestLock_ButtonInTheNavigation locks from the navigation's button, and
// an open dialog is back over its page after unlocking.
func TestLock_ButtonInTheNavigation(t *testing.T) {
	ui, w, s := unlockedApp(t, Config{})
	ui.showSettings()
	tap(t, ui.content, "Đổi mật khẩu")
	dlg := w.Canvas().Overlays().Top()
	if dlg == nil {
		t.Fatal("no dialog")
	}
	ui.keys.doLock() // Ctrl+L over the dialog
	if !ui.Locked() || w.Canvas().Overlays().Top() != nil {
		t.Fatal("the dialog stays over the lock screen")
	}
	unlockAgain(t, ui, w)
	if w.Canvas().Overlays().Top() != dlg {
		t.Fatal("the dialog is not back")
	}
	dlg.Hide()
	w.Canvas().Overlays().Remove(dlg)
	tap(t, w.Content(), "Khóa (Ctrl+L)")
	if !ui.Locked() {
		t.Fatal("the navigation's button did not lock")
	}
	waitFor(t, s.Locked)
	unlockAgain(t, ui, w)
	if !hasText(ui.content, "Cài đặt") {
		t.Fatal("not back on the settings screen")
	}
}

// TestIdleLock_CountsFromTheLastKeyOrMouseMove: on a clock moved by the
// test, the app locks once nothing was typed and the mouse did not move for
// the idle time (10 minutes, or the one set), and not before.
func TestIdleLock_CountsFromTheLastKeyOrMouseMove(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 3, 2, 8, 0, 0, 0, time.Local)}
	ui, w, s := unlockedApp(t, Config{Now: clock.Now})
	ui.focusSearch()

	clock.Add(9 * time.Minute)
	ui.checkIdle()
	if ui.Locked() {
		t.Fatal("locked after 9 minutes")
	}
	test.Type(ui.search.entry, "a") // a key at 9 min
	clock.Add(9 * time.Minute)
	ui.checkIdle()
	if ui.Locked() {
		t.Fatal("locked 9 minutes after a key")
	}
	root := find[*activity](w.Content())
	if root == nil {
		t.Fatal("the window's root does not watch the mouse")
	}
	root.Cursor() // the mouse moves, at 18 min
	clock.Add(9*time.Minute + 59*time.Second)
	ui.checkIdle()
	if ui.Locked() {
		t.Fatal("locked 9:59 after the mouse moved")
	}
	clock.Add(time.Second)
	ui.checkIdle()
	if !ui.Locked() {
		t.Fatal("not locked after 10 minutes idle")
	}
	waitFor(t, s.Locked)
	if !hasText(w.Content(), "tự khóa sau 10 phút") {
		t.Fatal("the lock screen does not say the idle time locked it")
	}
	unlockAgain(t, ui, w)
	if ui.search.entry.Text != "a" {
		t.Fatal("the search typed before the lock is gone")
	}
	// Just unlocked: the idle time counts from the unlock.
	clock.Add(5 * time.Minute)
	ui.checkIdle()
	if ui.Locked() {
		t.Fatal("locked 5 minutes after unlocking")
	}
}

// TestIdleLock_TimeFromTheSettings: the idle time set in the settings
// (kept in the profile) is the one the lock waits for, also after the app
// starts again.
func TestIdleLock_TimeFromTheSettings(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 3, 2, 8, 0, 0, 0, time.Local)}
	ui, w, _ := unlockedApp(t, Config{Now: clock.Now})
	tap(t, w.Content(), "Cài đặt")
	sels := all[*keySelect](ui.content)
	if len(sels) != 2 {
		t.Fatalf("%d choices on the settings screen, want language and idle time", len(sels))
	}
	sels[1].SetSelected("2 phút")
	clock.Add(119 * time.Second)
	ui.checkIdle()
	if ui.Locked() {
		t.Fatal("locked before 2 minutes")
	}
	clock.Add(time.Second)
	ui.checkIdle()
	if !ui.Locked() {
		t.Fatal("not locked after the 2 minutes set")
	}
	if got := vm.LoadSettings(ui.cfg.Dir).IdleMinutes; got != 2 {
		t.Fatalf("the profile keeps %d minutes, want 2", got)
	}
}

// TestSettings_KeptInTheProfileAndAppliedAtOnce: language, theme and text
// size take effect when chosen and are the app's at its next start, from
// the unlock screen on.
func TestSettings_KeptInTheProfileAndAppliedAtOnce(t *testing.T) {
	ui, w, s := unlockedApp(t, Config{})
	tap(t, w.Content(), "Cài đặt")
	if b := ui.navButtons[navSettings]; b == nil || b.Importance != widget.HighImportance {
		t.Fatal("the settings are not highlighted in the navigation")
	}
	th := fyne.CurrentApp().Settings().Theme()
	if c := th.Color(theme.ColorNameBackground, theme.VariantDark); c != lightColor(theme.ColorNameBackground) {
		t.Fatalf("the theme is not light by default: background %v", c)
	}
	base := theme.DefaultTheme().Size(theme.SizeNameText)
	radios := all[*keyRadio](ui.content)
	if len(radios) != 2 {
		t.Fatalf("%d radio groups, want theme and text size", len(radios))
	}
	radios[1].SetSelected("Rất lớn")
	if got := fyne.CurrentApp().Settings().Theme().Size(theme.SizeNameText); got != base*1.4 {
		t.Fatalf("text size %v after choosing the larger text, want %v", got, base*1.4)
	}
	radios = all[*keyRadio](ui.content)
	radios[0].SetSelected("Tối")
	dark := theme.DefaultTheme().Color(theme.ColorNameBackground, theme.VariantDark)
	if c := fyne.CurrentApp().Settings().Theme().Color(theme.ColorNameBackground, theme.VariantLight); c != dark {
		t.Fatalf("background %v after choosing the dark theme, want %v", c, dark)
	}
	all[*keySelect](ui.content)[0].SetSelected("English")
	if !hasText(w.Content(), "Settings") || !hasText(ui.content, "Text size") {
		t.Fatal("the screens are not in English after choosing it")
	}
	if b := ui.navButtons[navSettings]; b == nil || b.Text != "Settings" || b.Importance != widget.HighImportance {
		t.Fatal("the settings are not highlighted after the language changed")
	}
	got := vm.LoadSettings(ui.cfg.Dir)
	want := vm.Settings{Lang: "en", Theme: vm.ThemeDark, Text: vm.TextLarger, IdleMinutes: 10}
	if got != want {
		t.Fatalf("profile keeps %+v, want %+v", got, want)
	}
	ui.Close()
	s.Close()

	// The next start: the unlock screen in English, dark, larger text.
	fyne.CurrentApp().Settings().SetTheme(theme.DefaultTheme())
	w2 := fyne.CurrentApp().NewWindow("again")
	w2.Resize(fyne.NewSize(1366, 768))
	ui2 := New(w2, i18n.MustLoad(), Config{Dir: ui.cfg.Dir, Options: uiOpts, Do: uiQueue.post, IdleCheck: -1})
	ui2.Start()
	w2.Show()
	defer ui2.Close()
	if !hasText(w2.Content(), "Unlock") {
		t.Fatal("the unlock screen is not in the language kept")
	}
	if got := fyne.CurrentApp().Settings().Theme().Size(theme.SizeNameText); got != base*1.4 {
		t.Fatal("the text size kept is not applied at start")
	}
	if ui2.idle.After() != 10*time.Minute {
		t.Fatalf("idle time %v", ui2.idle.After())
	}
}

func lightColor(n fyne.ThemeColorName) any {
	if c, ok := lightColors[n]; ok {
		return c
	}
	return theme.DefaultTheme().Color(n, theme.VariantLight)
}

// TestNav_HighlightsTheScreenHoweverReached: the navigation highlights the
// section shown, and only it, whether it was reached by its button, a
// shortcut or a link on another screen, and keeps it under the pages
// opened over it.
func TestNav_HighlightsTheScreenHoweverReached(t *testing.T) {
	ui, w, _ := unlockedApp(t, Config{})
	highlighted := func() []navKey {
		var ks []navKey
		for k, b := range ui.navButtons {
			if b.Importance == widget.HighImportance {
				ks = append(ks, k)
			}
		}
		return ks
	}
	want := func(how string, k navKey) {
		t.Helper()
		if got := highlighted(); len(got) != 1 || got[0] != k {
			t.Fatalf("%s: highlighted %v, want [%s]", how, got, k)
		}
	}
	want("at start", navOverview)
	ui.keys.doFind() // Ctrl+F
	want("Ctrl+F", navSearch)
	tap(t, w.Content(), "Thống kê")
	want("the statistics button", navStats)
	ui.keys.doFind()
	test.Type(ui.search.entry, "x")
	tap(t, w.Content(), "Tổng quan")
	waitFor(t, func() bool { return hasText(ui.content, "Xem xung đột") })
	tap(t, ui.content, "Xem xung đột") // the overview's link
	want("the overview's link to conflicts", navConflicts)
	tap(t, w.Content(), "Tổng quan")
	waitFor(t, func() bool { return hasText(ui.content, "Đồng bộ ngay") })
	tap(t, ui.content, "Đăng ký thiết bị") // the overview's link
	want("the overview's link to enrolment", navEnrolment)
	ui.syncKey() // Ctrl+Y
	want("Ctrl+Y", navSync)
	tap(t, w.Content(), "Hộ gia đình")
	want("households", navHouseholds)
	tap(t, w.Content(), "Thêm người") // a page over the households
	want("a form over the households", navHouseholds)
}

// TestPendingCount_SameOnEveryScreen: the count of changes waiting for the
// district reads the same, grouped by thousands, on the overview, the sync
// screen and the USB export screen.
func TestPendingCount_SameOnEveryScreen(t *testing.T) {
	ui, w, s := unlockedApp(t, Config{})
	var csv strings.Builder
	csv.WriteString("full_name,birth_date,sex,ethnicity\n")
	a := []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"}
	b := []string{"Văn", "Thị", "Hữu", "Đức", "Minh", "Thu", "Quang", "Ngọc", "Thanh", "Xuân"}
	c := []string{"An", "Bình", "Cường", "Dung", "Giang", "Hà", "Khánh", "Lan", "Mai", "Nam"}
	for i := range 1100 {
		fmt.Fprintf(&csv, "%s %s %s,1990,Nam,01\n", a[i%11], b[i/11%10], c[i/110])
	}
	if rep, err := s.ImportPersons(strings.NewReader(csv.String()), storage.ImportOptions{}); err != nil || rep.Imported != 1100 {
		t.Fatalf("imported %+v %v", rep, err)
	}
	p, err := s.Pending()
	if err != nil || p < 1000 {
		t.Fatalf("pending %d %v", p, err)
	}
	want := vm.Count(ui.tr, int(p))
	if !strings.Contains(want, ".") {
		t.Fatalf("%q is not grouped", want)
	}
	tap(t, w.Content(), "Tổng quan")
	waitFor(t, func() bool { return hasText(ui.content, want) })
	tap(t, w.Content(), "Đồng bộ (Ctrl+Y)")
	waitFor(t, func() bool { return hasText(ui.content, want) })
	tap(t, w.Content(), "Xuất ra USB")
	waitFor(t, func() bool { return hasText(ui.content, want) })
	if hasText(ui.content, fmt.Sprint(p)) {
		t.Fatalf("the export screen shows %d ungrouped", p)
	}
}

// TestSettings_LanguageOfSetupKept: a profile made in English (the
// language chosen on the setup screen) opens in English the next time.
func TestSettings_LanguageOfSetupKept(t *testing.T) {
	a := test.NewTempApp(t)
	dir, s := newUIProfile(t)
	w := a.NewWindow("test")
	tr := i18n.MustLoad()
	ui := New(w, tr, Config{Dir: dir, Options: uiOpts, Do: uiQueue.post, IdleCheck: -1})
	tr.SetLang(i18n.English) // as on the setup screen, before there is a profile
	ui.unlocked(s, time.Now())
	uiQueue.drain()
	defer ui.Close()
	if got := vm.LoadSettings(dir).Lang; got != i18n.English {
		t.Fatalf("the profile keeps %q, want en", got)
	}
}

// TestLock_WaitsForReadsAndHoldsNewOnes: a lock closes the store only
// once the reads under way (an import, an export, the overview's counts)
// have ended, and a read begun while locked waits for the unlock instead of
// reading a closed store.
func TestLock_WaitsForReadsAndHoldsNewOnes(t *testing.T) {
	ui, w, s := unlockedApp(t, Config{})
	started, release := make(chan struct{}), make(chan struct{})
	var during error
	ui.goRead(func() {
		close(started)
		<-release
		_, during = s.Search("nguyen", 1)
	})
	<-started
	ui.keys.doLock()
	if !ui.Locked() || hasText(w.Content(), "Thêm người") {
		t.Fatal("the screens stay on show until the read ends")
	}
	time.Sleep(50 * time.Millisecond)
	if s.Locked() {
		t.Fatal("the store closed under a read under way")
	}
	close(release)
	waitFor(t, s.Locked)
	if during != nil {
		t.Fatalf("the read under way failed: %v", during)
	}
	ran := make(chan error, 1)
	ui.goRead(func() {
		_, err := s.Search("nguyen", 1)
		ran <- err
	})
	select {
	case <-ran:
		t.Fatal("a read ran while the store was locked")
	case <-time.After(50 * time.Millisecond):
	}
	unlockAgain(t, ui, w)
	if err := <-ran; err != nil {
		t.Fatalf("the read held during the lock failed after it: %v", err)
	}
}
