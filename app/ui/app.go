// Package ui holds the screens of the desktop app: thin Fyne widgets over
// the view models of app/vm. Widgets are touched only on the UI goroutine;
// background results arrive through fyne.Do.
package ui

import (
	"runtime/debug"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
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
	navSync     *widget.Button
}

// New builds the app in win; call Start.
func New(win fyne.Window, tr *i18n.Bundle, cfg Config) *App {
	a := &App{cfg: cfg, win: win, tr: tr, keys: &keys{}, do: cfg.Do}
	if a.do == nil {
		a.do = fyne.Do
	}
	a.keys.install(win.Canvas())
	tr.OnChange(func() { a.relabel() })
	return a
}

// goRead runs read on a goroutine of its own, counted in a.reading; read
// must not wait for the UI goroutine (Close, on it, waits for read).
func (a *App) goRead(read func()) {
	a.reading.Add(1)
	go func() {
		defer a.reading.Done()
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
	if a.sync != nil {
		a.sync.Close()
	}
	a.reading.Wait()
	if a.store != nil {
		a.store.Close()
		a.store = nil
	}
}

func (a *App) showUnlock() {
	u := vm.NewUnlock(a.tr, a.cfg.Dir, a.cfg.Options, a.do)
	u.DemoPassphrase = a.cfg.DemoPassphrase
	a.keys.escape, a.keys.find, a.keys.sync = nil, nil, nil
	a.win.SetContent(unlockScreen(a, u))
}

func (a *App) showSetup() {
	s := vm.NewSetup(a.tr, a.cfg.Dir, a.cfg.Options)
	a.keys.escape, a.keys.find, a.keys.sync = nil, nil, nil
	a.win.SetContent(setupScreen(a, s))
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
	a.buildShell()
	a.showRoot(a.overview.view)
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
			if a.store != s || a.stats != nil {
				return // locked, or the screen was opened already
			}
			a.stats = newStatsPage(a)
			a.stats.vm.Compute()
		})
	})
}

// buildShell lays out navigation and content; it runs again when the
// language changes, so every label is rebuilt in the new language.
func (a *App) buildShell() {
	a.navSync = widget.NewButton(a.tr.T("nav.sync_key"), func() { a.showSync(false) })
	a.navSyncShow()
	nav := container.NewVBox(
		bold(a.tr.T("app.title")),
		widget.NewButton(a.tr.T("nav.overview"), func() {
			a.showRoot(a.overview.view)
			a.overview.refresh(nil)
		}),
		widget.NewButton(a.tr.T("nav.search"), a.focusSearch),
		widget.NewButton(a.tr.T("nav.households"), func() { a.showRoot(func() fyne.CanvasObject { return householdsPage(a) }) }),
		widget.NewButton(a.tr.T("nav.stats"), a.showStats),
		widget.NewButton(a.tr.T("nav.quality"), a.showQuality),
		widget.NewButton(a.tr.T("nav.new_person"), func() {
			f := vm.NewPersonForm(a.tr, a.store, nil)
			a.push(func() fyne.CanvasObject { return newPersonPage(a, f) })
		}),
		a.navSync,
		widget.NewButton(a.tr.T("nav.conflicts"), a.showConflicts),
		widget.NewButton(a.tr.T("nav.export"), func() { a.showRoot(func() fyne.CanvasObject { return exportPage(a) }) }),
		widget.NewButton(a.tr.T("nav.import"), a.showImport),
		widget.NewButton(a.tr.T("nav.sheet_import"), a.showSheetImport),
		widget.NewButton(a.tr.T("nav.list_export"), a.showListExport),
		widget.NewButton(a.tr.T("nav.enrolment"), a.showEnrolment),
		widget.NewButton(a.tr.T("nav.passphrase"), a.showChangePassphrase),
		widget.NewSeparator(),
		widget.NewLabel(a.tr.T("nav.language")),
		a.languageSelect(),
	)
	a.guardNav(nav)
	a.win.SetContent(container.NewBorder(nil, nil, container.NewPadded(nav), nil, a.content))
}

func (a *App) languageSelect() *widget.Select {
	labels := []string{a.tr.T("lang.vi"), a.tr.T("lang.en")}
	sel := widget.NewSelect(labels, nil)
	if a.tr.Lang() == i18n.English {
		sel.SetSelectedIndex(1)
	} else {
		sel.SetSelectedIndex(0)
	}
	sel.OnChanged = func(string) {
		a.tr.SetLang(i18n.Languages[sel.SelectedIndex()])
	}
	return sel
}

// relabel rebuilds what is on screen in the new language.
func (a *App) relabel() {
	a.win.SetTitle(a.tr.T("app.title"))
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
}

func (a *App) focusSearch() {
	a.showRoot(a.search.view)
	a.win.Canvas().Focus(a.search.entry)
}
