package vm

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/communekit/communekit/app/i18n"
	"github.com/communekit/communekit/storage"
)

// SettingsFile is the file, in the profile directory beside the profile's
// marker, that keeps the officer's settings. It is plain JSON, readable
// before the passphrase is typed so that the unlock screen already shows
// the officer's language, theme and text size; it holds nothing about any
// person:
//
//	{"lang": "vi", "theme": "light", "text": "large", "idle_minutes": 10}
//
// A value missing, unknown or out of range reads as its default, so a
// damaged or hand-edited file never stops the app, and the idle time is
// at most MaxIdleMinutes whatever the file says: the lock cannot be turned
// off by editing it.
const SettingsFile = "settings.json"

// The themes and text sizes the settings offer.
const (
	ThemeLight  = "light"
	ThemeDark   = "dark"
	ThemeSystem = "system" // as the computer is set

	TextNormal = "normal"
	TextLarge  = "large"
	TextLarger = "larger"
)

// Themes and TextSizes list the choices in the order the settings show them.
var (
	Themes    = []string{ThemeLight, ThemeDark, ThemeSystem}
	TextSizes = []string{TextNormal, TextLarge, TextLarger}
	// IdleChoices are the idle times offered, in minutes.
	IdleChoices = []int{2, 5, 10, 15, 30}
)

// MaxIdleMinutes bounds the idle time read from the settings file.
const MaxIdleMinutes = 60

// maxSettingsFile bounds what is read of the settings file.
const maxSettingsFile = 4 << 10

// Settings are the officer's choices for the app.
type Settings struct {
	Lang        string `json:"lang"`         // i18n.Vietnamese or i18n.English
	Theme       string `json:"theme"`        // ThemeLight, ThemeDark or ThemeSystem
	Text        string `json:"text"`         // TextNormal, TextLarge or TextLarger
	IdleMinutes int    `json:"idle_minutes"` // 1 to MaxIdleMinutes
}

// DefaultSettings are the settings of a profile that has none: Vietnamese,
// the light theme (commune offices are bright, their screens often old),
// normal text, the app locking after 10 minutes idle.
func DefaultSettings() Settings {
	return Settings{Lang: i18n.Vietnamese, Theme: ThemeLight, Text: TextNormal, IdleMinutes: int(DefaultIdle / time.Minute)}
}

// Idle is the idle time after which the app locks.
func (s Settings) Idle() time.Duration { return time.Duration(s.IdleMinutes) * time.Minute }

// TextScale is how much larger than normal the text is drawn.
func (s Settings) TextScale() float32 {
	switch s.Text {
	case TextLarge:
		return 1.2
	case TextLarger:
		return 1.4
	}
	return 1
}

// checked returns s with every value missing, unknown or out of range
// replaced by its default.
func (s Settings) checked() Settings {
	d := DefaultSettings()
	if !oneOf(s.Lang, i18n.Languages) {
		s.Lang = d.Lang
	}
	if !oneOf(s.Theme, Themes) {
		s.Theme = d.Theme
	}
	if !oneOf(s.Text, TextSizes) {
		s.Text = d.Text
	}
	if s.IdleMinutes < 1 || s.IdleMinutes > MaxIdleMinutes {
		s.IdleMinutes = d.IdleMinutes
	}
	return s
}

func oneOf(v string, vs []string) bool {
	for _, x := range vs {
		if v == x {
			return true
		}
	}
	return false
}

// LoadSettings reads the settings of the profile in dir: the defaults
// where there are none, or where the file says something else than a
// setting.
func LoadSettings(dir string) Settings {
	f, err := os.Open(filepath.Join(dir, SettingsFile))
	if err != nil {
		return DefaultSettings()
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSettingsFile+1))
	if err != nil || len(b) > maxSettingsFile {
		return DefaultSettings()
	}
	var s Settings
	if json.Unmarshal(b, &s) != nil {
		return DefaultSettings()
	}
	return s.checked()
}

// SaveSettings writes s into the profile in dir, whole or not at all.
func SaveSettings(dir string, s Settings) error {
	if dir == "" {
		return errors.New("no profile directory")
	}
	b, err := json.MarshalIndent(s.checked(), "", "  ")
	if err != nil {
		return err
	}
	return storage.WriteFileAtomic(filepath.Join(dir, SettingsFile), append(b, '\n'))
}

// SettingsPage is the "Cài đặt" screen: each choice takes effect at once
// (apply) and is kept in the profile.
type SettingsPage struct {
	notifier
	tr    Tr
	dir   string
	apply func(Settings)

	mu      sync.Mutex
	s       Settings
	problem string
}

// NewSettingsPage returns the settings screen of the profile in dir, with
// its current settings s; apply makes a changed setting take effect.
func NewSettingsPage(tr Tr, dir string, s Settings, apply func(Settings)) *SettingsPage {
	return &SettingsPage{tr: tr, dir: dir, s: s.checked(), apply: apply}
}

// Settings are the settings shown.
func (p *SettingsPage) Settings() Settings {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.s
}

// Problem says why the last change could not be kept, or "".
func (p *SettingsPage) Problem() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.problem
}

// ThemeLabels, TextLabels and IdleLabels name the choices, in the order of
// Themes, TextSizes and IdleChoices.
func (p *SettingsPage) ThemeLabels() []string { return p.labels("settings.theme.", Themes) }
func (p *SettingsPage) TextLabels() []string  { return p.labels("settings.text.", TextSizes) }
func (p *SettingsPage) IdleLabels() []string {
	out := make([]string, len(IdleChoices))
	for i, m := range IdleChoices {
		out[i] = p.tr.T("settings.idle.minutes", m)
	}
	return out
}

func (p *SettingsPage) labels(prefix string, codes []string) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = p.tr.T(prefix + c)
	}
	return out
}

// IdleIndex is the place of the idle time among IdleChoices, -1 when it is
// another (set by hand in the file).
func (p *SettingsPage) IdleIndex() int {
	m := p.Settings().IdleMinutes
	for i, c := range IdleChoices {
		if c == m {
			return i
		}
	}
	return -1
}

// SetLang, SetTheme, SetText and SetIdle change one setting.
func (p *SettingsPage) SetLang(lang string) { p.change(func(s *Settings) { s.Lang = lang }) }
func (p *SettingsPage) SetTheme(t string)   { p.change(func(s *Settings) { s.Theme = t }) }
func (p *SettingsPage) SetText(t string)    { p.change(func(s *Settings) { s.Text = t }) }
func (p *SettingsPage) SetIdle(minutes int) { p.change(func(s *Settings) { s.IdleMinutes = minutes }) }

func (p *SettingsPage) change(f func(*Settings)) {
	p.mu.Lock()
	s := p.s
	f(&s)
	s = s.checked()
	same := s == p.s
	p.s = s
	p.mu.Unlock()
	if same {
		return
	}
	problem := ""
	if err := SaveSettings(p.dir, s); err != nil {
		// In effect all the same, until the app is closed.
		problem = p.tr.T("settings.err.save", err.Error())
	}
	p.mu.Lock()
	p.problem = problem
	p.mu.Unlock()
	if p.apply != nil {
		p.apply(s)
	}
	p.changed()
}
