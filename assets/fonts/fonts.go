// Package fonts embeds the typeface documents are printed in: Noto Sans,
// regular and bold (version 2.000, the files the Fyne toolkit ships), which
// has every Vietnamese letter as a composed glyph. It is under the SIL Open
// Font License 1.1, in OFL.txt beside this file; the licence lets the font
// be embedded in the PDFs the kit writes.
//
// A package of its own, so that only the programs that print carry the
// fonts (about 900 KB).
package fonts

import _ "embed"

// NotoSansRegular and NotoSansBold are the TrueType files.
var (
	//go:embed NotoSans-Regular.ttf
	NotoSansRegular []byte
	//go:embed NotoSans-Bold.ttf
	NotoSansBold []byte
)
