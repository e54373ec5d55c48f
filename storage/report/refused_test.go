package report_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/report"
)

// The refused rows' workbook holds each refused row's cells, its line and
// what to fix; written with WriteNewFile, it is opened back with excelize,
// and a second write to the same path is refused.
func TestRefusedBookAndWriteNewFile(t *testing.T) {
	s := emptyStore(t, t.TempDir())
	dir := t.TempDir()
	src := filepath.Join(dir, "in.csv")
	csv := "Họ và tên,Ngày sinh,Giới tính,Số hộ,Quan hệ với chủ hộ,Dân tộc\n" +
		"Nguyễn Văn An,01/02/1980,Nam,0769-000001,Chủ hộ,Kinh\n" +
		"Lò Thị Bình,31/02/1985,Nữ,0769-000001,Vợ,Kinh\n"
	if err := os.WriteFile(src, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	b := report.NewRefusedBook("en")
	defer b.Close()
	rep, err := s.ImportFile(src, storage.ImportOptions{Lang: "en", DryRun: true, OnHeader: b.Header, OnRefused: b.Row})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rejected) != 1 || b.Rows() != 1 {
		t.Fatalf("rejected %+v, book rows %d", rep.Rejected, b.Rows())
	}
	out := filepath.Join(dir, "refused.xlsx")
	write := func(w io.Writer) error { _, err := b.WriteTo(w); return err }
	if _, err := report.WriteNewFile(out, write); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0][6] != storage.RefusedLineHeader("en") || rows[1][0] != "Lò Thị Bình" || rows[1][6] != "3" ||
		!strings.Contains(strings.ToLower(rows[1][7]), "date") {
		t.Errorf("rows %q", rows)
	}
	if _, err := report.WriteNewFile(out, write); !errors.Is(err, report.ErrFileExists) {
		t.Errorf("writing over a file: %v", err)
	}
	if _, err := report.WriteNewFile(filepath.Join(dir, "no", "such.xlsx"), write); err == nil {
		t.Error("wrote into a missing directory")
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*tmp-*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
