// Package ui holds the screens of the desktop app: thin Fyne widgets over
// the view models of app/vm. Widgets are touched only on the UI goroutine;
// background results arrive through fyne.Do.
package ui

import (
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/i18n"
	"github.com/communekit/communekit/app/vm"
	"github.com/communekit/communekit/storage"
)

// Config says which profile the app opens and what it plugs in.
type Config struct {
	Dir     string          // the profile directory
	Options storage.Options // store options (work factor for new profiles)
	// DemoPassphrase is shown on the unlock screen of the demo profile.
	DemoPassphrase string
	// SyncNode, when set, becomes the profile's district node address
	// once it is unlocked: the demo's node, started in the process on a
	// port of the day. Otherwise the address kept in the profile is used.
	SyncNode    string
	SyncOptions vm.SyncOptions
	// Conflicts comes from the conflict queue; nil means there is none
	// and the overview says so.
	Conflicts vm.ConflictQueue
	// OnUnlocked is told how long unlocking took, up to the overview shown.
	OnUnlocked func(time.Duration)
	// Do runs a function on the UI goroutine: fyne.Do when nil. Tests
	// under Fyne's test driver, whose fyne.Do runs on the calling
	// goroutine, pass a queue they drain themselves.
	Do vm.Do
	// Now is the clock the idle lock counts on (time.Now when nil), and
	// IdleCheck how often it is looked at (5 s when 0, never when < 0):
	// tests move the clock and call checkIdle instead of waiting.
	Now       func() time.Time
	IdleCheck time.Duration
}

// App is the window's content: unlock or setup, then the main screens.
type App struct {
	cfg   Config
	win   fyne.Window
	tr    *i18n.Bundle
	keys  *keys
	store *storage.Store
	do    vm.Do

	// The main screens, once unlocked.
	content  *fyne.Container // the page shown beside the navigation
	overview *overviewPage
	search   *searchPage
	// conflicts is the conflict queue last opened (its view model keeps
	// the selection while the officer opens a person's form).
	conflicts *conflictsPage
	// stats and quality keep their dates and filters across visits.
	stats   *statsPage
	quality *qualityPage
	enrol   *vm.DeviceEnrolment
	// sheetPage is the spreadsheet import screen last built.
	sheetPage *sheetImport
	// listPage is the list export screen last built.
	listPage *listExport
	// open opens a printed sheet with the system's viewer
	// (vm.OpenWithViewer when nil); tests replace it. docsDir, when set,
	// is where sheets are saved instead of vm.DocumentsDir.
	open    vm.Opener
	docsDir string
	pages   []func() // the page stack: each entry rebuilds a page; Esc pops
	// leaving, set by the page shown, is asked before Esc or Back leave
	// it: it calls leave at once, or after the officer agrees (a form
	// with unsaved changes). nil: leave at once.
	leaving func(leave func())
	// notice is the line that says what just happened (a save), shown
	// once above the next page built; warn colours it as a warning.
	notice     string
	noticeWarn bool
	// focusOnShow, set by the page being built, is focused once the page
	// is in the window (the search box, back from a person).
	focusOnShow fyne.Focusable

	// reading counts the goroutines of the screens here that read the
	// store (the overview's counts, the households screen's hamlets):
	// Close waits for them before it closes the store.
	reading sync.WaitGroup

	// Sync lives as long as the store: a sync goes on while the officer
	// looks at other screens.
	sync        *vm.Sync
	syncShow    func()       // redraws the sync screen last built
	syncState   vm.SyncState // the state the last change left, to see a sync end
	syncTicking bool         // a goroutine redraws the retry countdown
	navSync     *keyButton

	// settings are the officer's, read from the profile at start
	// (vm.LoadSettings) and changed on the settings screen.
	settings vm.Settings
	// idle counts the time since the last key or mouse event; idleStop
	// ends its watcher. locked holds what a lock put aside (lock.go).
	idle     *vm.Idle
	idleStop chan struct{}
	locked   *lockedState
	// gate is held for writing while the store is locked: the reads of
	// goRead and of the search hold it for reading. lockDone is closed
	// once a lock has closed the store. opened is true from unlock to Close.
	gate     sync.RWMutex
	lockDone chan struct{}
	opened   atomic.Bool
	// nav is the section of the navigation the page shown belongs to,
	// highlighted among navButtons however the page was reached.
	nav        navKey
	navButtons map[navKey]*keyButton
}

// New builds the app in win; call Start.
func New(win fyne.Window, tr *i18n.Bundle, cfg Config) *App {
	a := &App{cfg: cfg, win: win, tr: tr, keys: &keys{}, do: cfg.Do}
	if a.do == nil {
		a.do = fyne.Do
	}
	a.keys.touch = a.touch
	a.keys.install(win.Canvas())
	a.keys.field = a.goToField
	tr.OnChange(func() { a.relabel() })
	a.settings = vm.LoadSettings(cfg.Dir)
	a.idle = vm.NewIdle(a.settings.Idle(), cfg.Now)
	a.applySettings(a.settings)
	return a
}

// goRead runs read on a goroutine of its own, counted in a.reading; read
// must not wait for the UI goroutine (Close, on it, waits for read).
//
// A read waits while the app is locked, and a lock waits for the reads
// under way before it closes the store (a.gate).
func (a *App) goRead(read func()) {
	a.reading.Add(1)
	go func() {
		defer a.reading.Done()
		a.gate.RLock()
		defer a.gate.RUnlock()
		read()
	}()
}

// Store is the unlocked store, or nil.
func (a *App) Store() *storage.Store { return a.store }

// Start shows the unlock screen, or first-run setup when there is no
// profile.
func (a *App) Start() {
	a.win.SetTitle(a.tr.T("app.title"))
	if vm.HasProfile(a.cfg.Dir) {
		a.showUnlock()
	} else {
		a.showSetup()
	}
}

// Close stops a running sync, waits for the screens' reads, then closes
// the store.
func (a *App) Close() {
	if a.idleStop != nil {
		close(a.idleStop)
		a.idleStop = nil
	}
	a.opened.Store(false)
	if a.sync != nil {
		a.sync.Close()
	}
	if a.locked != nil {
		// Closed at the lock screen: the store is locked once the reads
		// under way ended; those begun since wait for the gate, forever.
		<-a.lockDone
	} else {
		a.reading.Wait()
	}
	if a.store != nil {
		a.store.Close()
		a.store = nil
	}
}

func (a *App) showUnlock() {
	u := vm.NewUnlock(a.tr, a.cfg.Dir, a.cfg.Options, a.do)
	u.DemoPassphrase = a.cfg.DemoPassphrase
	a.keys.escape, a.keys.find, a.keys.sync, a.keys.lock = nil, nil, nil, nil
	a.setWindow(unlockScreen(a, u))
}

func (a *App) showSetup() {
	s := vm.NewSetup(a.tr, a.cfg.Dir, a.cfg.Options)
	a.keys.escape, a.keys.find, a.keys.sync, a.keys.lock = nil, nil, nil, nil
	a.setWindow(setupScreen(a, s))
}

// unlocked switches to the main screens with store open.
func (a *App) unlocked(s *storage.Store, started time.Time) {
	// Set here, not at start: nothing but the key derivation's one large
	// allocation runs before, and that is given back when it ends.
	debug.SetGCPercent(vm.GCPercent)
	a.store = s
	a.enrol = nil
	a.sync = vm.NewSync(a.tr, s, a.do, a.cfg.SyncOptions)
	if a.cfg.SyncNode != "" {
		a.sync.SetNode(a.cfg.SyncNode)
	}
	// Refresh reports on the goroutine that called it: every change
	// reaches the screens through Do.
	a.sync.OnChange(func() { a.do(a.syncChanged) })
	a.overview = newOverviewPage(a)
	a.search = newSearchPage(a)
	a.stats, a.quality = nil, nil // made on first visit, for this store
	a.content = container.NewStack()
	a.keys.find = func() { a.confirmLeave(a.focusSearch) }
	a.keys.escape = a.back
	a.keys.sync = a.syncKey
	a.keys.lock = func() { a.lock(false) }
	a.opened.Store(true)
	a.keepSettings()
	a.idle.Touch()
	a.watchIdle()
	a.buildShell()
	a.showSection(navOverview, a.overview.view)
	a.overview.refresh(func() {
		if a.cfg.OnUnlocked != nil {
			a.cfg.OnUnlocked(time.Since(started))
		}
		a.prefetchStats(s)
	})
}

// statsPrefetchDelay is how long after the overview is shown the
// statistics are computed in the background, so that their screen opens
// at once; the officer's first steps come before it.
const statsPrefetchDelay = 2 * time.Second

// prefetchStats computes the statistics screen's tables in the background
// a little after unlock (kept while nothing is saved: vm.Statistics), so
// that opening the screen shows them at once instead of after the ~0.3–1 s
// they take at 100,000 persons.
func (a *App) prefetchStats(s *storage.Store) {
	time.AfterFunc(statsPrefetchDelay, func() {
		a.do(func() {
			if a.store != s || a.stats != nil || a.locked != nil {
				return // closed or locked, or the screen was opened already
			}
			a.stats = newStatsPage(a)
			a.stats.vm.Compute()
		})
	})
}

// buildShell lays out navigation and content; it runs again when the
// language changes, so every label is rebuilt in the new language.
func (a *App) buildShell() {
	a.navSync = newButton(a.tr.T("nav.sync_key"), func() { a.showSync(false) })
	a.navSyncShow()
	a.navButtons = map[navKey]*keyButton{navSync: a.navSync}
	section := func(k navKey, label string, show func()) *keyButton {
		b := newButton(a.tr.T(label), show)
		a.navButtons[k] = b
		return b
	}
	lock := newIconButton(a.tr.T("nav.lock_key"), theme.LoginIcon(), func() { a.lock(false) })
	nav := container.NewVBox(
		bold(a.tr.T("app.title")),
		section(navOverview, "nav.overview", a.showOverview),
		section(navSearch, "nav.search", a.focusSearch),
		section(navHouseholds, "nav.households", a.showHouseholds),
		section(navStats, "nav.stats", a.showStats),
		section(navQuality, "nav.quality", a.showQuality),
		newButton(a.tr.T("nav.new_person"), func() {
			f := vm.NewPersonForm(a.tr, a.store, nil)
			a.push(func() fyne.CanvasObject { return newPersonPage(a, f) })
		}),
		a.navSync,
		section(navConflicts, "nav.conflicts", a.showConflicts),
		section(navExport, "nav.export", a.showExport),
		section(navImport, "nav.import", a.showImport),
		section(navSheetImport, "nav.sheet_import", a.showSheetImport),
		section(navListExport, "nav.list_export", a.showListExport),
		section(navEnrolment, "nav.enrolment", a.showEnrolment),
		section(navSettings, "nav.settings", a.showSettings),
	)
	a.guardNav(nav)
	a.highlightNav()
	// Scrolled when the text is large and the window small; the lock
	// stays in sight below.
	scroll := container.NewVScroll(nav)
	scroll.SetMinSize(fyne.NewSize(nav.MinSize().Width+theme.ScrollBarSize(), 0))
	side := container.NewPadded(container.NewBorder(nil, container.NewVBox(widget.NewSeparator(), lock), nil, nil, scroll))
	a.setWindow(container.NewBorder(nil, nil, side, nil, a.content))
}

// languageSelect chooses the language; the choice is kept in the
// profile's settings once there is a profile.
func (a *App) languageSelect() *keySelect {
	labels := []string{a.tr.T("lang.vi"), a.tr.T("lang.en")}
	sel := newKeySelect(a.keys, labels, nil, nil)
	if a.tr.Lang() == i18n.English {
		sel.SetSelectedIndex(1)
	} else {
		sel.SetSelectedIndex(0)
	}
	sel.OnChanged = func(string) {
		a.setLang(i18n.Languages[sel.SelectedIndex()])
	}
	return sel
}

// relabel rebuilds what is on screen in the new language.
func (a *App) relabel() {
	a.win.SetTitle(a.tr.T("app.title"))
	if a.locked != nil {
		a.showLocked()
		return
	}
	if a.store == nil {
		a.Start()
		return
	}
	a.buildShell()
	a.show()
	if a.conflicts != nil {
		a.conflicts.refresh() // the rows' words, in the new language
	}
}

// showRoot replaces the page stack with one page.
func (a *App) showRoot(page func() fyne.CanvasObject) {
	a.leaveRoot()
	a.pages = []func(){func() { a.setContent(page()) }}
	a.show()
}

// push shows a page over the current one; Esc or its Cancel returns.
func (a *App) push(page func() fyne.CanvasObject) {
	a.pages = append(a.pages, func() { a.setContent(page()) })
	a.show()
}

// back returns to the page below, rebuilt so that it shows what changed,
// once the page shown agrees to be left.
func (a *App) back() {
	if a.leaving != nil {
		a.leaving(a.popPage)
		return
	}
	a.popPage()
}

// newPersonPage is the form f registering a new person; once saved, the
// person's record is shown in its place, with what it still lacks.
func newPersonPage(a *App, f *vm.Form) fyne.CanvasObject {
	return formPage(a, f, func(p *storage.Person) {
		a.replace(func() fyne.CanvasObject { return personPage(a, p.ID) })
	})
}

// replace shows page instead of the page on top (a saved new person's
// record instead of its form).
func (a *App) replace(page func() fyne.CanvasObject) {
	if len(a.pages) > 0 {
		a.pages = a.pages[:len(a.pages)-1]
	}
	a.push(page)
}

// say shows msg above the next page built, once.
func (a *App) say(msg string, warn bool) {
	a.notice, a.noticeWarn = msg, warn
}

func (a *App) popPage() {
	if len(a.pages) > 1 {
		a.pages = a.pages[:len(a.pages)-1]
	}
	a.show()
}

func (a *App) show() {
	a.leaving = nil
	if len(a.pages) > 0 {
		a.pages[len(a.pages)-1]()
	}
}

func (a *App) setContent(o fyne.CanvasObject) {
	if a.notice != "" {
		l := wrapped(a.notice)
		l.Importance = widget.SuccessImportance
		if a.noticeWarn {
			l.Importance = widget.WarningImportance
		}
		a.notice = ""
		o = container.NewBorder(l, nil, nil, nil, o)
	}
	a.content.Objects = []fyne.CanvasObject{o}
	a.content.Refresh()
	if f := a.focusOnShow; f != nil {
		a.focusOnShow = nil
		a.win.Canvas().Focus(f)
	}
}

func (a *App) focusSearch() {
	a.showSection(navSearch, a.search.view)
	a.win.Canvas().Focus(a.search.entry)
}
