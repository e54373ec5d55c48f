package storage

import (
	"strings"

	"github.com/communekit/communekit/storage/fold"
)

// hamletWords are the words that open a hamlet or residential-group name in
// an address detail line: "Thôn Lũng Hòa, số nhà 12" is in hamlet
// "Thôn Lũng Hòa".
var hamletWords = []string{"thon", "ban", "xom", "ap", "to dan pho", "to", "buon", "lang", "phum", "soc", "khu pho", "khu", "doi", "plei", "bon"}

// Hamlet returns the hamlet or residential group named in an address detail
// line, or "" when the line names none.
func Hamlet(detail string) string {
	for _, part := range strings.Split(detail, ",") {
		part = strings.TrimSpace(part)
		f := fold.Fold(part)
		for _, w := range hamletWords {
			if f == w || strings.HasPrefix(f, w+" ") {
				return part
			}
		}
	}
	return ""
}

// HamletOf returns the hamlet of a person's current residence, falling back
// to the permanent one.
func HamletOf(p *Person) string {
	if h := Hamlet(p.Values[FieldCurrentAddressDetail]); h != "" {
		return h
	}
	return Hamlet(p.Values[FieldPermanentAddressDetail])
}
