package vm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/communekit/communekit/app/i18n"
)

// TestSettings_FileOfNoUse: a settings file that is not one, too large, or
// with values out of range leaves the defaults; the idle time is never
// longer than MaxIdleMinutes whatever the file says.
func TestSettings_FileOfNoUse(t *testing.T) {
	dir := t.TempDir()
	if got := LoadSettings(dir); got != DefaultSettings() {
		t.Fatalf("no file: %+v", got)
	}
	for name, body := range map[string]string{
		"garbage":      "\x00\x01 not json",
		"too large":    `{"lang":"en",` + strings.Repeat(" ", 5000) + `"theme":"dark"}`,
		"out of range": `{"lang":"fr","theme":"pink","text":"huge","idle_minutes":100000}`,
		"no lock":      `{"idle_minutes":0}`,
		"negative":     `{"idle_minutes":-5}`,
	} {
		if err := os.WriteFile(filepath.Join(dir, SettingsFile), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if got := LoadSettings(dir); got != DefaultSettings() {
			t.Errorf("%s: %+v, want the defaults", name, got)
		}
	}
	os.WriteFile(filepath.Join(dir, SettingsFile), []byte(`{"lang":"en","idle_minutes":45,"theme":"dark"}`), 0o600)
	want := Settings{Lang: "en", Theme: ThemeDark, Text: TextNormal, IdleMinutes: 45}
	if got := LoadSettings(dir); got != want {
		t.Errorf("partial file: %+v, want %+v", got, want)
	}
}

// TestSettingsPage_SavesEachChoice: every choice is kept in the profile at
// once and handed to the app; a profile that cannot be written says so in
// words and the choice holds all the same.
func TestSettingsPage_SavesEachChoice(t *testing.T) {
	tr := i18n.MustLoad()
	dir := t.TempDir()
	var applied Settings
	p := NewSettingsPage(tr, dir, LoadSettings(dir), func(s Settings) { applied = s })
	p.SetText(TextLarge)
	p.SetIdle(5)
	p.SetTheme(ThemeSystem)
	want := Settings{Lang: "vi", Theme: ThemeSystem, Text: TextLarge, IdleMinutes: 5}
	if applied != want || LoadSettings(dir) != want {
		t.Fatalf("applied %+v, kept %+v, want %+v", applied, LoadSettings(dir), want)
	}
	if p.IdleIndex() != 1 || applied.Idle() != 5*time.Minute || applied.TextScale() != 1.2 {
		t.Fatalf("index %d idle %v scale %v", p.IdleIndex(), applied.Idle(), applied.TextScale())
	}
	gone := filepath.Join(dir, "gone")
	q := NewSettingsPage(tr, gone, DefaultSettings(), func(s Settings) { applied = s })
	q.SetTheme(ThemeDark)
	if applied.Theme != ThemeDark || !strings.Contains(q.Problem(), "Không lưu được cài đặt") {
		t.Fatalf("applied %+v, problem %q", applied, q.Problem())
	}
}

// TestIdle_OnAnInjectedClock: the idle time counts from the last touch.
func TestIdle_OnAnInjectedClock(t *testing.T) {
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	i := NewIdle(0, func() time.Time { return now })
	if i.After() != DefaultIdle {
		t.Fatalf("default %v", i.After())
	}
	now = now.Add(DefaultIdle - time.Second)
	if i.Due() {
		t.Fatal("due early")
	}
	i.Touch()
	now = now.Add(DefaultIdle - time.Second)
	if i.Due() {
		t.Fatal("due before the idle time after a touch")
	}
	i.SetAfter(3 * time.Minute)
	if !i.Due() {
		t.Fatal("a shorter idle time does not count the time idle so far")
	}
}
