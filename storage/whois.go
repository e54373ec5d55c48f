package storage

import (
	"fmt"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// whoIs names the person with id the way an officer knows them, in
// Vietnamese and in English: the full name, the birth date and the
// household ("Trần Thị Lan, sinh 02/03/1985, hộ số 0042"). A message that
// names another record says who it is, never its identifier; the
// identifier goes in Problem.Person, for a screen to open the record.
// A record that cannot be read is "another person".
func whoIs(txn *badger.Txn, id ID) who {
	p, err := getPerson(txn, id)
	if err != nil {
		p = nil
	}
	return whoWords(p)
}

// who names a person in both languages.
type who struct{ vi, en string }

// whoWords is whoIs of a person read, or nil.
func whoWords(p *Person) who {
	if p == nil || strings.TrimSpace(p.FullName()) == "" {
		return who{"một người khác", "another person"}
	}
	vi, en := p.FullName(), p.FullName()
	if b := p.Values[FieldBirthDate]; b != "" {
		d := DisplayValue(FieldBirthDate, b)
		vi += ", sinh " + d
		en += ", born " + d
	}
	if h := p.Values[FieldHouseholdNumber]; h != "" {
		vi += fmt.Sprintf(", hộ số %s", h)
		en += fmt.Sprintf(", household %s", h)
	}
	return who{vi, en}
}
