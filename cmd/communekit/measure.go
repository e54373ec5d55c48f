package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/communekit/communekit/app/i18n"
	"github.com/communekit/communekit/app/ui"
	"github.com/communekit/communekit/app/vm"
	"github.com/communekit/communekit/crypto/keyring"
	"github.com/communekit/communekit/internal/procmem"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/fold"
	"github.com/communekit/communekit/storage/gen"
)

// `communekit --measure` measures the app's figures (README, "Figures") on
// the real window: unlock to overview and resident memory, with a
// generated commune of --persons persons (100,000 by default) behind a
// passphrase at the real scrypt work factor, and search as you type (an
// issue's figure). The profile is made once, in a process of its own so
// that the generator's memory does not count, and kept in the user's cache
// directory for later runs. `kitctl bench all` runs this and puts the
// figures in its table.

// The measured profile's settings. It holds generated people only; its
// passphrase is no secret.
const (
	measurePassphrase = "do hieu nang, khong bi mat"
	measureCommune    = "12472"
	measureOfficer    = "Người Đo Hiệu Năng"
	measureSeed       = 7
)

// measureTimings: the officer's pace, and how long to wait for what must
// come.
const (
	keyGap        = 80 * time.Millisecond // between keystrokes: a fast typist
	overviewLook  = time.Second           // the overview on screen before search
	afterSearch   = 2 * time.Second       // the results on screen before memory is read
	measureWait   = 2 * time.Minute       // for the unlock screen, the overview, results
	searchQueries = 12
)

// measureReport is what --measure prints (--json: this object).
type measureReport struct {
	Persons        int     `json:"persons"`       // persons in the profile asked for
	PersonsShown   int     `json:"persons_shown"` // what the overview counted
	HouseholdsShow int     `json:"households_shown"`
	WorkFactor     int     `json:"scrypt_work_factor"` // read from the profile's key file
	Profile        string  `json:"profile"`
	ProfileMade    bool    `json:"profile_made"`              // made by this run
	ProfileSeconds float64 `json:"profile_seconds,omitempty"` // making it took
	// UnlockToOverviewS is from Enter on the unlock screen to the overview
	// shown with its figures.
	UnlockToOverviewS float64 `json:"unlock_to_overview_s"`
	// ScryptSeconds is the work factor's own time (keyring.ScryptAlone),
	// in this process at the end of the run: the unlock's floor.
	ScryptSeconds float64   `json:"scrypt_seconds"`
	SearchMs      []float64 `json:"search_ms"` // per query: last keystroke to its results
	SearchP50Ms   float64   `json:"search_p50_ms"`
	SearchMaxMs   float64   `json:"search_max_ms"`
	SearchExample string    `json:"search_example"`
	// HamletFirstPageMs is from choosing the hamlet with the most
	// households to its first rows shown with their heads.
	HamletFirstPageMs float64 `json:"hamlet_first_page_ms"`
	HamletHouseholds  int     `json:"hamlet_households"`
	// StatsScreenMs is from opening the statistics screen to its tables
	// and charts drawn; QualityScreenMs, the data-quality screen to its
	// worklist listed.
	StatsScreenMs   float64 `json:"stats_screen_ms"`
	QualityScreenMs float64 `json:"quality_screen_ms"`
	// Resident memory (MB) on the unlock screen (the window, the GL
	// driver and the fonts, before any store), after the overview, after
	// the households screen, after the searches, and then after the
	// results were on screen a while: the figure.
	RSSUnlockScreenMB float64 `json:"rss_unlock_screen_mb"`
	RSSOverviewMB     float64 `json:"rss_after_overview_mb"`
	RSSHouseholdsMB   float64 `json:"rss_after_households_mb"`
	RSSSearchMB       float64 `json:"rss_after_search_mb"`
	RSSMB             float64 `json:"rss_mb"`
	PeakRSSMB         float64 `json:"peak_rss_mb"` // key derivation alone takes 256 MB for a moment
	RSSAnonMB         float64 `json:"rss_anon_mb"`
	RSSFileMB         float64 `json:"rss_file_mb"`
	HeapMB            float64 `json:"go_heap_in_use_mb"`
	// RSSParts splits rss_mb by who holds it (see rssParts), so that the
	// part that is ours can be told from the graphics driver's; and the
	// same on the unlock screen.
	RSSParts             rssPartsMB `json:"rss_parts_mb"`
	RSSPartsUnlockScreen rssPartsMB `json:"rss_parts_unlock_screen_mb"`
	// GoClasses splits the Go runtime's share (rss_parts_mb.go) further.
	GoClasses goClassesMB `json:"go_classes_mb"`
}

// goClassesMB is what the Go runtime holds (MB), by class of
// runtime/metrics: the heap's objects (live and garbage not yet
// collected), its free pages not yet given back to the system, the unused
// part of its spans, goroutine stacks, and the runtime's own metadata.
type goClassesMB struct {
	HeapObjects float64 `json:"heap_objects"`
	HeapFree    float64 `json:"heap_free"`
	HeapUnused  float64 `json:"heap_unused"`
	Stacks      float64 `json:"stacks"`
	Other       float64 `json:"metadata_and_other"`
	// LiveAfterGC is the heap's live objects alone, read after a
	// collection (at the end, after the figures).
	LiveAfterGC float64 `json:"live_after_gc"`
}

// goClasses reads goClassesMB but LiveAfterGC.
func goClasses() goClassesMB {
	names := []string{"/memory/classes/heap/objects:bytes", "/memory/classes/heap/free:bytes", "/memory/classes/heap/unused:bytes",
		"/memory/classes/heap/stacks:bytes", "/memory/classes/os-stacks:bytes", "/memory/classes/total:bytes", "/memory/classes/heap/released:bytes"}
	ss := make([]metrics.Sample, len(names))
	for i, n := range names {
		ss[i].Name = n
	}
	metrics.Read(ss)
	v := func(i int) float64 { return float64(ss[i].Value.Uint64()) }
	c := goClassesMB{HeapObjects: mb(v(0)), HeapFree: mb(v(1)), HeapUnused: mb(v(2)), Stacks: mb(v(3) + v(4))}
	c.Other = mb(v(5) - v(6) - v(0) - v(1) - v(2) - v(3) - v(4))
	return c
}

// rssPartsMB is the resident memory (MB) by holder, read from
// /proc/self/smaps and the Go runtime's own accounts.
type rssPartsMB struct {
	// Go is what the Go runtime holds and has not given back: heap,
	// stacks, its metadata (runtime/metrics total less released).
	Go float64 `json:"go"`
	// OtherAnon is the rest of the anonymous memory: the C heap of the GL
	// driver, GLFW and X libraries, and the driver's buffers.
	OtherAnon float64 `json:"other_anon"`
	// Binary is this program's file, mapped.
	Binary float64 `json:"binary"`
	// GL is the OpenGL driver's libraries (under Xvfb, Mesa's software
	// renderer: libLLVM for llvmpipe, the dri driver).
	GL float64 `json:"gl_libraries"`
	// Store is the store's tables and logs, mapped by Badger.
	Store float64 `json:"store_files"`
	// OtherFiles is every other mapped file (libc, X, fonts) and shared
	// memory (X's MIT-SHM).
	OtherFiles float64 `json:"other_files"`
}

// measureDir is where the profile of n persons at work factor wf is kept
// between runs.
func measureDir(n, wf int) string {
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	return filepath.Join(base, "communekit-measure", fmt.Sprintf("%d-persons-wf%d", n, wf))
}

// measureWorkFactor is the scrypt work factor of the profile to make: the
// default, unless COMMUNEKIT_WORK_FACTOR lowers it for tests, as it does
// for kitctl and districtd. The report gives the factor read from the key
// file, and kitctl bench all counts the unlock figure as met only at the
// default.
func measureWorkFactor() (int, error) {
	wf, err := keyring.ParseWorkFactor(os.Getenv(keyring.WorkFactorEnv))
	if err == nil && wf == 0 {
		wf = keyring.DefaultWorkFactor
	}
	return wf, err
}

// runMeasure is `communekit --measure`; it returns the exit status.
func runMeasure(dir string, persons int, jsonOut bool, log *slog.Logger) int {
	if persons <= 0 {
		fmt.Fprintln(os.Stderr, "communekit: --persons must be at least 1")
		return 2
	}
	wf, err := measureWorkFactor()
	if err != nil {
		fmt.Fprintln(os.Stderr, "communekit:", err)
		return 2
	}
	if dir == "" {
		dir = measureDir(persons, wf)
	}
	rep := measureReport{Persons: persons, Profile: dir}
	if !vm.HasProfile(dir) {
		log.Info("making the profile to measure, once: later runs reuse it", "persons", persons, "dir", dir)
		t0 := time.Now()
		if err := makeInChild(dir, persons); err != nil {
			fmt.Fprintln(os.Stderr, "communekit: making the profile to measure:", err)
			return 1
		}
		rep.ProfileMade, rep.ProfileSeconds = true, time.Since(t0).Seconds()
	}
	if rep.WorkFactor, err = scryptWorkFactor(dir); err != nil {
		fmt.Fprintln(os.Stderr, "communekit:", err)
		return 1
	}

	a := fyneapp.NewWithID("org.communekit.app")
	tr := i18n.MustLoad()
	w := a.NewWindow(tr.T("app.title"))
	w.SetIcon(ui.Icon())
	app := ui.New(w, tr, ui.Config{Dir: dir})
	app.Start()
	w.Resize(fyne.NewSize(1366, 768))
	done := make(chan error, 1)
	go func() {
		err := measureApp(app, &rep, log)
		done <- err
		fyne.Do(a.Quit)
	}()
	w.ShowAndRun()
	app.Close()
	select {
	case err = <-done:
	default:
		err = errors.New("the window closed before the measurement ended")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "communekit: measure:", err)
		return 1
	}
	if jsonOut {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		enc.Encode(rep)
		return 0
	}
	fmt.Printf("communekit --measure: %d persons shown, scrypt work factor %d, profile %s\n", rep.PersonsShown, rep.WorkFactor, rep.Profile)
	fmt.Printf("  unlock to overview:   %.2f s   (target ≤ scrypt alone + 0.2 s; scrypt alone %.2f s in this process)\n", rep.UnlockToOverviewS, rep.ScryptSeconds)
	fmt.Printf("  memory:               RSS %.1f MB   (target ≤ a one-label window, --measure-empty, + 80 MB; %.1f MB on the unlock screen, %.1f MB after the overview, %.1f MB after the households, %.1f MB right after search, peak %.1f MB)\n",
		rep.RSSMB, rep.RSSUnlockScreenMB, rep.RSSOverviewMB, rep.RSSHouseholdsMB, rep.RSSSearchMB, rep.PeakRSSMB)
	p, u := rep.RSSParts, rep.RSSPartsUnlockScreen
	fmt.Printf("  memory by holder:     Go %.1f, other anonymous (GL driver, C heap) %.1f, binary %.1f, GL libraries %.1f, store files %.1f, other files %.1f MB\n",
		p.Go, p.OtherAnon, p.Binary, p.GL, p.Store, p.OtherFiles)
	g := rep.GoClasses
	fmt.Printf("    Go's share:         heap objects %.1f (live after a collection %.1f), free heap not given back %.1f, unused in spans %.1f, stacks %.1f, runtime %.1f MB\n",
		g.HeapObjects, g.LiveAfterGC, g.HeapFree, g.HeapUnused, g.Stacks, g.Other)
	fmt.Printf("    on the unlock screen: Go %.1f, other anonymous %.1f, binary %.1f, GL libraries %.1f, other files %.1f MB\n",
		u.Go, u.OtherAnon, u.Binary, u.GL, u.OtherFiles)
	fmt.Printf("  households:           the largest hamlet (%d households) shows its first heads %.0f ms after it is chosen\n", rep.HamletHouseholds, rep.HamletFirstPageMs)
	fmt.Printf("  statistics screen:    drawn %.0f ms after it is opened   (target ≤ 1000 ms); data quality listed after %.0f ms\n", rep.StatsScreenMs, rep.QualityScreenMs)
	fmt.Printf("  search as you type:   p50 %.1f ms, max %.1f ms over %d queries   (target ≤ 50 ms)\n", rep.SearchP50Ms, rep.SearchMaxMs, len(rep.SearchMs))
	return 0
}

// measureApp drives the window: unlock, a look at the overview, the
// households of the largest hamlet, searches typed a key at a time, then
// memory. It runs on its own goroutine.
func measureApp(app *ui.App, rep *measureReport, log *slog.Logger) error {
	if err := app.WaitUnlockScreen(measureWait); err != nil {
		return err
	}
	time.Sleep(overviewLook)
	var anon float64
	rep.RSSUnlockScreenMB, _, anon, _ = readRSS()
	rep.RSSPartsUnlockScreen = rssParts("", anon)
	if err := dumpMemory("unlock-screen"); err != nil {
		return err
	}
	u, err := app.MeasureUnlock(measurePassphrase, measureWait)
	if err != nil {
		return err
	}
	rep.UnlockToOverviewS = u.ToOverview.Seconds()
	rep.PersonsShown, rep.HouseholdsShow = u.Persons, u.Households
	log.Info("unlocked", "to_overview", u.ToOverview.Round(time.Millisecond), "persons", u.Persons)
	time.Sleep(overviewLook)
	rep.RSSOverviewMB, _, _, _ = readRSS()
	h, err := app.MeasureHouseholds(measureWait)
	if err != nil {
		return err
	}
	rep.HamletFirstPageMs, rep.HamletHouseholds = ms(h.FirstPage), h.Households
	log.Info("households", "hamlet", h.Hamlet, "households", h.Households, "first_page", h.FirstPage.Round(time.Millisecond))
	time.Sleep(overviewLook)
	rep.RSSHouseholdsMB, _, _, _ = readRSS()
	st, q, err := app.MeasureReports(measureWait)
	if err != nil {
		return err
	}
	rep.StatsScreenMs, rep.QualityScreenMs = ms(st), ms(q)
	log.Info("reports", "stats_screen", st.Round(time.Millisecond), "quality_screen", q.Round(time.Millisecond))
	time.Sleep(overviewLook)

	var s *storage.Store
	fyne.DoAndWait(func() { s = app.Store() })
	qs, err := queriesOf(s)
	if err != nil {
		return err
	}
	var lat []time.Duration
	for _, q := range qs {
		d, n, err := app.MeasureSearch(q, keyGap, measureWait)
		if err != nil {
			return err
		}
		lat = append(lat, d)
		rep.SearchMs = append(rep.SearchMs, ms(d))
		if rep.SearchExample == "" {
			rep.SearchExample = fmt.Sprintf("%q: %d results", q, n)
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	rep.SearchP50Ms, rep.SearchMaxMs = ms(lat[len(lat)/2]), ms(lat[len(lat)-1])
	rep.RSSSearchMB, _, _, _ = readRSS()
	time.Sleep(afterSearch)
	rep.RSSMB, rep.PeakRSSMB, rep.RSSAnonMB, rep.RSSFileMB = readRSS()
	rep.RSSParts = rssParts(s.Dir(), rep.RSSAnonMB)
	rep.GoClasses = goClasses()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	rep.HeapMB = mb(float64(m.HeapInuse))
	if err := dumpMemory("end"); err != nil {
		return err
	}
	runtime.GC()
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(samples)
	rep.GoClasses.LiveAfterGC = mb(float64(samples[0].Value.Uint64()))
	// Last, once memory is read: scrypt alone at the profile's work
	// factor, its memory given back first, as cold as the unlock's was.
	debug.FreeOSMemory()
	d, err := keyring.ScryptAlone(rep.WorkFactor)
	rep.ScryptSeconds = float64(d.Microseconds()/100) / 1e4
	return err
}

// dumpMemory writes what holds the memory at stage into the directory
// $COMMUNEKIT_MEASURE_DUMP, when set: STAGE-heap.pprof (go tool pprof
// -sample_index=inuse_space) and STAGE-smaps (the process's mappings, each
// with its resident size).
func dumpMemory(stage string) error {
	dir := os.Getenv("COMMUNEKIT_MEASURE_DUMP")
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, stage+"-heap.pprof"))
	if err != nil {
		return err
	}
	runtime.GC()
	err = pprof.WriteHeapProfile(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	b, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, stage+"-smaps"), b, 0o644)
}

// queriesOf picks what an officer types: folded full names of persons
// of the commonest family names, given names alone, and the first digits
// of ID numbers.
func queriesOf(s *storage.Store) ([]string, error) {
	families := []string{"nguyen", "tran", "le", "pham", "hoang", "vu", "dang", "bui", "do", "ngo"}
	var qs []string
	for i := 0; i < 2*len(families) && len(qs) < searchQueries; i++ {
		hits, err := s.Search(families[i%len(families)], 40)
		if err != nil {
			return nil, err
		}
		if len(hits) == 0 {
			continue
		}
		p := hits[(len(hits)/2+7*(i/len(families)))%len(hits)].Person
		name := fold.Fold(p.FullName())
		switch id := p.IDNumber(); {
		case len(qs)%4 == 1: // the given name alone
			qs = append(qs, name[strings.LastIndexByte(name, ' ')+1:])
		case len(qs)%4 == 3 && len(id) >= 8: // the first digits of an ID number
			qs = append(qs, id[:8])
		default:
			qs = append(qs, name)
		}
	}
	if len(qs) == 0 {
		return nil, errors.New("no persons found to search for")
	}
	return qs, nil
}

// makeInChild makes the profile in a process of its own, so that the
// generated commune's memory is not counted in this one's.
func makeInChild(dir string, persons int) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(exe, "--measure-make", dir, "--persons", strconv.Itoa(persons))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd.Run()
}

// makeMeasureProfile is `communekit --measure-make DIR`: a profile of
// persons generated persons in DIR, at measureWorkFactor. It is made
// beside DIR and moved there last, so that a run stopped half-way leaves
// nothing that looks like a profile.
func makeMeasureProfile(dir string, persons int) error {
	wf, err := measureWorkFactor()
	if err != nil {
		return err
	}
	part := dir + ".part"
	if err := os.RemoveAll(part); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return err
	}
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	s, err := storage.Create(part, []byte(measurePassphrase), storage.Profile{Commune: measureCommune, Officer: measureOfficer},
		storage.Options{WorkFactor: wf, Logger: quiet, GCInterval: -1})
	if err != nil {
		return err
	}
	c, err := gen.Generate(gen.Options{Commune: measureCommune, Persons: persons, Seed: measureSeed})
	var csv bytes.Buffer
	if err == nil {
		err = gen.WriteCSV(&csv, c, measureSeed)
	}
	var rep *storage.ImportReport
	if err == nil {
		rep, err = s.ImportPersons(&csv, storage.ImportOptions{Chunk: 1000})
	}
	if err != nil {
		s.Close()
		return err
	}
	if n := len(rep.Rejected); n > 0 {
		r := rep.Rejected[0]
		fmt.Fprintf(os.Stderr, "communekit: note: %d generated rows rejected, first: line %d %s %s\n", n, r.Line, r.Field, r.Message)
	}
	if err := s.Close(); err != nil {
		return err
	}
	return os.Rename(part, dir)
}

// scryptWorkFactor reads the work factor from the scrypt stanza of the
// profile's wrapped key ("-> scrypt SALT N"), so that the report says
// what was derived, not what was meant.
func scryptWorkFactor(dir string) (int, error) {
	f, err := os.Open(filepath.Join(dir, "master-key.age"))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, 4096))
	for sc.Scan() {
		if fs := strings.Fields(sc.Text()); len(fs) == 4 && fs[0] == "->" && fs[1] == "scrypt" {
			return strconv.Atoi(fs[3])
		}
	}
	return 0, fmt.Errorf("no scrypt stanza in the key file of %s", dir)
}

// readRSS is this process's resident memory in MB: now, the peak, its
// anonymous and file-backed parts.
func readRSS() (rss, peak, anon, file float64) {
	m := procmem.Read()
	return mb(float64(m.RSS)), mb(float64(m.Peak)), mb(float64(m.Anon)), mb(float64(m.File))
}

// rssParts splits the resident memory by holder: the mappings of
// /proc/self/smaps by file, and the anonymous memory (rssAnon MB) into the
// Go runtime's share and the rest.
func rssParts(profile string, rssAnon float64) rssPartsMB {
	var p rssPartsMB
	samples := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(samples)
	p.Go = mb(float64(samples[0].Value.Uint64() - samples[1].Value.Uint64()))
	p.OtherAnon = max(0, mb((rssAnon-p.Go)*(1<<20)))
	b, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return p
	}
	exe, _ := os.Executable()
	var part *float64 // the file mapping whose lines follow, or nil
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 5 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":") {
			part = nil
			if len(f) < 6 || strings.HasPrefix(f[5], "[") {
				continue // anonymous: counted above
			}
			switch name := strings.Join(f[5:], " "); {
			case name == exe:
				part = &p.Binary
			case profile != "" && strings.HasPrefix(name, profile+"/"):
				part = &p.Store
			case strings.Contains(name, "/dri/") || strings.Contains(name, "libLLVM") || strings.Contains(name, "libgallium") ||
				strings.Contains(name, "libGL") || strings.Contains(name, "libglapi") || strings.Contains(name, "libEGL") || strings.Contains(name, "libdrm"):
				part = &p.GL
			default:
				part = &p.OtherFiles
			}
			continue
		}
		if part != nil && len(f) >= 2 && f[0] == "Rss:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			*part += kb / 1024
		}
	}
	for _, v := range []*float64{&p.Binary, &p.Store, &p.GL, &p.OtherFiles} {
		*v = mb(*v * (1 << 20))
	}
	return p
}

func mb(n float64) float64 { return float64(int64(n/(1<<20)*10+0.5)) / 10 }

func ms(d time.Duration) float64 { return float64(d.Microseconds()/10) / 100 }
