package storage

import (
	"bytes"
	"os"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

func countPrefix(t *testing.T, s *Store, prefix string) int {
	t.Helper()
	n := 0
	err := s.db.View(func(txn *badger.Txn) error {
		return eachKey(txn, prefix, false, func([]byte, *badger.Item) error { n++; return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// An imported person's history starts with the operation that created it,
// found through the import's run keys (no history key per record); edits
// follow; a store that also has the creation's history key (written before
// layout 2) shows it once.
func TestHistory_CreationFoundThroughRunKeys(t *testing.T) {
	csv, err := os.ReadFile("testdata/commune300.csv")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Create(t.TempDir(), []byte("correct horse battery"), Profile{Commune: "00769", Officer: "Nguyễn Thị Lan"}, Options{WorkFactor: 10, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rep, err := s.ImportPersons(bytes.NewReader(csv), ImportOptions{Chunk: 100})
	if err != nil {
		t.Fatal(err)
	}
	if n := countPrefix(t, s, prefixHistory); n != 0 {
		t.Errorf("%d history keys after an import, want none", n)
	}
	if runs := countPrefix(t, s, prefixBorn); runs < 3 || runs > 4 {
		t.Errorf("%d run keys for %d rows in chunks of 100", runs, rep.Imported)
	}
	hits, err := s.Search("0769-0000", 1000)
	if err != nil || len(hits) < 50 {
		t.Fatalf("search: %d hits, %v", len(hits), err)
	}
	for _, h := range hits {
		ops, err := s.History(h.Person.ID)
		if err != nil || len(ops) != 1 || ops[0].ID != h.Person.ID || ops[0].Event != EventRegister {
			t.Fatalf("history of %s: %v, %v", h.Person.ID, ops, err)
		}
	}
	hh, err := s.HouseholdByNumber(hits[0].Person.Values[FieldHouseholdNumber])
	if err != nil {
		t.Fatal(err)
	}
	if ops, err := s.History(hh.ID); err != nil || len(ops) != 1 || ops[0].Kind != KindHousehold {
		t.Fatalf("history of household %s: %v, %v", hh.ID, ops, err)
	}

	id := hits[len(hits)-1].Person.ID
	if _, _, err := s.EditPerson(id, Values{FieldOccupation: "Giáo viên"}, SaveOptions{Reason: "đối chiếu CCCD"}); err != nil {
		t.Fatal(err)
	}
	ops, err := s.History(id)
	if err != nil || len(ops) != 2 || ops[0].Event != EventRegister || ops[1].Reason != "đối chiếu CCCD" {
		t.Fatalf("history after an edit: %v, %v", ops, err)
	}
	// A layout 1 store: the creation has its history key as well.
	if err := s.db.Update(func(txn *badger.Txn) error {
		return txn.Set(historyKey(id, ops[0].Seq), nil)
	}); err != nil {
		t.Fatal(err)
	}
	if again, err := s.History(id); err != nil || len(again) != 2 {
		t.Fatalf("history with the creation's history key too: %d operations, %v", len(again), err)
	}

	// A person added by hand: one run key of its own.
	p, err := s.AddPerson(Values{FieldFullName: "Lò Văn Mới", FieldBirthDate: "2024", FieldSex: "Nam", FieldEthnicity: "Kinh"}, SaveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ops, err := s.History(p.ID); err != nil || len(ops) != 1 || ops[0].ID != p.ID {
		t.Fatalf("history of a person added by hand: %v, %v", ops, err)
	}
}

// The run decoder never panics and finds what the encoder wrote.
func FuzzBornSeq(f *testing.F) {
	f.Add(bornRun([]bornPair{{5, 9}, {6, 8}, {8, 10}}).v, uint64(6))
	f.Add([]byte{}, uint64(1))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, uint64(1))
	f.Fuzz(func(t *testing.T, v []byte, n uint64) {
		_, _, _ = bornSeq(v, n)
		pairs := []bornPair{}
		for i, b := range v {
			pairs = append(pairs, bornPair{n: n + uint64(i)*uint64(b%3+1), seq: uint64(b) * 7})
		}
		if len(pairs) == 0 {
			return
		}
		seen := map[uint64]bool{}
		uniq := pairs[:0]
		for _, p := range pairs {
			if !seen[p.n] {
				seen[p.n] = true
				uniq = append(uniq, p)
			}
		}
		run := bornRun(uniq)
		for _, p := range uniq {
			if seq, ok, err := bornSeq(run.v, p.n); err != nil || !ok || seq != p.seq {
				t.Fatalf("pair %v: got %d %v %v", p, seq, ok, err)
			}
		}
	})
}
