package refdata

import (
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/communekit/communekit/assets"
	"github.com/communekit/communekit/storage/fold"
)

// readCSV reads an embedded reference file and checks its header. The files
// are part of the binary, so a malformed one is a build defect: it panics
// rather than making every lookup return an error no caller could act on.
func readCSV(name string, header ...string) [][]string {
	f, err := assets.Data.Open("data/" + name)
	if err != nil {
		panic(fmt.Sprintf("refdata: %v", err))
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = len(header)
	rows, err := r.ReadAll()
	if err != nil {
		panic(fmt.Sprintf("refdata: reading %q: %v", name, err))
	}
	if len(rows) == 0 || !slices.Equal(rows[0], header) {
		panic(fmt.Sprintf("refdata: %q: header is not %q", name, header))
	}
	return rows[1:]
}

// padCode returns code without surrounding space and, if it is made of
// digits and shorter than width, with the leading zeros a spreadsheet
// dropped put back.
func padCode(code string, width int) string {
	code = strings.TrimSpace(code)
	if code == "" || len(code) >= width {
		return code
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return code
		}
	}
	return strings.Repeat("0", width-len(code)) + code
}

// looseKey is the diacritic-blind key: the folded letters and digits alone,
// so that "Ê Đê", "Ê-đê", "Êđê" and "ede" meet, and so do "TP. Hà Nội"
// and "tp ha noi".
func looseKey(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, fold.Fold(s))
}

// nameIndex finds an item by name in four tiers, stopping at the first tier
// that has a match: exact key ([fold.Key]) of a main name, exact key of an
// other name, loose key of a main name, loose key of an other name. A tier
// that matches more than one item is ambiguous and yields nothing.
type nameIndex struct {
	tiers [4]map[string][]int
}

func newNameIndex() *nameIndex {
	x := new(nameIndex)
	for i := range x.tiers {
		x.tiers[i] = make(map[string][]int)
	}
	return x
}

// add indexes name for item i. A name with a parenthesised part, such as
// "Hoa (Chinese)", is also indexed as its parts, as other names.
func (x *nameIndex) add(i int, name string, main bool) {
	name = strings.TrimSpace(name)
	if name == "" {
		return
	}
	t := 0
	if !main {
		t = 1
	}
	addUnique(x.tiers[t], fold.Key(name), i)
	addUnique(x.tiers[t+2], looseKey(name), i)
	if open := strings.IndexByte(name, '('); open > 0 && strings.HasSuffix(name, ")") {
		x.add(i, name[:open], main)
		x.add(i, name[open+1:len(name)-1], false)
	}
}

// addUnique adds i to the list under key unless it is there already.
// Callers add items in increasing order, so the list stays sorted and a
// repeat can only be its last element.
func addUnique(m map[string][]int, key string, i int) {
	if is := m[key]; key != "" && (len(is) == 0 || is[len(is)-1] != i) {
		m[key] = append(is, i)
	}
}

func (x *nameIndex) lookup(s string) (int, bool) {
	keys := [2]string{fold.Key(s), looseKey(s)}
	for t, m := range x.tiers {
		if is := m[keys[t/2]]; len(is) > 0 {
			return is[0], len(is) == 1
		}
	}
	return 0, false
}
