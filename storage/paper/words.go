package paper

import "github.com/communekit/communekit/assets/i18n"

// The sheets' printed words are in the bundles of assets/i18n, under keys
// "paper.…" (wordPrefix): the Vietnamese are the words of the paper forms
// communes use; the English are for a reader who does not read Vietnamese
// (--lang en). The values written on the sheets are the records' own, in
// Vietnamese either way, but for the few words the kit itself chose (sex,
// marital status).
const wordPrefix = "paper."

// word is the words of key in lang ("en", else Vietnamese), or key itself
// if the bundles do not know it.
func word(key, lang string) string {
	c, err := i18n.Default()
	if err != nil || !c.Has(i18n.Vietnamese, wordPrefix+key) {
		return key
	}
	if lang != i18n.English {
		lang = i18n.Vietnamese
	}
	return c.T(lang, wordPrefix+key)
}
