package vm

import (
	"bytes"
	"testing"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/paper"
	"github.com/communekit/communekit/storage/report"
)

// A household emptied by a merge keeps its record and history but is no
// longer a household: not in the households screen, its hamlet's count,
// the overview's count, the statistics, the list of households or a
// hamlet's round.
func TestMerge_EmptiedHouseholdIsNotListedOrCounted(t *testing.T) {
	s := mustStore(t, 0)
	for _, p := range [][4]string{
		{"H-1", "Trần Văn Hải", "Nam", "Chủ hộ"}, {"H-1", "Phạm Thị Lụa", "Nữ", "Vợ"},
		{"H-2", "Vũ Văn Thắng", "Nam", "Chủ hộ"},
	} {
		if _, err := s.AddPerson(storage.Values{storage.FieldHouseholdNumber: p[0], storage.FieldFullName: p[1], storage.FieldSex: p[2],
			storage.FieldBirthDate: "1960", storage.FieldRelationshipToHead: p[3], storage.FieldEthnicity: "01",
			storage.FieldPermanentAddressCode: "12472", storage.FieldPermanentAddressDetail: "Thôn Đông"}, storage.SaveOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	counts := func() (hamlet, overview, stats, list int, round []string) {
		t.Helper()
		hh := NewHouseholds(mustTr(t), s)
		if err := hh.Load(); err != nil {
			t.Fatal(err)
		}
		for _, h := range hh.Hamlets() {
			if h.Name == "Thôn Đông" {
				hamlet = h.Households
				if n := len(hh.InHamlet("Thôn Đông")); n != hamlet {
					t.Errorf("hamlet row says %d, its list has %d", hamlet, n)
				}
			}
		}
		o := NewOverview(mustTr(t), s, nil, nil)
		if err := o.Refresh(); err != nil {
			t.Fatal(err)
		}
		overview = o.Data().Households
		st, err := report.Stats(s, report.StatsOptions{})
		if err != nil {
			t.Fatal(err)
		}
		stats = st.Households.Total
		if list, err = report.WriteHouseholdsXLSX(&bytes.Buffer{}, s, report.HouseholdOptions{}); err != nil {
			t.Fatal(err)
		}
		r, err := paper.LoadHamlet(s, "Thôn Đông")
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range r.Households {
			round = append(round, h.Record.Number)
		}
		return
	}
	if h, o, st, l, r := counts(); h != 2 || o != 2 || st != 2 || l != 2 || len(r) != 2 {
		t.Fatalf("before the merge: hamlet %d, overview %d, stats %d, list %d, round %v; want 2 each", h, o, st, l, r)
	}
	m, err := NewMerge(mustTr(t), s, "H-1")
	if err != nil {
		t.Fatal(err)
	}
	m.SetFrom("H-2")
	for _, r := range m.Members() {
		m.SetRelationship(r.ID, "Anh")
	}
	m.SetReason("nhập hộ theo đơn")
	if err := m.Save(); err != nil {
		t.Fatalf("merge: %v %q", err, m.Message())
	}
	if h, o, st, l, r := counts(); h != 1 || o != 1 || st != 1 || l != 1 || len(r) != 1 || r[0] != "H-1" {
		t.Errorf("after the merge: hamlet %d, overview %d, stats %d, list %d, round %v; want 1 each, H-1", h, o, st, l, r)
	}
	// The emptied household's record is kept, for its history.
	if all, err := s.Households(); err != nil || len(all) != 2 {
		t.Errorf("household records after the merge: %d, %v", len(all), err)
	}
}
