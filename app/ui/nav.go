package ui

import (
	"os"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/vm"
)

// navKey names a section of the navigation.
type navKey string

const (
	navOverview    navKey = "overview"
	navSearch      navKey = "search"
	navHouseholds  navKey = "households"
	navStats       navKey = "stats"
	navQuality     navKey = "quality"
	navSync        navKey = "sync"
	navConflicts   navKey = "conflicts"
	navExport      navKey = "export"
	navImport      navKey = "import"
	navSheetImport navKey = "sheet_import"
	navListExport  navKey = "list_export"
	navEnrolment   navKey = "enrolment"
	navSettings    navKey = "settings"
)

// showSection replaces the page stack with page, the first page of
// section k, and highlights k in the navigation: every way to a section
// (its button, a shortcut, a link on another screen) comes through here,
// and the pages opened over it keep it highlighted.
func (a *App) showSection(k navKey, page func() fyne.CanvasObject) {
	a.nav = k
	a.highlightNav()
	a.showRoot(page)
}

// highlightNav marks the section shown, and only it.
func (a *App) highlightNav() {
	for k, b := range a.navButtons {
		want := widget.MediumImportance
		if k == a.nav {
			want = widget.HighImportance
		}
		if b.Importance != want {
			b.Importance = want
			b.Refresh()
		}
	}
}

func (a *App) showOverview() {
	a.showSection(navOverview, a.overview.view)
	a.overview.refresh(nil)
}

func (a *App) showHouseholds() {
	// One screen for the visit: back from a household shows it again,
	// the hamlet chosen kept.
	a.showSection(navHouseholds, newHouseholdsScreen(a).view)
}

func (a *App) showExport() {
	a.showSection(navExport, func() fyne.CanvasObject { return exportPage(a) })
}

// setLang changes the language, kept in the profile's settings when there
// is a profile.
func (a *App) setLang(lang string) {
	s := a.settings
	s.Lang = lang
	if vm.HasProfile(a.cfg.Dir) {
		vm.SaveSettings(a.cfg.Dir, s) // the choice holds anyway
	}
	a.applySettings(s)
}

// keepSettings writes the settings into a profile that has none yet (one
// just made: the language chosen during setup is kept).
func (a *App) keepSettings() {
	if _, err := os.Stat(filepath.Join(a.cfg.Dir, vm.SettingsFile)); err == nil || a.cfg.Dir == "" {
		return
	}
	s := a.settings
	s.Lang = a.tr.Lang()
	a.settings = s
	vm.SaveSettings(a.cfg.Dir, s) // kept next time if it can be
}
