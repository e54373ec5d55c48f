package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/communekit/communekit/app/vm"
)

// appTheme is the app's theme: Fyne's own, in the variant the officer
// chose (or the computer's), with the text drawn larger when asked. It is
// set app-wide (fyne.App's Settings().SetTheme), never per widget: Fyne
// keeps the fonts of every theme override scope.
type appTheme struct {
	base    fyne.Theme
	variant fyne.ThemeVariant
	system  bool    // the computer's variant, not variant
	scale   float32 // text sizes, 1 for normal
}

func newAppTheme(s vm.Settings) *appTheme {
	t := &appTheme{base: theme.DefaultTheme(), scale: s.TextScale()}
	switch s.Theme {
	case vm.ThemeDark:
		t.variant = theme.VariantDark
	case vm.ThemeSystem:
		t.system = true
	default:
		t.variant = theme.VariantLight
	}
	return t
}

// Fyne's light colours where they are too faint for a bright office and
// an old screen: grey text (#565656), a bright green success (1.5:1 on
// white), orange warnings, placeholders and disabled text barely seen,
// entry borders that vanish. These give text at least 4.5:1 against the
// backgrounds it is drawn on (theme_test checks the figures).
var lightColors = map[fyne.ThemeColorName]color.Color{
	theme.ColorNameForeground:  color.NRGBA{R: 0x1a, G: 0x1a, B: 0x1a, A: 0xff},
	theme.ColorNamePlaceHolder: color.NRGBA{R: 0x5c, G: 0x5c, B: 0x5c, A: 0xff},
	theme.ColorNameDisabled:    color.NRGBA{R: 0x70, G: 0x70, B: 0x70, A: 0xff},
	theme.ColorNameSuccess:     color.NRGBA{R: 0x1b, G: 0x6e, B: 0x20, A: 0xff},
	theme.ColorNameWarning:     color.NRGBA{R: 0x9a, G: 0x4b, B: 0x00, A: 0xff},
	theme.ColorNameError:       color.NRGBA{R: 0xb7, G: 0x1c, B: 0x1c, A: 0xff},
	theme.ColorNamePrimary:     color.NRGBA{R: 0x0b, G: 0x57, B: 0xa8, A: 0xff},
	theme.ColorNameHyperlink:   color.NRGBA{R: 0x0b, G: 0x57, B: 0xa8, A: 0xff},
	theme.ColorNameInputBorder: color.NRGBA{R: 0x8a, G: 0x8a, B: 0x8a, A: 0xff},
	theme.ColorNameSeparator:   color.NRGBA{R: 0xc4, G: 0xc4, B: 0xc4, A: 0xff},
	theme.ColorNameButton:      color.NRGBA{R: 0xe8, G: 0xe8, B: 0xe8, A: 0xff},
}

func (t *appTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if !t.system {
		v = t.variant
	}
	if v == theme.VariantLight {
		if c, ok := lightColors[n]; ok {
			return c
		}
	}
	return t.base.Color(n, v)
}

func (t *appTheme) Size(n fyne.ThemeSizeName) float32 {
	s := t.base.Size(n)
	switch n {
	case theme.SizeNameText, theme.SizeNameHeadingText, theme.SizeNameSubHeadingText,
		theme.SizeNameCaptionText, theme.SizeNameInlineIcon:
		return s * t.scale
	}
	return s
}

func (t *appTheme) Font(s fyne.TextStyle) fyne.Resource { return t.base.Font(s) }

func (t *appTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return t.base.Icon(n) }

// applySettings makes s take effect app-wide: language and theme.
func (a *App) applySettings(s vm.Settings) {
	a.settings = s
	if a.idle != nil {
		a.idle.SetAfter(s.Idle())
	}
	if app := fyne.CurrentApp(); app != nil {
		app.Settings().SetTheme(newAppTheme(s))
	}
	if a.tr.Lang() != s.Lang {
		a.tr.SetLang(s.Lang) // relabels what is on screen
	}
	speakToFyne(a.tr)
}
