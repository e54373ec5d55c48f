package vm

import (
	"github.com/communekit/communekit/storage"
)

// MessageOK reports whether the form-wide message says something went
// well (a save, a QR code read), to be shown in the success colour rather
// than as a problem.
func (f *Form) MessageOK() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.messageOK
}

// Other is the person the last refused save named (the holder of the ID
// number typed, the household's head), to be opened from the form, or
// the zero ID.
func (f *Form) Other() storage.ID {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.other
}

// PersonCard is a person as a short card an officer recognises them by:
// the name and a few lines, labels in the officer's language.
type PersonCard struct {
	ID    storage.ID
	Name  string
	Lines []string // "Ngày sinh: 02/03/1985", …
}

// cardFields are the fields a PersonCard shows, when recorded.
var cardFields = []storage.Field{
	storage.FieldBirthDate, storage.FieldSex, storage.FieldIDNumber, storage.FieldHouseholdNumber,
	storage.FieldRelationshipToHead, storage.FieldPermanentAddressDetail, storage.FieldPermanentAddressCode,
	storage.FieldStatus,
}

// CardOf reads the person with id as a card.
func CardOf(tr Tr, store *storage.Store, id storage.ID) (PersonCard, error) {
	p, err := store.Person(id)
	if err != nil {
		return PersonCard{}, err
	}
	c := PersonCard{ID: p.ID, Name: p.FullName()}
	for _, fl := range cardFields {
		v := p.Get(fl)
		if v == "" {
			continue
		}
		c.Lines = append(c.Lines, FieldLabel(tr, fl)+": "+DisplayValue(tr, fl, v))
	}
	return c, nil
}
