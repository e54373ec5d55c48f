package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/i18n"
	"github.com/communekit/communekit/app/vm"
)

// showSettings opens the "Cài đặt" screen.
func (a *App) showSettings() {
	a.showSection(navSettings, func() fyne.CanvasObject { return settingsPage(a) })
}

// settingsPage is the settings screen: language, theme, text size, the
// idle time before the lock, and the passphrase change. Each choice takes
// effect at once and is kept in the profile (vm.SettingsFile).
func settingsPage(a *App) fyne.CanvasObject {
	tr := a.tr
	p := vm.NewSettingsPage(tr, a.cfg.Dir, a.settings, a.applySettings)
	s := p.Settings()
	problem := problemLabel()
	p.OnChange(func() { setProblem(problem, p.Problem()) })

	langs := []string{tr.T("lang.vi"), tr.T("lang.en")}
	lang := newKeySelect(a.keys, langs, nil, nil)
	lang.PlaceHolder = langs[0]
	lang.SetSelectedIndex(indexOf(i18n.Languages, s.Lang))
	// Set after the selection: the language changed rebuilds this page.
	lang.OnChanged = func(string) { p.SetLang(i18n.Languages[lang.SelectedIndex()]) }

	themes := newRadio(p.ThemeLabels(), nil)
	themes.SetSelected(p.ThemeLabels()[indexOf(vm.Themes, s.Theme)])
	themes.OnChanged = func(string) {
		if i := indexOf(p.ThemeLabels(), themes.Selected); i >= 0 {
			p.SetTheme(vm.Themes[i])
		}
	}

	texts := newRadio(p.TextLabels(), nil)
	texts.Horizontal = true
	texts.SetSelected(p.TextLabels()[indexOf(vm.TextSizes, s.Text)])
	texts.OnChanged = func(string) {
		if i := indexOf(p.TextLabels(), texts.Selected); i >= 0 {
			p.SetText(vm.TextSizes[i])
		}
	}

	idle := newKeySelect(a.keys, p.IdleLabels(), nil, nil)
	idle.PlaceHolder = p.IdleLabels()[len(vm.IdleChoices)-1] // as wide as the widest
	if i := p.IdleIndex(); i >= 0 {
		idle.SetSelectedIndex(i)
	} else {
		idle.PlaceHolder = tr.T("settings.idle.minutes", s.IdleMinutes)
	}
	idle.OnChanged = func(string) { p.SetIdle(vm.IdleChoices[idle.SelectedIndex()]) }

	pass := newButton(tr.T("nav.passphrase"), a.showChangePassphrase)

	body := container.NewVBox(
		heading(tr.T("settings.title")),
		wrapped(tr.T("settings.intro")),
		problem,
		widget.NewSeparator(),
		bold(tr.T("settings.language")), container.NewHBox(lang),
		bold(tr.T("settings.theme")), themes,
		bold(tr.T("settings.text")), texts,
		widget.NewSeparator(),
		bold(tr.T("settings.idle")), container.NewHBox(idle),
		wrapped(tr.T("settings.idle.explain")),
		widget.NewSeparator(),
		bold(tr.T("settings.passphrase")),
		wrapped(tr.T("settings.passphrase.explain")),
		container.NewHBox(pass),
	)
	return container.NewVScroll(container.NewPadded(body))
}

func indexOf(vs []string, v string) int {
	for i, x := range vs {
		if x == v {
			return i
		}
	}
	return -1
}
