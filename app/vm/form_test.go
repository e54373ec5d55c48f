package vm

import (
	"errors"
	"strings"
	"testing"

	"github.com/communekit/communekit/storage"
)

func newPersonForm(t *testing.T, s *storage.Store) *Form {
	f := NewPersonForm(mustTr(t), s, nil)
	f.Set(storage.FieldFullName, "Đặng Văn Đức")
	f.Set(storage.FieldBirthDate, "17/05/1990")
	f.Set(storage.FieldSex, storage.SexMale)
	f.Set(storage.FieldEthnicity, "01")
	f.Set(storage.FieldIDNumber, storage.MakeIDNumber("033", storage.SexMale, 1990, 123456))
	f.Set(storage.FieldPermanentAddressCode, "12472")
	f.Set(storage.FieldPermanentAddressDetail, "Thôn Đông, số nhà 5")
	f.Set(storage.FieldHouseholdNumber, "TEST-1")
	f.Set(storage.FieldRelationshipToHead, "Chủ hộ")
	return f
}

func TestForm_ShowsAProblemBesideTheFieldAsTheOfficerTypes(t *testing.T) {
	f := NewPersonForm(mustTr(t), mustStore(t, 0), nil)
	f.Set(storage.FieldIDNumber, "0331")
	if !strings.Contains(f.Problem(storage.FieldIDNumber), "12") {
		t.Errorf("short ID number: %q", f.Problem(storage.FieldIDNumber))
	}
	f.Set(storage.FieldIDNumber, storage.MakeIDNumber("033", storage.SexFemale, 1990, 1))
	if p := f.Problem(storage.FieldIDNumber); p != "" {
		t.Errorf("good ID number still marked: %q", p)
	}
	// The ID number says female; choosing male marks both fields.
	f.Set(storage.FieldSex, storage.SexMale)
	if f.Problem(storage.FieldIDNumber) == "" || f.Problem(storage.FieldSex) == "" {
		t.Errorf("ID/sex disagreement not beside both: %v", f.Problems())
	}
	f.Set(storage.FieldBirthDate, "31/02/1990")
	if f.Problem(storage.FieldBirthDate) == "" {
		t.Error("31/02 accepted")
	}
	// Required fields are flagged only once the officer tries to save.
	if f.Problem(storage.FieldFullName) != "" {
		t.Error("required field flagged before saving")
	}
	if _, err := f.Save(); !ErrInvalid(err) {
		t.Fatalf("Save with problems: %v", err)
	}
	if !strings.Contains(f.Problem(storage.FieldFullName), "bắt buộc") || f.Message() == "" {
		t.Errorf("after save: name %q, message %q", f.Problem(storage.FieldFullName), f.Message())
	}
}

func TestForm_NewPersonSavesAndDefaultsNationality(t *testing.T) {
	s := mustStore(t, 0)
	f := newPersonForm(t, s)
	if f.Value(storage.FieldNationality) != "VN" {
		t.Errorf("nationality starts as %q", f.Value(storage.FieldNationality))
	}
	p, err := f.Save()
	if err != nil {
		t.Fatalf("Save: %v (%v, %q)", err, f.Problems(), f.Message())
	}
	if p.Get(storage.FieldBirthDate) != "1990-05-17" || p.FullName() != "Đặng Văn Đức" {
		t.Errorf("saved %v", p.Values)
	}
	hist, _ := s.History(p.ID)
	if len(hist) != 1 || hist[0].Event != storage.EventRegister {
		t.Errorf("history %v", hist)
	}
}

func TestForm_EditNeedsAReasonAndSavesOnlyWhatChanged(t *testing.T) {
	s := mustStore(t, 0)
	p, err := newPersonForm(t, s).Save()
	if err != nil {
		t.Fatal(err)
	}
	f := NewPersonForm(mustTr(t), s, p)
	if got := f.Value(storage.FieldBirthDate); got != "17/05/1990" {
		t.Errorf("birth date opens as %q", got)
	}
	if _, err := f.Save(); !ErrInvalid(err) || !strings.Contains(f.Message(), "Chưa có gì") {
		t.Errorf("saving nothing: %v %q", err, f.Message())
	}
	f.Set(storage.FieldOccupation, "Làm ruộng")
	if _, err := f.Save(); !ErrInvalid(err) || !strings.Contains(f.Message(), "lý do") {
		t.Errorf("no reason: %v %q", err, f.Message())
	}
	f.SetReason("bổ sung theo lời khai")
	q, err := f.Save()
	if err != nil {
		t.Fatal(err)
	}
	ops, _ := s.History(q.ID)
	last := ops[len(ops)-1]
	if last.Event != storage.EventCorrection || last.Reason != "bổ sung theo lời khai" || len(last.Changes) != 1 {
		t.Errorf("edit op %+v", last)
	}
}

func TestForm_AnEditMadeMeanwhileIsNotOverwritten(t *testing.T) {
	s := mustStore(t, 0)
	p, _ := newPersonForm(t, s).Save()
	a := NewPersonForm(mustTr(t), s, p)
	b := NewPersonForm(mustTr(t), s, p)
	a.Set(storage.FieldPhone, "0912345678")
	a.SetReason("a")
	if _, err := a.Save(); err != nil {
		t.Fatal(err)
	}
	b.Set(storage.FieldPhone, "0987654321")
	b.SetReason("b")
	if _, err := b.Save(); !errors.Is(err, storage.ErrStale) || !strings.Contains(b.Message(), "nơi khác") {
		t.Fatalf("second form: %v %q", err, b.Message())
	}
}

func TestForm_QRPasteFillsTheForm(t *testing.T) {
	f := NewPersonForm(mustTr(t), mustStore(t, 0), nil)
	id := storage.MakeIDNumber("033", storage.SexFemale, 1985, 42)
	if !f.FillFromQR(id + "|123456789|Lê Thị Hoa|02031985|Nữ|Thôn Đông, Quỳnh Phụ, Hưng Yên|10062021\r\n") {
		t.Fatalf("QR refused: %q", f.Message())
	}
	if f.Value(storage.FieldIDNumber) != id || f.Value(storage.FieldFullName) != "Lê Thị Hoa" ||
		f.Value(storage.FieldBirthDate) != "02/03/1985" || f.Value(storage.FieldIDIssueDate) != "10/06/2021" {
		t.Errorf("filled: id %q name %q birth %q issue %q", f.Value(storage.FieldIDNumber), f.Value(storage.FieldFullName),
			f.Value(storage.FieldBirthDate), f.Value(storage.FieldIDIssueDate))
	}
	if f.FillFromQR("not a qr") || !strings.Contains(f.Message(), "QR") {
		t.Errorf("bad QR: %q", f.Message())
	}
}

func TestForm_StoreProblemsLandBesideTheirField(t *testing.T) {
	s := mustStore(t, 0)
	if _, err := newPersonForm(t, s).Save(); err != nil {
		t.Fatal(err)
	}
	// Same ID number again, and a second head for the household.
	f := newPersonForm(t, s)
	f.Set(storage.FieldFullName, "Đặng Văn Minh")
	if _, err := f.Save(); err == nil {
		t.Fatal("duplicate ID number saved")
	}
	if f.Problem(storage.FieldIDNumber) == "" {
		t.Errorf("id_taken not beside the ID number: %v %q", f.Problems(), f.Message())
	}
}

func TestForm_EnglishMessages(t *testing.T) {
	tr := mustTr(t)
	tr.SetLang("en")
	f := NewPersonForm(tr, mustStore(t, 0), nil)
	f.Set(storage.FieldIDNumber, "12")
	if p := f.Problem(storage.FieldIDNumber); !strings.Contains(p, "Personal ID number") {
		t.Errorf("English problem = %q", p)
	}
	if got := f.Title(); got != "Register a new person" {
		t.Errorf("title %q", got)
	}
}

func TestForm_GroupsCoverEveryFieldOnce(t *testing.T) {
	seen := map[storage.Field]int{}
	for _, g := range PersonGroups {
		for _, f := range g.Fields {
			seen[f]++
		}
	}
	for _, f := range storage.Fields() {
		if seen[f] != 1 {
			t.Errorf("%s is in %d groups", f, seen[f])
		}
	}
}

func TestUnits_OldUnitsOnlyWhereTheFieldAcceptsThem(t *testing.T) {
	if old, free := UnitField(storage.FieldHometown); !old || !free {
		t.Error("hometown must accept old units and free text")
	}
	if old, _ := UnitField(storage.FieldCurrentAddressCode); old {
		t.Error("current address must not offer old units")
	}
	withOld := Units().Find("lung cu", true, 50)
	var sawOld bool
	for _, u := range withOld {
		sawOld = sawOld || u.Old
	}
	if !sawOld {
		t.Errorf("no pre-2025 unit for lung cu: %v", withOld)
	}
}

// A save says so with the person's name, and says what the law still
// requires when the record lacks it.
func TestForm_SaveConfirmsAndNamesWhatIsMissing(t *testing.T) {
	s := mustStore(t, 0)
	f := NewPersonForm(mustTr(t), s, nil)
	f.Set(storage.FieldFullName, "Lò Thị Mai")
	f.Set(storage.FieldBirthDate, "02/03/1980")
	f.Set(storage.FieldSex, storage.SexFemale)
	f.Set(storage.FieldEthnicity, "01")
	p, err := f.Save()
	if err != nil {
		t.Fatalf("a partial record may be saved: %v", err)
	}
	msg := f.Message()
	if !strings.Contains(msg, "Đã lưu Lò Thị Mai") || !strings.Contains(msg, "Còn thiếu") {
		t.Errorf("message %q", msg)
	}
	t.Log(msg)
	for _, w := range []string{"số định danh", "quê quán"} {
		if !strings.Contains(strings.ToLower(msg), w) {
			t.Errorf("message %q does not name %q", msg, w)
		}
	}
	if len(f.Missing()) == 0 {
		t.Error("Missing is empty")
	}
	if got := MissingOf(mustTr(t), p, f.now()); len(got) != len(f.Missing()) {
		t.Errorf("MissingOf %v, Missing %v", got, f.Missing())
	}

	// A complete record: saved, nothing missing.
	g := newPersonForm(t, s)
	g.Set(storage.FieldNationality, "VN")
	g.Set(storage.FieldBirthRegistrationPlace, "12472")
	g.Set(storage.FieldHometown, "12472")
	if _, err := g.Save(); err != nil {
		t.Fatal(err)
	}
	if msg := g.Message(); !strings.Contains(msg, "Đã lưu Đặng Văn Đức") || strings.Contains(msg, "thiếu") || len(g.Missing()) != 0 {
		t.Errorf("complete record: %q %v", msg, g.Missing())
	}
}

// An empty field of a search result reads "chưa có", never "Hộ ·".
func TestResultLine_SaysNoneForEmptyFields(t *testing.T) {
	line := Result{Name: "Lò Thị Mai", Birth: "1980"}.Line(mustTr(t))
	if strings.Contains(line, "Hộ ·") || strings.Contains(line, "ĐD ·") || !strings.Contains(line, "chưa có") {
		t.Errorf("line %q", line)
	}
}

// Dirty says whether leaving would lose typing.
func TestForm_DirtyAfterTyping(t *testing.T) {
	s := mustStore(t, 0)
	f := NewPersonForm(mustTr(t), s, nil)
	if f.Dirty() {
		t.Error("a blank form is dirty")
	}
	f.Set(storage.FieldFullName, "Lò Thị Mai")
	if !f.Dirty() {
		t.Error("typed form not dirty")
	}
	f.Set(storage.FieldFullName, "")
	if f.Dirty() {
		t.Error("typing undone, still dirty")
	}
	f.Set(storage.FieldFullName, "Lò Thị Mai")
	f.Set(storage.FieldBirthDate, "02/03/1980")
	f.Set(storage.FieldSex, storage.SexFemale)
	f.Set(storage.FieldEthnicity, "01")
	if _, err := f.Save(); err != nil {
		t.Fatal(err)
	}
	if f.Dirty() {
		t.Error("dirty after save")
	}
	p := f.Saved()
	e := NewPersonForm(mustTr(t), s, p)
	if e.Dirty() {
		t.Error("an opened record is dirty")
	}
	e.SetReason("theo CCCD")
	if !e.Dirty() {
		t.Error("a typed reason is not dirty")
	}
}
