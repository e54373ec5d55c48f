package vm

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/communekit/communekit/storage"
)

// sheetCSV is a register as an office writes it: Vietnamese headings, a
// column the import does not know ("Năm sinh" spelled as a note), and one
// row with a birth date that does not exist.
func sheetCSV(t testing.TB, dir string, persons int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("STT,Họ và tên,Ngày sinh,Giới tính,Dân tộc,Số hộ,Quan hệ với chủ hộ,Nơi ở cũ\n")
	for i := 0; i < persons; i++ {
		rel := "Con"
		if i == 0 {
			rel = "Chủ hộ"
		}
		b.WriteString(strings.Join([]string{itoa(i + 1), sheetName(i), "0" + itoa(1+i%9) + "/03/19" + itoa(60+i%30), "Nam", "Kinh", "0769-000900", rel, "Thôn Cũ"}, ",") + "\n")
	}
	b.WriteString("99,Lò Thị Sai,31/02/1990,Nữ,Thái,0769-000900,Con,\n")
	p := filepath.Join(dir, "danh-sach.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

var sheetGiven = []string{"An", "Bình", "Cường", "Dũng", "Đức", "Giang", "Hải", "Khoa"}

// sheetName is a different name for each i below 64.
func sheetName(i int) string {
	return "Nguyễn " + sheetGiven[i/8] + " " + sheetGiven[i%8]
}

func itoa(n int) string { return strconv.Itoa(n) }

func countPersons(s *storage.Store) int {
	n, _, _ := s.Counts()
	return n
}

// waitSheet waits until the screen reaches stage.
func waitSheet(t testing.TB, x *SheetImport, ch <-chan struct{}, stage SheetStage) SheetImportData {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		if d := x.Data(); d.Stage == stage {
			return d
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("stage %d not reached, at %+v", stage, x.Data())
		}
	}
}

func TestSheetImport_PreviewCheckImport(t *testing.T) {
	tr := mustTr(t)
	tr.SetLang("en")
	s := mustStore(t, 0)
	dir := t.TempDir()
	path := sheetCSV(t, dir, 4)
	x := NewSheetImport(tr, s, Now)
	ch := changes(x)
	if d := x.Data(); d.Stage != SheetNoFile || d.Message == "" {
		t.Fatalf("start %+v", d)
	}
	x.SetPath(path)
	d := waitSheet(t, x, ch, SheetPreviewed)
	if d.Ready || !d.Problem || !d.Columns[7].Unknown {
		t.Errorf("a file with an unknown column is ready: %+v", d)
	}
	if len(d.Columns) != 8 || len(d.Rows) != 5 || d.Rows[0].Line != 2 {
		t.Fatalf("preview %+v", d)
	}
	if d.Columns[1].Field != storage.FieldFullName || d.Columns[0].Field != 0 || d.Columns[7].Field != 0 {
		t.Errorf("columns %+v", d.Columns)
	}
	// The unknown column mapped by hand to the place of birth registration.
	x.SetColumn(7, storage.FieldBirthRegistrationPlace)
	d = waitSheet(t, x, ch, SheetPreviewed)
	if d.Columns[7].Field != storage.FieldBirthRegistrationPlace || !d.Columns[7].ByHand || !d.Ready {
		t.Errorf("mapped column %+v", d.Columns[7])
	}
	fs, labels := x.FieldChoices()
	if fs[0] != 0 || len(fs) != len(labels) || labels[0] == "" {
		t.Errorf("choices %v %v", fs, labels)
	}

	// The dry run lists the refused row with its line and field, saving
	// nothing.
	x.Check()
	d = waitSheet(t, x, ch, SheetChecked)
	if d.RefusedRows != 1 || len(d.Refused) != 1 || d.Refused[0].Line != 6 || d.Refused[0].Field != storage.FieldBirthDate.Label("en") {
		t.Fatalf("check %+v", d)
	}
	if !strings.Contains(d.Message, "4 persons valid") {
		t.Errorf("message %q", d.Message)
	}
	if n := countPersons(s); n != 0 {
		t.Fatalf("a dry run saved %d persons", n)
	}
	// The refused rows saved as .xlsx, with what to fix.
	out := filepath.Join(dir, "refused")
	if err := x.SaveRefused(out); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(out + ".xlsx")
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows(f.GetSheetList()[0])
	f.Close()
	if len(rows) != 2 || rows[1][1] != "Lò Thị Sai" || rows[1][len(rows[1])-2] != "6" {
		t.Errorf("refused workbook %q", rows)
	}
	if err := x.SaveRefused(out + ".xlsx"); err == nil || !strings.Contains(x.Data().SaveNote, "already exists") {
		t.Errorf("saved over a file: %v %q", err, x.Data().SaveNote)
	}

	x.Import()
	d = waitSheet(t, x, ch, SheetImported)
	if !strings.Contains(d.Message, "Imported 4 persons") || d.RefusedRows != 1 {
		t.Fatalf("import %+v", d)
	}
	hits, err := s.Search(sheetName(2), 1)
	if err != nil || len(hits) != 1 || hits[0].Person.Get(storage.FieldBirthRegistrationPlace) == "" {
		t.Errorf("the column mapped by hand was not saved: %v %+v", err, hits)
	}
}

// Stopping an import keeps what was saved and says how many; importing
// the same file again skips them and saves the rest.
func TestSheetImport_CancelThenAgain(t *testing.T) {
	tr := mustTr(t)
	tr.SetLang("en")
	s := mustStore(t, 0)
	path := sheetCSV(t, t.TempDir(), 40)
	x := NewSheetImport(tr, s, Now)
	x.Chunk = 5
	ch := changes(x)
	var stopped atomic.Bool
	x.OnChange(func() {
		if d := x.Data(); d.Stage == SheetImporting && d.Saved >= 10 && !stopped.Swap(true) {
			x.Cancel()
		}
	})
	x.SetPath(path)
	waitSheet(t, x, ch, SheetPreviewed)
	x.SetColumn(7, 0) // skip "Nơi ở cũ"
	if d := waitSheet(t, x, ch, SheetPreviewed); !d.Ready {
		t.Fatalf("not ready: %+v", d)
	}
	x.Import()
	d := waitSheet(t, x, ch, SheetImported)
	if !d.Cancelled || d.Saved < 10 || d.Saved >= 40 {
		t.Fatalf("cancelled import %+v", d)
	}
	n := countPersons(s)
	if n != d.Saved || !strings.Contains(d.Message, itoa(n)+" persons were saved") {
		t.Fatalf("store holds %d, screen says %q", n, d.Message)
	}
	x.Import()
	d = waitSheet(t, x, ch, SheetImported)
	if d.Cancelled || !strings.Contains(d.Message, "Imported "+itoa(40-n)+" persons") || !strings.Contains(d.Message, itoa(n)+" persons were already") {
		t.Fatalf("second import %+v", d)
	}
	if m := countPersons(s); m != 40 {
		t.Fatalf("store holds %d after the second import, want 40", m)
	}
}
