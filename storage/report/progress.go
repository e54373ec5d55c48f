package report

import (
	"sort"

	"github.com/communekit/communekit/storage"
)

// ProgressOptions say which progress table to compute.
type ProgressOptions struct {
	// At is the reference date (zero: today, by the store's clock).
	At Date
	// Communes are the communes to give a row each (a district's: those
	// its devices serve). The total is over every record the store holds,
	// whichever commune it is in.
	Communes []string
}

// CommuneProgress is one row of the progress table: a commune's persons
// and households as [Stats] counts them under that commune, its
// completeness as [Quality] computes it, and its open conflicts.
type CommuneProgress struct {
	Commune         string  `json:"commune"` // "" in the total
	Persons         int     `json:"persons"`
	Households      int     `json:"households"`
	CompleteRecords int     `json:"complete_records"`
	Completeness    float64 `json:"completeness_percent"`
	OpenConflicts   int     `json:"open_conflicts"`
	filled, of      int
}

// Progress is where the records of a district stand: one row per commune
// and the total, in which each person, household and conflict counts
// once.
type Progress struct {
	ReferenceDate Date              `json:"reference_date"`
	Communes      []CommuneProgress `json:"communes"`
	Total         CommuneProgress   `json:"total"`
}

// ComputeProgress counts, in one pass over the persons and one over the
// households, what [Stats] and [Quality] would give as each commune's
// population, households and completeness (a person counts in every
// commune they are tied to, once in the total), and reads the open
// conflicts: a conflict counts in a commune when one of its records (or,
// for a household, its address) is there.
func ComputeProgress(s *storage.Store, o ProgressOptions) (*Progress, error) {
	at, _, _, err := resolveDates(s, o.At, Date{}, Date{})
	if err != nil {
		return nil, err
	}
	pr := &Progress{ReferenceDate: at, Communes: []CommuneProgress{}}
	row := map[string]int{}
	for _, c := range o.Communes {
		if _, ok := row[c]; ok || c == "" {
			continue
		}
		row[c] = len(pr.Communes)
		pr.Communes = append(pr.Communes, CommuneProgress{Commune: c})
	}
	sort.Slice(pr.Communes, func(i, j int) bool { return pr.Communes[i].Commune < pr.Communes[j].Commune })
	for i, c := range pr.Communes {
		row[c.Commune] = i
	}

	// The records each open conflict is about, to count it where they are.
	type conflictRef struct {
		persons []storage.ID
		commune string
	}
	var conflicts []conflictRef
	fcs, err := s.Conflicts()
	if err != nil {
		return nil, err
	}
	for _, c := range fcs {
		conflicts = append(conflicts, conflictRef{persons: []storage.ID{c.ID}})
	}
	scs, err := s.SemanticConflicts()
	if err != nil {
		return nil, err
	}
	for _, c := range scs {
		conflicts = append(conflicts, conflictRef{persons: c.Persons})
	}
	dcs, err := s.DuplicateConflicts()
	if err != nil {
		return nil, err
	}
	for _, c := range dcs {
		conflicts = append(conflicts, conflictRef{persons: []storage.ID{c.A, c.B}})
	}
	pcs, err := s.PersonConflicts()
	if err != nil {
		return nil, err
	}
	for _, c := range pcs {
		conflicts = append(conflicts, conflictRef{persons: []storage.ID{c.Person}})
	}
	hcs, err := s.HouseholdConflicts()
	if err != nil {
		return nil, err
	}
	for _, c := range hcs {
		conflicts = append(conflicts, conflictRef{persons: append(append([]storage.ID{}, c.Heads...), c.Members...), commune: c.Commune})
	}
	inConflict := map[storage.ID][]string{} // person -> the row communes they are tied to
	for _, c := range conflicts {
		for _, id := range c.persons {
			inConflict[id] = nil
		}
	}

	err = s.ScanPersons(func(p *storage.Person) error {
		perm := p.Values[storage.FieldPermanentAddressCode]
		temp := p.Values[storage.FieldTemporaryAddressCode]
		cur := p.Values[storage.FieldCurrentAddressCode]
		if _, ok := inConflict[p.ID]; ok {
			var cs []string
			for _, c := range [...]string{perm, temp, cur} {
				if _, ok := row[c]; ok && !contains(cs, c) {
					cs = append(cs, c)
				}
			}
			inConflict[p.ID] = cs
		}
		birth, _ := storage.ParseDate(p.Values[storage.FieldBirthDate])
		age, known := Age(birth, at)
		if !known && !birth.IsZero() {
			return nil // born after the reference date
		}
		if alive, _ := living(p, at); !alive {
			return nil
		}
		// The total counts the person once, in the commune of the
		// permanent address, else temporary, else current (scope.place
		// under all communes): a permanent resident there when the
		// permanent address is recorded.
		filled, of, complete := requiredCells(p, perm != "", age, known)
		pr.Total.add(filled, of, complete)
		// A row counts the person under each commune among their
		// addresses: a permanent resident of the one of the permanent
		// address.
		for i, c := range [...]string{perm, temp, cur} {
			if c == "" || (i > 0 && c == perm) || (i == 2 && c == temp) {
				continue
			}
			r, ok := row[c]
			if !ok {
				continue
			}
			if i > 0 {
				filled, of, complete = requiredCells(p, false, age, known)
			}
			pr.Communes[r].add(filled, of, complete)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = s.ScanHouseholds(func(h *storage.Household) error {
		pr.Total.Households++
		if r, ok := row[h.AddressCode]; ok {
			pr.Communes[r].Households++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, c := range conflicts {
		pr.Total.OpenConflicts++
		var cs []string
		if _, ok := row[c.commune]; ok {
			cs = append(cs, c.commune)
		}
		for _, id := range c.persons {
			for _, x := range inConflict[id] {
				if !contains(cs, x) {
					cs = append(cs, x)
				}
			}
		}
		for _, x := range cs {
			pr.Communes[row[x]].OpenConflicts++
		}
	}
	for i := range pr.Communes {
		pr.Communes[i].finish()
	}
	pr.Total.finish()
	return pr, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (c *CommuneProgress) add(filled, of int, complete bool) {
	c.Persons++
	c.filled += filled
	c.of += of
	if complete {
		c.CompleteRecords++
	}
}

func (c *CommuneProgress) finish() { c.Completeness = percent(c.filled, c.of) }

// requiredCells counts the required fields (Quality's "đủ") that apply to
// p and how many of them are filled: the household number only of a
// permanent resident of the commune counted, the ID number only from the
// age of 14.
func requiredCells(p *storage.Person, permanent bool, age int, known bool) (filled, of int, complete bool) {
	complete = true
	for i, r := range required {
		has := p.Values[r.field] != ""
		switch i {
		case reqAddress:
			has = has || p.Values[storage.FieldCurrentAddressCode] != ""
		case reqHousehold:
			if !permanent {
				continue
			}
		case reqID:
			if !known || age < IDAge {
				continue
			}
		}
		of++
		if has {
			filled++
		} else {
			complete = false
		}
	}
	return filled, of, complete
}
