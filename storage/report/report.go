// Package report computes the numbers a commune and a district read: the
// population tables of a commune at a reference date ([Stats]) and the
// data-quality worklist ([Quality]).
//
// Reports are computed where the records are, with this same code: on a
// laptop from its profile's store, at the district from a node's state
// (also a [storage.Store], holding many communes). Every function therefore
// takes a commune filter, one commune or all of them. The app and kitctl
// only present what these functions return; the values they return carry
// stable machine keys, and [Label] gives the words for them in Vietnamese
// or English.
//
// What each table counts, the rules of the worklist, and how ages and
// periods are computed are in DESIGN.md beside this file.
package report

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/fold"
)

// Vietnam keeps one time zone, UTC+7, without daylight saving: the dates
// of operations (stamped in UTC) are read in it.
var vietnam = time.FixedZone("ICT", 7*60*60)

// Date is a calendar date without a time, the unit of reference dates and
// periods.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the date of t in Vietnam.
func DateOf(t time.Time) Date {
	y, m, d := t.In(vietnam).Date()
	return Date{y, m, d}
}

// ParseDate reads a date written yyyy-mm-dd or dd/mm/yyyy; anything else
// (a partial date, an impossible day) is an error that says what was
// expected.
func ParseDate(s string) (Date, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", "02/01/2006", "2/1/2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return Date{t.Year(), t.Month(), t.Day()}, nil
		}
	}
	return Date{}, fmt.Errorf("%q is not a date: write it as yyyy-mm-dd (2026-12-31) or dd/mm/yyyy (31/12/2026)", s)
}

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d.Year == 0 }

// String is the ISO form, 2026-12-31.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Vietnamese is the date as officers write it, 31/12/2026.
func (d Date) Vietnamese() string {
	return fmt.Sprintf("%02d/%02d/%04d", d.Day, int(d.Month), d.Year)
}

// MarshalText writes the ISO form (JSON).
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

func (d Date) time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// before reports whether d is before e.
func (d Date) before(e Date) bool { return d.time().Before(e.time()) }

// addDays returns the date n days after d.
func (d Date) addDays(n int) Date {
	t := d.time().AddDate(0, 0, n)
	return Date{t.Year(), t.Month(), t.Day()}
}

// PreviousMonth returns the first and last day of the calendar month before
// the one d is in: the default period of the events table.
func PreviousMonth(d Date) (from, to Date) {
	first := time.Date(d.Year, d.Month, 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 0, -1)
	start := time.Date(last.Year(), last.Month(), 1, 0, 0, 0, 0, time.UTC)
	return Date{start.Year(), start.Month(), 1}, Date{last.Year(), last.Month(), last.Day()}
}

// Age returns a person's age in completed years on date at, and whether it
// is known. A person is of age n from their n-th birthday; a person born on
// 29 February reaches a new age on 1 March in a year without that day.
//
// A birth date known only to the year, or to the year and month, is aged
// from the last day it can mean: "1990" as 31/12/1990, "05/1990" as
// 31/05/1990. The age is then the age the person has certainly reached, never more:
// a rule about the old (alive past 110) or the grown (14 or more without
// an ID number) never flags someone who may not yet be that old. A person
// whose birth may lie on or before at but may also lie after it (born
// "2026", aged on 30/06/2026) is 0. ok is false when the birth date is not
// recorded or certainly lies after at.
func Age(birth storage.PartialDate, at Date) (age int, ok bool) {
	if birth.IsZero() {
		return 0, false
	}
	e := birth.Earliest()
	if at.time().Before(e) {
		return 0, false
	}
	l := birth.Latest()
	age = at.Year - l.Year()
	if at.Month < l.Month() || at.Month == l.Month() && at.Day < l.Day() {
		age--
	}
	if age < 0 {
		age = 0
	}
	return age, true
}

// within reports whether every day d can mean lies in [from, to]: a birth
// in "11/2026" is within November 2026, a birth in "2026" is not.
func within(d storage.PartialDate, from, to Date) bool {
	if d.IsZero() {
		return false
	}
	return !d.Earliest().Before(from.time()) && !to.time().Before(d.Latest())
}

// Residence is how a person is tied to the commune a table is about.
const (
	ResidencePermanent = "permanent"           // permanent residence here, present
	ResidenceAbsent    = "temporarily_absent"  // permanent residence here, registered absent
	ResidenceTemporary = "temporary_residence" // temporary residence here, permanent elsewhere or none
	ResidenceCurrent   = "current_only"        // lives here (current address) without registering residence here
	ResidenceNoAddress = "no_address"          // (all communes) no address recorded at all
	NotRecorded        = "not_recorded"        // the row of every table for an empty field
)

// scope is a commune filter: one commune's code, or "" for all.
type scope struct{ commune string }

// place says whether p is counted under the filter, how it is tied to it,
// which commune it is counted in and the hamlet it lives in (an index into
// hs). Under one commune a person is counted when any of their permanent,
// temporary or current addresses is in it (a temporary resident is part of
// the commune they stay in, and remains part of the one they are absent
// from); under all communes, once, in the commune of their permanent
// address, else temporary, else current.
func (sc scope) place(p *storage.Person, hs *hamlets) (in bool, res, commune string, hamlet int) {
	perm := p.Values[storage.FieldPermanentAddressCode]
	temp := p.Values[storage.FieldTemporaryAddressCode]
	cur := p.Values[storage.FieldCurrentAddressCode]
	absent := p.Values[storage.FieldTemporaryAbsenceCode] != "" || p.Values[storage.FieldTemporaryAbsenceDetail] != ""
	c := sc.commune
	switch {
	case c != "":
	case perm != "":
		c = perm
	case temp != "":
		c = temp
	case cur != "":
		c = cur
	default:
		return true, ResidenceNoAddress, "", hs.of("", p.Values[storage.FieldCurrentAddressDetail])
	}
	switch {
	case perm == c && absent:
		res = ResidenceAbsent
	case perm == c:
		res = ResidencePermanent
	case temp == c:
		res = ResidenceTemporary
	case cur == c:
		res = ResidenceCurrent
	default:
		return false, "", "", -1
	}
	// The hamlet is read from where the person lives in this commune:
	// the current address line first, then the permanent, then the
	// temporary one, the first of them (in this commune) naming a hamlet.
	hamlet = -1
	for _, a := range [...]struct {
		code string
		line storage.Field
	}{
		{cur, storage.FieldCurrentAddressDetail},
		{perm, storage.FieldPermanentAddressDetail},
		{temp, storage.FieldTemporaryAddressDetail},
	} {
		if a.code != c {
			continue
		}
		i := hs.of(c, p.Values[a.line])
		if hamlet < 0 || hs.list[hamlet].Name == "" {
			hamlet = i
		}
		if hs.list[i].Name != "" {
			break
		}
	}
	return true, res, c, hamlet
}

// hamlets turns address lines into hamlets, remembering each line (the
// members of a household share theirs).
type hamlets struct {
	byLine map[string]hamletRef
	byKey  map[string]int // commune \0 folded hamlet -> index in list
	list   []Hamlet
}

// Hamlet is a hamlet (thôn, bản, tổ dân phố …) of a commune, as the address
// lines name it; Name is "" for the persons whose address names none.
type Hamlet struct {
	Commune string `json:"commune"`
	Name    string `json:"hamlet"`
}

type hamletRef struct {
	commune string
	idx     int
}

func newHamlets() *hamlets {
	return &hamlets{byLine: map[string]hamletRef{}, byKey: map[string]int{}}
}

// of returns the index of the hamlet an address line of commune names.
func (h *hamlets) of(commune, line string) int {
	if r, ok := h.byLine[line]; ok && r.commune == commune {
		return r.idx
	}
	name := storage.Hamlet(line)
	key := commune + "\x00" + fold.Fold(name)
	i, ok := h.byKey[key]
	if !ok {
		i = len(h.list)
		h.list = append(h.list, Hamlet{Commune: commune, Name: name})
		h.byKey[key] = i
	}
	if len(h.byLine) < 1<<18 {
		h.byLine[line] = hamletRef{commune, i}
	}
	return i
}

// ranks orders the hamlets: by commune, then by name folded, the lines
// that name no hamlet last in their commune.
func (h *hamlets) ranks() []int {
	type k struct {
		commune, name string
		i             int
	}
	ks := make([]k, len(h.list))
	for i, x := range h.list {
		name := "\xff"
		if x.Name != "" {
			name = fold.Fold(x.Name)
		}
		ks[i] = k{x.Commune, name, i}
	}
	sort.Slice(ks, func(a, b int) bool {
		if ks[a].commune != ks[b].commune {
			return ks[a].commune < ks[b].commune
		}
		return ks[a].name < ks[b].name
	})
	rank := make([]int, len(ks))
	for r, x := range ks {
		rank[x.i] = r
	}
	return rank
}

// matchHamlet reports whether a hamlet is the one an officer typed: the
// same words folded, with or without the word that opens it ("Lũng Hòa"
// finds "Thôn Lũng Hòa").
func matchHamlet(name, typed string) bool {
	n, t := fold.Fold(name), fold.Fold(typed)
	if t == "" {
		return true
	}
	return n == t || strings.HasSuffix(n, " "+t)
}

// living reports whether p was alive on at, as its record says: status
// living (or not recorded), or dead or missing with a date that certainly
// lies after at. status is the row of the status table.
func living(p *storage.Person, at Date) (alive bool, status string) {
	switch st := p.Values[storage.FieldStatus]; st {
	case storage.StatusLiving:
		return true, storage.StatusLiving
	case storage.StatusDead, storage.StatusMissing:
		d, _ := storage.ParseDate(p.Values[storage.FieldDeathDate])
		if !d.IsZero() && at.time().Before(d.Earliest()) {
			return true, storage.StatusLiving
		}
		return false, st
	default:
		return true, NotRecorded
	}
}
