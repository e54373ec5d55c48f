package vm

import (
	"strings"
	"testing"

	"github.com/communekit/communekit/app/i18n"
	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/storage"
)

// repeatSearcher answers every query with the same hit n times: a query
// matching more than a thousand persons, without making them.
type repeatSearcher struct {
	hit storage.Hit
	n   int
}

func (r repeatSearcher) Search(_ string, limit int) ([]storage.Hit, error) {
	out := make([]storage.Hit, min(r.n, limit))
	for i := range out {
		out[i] = r.hit
	}
	return out, nil
}

// The line above the results groups its digits as the pending counts do,
// and follows a language changed after the search.
func TestSearch_CountGroupedAndInTheLanguageOfNow(t *testing.T) {
	s := mustStore(t, 0)
	if _, err := s.AddPerson(storage.Values{storage.FieldFullName: "Nguyễn Văn An", storage.FieldSex: "Nam",
		storage.FieldBirthDate: "1990", storage.FieldEthnicity: "01"}, storage.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	hits, err := s.Search("nguyen van an", 1)
	if err != nil || len(hits) == 0 {
		t.Fatal("no person", err)
	}
	tr := i18n.MustLoad()
	sr := NewSearch(tr, repeatSearcher{hits[0], 1204}, Now)
	sr.Limit = 2000
	ch := changes(sr)
	sr.SetQuery("nguyen")
	waitQuery(t, sr, ch, "nguyen")
	if got := sr.Count(); got != "1.204 kết quả" {
		t.Fatalf("count %q, want 1.204 kết quả", got)
	}
	tr.SetLang(i18n.English)
	if got := sr.Count(); got != "1,204 results" {
		t.Fatalf("in English the count is %q", got)
	}
	tr.SetLang(i18n.Vietnamese)
	sr2 := NewSearch(tr, repeatSearcher{hits[0], 0}, Now)
	ch2 := changes(sr2)
	sr2.SetQuery("zzz")
	waitQuery(t, sr2, ch2, "zzz")
	tr.SetLang(i18n.English)
	if got, want := sr2.Count(), tr.T("search.none", "zzz"); got != want {
		t.Fatalf("after switching to English: %q, want %q", got, want)
	}
}

// The hamlets' household counts and the spreadsheet import's counts are
// grouped too.
func TestCounts_GroupedInMessages(t *testing.T) {
	tr := i18n.MustLoad()
	v := NewHouseholds(tr, nil)
	if got := v.HamletLabel(HamletRow{Name: "Thôn Đông", Households: 1204}); got != "Thôn Đông (1.204 hộ)" {
		t.Fatalf("hamlet %q", got)
	}
	if got := v.HamletLabel(HamletRow{Households: 12040}); got != "Không ghi thôn (12.040 hộ)" {
		t.Fatalf("no hamlet %q", got)
	}
}

// The history names who made a change and where in words: "máy này", not
// the device's code.
func TestHistory_WhoInWordsNotTheDevicesCode(t *testing.T) {
	s := mustStore(t, 0)
	p, err := newPersonForm(t, s).Save()
	if err != nil {
		t.Fatal(err)
	}
	entries, err := History(mustTr(t), s, p.ID)
	if err != nil || len(entries) == 0 {
		t.Fatal(err)
	}
	tag := s.Profile().Device.Tag()
	if got := entries[0].Who; strings.Contains(got, tag) || got != "Nguyễn Văn Test (máy này)" {
		t.Fatalf("who: %q", got)
	}
}

// A field conflict's columns say which laptop in words, not the devices'
// codes.
func TestConflicts_DeviceInWords(t *testing.T) {
	_, _, c := mustConflicts(t, cert.RoleSupervisor)
	f := rowOf(t, c, ConflictField)
	c.Select(f.ID)
	for _, col := range c.Detail().Columns {
		for _, l := range col.Lines {
			if l.Label == "Máy" && l.Value != "Máy này" && l.Value != "Máy khác" {
				t.Errorf("%s: the laptop is %q", col.Title, l.Value)
			}
		}
	}
}

// The spreadsheet import's end says its counts grouped.
func TestSheetImport_CountsGrouped(t *testing.T) {
	x := NewSheetImport(mustTr(t), nil, Now)
	x.stage = SheetImported
	x.rep = &storage.ImportReport{Imported: 12040, Households: 3120, AlreadyPresent: 1500}
	if got, want := x.Data().Message, "Đã nhập 12.040 người, tạo 3.120 hộ; 0 dòng bị từ chối; 1.500 người đã có trong hồ sơ nên bỏ qua."; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
	x.stage, x.saved = SheetImporting, 2048
	if got := x.Data().Message; !strings.Contains(got, "2.048 người") {
		t.Fatalf("importing: %q", got)
	}
}
