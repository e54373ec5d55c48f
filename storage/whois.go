package storage

import (
	"strings"

	"github.com/dgraph-io/badger/v4"

	"github.com/communekit/communekit/assets/i18n"
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

// who names a person in a message: the name as it is, or an i18n.Msg
// that adds the birth date and the household in the message's language.
type who = any

// whoWords is whoIs of a person read, or nil.
func whoWords(p *Person) who {
	if p == nil || strings.TrimSpace(p.FullName()) == "" {
		return i18n.M("problem.who.nobody")
	}
	var w who = p.FullName()
	if b := p.Values[FieldBirthDate]; b != "" {
		w = i18n.M("problem.who.born", w, DisplayValue(FieldBirthDate, b))
	}
	if h := p.Values[FieldHouseholdNumber]; h != "" {
		w = i18n.M("problem.who.household", w, h)
	}
	return w
}
