package storage_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/communekit/communekit/storage"
)

func TestImport_RejectedRowsReportedGoodRowsSaved(t *testing.T) {
	s := mustCreate(t, filepath.Join(t.TempDir(), "p"))
	defer s.Close()
	before := mustAdd(t, s, "Người Có Sẵn")
	csv := "\ufefffull_name,birth_date,sex,ethnicity,id_number,household_number,relationship_to_head\n" +
		"Đặng Văn Đức,12/03/1985,Nam,Kinh,002085012345,H1,Chủ hộ\n" + // line 2 ok
		"Lò Thị Mai,31/02/1988,Nữ,Thái,,H1,Vợ\n" + // line 3 bad date
		"Đặng Văn Hai,1990,Nam,01,002085012345,H2,Chủ hộ\n" + // line 4 ID used on line 2 (and year mismatch)
		"Đặng Thị Ba,2010,Nữ,01,,H1,Chủ hộ\n" + // line 5 second head
		"\n" + // blank lines are skipped
		"Giàng A Páo,1990,Nam,H'Mông,,H3,Chủ hộ\n" + // line 7 ok
		"too,few\n" // line 8 wrong column count
	rep, err := s.ImportPersons(strings.NewReader(csv), storage.ImportOptions{Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported != 2 {
		t.Errorf("imported %d, want 2", rep.Imported)
	}
	lines := map[int]string{}
	for _, r := range rep.Rejected {
		if r.Message == "" {
			t.Errorf("rejection without message: %+v", r)
		}
		lines[r.Line] += r.Field + " "
	}
	for line, field := range map[int]string{3: "birth_date", 4: "id_number", 5: "relationship_to_head", 8: ""} {
		got, ok := lines[line]
		if !ok || !strings.Contains(got, field) {
			t.Errorf("line %d: rejected fields %q, want %q", line, got, field)
		}
	}
	if len(lines) != 4 {
		t.Errorf("rejected lines %v, want 3, 4, 5 and 8", lines)
	}
	if _, err := s.Person(before.ID); err != nil {
		t.Errorf("a record saved before the import is gone: %v", err)
	}
	if n, h, _ := s.Counts(); n != 3 || h != 2 {
		t.Errorf("%d persons and %d households, want 3 and 2", n, h)
	}
}

func TestImport_DryRunSavesNothing(t *testing.T) {
	s := mustCreate(t, filepath.Join(t.TempDir(), "p"))
	defer s.Close()
	rep, err := s.ImportPersons(strings.NewReader("full_name,birth_date,sex,ethnicity\nAn Văn Bình,1990,Nam,01\n"), storage.ImportOptions{DryRun: true})
	if err != nil || rep.Imported != 1 {
		t.Fatalf("dry run: %+v %v", rep, err)
	}
	if n, _, _ := s.Counts(); n != 0 {
		t.Fatalf("dry run saved %d persons", n)
	}
	if p, _ := s.Pending(); p != 0 {
		t.Fatalf("dry run left %d pending operations", p)
	}
}

func TestImport_WholeFileProblems(t *testing.T) {
	s := mustCreate(t, filepath.Join(t.TempDir(), "p"))
	defer s.Close()
	for name, csv := range map[string]string{
		"empty":          "",
		"unknown column": "full_name,birth_date,sex,colour\n",
		"no name column": "birth_date,sex\n1990,Nam\n",
		"twice":          "full_name,full_name,birth_date,sex\n",
	} {
		_, err := s.ImportPersons(strings.NewReader(csv), storage.ImportOptions{})
		if !errors.Is(err, storage.ErrBadCSV) {
			t.Errorf("%s: got %v, want ErrBadCSV", name, err)
		}
	}
}

// FuzzImportCSV feeds arbitrary bytes to the importer: it must never panic,
// and what it reports imported must be what the store holds. The reader
// that bounds a record must change nothing encoding/csv reads of records
// within the bound, and refuse exactly the first one past it
// (storage.CheckRecordLimiter, for bounds from 1 byte up).
func FuzzImportCSV(f *testing.F) {
	f.Add([]byte("full_name,birth_date,sex,ethnicity\nĐặng Văn Đức,12/03/1985,Nam,Kinh\n"))
	f.Add([]byte("full_name,birth_date,sex\n\"unterminated,1990,Nam\n"))
	f.Add([]byte("full_name,birth_date,sex,household_number,relationship_to_head\nA B,1990,Nam,1,Chủ hộ\nC D,1991,Nữ,1,Chủ hộ\n"))
	f.Add([]byte("\xef\xbb\xbffull_name,birth_date,sex,id_number\nX Y,2005,Nữ,001305000001\n"))
	f.Add([]byte("full_name,birth_date,sex\n\x00\xff,\"\"\"\",\n"))
	f.Add([]byte("full_name;birth_date;sex;current_address_detail\r\nA B;1990;Nam;\"Thôn\r\n\"\"Bắc\"\";\"\r\n\r\nC\"D;1;Nữ;\"x\"y\n"))
	dir := f.TempDir()
	s, err := storage.Create(filepath.Join(dir, "p"), []byte(testPass), storage.Profile{Commune: "00769", Officer: "Fuzz"}, storage.Options{WorkFactor: testWorkFactor, GCInterval: -1})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := storage.CheckRecordLimiter(b); err != nil {
			t.Fatal(err)
		}
		n0, _, _ := s.Counts()
		rep, err := s.ImportPersons(bytes.NewReader(b), storage.ImportOptions{Chunk: 7})
		n1, _, _ := s.Counts()
		if err != nil {
			if n1 < n0 {
				t.Fatalf("a failed import removed persons: %d -> %d", n0, n1)
			}
			return
		}
		if n1-n0 != rep.Imported {
			t.Fatalf("report says %d imported, store grew by %d", rep.Imported, n1-n0)
		}
	})
}

// TestImport_AgainAddsNobodyTwice: an officer imports the register again,
// or again from the start after an import was cut short. Persons already
// saved are skipped and counted, not rejected and not added twice —
// before, persons without an ID number (children, the old) were.
func TestImport_AgainAddsNobodyTwice(t *testing.T) {
	s := mustCreate(t, filepath.Join(t.TempDir(), "p"))
	defer s.Close()
	header := "full_name,birth_date,sex,ethnicity,id_number,household_number,relationship_to_head\n"
	rows := []string{
		"Đặng Văn Đức,12/03/1985,Nam,Kinh,001085012345,H1,Chủ hộ\n",
		"Lò Thị Mai,1988,Nữ,Thái,,H1,Vợ\n",
		"Đặng Thị Hoa,2015,Nữ,Kinh,,H1,Con\n",
		"Giàng A Páo,1990,Nam,H'Mông,,H3,Chủ hộ\n",
		"Giàng Thị Súa,2019,Nữ,H'Mông,,H3,Con\n",
	}
	// Cut short after two rows, then the whole file.
	if _, err := s.ImportPersons(strings.NewReader(header+rows[0]+rows[1]), storage.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	rep, err := s.ImportPersons(strings.NewReader(header+strings.Join(rows, "")), storage.ImportOptions{Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported != 3 || rep.AlreadyPresent != 2 || len(rep.Rejected) != 0 {
		t.Fatalf("second import: %d imported, %d already present, rejected %+v", rep.Imported, rep.AlreadyPresent, rep.Rejected)
	}
	rep, err = s.ImportPersons(strings.NewReader(header+strings.Join(rows, "")), storage.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported != 0 || rep.AlreadyPresent != 5 || len(rep.Rejected) != 0 {
		t.Fatalf("third import: %d imported, %d already present, rejected %+v", rep.Imported, rep.AlreadyPresent, rep.Rejected)
	}
	if n, h, _ := s.Counts(); n != 5 || h != 2 {
		t.Errorf("%d persons and %d households, want 5 and 2", n, h)
	}
}

// TestImport_SameRowTwiceInAFile: a row repeated in one file is rejected
// with the line of the first; namesakes that nothing tells apart (no
// household, only a birth year) are both kept.
func TestImport_SameRowTwiceInAFile(t *testing.T) {
	s := mustCreate(t, filepath.Join(t.TempDir(), "p"))
	defer s.Close()
	csv := "full_name,birth_date,sex,ethnicity,household_number,relationship_to_head\n" +
		"Lò Thị Mai,1988,Nữ,Thái,H1,Chủ hộ\n" + // line 2
		"Nguyễn Văn Hùng,1990,Nam,Kinh,,\n" + // line 3
		"Lò Thị Mai,1988,Nữ,Thái,H1,Chủ hộ\n" + // line 4: line 2 again
		"Nguyễn Văn Hùng,1990,Nam,Kinh,,\n" // line 5: a namesake, kept
	rep, err := s.ImportPersons(strings.NewReader(csv), storage.ImportOptions{Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported != 3 || len(rep.Rejected) != 1 || rep.Rejected[0].Line != 4 || !strings.Contains(rep.Rejected[0].Message, "line 2") {
		t.Fatalf("imported %d, rejected %+v", rep.Imported, rep.Rejected)
	}
}

// TestAddPerson_SamePersonTwiceRefused: an officer who enters a person the
// profile already holds (same name, birth date, sex and household) is
// told which record it is, and nothing is saved; a namesake in another
// household is a new person.
func TestAddPerson_SamePersonTwiceRefused(t *testing.T) {
	s := mustCreate(t, filepath.Join(t.TempDir(), "p"))
	defer s.Close()
	vals := storage.Values{storage.FieldFullName: "Lò Thị Mai", storage.FieldBirthDate: "1988", storage.FieldSex: "Nữ",
		storage.FieldEthnicity: "Thái", storage.FieldHouseholdNumber: "H1", storage.FieldRelationshipToHead: "Chủ hộ"}
	first, err := s.AddPerson(vals, storage.SaveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	vals[storage.FieldFullName] = "lò thị  MAI" // typed differently: the same folded name
	vals[storage.FieldRelationshipToHead] = ""
	_, err = s.AddPerson(vals, storage.SaveOptions{})
	var ps storage.Problems
	if !errors.As(err, &ps) || ps[0].Code != "already_present" || !strings.Contains(ps.Message("en"), first.ID.String()) {
		t.Fatalf("the same person again: %v", err)
	}
	vals[storage.FieldHouseholdNumber] = "H2"
	vals[storage.FieldRelationshipToHead] = "Chủ hộ"
	if _, err := s.AddPerson(vals, storage.SaveOptions{}); err != nil {
		t.Fatalf("a namesake in another household: %v", err)
	}
	if n, _, _ := s.Counts(); n != 2 {
		t.Errorf("%d persons, want 2", n)
	}
}
