package vm

import (
	"strings"
	"sync"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/fold"
	"github.com/communekit/communekit/storage/refdata"
)

// Unit is one administrative unit as a picker lists it.
type Unit struct {
	Code  string
	Label string // "Xã Quỳnh Phụ, Hưng Yên"
	Old   bool   // a unit from before 1 July 2025
}

// UnitIndex finds administrative units as the officer types: every typed
// word must start a word of the unit's full name, without regard to case or
// diacritics ("quynh phu hung" finds Xã Quỳnh Phụ, Hưng Yên), or the text
// is a code prefix.
type UnitIndex struct {
	units  []Unit
	folded []string // " " + folded label + " ", for word-prefix matching
}

var (
	unitsOnce sync.Once
	units     *UnitIndex
)

// Units returns the index of both eras' units, built once.
func Units() *UnitIndex {
	unitsOnce.Do(func() {
		x := &UnitIndex{}
		for _, c := range refdata.Communes2025() {
			x.add(c, false)
		}
		for _, c := range refdata.CommunesPre2025() {
			x.add(c, true)
		}
		units = x
	})
	return units
}

func (x *UnitIndex) add(c refdata.Commune, old bool) {
	x.units = append(x.units, Unit{Code: c.Code, Label: c.FullName(), Old: old})
	x.folded = append(x.folded, " "+strings.NewReplacer(",", " ").Replace(fold.Fold(c.FullName()))+" ")
}

// Find returns up to limit units matching query: 2025 units first, then,
// when old is true, pre-2025 ones.
func (x *UnitIndex) Find(query string, old bool, limit int) []Unit {
	q := strings.TrimSpace(query)
	if q == "" {
		return nil
	}
	var out []Unit
	if isDigitString(q) {
		for _, u := range x.units {
			if strings.HasPrefix(u.Code, q) && (old || !u.Old) {
				out = append(out, u)
				if len(out) == limit {
					break
				}
			}
		}
		return out
	}
	toks := fold.Tokens(q)
	for i, f := range x.folded {
		u := x.units[i]
		if u.Old && !old {
			break // the 2025 units come first
		}
		ok := true
		for _, t := range toks {
			if !strings.Contains(f, " "+t) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, u)
			if len(out) == limit {
				break
			}
		}
	}
	return out
}

// UnitLabel names a unit code for display ("" if it is no unit).
func UnitLabel(code string) string {
	if c, ok := refdata.Unit(code); ok {
		return c.FullName()
	}
	return ""
}

func isDigitString(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// unitField reports whether f holds an administrative unit, and whether
// pre-2025 units are accepted for it (hometown, birth registration and the
// destination of a temporary absence; current addresses need 2025 units).
func unitField(f storage.Field) (isUnit, old bool) {
	switch f {
	case storage.FieldPermanentAddressCode, storage.FieldTemporaryAddressCode, storage.FieldCurrentAddressCode:
		return true, false
	case storage.FieldTemporaryAbsenceCode, storage.FieldHometown, storage.FieldBirthRegistrationPlace:
		return true, true
	}
	return false, false
}
