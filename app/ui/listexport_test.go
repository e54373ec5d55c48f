package ui

import (
	"bytes"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/xuri/excelize/v2"

	"github.com/communekit/communekit/app/i18n"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/fold"
	"github.com/communekit/communekit/storage/gen"
)

// uiApp starts the app in Fyne's test driver on store s at 1366×768,
// with a queue of background reports; until runs them until ok.
func uiApp(t *testing.T, s *storage.Store) (*App, fyne.Window, func(string, func() bool)) {
	t.Helper()
	a := test.NewTempApp(t)
	q := queue(make(chan func(), 1000))
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
			select {
			case f := <-q:
				f()
			case <-time.After(5 * time.Millisecond):
			}
		}
		t.Fatalf("%s: not within 20 s", what)
	}
	return ui, w, until
}

// genCommune fills s with a generated commune of n persons.
func genCommune(t *testing.T, s *storage.Store, n int) {
	t.Helper()
	c, err := gen.Generate(gen.Options{Commune: "12472", Persons: n, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := gen.WriteCSV(&buf, c, 7); err != nil {
		t.Fatal(err)
	}
	if rep, err := s.ImportPersons(&buf, storage.ImportOptions{}); err != nil || len(rep.Rejected) > 0 {
		t.Fatalf("import: %v %+v", err, rep)
	}
}

// TestListExportScreen: the officer chooses a hamlet and two columns,
// types the file's name and presses Export; the screen says how many
// persons it wrote and where, and the .xlsx opened back holds them; the
// households' list leaves the persons' filters disabled.
func TestListExportScreen(t *testing.T) {
	_, s := newUIProfile(t)
	genCommune(t, s, 200)
	ui, w, until := uiApp(t, s)

	ui.showListExport()
	p := ui.listPage
	if p == nil || !hasText(w.Content(), "Xuất danh sách nhân khẩu") {
		t.Fatal("the screen is not shown")
	}
	until("hamlets", func() bool { return len(p.hamlets) > 1 })
	screenshot(t, w, "list-export")
	p.hamlet.SetSelectedIndex(2)
	hamlet := p.hamlets[1]
	test.Tap(p.none)
	var name, id *keyCheck
	for i, f := range p.fieldIDs {
		switch f {
		case storage.FieldFullName:
			name = p.fields[i]
		case storage.FieldIDNumber:
			id = p.fields[i]
		}
	}
	test.Tap(name)
	test.Tap(id)
	want := 0
	s.ScanPersons(func(p *storage.Person) error {
		if fold.Fold(storage.HamletOf(p)) == fold.Fold(hamlet) {
			want++
		}
		return nil
	})
	out := filepath.Join(t.TempDir(), "danh-sach-thon.xlsx")
	p.file.SetText("")
	test.Type(p.file, out)
	test.Tap(p.run)
	until("written", func() bool {
		return strings.HasPrefix(p.message.Text, "Đã ghi") || p.message.Importance == widget.DangerImportance
	})
	if p.message.Text != "Đã ghi "+strconv.Itoa(want)+" người vào "+out {
		t.Fatalf("message %q, want %d persons in %s", p.message.Text, want, out)
	}
	screenshot(t, w, "list-export-written")
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows(f.GetSheetList()[0])
	f.Close()
	if len(rows) != want+1 || len(rows[0]) != 2 || rows[0][1] != storage.FieldFullName.Label("vi") {
		t.Fatalf("%d rows, header %q", len(rows), rows[0])
	}
	if p.file.Text == out {
		t.Error("the path of the file written is offered again")
	}

	// Households: the persons' filters are off, CSV is not offered.
	p.format.SetSelected(p.format.Options[1])
	p.kind.SetSelected(p.kind.Options[1])
	if !p.status.Disabled() || !name.Disabled() || !p.format.Disabled() || p.csv() || !p.householdsNote.Visible() {
		t.Error("households: the persons' filters or CSV are still offered")
	}
	if filepath.Ext(p.file.Text) != ".xlsx" {
		t.Errorf("households to %q", p.file.Text)
	}
	screenshot(t, w, "list-export-households")
	test.Tap(p.run)
	until("households written", func() bool {
		return strings.Contains(p.message.Text, " hộ vào ") || p.message.Importance == widget.DangerImportance
	})
	if p.message.Importance != widget.SuccessImportance {
		t.Fatalf("households: %q", p.message.Text)
	}
}
