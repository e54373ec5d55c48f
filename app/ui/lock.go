package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/vm"
	"github.com/communekit/communekit/storage"
)

// gatedSearch is the store as the search screen reads it: a search waits
// while the app is locked, and a lock waits for a search under way.
type gatedSearch struct {
	a *App
	s *storage.Store
}

func (g gatedSearch) Search(query string, limit int) ([]storage.Hit, error) {
	g.a.gate.RLock()
	defer g.a.gate.RUnlock()
	return g.s.Search(query, limit)
}

// The lock: Ctrl+L, the navigation's "Khóa" button, or the idle time
// (vm.Idle, set in the settings) close the store (storage's Lock: Badger
// closed, the keys dropped) and show the unlock screen. The screens stay in
// memory, off screen, as they were — the page stack, a form being filled
// in with what was typed, an open dialog, the focus — and the passphrase
// opens the same store again in place (storage's Reopen), so the officer
// is back where they were. Nothing is asked before locking: the idle lock
// comes when nobody is there to answer, and a form kept in memory is no
// more exposed than it was on screen a moment before, while saving it
// half-filled would write a record the officer has not checked.

// lockShortcut is Ctrl+L.
var lockShortcut = &desktop.CustomShortcut{KeyName: fyne.KeyL, Modifier: fyne.KeyModifierShortcutDefault}

// idleCheckEvery is how often the idle time is looked at.
const idleCheckEvery = 5 * time.Second

// lockedState is what a lock put aside, to put back on unlock.
type lockedState struct {
	content  fyne.CanvasObject   // the window's content
	overlays []fyne.CanvasObject // dialogs open over it, bottom first
	focus    fyne.Focusable
	keys     keys // the app-wide keys as the page shown had set them
	syncing  bool // a sync was under way: it starts again
	lang     string
	idle     bool // the idle time locked the app
}

// Locked reports whether the app is locked.
func (a *App) Locked() bool { return a.locked != nil }

// lock closes the store and shows the unlock screen; idle says the idle
// time locked it.
func (a *App) lock(idle bool) {
	if a.store == nil || a.locked != nil {
		return
	}
	c := a.win.Canvas()
	st := &lockedState{content: a.win.Content(), focus: c.Focused(), keys: *a.keys, lang: a.tr.Lang(), idle: idle}
	st.overlays = append(st.overlays, c.Overlays().List()...)
	for _, o := range st.overlays {
		c.Overlays().Remove(o)
	}
	c.Unfocus()
	y := a.sync
	if y != nil && y.Data().State.Busy() {
		// Stopped before the store closes; it starts again on unlock.
		st.syncing = true
		y.Cancel()
	}
	a.locked = st
	// Off screen at once; the store closes once the reads under way end
	// (a long one, a spreadsheet import, goes on to its end first).
	s, done := a.store, make(chan struct{})
	a.lockDone = done
	go func() {
		if y != nil {
			y.Wait()
		}
		a.gate.Lock()
		s.Lock()
		close(done)
	}()
	a.showLocked()
}

// reopen opens the locked store again with passphrase, once it is closed,
// and lets the reads go on. It runs off the UI goroutine.
func (a *App) reopen(s *storage.Store, done <-chan struct{}) func([]byte) error {
	return func(passphrase []byte) error {
		<-done
		if err := s.Reopen(passphrase, a.cfg.Options); err != nil {
			return err
		}
		a.gate.Unlock()
		return nil
	}
}

// showLocked shows the unlock screen of the locked store.
func (a *App) showLocked() {
	u := vm.NewRelock(a.tr, a.cfg.Dir, a.store, a.reopen(a.store, a.lockDone), a.do)
	u.DemoPassphrase = a.cfg.DemoPassphrase
	a.keys.escape, a.keys.find, a.keys.sync, a.keys.enter, a.keys.lock = nil, nil, nil, nil, nil
	a.setWindow(unlockScreen(a, u))
}

// relocked puts back what the lock put aside, once the store is open
// again.
func (a *App) relocked() {
	st := a.locked
	if st == nil {
		return
	}
	a.locked = nil
	a.idle.Touch()
	*a.keys = st.keys
	if st.lang != a.tr.Lang() {
		// The language changed on the unlock screen: the navigation in
		// the new one, and the page too unless it may hold typing.
		a.buildShell()
		if a.leaving == nil {
			a.show()
		}
	} else {
		a.win.SetContent(st.content)
	}
	c := a.win.Canvas()
	for _, o := range st.overlays {
		c.Overlays().Add(o)
	}
	if st.focus != nil {
		c.Focus(st.focus)
	}
	if st.syncing {
		a.sync.Start()
		a.navSyncShow()
	}
	if a.overview != nil {
		a.overview.refresh(nil)
	}
}

// touch records a key or mouse event: the idle time counts from it.
func (a *App) touch() {
	if a.idle != nil {
		a.idle.Touch()
	}
}

// checkIdle locks the app when the officer has been idle for the idle
// time. It runs on the UI goroutine.
func (a *App) checkIdle() {
	if a.opened.Load() && a.locked == nil && a.idle.Due() {
		a.lock(true)
	}
}

// watchIdle looks at the idle time every idleCheckEvery until Close.
func (a *App) watchIdle() {
	if a.idleStop != nil || a.cfg.IdleCheck < 0 {
		return
	}
	every := a.cfg.IdleCheck
	if every == 0 {
		every = idleCheckEvery
	}
	stop := make(chan struct{})
	a.idleStop = stop
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				a.do(a.checkIdle)
			}
		}
	}()
}

// activity is the window's root: Fyne asks it for the mouse cursor at
// every move of the mouse over the window, wherever it is (before the
// widgets under it choose theirs), which counts as the officer's activity.
type activity struct {
	widget.BaseWidget
	content fyne.CanvasObject
	touch   func()
}

func newActivity(content fyne.CanvasObject, touch func()) *activity {
	r := &activity{content: content, touch: touch}
	r.ExtendBaseWidget(r)
	return r
}

func (r *activity) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.content) }

// Cursor implements desktop.Cursorable.
func (r *activity) Cursor() desktop.Cursor {
	r.touch()
	return desktop.DefaultCursor
}

// setWindow shows o as the window's content.
func (a *App) setWindow(o fyne.CanvasObject) {
	a.win.SetContent(newActivity(o, a.touch))
}
