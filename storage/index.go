package storage

import (
	"github.com/communekit/communekit/storage/fold"
)

// indexEntry is one search-index key of a person and its value (the birth
// year on a name key); count, when set, is the key of a counter kept with
// the entry (persons per name token), so that a point read answers "is
// there any" without an iterator.
type indexEntry struct {
	key   string
	val   string
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
	var year string
	if d := p.BirthDate(); d.Year != 0 {
		year = d.String()[:4]
	}
	seen := map[string]bool{}
	addTokens := func(s string) {
		for _, t := range fold.Tokens(s) {
			if t == "" || seen[t] {
				continue
			}
			seen[t] = true
			out = append(out, indexEntry{key: keyString(nameKey(t, name, p.ID)), val: year, count: prefixTokenCount + t})
		}
	}
	addTokens(p.Values[FieldFullName])
	addTokens(p.Values[FieldOtherNames])
	for _, f := range []Field{FieldIDNumber, FieldOldIDNumber} {
		if v := p.Values[f]; v != "" {
			out = append(out, indexEntry{key: keyString(indexKey(prefixIDNumber, v, p.ID))})
		}
	}
	// Households are found through their member lists (Hm:, semantic.go).
	if h := HamletOf(p); h != "" || year != "" {
		out = append(out, indexEntry{key: keyString(placeKey(fold.Fold(h), year, p.ID))})
	}
	return out
}

// indexDiff returns the entries to delete and to add to move the index from
// old to new (either may be nil). A key both have with another value (a
// name key whose birth year changed) is only in add, without its counter:
// it is set again, never deleted, so the order in which a caller applies
// del and add does not matter.
func indexDiff(old, new *Person) (del, add []indexEntry) {
	oe, ne := indexEntries(old), indexEntries(new)
	if len(oe) == 0 {
		return nil, ne
	}
	inNew := make(map[indexEntry]bool, len(ne))
	newKeys := make(map[string]bool, len(ne))
	for _, e := range ne {
		inNew[e] = true
		if e.key != "" {
			newKeys[e.key] = true
		}
	}
	inOld := make(map[indexEntry]bool, len(oe))
	oldKeys := make(map[string]bool, len(oe))
	for _, e := range oe {
		inOld[e] = true
		if e.key != "" {
			oldKeys[e.key] = true
		}
		if !inNew[e] && (e.key == "" || !newKeys[e.key]) {
			del = append(del, e)
		}
	}
	for _, e := range ne {
		if inOld[e] {
			continue
		}
		if e.key != "" && oldKeys[e.key] {
			e.count = "" // the same key, a new value: counted already
		}
		add = append(add, e)
	}
	return del, add
}
