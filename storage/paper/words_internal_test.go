package paper

import (
	"sort"
	"strings"

	"github.com/communekit/communekit/assets/i18n"
)

// Words says every printed word of the sheets in lang, one "key\ttext"
// line each in key order, for the golden test.
func Words(lang string) []string {
	keys := wordKeys()
	out := make([]string, 0, len(keys)+2)
	for _, k := range keys {
		out = append(out, k+"\t"+word(k, lang))
	}
	return append(out, "unknown-key\t"+word("unknown-key", lang))
}

// wordKeys are the keys word knows: those of the bundles under wordPrefix.
func wordKeys() []string {
	c, err := i18n.Default()
	if err != nil {
		panic(err)
	}
	var keys []string
	for _, k := range c.Keys(i18n.Vietnamese) {
		if strings.HasPrefix(k, wordPrefix) {
			keys = append(keys, strings.TrimPrefix(k, wordPrefix))
		}
	}
	sort.Strings(keys)
	return keys
}
