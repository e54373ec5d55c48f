package storage

import (
	"bytes"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dgraph-io/badger/v4"

	"github.com/communekit/communekit/storage/fold"
)

// Hit is one search result.
type Hit struct {
	Person *Person
	Score  int // higher is better: exact tokens count more than prefixes
}

// DefaultSearchLimit is how many hits Search returns when asked for 0.
const DefaultSearchLimit = 50

// maxScan bounds the index keys one query reads, so a one-letter query on a
// large commune answers as fast as a precise one.
const maxScan = 20000

// Search finds persons by what an officer types: name tokens and prefixes
// in any case and with or without diacritics ("dang van duc", "DANG VAN
// DUC" and "Đặng Văn Đức" are the same query), a 12- or 9-digit ID number
// or its first digits, a household number, a hamlet ("thon na ruoc") or a
// birth year (4 digits, alone or beside name tokens). Results are ranked:
// persons matching every token exactly first, then prefix matches; ties in
// name order.
func (s *Store) Search(query string, limit int) ([]Hit, error) {
	if limit <= 0 {
		limit = DefaultSearchLimit
	}
	q := fold.Fold(query)
	if q == "" {
		return nil, nil
	}
	var hits []Hit
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		hits, err = s.search(txn, q, limit)
		return err
	})
	return hits, err
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// querySeparators are dropped from a query to see whether it is a number.
var querySeparators = strings.NewReplacer(" ", "", ".", "")

func (s *Store) search(txn *badger.Txn, q string, limit int) ([]Hit, error) {
	compact := querySeparators.Replace(q)
	if isDigits(compact) && len(compact) >= 5 {
		return s.searchIDNumber(txn, compact, limit)
	}
	if Hamlet(q) != "" {
		return s.scanIndex(txn, prefixPlace, q, true, limit)
	}
	tokens := fold.Tokens(q)
	var year string
	var names []string
	for _, t := range tokens {
		if len(t) == 4 && isDigits(t) && year == "" {
			year = t
			continue
		}
		names = append(names, t)
	}
	if len(names) == 0 && year != "" {
		return s.scanYear(txn, year, limit)
	}
	hits, err := s.searchNames(txn, names, year, limit)
	if err != nil || len(hits) > 0 {
		return hits, err
	}
	// A household number such as "0769-000123" folds to tokens that are no
	// names; try it as one.
	return s.scanHouseholds(txn, q, limit)
}

func (s *Store) searchIDNumber(txn *badger.Txn, digits string, limit int) ([]Hit, error) {
	hits, err := s.scanIndex(txn, prefixIDNumber, digits, true, limit)
	if err != nil || len(hits) > 0 {
		return hits, err
	}
	return s.scanHouseholds(txn, digits, limit)
}

// scanHouseholds returns the members of households whose number is q or
// starts with it (folded), exact numbers first, from the member lists
// (Hm:<commune>\x00<number>) of every commune the store has lists under.
func (s *Store) scanHouseholds(txn *badger.Txn, q string, limit int) ([]Hit, error) {
	num := clip(fold.Fold(q))
	if num == "" {
		return nil, nil
	}
	communes, err := firstComponents(txn, prefixHHMemberOf)
	if err != nil {
		return nil, err
	}
	var exact, prefix []Hit
	for _, c := range communes {
		pre := []byte(prefixHHMemberOf + c + "\x00" + num)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: pre, PrefetchValues: true})
		for it.Seek(pre); it.ValidForPrefix(pre) && len(exact) < limit; it.Next() {
			score := 1
			if len(it.Item().Key()) == len(pre) {
				score = 2
			} else if len(exact)+len(prefix) >= limit {
				continue // enough already; an exact number may still come
			}
			err := it.Item().Value(func(l []byte) error {
				eachMember(l, func(_ bool, id ID) bool {
					h := Hit{Person: &Person{ID: id}, Score: score}
					if score == 2 {
						exact = append(exact, h)
					} else {
						prefix = append(prefix, h)
					}
					return true
				})
				return nil
			})
			if err != nil {
				it.Close()
				return nil, err
			}
		}
		it.Close()
	}
	return s.finish(txn, append(exact, prefix...), limit)
}

// scanIndex returns persons under prefix+value (exactly, or any value
// starting with it when prefix is true), exact values first.
func (s *Store) scanIndex(txn *badger.Txn, prefix, value string, asPrefix bool, limit int) ([]Hit, error) {
	pre := []byte(prefix + clip(value))
	if !asPrefix {
		pre = append(pre, indexSep)
	}
	it := txn.NewIterator(badger.IteratorOptions{Prefix: pre})
	defer it.Close()
	var hits []Hit
	// Exact values sort first (the separator is the smallest byte), so the
	// first limit hits are the best ones.
	for it.Seek(pre); it.ValidForPrefix(pre) && len(hits) < limit; it.Next() {
		k := it.Item().Key()
		if len(k) < len(pre)+idKeyLen {
			continue
		}
		id, ok := decodeIDKey(k[len(k)-idKeyLen:])
		if !ok {
			continue
		}
		score := 1
		if !asPrefix || k[len(pre)] == indexSep {
			score = 2
		}
		hits = append(hits, Hit{Person: &Person{ID: id}, Score: score})
	}
	return s.finish(txn, hits, limit)
}

// scanYear returns persons born in year (yyyy). The x:a: keys hold the
// hamlet before the year, so it seeks the year once per hamlet (a commune
// has tens).
func (s *Store) scanYear(txn *badger.Txn, year string, limit int) ([]Hit, error) {
	hamlets, err := firstComponents(txn, prefixPlace)
	if err != nil {
		return nil, err
	}
	var hits []Hit
	for _, h := range hamlets {
		at := prefixPlace + h + "\x00" + year + "\x00"
		err := eachKey(txn, at, false, func(rest []byte, _ *badger.Item) error {
			if len(hits) >= limit {
				return errStopWalk
			}
			if id, ok := decodeIDKey(rest); ok {
				hits = append(hits, Hit{Person: &Person{ID: id}, Score: 2})
			}
			return nil
		})
		if err != nil || len(hits) >= limit {
			break
		}
	}
	return s.finish(txn, hits, limit)
}

// finish ranks hits, cuts them to limit and loads their records.
func (s *Store) finish(txn *badger.Txn, hits []Hit, limit int) ([]Hit, error) {
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].Score > hits[j].Score })
	if len(hits) > limit {
		hits = hits[:limit]
	}
	for i := range hits {
		p, err := getPerson(txn, hits[i].Person.ID)
		if err != nil {
			return nil, err
		}
		hits[i].Person = p
	}
	return hits, nil
}

// searchNames matches name tokens: every token but the last must match a
// name token exactly or as a prefix, the last (still being typed) as a
// prefix. It walks the index of the rarest token only, checking the others
// against the folded name stored in the key, so a query costs about as many
// key reads as its rarest token has persons, and stops early once the best
// rank is full.
func (s *Store) searchNames(txn *badger.Txn, tokens []string, year string, limit int) ([]Hit, error) {
	if len(tokens) == 0 {
		return nil, nil
	}
	// Choose the driving token: the one with the fewest persons. Note also
	// which tokens some name holds exactly: a token no name holds can only
	// ever score as a prefix, which bounds the best score a query can reach
	// and lets the walk stop early.
	best, bestCount := 0, uint64(1<<62)
	exactTok := make([]bool, len(tokens))
	for i, t := range tokens {
		n, exact, err := s.tokenCount(txn, t)
		if err != nil {
			return nil, err
		}
		exactTok[i] = exact
		if n < bestCount {
			best, bestCount = i, n
		}
	}
	driver := tokens[best]
	// reach is the best score a hit of the walk can still have: 2 for a
	// token some name holds exactly, 1 for one only prefixed; in the prefix
	// pass the driver itself counts 1.
	reach := 0
	for i := range tokens {
		if exactTok[i] && i != best {
			reach += 2
		} else if i != best {
			reach++
		}
	}
	var hits []Hit
	seen := map[ID]bool{}
	// A name key's value is the birth year.
	var yearOK func(*badger.Item) bool
	if year != "" {
		yearOK = func(it *badger.Item) bool {
			ok := false
			_ = it.Value(func(v []byte) error {
				ok = string(v) == year
				return nil
			})
			return ok
		}
	}
	// atLeast counts hits scoring at least reach in the current pass. Hits
	// are ranked by score, ties in walk order, so once limit hits score
	// the best any later hit can, no later hit can enter the result: the
	// walk stops there with the same answer a full walk would give.
	atLeast := func(min int) int {
		n := 0
		for _, h := range hits {
			if h.Score >= min {
				n++
			}
		}
		return n
	}
	// Exact matches of the driver first (the driver scores 2), then names
	// it only prefixes (it scores 1).
	for pass := 0; pass < 2; pass++ {
		pre := []byte(prefixName + driver)
		top := reach + 1
		if pass == 0 {
			if !exactTok[best] {
				continue // no name holds the driver exactly
			}
			pre = append(pre, indexSep)
			top = reach + 2
		}
		nTop := atLeast(top)
		if nTop >= limit {
			break
		}
		it := txn.NewIterator(badger.IteratorOptions{Prefix: pre})
		scanned := 0
		for it.Seek(pre); it.ValidForPrefix(pre); it.Next() {
			scanned++
			if scanned > maxScan {
				break
			}
			k := it.Item().Key()
			rest := k[len(prefixName):]
			i := bytes.IndexByte(rest, indexSep)
			if i < 0 || len(rest) < i+1+idKeyLen+1 {
				continue
			}
			if pass == 1 && string(rest[:i]) == driver {
				continue // already seen in the exact pass
			}
			id, ok := decodeIDKey(rest[len(rest)-idKeyLen:])
			if !ok || seen[id] {
				continue
			}
			score, ok := matchName(tokens, string(rest[i+1:len(rest)-idKeyLen-1]))
			if !ok || (yearOK != nil && !yearOK(it.Item())) {
				continue
			}
			seen[id] = true
			hits = append(hits, Hit{Person: &Person{ID: id}, Score: score})
			if score >= top {
				nTop++
				if nTop >= limit {
					break
				}
			}
		}
		it.Close()
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].Score > hits[j].Score })
	return s.finish(txn, hits, limit)
}

// matchName scores a folded name against query tokens: 2 per token that
// equals a name token, 1 per token that only prefixes one; ok is false when
// some token matches nothing. A name token matches at most one query token.
// It allocates nothing: it runs for every key a query walks.
func matchName(tokens []string, name string) (score int, ok bool) {
	var nts [32]string
	nt := nts[:0]
	var hyph [16]int // indices into nt of tokens holding a hyphen
	nh := 0
	for rest := name; rest != ""; {
		i := strings.IndexFunc(rest, unicode.IsSpace)
		var w string
		if i < 0 {
			w, rest = rest, ""
		} else {
			w = rest[:i]
			_, size := utf8.DecodeRuneInString(rest[i:])
			rest = rest[i+size:]
		}
		if w == "" {
			continue
		}
		if len(nt) == 16 {
			break
		}
		if strings.IndexByte(w, '-') >= 0 && nh < len(hyph) {
			hyph[nh] = len(nt)
			nh++
		}
		nt = append(nt, w)
	}
	// Hyphenated names ("y-moan") fold to several tokens.
	for _, j := range hyph[:nh] {
		for _, part := range strings.Split(nt[j], "-") {
			if len(nt) == cap(nts) {
				break
			}
			nt = append(nt, part)
		}
	}
	var used [32]bool
	for _, q := range tokens {
		got := 0
		at := -1
		for j, t := range nt {
			if used[j] {
				continue
			}
			if eqNoApos(t, q) {
				got, at = 2, j
				break
			}
			if got == 0 && hasPrefixNoApos(t, q) {
				got, at = 1, j
			}
		}
		if got == 0 {
			return 0, false
		}
		used[at] = true
		score += got
	}
	return score, true
}

// eqNoApos reports whether t with its apostrophes removed equals q.
func eqNoApos(t, q string) bool {
	if strings.IndexByte(t, '\'') < 0 {
		return t == q
	}
	return len(t) > len(q) && hasPrefixNoApos(t, q) && strings.Trim(t[apostrophePrefixLen(t, q):], "'") == ""
}

// hasPrefixNoApos reports whether t with its apostrophes removed starts
// with q.
func hasPrefixNoApos(t, q string) bool {
	if strings.IndexByte(t, '\'') < 0 {
		return strings.HasPrefix(t, q)
	}
	return apostrophePrefixLen(t, q) >= 0
}

// apostrophePrefixLen returns how many bytes of t, skipping apostrophes,
// spell q, or -1 if they do not.
func apostrophePrefixLen(t, q string) int {
	i := 0
	for j := 0; j < len(q); j++ {
		for i < len(t) && t[i] == '\'' {
			i++
		}
		if i >= len(t) || t[i] != q[j] {
			return -1
		}
		i++
	}
	return i
}

// tokenCount returns how many persons carry token exactly; for a token
// that no name holds exactly, it returns the sum over tokens it prefixes.
// exact reports whether some name holds the token itself.
func (s *Store) tokenCount(txn *badger.Txn, token string) (n uint64, exact bool, err error) {
	pre := []byte(prefixTokenCount + token)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: pre})
	defer it.Close()
	for it.Seek(pre); it.ValidForPrefix(pre); it.Next() {
		item := it.Item()
		if len(item.Key()) == len(pre) {
			exact = true
		}
		var v uint32
		err := item.Value(func(b []byte) error {
			if len(b) == 4 {
				v = uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
			}
			return nil
		})
		if err != nil {
			return 0, false, err
		}
		n += uint64(v)
	}
	return n, exact, nil
}
