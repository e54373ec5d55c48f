package ui

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"fyne.io/fyne/v2"

	"github.com/communekit/communekit/app/vm"
	"github.com/communekit/communekit/storage"
)

// TestScreenshots_SettingsLockAndBusyScreens writes the settings screen,
// the lock screen and the overview and search, at 1366×768, in both
// languages, both themes and every text size, into
// $COMMUNEKIT_SCREENSHOTS for a person to look at; it is skipped without.
func TestScreenshots_SettingsLockAndBusyScreens(t *testing.T) {
	if os.Getenv("COMMUNEKIT_SCREENSHOTS") == "" {
		t.Skip("COMMUNEKIT_SCREENSHOTS not set")
	}
	ui, w, s := unlockedApp(t, Config{})
	var csv strings.Builder
	csv.WriteString("full_name,birth_date,sex,ethnicity,household_number,relationship_to_head\n")
	for i, g := range []string{"An", "Bình", "Cường", "Dung", "Giang", "Hà", "Khánh", "Lan", "Mai", "Nam", "Oanh", "Phúc"} {
		fmt.Fprintf(&csv, "Nguyễn Văn %s,19%d,Nam,01,H%d,Chủ hộ\n", g, 60+i, i)
	}
	if _, err := s.ImportPersons(strings.NewReader(csv.String()), storage.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"vi", "en"} {
		for _, th := range []string{vm.ThemeLight, vm.ThemeDark} {
			for _, text := range []string{vm.TextNormal, vm.TextLarger} {
				name := lang + "-" + th + "-" + text
				ui.applySettings(vm.Settings{Lang: lang, Theme: th, Text: text, IdleMinutes: 10})
				ui.showSettings()
				uiQueue.drain()
				screenshot(t, w, "settings-"+name)
				ui.showOverview()
				waitFor(t, func() bool { return ui.overview.vm.Data().Loaded })
				uiQueue.drain()
				screenshot(t, w, "overview-"+name)
				ui.focusSearch()
				ui.search.entry.SetText("nguyen van")
				waitFor(t, func() bool { return len(ui.search.results) > 0 })
				screenshot(t, w, "search-"+name)
				ui.lock(true)
				waitFor(t, s.Locked)
				waitFor(t, func() bool { return w.Canvas().Focused() != nil })
				screenshot(t, w, "locked-"+name)
				unlockAgain(t, ui, w)
				w.Resize(fyne.NewSize(1366, 768))
			}
		}
	}
}
