package ui

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/xuri/excelize/v2"

	"github.com/communekit/communekit/app/i18n"
	"github.com/communekit/communekit/app/vm"
)

// sheetFile writes a register of n persons with a column no field is
// known by ("Nơi ở cũ") and one row whose birth date does not exist.
func sheetFile(t *testing.T, dir string, n int) string {
	t.Helper()
	given := []string{"An", "Bình", "Cường", "Dũng", "Đức", "Giang", "Hải", "Khoa"}
	var b strings.Builder
	b.WriteString("STT,Họ và tên,Ngày sinh,Giới tính,Dân tộc,Số hộ,Quan hệ với chủ hộ,Nơi ở cũ\n")
	for i := 0; i < n; i++ {
		rel := "Con"
		if i == 0 {
			rel = "Chủ hộ"
		}
		b.WriteString(strings.Join([]string{strconv.Itoa(i + 1), "Nguyễn " + given[i/8] + " " + given[i%8],
			"0" + strconv.Itoa(1+i%9) + "/03/19" + strconv.Itoa(60+i%30), "Nam", "Kinh", "0769-000900", rel, "Thôn Cũ"}, ",") + "\n")
	}
	b.WriteString("99,Lò Thị Sai,31/02/1990,Nữ,Thái,0769-000900,Con,\n")
	p := filepath.Join(dir, "danh-sach.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSheetImportScreen: the file typed and Enter shows its columns, the
// unknown one marked and Import disabled; skipping it by hand enables
// Check, which lists the refused row; its rows are saved as .xlsx; an
// import stopped after two chunks says how many were saved, and the same
// file imported again skips them.
func TestSheetImportScreen(t *testing.T) {
	a := test.NewTempApp(t)
	_, s := newUIProfile(t)
	// An unbuffered queue: a background report waits for the test to run
	// it, so the test can stop the import between two chunks.
	q := queue(make(chan func()))
	w := a.NewWindow("test")
	w.Resize(fyne.NewSize(1366, 768))
	ui := New(w, i18n.MustLoad(), Config{Dir: t.TempDir(), Options: uiOpts, Do: q.post})
	w.Show()
	ui.unlocked(s, time.Now())
	t.Cleanup(func() {
		done := make(chan struct{})
		go func() { ui.Close(); close(done) }()
		for {
			select {
			case <-done:
				return
			case f := <-q:
				f()
			}
		}
	})
	until := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			if ok() {
				return
			}
			// One report at a time: the import waits at its next one.
			select {
			case f := <-q:
				f()
			case <-time.After(5 * time.Millisecond):
			}
		}
		t.Fatalf("%s: not within 20 s; screen says %q", what, ui.sheetPage.data.Message)
	}
	dir := t.TempDir()
	path := sheetFile(t, dir, 40)

	ui.showSheetImport()
	p := ui.sheetPage
	if p == nil || !hasText(w.Content(), "Nhập danh sách nhân khẩu") {
		t.Fatal("the screen is not shown")
	}
	test.Type(p.file, path)
	p.file.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	until("preview", func() bool { return p.data.Stage == vm.SheetPreviewed })
	if !p.run.Disabled() || !hasText(w.Content(), "Nơi ở cũ") || !strings.Contains(p.message.Text, "Nơi ở cũ") {
		t.Fatalf("an unknown column: import enabled %v, message %q", !p.run.Disabled(), p.message.Text)
	}
	screenshot(t, w, "sheet-import-unknown-column")
	// Column H skipped by hand.
	if len(p.columns.Objects) != 8 {
		t.Fatalf("%d columns shown, want 8", len(p.columns.Objects))
	}
	p.columns.Objects[7].(*fyne.Container).Objects[1].(*keySelect).SetSelectedIndex(0)
	until("mapped", func() bool { return p.data.Ready })

	test.Tap(p.check)
	until("checked", func() bool { return p.data.Stage == vm.SheetChecked })
	if p.refused.Length() != 1 || !strings.Contains(p.message.Text, "40 người hợp lệ") {
		t.Fatalf("check: %d refused, %q", p.refused.Length(), p.message.Text)
	}
	if !hasText(p.refused, "Dòng 42") {
		t.Error("the refused row's line is not shown")
	}
	screenshot(t, w, "sheet-import-checked")
	out := filepath.Join(dir, "tu-choi.xlsx")
	p.refusedPath.SetText(out)
	test.Tap(p.saveRefused)
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatalf("refused rows: %v (%q)", err, p.saveNote.Text)
	}
	rows, _ := f.GetRows(f.GetSheetList()[0])
	f.Close()
	if len(rows) != 2 || rows[1][1] != "Lò Thị Sai" {
		t.Errorf("refused workbook %q", rows)
	}

	// Import, stopped once ten persons are saved.
	p.vm.Chunk = 5
	test.Tap(p.run)
	until("ten saved", func() bool { return p.data.Saved >= 10 })
	if !p.stop.Visible() {
		t.Error("no Stop button while importing")
	}
	screenshot(t, w, "sheet-import-importing")
	test.Tap(p.stop)
	until("stopped", func() bool { return p.data.Stage == vm.SheetImported })
	n, _, _ := s.Counts()
	if !p.data.Cancelled || n >= 40 || !strings.Contains(p.message.Text, strconv.Itoa(n)+" người đã được lưu") {
		t.Fatalf("stopped with %d saved: %q", n, p.message.Text)
	}
	screenshot(t, w, "sheet-import-stopped")
	test.Tap(p.run)
	until("imported again", func() bool { return p.data.Stage == vm.SheetImported && !p.data.Cancelled })
	if m, _, _ := s.Counts(); m != 40 || !strings.Contains(p.message.Text, "Đã nhập "+strconv.Itoa(40-n)+" người") {
		t.Fatalf("second import: %d persons, %q", m, p.message.Text)
	}
	screenshot(t, w, "sheet-import-done")
}
