package paper

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/fold"
)

// Household is what a household sheet shows: the household's record and
// its members as the store holds them, the head first.
type Household struct {
	Record  *storage.Household
	Members []*storage.Person
}

// Head is the household's head, or nil when no member is.
func (h *Household) Head() *storage.Person {
	for _, m := range h.Members {
		if m.IsHead() {
			return m
		}
	}
	return nil
}

// Hamlet is the hamlet the household's address names, or the one its
// head's (else its first member's) address names.
func (h *Household) Hamlet() string {
	if n := storage.Hamlet(h.Record.AddressDetail); n != "" {
		return n
	}
	if p := h.Head(); p != nil {
		return storage.HamletOf(p)
	}
	if len(h.Members) > 0 {
		return storage.HamletOf(h.Members[0])
	}
	return ""
}

// Round is the households of one hamlet, for a door-to-door round: in the
// order of their addresses (house numbers as numbers), then of their
// numbers.
type Round struct {
	Hamlet     string
	Households []*Household
}

// Person is what a person's sheet shows: the record and its household's
// head (nil when the household has none, or the person is the head).
type Person struct {
	Record *storage.Person
	Head   *storage.Person
}

// NotFoundError says that what was asked for is not in the store, and
// what is close to it.
type NotFoundError struct {
	What  string // "household", "hamlet"
	Given string
	// Close are the names or numbers nearest to Given, at most a few;
	// for a hamlet none is close to, every hamlet (at most 30), and All
	// is set.
	Close []string
	All   bool
}

func (e *NotFoundError) Error() string {
	s := fmt.Sprintf("no %s %q in this profile", e.What, e.Given)
	switch {
	case e.All:
		s += "; the " + e.What + "s are " + quoteList(e.Close)
	case len(e.Close) > 0:
		s += "; did you mean " + quoteList(e.Close) + "?"
	}
	return s
}

// Unwrap makes the error storage.ErrNotFound.
func (e *NotFoundError) Unwrap() error { return storage.ErrNotFound }

func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = strconv.Quote(x)
	}
	return strings.Join(q, ", ")
}

// LoadHousehold reads the household numbered number (or whose record
// identifier is number) and its members. A number not in the store gives
// a *NotFoundError naming the numbers close to it.
func LoadHousehold(s *storage.Store, number string) (*Household, error) {
	h, err := s.HouseholdByNumber(number)
	if errors.Is(err, storage.ErrNotFound) {
		if id, perr := storage.ParseID(number); perr == nil {
			h, err = s.Household(id)
		}
	}
	if errors.Is(err, storage.ErrNotFound) {
		close, cerr := closeHouseholds(s, number)
		if cerr != nil {
			return nil, cerr
		}
		return nil, &NotFoundError{What: "household", Given: number, Close: close}
	}
	if err != nil {
		return nil, err
	}
	return load(s, h)
}

func load(s *storage.Store, h *storage.Household) (*Household, error) {
	ms, err := s.Members(h.Number)
	if err != nil {
		return nil, err
	}
	return &Household{Record: h, Members: ms}, nil
}

// closeHouseholds are the household numbers nearest to typed: those that
// end with its digits, else those a typing slip or two away.
func closeHouseholds(s *storage.Store, typed string) ([]string, error) {
	hs, err := s.Households()
	if err != nil {
		return nil, err
	}
	t := fold.Fold(strings.TrimSpace(typed))
	var byEnd, bySlip []string
	for _, h := range hs {
		n := fold.Fold(h.Number)
		switch {
		case t != "" && strings.HasSuffix(n, t):
			byEnd = append(byEnd, h.Number)
		case distance(n, t) <= 2:
			bySlip = append(bySlip, h.Number)
		}
	}
	return first(append(byEnd, bySlip...), 5), nil
}

func first(xs []string, n int) []string {
	if len(xs) > n {
		return xs[:n]
	}
	return xs
}

// distance is the edit distance of a and b, in runes.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			c := 1
			if ra[i-1] == rb[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// matchHamlet reports whether a hamlet's name is the one typed: the same
// letters without marks and case ("thon sung la" is "Thôn Sủng Là"), or
// its name without the leading word ("Sủng Là").
func matchHamlet(name, typed string) bool {
	n, t := fold.Fold(name), fold.Fold(strings.TrimSpace(typed))
	return t != "" && (n == t || strings.HasSuffix(n, " "+t))
}

// LoadHamlet reads the households of the hamlet named (as on the
// addresses, with or without marks, case and its first word) with their
// members, for a round. A name that matches no hamlet gives a
// *NotFoundError naming the close ones, or every hamlet when none is.
func LoadHamlet(s *storage.Store, name string) (*Round, error) {
	all, err := loadAll(s)
	if err != nil {
		return nil, err
	}
	r := &Round{}
	names := map[string]bool{}
	for _, h := range all {
		hn := h.Hamlet()
		if hn != "" && matchHamlet(hn, name) {
			r.Households = append(r.Households, h)
			names[hn] = true
			if r.Hamlet == "" || len(hn) < len(r.Hamlet) {
				r.Hamlet = hn
			}
		}
	}
	if len(r.Households) == 0 {
		close, every := closeHamlets(all, name)
		return nil, &NotFoundError{What: "hamlet", Given: name, Close: close, All: every}
	}
	if len(names) > 1 {
		// "Sủng Là" names "Thôn Sủng Là" and "Tổ Sủng Là": one round
		// is one hamlet.
		var list []string
		for n := range names {
			list = append(list, n)
		}
		sort.Strings(list)
		return nil, fmt.Errorf("%q names %d hamlets: %s; give the whole name", name, len(list), quoteList(list))
	}
	sortRound(r.Households)
	return r, nil
}

// loadAll reads every household with its members (not those emptied by
// a merge or by moves: no sheet to check for them).
func loadAll(s *storage.Store) ([]*Household, error) {
	hs, err := s.LiveHouseholds()
	if err != nil {
		return nil, err
	}
	out := make([]*Household, 0, len(hs))
	for _, h := range hs {
		x, err := load(s, h)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// LoadAll reads every household with its members, in the order of their
// numbers.
func LoadAll(s *storage.Store) ([]*Household, error) { return loadAll(s) }

// Hamlets are the names of the hamlets the households' addresses name,
// sorted.
func Hamlets(s *storage.Store) ([]string, error) {
	all, err := loadAll(s)
	if err != nil {
		return nil, err
	}
	return hamletNames(all), nil
}

func hamletNames(all []*Household) []string {
	seen := map[string]bool{}
	var out []string
	for _, h := range all {
		if n := h.Hamlet(); n != "" && !seen[fold.Fold(n)] {
			seen[fold.Fold(n)] = true
			out = append(out, n)
		}
	}
	sort.Slice(out, func(i, j int) bool { return fold.Fold(out[i]) < fold.Fold(out[j]) })
	return out
}

// closeHamlets are the hamlets whose names contain what was typed or are
// a slip or two from it; when none is, every hamlet (at most 30), to
// choose from.
func closeHamlets(all []*Household, typed string) (close []string, every bool) {
	names := hamletNames(all)
	t := fold.Fold(strings.TrimSpace(typed))
	for _, n := range names {
		f := fold.Fold(n)
		short := f
		if i := strings.IndexByte(f, ' '); i >= 0 {
			short = f[i+1:]
		}
		if t != "" && (strings.Contains(f, t) || distance(f, t) <= 2 || distance(short, t) <= 2) {
			close = append(close, n)
		}
	}
	if len(close) == 0 {
		return first(names, 30), len(names) > 0
	}
	return first(close, 5), false
}

// sortRound orders a round's households by their address lines, numbers
// in them as numbers ("số nhà 4" before "số nhà 12"), then by number.
func sortRound(hs []*Household) {
	key := make(map[*Household]string, len(hs))
	for _, h := range hs {
		key[h] = fold.Fold(h.Record.AddressDetail)
	}
	sort.SliceStable(hs, func(i, j int) bool {
		if c := naturalCompare(key[hs[i]], key[hs[j]]); c != 0 {
			return c < 0
		}
		return hs[i].Record.Number < hs[j].Record.Number
	})
}

// naturalCompare compares a and b with runs of digits compared as
// numbers.
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := digits(a), digits(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if len(na) != len(nb) {
				return cmpInt(len(na), len(nb))
			}
			if na != nb {
				return strings.Compare(na, nb)
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return cmpInt(int(a[0]), int(b[0]))
		}
		a, b = a[1:], b[1:]
	}
	return cmpInt(len(a), len(b))
}

func digits(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// LoadPerson reads the person with id and the head of their household.
func LoadPerson(s *storage.Store, id storage.ID) (*Person, error) {
	p, err := s.Person(id)
	if err != nil {
		return nil, err
	}
	out := &Person{Record: p}
	if n := p.Get(storage.FieldHouseholdNumber); n != "" && !p.IsHead() {
		ms, err := s.Members(n)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return nil, err
		}
		for _, m := range ms {
			if m.IsHead() {
				out.Head = m
				break
			}
		}
	}
	return out, nil
}
