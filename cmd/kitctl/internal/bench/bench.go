package bench

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/communekit/communekit/cmd/kitctl/internal/kit"
	"github.com/communekit/communekit/crypto/keyring"
	"github.com/communekit/communekit/internal/procmem"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/fold"
	"github.com/communekit/communekit/storage/gen"
)

// figure is one line of a benchmark report: a figure of the README's table.
type figure struct {
	Figure   string  `json:"figure"`
	Target   string  `json:"target"`
	Measured float64 `json:"measured"`
	Unit     string  `json:"unit"`
	Met      bool    `json:"met"`
}

type storeBench struct {
	Persons        int      `json:"persons"`
	Cores          int      `json:"cores"`
	ImportSeconds  float64  `json:"import_seconds"`
	ImportRate     float64  `json:"import_persons_per_s"`
	SaveP50ms      float64  `json:"save_p50_ms"`
	SaveP99ms      float64  `json:"save_p99_ms"`
	SearchP50ms    float64  `json:"search_p50_ms"`
	SearchP99ms    float64  `json:"search_p99_ms"`
	SearchQueries  int      `json:"search_queries"`
	UnlockSeconds  float64  `json:"unlock_seconds"`
	RSSMB          float64  `json:"rss_mb"`
	PeakRSSMB      float64  `json:"peak_rss_mb"`
	RSSAnonMB      float64  `json:"rss_anon_mb"`
	RSSFileMB      float64  `json:"rss_file_mb"`
	ProfileBytes   int64    `json:"profile_bytes"`
	Figures        []figure `json:"figures"`
	WorkFactorUsed int      `json:"scrypt_work_factor"`

	// The floors, measured in the same run: a write of a save's size and
	// its fsync, in the profile's directory, timed between the saves; and
	// Badger alone writing the entries the import left, the same count,
	// sizes and bytes (importFloor).
	FsyncP50ms       float64 `json:"fsync_p50_ms"`
	FsyncP99ms       float64 `json:"fsync_p99_ms"`
	ImportFloorRate  float64 `json:"import_floor_persons_per_s"`
	ImportFloorSecs  float64 `json:"import_floor_seconds"`
	ImportEntries    int     `json:"import_entries"`
	ImportEntryBytes int     `json:"import_entry_bytes"`
	// ScryptSeconds is the work factor's own time (keyring.ScryptAlone),
	// measured in the unlock's process, after it.
	ScryptSeconds float64 `json:"scrypt_seconds"`
}

// Run is `kitctl bench`: its targets, and the children its benchmarks
// start (store-child, cluster-node) as other kitctl processes.
func Run(e *kit.Env, args []string) error {
	kitctlPath = e.Kitctl
	if len(args) == 0 {
		return kit.Usagef("bench needs a target: all, store, batch, cluster or sync")
	}
	switch args[0] {
	case "all":
		return benchAll(e, args[1:])
	case "store":
		return benchStore(e, args[1:])
	case "batch":
		return benchBatch(e, args[1:])
	case "cluster":
		return benchCluster(e, args[1:])
	case "sync":
		return benchSync(e, args[1:])
	case "store-child":
		return benchStoreChild(e, args[1:])
	case "cluster-node":
		return benchClusterNode(e, args[1:])
	}
	return kit.Usagef("bench: unknown target %q (all, store, batch, cluster, sync)", args[0])
}

const benchPassphrase = "bench passphrase, not a secret"

// storeOptions size the store benchmark.
type storeOptions struct {
	Persons int    // persons in the generated commune
	Commune string // commune code to generate
	Seed    int64  // generator seed
	Saves   int    // durable single saves to time
	Queries int    // searches to time
	Keep    string // keep the profile here instead of a temporary directory
}

func benchStore(e *kit.Env, args []string) error {
	fs := flag.NewFlagSet("bench store", flag.ContinueOnError)
	var o storeOptions
	fs.IntVar(&o.Persons, "persons", 100000, "persons in the generated commune")
	fs.StringVar(&o.Commune, "commune", "00769", "commune code to generate")
	fs.Int64Var(&o.Seed, "seed", 7, "generator seed")
	fs.IntVar(&o.Saves, "saves", 1000, "durable single saves to time")
	fs.IntVar(&o.Queries, "queries", 2000, "searches to time")
	fs.StringVar(&o.Keep, "keep", "", "keep the bench profile in this directory instead of a temporary one")
	pos, err := e.ParseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || o.Persons <= 0 {
		return kit.Usagef("usage: kitctl bench store [--persons N] [--json]")
	}
	say := func(format string, a ...any) {
		if !e.JSON {
			fmt.Fprintf(e.Stderr, format+"\n", a...)
		}
	}
	r, err := measureStore(o, say)
	if err != nil {
		return err
	}
	if e.JSON {
		return e.PrintJSON(r)
	}
	printStore(e.Stdout, r)
	return nil
}

// measureStore generates a commune, imports it into a new profile at the
// real work factor, times durable saves and searches, then unlocks the
// profile in a fresh kitctl process to read its memory with the store
// open. say reports progress.
func measureStore(o storeOptions, say func(format string, a ...any)) (storeBench, error) {
	r := storeBench{Persons: o.Persons, Cores: runtime.NumCPU(), WorkFactorUsed: 18}
	if o.Saves <= 0 || o.Queries <= 0 {
		return r, fmt.Errorf("bench store: %d saves and %d queries: want at least one of each", o.Saves, o.Queries)
	}
	dir := o.Keep
	if dir == "" {
		tmp, err := os.MkdirTemp("", "communekit-bench-")
		if err != nil {
			return r, err
		}
		defer os.RemoveAll(tmp)
		dir = filepath.Join(tmp, "profile")
	}
	// This process holds the whole generated commune and its CSV (about
	// 150 MB live for 100,000 persons), which no real command does (kitctl
	// import streams its file): under kitctl's soft memory limit the
	// collector would run without pause. The memory figure is measured in
	// the child, under the limit.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(math.MaxInt64)
	}

	say("generating %d persons…", o.Persons)
	c, err := gen.Generate(gen.Options{Commune: o.Commune, Persons: o.Persons, Seed: o.Seed})
	if err != nil {
		return r, err
	}
	var csvBuf bytes.Buffer
	if err := gen.WriteCSV(&csvBuf, c, o.Seed); err != nil {
		return r, err
	}
	s, err := storage.Create(dir, []byte(benchPassphrase), storage.Profile{Commune: o.Commune, Officer: "Người Đo Hiệu Năng"}, storage.Options{Logger: kit.QuietLogger(), GCInterval: -1})
	if err != nil {
		return r, err
	}
	say("importing…")
	t0 := time.Now()
	rep, err := s.ImportPersons(bytes.NewReader(csvBuf.Bytes()), storage.ImportOptions{Chunk: 1000})
	if err != nil {
		s.Close()
		return r, err
	}
	r.ImportSeconds = time.Since(t0).Seconds()
	r.ImportRate = float64(rep.Imported) / r.ImportSeconds
	if len(rep.Rejected) > 0 {
		say("note: %d generated rows rejected, first: line %d %s %s", len(rep.Rejected), rep.Rejected[0].Line, rep.Rejected[0].Field, rep.Rejected[0].Message)
	}
	// What the import wrote, for the floor, which runs once the store is
	// closed (its compactions over).
	ents, err := captureEntries(s, rep.Imported)
	if err != nil {
		s.Close()
		return r, err
	}
	r.ImportEntries, r.ImportEntryBytes = len(ents.refs), ents.bytes()

	say("timing %d durable saves, each followed by a write and fsync of %d B in the same directory…", o.Saves, fsyncBlock)
	ff, err := newFsyncFloor(dir)
	if err != nil {
		s.Close()
		return r, err
	}
	var fsyncs []time.Duration
	rng := rand.New(rand.NewPCG(uint64(o.Seed), 1))
	hits, err := s.Search("a", 1)
	if err != nil || len(hits) == 0 {
		s.Close()
		return r, fmt.Errorf("bench: search found nothing after import (%v)", err)
	}
	ids := sampleIDs(s, rng, 2000)
	occupations := []string{"Làm ruộng", "Giáo viên", "Buôn bán", "Công nhân", "Thợ mộc", "Y tá"}
	var lat []time.Duration
	for i := 0; i < o.Saves; i++ {
		id := ids[rng.IntN(len(ids))]
		t := time.Now()
		_, _, err := s.EditPerson(id, storage.Values{storage.FieldOccupation: occupations[i%len(occupations)] + " " + strconv.Itoa(i)}, storage.SaveOptions{Reason: "bench"})
		if err != nil {
			s.Close()
			return r, fmt.Errorf("bench save: %w", err)
		}
		lat = append(lat, time.Since(t))
		d, err := ff.once()
		if err != nil {
			ff.close()
			s.Close()
			return r, fmt.Errorf("bench fsync floor: %w", err)
		}
		fsyncs = append(fsyncs, d)
	}
	r.SaveP50ms, r.SaveP99ms = pct(lat, 0.50), pct(lat, 0.99)
	r.FsyncP50ms, r.FsyncP99ms = pct(fsyncs, 0.50), pct(fsyncs, 0.99)
	if err := ff.close(); err != nil {
		s.Close()
		return r, err
	}

	say("timing %d searches…", o.Queries)
	qs := queryMix(c, rng, o.Queries)
	lat = lat[:0]
	for _, q := range qs {
		t := time.Now()
		if _, err := s.Search(q, 20); err != nil {
			s.Close()
			return r, err
		}
		lat = append(lat, time.Since(t))
	}
	r.SearchQueries = len(qs)
	r.SearchP50ms, r.SearchP99ms = pct(lat, 0.50), pct(lat, 0.99)
	if err := s.Close(); err != nil {
		return r, err
	}
	r.ProfileBytes = dirSize(dir)

	say("the floor: Badger alone writing the import's %d entries (%.1f MB)…", len(ents.refs), float64(ents.bytes())/1e6)
	c, csvBuf = nil, bytes.Buffer{} // not needed any more
	fd, err := importFloor(dir+"-import-floor", ents)
	if err != nil {
		return r, err
	}
	r.ImportFloorSecs = kit.Round(fd.Seconds())
	r.ImportFloorRate = float64(ents.persons) / fd.Seconds()
	ents = nil

	say("unlocking in a fresh process…")
	exe, err := kitctl()
	if err != nil {
		return r, err
	}
	qfile := filepath.Join(filepath.Dir(dir), "queries.txt")
	if err := os.WriteFile(qfile, []byte(strings.Join(qs[:min(500, len(qs))], "\n")), 0o600); err != nil {
		return r, err
	}
	defer os.Remove(qfile)
	cmd := exec.Command(exe, "bench", "store-child", "--profile", dir, "--queries-file", qfile)
	cmd.Env = append(os.Environ(), "COMMUNEKIT_PASSPHRASE="+benchPassphrase)
	out, err := cmd.Output()
	if err != nil {
		return r, fmt.Errorf("bench child: %v", err)
	}
	var child childReport
	if err := json.Unmarshal(out, &child); err != nil {
		return r, fmt.Errorf("bench child said %q: %v", out, err)
	}
	r.UnlockSeconds, r.RSSMB, r.PeakRSSMB = child.UnlockSeconds, child.RSSMB, child.PeakRSSMB
	r.RSSAnonMB, r.RSSFileMB = child.AnonMB, child.FileMB
	r.ScryptSeconds, r.WorkFactorUsed = child.ScryptSeconds, child.WorkFactor

	r.Figures = []figure{
		{"one saved person, durable (p99)", "≤ 1 ms", kit.Round(r.SaveP99ms), "ms", r.SaveP99ms <= 1},
		{"bulk import, validation, indexes and history included", fmt.Sprintf("≥ 25,000 persons/s and ≥ 80 %% of the floor (%s persons/s)", thousands(r.ImportFloorRate)), kit.Round(r.ImportRate), "persons/s", importMet(r.ImportRate, r.ImportFloorRate)},
		{fmt.Sprintf("search, %d persons, realistic query mix (p99)", o.Persons), "≤ 5 ms", kit.Round(r.SearchP99ms), "ms", r.SearchP99ms <= 5},
		{fmt.Sprintf("commune store memory, %d persons (kitctl)", o.Persons), "RSS ≤ 64 MB", kit.Round(r.RSSMB), "MB", r.RSSMB <= 64},
		{fmt.Sprintf("unlock to open store, %d persons, scrypt work factor %d", o.Persons, r.WorkFactorUsed), fmt.Sprintf("≤ scrypt alone (%.2f s) + 0.2 s", r.ScryptSeconds), kit.Round(r.UnlockSeconds), "s", r.UnlockSeconds <= r.ScryptSeconds+0.2},
	}
	return r, nil
}

// printStore prints the store benchmark for a person.
func printStore(w io.Writer, r storeBench) {
	fmt.Fprintf(w, "kitctl bench store: %d persons, %d cores, profile %.1f MB on disk\n", r.Persons, r.Cores, float64(r.ProfileBytes)/1e6)
	fmt.Fprintf(w, "%-62s %-20s %-14s %s\n", "figure", "target", "measured", "met")
	for _, f := range r.Figures {
		met := "yes"
		if !f.Met {
			met = "NO"
		}
		fmt.Fprintf(w, "%-62s %-20s %-14s %s\n", f.Figure, f.Target, fmt.Sprintf("%g %s", f.Measured, f.Unit), met)
	}
	fmt.Fprintf(w, "(save p50 %.3f ms, search p50 %.3f ms, peak RSS %.1f MB, RSS %.1f MB anonymous + %.1f MB file-backed)\n", r.SaveP50ms, r.SearchP50ms, r.PeakRSSMB, r.RSSAnonMB, r.RSSFileMB)
	fmt.Fprintf(w, "(floors, same run: fsync of %d B p50 %.3f ms, p99 %.3f ms; Badger alone writing the import's %d entries %s persons/s; scrypt alone %.2f s)\n",
		fsyncBlock, r.FsyncP50ms, r.FsyncP99ms, r.ImportEntries, thousands(r.ImportFloorRate), r.ScryptSeconds)
}

type childReport struct {
	UnlockSeconds float64 `json:"unlock_seconds"`
	RSSMB         float64 `json:"rss_mb"`
	PeakRSSMB     float64 `json:"peak_rss_mb"`
	AnonMB        float64 `json:"rss_anon_mb"` // Go heap and Badger caches
	FileMB        float64 `json:"rss_file_mb"` // the binary and mapped store tables
	// ScryptSeconds is the scrypt work factor's own time, in this process
	// after the unlock; WorkFactor is the profile's.
	ScryptSeconds float64 `json:"scrypt_seconds"`
	WorkFactor    int     `json:"scrypt_work_factor"`
}

// benchStoreChild runs in a fresh process: unlock, run the queries, report
// the time to unlock and the resident memory with the store open.
func benchStoreChild(e *kit.Env, args []string) error {
	fs := flag.NewFlagSet("bench store-child", flag.ContinueOnError)
	qfile := fs.String("queries-file", "", "queries, one a line")
	if _, err := e.ParseArgs(fs, args); err != nil {
		return err
	}
	qb, err := os.ReadFile(*qfile)
	if err != nil {
		return err
	}
	t0 := time.Now()
	s, err := e.Open()
	if err != nil {
		return err
	}
	unlock := time.Since(t0).Seconds()
	defer s.Close()
	for _, q := range strings.Split(string(qb), "\n") {
		if _, err := s.Search(q, 20); err != nil {
			return err
		}
	}
	// The queries leave garbage. runtime.GC frees it, but the pages it
	// held stay resident until the runtime's scavenger returns them, a
	// little at a time: measured right after a GC, the same profile read
	// 57 or 68 MB from one run to the next (Go's own heap in use was 22 MB
	// in both; 10 MB of idle heap was resident or not). FreeOSMemory
	// returns them at once, so the figure is what holding the store open
	// needs, not when the scavenger last ran.
	debug.FreeOSMemory()
	rss, peak, anon, file := readRSS()
	// The floor of the unlock: scrypt alone at the profile's work factor,
	// its memory made cold again as it was for the unlock.
	wrapped, err := os.ReadFile(filepath.Join(s.Dir(), "master-key.age"))
	if err != nil {
		return err
	}
	wf, err := keyring.WorkFactorOf(wrapped)
	if err != nil {
		return err
	}
	debug.FreeOSMemory()
	d, err := keyring.ScryptAlone(wf)
	if err != nil {
		return err
	}
	return e.PrintJSON(childReport{UnlockSeconds: kit.Round(unlock), RSSMB: rss, PeakRSSMB: peak, AnonMB: anon, FileMB: file,
		ScryptSeconds: kit.Round(d.Seconds()), WorkFactor: wf})
}

func readRSS() (rss, peak, anon, file float64) {
	m := procmem.Read()
	mb := func(b int64) float64 { return kit.Round(float64(b) / (1 << 20)) }
	return mb(m.RSS), mb(m.Peak), mb(m.Anon), mb(m.File)
}

// queryMix builds the realistic query mix of the search figure: common and rare
// family names, given names, full names, prefixes of 2–4 letters and ID
// numbers, as officers type them (no diacritics, some with).
func queryMix(c *gen.Commune, rng *rand.Rand, n int) []string {
	var qs []string
	ps := c.Persons
	for len(qs) < n {
		p := &ps[rng.IntN(len(ps))]
		name := p.Values[storage.FieldFullName]
		toks := fold.Tokens(name)
		if len(toks) == 0 {
			continue
		}
		switch rng.IntN(8) {
		case 0: // family name alone (common ones dominate, as in life)
			qs = append(qs, toks[0])
		case 1: // given name alone
			qs = append(qs, toks[len(toks)-1])
		case 2: // family + given
			qs = append(qs, toks[0]+" "+toks[len(toks)-1])
		case 3: // full name, folded
			qs = append(qs, strings.Join(toks, " "))
		case 4: // full name with diacritics
			qs = append(qs, name)
		case 5: // a 2-4 letter prefix being typed
			t := toks[len(toks)-1]
			k := 2 + rng.IntN(3)
			if k > len(t) {
				k = len(t)
			}
			qs = append(qs, t[:k])
		case 6: // family name and a prefix of the given name
			t := toks[len(toks)-1]
			qs = append(qs, toks[0]+" "+t[:min(len(t), 1+rng.IntN(3))])
		case 7: // an ID number
			if id := p.Values[storage.FieldIDNumber]; id != "" {
				qs = append(qs, id)
			}
		}
	}
	return qs
}

func sampleIDs(s *storage.Store, rng *rand.Rand, n int) []storage.ID {
	var ids []storage.ID
	for _, q := range []string{"nguyen", "tran", "le", "pham", "hoang", "giang", "vang", "thi", "van"} {
		hits, _ := s.Search(q, n/4)
		for _, h := range hits {
			ids = append(ids, h.Person.ID)
		}
	}
	rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	return ids
}

func pct(d []time.Duration, p float64) float64 {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(float64(len(s)-1) * p)
	return kit.Round(float64(s[i].Microseconds()) / 1000)
}

func dirSize(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n += info.Size()
		}
		return nil
	})
	return n
}

// kitctlPath is the kitctl program the benchmarks start as other
// processes (kit.Env.Kitctl), set by Run.
var kitctlPath string

func kitctl() (string, error) {
	if kitctlPath != "" {
		return kitctlPath, nil
	}
	return os.Executable()
}
