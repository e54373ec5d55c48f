package ui

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/i18n"
	"github.com/communekit/communekit/storage"
)

const uiPass = "mot hai ba bon nam"

// uiOpts are the store options of the UI tests (a fast key derivation).
var uiOpts = storage.Options{WorkFactor: 10, GCInterval: -1}

// newUIProfile makes a commune profile for a UI test and returns its
// directory and the open store.
func newUIProfile(t *testing.T) (string, *storage.Store) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "p")
	s, err := storage.Create(dir, []byte(uiPass), storage.Profile{Commune: "12472", Officer: "Lê Văn Tâm"}, uiOpts)
	if err != nil {
		t.Fatal(err)
	}
	return dir, s
}

// TestUnlockThenSearchByKeyboard drives the real screens in Fyne's test
// driver: type the passphrase and Enter, then Ctrl+F and a name.
func TestUnlockThenSearchByKeyboard(t *testing.T) {
	a := test.NewTempApp(t)
	opts := uiOpts
	dir, s := newUIProfile(t)
	if _, err := s.AddPerson(storage.Values{storage.FieldFullName: "Đặng Văn Đức", storage.FieldBirthDate: "1990",
		storage.FieldSex: "Nam", storage.FieldEthnicity: "01"}, storage.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	w := a.NewWindow("test")
	w.Resize(fyne.NewSize(1366, 768))
	ui := New(w, i18n.MustLoad(), Config{Dir: dir, Options: opts, DemoPassphrase: uiPass, Do: uiQueue.post})
	ui.Start()
	w.Show()
	defer ui.Close()

	if !hasText(w.Content(), "Mật khẩu: "+uiPass) {
		t.Fatal("unlock screen does not show the demo passphrase")
	}
	pass := find[*keyEntry](w.Content())
	if pass == nil {
		t.Fatal("no passphrase entry")
	}
	test.Type(pass, "sai")
	pass.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	waitFor(t, func() bool { return hasText(w.Content(), "Mật khẩu không đúng") })
	test.Type(pass, uiPass)
	pass.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	waitFor(t, func() bool { return ui.Store() != nil && hasText(w.Content(), "Tổng quan: Xã Quỳnh Phụ") })

	ui.keys.doFind()
	if w.Canvas().Focused() != ui.search.entry {
		t.Fatal("Ctrl+F did not focus the search entry")
	}
	test.Type(ui.search.entry, "dang van d")
	waitFor(t, func() bool { return len(ui.search.results) == 1 })
	// Enter opens the first result; Esc comes back.
	ui.search.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if !hasText(w.Content(), "Lịch sử thay đổi") {
		t.Fatal("Enter did not open the person")
	}
	ui.keys.doEscape()
	if hasText(w.Content(), "Lịch sử thay đổi") {
		t.Fatal("Esc did not go back")
	}
}

// uiQueue stands in for the UI goroutine: the test goroutine runs what
// background work posts, between its own steps.
var uiQueue = queue(make(chan func(), 1000))

type queue chan func()

func (q queue) post(f func()) { q <- f }

func (q queue) drain() {
	for {
		select {
		case f := <-q:
			f()
		default:
			return
		}
	}
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		uiQueue.drain()
		if ok() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("condition not met within 10 s")
}

// hasText reports whether a label under o contains s.
func hasText(o fyne.CanvasObject, s string) bool {
	found := false
	walk(o, func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Label:
			found = found || strings.Contains(x.Text, s)
		case *widget.Button:
			found = found || strings.Contains(x.Text, s)
		case *keyButton:
			found = found || strings.Contains(x.Text, s)
		case *widget.Card:
			found = found || strings.Contains(x.Title, s) || strings.Contains(x.Subtitle, s)
		}
	})
	return found
}

// asButton is o as a button: one of Fyne's or the app's keyButton.
func asButton(o fyne.CanvasObject) (*widget.Button, bool) {
	switch b := o.(type) {
	case *widget.Button:
		return b, true
	case *keyButton:
		return &b.Button, true
	}
	return nil, false
}

func find[T fyne.CanvasObject](o fyne.CanvasObject) T {
	var out T
	var done bool
	walk(o, func(o fyne.CanvasObject) {
		if x, ok := o.(T); ok && !done {
			out, done = x, true
		}
	})
	return out
}

func walk(o fyne.CanvasObject, f func(fyne.CanvasObject)) {
	if o == nil {
		return
	}
	f(o)
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			walk(c, f)
		}
	case *widget.Card:
		walk(x.Content, f)
	case fyne.Widget:
		r := test.WidgetRenderer(x)
		if r == nil {
			return
		}
		for _, c := range r.Objects() {
			walk(c, f)
		}
	}
}

// TestUnlock_ProfileOpenElsewhereIsSaidOnScreen: the app started while the
// profile is open elsewhere (kitctl, a second window) shows why, in full,
// on the unlock screen (COMMUNEKIT_SCREENSHOTS=DIR keeps a picture).
func TestUnlock_ProfileOpenElsewhereIsSaidOnScreen(t *testing.T) {
	a := test.NewTempApp(t)
	opts := uiOpts
	dir, s := newUIProfile(t)
	defer s.Close() // held open, as kitctl would
	w := a.NewWindow("test")
	w.Resize(fyne.NewSize(1366, 768))
	ui := New(w, i18n.MustLoad(), Config{Dir: dir, Options: opts, Do: uiQueue.post})
	ui.Start()
	w.Show()
	defer ui.Close()
	pass := find[*keyEntry](w.Content())
	test.Type(pass, uiPass)
	pass.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	waitFor(t, func() bool { return hasText(w.Content(), "đang được mở trong một chương trình khác") })
	if ui.Store() != nil {
		t.Fatal("unlocked a profile open elsewhere")
	}
	screenshot(t, w, "unlock-in-use")
}
