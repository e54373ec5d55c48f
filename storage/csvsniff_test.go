package storage_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/communekit/communekit/storage"
)

// excelRows is a register as an officer keeps it: a comma inside an
// address, Vietnamese names.
const excelRows = "full_name|birth_date|sex|ethnicity|household_number|relationship_to_head|current_address_detail\n" +
	"Đặng Văn Đức|12/03/1985|Nam|Kinh|H1|Chủ hộ|Thôn Bắc, số 12\n" +
	"Lò Thị Mai|1988|Nữ|Thái|H1|Vợ|Thôn Bắc, số 12\n"

// TestImport_WhatSpreadsheetsWrite: the files Excel and LibreOffice write
// import as they are — UTF-8 with a byte-order mark, UTF-16 ("Unicode
// Text", tab-separated), semicolons (Excel where the decimal mark is a
// comma, as in Vietnam) — with every name intact.
func TestImport_WhatSpreadsheetsWrite(t *testing.T) {
	utf16 := func(s string, e unicode.Endianness) []byte {
		b, err := unicode.UTF16(e, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	quoted := strings.ReplaceAll(excelRows, "Thôn Bắc, số 12", `"Thôn Bắc, số 12"`)
	for name, file := range map[string][]byte{
		"comma":            []byte(strings.ReplaceAll(quoted, "|", ",")),
		"comma with BOM":   []byte("\ufeff" + strings.ReplaceAll(quoted, "|", ",")),
		"semicolon":        []byte(strings.ReplaceAll(excelRows, "|", ";")),
		"semicolon CRLF":   []byte(strings.ReplaceAll(strings.ReplaceAll(excelRows, "|", ";"), "\n", "\r\n")),
		"tab":              []byte(strings.ReplaceAll(excelRows, "|", "\t")),
		"UTF-16 LE tab":    utf16(strings.ReplaceAll(strings.ReplaceAll(excelRows, "|", "\t"), "\n", "\r\n"), unicode.LittleEndian),
		"UTF-16 BE comma":  utf16(strings.ReplaceAll(quoted, "|", ","), unicode.BigEndian),
		"UTF-16 LE with ;": utf16(strings.ReplaceAll(excelRows, "|", ";"), unicode.LittleEndian),
	} {
		t.Run(name, func(t *testing.T) {
			s := mustCreate(t, filepath.Join(t.TempDir(), "p"))
			defer s.Close()
			rep, err := s.ImportPersons(bytes.NewReader(file), storage.ImportOptions{Lang: "en"})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Imported != 2 || len(rep.Rejected) != 0 {
				t.Fatalf("imported %d, rejected %+v", rep.Imported, rep.Rejected)
			}
			hits, err := s.Search("Đặng Văn Đức", 5)
			if err != nil || len(hits) != 1 {
				t.Fatalf("search: %v %+v", err, hits)
			}
			if got := hits[0].Person.Get(storage.FieldFullName); got != "Đặng Văn Đức" {
				t.Errorf("name %q", got)
			}
			p := hits[0].Person
			if got := p.Get(storage.FieldCurrentAddressDetail); got != "Thôn Bắc, số 12" {
				t.Errorf("address %q", got)
			}
		})
	}
}

// TestImport_NotUTF8RefusedWithHowToSaveIt: Excel's plain "CSV" on
// Vietnamese Windows is in code page 1258. Imported as it is, every name
// was a row rejected for "unreadable characters"; the whole file is now
// refused before anything is saved, saying how to save it again.
func TestImport_NotUTF8RefusedWithHowToSaveIt(t *testing.T) {
	// "Đặng Văn Đức" in code page 1258: base letters and combining tone
	// marks (0xF2 dot below, 0xEC acute), Đ 0xD0, ă 0xE3, ư 0xFD.
	cp := "full_name;birth_date;sex;ethnicity\n" +
		"\xd0\xe3\xf2ng V\xe3n \xd0\xfd\xecc;1985;Nam;Kinh\n"
	if _, err := charmap.Windows1258.NewDecoder().String(cp); err != nil {
		t.Fatal(err)
	}
	s := mustCreate(t, filepath.Join(t.TempDir(), "p"))
	defer s.Close()
	_, err := s.ImportPersons(strings.NewReader(cp), storage.ImportOptions{Lang: "en"})
	if !errors.Is(err, storage.ErrBadCSV) || !strings.Contains(err.Error(), "not UTF-8") || !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), "CSV UTF-8") {
		t.Fatalf("code page 1258 file: %v", err)
	}
	if n, _, _ := s.Counts(); n != 0 {
		t.Errorf("%d persons saved from a refused file", n)
	}
	// One bad byte far into an otherwise good file costs that row only.
	var b strings.Builder
	b.WriteString("full_name,birth_date,sex,ethnicity\n")
	for b.Len() < 70<<10 {
		b.WriteString("Nguyễn Văn An,1990,Nam,01\n")
	}
	b.WriteString("Nguy\xe1n Văn Hỏng,1990,Nam,01\n")
	rep, err := s.ImportPersons(strings.NewReader(b.String()), storage.ImportOptions{Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rejected) == 0 || rep.Imported == 0 {
		t.Errorf("imported %d, rejected %+v", rep.Imported, rep.Rejected)
	}
}
