package vm

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/communekit/communekit/storage"
)

// TestPrint_SheetsSavedAsNewPDFsAndOpened: a household's sheet, a
// hamlet's round and a person's sheet are saved as PDFs named after them
// through the replaced opener; printing again adds a number instead of
// writing over the first; a household not in the store and a folder that
// does not exist are said so.
func TestPrint_SheetsSavedAsNewPDFsAndOpened(t *testing.T) {
	tr := mustTr(t)
	s := mustStore(t, 120)
	dir := t.TempDir()
	var opened []string
	open := func(p string) error { opened = append(opened, p); return nil }
	hs, err := s.Households()
	if err != nil || len(hs) == 0 {
		t.Fatal(err)
	}
	h := hs[0]
	hamlet := storage.Hamlet(h.AddressDetail)
	var person storage.ID
	s.ScanPersons(func(p *storage.Person) error {
		if person.IsZero() {
			person = p.ID
		}
		return nil
	})
	isPDF := func(what string, r Printed) {
		t.Helper()
		if r.Problem || r.Path == "" || !strings.Contains(r.Message, r.Path) || len(opened) == 0 || opened[len(opened)-1] != r.Path {
			t.Fatalf("%s: %+v, opened %q", what, r, opened)
		}
		b, err := os.ReadFile(r.Path)
		if err != nil || !bytes.HasPrefix(b, []byte("%PDF")) {
			t.Fatalf("%s: %v, starts %q", what, err, b[:min(8, len(b))])
		}
	}
	first := PrintHousehold(tr, s, dir, h.Number, open)
	isPDF("household", first)
	if filepath.Base(first.Path) != "Phiếu hộ "+h.Number+".pdf" {
		t.Errorf("named %q", first.Path)
	}
	again := PrintHousehold(tr, s, dir, h.Number, open)
	isPDF("household again", again)
	if filepath.Base(again.Path) != "Phiếu hộ "+h.Number+" (2).pdf" {
		t.Errorf("second print named %q", again.Path)
	}
	isPDF("hamlet", PrintHamlet(tr, s, dir, hamlet, open))
	r := PrintPerson(tr, s, dir, person, open)
	isPDF("person", r)
	if !strings.HasPrefix(filepath.Base(r.Path), "Phiếu thông tin ") {
		t.Errorf("person's sheet named %q", r.Path)
	}

	n := len(opened)
	if r := PrintHousehold(tr, s, dir, "0000-999999", open); !r.Problem || r.Path != "" || !strings.Contains(r.Message, "0000-999999") {
		t.Errorf("unknown household: %+v", r)
	}
	if r := PrintHousehold(tr, s, filepath.Join(dir, "nowhere"), h.Number, open); !r.Problem || !strings.Contains(r.Message, "nowhere") {
		t.Errorf("no folder: %+v", r)
	}
	if len(opened) != n {
		t.Error("a viewer was opened for a sheet not saved")
	}
	// A viewer that cannot be started: the file is kept and named.
	r = PrintHousehold(tr, s, dir, h.Number, func(string) error { return os.ErrNotExist })
	if r.Problem || r.Path == "" || !strings.Contains(r.Message, r.Path) || !strings.Contains(r.Message, "không mở được") {
		t.Errorf("no viewer: %+v", r)
	}
}
