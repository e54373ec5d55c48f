package storage

import (
	"bytes"
	"sort"
	"strings"

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

func (s *Store) search(txn *badger.Txn, q string, limit int) ([]Hit, error) {
	compact := strings.NewReplacer(" ", "", ".", "").Replace(q)
	if isDigits(compact) && len(compact) >= 5 && !(len(compact) == 4) {
		return s.searchIDNumber(txn, compact, limit)
	}
	if Hamlet(q) != "" {
		return s.scanIndex(txn, prefixHamlet, q, true, limit)
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
		return s.scanIndex(txn, prefixBirthYear, year, false, limit)
	}
	hits, err := s.searchNames(txn, names, year, limit)
	if err != nil || len(hits) > 0 {
		return hits, err
	}
	// A household number such as "0769-000123" folds to tokens that are no
	// names; try it as one.
	return s.scanIndex(txn, prefixHHMember, q, true, limit)
}

func (s *Store) searchIDNumber(txn *badger.Txn, digits string, limit int) ([]Hit, error) {
	hits, err := s.scanIndex(txn, prefixIDNumber, digits, true, limit)
	if err != nil || len(hits) > 0 {
		return hits, err
	}
	return s.scanIndex(txn, prefixHHMember, digits, true, limit)
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
	for it.Seek(pre); it.ValidForPrefix(pre) && len(hits) < maxScan; it.Next() {
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
	// Choose the driving token: the one with the fewest persons.
	best, bestCount := 0, uint64(1<<62)
	for i, t := range tokens {
		n, err := s.tokenCount(txn, t)
		if err != nil {
			return nil, err
		}
		if n < bestCount {
			best, bestCount = i, n
		}
	}
	driver := tokens[best]
	perfect := len(tokens) * 2 // every token exact
	var hits []Hit
	seen := map[ID]bool{}
	var yearOK func(ID) bool
	if year != "" {
		yearOK = func(id ID) bool {
			_, err := txn.Get(indexKey(prefixBirthYear, year, id))
			return err == nil
		}
	}
	// Exact matches of the driver first: they can reach the best rank, so
	// the walk can stop as soon as limit perfect hits are in.
	for pass := 0; pass < 2; pass++ {
		pre := []byte(prefixName + driver)
		if pass == 0 {
			pre = append(pre, indexSep)
		}
		it := txn.NewIterator(badger.IteratorOptions{Prefix: pre})
		nPerfect, scanned := 0, 0
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
			tok := string(rest[:i])
			if pass == 1 && tok == driver {
				continue // already seen in the exact pass
			}
			name := string(rest[i+1 : len(rest)-idKeyLen-1])
			id, ok := decodeIDKey(rest[len(rest)-idKeyLen:])
			if !ok || seen[id] {
				continue
			}
			score, ok := matchName(tokens, name)
			if !ok || (yearOK != nil && !yearOK(id)) {
				continue
			}
			seen[id] = true
			hits = append(hits, Hit{Person: &Person{ID: id}, Score: score})
			if score == perfect {
				nPerfect++
				if nPerfect >= limit {
					break
				}
			}
		}
		it.Close()
		if countScore(hits, perfect) >= limit {
			break
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].Score > hits[j].Score })
	return s.finish(txn, hits, limit)
}

func countScore(hits []Hit, score int) int {
	n := 0
	for _, h := range hits {
		if h.Score == score {
			n++
		}
	}
	return n
}

// matchName scores a folded name against query tokens: 2 per token that
// equals a name token, 1 per token that only prefixes one; ok is false when
// some token matches nothing. A name token matches at most one query token.
func matchName(tokens []string, name string) (score int, ok bool) {
	var nts [16]string
	nt := nts[:0]
	for _, t := range strings.Fields(name) {
		if len(nt) == cap(nts) {
			break
		}
		nt = append(nt, strings.NewReplacer("'", "").Replace(t))
	}
	// Hyphenated names ("y-moan") fold to several tokens.
	var more []string
	for _, t := range nt {
		if strings.Contains(t, "-") {
			more = append(more, strings.Split(t, "-")...)
		}
	}
	nt = append(nt, more...)
	var used [32]bool
	for _, q := range tokens {
		got := 0
		at := -1
		for j, t := range nt {
			if used[j] {
				continue
			}
			if t == q {
				got, at = 2, j
				break
			}
			if got == 0 && strings.HasPrefix(t, q) {
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

// tokenCount returns how many persons carry token exactly; for a token
// that no name holds exactly, it returns the sum over tokens it prefixes.
func (s *Store) tokenCount(txn *badger.Txn, token string) (uint64, error) {
	pre := []byte(prefixTokenCount + token)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: pre})
	defer it.Close()
	var n uint64
	for it.Seek(pre); it.ValidForPrefix(pre); it.Next() {
		var v uint32
		err := it.Item().Value(func(b []byte) error {
			if len(b) == 4 {
				v = uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
		n += uint64(v)
	}
	return n, nil
}
