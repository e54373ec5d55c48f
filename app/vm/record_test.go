package vm

import (
	"errors"
	"testing"

	"github.com/communekit/communekit/storage"
)

// A person's page and form read the record through the view model; an
// unknown person is an error, never an empty page. MergeSource offers
// another household with members, never the one merged into.
func TestOpenRecord_FormAndMergeSource(t *testing.T) {
	s := mustStore(t, 300)
	a, _ := twoHouseholds(t, s)
	head := a.Members()[0].Person
	rec, err := OpenRecord(mustTr(t), s, head.ID)
	if err != nil || rec.Person.ID != head.ID || rec.Person.FullName() != head.FullName() {
		t.Fatalf("record: %+v, %v", rec, err)
	}
	f, err := OpenPersonForm(mustTr(t), s, head.ID)
	if err != nil || f.Value(storage.FieldFullName) != head.FullName() {
		t.Fatalf("form: %v", err)
	}
	unknown := storage.ID{Origin: "nobody", N: 1}
	if _, err := OpenRecord(mustTr(t), s, unknown); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("unknown person: %v", err)
	}
	num := a.Record().Number
	from := MergeSource(s, num)
	if from == "" || from == num {
		t.Fatalf("merge source %q for %q", from, num)
	}
	if ms, _ := s.Members(from); len(ms) < 2 {
		t.Fatalf("merge source %q has %d members", from, len(ms))
	}
}
