package fold

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The five tone marks other than the level tone, as combining characters.
var tones = []rune{'\u0300', '\u0301', '\u0303', '\u0309', '\u0323'}

type tonedVowel struct {
	base rune // a, e, o, u or y, in the case of the original
	tone rune // one of tones, or 0 for none
}

var (
	splitTone = map[rune]tonedVowel{}
	joinTone  = map[tonedVowel]rune{}
)

func init() {
	for _, base := range "aeouyAEOUY" {
		splitTone[base] = tonedVowel{base, 0}
		joinTone[tonedVowel{base, 0}] = base
		for _, t := range tones {
			c, _ := utf8.DecodeRuneInString(norm.NFC.String(string([]rune{base, t})))
			splitTone[c] = tonedVowel{base, t}
			joinTone[tonedVowel{base, t}] = c
		}
	}
}

// NormalizeTone returns s in NFC with the tone mark of every open syllable
// ending in oa, oe or uy on the first vowel, the traditional placement the
// reference data uses: Hoà becomes Hòa, Thuỷ Thủy, Khoẻ Khỏe, Hoả Hỏa. Case
// is preserved. Syllables with a final consonant (Hoàn, Thuyền) and qu
// followed by a vowel (Quý, Quỳnh) are written the same in both styles and
// are left alone.
func NormalizeTone(s string) string {
	if isASCII(s) {
		return s
	}
	s = norm.NFC.String(s)
	var rs []rune
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsLetter(r) {
			i += n
			continue
		}
		j := i
		for j < len(s) {
			r, n := utf8.DecodeRuneInString(s[j:])
			if !unicode.IsLetter(r) {
				break
			}
			j += n
		}
		if needsToneMove(s[i:j]) {
			if rs == nil {
				rs = []rune(s)
			}
			// In NFC each vowel of the pair is one rune, and moving the
			// tone keeps the rune count, so offsets in s and rs agree.
			k := utf8.RuneCountInString(s[:j]) - 2
			moveTone(rs[k : k+2])
		}
		i = j
	}
	if rs == nil {
		return s
	}
	return string(rs)
}

// needsToneMove reports whether the word w ends in oa, oe or uy with the
// tone mark on the second vowel.
func needsToneMove(w string) bool {
	r2, n2 := utf8.DecodeLastRuneInString(w)
	r1, n1 := utf8.DecodeLastRuneInString(w[:len(w)-n2])
	if n1 == 0 {
		return false
	}
	v1, ok1 := splitTone[r1]
	v2, ok2 := splitTone[r2]
	if !ok1 || !ok2 || v1.tone != 0 || v2.tone == 0 {
		return false
	}
	switch unicode.ToLower(v1.base)<<8 | unicode.ToLower(v2.base) {
	case 'o'<<8 | 'a', 'o'<<8 | 'e', 'u'<<8 | 'y':
	default:
		return false
	}
	r0, _ := utf8.DecodeLastRuneInString(w[:len(w)-n2-n1])
	return r0 != 'q' && r0 != 'Q'
}

// moveTone moves the tone of pair[1] to pair[0].
func moveTone(pair []rune) {
	v1, v2 := splitTone[pair[0]], splitTone[pair[1]]
	pair[0] = joinTone[tonedVowel{v1.base, v2.tone}]
	pair[1] = v2.base
}

// Key returns the form of a name that reference-data lookups compare:
// [NormalizeTone], lower case, typographic apostrophes replaced by ', white
// space collapsed and trimmed. Unlike [Fold] it keeps diacritics, so
// Key("HOÀ  BÌNH") == "hòa bình" but Key("Hoa Binh") == "hoa binh".
func Key(s string) string {
	s = strings.ToLower(NormalizeTone(s))
	s = strings.Map(func(r rune) rune {
		if isApostrophe(r) {
			return '\''
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
