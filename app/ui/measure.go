package ui

import (
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
)

// The hooks below serve `communekit --measure`, which measures the app's
// figures of DESIGN.md §10 (unlock to overview, memory) and search as you
// type on the real window. They drive it as an officer does: keys typed
// into the unlock screen's passphrase entry, then into the search entry,
// so that what is timed is the path an officer waits on. They run on their
// own goroutine and touch widgets only through fyne.DoAndWait.

// UnlockMeasure is what MeasureUnlock saw.
type UnlockMeasure struct {
	// ToOverview is from Enter on the unlock screen to the overview shown
	// with its figures: key derivation, opening the store and counting
	// included (what Config.OnUnlocked is told).
	ToOverview time.Duration
	// Persons and Households are the overview's figures.
	Persons, Households int
}

// MeasureUnlock waits for the unlock screen, types passphrase into its
// entry and presses Enter, and waits for the overview.
func (a *App) MeasureUnlock(passphrase string, timeout time.Duration) (UnlockMeasure, error) {
	var m UnlockMeasure
	// The unlock screen focuses its entry once it is in the window.
	var entry *keyEntry
	for end := time.Now().Add(timeout); entry == nil; time.Sleep(20 * time.Millisecond) {
		fyne.DoAndWait(func() {
			if e, ok := a.win.Canvas().Focused().(*keyEntry); ok && e.Password {
				entry = e
			}
		})
		if entry == nil && time.Now().After(end) {
			return m, errors.New("measure: no unlock screen with its passphrase entry focused")
		}
	}
	shown := make(chan time.Duration, 1)
	fyne.DoAndWait(func() {
		told := a.cfg.OnUnlocked
		a.cfg.OnUnlocked = func(d time.Duration) {
			if told != nil {
				told(d)
			}
			select {
			case shown <- d:
			default:
			}
		}
		for _, r := range passphrase {
			entry.TypedRune(r)
		}
		entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	})
	select {
	case m.ToOverview = <-shown:
	case <-time.After(timeout):
		return m, fmt.Errorf("measure: no overview %v after Enter on the unlock screen", timeout)
	}
	fyne.DoAndWait(func() {
		d := a.overview.vm.Data()
		m.Persons, m.Households = d.Persons, d.Households
	})
	return m, nil
}

// MeasureSearch opens search, types query into its entry a key at a time,
// gap apart, and waits for the results of the whole query. It returns the
// time from the last key to those results handed to the screen (what
// vm.Search.Latency measures) and how many there are. The entry is emptied
// first; the app must be unlocked.
func (a *App) MeasureSearch(query string, gap, timeout time.Duration) (time.Duration, int, error) {
	ok := false
	fyne.DoAndWait(func() {
		if a.search == nil {
			return
		}
		ok = true
		a.focusSearch()
		a.search.entry.SetText("")
	})
	if !ok {
		return 0, 0, errors.New("measure: search before unlock")
	}
	// The emptied entry's own query comes back first.
	if err := a.awaitResults("", timeout); err != nil {
		return 0, 0, err
	}
	rs := []rune(query)
	for i, r := range rs {
		if i > 0 {
			time.Sleep(gap)
		}
		fyne.DoAndWait(func() { a.search.entry.TypedRune(r) })
	}
	if err := a.awaitResults(query, timeout); err != nil {
		return 0, 0, err
	}
	res, _ := a.search.vm.Results()
	return a.search.vm.Latency(), len(res), nil
}

// awaitResults waits until the search results answer query. Reading them
// from this goroutine is safe: the view model guards them.
func (a *App) awaitResults(query string, timeout time.Duration) error {
	for end := time.Now().Add(timeout); ; time.Sleep(time.Millisecond) {
		if _, q := a.search.vm.Results(); q == query {
			return nil
		}
		if time.Now().After(end) {
			return fmt.Errorf("measure: no results for %q within %v", query, timeout)
		}
	}
}
