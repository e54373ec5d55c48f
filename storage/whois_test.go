package storage_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/communekit/communekit/storage"
)

// A refusal about another record names that person as an officer knows
// them and carries their identifier apart, for a screen to open: never
// the identifier in the words.
func TestProblems_NameTheOtherPerson(t *testing.T) {
	s := mustCreate(t, filepath.Join(t.TempDir(), "p"))
	defer s.Close()
	id := storage.MakeIDNumber("033", storage.SexMale, 1980, 5)
	head, err := s.AddPerson(storage.Values{storage.FieldFullName: "Phạm Văn Bình", storage.FieldBirthDate: "1980-02-03",
		storage.FieldSex: storage.SexMale, storage.FieldEthnicity: "01", storage.FieldIDNumber: id,
		storage.FieldHouseholdNumber: "H-7", storage.FieldRelationshipToHead: "Chủ hộ"}, storage.SaveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, err error, code, vi string) {
		t.Helper()
		var ps storage.Problems
		if !errors.As(err, &ps) || !ps.Has(code) {
			t.Fatalf("%s: %v, want %s", what, err, code)
		}
		p := ps[0]
		if p.Person != head.ID {
			t.Errorf("%s: Person = %v, want %v", what, p.Person, head.ID)
		}
		if !strings.Contains(p.Message("vi"), vi) || !strings.Contains(p.Message("en"), "Phạm Văn Bình, born 03/02/1980, household H-7") {
			t.Errorf("%s: %q / %q does not name the person", what, p.Message("vi"), p.Message("en"))
		}
		if strings.Contains(p.Message("vi")+p.Message("en"), head.ID.String()) {
			t.Errorf("%s: the identifier is in the words: %q", what, p.Message("vi"))
		}
	}
	_, err = s.AddPerson(storage.Values{storage.FieldFullName: "Phạm Văn Bảo", storage.FieldBirthDate: "1980",
		storage.FieldSex: storage.SexMale, storage.FieldEthnicity: "01", storage.FieldIDNumber: id}, storage.SaveOptions{})
	check("same ID number", err, "id_taken", "đã thuộc về Phạm Văn Bình, sinh 03/02/1980, hộ số H-7")
	_, err = s.AddPerson(storage.Values{storage.FieldFullName: "Phạm Thị Lan", storage.FieldBirthDate: "1982",
		storage.FieldSex: storage.SexFemale, storage.FieldEthnicity: "01",
		storage.FieldHouseholdNumber: "H-7", storage.FieldRelationshipToHead: "Chủ hộ"}, storage.SaveOptions{})
	check("second head", err, "second_head", "đã có chủ hộ (Phạm Văn Bình, sinh 03/02/1980, hộ số H-7)")

	// An imported row too.
	rep, err := s.ImportPersons(strings.NewReader("full_name,birth_date,sex,ethnicity,id_number\nPhạm Văn Bảo,1980,Nam,Kinh,"+id+"\n"), storage.ImportOptions{})
	if err != nil || len(rep.Rejected) != 1 {
		t.Fatalf("import: %v %+v", err, rep)
	}
	if m := rep.Rejected[0].Message; !strings.Contains(m, "Phạm Văn Bình, sinh 03/02/1980, hộ số H-7") || strings.Contains(m, head.ID.String()) {
		t.Errorf("import refusal %q does not name the holder", m)
	}
}
