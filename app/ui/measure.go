package ui

import (
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
)

// The hooks below serve `communekit --measure`, which measures the app's
// figures of the README's "Figures" (unlock to overview, memory) and search as you
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
	entry, err := a.unlockEntry(timeout)
	if err != nil {
		return m, err
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

// WaitUnlockScreen waits for the unlock screen, ready for the passphrase.
func (a *App) WaitUnlockScreen(timeout time.Duration) error {
	_, err := a.unlockEntry(timeout)
	return err
}

// unlockEntry waits for the unlock screen's passphrase entry: the screen
// focuses it once it is in the window.
func (a *App) unlockEntry(timeout time.Duration) (*keyEntry, error) {
	var entry *keyEntry
	for end := time.Now().Add(timeout); entry == nil; time.Sleep(20 * time.Millisecond) {
		fyne.DoAndWait(func() {
			if e, ok := a.win.Canvas().Focused().(*keyEntry); ok && e.Password {
				entry = e
			}
		})
		if entry == nil && time.Now().After(end) {
			return nil, errors.New("measure: no unlock screen with its passphrase entry focused")
		}
	}
	return entry, nil
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
		// Emptied as an officer would: the query shown again is
		// selected (back from a person), and SetText would leave that
		// selection to swallow the first letter typed.
		a.search.entry.TypedShortcut(&fyne.ShortcutSelectAll{})
		a.search.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
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

// HouseholdsMeasure is what MeasureHouseholds saw.
type HouseholdsMeasure struct {
	// Hamlet is the hamlet chosen (the one with the most households) and
	// Households how many it has.
	Hamlet     string
	Households int
	// FirstPage is from choosing the hamlet to its first rows shown with
	// their heads.
	FirstPage time.Duration
}

// MeasureHouseholds opens the households screen, chooses the hamlet with
// the most households, waits for its first rows with their heads, opens
// its first household and returns to the overview. The app must be
// unlocked.
func (a *App) MeasureHouseholds(timeout time.Duration) (HouseholdsMeasure, error) {
	var m HouseholdsMeasure
	var p *householdsScreen
	fyne.DoAndWait(func() {
		if a.store != nil {
			p = newHouseholdsScreen(a)
			a.showRoot(p.view)
		}
	})
	if p == nil {
		return m, errors.New("measure: households before unlock")
	}
	end := time.Now().Add(timeout)
	big := -1
	for ; big < 0; time.Sleep(5 * time.Millisecond) {
		fyne.DoAndWait(func() {
			for i, h := range p.hamlets {
				if big < 0 || h.Households > p.hamlets[big].Households {
					big = i
				}
			}
		})
		if big < 0 && time.Now().After(end) {
			return m, errors.New("measure: no hamlets listed")
		}
	}
	t0 := time.Now()
	fyne.DoAndWait(func() {
		m.Hamlet, m.Households = p.hamlets[big].Name, p.hamlets[big].Households
		p.hamletList.Select(big)
	})
	// The list asks for the heads of the rows it draws; wait until the
	// first row has its head.
	for read := false; !read; time.Sleep(time.Millisecond) {
		fyne.DoAndWait(func() { read = p.list != nil && p.list.Len() > 0 && p.list.Row(0).Read })
		if !read && time.Now().After(end) {
			return m, fmt.Errorf("measure: the heads of hamlet %q not read within %v", m.Hamlet, timeout)
		}
	}
	m.FirstPage = time.Since(t0)
	fyne.DoAndWait(func() { p.hhList.Select(0) })
	fyne.DoAndWait(func() {
		a.showRoot(a.overview.view)
		a.overview.refresh(nil)
	})
	return m, nil
}

// MeasureReports opens the statistics screen from the overview and
// returns the time until its tables and charts are on screen (the
// computation off the UI goroutine, the widgets built, then a frame of the
// window drawn); then the same for the data-quality screen, until its
// worklist is listed. The app must be unlocked.
func (a *App) MeasureReports(timeout time.Duration) (stats, quality time.Duration, err error) {
	ok := false
	t0 := time.Now()
	fyne.DoAndWait(func() {
		if a.store != nil {
			ok = true
			a.showStats()
		}
	})
	if !ok {
		return 0, 0, errors.New("measure: statistics before unlock")
	}
	end := time.Now().Add(timeout)
	for drawn := false; !drawn; time.Sleep(time.Millisecond) {
		fyne.DoAndWait(func() {
			p := a.stats
			drawn = p.built != nil && p.built == p.vm.Data().Stats && !p.vm.Data().Loading
		})
		if !drawn && time.Now().After(end) {
			return 0, 0, fmt.Errorf("measure: no statistics within %v", timeout)
		}
	}
	fyne.DoAndWait(func() { a.win.Canvas().Refresh(a.content) })
	fyne.DoAndWait(func() {}) // the frame with the tables drawn
	stats = time.Since(t0)

	t0 = time.Now()
	fyne.DoAndWait(a.showQuality)
	for listed := false; !listed; time.Sleep(time.Millisecond) {
		fyne.DoAndWait(func() {
			st := a.quality.vm.State()
			listed = st.Loaded && !st.Loading
		})
		if !listed && time.Now().After(end) {
			return stats, 0, fmt.Errorf("measure: no worklist within %v", timeout)
		}
	}
	fyne.DoAndWait(func() {})
	quality = time.Since(t0)
	fyne.DoAndWait(func() {
		a.showRoot(a.overview.view)
		a.overview.refresh(nil)
	})
	return stats, quality, nil
}
