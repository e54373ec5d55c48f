package vm

import (
	"strings"
	"time"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/fold"
)

// What a split or merge asks before it saves, and what the merge screen
// offers to pick the household merged in.

// AdultAge is the age under which a head of household is worth a second
// look: the law lets a minor head a household only in a few cases.
const AdultAge = 18

// Dirty reports whether the officer chose or typed something the split
// has not saved.
func (v *Split) Dirty() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.saved {
		return false
	}
	if strings.TrimSpace(v.reason) != "" || strings.TrimSpace(v.number) != strings.TrimSpace(v.suggested) ||
		strings.TrimSpace(v.detail) != strings.TrimSpace(v.h.AddressDetail) {
		return true
	}
	for _, on := range v.move {
		if on {
			return true
		}
	}
	for _, r := range v.rel {
		if strings.TrimSpace(r) != "" {
			return true
		}
	}
	return false
}

// Ready checks the split as Save does, flagging what is missing, and
// reports whether it can be saved; when not, Message says to fix it.
func (v *Split) Ready() bool {
	v.mu.Lock()
	v.submitted = true
	v.mu.Unlock()
	v.check()
	v.mu.Lock()
	n := len(v.probs)
	v.mu.Unlock()
	if n > 0 {
		v.failed(v.tr.T("split.fix"))
		return false
	}
	return true
}

// Confirm is what the split will do, in a sentence or two, to ask before
// saving ("Tách 2 người sang hộ mới 2472-000021…"), and the warnings to
// read first: a head of household under 18.
func (v *Split) Confirm() (what string, warnings []string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	number, _ := storage.Canonicalize(storage.FieldHouseholdNumber, v.number)
	var moving, staying []string
	var newHead, oldHead *storage.Person
	for _, p := range v.members {
		switch {
		case v.move[p.ID]:
			moving = append(moving, p.FullName())
			if p.ID == v.newHead {
				newHead = p
			}
		default:
			staying = append(staying, p.FullName())
			if (v.headMoves() && p.ID == v.oldHead) || (!v.headMoves() && p.IsHead()) {
				oldHead = p
			}
		}
	}
	what = v.tr.T("split.confirm", len(moving), number, nameOf(newHead), strings.Join(moving, ", "),
		v.h.Number, len(staying), nameOf(oldHead))
	now := v.store.WallClock()
	if w := minorHead(v.tr, newHead, number, now); w != "" {
		warnings = append(warnings, w)
	}
	if v.headMoves() {
		if w := minorHead(v.tr, oldHead, v.h.Number, now); w != "" {
			warnings = append(warnings, w)
		}
	}
	return what, warnings
}

func nameOf(p *storage.Person) string {
	if p == nil {
		return "—"
	}
	return p.FullName()
}

// minorHead warns when p, to head household number, is under AdultAge
// however their birth date is read (a year alone: the earliest day of it).
func minorHead(tr Tr, p *storage.Person, number string, now time.Time) string {
	if p == nil {
		return ""
	}
	b, err := storage.ParseDate(p.Get(storage.FieldBirthDate))
	if err != nil || b.IsZero() {
		return ""
	}
	age := yearsBetween(b.Earliest(), now)
	if age >= AdultAge {
		return ""
	}
	return tr.T("split.minor_head", p.FullName(), age, number, AdultAge)
}

// yearsBetween is the age on the day now of someone born on birth.
func yearsBetween(birth, now time.Time) int {
	y := now.Year() - birth.Year()
	if now.Month() < birth.Month() || (now.Month() == birth.Month() && now.Day() < birth.Day()) {
		y--
	}
	return y
}

// Dirty reports whether the officer typed something the merge has not
// saved.
func (v *Merge) Dirty() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return !v.saved && (strings.TrimSpace(v.from) != "" || strings.TrimSpace(v.reason) != "")
}

// Ready checks the merge as Save does and reports whether it can be
// saved; when not, Message says to fix it.
func (v *Merge) Ready() bool {
	v.mu.Lock()
	v.submitted = true
	v.mu.Unlock()
	v.check()
	v.mu.Lock()
	n := len(v.probs)
	v.mu.Unlock()
	if n > 0 {
		v.failed(v.tr.T("split.fix"))
		return false
	}
	return true
}

// Confirm is what the merge will do, to ask before saving.
func (v *Merge) Confirm() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.fromH == nil {
		return ""
	}
	fromHead := "—"
	if len(v.fromMembers) > 0 && v.fromMembers[0].IsHead() {
		fromHead = v.fromMembers[0].FullName()
	}
	return v.tr.T("merge.confirm", len(v.fromMembers), v.fromH.Number, fromHead, v.into.Number, nameOf(v.intoHead), v.fromH.Number)
}

// HouseholdChoice is a household the merge screen offers for what is
// typed: its number and a line naming its head, size and address.
type HouseholdChoice struct {
	Number string
	Label  string
}

// maxChoices is how many households the merge screen offers at once.
const maxChoices = 8

// Choices are the households matching what is typed in the merge
// screen's search (a head's or member's name, or the first digits of a
// number), the household merged into and empty ones left out.
func (v *Merge) Choices() []HouseholdChoice {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]HouseholdChoice(nil), v.choices...)
}

// findChoices searches the store for q and gathers the households of the
// persons found, in the order found.
func (v *Merge) findChoices(q string) []HouseholdChoice {
	if strings.TrimSpace(q) == "" {
		return nil
	}
	hits, err := v.store.Search(q, 50)
	if err != nil {
		return nil
	}
	seen := map[string]bool{fold.Fold(v.into.Number): true}
	var out []HouseholdChoice
	for _, h := range hits {
		num := h.Person.Get(storage.FieldHouseholdNumber)
		if num == "" || seen[fold.Fold(num)] {
			continue
		}
		seen[fold.Fold(num)] = true
		hh, err := v.store.HouseholdByNumber(num)
		if err != nil {
			continue
		}
		ms, err := v.store.Members(hh.Number)
		if err != nil || len(ms) == 0 {
			continue
		}
		head := "—"
		if ms[0].IsHead() {
			head = ms[0].FullName()
		}
		out = append(out, HouseholdChoice{Number: hh.Number,
			Label: v.tr.T("merge.found", hh.Number, head, len(ms), OrNone(v.tr, hh.AddressDetail))})
		if len(out) == maxChoices {
			break
		}
	}
	return out
}
