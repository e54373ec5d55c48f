package storage

import (
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestCanonicalize_Names(t *testing.T) {
	tests := []struct {
		name     string
		raw      string
		want     string
		wantCode string
	}{
		{"Kinh name", "Nguyễn Văn An", "Nguyễn Văn An", ""},
		{"spaces collapsed and trimmed", "  Đặng   Văn\tĐức ", "Đặng Văn Đức", ""},
		{"NFD stored as NFC", norm.NFD.String("Đặng Thị Huệ"), "Đặng Thị Huệ", ""},
		{"Ede name with apostrophe", "H'Hen Niê", "H'Hen Niê", ""},
		{"typographic apostrophe stored as ASCII", "H\u2019Hen Niê", "H'Hen Niê", ""},
		{"invisible characters from a web page dropped", "\ufeffNguyễn\u200b Văn\u00a0An", "Nguyễn Văn An", ""},
		{"Ede name with hyphen", "Y-Moan", "Y-Moan", ""},
		{"Jarai name", "Rơ Châm Oanh", "Rơ Châm Oanh", ""},
		{"case kept as written", "NGUYỄN văn AN", "NGUYỄN văn AN", ""},
		{"foreign Latin name", "Müller Zoë", "Müller Zoë", ""},
		{"digit", "Nguyễn Văn 3", "", "name_chars"},
		{"symbol", "Nguyễn Văn An!", "", "name_chars"},
		{"comma", "Nguyễn, An", "", "name_chars"},
		{"non-Latin script", "Иван", "", "name_chars"},
		{"no letters", "' -", "", "name_chars"},
		{"control character", "Nguyễn\x00An", "", "encoding"},
		{"invalid UTF-8", "Nguy\xffn", "", "encoding"},
		{"too long", strings.Repeat("A", maxNameLen+1), "", "too_long"},
		{"empty stays empty", "   ", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, p := Canonicalize(FieldFullName, tt.raw)
			checkCanonical(t, FieldFullName, tt.raw, got, p, tt.want, tt.wantCode)
			if p == nil && !norm.NFC.IsNormalString(got) {
				t.Errorf("Canonicalize(%q) = %q, not NFC", tt.raw, got)
			}
		})
	}
}

func TestCanonicalize_EveryNameFieldChecksLetters(t *testing.T) {
	for _, f := range []Field{FieldFullName, FieldOtherNames, FieldFatherName, FieldMotherName, FieldSpouseName, FieldRepresentativeName} {
		_, p := Canonicalize(f, "Lê Văn 2")
		if p == nil || p.Code != "name_chars" || p.Field != f {
			t.Errorf("%s: problem = %+v, want name_chars on the field", f, p)
			continue
		}
		checkMessagesNameField(t, p, f)
	}
}

func TestCanonicalize_NameInNFDKeepsNoCombiningMarks(t *testing.T) {
	// NFD spells ễ as e + circumflex + tilde; NFC must give the one letter.
	got, p := Canonicalize(FieldFullName, norm.NFD.String("Nguyễn"))
	if p != nil {
		t.Fatal(p)
	}
	if got != "Nguy\u1EC5n" {
		t.Errorf("got %+q, want %+q", got, "Nguy\u1EC5n")
	}
}

func TestCanonicalize_FreeText(t *testing.T) {
	for _, f := range []Field{FieldHouseholdNumber, FieldPermanentAddressDetail, FieldOccupation, FieldIDIssuePlace} {
		got, p := Canonicalize(f, norm.NFD.String("  Thôn  Lũng Hòa,\nsố 12 "))
		if p != nil || got != "Thôn Lũng Hòa, số 12" {
			t.Errorf("%s: got %q, %v", f, got, p)
		}
		_, p = Canonicalize(f, strings.Repeat("x", maxTextLen+1))
		if p == nil || p.Code != "too_long" {
			t.Errorf("%s: %d characters accepted: %v", f, maxTextLen+1, p)
		}
	}
}

func TestCanonicalize_RelationshipToHead(t *testing.T) {
	for raw, want := range map[string]string{
		"chu ho":                        RelationshipHead,
		"CHỦ HỘ":                        RelationshipHead,
		norm.NFD.String("Chủ  hộ"):      RelationshipHead,
		"Con":                           "Con",
		norm.NFD.String("Vợ"):           "Vợ",
		norm.NFD.String(" Cháu  ngoại"): "Cháu ngoại",
	} {
		got, p := Canonicalize(FieldRelationshipToHead, raw)
		if p != nil || got != want {
			t.Errorf("Canonicalize(%q) = %q, %v; want %q", raw, got, p, want)
		}
	}
}

// The fast path of cleanText takes only what the full cleaning returns
// unchanged.
func FuzzCleanTextFastPath(f *testing.F) {
	for _, s := range []string{"Nguyễn Thị Lan", "Nguye\u0302\u0303n", "a  b", " a", "a ", "a\u200bb", "a\tb", "a\u00a0b",
		"\ufffd", "\xff", "Thôn Lũng Phìn, số nhà 4", "H'Hen", "a\x7fb", "a\u2028b", "ﬁ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !alreadyClean(s) {
			return
		}
		got, p := cleanTextFull(FieldOccupation, s)
		if p != nil || got != s {
			t.Fatalf("alreadyClean(%q) but cleaning gives %q, %v", s, got, p)
		}
	})
}
