package storage

import (
	"strings"
	"testing"
)

// matchNameRef is the straightforward form of matchName, kept to check
// the allocation-free one against.
func matchNameRef(tokens []string, name string) (score int, ok bool) {
	var nt []string
	for _, t := range strings.Fields(name) {
		if len(nt) == 16 {
			break
		}
		nt = append(nt, strings.ReplaceAll(t, "'", ""))
	}
	var more []string
	for _, t := range nt {
		if strings.Contains(t, "-") {
			more = append(more, strings.Split(t, "-")...)
		}
	}
	nt = append(nt, more...)
	used := make([]bool, len(nt))
	for _, q := range tokens {
		got, at := 0, -1
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

func TestMatchName_AgreesWithReference(t *testing.T) {
	names := []string{"nguyen van an", "h'hen nie", "y-moan eban", "giang van su", "giang van sung", "le thi  thu", "o'' a'b'c", "ma a-b-c a", "van van van"}
	queries := [][]string{{"nguyen"}, {"ng"}, {"hhen"}, {"hh"}, {"h"}, {"y", "moan"}, {"moan"}, {"y-moan"}, {"giang", "van", "su"}, {"su"}, {"sung"},
		{"thu", "le"}, {"o"}, {"abc"}, {"ab"}, {"a", "b", "c"}, {"van", "van"}, {"van", "van", "van", "van"}, {"x"}, {"le", "t"}}
	for _, n := range names {
		for _, q := range queries {
			s1, ok1 := matchName(q, n)
			s2, ok2 := matchNameRef(q, n)
			if s1 != s2 || ok1 != ok2 {
				t.Errorf("matchName(%q, %q) = %d %v, want %d %v", q, n, s1, ok1, s2, ok2)
			}
		}
	}
}
