package fold

import (
	"strings"
	"unicode"
)

// Tokens returns the folded words of s, as search indexes them. Words are
// separated by white space and by hyphens and other dashes; apostrophes are
// removed inside a word, because officers type minority names both with and
// without them:
//
//	Tokens("H'Hen Niê") == []string{"hhen", "nie"}
//	Tokens("Y-Moan")    == []string{"y", "moan"}
func Tokens(s string) []string {
	words := strings.FieldsFunc(Fold(s), isSeparator)
	out := words[:0]
	for _, w := range words {
		w = strings.ReplaceAll(w, "'", "")
		if w != "" {
			out = append(out, w)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func isSeparator(r rune) bool {
	return r == ' ' || r == '-' || unicode.Is(unicode.Pd, r)
}
