// Package fold turns names and free text into the forms that search and
// reference-data lookups compare.
//
// There are two strengths of comparison:
//
//   - [Fold] and [Tokens] forget case and every diacritic, tone marks
//     included, so that "dang van duc" finds "Đặng Văn Đức". This is what
//     officers type when searching.
//   - [Key] forgets only case, spacing and the position of the tone mark in
//     oa/oe/uy syllables (see [NormalizeTone]), so that "Hoà Bình" and
//     "HÒA BÌNH" match "Hòa Bình" but "Hoa Binh" does not. Lookups try this
//     first because it is exact enough to tell Thổ from Thọ.
//
// All functions accept NFC or NFD input: data typed on different keyboards
// and imported from different tools arrives in either form.
package fold

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The folding table covers U+0000..U+024F (Latin-1 and Latin Extended-A and
// -B) and U+1E00..U+1EFF (Latin Extended Additional, which holds the
// precomposed Vietnamese letters with tone marks), so folding Vietnamese text
// never decomposes anything at run time. An empty entry means "not a letter
// that folds to ASCII": such runes take the slow path in foldRare.
const (
	latinEnd      = 0x250
	extStart      = 0x1E00
	extEnd        = 0x1F00
	combiningFrom = 0x300 // Combining Diacritical Marks, as NFD input has them
	combiningTo   = 0x370
)

var (
	latinTable [latinEnd]string
	extTable   [extEnd - extStart]string
)

// special lists letters that do not decompose under NFD but that people
// write without their stroke or ligature. đ matters most: NFD leaves it
// alone, so without this "Đức" would fold to "đuc" and never match "duc".
var special = map[rune]string{
	'đ': "d", 'Đ': "d", 'ð': "d", 'Ð': "d",
	'ø': "o", 'Ø': "o", 'ł': "l", 'Ł': "l", 'ħ': "h", 'Ħ': "h", 'ı': "i",
	'æ': "ae", 'Æ': "ae", 'œ': "oe", 'Œ': "oe", 'ß': "ss", 'ẞ': "ss",
	'þ': "th", 'Þ': "th",
}

// isApostrophe reports the characters that keyboards and word processors put
// where a minority name such as H'Hen Niê has an apostrophe. They all fold
// to the ASCII apostrophe.
func isApostrophe(r rune) bool {
	switch r {
	case '\u2019', '\u2018', '\u02BC', '\u00B4':
		return true
	}
	return false
}

func init() {
	for r := rune(utf8.RuneSelf); r < latinEnd; r++ {
		latinTable[r] = tableEntry(r)
	}
	for r := rune(extStart); r < extEnd; r++ {
		extTable[r-extStart] = tableEntry(r)
	}
}

func tableEntry(r rune) string {
	if s, ok := special[r]; ok {
		return s
	}
	if isApostrophe(r) {
		return "'"
	}
	var b strings.Builder
	for _, c := range norm.NFD.String(string(unicode.ToLower(r))) {
		switch {
		case 'a' <= c && c <= 'z':
			b.WriteRune(c)
		case unicode.Is(unicode.Mn, c):
		default:
			return ""
		}
	}
	return b.String()
}

// Fold returns s in lower case without diacritics or tone marks, with đ
// folded to d, typographic apostrophes to ', runs of white space collapsed to
// one space and the ends trimmed:
//
//	Fold("  Đặng  Văn Đức ") == "dang van duc"
//
// Letters outside the Latin scripts are lowercased and lose their combining
// marks; format characters (zero-width spaces, byte-order marks, soft
// hyphens) are dropped. Other punctuation is kept. Fold is idempotent.
//
// Fold does not allocate when s is already folded, and allocates once
// otherwise.
func Fold(s string) string {
	if isFolded(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	f := folder{b: &b}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			case asciiSpace[c]:
				f.space = true
				continue
			}
			f.byte(c)
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		f.rune(r)
	}
	return b.String()
}

var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// folder writes folded output, holding back a space until the next
// non-space so that runs collapse and the ends are trimmed.
type folder struct {
	b     *strings.Builder
	space bool
}

func (f *folder) flush() {
	if f.space {
		if f.b.Len() > 0 {
			f.b.WriteByte(' ')
		}
		f.space = false
	}
}

func (f *folder) byte(c byte) {
	f.flush()
	f.b.WriteByte(c)
}

func (f *folder) string(s string) {
	f.flush()
	f.b.WriteString(s)
}

// rune folds one non-ASCII rune.
func (f *folder) rune(r rune) {
	var m string
	switch {
	case r < latinEnd:
		m = latinTable[r]
	case extStart <= r && r < extEnd:
		m = extTable[r-extStart]
	case combiningFrom <= r && r < combiningTo:
		return
	}
	if m != "" {
		f.string(m)
		return
	}
	f.rare(r)
}

// rare folds a rune the table does not cover. It is off the path of
// Vietnamese text, so it may be slow.
func (f *folder) rare(r rune) {
	switch {
	case unicode.IsSpace(r):
		f.space = true
		return
	case unicode.Is(unicode.Mn, r), unicode.Is(unicode.Cf, r):
		return
	case isApostrophe(r):
		f.byte('\'')
		return
	}
	r = unicode.ToLower(r)
	var enc [utf8.UTFMax]byte
	n := utf8.EncodeRune(enc[:], r)
	if norm.NFD.IsNormal(enc[:n]) {
		f.flush()
		f.b.WriteRune(r)
		return
	}
	for _, c := range norm.NFD.String(string(enc[:n])) {
		switch {
		case c < utf8.RuneSelf:
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			f.byte(byte(c))
		case unicode.Is(unicode.Mn, c):
		case c < latinEnd && latinTable[c] != "":
			f.string(latinTable[c])
		case extStart <= c && c < extEnd && extTable[c-extStart] != "":
			f.string(extTable[c-extStart])
		default:
			f.flush()
			f.b.WriteRune(unicode.ToLower(c))
		}
	}
}

// isFolded reports whether Fold(s) == s, cheaply, for the common case of a
// search string that is already plain lowercase ASCII.
func isFolded(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	prevSpace := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			return false
		}
		if asciiSpace[c] {
			if c != ' ' || prevSpace {
				return false
			}
			prevSpace = true
			continue
		}
		prevSpace = false
	}
	return true
}
