package storage

import (
	"path/filepath"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// Found by a review: a rework rebuilds every record its unsent operations touched,
// including the person an unsent merge retired. rebuildRecords takes the
// record as "was" and, since it is retired, indexes it as nil:
// stageIndex(old, nil) takes the person out of the search index a second
// time (the merge took it out already) and decrements the token counters
// (x:c:) again. Any rework on a supervisor's laptop with an unsent merge
// (a refusal of another change, a restamp, a held-back change) leaves the
// counters of every token of the retired person's name, birth year, … one
// lower than the persons who have them.
func TestRework_KeepsAMergedPersonOutOfTheIndexOnce(t *testing.T) {
	s, err := Create(filepath.Join(t.TempDir(), "p"), []byte("mật khẩu thử nghiệm"), Profile{Commune: "00769", Officer: "Nguyễn Thị Mai"}, Options{WorkFactor: 10, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mk := func(dev DeviceID, commune string) *Op {
		return &Op{Device: dev, Seq: 1, HLC: s.clock.Now(), Officer: "X", Kind: KindPerson, ID: ID{Origin: dev.Tag(), N: 1}, Event: EventRegister,
			Changes: []Change{{Field: uint8(FieldFullName), New: "Giàng A Páo"}, {Field: uint8(FieldBirthDate), New: "1990-05-17"},
				{Field: uint8(FieldFatherName), New: "Giàng A Sử"}, {Field: uint8(FieldPermanentAddressCode), New: commune}}}
	}
	p, q := mk("bbbbbbbbbbbbbbbb", "00769"), mk("cccccccccccccccc", "12472")
	if _, err := s.ApplyOps([]*Op{p, q}, ApplyOptions{Index: true}); err != nil {
		t.Fatal(err)
	}
	// A third person with the same name, who stays.
	r := mk("dddddddddddddddd", "00769")
	r.Changes[1].New, r.Changes[2].New = "1970", "Lò Văn Sử"
	if _, err := s.ApplyOps([]*Op{r}, ApplyOptions{Index: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Decide(p.ID, q.ID, DecisionMerge, SaveOptions{Reason: "cùng một người"}); err != nil {
		t.Fatal(err)
	}
	counts := func() map[string]uint32 {
		out := map[string]uint32{}
		s.db.View(func(txn *badger.Txn) error {
			return eachKey(txn, prefixTokenCount, true, func(rest []byte, item *badger.Item) error {
				v, _ := item.ValueCopy(nil)
				out[string(rest)] = uint32(v[0])<<24 | uint32(v[1])<<16 | uint32(v[2])<<8 | uint32(v[3])
				return nil
			})
		})
		return out
	}
	before := counts()
	if _, err := s.Rework(Rework{Restamp: true}); err != nil {
		t.Fatal(err)
	}
	after := counts()
	for k, v := range before {
		if after[k] != v {
			t.Errorf("token counter %q: %d before the rework, %d after (nothing was withdrawn)", k, v, after[k])
		}
	}
	hits, _ := s.Search("giang a pao", 10)
	t.Logf("search finds %d persons after the rework", len(hits))
}
