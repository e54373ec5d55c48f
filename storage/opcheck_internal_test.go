package storage

import (
	"testing"

	"golang.org/x/text/unicode/norm"
)

// FuzzCanonicalByWords: a value the district takes as canonical word by
// word is canonical whole (Canonicalize gives it back unchanged), whatever
// words the memo learnt before.
func FuzzCanonicalByWords(f *testing.F) {
	for _, s := range []string{"Nguyễn Văn An", "H'Hen Niê", "Y-Moan", norm.NFD.String("Lò Văn Páo"), "Thôn Pả Vi, số nhà 12", "a  b", " a", "a ",
		"Đặng\tVăn", "- '", "x\u0301 y", "Nguyen\u200bVan", "ﬁ ﬂ", "Å Å"} {
		f.Add(s, "Văn Thị", uint8(0))
		f.Add(s, s, uint8(1))
	}
	fields := []Field{FieldFullName, FieldFatherName, FieldOccupation, FieldPermanentAddressDetail, FieldHouseholdNumber}
	f.Fuzz(func(t *testing.T, v, before string, which uint8) {
		fld := fields[int(which)%len(fields)]
		m := &valueMemo{}
		m.canonicalByWords(fld, before) // what the memo learnt first
		if !m.canonicalByWords(fld, v) {
			return
		}
		if got, p := Canonicalize(fld, v); p != nil || got != v {
			t.Fatalf("%s %q taken as canonical by its words, but Canonicalize gives %q, %v", fld, v, got, p)
		}
	})
}
