package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/communekit/communekit/storage/fold"
)

// indexState is every search-index key of a store with its value.
func indexState(t *testing.T, s *Store) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := s.db.View(func(txn *badger.Txn) error {
		return eachKey(txn, "x:", true, func(rest []byte, item *badger.Item) error {
			v, err := item.ValueCopy(nil)
			m["x:"+string(rest)] = string(v)
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// downgradeToLayout1 rewrites the index of s as layout 1 wrote it.
func downgradeToLayout1(t *testing.T, s *Store) {
	t.Helper()
	state := indexState(t, s)
	holders := map[string]uint32{}
	err := s.db.Update(func(txn *badger.Txn) error {
		for k := range state {
			kb := []byte(k)
			switch {
			case bytes.HasPrefix(kb, []byte(prefixName)):
				if err := txn.Set(kb, nil); err != nil {
					return err
				}
			case bytes.HasPrefix(kb, []byte(prefixIDNumber)):
				holders[k[len(prefixIDNumber):len(k)-1-idKeyLen]]++
			case bytes.HasPrefix(kb, []byte(prefixPlace)):
				rest := kb[len(prefixPlace) : len(kb)-idKeyLen-1]
				i := bytes.IndexByte(rest, indexSep)
				hamlet, year := string(rest[:i]), string(rest[i+1:])
				id := kb[len(kb)-idKeyLen:]
				if hamlet != "" {
					if err := txn.Set(append(append([]byte(prefixHamletV1+hamlet), indexSep), id...), nil); err != nil {
						return err
					}
				}
				if year != "" {
					if err := txn.Set(append(append([]byte(prefixBirthYearV1+year), indexSep), id...), nil); err != nil {
						return err
					}
				}
				if err := txn.Delete(kb); err != nil {
					return err
				}
			}
		}
		// The household keys, from the records.
		heads := map[string]uint32{}
		pre := []byte(prefixPerson)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: pre})
		defer it.Close()
		for it.Seek(pre); it.ValidForPrefix(pre); it.Next() {
			p := &Person{}
			if err := it.Item().Value(p.UnmarshalBinary); err != nil {
				return err
			}
			if v := p.Values[FieldHouseholdNumber]; v != "" {
				hh := fold.Fold(v)
				if err := txn.Set(indexKey(prefixHHMemberV1, hh, p.ID), nil); err != nil {
					return err
				}
				if p.IsHead() {
					heads[hh]++
				}
			}
		}
		for hh, n := range heads {
			if err := txn.Set([]byte(prefixHeadCountV1+hh), binary.BigEndian.AppendUint32(nil, n)); err != nil {
				return err
			}
		}
		for digits, n := range holders {
			if err := txn.Set([]byte(prefixIDHoldersV1+digits), binary.BigEndian.AppendUint32(nil, n)); err != nil {
				return err
			}
		}
		return txn.Delete([]byte(keyMetaLayout))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A profile written by the version before layout 2 opens with the index
// this version writes, key for key, and finds the same persons.
func TestLayout1ProfileIsUpgradedOnOpen(t *testing.T) {
	csv, err := os.ReadFile("testdata/commune300.csv")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pass := []byte("correct horse battery")
	s, err := Create(dir, pass, Profile{Commune: "00769", Officer: "Nguyễn Thị Lan"}, Options{WorkFactor: 10, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.ImportPersons(bytes.NewReader(csv), ImportOptions{})
	if err != nil || rep.Imported < 290 {
		t.Fatalf("import: %v, %+v", err, rep)
	}
	want := indexState(t, s)
	queries := []string{"1962", "thon lung phin", "sung", "ly a", "sung 1957", "0769-000022", "0769-0000"}
	before := map[string]int{}
	for _, q := range queries {
		hits, err := s.Search(q, 1000)
		if err != nil || len(hits) == 0 {
			t.Fatalf("search %q: %d hits, %v", q, len(hits), err)
		}
		before[q] = len(hits)
	}
	downgradeToLayout1(t, s)
	if v, _ := s.layout(); v != 1 {
		t.Fatalf("downgraded store has layout %d", v)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(dir, pass, Options{WorkFactor: 10, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, _ := s.layout(); v != layoutCurrent {
		t.Fatalf("layout %d after open, want %d", v, layoutCurrent)
	}
	got := indexState(t, s)
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("key %q: got %q (present %v), want %q", k, g, ok, v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("key %q left over after the upgrade", k)
		}
	}
	for _, q := range queries {
		hits, err := s.Search(q, 1000)
		if err != nil || len(hits) != before[q] {
			t.Errorf("search %q after the upgrade: %d hits (%v), before %d", q, len(hits), err, before[q])
		}
	}
	// An ID number held before the downgrade is still taken.
	p := &Person{}
	_ = s.db.View(func(txn *badger.Txn) error {
		for k := range want {
			if bytes.HasPrefix([]byte(k), []byte(prefixIDNumber)) {
				id, _ := decodeIDKey([]byte(k[len(k)-idKeyLen:]))
				p, _ = getPerson(txn, id)
				return nil
			}
		}
		return nil
	})
	vals := Values{}
	for f, v := range p.Values {
		if v != "" {
			vals[Field(f)] = v
		}
	}
	vals[FieldFullName] = "Lò Văn Mới"
	delete(vals, FieldHouseholdNumber)
	delete(vals, FieldRelationshipToHead)
	_, err = s.AddPerson(vals, SaveOptions{})
	var probs Problems
	if !errors.As(err, &probs) || !probs.Has("id_taken") {
		t.Errorf("adding a second holder of %s: %v, want id_taken", p.Values[FieldIDNumber], err)
	}
}

// A store whose layout is newer than this version knows is refused, not
// read with the wrong keys.
func TestNewerLayoutIsRefused(t *testing.T) {
	dir := t.TempDir()
	pass := []byte("correct horse battery")
	s, err := Create(dir, pass, Profile{Commune: "00769", Officer: "Nguyễn Thị Lan"}, Options{WorkFactor: 10, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.Update(func(txn *badger.Txn) error {
		return txn.Set([]byte(keyMetaLayout), layoutBytes(layoutCurrent+1))
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = Open(dir, pass, Options{WorkFactor: 10, GCInterval: -1})
	if !errors.Is(err, ErrNewerVersion) {
		t.Fatalf("open: %v, want a refusal naming the newer version", err)
	}
}

// Editing a birth date moves the person's year in the name keys' values
// and in its x:a: key, and leaves the token counters as they were.
func TestBirthYearEdit_MovesTheYearNotTheCounts(t *testing.T) {
	s, err := Create(t.TempDir(), []byte("correct horse battery"), Profile{Commune: "00769", Officer: "Nguyễn Thị Lan"}, Options{WorkFactor: 10, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p, err := s.AddPerson(Values{FieldFullName: "Vàng Thị Sua", FieldBirthDate: "1984", FieldSex: "Nữ", FieldEthnicity: "Kinh",
		FieldCurrentAddressDetail: "Thôn Lũng Phìn"}, SaveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	before := indexState(t, s)
	if _, _, err := s.EditPerson(p.ID, Values{FieldBirthDate: "12/03/1986"}, SaveOptions{Reason: "đối chiếu giấy khai sinh"}); err != nil {
		t.Fatal(err)
	}
	after := indexState(t, s)
	for k, v := range before {
		if bytes.HasPrefix([]byte(k), []byte(prefixTokenCount)) && after[k] != v {
			t.Errorf("counter %q changed from %x to %x", k, v, after[k])
		}
	}
	for _, c := range []struct {
		q    string
		want int
	}{{"vang sua 1984", 0}, {"vang sua 1986", 1}, {"1984", 0}, {"1986", 1}, {"thon lung phin", 1}, {"sua", 1}} {
		hits, err := s.Search(c.q, 10)
		if err != nil || len(hits) != c.want {
			t.Errorf("search %q: %d hits (%v), want %d", c.q, len(hits), err, c.want)
		}
	}
	n := 0
	for k, v := range after {
		if bytes.HasPrefix([]byte(k), []byte(prefixName)) {
			n++
			if v != "1986" {
				t.Errorf("name key %q holds %q, want 1986", k, v)
			}
		}
	}
	if n != 3 {
		t.Errorf("%d name keys, want 3", n)
	}
}
