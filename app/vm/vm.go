// Package vm holds the view models of the desktop app: the state each
// screen shows and what the officer can do there, with no widgets. Screens
// in app/ui are thin layers over them; the tests here drive them as an
// officer would, without a display.
//
// Threading: methods are called from the UI goroutine. Work that may take
// long (opening a store, searching) runs on its own goroutine and hands its
// result back through the [Do] the view model was given: fyne.Do in the app,
// [Now] in tests. View models guard their state with a mutex so a test may
// read it from any goroutine.
package vm

import (
	"errors"
	"strings"
	"sync"

	"github.com/communekit/communekit/app/i18n"
	"github.com/communekit/communekit/storage"
)

// Do runs f on the UI goroutine.
type Do func(f func())

// Now runs f at once, on the caller's goroutine: the Do of tests.
func Now(f func()) { f() }

// notifier tells the screen that a view model changed.
type notifier struct {
	mu sync.Mutex
	fs []func()
}

// OnChange registers f to run after every change. It runs on the goroutine
// that made the change: for background results, inside the view model's Do.
func (n *notifier) OnChange(f func()) {
	n.mu.Lock()
	n.fs = append(n.fs, f)
	n.mu.Unlock()
}

func (n *notifier) changed() {
	n.mu.Lock()
	fs := append([]func(){}, n.fs...)
	n.mu.Unlock()
	for _, f := range fs {
		f()
	}
}

// Tr is the translation layer the view models speak through.
type Tr = *i18n.Bundle

// GCPercent is the garbage collector's target (GOGC) the app sets once a
// profile is unlocked: the heap may grow to 1.5 times what is live between
// collections, not twice. With 100,000 persons about 51 MB is live (Fyne's
// fonts, Badger's caches and memtable, the reference units); at the default
// of 100 the Go runtime held 104-109 MB after an officer's first minutes,
// at 50 it holds 82-84 MB (communekit --measure), for 34 collections
// instead of 18 over that time (0.29 s of CPU instead of 0.16 s). Lower
// values saved less per collection added (30: 75 MB, 52 collections), and
// a memory limit (GOMEMLIMIT) would make the collector run without pause
// whenever what is live nears it, as during a large import.
const GCPercent = 50

// errText is err in words an officer can act on: the store's answers
// that are the officer's to fix (a full disk) and the file system's (a
// USB stick missing, locked or full: fileErrText) in the officer's
// language, anything else as it is.
func errText(tr Tr, err error) string {
	var df *storage.DiskFullError
	if errors.As(err, &df) {
		return tr.T("store.disk_full", df.FreeMB(), df.NeedMB())
	}
	if s, ok := fileErrText(tr, err); ok {
		// Said inside a sentence ("Xuất không thành công: %s. Hãy …").
		return strings.TrimSuffix(s, ".")
	}
	return err.Error()
}
