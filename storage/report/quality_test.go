package report_test

import (
	"strings"
	"testing"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/fold"
	"github.com/communekit/communekit/storage/report"
)

var qualityAt = report.Date{Year: 2026, Month: 12, Day: 15}

func worklist(t *testing.T, s *storage.Store, o report.QualityOptions) *report.Worklist {
	t.Helper()
	if o.At.IsZero() {
		o.At = qualityAt
	}
	if o.Commune == "" {
		o.Commune = commune
	}
	w, err := report.Quality(s, o)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// has reports whether w lists rule about a person or household.
func has(w *report.Worklist, rule, who, field string) bool {
	for _, it := range w.Items {
		if it.Rule == rule && (it.PersonID == who || it.HouseholdNumber == who) && (field == "" || it.Field == field) {
			return true
		}
	}
	return false
}

func byRule(w *report.Worklist, rule, field string) map[string]bool {
	m := map[string]bool{}
	for _, it := range w.Items {
		if it.Rule == rule && (field == "" || it.Field == field) {
			m[it.PersonID+it.HouseholdNumber] = true
		}
	}
	return m
}

func sameSet(t *testing.T, what string, got, want map[string]bool) {
	t.Helper()
	for k := range want {
		if !got[k] {
			t.Errorf("%s: %s not listed", what, k)
		}
	}
	for k := range got {
		if !want[k] {
			t.Errorf("%s: %s listed, should not be", what, k)
		}
	}
}

func TestQuality_AgreesWithAPlainCheck(t *testing.T) {
	s, _ := newCommune(t, 2000)
	w := worklist(t, s, report.QualityOptions{})
	at := day(2026, 12, 15)
	ps := persons(t, s)
	noID, noHometown, noPlace := map[string]bool{}, map[string]bool{}, map[string]bool{}
	living, hometownFilled := 0, 0
	for i := range ps {
		p := &ps[i]
		if !inCommune(p, commune) || !aliveAt(p, at) {
			continue
		}
		living++
		age, known := ageAt(p.BirthDate(), at)
		if known && age >= 14 && p.IDNumber() == "" {
			noID[p.ID.String()] = true
		}
		if p.Values[storage.FieldHometown] == "" {
			noHometown[p.ID.String()] = true
		} else {
			hometownFilled++
		}
		if p.Values[storage.FieldBirthRegistrationPlace] == "" {
			noPlace[p.ID.String()] = true
		}
	}
	if len(noID) == 0 || len(noPlace) == 0 {
		t.Fatalf("the generated commune has %d adults without ID, %d without a place of birth registration", len(noID), len(noPlace))
	}
	sameSet(t, "id_missing", byRule(w, report.RuleIDMissing, ""), noID)
	sameSet(t, "missing hometown", byRule(w, report.RuleMissingField, "hometown"), noHometown)
	sameSet(t, "missing birth registration place", byRule(w, report.RuleMissingField, "birth_registration_place"), noPlace)
	if w.Completeness.Persons != living {
		t.Errorf("completeness over %d persons, want %d", w.Completeness.Persons, living)
	}
	for _, f := range w.Completeness.Fields {
		if f.Field == "hometown" && (f.Filled != hometownFilled || f.Of != living) {
			t.Errorf("hometown filled %d of %d, want %d of %d", f.Filled, f.Of, hometownFilled, living)
		}
	}
	// Every item is counted in its hamlet, and the hamlets' persons sum
	// to the total.
	items, persons := 0, 0
	for _, h := range w.Completeness.Hamlets {
		items += h.Items
		persons += h.Persons
	}
	if items != len(w.Items) || persons != w.Completeness.Persons {
		t.Errorf("hamlets hold %d items and %d persons; the list has %d, completeness %d", items, persons, len(w.Items), w.Completeness.Persons)
	}
	// The generated commune is consistent: its ID numbers agree with
	// their records, its households have one head each.
	for _, r := range []string{report.RuleIDSex, report.RuleIDCentury, report.RuleIDBirthYear, report.RuleIDProvince,
		report.RuleHouseholdNoHead, report.RuleHouseholdHeads, report.RuleHouseholdUnknown, report.RuleAlivePast110} {
		if n := len(byRule(w, r, "")); n > 0 {
			t.Errorf("%d items %s on generated data", n, r)
		}
	}
	for _, it := range w.Items {
		if vi, en := it.Message("vi"), it.Message("en"); vi == "" || en == "" || vi == en || it.Field == "" || (it.PersonID == "") == (it.HouseholdNumber == "") {
			t.Fatalf("item %+v: needs a field, two messages, and a person or a household", it)
		}
	}

	// One hamlet, typed without diacritics and without "Thôn".
	var name string
	for _, h := range w.Completeness.Hamlets {
		if h.Hamlet != "" && h.Items > 0 {
			name = h.Hamlet
			break
		}
	}
	words := strings.Fields(fold.Fold(name))
	one := worklist(t, s, report.QualityOptions{Hamlet: strings.Join(words[1:], " ")})
	n := 0
	for _, it := range w.Items {
		if it.Hamlet == name {
			n++
		}
	}
	if len(one.Items) != n || n == 0 {
		t.Errorf("hamlet %q: %d items, the full list has %d there", name, len(one.Items), n)
	}
	for _, it := range one.Items {
		if it.Hamlet != name {
			t.Errorf("hamlet %q lists an item of %q", name, it.Hamlet)
		}
	}
}

// TestQuality_CorrectionsShrinkTheList makes each kind of mistake, sees it
// listed, corrects it through the store's ordinary edits and sees it gone.
func TestQuality_CorrectionsShrinkTheList(t *testing.T) {
	s, ck := newCommune(t, 1500)
	ck.set(day(2026, 12, 10))
	ps := persons(t, s)
	used := map[storage.ID]bool{}
	before := worklist(t, s, report.QualityOptions{})

	// Aged 14 or more without an ID number: given one.
	var noID *storage.Person
	for id := range byRule(before, report.RuleIDMissing, "") {
		pid, _ := storage.ParseID(id)
		p, err := s.Person(pid)
		if err == nil && p.Values[storage.FieldBirthRegistrationPlace] == "" && p.Values[storage.FieldSex] != "" {
			noID = p
			break
		}
	}
	if noID == nil {
		t.Fatal("no adult without ID number to correct")
	}
	edit(t, s, noID.ID, storage.EventCorrection, storage.Values{
		storage.FieldIDNumber: storage.MakeIDNumber("001", noID.Values[storage.FieldSex], noID.BirthDate().Year, 987654)})
	if w := worklist(t, s, report.QualityOptions{}); has(w, report.RuleIDMissing, noID.ID.String(), "") {
		t.Error("an ID number given, the person is still listed")
	}

	// A household whose head is recorded as a child: no head.
	head := pick(t, ps, used, func(p *storage.Person) bool { return p.IsHead() })
	hh := head.Values[storage.FieldHouseholdNumber]
	edit(t, s, head.ID, storage.EventCorrection, storage.Values{storage.FieldRelationshipToHead: "Con"})
	if w := worklist(t, s, report.QualityOptions{}); !has(w, report.RuleHouseholdNoHead, hh, "relationship_to_head") {
		t.Errorf("household %s without a head is not listed", hh)
	}
	edit(t, s, head.ID, storage.EventCorrection, storage.Values{storage.FieldRelationshipToHead: storage.RelationshipHead})
	if w := worklist(t, s, report.QualityOptions{}); has(w, report.RuleHouseholdNoHead, hh, "") {
		t.Errorf("household %s has its head back, still listed", hh)
	}

	// A father's ID number no record holds.
	child := pick(t, ps, used, func(p *storage.Person) bool {
		return p.Values[storage.FieldFatherIDNumber] == "" && p.BirthDate().Year > 2000
	})
	edit(t, s, child.ID, storage.EventCorrection, storage.Values{
		storage.FieldFatherIDNumber: storage.MakeIDNumber("001", storage.SexMale, 1960, 123457)})
	if w := worklist(t, s, report.QualityOptions{}); !has(w, report.RuleLinkUnknown, child.ID.String(), "father_id_number") {
		t.Error("a father's number that belongs to no record is not listed")
	}
	edit(t, s, child.ID, storage.EventCorrection, storage.Values{storage.FieldFatherIDNumber: ""})
	if w := worklist(t, s, report.QualityOptions{}); has(w, report.RuleLinkUnknown, child.ID.String(), "") {
		t.Error("the father's number cleared, still listed")
	}

	// The same person entered twice, in another household.
	orig := pick(t, ps, used, func(p *storage.Person) bool {
		return p.Values[storage.FieldHometown] != "" && p.BirthDate().Day != 0 && p.IDNumber() == "" && p.BirthDate().Year > 2020
	})
	v := storage.Values{}
	for _, f := range []storage.Field{storage.FieldFullName, storage.FieldBirthDate, storage.FieldSex, storage.FieldEthnicity,
		storage.FieldNationality, storage.FieldHometown, storage.FieldPermanentAddressCode, storage.FieldPermanentAddressDetail} {
		v[f] = orig.Values[f]
	}
	v[storage.FieldHouseholdNumber] = "0769-TRUNG"
	v[storage.FieldRelationshipToHead] = storage.RelationshipHead
	twin, err := s.AddPerson(v, storage.SaveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w := worklist(t, s, report.QualityOptions{})
	if !has(w, report.RuleProbableDuplicate, twin.ID.String(), "") && !has(w, report.RuleProbableDuplicate, orig.ID.String(), "") {
		t.Error("a person entered twice is not listed as a probable duplicate")
	}
	edit(t, s, twin.ID, storage.EventCorrection, storage.Values{storage.FieldFullName: "Nguyễn Thị Khác"})
	w = worklist(t, s, report.QualityOptions{})
	if has(w, report.RuleProbableDuplicate, twin.ID.String(), "") || has(w, report.RuleProbableDuplicate, orig.ID.String(), "") {
		t.Error("the second record renamed, still a probable duplicate")
	}

	// Marked alive at 116.
	old, err := s.AddPerson(storage.Values{storage.FieldFullName: "Hà Văn Thọ", storage.FieldBirthDate: "1910", storage.FieldSex: storage.SexMale,
		storage.FieldEthnicity: "01", storage.FieldPermanentAddressCode: commune, storage.FieldPermanentAddressDetail: "Thôn Mới"}, storage.SaveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if w := worklist(t, s, report.QualityOptions{}); !has(w, report.RuleAlivePast110, old.ID.String(), "status") {
		t.Error("a person alive at 116 is not listed")
	}
	edit(t, s, old.ID, storage.EventDeath, storage.Values{storage.FieldStatus: storage.StatusDead, storage.FieldDeathDate: "1998"})
	if w := worklist(t, s, report.QualityOptions{}); has(w, report.RuleAlivePast110, old.ID.String(), "") {
		t.Error("recorded dead, still listed")
	}

	// An ID number that disagrees with the sex: what a merge of two
	// officers' edits (one of the sex, on another device) can leave.
	withID := pick(t, ps, used, func(p *storage.Person) bool {
		return p.IDNumber() != "" && p.Values[storage.FieldSex] == storage.SexMale
	})
	cur, err := s.Person(withID.ID)
	if err != nil {
		t.Fatal(err)
	}
	op := &storage.Op{Device: storage.NewDeviceID(), Seq: 1, HLC: s.LastClock() + 1<<16, Officer: "Trần Văn Bình",
		Kind: storage.KindPerson, ID: withID.ID, Event: storage.EventCorrection,
		Changes: []storage.Change{{Field: uint8(storage.FieldSex), Seen: cur.Versions[storage.FieldSex], Old: storage.SexMale, New: storage.SexFemale}}}
	if _, err := s.ApplyOps([]*storage.Op{op}, storage.ApplyOptions{Index: true}); err != nil {
		t.Fatal(err)
	}
	if w := worklist(t, s, report.QualityOptions{}); !has(w, report.RuleIDSex, withID.ID.String(), "id_number") {
		t.Error("an ID number of a man on a woman's record is not listed")
	}
	edit(t, s, withID.ID, storage.EventCorrection, storage.Values{storage.FieldSex: storage.SexMale})
	if w := worklist(t, s, report.QualityOptions{}); has(w, report.RuleIDSex, withID.ID.String(), "") {
		t.Error("the sex corrected, still listed")
	}

	// Everything corrected: the list is what it was, but for the records
	// added (the renamed second record and the dead man have their own
	// missing fields) and the adult given an ID number.
	after := worklist(t, s, report.QualityOptions{})
	key := func(it report.Item) string { return it.Rule + "/" + it.PersonID + it.HouseholdNumber + "/" + it.Field }
	was := map[string]bool{}
	for _, it := range before.Items {
		was[key(it)] = true
	}
	for _, it := range after.Items {
		if !was[key(it)] && it.PersonID != twin.ID.String() && it.HouseholdNumber != "0769-TRUNG" {
			t.Errorf("new item after the corrections: %+v", it)
		}
		delete(was, key(it))
	}
	for k := range was {
		if !strings.HasPrefix(k, report.RuleIDMissing+"/"+noID.ID.String()) {
			t.Errorf("item gone though nothing corrected it: %s", k)
		}
	}
}

// CheckPerson applies the rules about one record to it alone, as the
// whole-store worklist does.
func TestCheckPersonOneRecord(t *testing.T) {
	var p storage.Person
	p.Values[storage.FieldFullName] = "Nguyễn Văn An"
	p.Values[storage.FieldBirthDate] = "1990-05-01"
	fields := func(items []report.Item) map[string]string {
		m := map[string]string{}
		for _, it := range items {
			m[it.Field] = it.Rule
		}
		return m
	}
	got := fields(report.CheckPerson(&p, qualityAt))
	for _, f := range []storage.Field{storage.FieldSex, storage.FieldEthnicity, storage.FieldNationality,
		storage.FieldBirthRegistrationPlace, storage.FieldHometown, storage.FieldPermanentAddressCode} {
		if got[f.String()] != report.RuleMissingField {
			t.Errorf("%s: rule %q, want %q (all: %v)", f, got[f.String()], report.RuleMissingField, got)
		}
	}
	if got[storage.FieldIDNumber.String()] != report.RuleIDMissing {
		t.Errorf("aged 36 without an ID number: %v", got)
	}
	if _, ok := got[storage.FieldFullName.String()]; ok {
		t.Errorf("the name is recorded: %v", got)
	}
	for _, it := range report.CheckPerson(&p, qualityAt) {
		if it.Message("vi") == "" || it.Message("en") == "" {
			t.Errorf("%+v has no message", it)
		}
	}
	// A child under 14 needs no ID number; a person who died, nothing.
	p.Values[storage.FieldBirthDate] = "2020-05-01"
	if r, ok := fields(report.CheckPerson(&p, qualityAt))[storage.FieldIDNumber.String()]; ok {
		t.Errorf("aged 6: %s", r)
	}
	p.Values[storage.FieldStatus] = storage.StatusDead
	if items := report.CheckPerson(&p, qualityAt); len(items) != 0 {
		t.Errorf("dead: %v", items)
	}
}
