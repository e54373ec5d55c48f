package ui

import (
	"image/color"
	"math"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/communekit/communekit/app/vm"
)

// contrast is the WCAG 2 contrast ratio of two colours (1 to 21).
func contrast(a, b color.Color) float64 {
	lum := func(c color.Color) float64 {
		r, g, b, _ := color.NRGBAModel.Convert(c).RGBA()
		ch := func(v uint32) float64 {
			s := float64(v>>8) / 255
			if s <= 0.03928 {
				return s / 12.92
			}
			return math.Pow((s+0.055)/1.055, 2.4)
		}
		return 0.2126*ch(r) + 0.7152*ch(g) + 0.0722*ch(b)
	}
	la, lb := lum(a), lum(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// TestLightTheme_TextIsReadable: in the light theme every colour text is
// drawn in stands out at least 4.5:1 (WCAG AA) against the backgrounds it
// is drawn on; Fyne's own light colours do not (a success message in
// #43f436 on white is 1.5:1).
func TestLightTheme_TextIsReadable(t *testing.T) {
	th := newAppTheme(vm.Settings{Theme: vm.ThemeLight})
	c := func(n fyne.ThemeColorName) color.Color { return th.Color(n, theme.VariantDark) } // the variant asked is not the one chosen
	for _, bg := range []fyne.ThemeColorName{theme.ColorNameBackground, theme.ColorNameInputBackground, theme.ColorNameButton} {
		for _, fg := range []fyne.ThemeColorName{theme.ColorNameForeground, theme.ColorNameSuccess, theme.ColorNameWarning,
			theme.ColorNameError, theme.ColorNamePlaceHolder, theme.ColorNameHyperlink, theme.ColorNamePrimary} {
			if r := contrast(c(fg), c(bg)); r < 4.5 {
				t.Errorf("%s on %s: %.2f:1, want at least 4.5:1", fg, bg, r)
			}
		}
	}
	for _, on := range [][2]fyne.ThemeColorName{
		{theme.ColorNameForegroundOnPrimary, theme.ColorNamePrimary},
		{theme.ColorNameForegroundOnSuccess, theme.ColorNameSuccess},
		{theme.ColorNameForegroundOnWarning, theme.ColorNameWarning},
		{theme.ColorNameForegroundOnError, theme.ColorNameError},
	} {
		if r := contrast(c(on[0]), c(on[1])); r < 4.5 {
			t.Errorf("%s on %s: %.2f:1, want at least 4.5:1", on[0], on[1], r)
		}
	}
	if r := contrast(c(theme.ColorNameDisabled), c(theme.ColorNameBackground)); r < 3 {
		t.Errorf("disabled text %.2f:1, want at least 3:1", r)
	}
	if r := contrast(c(theme.ColorNameInputBorder), c(theme.ColorNameBackground)); r < 3 {
		t.Errorf("an entry's border %.2f:1 against the page, want at least 3:1", r)
	}
}

// TestTheme_TextSizes: the larger text sizes scale text, not the layout's
// padding.
func TestTheme_TextSizes(t *testing.T) {
	base := theme.DefaultTheme()
	for text, scale := range map[string]float32{vm.TextNormal: 1, vm.TextLarge: 1.2, vm.TextLarger: 1.4} {
		th := newAppTheme(vm.Settings{Text: text})
		if got, want := th.Size(theme.SizeNameText), base.Size(theme.SizeNameText)*scale; got != want {
			t.Errorf("%s: text %v, want %v", text, got, want)
		}
		if th.Size(theme.SizeNamePadding) != base.Size(theme.SizeNamePadding) {
			t.Errorf("%s: padding scaled", text)
		}
	}
}
