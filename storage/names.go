package storage

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Limits on the length of text fields, in characters (runes). They are far
// above anything on a real form; they exist so that a pasted document or a
// corrupt CSV cell is refused rather than stored.
const (
	maxNameLen = 100
	maxTextLen = 200
)

// isNameField reports the fields that hold a person's name.
func isNameField(f Field) bool {
	switch f {
	case FieldFullName, FieldOtherNames, FieldFatherName, FieldMotherName,
		FieldSpouseName, FieldRepresentativeName:
		return true
	}
	return false
}

// cleanText is the first step for every text field: it refuses bytes that
// are not UTF-8 and control characters, drops the invisible format
// characters that copying from web pages and word processors brings along
// (zero-width spaces, byte-order marks, soft hyphens), puts the text in NFC
// (keyboards and tools produce both NFC and NFD; the record stores one form
// so that equal names compare equal) and collapses runs of white space to
// one space.
func cleanText(f Field, raw string) (string, *Problem) {
	if alreadyClean(raw) {
		return raw, nil
	}
	return cleanTextFull(f, raw)
}

// cleanTextFull is cleanText without its fast path.
func cleanTextFull(f Field, raw string) (string, *Problem) {
	if !utf8.ValidString(raw) {
		return "", problemEncoding(f)
	}
	raw = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, raw)
	s := strings.Join(strings.Fields(norm.NFC.String(raw)), " ")
	for _, r := range s {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return "", problemEncoding(f)
		}
	}
	return s, nil
}

// alreadyClean reports whether cleanText would return s as it is: valid
// UTF-8 in NFC, words apart by single spaces, no format or control
// characters. Most cells of an import are, and need no copy.
func alreadyClean(s string) bool {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	space := false
	for _, r := range s {
		switch {
		case r == ' ':
			if space {
				return false
			}
			space = true
			continue
		case r < utf8.RuneSelf:
			if r < 0x20 || r == 0x7f {
				return false
			}
		case r == utf8.RuneError, unicode.IsSpace(r), unicode.Is(unicode.Cf, r), unicode.IsControl(r):
			return false
		}
		space = false
	}
	return norm.NFC.IsNormalString(s)
}

// canonicalText cleans free text: details, occupation, household number.
func canonicalText(f Field, raw string) (string, *Problem) {
	s, p := cleanText(f, raw)
	if p != nil {
		return "", p
	}
	if utf8.RuneCountInString(s) > maxTextLen {
		return "", problemTooLong(f, maxTextLen)
	}
	return s, nil
}

// canonicalName checks and cleans a person's name. Names keep the case the
// officer wrote: papers write some minority names in ways (H'Hen, Y-Moan, de
// la Cruz) that no capitalisation rule gets right.
//
// Allowed are letters of the Latin script, which covers Vietnamese and the
// romanised minority and foreign names the national database holds, the
// combining diacritics NFC leaves on letters that have no precomposed form,
// spaces, the apostrophe and the hyphen. Typographic apostrophes, which word
// processors substitute, are stored as the ASCII one so that searches and
// duplicate checks see one spelling.
func canonicalName(f Field, raw string) (string, *Problem) {
	s, p := cleanText(f, raw)
	if p != nil {
		return "", p
	}
	s = strings.Map(func(r rune) rune {
		switch r {
		case '\u2019', '\u2018', '\u02BC', '`', '\u00B4':
			return '\''
		case '\u2010', '\u2011':
			return '-'
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > maxNameLen {
		return "", problemTooLong(f, maxNameLen)
	}
	letters := 0
	prevLetter := false
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Latin, r):
			letters++
			prevLetter = true
		case unicode.Is(unicode.Mn, r) && unicode.Is(unicode.Inherited, r) && prevLetter:
			// A mark on the letter before it, as NFC leaves some.
		case r == ' ' || r == '\'' || r == '-':
			prevLetter = false
		default:
			return "", problemNameChar(f, s, r)
		}
	}
	if letters == 0 {
		return "", problemNameNoLetters(f, s)
	}
	return s, nil
}
