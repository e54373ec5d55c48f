package storage_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/gen"
)

// officeRegister writes, with excelize, a register as a commune office
// keeps it: a title merged over the columns, a header of two rows (a
// heading merged down over both, sub-headings under a merged "Cha mẹ"),
// a birth date typed as a date, an ID number typed as a number (its
// leading zeros lost), and an empty row at the end that only has a style.
func officeRegister(t *testing.T, path string) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sh := "Sheet1"
	f.SetSheetName(sh, "Thôn Sủng Là")
	sh = "Thôn Sủng Là"
	set := func(cell string, v any) {
		t.Helper()
		if err := f.SetCellValue(sh, cell, v); err != nil {
			t.Fatal(err)
		}
	}
	merge := func(a, b string) {
		t.Helper()
		if err := f.MergeCell(sh, a, b); err != nil {
			t.Fatal(err)
		}
	}
	set("A1", "DANH SÁCH NHÂN KHẨU THÔN SỦNG LÀ")
	merge("A1", "K1")
	// Row 3 and 4: the header.
	for col, h := range map[string]string{"A": "STT", "B": "Họ và tên", "C": "Ngày sinh", "D": "Giới tính", "E": "Số định danh cá nhân",
		"F": "Dân tộc", "G": "Quê quán", "H": "Số hộ", "I": "Quan hệ với chủ hộ"} {
		set(col+"3", h)
		merge(col+"3", col+"4")
	}
	set("J3", "Cha mẹ")
	merge("J3", "K3")
	set("J4", "Họ tên cha")
	set("K4", "Số CCCD của mẹ")
	date, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("dd/mm/yyyy")})
	if err != nil {
		t.Fatal(err)
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]any{
		{1, "Giàng A Páo", time.Date(1980, 3, 12, 0, 0, 0, 0, time.UTC), "Nam", "002080012345", "H'Mông", "Đồng Văn", "SL-01", "Chủ hộ"},
		{2, "Vàng Thị Mỷ", "1985", "Nữ", "002185012346", "Mông", "", "SL-01", "Vợ"},
		// An ID number typed as a number: "002090012347" became 2090012347.
		{3, "Giàng A Sử", "05/06/1990", "Nam", 2090012347, "Mông", "", "SL-02", "Chủ hộ"},
		{4, "Giàng Thị Mai", time.Date(2010, 9, 1, 0, 0, 0, 0, time.UTC), "Nữ", "", "Mông", "", "SL-01", "Con", "Giàng A Páo", "002185012346"},
	}
	for i, r := range rows {
		line := 5 + i
		for j, v := range r {
			cell := fmt.Sprintf("%c%d", 'A'+j, line)
			set(cell, v)
			switch v.(type) {
			case time.Time:
				f.SetCellStyle(sh, cell, cell, date)
			case string:
				f.SetCellStyle(sh, cell, cell, text)
			}
		}
	}
	// An empty trailing row: styled cells, no values.
	if err := f.SetCellStyle(sh, "A9", "K9", text); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestImportXLSX_OfficeRegister(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "so-ho.xlsx")
	officeRegister(t, path)
	s := mustCreate(t, filepath.Join(dir, "p"))
	defer s.Close()

	type refused struct {
		line  int
		cells []string
	}
	var got []refused
	var cols []storage.ImportColumn
	rep, err := s.ImportFile(path, storage.ImportOptions{Lang: "en",
		OnHeader:  func(c []storage.ImportColumn) { cols = c },
		OnRefused: func(line int, cells []string, _ []storage.RowError) { got = append(got, refused{line, cells}) }})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported != 3 || len(rep.Rejected) != 1 {
		t.Fatalf("imported %d, rejected %+v; want 3 and the row with the ID number typed as a number", rep.Imported, rep.Rejected)
	}
	r := rep.Rejected[0]
	if r.Line != 7 || r.Field != "id_number" || !strings.Contains(r.Message, "leading zeros") {
		t.Errorf("rejected %+v, want line 7, id_number, naming the leading zeros lost", r)
	}
	if len(got) != 1 || got[0].line != 7 || len(got[0].cells) < 5 || got[0].cells[4] != "2090012347" {
		t.Errorf("refused rows given %+v", got)
	}
	want := map[string]string{"A": "", "B": "full_name", "C": "birth_date", "D": "sex", "E": "id_number", "F": "ethnicity",
		"G": "hometown", "H": "household_number", "I": "relationship_to_head", "J": "father_name", "K": "mother_id_number"}
	if len(cols) != len(want) {
		t.Errorf("columns %+v", cols)
	}
	for _, c := range cols {
		if w, ok := want[c.Column]; !ok || w != c.Field {
			t.Errorf("column %s (%q) read as %q, want %q", c.Column, c.Header, c.Field, w)
		}
	}
	hits, err := s.Search("Giàng A Páo", 5)
	if err != nil || len(hits) != 1 {
		t.Fatalf("search: %v %v", hits, err)
	}
	p := hits[0].Person
	if p.Get(storage.FieldBirthDate) != "1980-03-12" || p.Get(storage.FieldIDNumber) != "002080012345" || p.Get(storage.FieldEthnicity) != "08" {
		t.Errorf("Giàng A Páo stored as %v", p.Map())
	}
	hits, _ = s.Search("Giàng Thị Mai", 5)
	if len(hits) != 1 || hits[0].Person.Get(storage.FieldBirthDate) != "2010-09-01" || hits[0].Person.Get(storage.FieldFatherName) != "Giàng A Páo" {
		t.Errorf("Giàng Thị Mai: %v", hits)
	}

	// Importing the file again adds nobody.
	rep, err = s.ImportFile(path, storage.ImportOptions{})
	if err != nil || rep.Imported != 0 || rep.AlreadyPresent != 3 {
		t.Errorf("again: %+v %v", rep, err)
	}
}

// A sheet chosen by name, one that is not there, a CSV given a sheet.
func TestImportXLSX_Sheets(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "so-ho.xlsx")
	officeRegister(t, path)
	s := mustCreate(t, filepath.Join(dir, "p"))
	defer s.Close()
	if rep, err := s.ImportFile(path, storage.ImportOptions{Sheet: "thôn sủng là", DryRun: true}); err != nil || rep.Imported != 3 {
		t.Errorf("by name: %+v %v", rep, err)
	}
	_, err := s.ImportFile(path, storage.ImportOptions{Sheet: "Thôn Khác"})
	if err == nil || !strings.Contains(err.Error(), "Thôn Sủng Là") {
		t.Errorf("a missing sheet: %v, want the sheets listed", err)
	}
	csvPath := filepath.Join(dir, "a.csv")
	os.WriteFile(csvPath, []byte("full_name,birth_date,sex,ethnicity\nAn Văn Bình,1990,Nam,01\n"), 0o600)
	if _, err := s.ImportFile(csvPath, storage.ImportOptions{Sheet: "x"}); err == nil {
		t.Error("a CSV with a sheet named: no error")
	}
}

// An .xlsx past the size limit is refused before anything is read.
func TestImportXLSX_TooLarge(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "so-ho.xlsx")
	officeRegister(t, path)
	s := mustCreate(t, filepath.Join(dir, "p"))
	defer s.Close()
	old := storage.XLSXLimits
	storage.XLSXLimits.FileSize = 1000
	defer func() { storage.XLSXLimits = old }()
	rep, err := s.ImportFile(path, storage.ImportOptions{})
	if err == nil || rep != nil || !strings.Contains(err.Error(), "larger than") || !strings.Contains(err.Error(), "nothing was imported") {
		t.Fatalf("got %+v, %v", rep, err)
	}
	if n, _, _ := s.Counts(); n != 0 {
		t.Errorf("%d persons saved", n)
	}
}

// Vietnamese headings as offices write them, in CSV too; columns mapped
// by hand; an unknown heading refused with what to do.
func TestImport_HeadingsAndMapping(t *testing.T) {
	s := mustCreate(t, filepath.Join(t.TempDir(), "p"))
	defer s.Close()
	file := "DANH SÁCH NHÂN KHẨU;;;;\n" +
		"STT;Họ và tên;Năm sinh (yyyy);Giới tính;Dân tộc;Cột lạ\n" +
		"1;Đặng Văn Đức;1985;Nam;Kinh;x\n"
	_, err := s.ImportPersons(strings.NewReader(file), storage.ImportOptions{Lang: "en"})
	if err == nil || !strings.Contains(err.Error(), `F "Cột lạ"`) || !strings.Contains(err.Error(), "--map") {
		t.Fatalf("unknown heading: %v", err)
	}
	skip, _ := storage.ParseColumnMap("Cột lạ=-")
	rep, err := s.ImportPersons(strings.NewReader(file), storage.ImportOptions{Map: []storage.ColumnMap{skip}})
	if err != nil || rep.Imported != 1 || len(rep.Rejected) != 0 {
		t.Fatalf("with the column skipped: %+v %v", rep, err)
	}
	// A column by its number, read as another field.
	m, err := storage.ParseColumnMap("Cột 6=occupation")
	if err != nil || m.Column != 5 || m.Field != storage.FieldOccupation {
		t.Fatalf("ParseColumnMap: %+v %v", m, err)
	}
	file2 := strings.Replace(file, "Đặng Văn Đức", "Lò Văn Mười", 1)
	rep, err = s.ImportPersons(strings.NewReader(file2), storage.ImportOptions{Map: []storage.ColumnMap{m}})
	if err != nil || rep.Imported != 1 {
		t.Fatalf("mapped by number: %+v %v", rep, err)
	}
	hits, _ := s.Search("Lò Văn Mười", 2)
	if len(hits) != 1 || hits[0].Person.Get(storage.FieldOccupation) != "x" {
		t.Errorf("mapped column: %+v", hits)
	}
	for _, bad := range []string{"Cột 3", "=birth_date", "Cột 3=colour"} {
		if _, err := storage.ParseColumnMap(bad); err == nil {
			t.Errorf("ParseColumnMap(%q): no error", bad)
		}
	}
	for h, want := range map[string]storage.Field{"Họ và tên": storage.FieldFullName, "HỌ VÀ TÊN": storage.FieldFullName, "Ngày, tháng, năm sinh": storage.FieldBirthDate,
		"Số CCCD": storage.FieldIDNumber, "Số định danh cá nhân": storage.FieldIDNumber, "Quan hệ với chủ hộ": storage.FieldRelationshipToHead,
		"Quê quán": storage.FieldHometown, "Dân tộc": storage.FieldEthnicity, "Giới tính (*)": storage.FieldSex, "Số CMND": storage.FieldOldIDNumber,
		"Nơi thường trú (đơn vị hành chính)": storage.FieldPermanentAddressCode, "Nơi thường trú": storage.FieldPermanentAddressDetail} {
		if f, skip, ok := storage.FieldByHeader(h); !ok || skip || f != want {
			t.Errorf("FieldByHeader(%q) = %v %v %v, want %v", h, f, skip, ok, want)
		}
	}
}

// Row order does not matter: a child before its mother is checked
// against her as strictly as after; a mother imported after her child
// is in the store is checked against the child.
func TestImport_ChildBeforeMotherRefused(t *testing.T) {
	const head = "full_name,birth_date,sex,ethnicity,id_number,mother_id_number\n"
	const mother = "Vàng Thị Mỷ,1995,Nữ,Mông,002195012346,\n"
	const child = "Giàng A Tủa,2000,Nam,Mông,,002195012346\n"
	for name, c := range map[string]struct {
		file      string
		childLine int
	}{
		"child first": {head + child + mother, 2},
		"child last":  {head + mother + child, 3},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			for _, kind := range []string{"csv", "xlsx"} {
				s := mustCreate(t, filepath.Join(dir, "p"+kind))
				path := filepath.Join(dir, "f."+kind)
				writeImportFile(t, path, c.file)
				rep, err := s.ImportFile(path, storage.ImportOptions{Lang: "en"})
				if err != nil {
					t.Fatal(err)
				}
				if rep.Imported != 1 || len(rep.Rejected) != 1 || rep.Rejected[0].Line != c.childLine || !strings.Contains(rep.Rejected[0].Message, "at least 12 years") {
					t.Errorf("%s: %+v, want the child's row %d refused", kind, rep, c.childLine)
				}
				s.Close()
			}
		})
	}
	// Across imports: the mother in the store, then the child; the child in
	// the store, then the mother.
	s := mustCreate(t, filepath.Join(t.TempDir(), "p"))
	defer s.Close()
	rep, _ := s.ImportPersons(strings.NewReader(head+mother), storage.ImportOptions{})
	rep2, _ := s.ImportPersons(strings.NewReader(head+child), storage.ImportOptions{Lang: "en"})
	if rep.Imported != 1 || rep2.Imported != 0 || len(rep2.Rejected) != 1 {
		t.Errorf("mother then child: %+v, %+v", rep, rep2)
	}
	s2 := mustCreate(t, filepath.Join(t.TempDir(), "p"))
	defer s2.Close()
	rep, _ = s2.ImportPersons(strings.NewReader(head+child), storage.ImportOptions{})
	rep2, _ = s2.ImportPersons(strings.NewReader(head+mother), storage.ImportOptions{Lang: "en"})
	if rep.Imported != 1 || rep2.Imported != 0 || len(rep2.Rejected) != 1 || !strings.Contains(rep2.Rejected[0].Message, "already in the store") {
		t.Errorf("child then mother: %+v, %+v", rep, rep2)
	}
}

// writeImportFile writes CSV text as a .csv file, or as an .xlsx of text
// cells.
func writeImportFile(t *testing.T, path, text string) {
	t.Helper()
	if filepath.Ext(path) == ".csv" {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return
	}
	rows, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	csvToXLSX(t, path, rows, nil)
}

// csvToXLSX writes rows as a sheet: text cells, but for the columns of
// dateCols, where a full date is written as a date cell.
func csvToXLSX(t testing.TB, path string, rows [][]string, dateCols map[int]bool) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	date, _ := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("dd/mm/yyyy")})
	for i, r := range rows {
		cells := make([]any, len(r))
		for j, v := range r {
			cells[j] = v
			if i > 0 && dateCols[j] {
				if d, err := storage.ParseDate(v); err == nil && d.Day != 0 {
					cells[j] = excelize.Cell{StyleID: date, Value: time.Date(d.Year, time.Month(d.Month), d.Day, 0, 0, 0, 0, time.UTC)}
				}
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, cells); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

// dumpStore lists every person's values and every household, without
// identifiers or versions, sorted: equal for two stores that hold the
// same records.
func dumpStore(t testing.TB, s *storage.Store) string {
	t.Helper()
	var lines []string
	err := s.ScanPersons(func(p *storage.Person) error {
		var b strings.Builder
		for _, f := range storage.Fields() {
			fmt.Fprintf(&b, "%s=%s|", f, p.Get(f))
		}
		lines = append(lines, b.String())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.ScanHouseholds(func(h *storage.Household) error {
		lines = append(lines, "household "+h.Number+"|"+h.AddressCode+"|"+h.AddressDetail)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// The same persons from CSV and from .xlsx (dates typed as dates, ID
// numbers as text) give the same store.
func TestImport_CSVAndXLSXSameStore(t *testing.T) {
	c, err := gen.Generate(gen.Options{Commune: "00769", Persons: 600, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := gen.WriteCSV(&buf, c, 11); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	csvPath, xlsxPath := filepath.Join(dir, "f.csv"), filepath.Join(dir, "f.xlsx")
	os.WriteFile(csvPath, buf.Bytes(), 0o600)
	rows, err := csv.NewReader(bytes.NewReader(buf.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	dates := map[int]bool{}
	for j, h := range rows[0] {
		if strings.HasSuffix(h, "_date") {
			dates[j] = true
		}
	}
	csvToXLSX(t, xlsxPath, rows, dates)

	var dumps []string
	for _, path := range []string{csvPath, xlsxPath} {
		s := mustCreate(t, filepath.Join(dir, "p"+filepath.Ext(path)))
		rep, err := s.ImportFile(path, storage.ImportOptions{Chunk: 100})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Imported < 550 {
			t.Errorf("%s: imported %d of 600, rejected %+v", path, rep.Imported, rep.Rejected[:min(3, len(rep.Rejected))])
		}
		dumps = append(dumps, dumpStore(t, s))
		s.Close()
	}
	if dumps[0] != dumps[1] {
		a, b := strings.Split(dumps[0], "\n"), strings.Split(dumps[1], "\n")
		for i := range a {
			if i >= len(b) || a[i] != b[i] {
				t.Fatalf("the stores differ; first difference:\ncsv:  %s\nxlsx: %s", a[i], b[min(i, len(b)-1)])
			}
		}
		t.Fatalf("the stores differ: %d and %d lines", len(a), len(b))
	}
}

// Cancelling stops after the chunk being saved; importing the file again
// skips the rows saved and saves the rest.
func TestImport_Cancel(t *testing.T) {
	c, err := gen.Generate(gen.Options{Commune: "00769", Persons: 300, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := gen.WriteCSV(&buf, c, 5); err != nil {
		t.Fatal(err)
	}
	s := mustCreate(t, filepath.Join(t.TempDir(), "p"))
	defer s.Close()
	cancel := make(chan struct{})
	rep, err := s.ImportPersons(bytes.NewReader(buf.Bytes()), storage.ImportOptions{Chunk: 20, Cancel: cancel,
		Progress: func(n int) {
			select {
			case <-cancel:
			default:
				close(cancel)
			}
		}})
	if !errors.Is(err, storage.ErrImportCancelled) || rep == nil || !rep.Cancelled {
		t.Fatalf("got %+v, %v", rep, err)
	}
	n, _, _ := s.Counts()
	if rep.Imported == 0 || rep.Imported >= 300 || n != rep.Imported {
		t.Fatalf("cancelled after %d saved, %d in the store", rep.Imported, n)
	}
	again, err := s.ImportPersons(bytes.NewReader(buf.Bytes()), storage.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if again.AlreadyPresent != rep.Imported || again.Imported+again.AlreadyPresent+len(again.Rejected) < 299 {
		t.Errorf("again: %+v after %d saved", again, rep.Imported)
	}
}

// A preview shows what an import would read: the columns of the office's
// register and its first rows after the two header rows, with their
// lines; a mapping by hand changes a column's field.
func TestPreviewFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "so-ho.xlsx")
	officeRegister(t, path)
	p, err := storage.PreviewFile(path, "", nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rows) != 2 || p.Rows[0].Line != 5 || len(p.Columns) != 11 {
		t.Fatalf("preview %+v", p)
	}
	if p.Columns[1].Field != "full_name" || p.Rows[0].Cells[1] == "" {
		t.Errorf("preview columns %+v rows %+v", p.Columns, p.Rows)
	}
	p, err = storage.PreviewFile(path, "", []storage.ColumnMap{{Column: 6, Field: storage.FieldBirthRegistrationPlace}}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if p.Columns[6].Field != storage.FieldBirthRegistrationPlace.String() || !p.Columns[6].ByHand {
		t.Errorf("mapped column %+v", p.Columns[6])
	}
	if _, err := storage.PreviewFile(filepath.Join(dir, "none.xlsx"), "", nil, 2); err == nil {
		t.Error("a missing file previewed")
	}
}

// A preview of a file whose header the import refuses (a column no field
// is known by) still shows the columns, the unknown one marked, with the
// problem; mapped by hand, the problem is gone.
func TestPreviewFile_UnknownColumn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "l.csv")
	if err := os.WriteFile(path, []byte("Họ và tên,Ngày sinh,Giới tính,Nơi ở cũ\nA Páo,1990,Nam,Thôn Cũ\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := storage.PreviewFile(path, "", nil, 5)
	if err != nil {
		t.Fatal(err)
	}
	if p.Problem == nil || !errors.Is(p.Problem, storage.ErrBadCSV) || len(p.Columns) != 4 || !p.Columns[3].Unknown || len(p.Rows) != 1 {
		t.Fatalf("preview %+v", p)
	}
	p, err = storage.PreviewFile(path, "", []storage.ColumnMap{{Column: 3, Field: 0}}, 5)
	if err != nil || p.Problem != nil || p.Columns[3].Unknown {
		t.Fatalf("mapped: %v %+v", err, p)
	}
}
