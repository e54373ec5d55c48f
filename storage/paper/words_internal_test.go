package paper

import "sort"

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

// wordKeys are the keys word knows.
func wordKeys() []string {
	keys := make([]string, 0, len(words))
	for k := range words {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
