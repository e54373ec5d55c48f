package ui

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/storage"
)

// buttonText finds the button showing text under o.
func buttonText(o fyne.CanvasObject, text string) *widget.Button {
	var b *widget.Button
	walk(o, func(c fyne.CanvasObject) {
		if x, ok := asButton(c); ok && x.Text == text && b == nil {
			b = x
		}
	})
	return b
}

// TestPrintButtons: "In phiếu hộ" on a household's page, "In phiếu" on a
// person's and "In cả thôn" on the households screen save PDFs in the
// documents folder and open them through the replaced opener (no viewer
// is launched); the page says where each was saved.
func TestPrintButtons(t *testing.T) {
	_, s := newUIProfile(t)
	genCommune(t, s, 120)
	ui, w, until := uiApp(t, s)
	docs := t.TempDir()
	ui.docsDir = docs
	var mu sync.Mutex
	var opened []string
	ui.open = func(p string) error { mu.Lock(); opened = append(opened, p); mu.Unlock(); return nil }
	last := func() string { mu.Lock(); defer mu.Unlock(); return opened[len(opened)-1] }
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(opened) }
	isPDF := func(what, path string) {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil || !bytes.HasPrefix(b, []byte("%PDF")) || filepath.Dir(path) != docs {
			t.Fatalf("%s: %s: %v", what, path, err)
		}
		if !hasText(w.Content(), path) {
			t.Errorf("%s: the page does not say where it was saved", what)
		}
	}
	hs, _ := s.Households()
	number := hs[0].Number

	// A household's sheet.
	ui.push(func() fyne.CanvasObject { return householdPage(ui, number) })
	b := buttonText(w.Content(), "In phiếu hộ")
	if b == nil {
		t.Fatal("no print button on the household's page")
	}
	test.Tap(b)
	until("household printed", func() bool { return count() == 1 })
	until("said", func() bool { return hasText(w.Content(), "Đã lưu") })
	isPDF("household", last())
	if !strings.Contains(filepath.Base(last()), number) {
		t.Errorf("household sheet named %q", last())
	}
	screenshot(t, w, "print-household")

	// A person's sheet.
	m, _ := s.Members(number)
	ui.push(func() fyne.CanvasObject { return personPage(ui, m[0].ID) })
	test.Tap(buttonText(w.Content(), "In phiếu"))
	until("person printed", func() bool { return count() == 2 })
	until("said", func() bool { return hasText(w.Content(), "Đã lưu") })
	isPDF("person", last())
	screenshot(t, w, "print-person")

	// A hamlet's round.
	screen := newHouseholdsScreen(ui)
	ui.showRoot(screen.view)
	if !screen.printRound.Disabled() {
		t.Error("the round can be printed with no hamlet chosen")
	}
	until("hamlets", func() bool { return len(screen.hamlets) > 0 })
	hamlet := storage.Hamlet(hs[0].AddressDetail)
	for i, h := range screen.hamlets {
		if h.Name == hamlet {
			screen.hamletList.Select(i)
		}
	}
	if screen.hamlet != hamlet || screen.printRound.Disabled() {
		t.Fatalf("hamlet %q chosen, print enabled %v", screen.hamlet, !screen.printRound.Disabled())
	}
	test.Tap(screen.printRound)
	until("round printed", func() bool { return count() == 3 })
	until("said", func() bool { return hasText(w.Content(), "Đã lưu") })
	isPDF("round", last())
	if !strings.Contains(filepath.Base(last()), hamlet) {
		t.Errorf("round named %q", last())
	}
	screenshot(t, w, "print-hamlet")
}
