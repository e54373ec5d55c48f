package storage

import (
	"github.com/communekit/communekit/storage/fold"
)

// indexEntry is one search-index key of a person; token is set for name
// entries, whose per-token counts are maintained.
type indexEntry struct {
	key   string
	token string
}

// indexEntries lists the search-index keys of p. Equal persons give equal
// lists in equal order.
func indexEntries(p *Person) []indexEntry {
	if p == nil {
		return nil
	}
	var out []indexEntry
	name := fold.Fold(p.Values[FieldFullName])
	seen := map[string]bool{}
	addTokens := func(s string) {
		for _, t := range fold.Tokens(s) {
			if t == "" || seen[t] {
				continue
			}
			seen[t] = true
			out = append(out, indexEntry{key: string(nameKey(t, name, p.ID)), token: t})
		}
	}
	addTokens(p.Values[FieldFullName])
	addTokens(p.Values[FieldOtherNames])
	for _, f := range []Field{FieldIDNumber, FieldOldIDNumber} {
		if v := p.Values[f]; v != "" {
			out = append(out, indexEntry{key: string(indexKey(prefixIDNumber, v, p.ID))})
		}
	}
	if v := p.Values[FieldHouseholdNumber]; v != "" {
		out = append(out, indexEntry{key: string(indexKey(prefixHHMember, fold.Fold(v), p.ID))})
	}
	if h := HamletOf(p); h != "" {
		out = append(out, indexEntry{key: string(indexKey(prefixHamlet, fold.Fold(h), p.ID))})
	}
	if d := p.BirthDate(); d.Year != 0 {
		out = append(out, indexEntry{key: string(indexKey(prefixBirthYear, d.String()[:4], p.ID))})
	}
	return out
}

// indexDiff returns the entries to delete and to add to move the index from
// old to new (either may be nil).
func indexDiff(old, new *Person) (del, add []indexEntry) {
	oe, ne := indexEntries(old), indexEntries(new)
	inNew := make(map[string]bool, len(ne))
	for _, e := range ne {
		inNew[e.key] = true
	}
	inOld := make(map[string]bool, len(oe))
	for _, e := range oe {
		inOld[e.key] = true
		if !inNew[e.key] {
			del = append(del, e)
		}
	}
	for _, e := range ne {
		if !inOld[e.key] {
			add = append(add, e)
		}
	}
	return del, add
}
