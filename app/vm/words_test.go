package vm

import (
	"strings"
	"testing"

	"github.com/communekit/communekit/storage"
)

// The same ID number typed for a second person names its holder by name,
// birth date and household, never by an identifier, and the form knows
// whom to open.
func TestForm_DuplicateIDNamesTheHolder(t *testing.T) {
	s := mustStore(t, 0)
	holder, err := newPersonForm(t, s).Save()
	if err != nil {
		t.Fatal(err)
	}
	f := newPersonForm(t, s)
	f.Set(storage.FieldFullName, "Đặng Văn Minh")
	f.Set(storage.FieldRelationshipToHead, "Con")
	if _, err := f.Save(); err == nil {
		t.Fatal("duplicate ID number saved")
	}
	msg := f.Problem(storage.FieldIDNumber)
	for _, want := range []string{"Đặng Văn Đức", "17/05/1990", "hộ số TEST-1"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not say %q", msg, want)
		}
	}
	if strings.Contains(msg+f.Message(), holder.ID.String()) {
		t.Errorf("message shows the identifier %s: %q", holder.ID, msg)
	}
	if f.Other() != holder.ID {
		t.Errorf("Other = %v, want the holder %v", f.Other(), holder.ID)
	}
	c, err := CardOf(mustTr(t), s, f.Other())
	if err != nil || c.Name != "Đặng Văn Đức" {
		t.Fatalf("card: %+v %v", c, err)
	}
	lines := strings.Join(c.Lines, "\n")
	for _, want := range []string{"Ngày, tháng, năm sinh: 17/05/1990", "Số hộ: TEST-1", "Tình trạng: Còn sống", "(12472)"} {
		if !strings.Contains(lines, want) {
			t.Errorf("card lines %q lack %q", lines, want)
		}
	}
	// In English too.
	tr := mustTr(t)
	tr.SetLang("en")
	g := NewPersonForm(tr, s, nil)
	for _, fl := range f.Fields() {
		g.Set(fl, f.Value(fl))
	}
	g.Save()
	if p := g.Problem(storage.FieldIDNumber); !strings.Contains(p, "already belongs to Đặng Văn Đức, born 17/05/1990, household TEST-1") {
		t.Errorf("English: %q", p)
	}
	// Typing another ID number forgets the holder, and so does a QR code
	// read; a later save that fails for another reason names nobody.
	f.Set(storage.FieldIDNumber, storage.MakeIDNumber("033", storage.SexMale, 1990, 9))
	if f.Other() != (storage.ID{}) {
		t.Errorf("Other stays after another ID number was typed: %v", f.Other())
	}
	f.Set(storage.FieldIDNumber, holder.IDNumber())
	f.Save()
	qr := storage.MakeIDNumber("033", storage.SexFemale, 1985, 42) + "|123456789|Lê Thị Hoa|02031985|Nữ|Thôn Đông, Quỳnh Phụ, Hưng Yên|10062021"
	if f.Other() != holder.ID || !f.FillFromQR(qr) || f.Other() != (storage.ID{}) {
		t.Errorf("Other after a QR code read: %v", f.Other())
	}
	f.Set(storage.FieldIDNumber, "")
	f.Set(storage.FieldBirthDate, "31/02/1990")
	f.Save()
	if f.Other() != (storage.ID{}) {
		t.Errorf("Other stays after the ID number was cleared: %v", f.Other())
	}
}

// A QR code read is good news, said as such; a bad one and a refused save
// are problems.
func TestForm_QRFillIsSuccessNotAProblem(t *testing.T) {
	f := NewPersonForm(mustTr(t), mustStore(t, 0), nil)
	id := storage.MakeIDNumber("033", storage.SexFemale, 1985, 42)
	if !f.FillFromQR(id+"|123456789|Lê Thị Hoa|02031985|Nữ|Thôn Đông, Quỳnh Phụ, Hưng Yên|10062021\r\n") || !f.MessageOK() {
		t.Errorf("QR read: ok %v, message %q", f.MessageOK(), f.Message())
	}
	if f.FillFromQR("not a qr") || f.MessageOK() {
		t.Errorf("bad QR said as good news: %q", f.Message())
	}
	f.Set(storage.FieldBirthDate, "31/02/1985")
	if _, err := f.Save(); err == nil || f.MessageOK() {
		t.Errorf("refused save said as good news: %v %q", err, f.Message())
	}
}

// Coded values read as words, names before codes, in both languages.
func TestDisplayValue_NamesBeforeCodes(t *testing.T) {
	tr := mustTr(t)
	for _, c := range []struct {
		lang string
		f    storage.Field
		v    string
		want string
	}{
		{"vi", storage.FieldEthnicity, "01", "Kinh"},
		{"vi", storage.FieldReligion, "00", "Không"},
		{"vi", storage.FieldStatus, storage.StatusLiving, "Còn sống"},
		{"en", storage.FieldStatus, storage.StatusLiving, "Living"},
		{"vi", storage.FieldMaritalStatus, storage.MaritalMarried, "Đã kết hôn"},
		{"en", storage.FieldMaritalStatus, storage.MaritalMarried, "Married"},
		{"en", storage.FieldSex, storage.SexFemale, "Female"},
		{"vi", storage.FieldBirthDate, "1990-05-17", "17/05/1990"},
	} {
		tr.SetLang(c.lang)
		if got := DisplayValue(tr, c.f, c.v); got != c.want {
			t.Errorf("%s %s %q = %q, want %q", c.lang, c.f, c.v, got, c.want)
		}
	}
	tr.SetLang("vi")
	if got := DisplayValue(tr, storage.FieldPermanentAddressCode, "12472"); !strings.HasPrefix(got, "Xã Quỳnh Phụ") || !strings.HasSuffix(got, " (12472)") {
		t.Errorf("unit = %q, want its name then (12472)", got)
	}
	if got := ChoiceLabel(Choices(tr, storage.FieldEthnicity), "01"); got != "Kinh (01)" {
		t.Errorf("ethnicity choice = %q, want Kinh (01)", got)
	}
	if got := ChoiceLabel(Choices(tr, storage.FieldReligion), "00"); got != "Không (00)" {
		t.Errorf("religion choice = %q, want Không (00)", got)
	}
	// The words storage says for the stored values are the app's.
	for _, lang := range []string{"vi", "en"} {
		tr.SetLang(lang)
		for _, f := range []storage.Field{storage.FieldSex, storage.FieldStatus, storage.FieldMaritalStatus} {
			for _, c := range Choices(tr, f) {
				if got := storage.DisplayValueIn(lang, f, c.Value); got != c.Label {
					t.Errorf("%s %s %q: storage says %q, the app %q", lang, f, c.Value, got, c.Label)
				}
			}
		}
	}
}

// One household is one, not "1 households".
func TestHamletLabel_OneHousehold(t *testing.T) {
	tr := mustTr(t)
	tr.SetLang("en")
	v := NewHouseholds(tr, nil)
	for _, c := range []struct {
		h    HamletRow
		want string
	}{
		{HamletRow{"Thôn Đông", 1}, "Thôn Đông (1 household)"},
		{HamletRow{"Thôn Đông", 2}, "Thôn Đông (2 households)"},
		{HamletRow{"", 1}, "No hamlet given (1 household)"},
	} {
		if got := v.HamletLabel(c.h); got != c.want {
			t.Errorf("%+v: %q, want %q", c.h, got, c.want)
		}
	}
	tr.SetLang("vi")
	if got := v.HamletLabel(HamletRow{"Thôn Đông", 1}); got != "Thôn Đông (1 hộ)" {
		t.Errorf("vi: %q", got)
	}
}
