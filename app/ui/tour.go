package ui

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/software"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/i18n"
	"github.com/communekit/communekit/app/vm"
	"github.com/communekit/communekit/storage"
)

// Tour walks the demo profile through its main screens and writes a PNG of
// the window at each, for the smoke test and for people reviewing the
// layout: unlock, overview, search, a person, the person form, a household,
// the households by hamlet, history, the overview in English, enrolment,
// USB export, then a sync with the demo's district node: under way, done,
// the overview after it, and the sync screen in English, the conflict
// queue, the household split and merge, the import from USB, the settings
// and the lock screen (the app is left locked). It runs on its own
// goroutine and drives the UI through fyne.DoAndWait; it returns the files
// written.
func (a *App) Tour(dir string, passphrase string, settle time.Duration) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var files []string
	shot := func(name string) error {
		time.Sleep(settle)
		var err error
		fyne.DoAndWait(func() {
			img := capture(a.win)
			path := filepath.Join(dir, name+".png")
			var f *os.File
			if f, err = os.Create(path); err != nil {
				return
			}
			defer f.Close()
			if err = png.Encode(f, img); err == nil {
				files = append(files, path)
			}
		})
		return err
	}
	if err := shot("1-unlock"); err != nil {
		return files, err
	}
	opened := make(chan error, 1)
	fyne.DoAndWait(func() {
		u := vm.NewUnlock(a.tr, a.cfg.Dir, a.cfg.Options, fyne.Do)
		started := time.Now()
		u.SubmitAsync(passphrase, func(s *storage.Store) { a.unlocked(s, started); opened <- nil })
	})
	select {
	case err := <-opened:
		if err != nil {
			return files, err
		}
	case <-time.After(30 * time.Second):
		return files, fmt.Errorf("tour: the demo profile did not unlock")
	}
	if err := shot("2-overview"); err != nil {
		return files, err
	}
	fyne.DoAndWait(func() {
		a.focusSearch()
		a.search.entry.SetText("nguyen van")
	})
	if err := shot("3-search"); err != nil {
		return files, err
	}
	var person *storage.Person
	fyne.DoAndWait(func() {
		if len(a.search.results) > 0 {
			if rec, err := vm.OpenRecord(a.tr, a.store, a.search.results[0].ID); err == nil {
				person = rec.Person
			}
			a.search.open(a.search.results[0])
		}
	})
	if person == nil {
		return files, fmt.Errorf("tour: search found no one")
	}
	if err := shot("4-person"); err != nil {
		return files, err
	}
	fyne.DoAndWait(func() {
		f := vm.NewPersonForm(a.tr, a.store, person)
		f.Set(storage.FieldIDNumber, "0331")
		a.push(func() fyne.CanvasObject { return formPage(a, f, nil) })
	})
	if err := shot("5-form"); err != nil {
		return files, err
	}
	fyne.DoAndWait(func() {
		a.popPage() // the tour leaves its forms as typed, without asking
		a.push(func() fyne.CanvasObject { return householdPage(a, person.Get(storage.FieldHouseholdNumber)) })
	})
	if err := shot("6-household"); err != nil {
		return files, err
	}
	fyne.DoAndWait(func() { a.showRoot(func() fyne.CanvasObject { return householdsPage(a) }) })
	time.Sleep(settle)
	fyne.DoAndWait(func() {
		// Choose the first hamlet, as an officer would.
		if l := findList(a.content); l != nil {
			l.Select(0)
		}
	})
	if err := shot("7-households"); err != nil {
		return files, err
	}
	fyne.DoAndWait(func() { a.push(func() fyne.CanvasObject { return historyPage(a, person) }) })
	if err := shot("8-history"); err != nil {
		return files, err
	}
	fyne.DoAndWait(func() {
		a.tr.SetLang(i18n.English)
		a.showRoot(a.overview.view)
	})
	err := shot("9-overview-en")
	fyne.DoAndWait(func() { a.tr.SetLang(i18n.Vietnamese) })
	if err != nil {
		return files, err
	}
	fyne.DoAndWait(a.showEnrolment)
	if err := shot("10-enrolment"); err != nil {
		return files, err
	}
	fyne.DoAndWait(func() { a.showRoot(func() fyne.CanvasObject { return exportPage(a) }) })
	if err := shot("11-export"); err != nil {
		return files, err
	}
	if err := a.tourSync(shot); err != nil {
		return files, err
	}
	err = a.tourHouseholdEvents(shot, person.Get(storage.FieldHouseholdNumber))
	return files, err
}

// tourHouseholdEvents shows the household split with the last two members
// ticked, the merge with another household found, and the import from USB.
func (a *App) tourHouseholdEvents(shot func(string) error, number string) error {
	fyne.DoAndWait(func() {
		a.push(func() fyne.CanvasObject { return householdPage(a, number) })
		s, err := vm.NewSplit(a.tr, a.store, number)
		if err != nil {
			return
		}
		ms := s.Members()
		for i := max(1, len(ms)-2); i < len(ms); i++ {
			s.SetMove(ms[i].ID, true)
		}
		a.push(func() fyne.CanvasObject { return splitPage(a, s) })
	})
	if err := shot("17-split"); err != nil {
		return err
	}
	fyne.DoAndWait(func() {
		a.popPage()
		m, err := vm.NewMerge(a.tr, a.store, number)
		if err != nil {
			return
		}
		if from := vm.MergeSource(a.store, number); from != "" {
			m.SetFrom(from)
		}
		a.push(func() fyne.CanvasObject { return mergePage(a, m) })
	})
	if err := shot("18-merge"); err != nil {
		return err
	}
	fyne.DoAndWait(a.showImport)
	if err := shot("19-import"); err != nil {
		return err
	}
	fyne.DoAndWait(a.showSettings)
	if err := shot("20-settings"); err != nil {
		return err
	}
	// Locked at the end: the app closes at the lock screen.
	fyne.DoAndWait(func() { a.lock(false) })
	return shot("21-locked")
}

// tourSync is the end of the tour: the overview's "Sync now", the sync
// under way and its result, the overview after it, the screen in English.
func (a *App) tourSync(shot func(string) error) error {
	fyne.DoAndWait(func() { a.showSync(true) })
	// Soon after the start: on a first sync of the demo, batches are
	// still on their way.
	if err := shot("12-sync-running"); err != nil {
		return err
	}
	end := time.Now().Add(2 * time.Minute)
	for busy := true; busy && time.Now().Before(end); {
		time.Sleep(200 * time.Millisecond)
		fyne.DoAndWait(func() { busy = a.sync.Data().State.Busy() })
	}
	if err := shot("13-sync-done"); err != nil {
		return err
	}
	fyne.DoAndWait(func() {
		a.showRoot(a.overview.view)
		a.overview.refresh(nil)
	})
	if err := shot("14-overview-synced"); err != nil {
		return err
	}
	fyne.DoAndWait(func() {
		a.tr.SetLang(i18n.English)
		a.showSync(false)
	})
	err := shot("15-sync-en")
	fyne.DoAndWait(func() { a.tr.SetLang(i18n.Vietnamese) })
	if err != nil {
		return err
	}
	fyne.DoAndWait(a.showConflicts)
	return shot("16-conflicts")
}

// capture renders the window's content with Fyne's software painter. The
// GL canvas's own Capture reads the front buffer, which under Xvfb (where
// the smoke test runs) comes back blank; the software painter draws the
// same widgets the same size. The content is put back in the window after.
// One difference: the software painter does not clip a scroll's content,
// so a field just below a scroll's edge can show through in the PNG (the
// person form); the real window clips it.
func capture(w fyne.Window) image.Image {
	content := w.Content()
	size := w.Canvas().Size()
	c := software.NewCanvas()
	c.SetPadded(false)
	c.SetContent(content)
	c.Resize(size)
	img := c.Capture()
	w.SetContent(content)
	w.Canvas().Refresh(content)
	return img
}

// findList returns the first list in o (the hamlets of the households page).
func findList(o fyne.CanvasObject) *widget.List {
	switch x := o.(type) {
	case *widget.List:
		return x
	case *keyList:
		return &x.List
	case *fyne.Container:
		for _, c := range x.Objects {
			if l := findList(c); l != nil {
				return l
			}
		}
	case *container.Split:
		if l := findList(x.Leading); l != nil {
			return l
		}
		return findList(x.Trailing)
	}
	return nil
}
