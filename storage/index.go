package storage

import (
	"github.com/communekit/communekit/storage/fold"
)

// indexEntry is one search-index key of a person; count, when set, is the
// key of a counter kept with the entry (persons per name token, holders of
// an ID number, heads of a household), so that a point read answers "is
// there any" without an iterator.
type indexEntry struct {
	key   string
	count string
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
			out = append(out, indexEntry{key: string(nameKey(t, name, p.ID)), count: prefixTokenCount + t})
		}
	}
	addTokens(p.Values[FieldFullName])
	addTokens(p.Values[FieldOtherNames])
	for _, f := range []Field{FieldIDNumber, FieldOldIDNumber} {
		if v := p.Values[f]; v != "" {
			out = append(out, indexEntry{key: string(indexKey(prefixIDNumber, v, p.ID)), count: idHoldersKey(v)})
		}
	}
	if v := p.Values[FieldHouseholdNumber]; v != "" {
		hh := fold.Fold(v)
		out = append(out, indexEntry{key: string(indexKey(prefixHHMember, hh, p.ID))})
		if p.IsHead() {
			// Not an index key of its own: only the head counter.
			out = append(out, indexEntry{count: headCountKey(hh)})
		}
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
	if len(oe) == 0 {
		return nil, ne
	}
	inNew := make(map[indexEntry]bool, len(ne))
	for _, e := range ne {
		inNew[e] = true
	}
	inOld := make(map[indexEntry]bool, len(oe))
	for _, e := range oe {
		inOld[e] = true
		if !inNew[e] {
			del = append(del, e)
		}
	}
	for _, e := range ne {
		if !inOld[e] {
			add = append(add, e)
		}
	}
	return del, add
}
