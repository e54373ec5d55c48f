package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/communekit/communekit/cmd/kitctl/internal/kit"
)

// The figures of the README's "Figures", in its words.
const (
	figSave      = "one saved person, durable"
	figImport    = "bulk import (validation, indexes and history included)"
	figSearch    = "search, 100,000 persons, realistic query mix"
	figStoreMem  = "commune store memory, 100,000 persons (kitctl)"
	figAppMem    = "desktop app memory, 100,000 persons"
	figNewPerson = "sealed bytes per new person (batches of 500, realistic variety)"
	figEdit      = "sealed bytes per single-field edit (batches of 500)"
	figFirstSync = "first sync of 10,000 persons over 64 kbit/s, 400 ms RTT"
	figIngest    = "district ingest, 3 nodes on loopback, applied"
	figPushAck   = "push acknowledgement under that load"
	figLeader    = "leader loss"
	figAppUnlock = "app unlock to overview, 100,000 persons"

	// Measured on the way, not in the README's table.
	figTyping      = "search as you type, 100,000 persons, after a keystroke (issue 7)"
	figStoreUnlock = "unlock to open store, 100,000 persons (kitctl)"
	figOpenLoop    = "push acknowledgement at half the ingest rate measured, open loop"
	figTLSPush     = "push acknowledgement over TLS ÷ over plain HTTP, same load, same run"
	figTLSSync     = "round trips TLS adds to a first sync over 64 kbit/s, 400 ms RTT"

	// Measured against a peer in the same run (benchagainst.go).
	figIngestEtcdOne = "district ingest against etcd, one put per request"
	figIngestEtcdTxn = "district ingest against etcd, transactions of 100 puts"
	figIngestFloor   = "district ingest against its floor: Badger alone writing the same, three stores at once"
)

// benchRow is a line of the table: a figure, its target, and the part of
// bench all that measures it.
type benchRow struct {
	part, figure, target string
}

// designRows are the README's figures table, in its order.
var designRows = []benchRow{
	{"store", figSave, "p99 ≤ 1 ms"},
	{"store", figImport, "≥ 25,000 persons/s and ≥ 80 % of the floor"},
	{"store", figSearch, "p99 ≤ 5 ms"},
	{"store", figStoreMem, "RSS ≤ 64 MB"},
	{"app", figAppMem, "≤ an empty Fyne window + 80 MB"},
	{"batch", figNewPerson, "≤ 30 B"},
	{"batch", figEdit, "≤ 10 B"},
	{"sync", figFirstSync, "≤ 1.3 × (bytes ÷ bandwidth)"},
	{"cluster", figIngest, "≥ 100,000 operations/s"},
	{"cluster", figPushAck, "p99 ≤ 25 ms"},
	{"cluster", figLeader, "new leader ≤ 2 s, no acknowledged batch lost"},
	{"app", figAppUnlock, "≤ scrypt alone + 0.2 s"},
}

// otherRows are figures measured on the way that the README's table does not list.
var otherRows = []benchRow{
	{"app", figTyping, "≤ 50 ms"},
	{"store", figStoreUnlock, "≤ scrypt alone + 0.2 s"},
	{"cluster", figOpenLoop, "p99 ≤ 50 ms"},
	{"cluster", figTLSPush, "≤ 1.10"},
	{"sync", figTLSSync, "≤ 2"},
	// Printed after the ingest (shownAfter); last here so that the
	// others keep their numbers.
	{"cluster", figIngestEtcdOne, "≥ 2 × etcd"},
	{"cluster", figIngestEtcdTxn, "≥ 1 × etcd"},
	{"cluster", figIngestFloor, "≥ 70 % of the floor"},
}

// shownAfter places a figure not in the README's table right after the
// figure it completes, numbered after it ("10b"), instead of among the
// others at the end; the JSON keeps it in other_figures.
var shownAfter = map[string]string{figOpenLoop: figPushAck,
	figIngestEtcdOne: figIngest, figIngestEtcdTxn: figIngest, figIngestFloor: figIngest}

// benchParts are the parts of bench all, in the order they run.
var benchParts = []string{"store", "app", "batch", "sync", "cluster"}

// measurement is one figure as a part measured it.
type measurement struct {
	text  string // as people read it: "0.68 ms"
	value float64
	unit  string
	met   bool
	note  string // what else to know: a p50, a size, why a figure is as it is
}

// allFigure is a line of `kitctl bench all --json`. Met is null when the
// figure was not measured; Note then says why.
type allFigure struct {
	Figure   string   `json:"figure"`
	Target   string   `json:"target"`
	Measured string   `json:"measured"`
	Value    *float64 `json:"value,omitempty"`
	Unit     string   `json:"unit,omitempty"`
	Met      *bool    `json:"met"`
	Note     string   `json:"note,omitempty"`
	// Against is the peer or floor of the figure, measured in the same
	// run (against.go): what it is, its figure as measured, its value in
	// the same unit, and Ratio, ours ÷ its.
	Against         string   `json:"against,omitempty"`
	AgainstMeasured string   `json:"against_measured,omitempty"`
	AgainstValue    *float64 `json:"against_value,omitempty"`
	Ratio           *float64 `json:"ratio,omitempty"`
}

// machine is what the figures were measured on.
type machine struct {
	Cores       int     `json:"cores"`
	MemoryBytes int64   `json:"memory_bytes"`
	Go          string  `json:"go"`
	OS          string  `json:"os"`
	LoadAverage float64 `json:"load_average"` // 1-minute, at the start: others' work makes figures noisy
}

// partRun says how a part of bench all went.
type partRun struct {
	Part    string  `json:"part"`
	Seconds float64 `json:"seconds,omitempty"`
	Skipped bool    `json:"skipped,omitempty"`
	Error   string  `json:"error,omitempty"`
}

// allReport is what `kitctl bench all --json` prints.
type allReport struct {
	Machine      machine     `json:"machine"`
	Date         string      `json:"date"`
	Quick        bool        `json:"quick"`
	Figures      []allFigure `json:"figures"`       // the README's figures, in its order
	OtherFigures []allFigure `json:"other_figures"` // measured on the way, not in the README's table
	Met          int         `json:"met"`           // of Figures
	NotMet       int         `json:"not_met"`
	NotMeasured  int         `json:"not_measured"`
	Runs         []partRun   `json:"runs"`
}

// notMeasured is a part that could not run here, which is no failure: the
// desktop app without a display.
type notMeasured struct{ reason string }

func (n notMeasured) Error() string { return n.reason }

// allSizes are the sizes of every part: the targets' own, or --quick's.
type allSizes struct {
	store      storeOptions
	batch      batchOptions
	sync       syncOptions
	cluster    clusterOptions
	appPersons int
	notes      map[string]string // part → what differs from the target's size
}

func sizesFor(quick bool) allSizes {
	s := allSizes{
		store:      storeOptions{Persons: 100000, Commune: "00769", Seed: 7, Saves: 1000, Queries: 2000},
		batch:      batchOptions{Commune: "12472", Ops: 500, Rounds: 10},
		sync:       syncOptions{Persons: 10000, Kbit: 64, RTT: 400 * time.Millisecond},
		cluster:    clusterOptions{Devices: 24, Batches: 12, Ops: 500, Open: defaultOpenLoop(), Against: true, EtcdSeconds: 60},
		appPersons: 100000,
	}
	if quick {
		s.store.Persons, s.store.Saves, s.store.Queries = 2000, 200, 500
		s.batch.Rounds = 2
		s.sync.Persons = 500
		s.cluster.Devices, s.cluster.Batches = 4, 4
		s.cluster.Open.Pushes, s.cluster.Open.Seconds, s.cluster.Open.Devices = 50, 3, 16
		s.cluster.EtcdSeconds = 15
		s.appPersons = 5000
		s.notes = map[string]string{
			"store":   "quick: 2,000 persons, 200 saves, 500 searches",
			"app":     "quick: 5,000 persons",
			"sync":    "quick: 500 persons",
			"cluster": "quick: 4 devices × 4 batches of 500; open loop at most 50 pushes in 3 s a load",
		}
	}
	return s
}

const appHint = "build bin/communekit and run under a display: make bench"

// benchAll runs every benchmark and prints one table of the README's
// figures. A figure that misses its target is a line of the table, not an
// error; a benchmark that could not run (an error, lost data) is, after
// the table.
func benchAll(e *kit.Env, args []string) error {
	fs := flag.NewFlagSet("bench all", flag.ContinueOnError)
	quick := fs.Bool("quick", false, "small sizes for a smoke run: the figures are not at the targets' sizes")
	skip := fs.String("skip", "", "parts not to run, comma-separated: "+strings.Join(benchParts, ", "))
	appBin := fs.String("app", "", "the desktop binary that measures the app's figures (default: communekit beside kitctl, else on PATH)")
	pos, err := e.ParseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return kit.Usagef("usage: kitctl bench all [--quick] [--skip %s] [--app BIN] [--json]", strings.Join(benchParts, ","))
	}
	skipped := map[string]bool{}
	for _, p := range strings.Split(*skip, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if !slices.Contains(benchParts, p) {
			return kit.Usagef("bench all --skip: unknown part %q (parts: %s)", p, strings.Join(benchParts, ", "))
		}
		skipped[p] = true
	}
	rep, failed := runAll(sizesFor(*quick), skipped, *appBin, func(format string, a ...any) { fmt.Fprintf(e.Stderr, format+"\n", a...) })
	rep.Quick = *quick
	if e.JSON {
		if err := e.PrintJSON(rep); err != nil {
			return err
		}
	} else {
		printAll(e.Stdout, rep)
	}
	if len(failed) > 0 {
		return fmt.Errorf("bench all: %w", errors.Join(failed...))
	}
	return nil
}

// runAll runs every part not skipped and fills the report; it returns
// the benchmarks that failed. say reports progress.
func runAll(sz allSizes, skipped map[string]bool, appBin string, say func(format string, a ...any)) (allReport, []error) {
	rep := allReport{Machine: thisMachine(), Date: time.Now().UTC().Format(time.RFC3339)}
	got := map[string]measurement{}
	why := map[string]string{} // part → why its figures were not measured
	var failed []error
	for _, part := range benchParts {
		run := partRun{Part: part}
		if skipped[part] {
			run.Skipped = true
			why[part] = "skipped (--skip " + part + ")"
			rep.Runs = append(rep.Runs, run)
			continue
		}
		say("== %s", part)
		t0 := time.Now()
		ms, err := measurePartFn(part, sz, appBin, func(format string, a ...any) { say("  "+format, a...) })
		run.Seconds = kit.Round(time.Since(t0).Seconds())
		var nm notMeasured
		switch {
		case errors.As(err, &nm):
			why[part] = nm.reason
		case err != nil:
			run.Error = err.Error()
			failed = append(failed, fmt.Errorf("%s: %w", part, err))
			why[part] = "the benchmark failed: " + err.Error()
		}
		for k, m := range ms {
			if n := sz.notes[part]; n != "" && m.note != "" {
				m.note = n + "; " + m.note
			} else if n != "" {
				m.note = n
			}
			got[k] = m
		}
		rep.Runs = append(rep.Runs, run)
	}

	line := func(r benchRow) allFigure {
		f := allFigure{Figure: r.figure, Target: r.target}
		m, ok := got[r.figure]
		a, peer := got[againstKey(r.figure)]
		if !ok {
			reason := why[r.part]
			if peer && a.note != "" {
				reason = a.note // the peer could not be measured
			}
			f.Measured, f.Note = "—", "not measured: "+reason
			setAgainst(&f, got)
			ingestAgainst(&f, a, peer)
			return f
		}
		v, met := m.value, m.met
		f.Measured, f.Value, f.Unit, f.Met, f.Note = m.text, &v, m.unit, &met, m.note
		setAgainst(&f, got)
		ingestAgainst(&f, a, peer)
		return f
	}
	for _, r := range designRows {
		f := line(r)
		switch {
		case f.Met == nil:
			rep.NotMeasured++
		case *f.Met:
			rep.Met++
		default:
			rep.NotMet++
		}
		rep.Figures = append(rep.Figures, f)
	}
	for _, r := range otherRows {
		rep.OtherFigures = append(rep.OtherFigures, line(r))
	}
	return rep, failed
}

// measurePartFn is measurePart; tests put figures of their own in its place.
var measurePartFn = measurePart

// measurePart runs one part of bench all. A part that failed after
// measuring (lost data) returns its figures and the error.
func measurePart(part string, sz allSizes, appBin string, progress func(string, ...any)) (map[string]measurement, error) {
	switch part {
	case "store":
		return storeFigures(sz.store, progress)
	case "app":
		return appFigures(appBin, sz.appPersons, progress)
	case "batch":
		return batchFigures(sz.batch)
	case "sync":
		return syncFigures(sz.sync, progress)
	case "cluster":
		return clusterFigureSet(sz.cluster, progress)
	}
	return nil, fmt.Errorf("no part %q", part)
}

// printAll prints the table for a person, as Markdown so that it pastes
// into an issue as it is.
func printAll(w io.Writer, r allReport) {
	m := r.Machine
	fmt.Fprintf(w, "kitctl bench all: the figures of the README, %s\n", r.Date)
	fmt.Fprintf(w, "machine: %d cores, %.1f GiB memory, %s %s, load average %.2f at the start\n",
		m.Cores, float64(m.MemoryBytes)/(1<<30), m.Go, m.OS, m.LoadAverage)
	if r.Quick {
		fmt.Fprintln(w, "QUICK SIZES (--quick): a smoke run at smaller sizes than the targets name; these figures do not say whether a target is met")
	}
	fmt.Fprintln(w)
	rows := [][]string{{"#", "figure", "target", "measured", "against (same run)", "ratio", "met"}}
	var notes []string
	add := func(n string, f allFigure) {
		met := "not measured"
		if f.Met != nil {
			met = map[bool]string{true: "yes", false: "no"}[*f.Met]
		}
		rows = append(rows, []string{n, f.Figure, f.Target, f.Measured, againstCell(f), ratioCell(f), met})
		if f.Note != "" {
			notes = append(notes, fmt.Sprintf("%3s. %s", n, f.Note))
		}
	}
	for i, f := range r.Figures {
		add(strconv.Itoa(i+1), f)
		sub := 'b'
		for _, o := range r.OtherFigures {
			if shownAfter[o.Figure] == f.Figure {
				add(strconv.Itoa(i+1)+string(sub), o)
				sub++
			}
		}
	}
	rows = append(rows, []string{"", "not in the README's table:", "", "", "", "", ""})
	n := len(r.Figures)
	for _, f := range r.OtherFigures {
		if shownAfter[f.Figure] == "" {
			n++
			add(strconv.Itoa(n), f)
		}
	}
	printTable(w, rows)
	fmt.Fprintf(w, "\n%d figures of the README's table: %d met, %d not met, %d not measured\n", len(r.Figures), r.Met, r.NotMet, r.NotMeasured)
	if len(notes) > 0 {
		fmt.Fprintln(w, "\nnotes:")
		for _, n := range notes {
			fmt.Fprintln(w, n)
		}
	}
	var runs []string
	for _, p := range r.Runs {
		switch {
		case p.Skipped:
			runs = append(runs, p.Part+" skipped")
		case p.Error != "":
			runs = append(runs, fmt.Sprintf("%s FAILED after %.0f s", p.Part, p.Seconds))
		default:
			runs = append(runs, fmt.Sprintf("%s %.0f s", p.Part, p.Seconds))
		}
	}
	fmt.Fprintf(w, "\nruns: %s\n", strings.Join(runs, ", "))
}

// printTable prints rows as a Markdown table, the first row its header.
func printTable(w io.Writer, rows [][]string) {
	width := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	cell := func(r []string) {
		for i, c := range r {
			fmt.Fprintf(w, "| %s%s ", c, strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)))
		}
		fmt.Fprintln(w, "|")
	}
	cell(rows[0])
	for i := range width {
		fmt.Fprintf(w, "|%s", strings.Repeat("-", width[i]+2))
	}
	fmt.Fprintln(w, "|")
	for _, r := range rows[1:] {
		cell(r)
	}
}

// storeFigures runs the store benchmark (measureStore).
func storeFigures(o storeOptions, progress func(string, ...any)) (map[string]measurement, error) {
	r, err := measureStore(o, progress)
	if err != nil {
		return nil, err
	}
	saveNote := fmt.Sprintf("p50 %.2f ms over %d saves; each followed by a write of %d B and its fsync in the profile's directory (p50 %.2f ms)", r.SaveP50ms, o.Saves, fsyncBlock, r.FsyncP50ms)
	if r.FsyncP99ms > 1 {
		saveNote += "; the disk's own fsync p99 is over 1 ms here, so no durable save can meet the target on this machine"
	}
	return map[string]measurement{
		figSave:          {fmt.Sprintf("p99 %.2f ms", r.SaveP99ms), r.SaveP99ms, "ms", r.SaveP99ms <= 1, saveNote},
		peerKey(figSave): {fmt.Sprintf("p99 %.2f ms", r.FsyncP99ms), r.FsyncP99ms, "ms", true, ""},
		figImport: {thousands(r.ImportRate) + " persons/s", kit.Round(r.ImportRate), "persons/s", importMet(r.ImportRate, r.ImportFloorRate),
			fmt.Sprintf("%s persons in %.1f s; the floor wrote the %s entries (%.1f MB of keys and values) the import left, with the store's options and encryption, through a WriteBatch, in %.1f s",
				thousands(float64(r.Persons)), r.ImportSeconds, thousands(float64(r.ImportEntries)), float64(r.ImportEntryBytes)/1e6, r.ImportFloorSecs)},
		peerKey(figImport): {thousands(r.ImportFloorRate) + " persons/s", kit.Round(r.ImportFloorRate), "persons/s", true, ""},
		figSearch: {fmt.Sprintf("p99 %.2f ms", r.SearchP99ms), r.SearchP99ms, "ms", r.SearchP99ms <= 5,
			fmt.Sprintf("p50 %.2f ms over %d queries", r.SearchP50ms, r.SearchQueries)},
		figStoreMem: {fmt.Sprintf("%.1f MB", r.RSSMB), r.RSSMB, "MB", r.RSSMB <= 64,
			fmt.Sprintf("%.1f MB anonymous + %.1f MB file-backed; peak %.0f MB while the key is derived", r.RSSAnonMB, r.RSSFileMB, r.PeakRSSMB)},
		figStoreUnlock: {fmt.Sprintf("%.2f s", r.UnlockSeconds), r.UnlockSeconds, "s", r.UnlockSeconds <= r.ScryptSeconds+0.2,
			fmt.Sprintf("a fresh kitctl process, passphrase to store open; %+.2f s over scrypt alone at work factor %d, timed in the same process after it", r.UnlockSeconds-r.ScryptSeconds, r.WorkFactorUsed)},
		peerKey(figStoreUnlock): {fmt.Sprintf("%.2f s", r.ScryptSeconds), r.ScryptSeconds, "s", true, ""},
	}, nil
}

// batchFigures runs the sealed-batch benchmark (measureBatch).
func batchFigures(o batchOptions) (map[string]measurement, error) {
	r, err := measureBatch(o)
	if err != nil {
		return nil, err
	}
	one := func(w batchFigure, target float64) measurement {
		return measurement{fmt.Sprintf("%.1f B", w.SealedPerOp), w.SealedPerOp, "B", w.SealedPerOp <= target,
			fmt.Sprintf("%d operations sealed in %s B (envelope %d B)", w.Operations, thousands(float64(w.SealedBytes)), w.EnvelopeBytes)}
	}
	return map[string]measurement{figNewPerson: one(r.Workloads[0], 30), figEdit: one(r.Workloads[1], 10)}, nil
}

// syncFigures runs the first-sync benchmark (measureSync).
func syncFigures(o syncOptions, progress func(string, ...any)) (map[string]measurement, error) {
	f, err := measureSync(o, progress)
	if err != nil {
		return nil, err
	}
	return map[string]measurement{
		figFirstSync: {fmt.Sprintf("%.1f s", f.Seconds), kit.Round(f.Seconds), "s", f.Ratio <= 1.3,
			fmt.Sprintf("%s B up and %s B down; %.2f × (bytes ÷ bandwidth)", thousands(float64(f.BytesUp)), thousands(float64(f.BytesDown)), f.Ratio)},
		peerKey(figFirstSync): {fmt.Sprintf("%.1f s (bytes ÷ bandwidth)", f.IdealSeconds), kit.Round(f.IdealSeconds), "s", true, ""},
		figTLSSync: {fmt.Sprintf("%.1f round trips", f.TLSRoundTrips), f.TLSRoundTrips, "round trips", f.TLSRoundTrips <= 2,
			fmt.Sprintf("%d connection(s) for push and pull; a request on a new connection %.2f s over TLS, %.2f s over plain HTTP through the same link (medians of 5)", f.Connections, f.NewConnTLSSeconds, f.NewConnPlainSecond)},
	}, f.check()
}

// clusterFigureSet runs the cluster benchmark (measureCluster), leader
// loss included.
func clusterFigureSet(o clusterOptions, progress func(string, ...any)) (map[string]measurement, error) {
	f, err := measureCluster(o, progress)
	if err != nil {
		return nil, err
	}
	return clusterRows(f), f.check()
}

// clusterRows are every row of bench all that f gives.
func clusterRows(f clusterFigures) map[string]measurement {
	ms := clusterMeasurements(f)
	maps.Copy(ms, againstMeasurements(f))
	return ms
}

// clusterMeasurements are the rows of bench all that f gives.
func clusterMeasurements(f clusterFigures) map[string]measurement {
	newLeader := kit.Round(f.NewLeaderMs / 1000)
	ms := map[string]measurement{
		figIngest: {thousands(f.OpsPerSec) + " operations/s", kit.Round(f.OpsPerSec), "operations/s", f.OpsPerSec >= 100000,
			fmt.Sprintf("%s operations from %d devices in %.2f s", thousands(float64(f.Operations)), f.Devices, f.Seconds)},
		figPushAck: {fmt.Sprintf("p99 %.1f ms", f.PushP99Ms), f.PushP99Ms, "ms", f.PushP99Ms <= 25,
			fmt.Sprintf("p50 %.1f ms; closed loop: %d devices each push again as soon as answered, so the cluster is saturated and a push waits for the batches ahead of it (the open-loop row measures a given load)", f.PushP50Ms, f.Devices)},
		figLeader: {fmt.Sprintf("%.2f s, %d lost", newLeader, f.LostAfterKill), newLeader, "s", f.NewLeaderMs <= 2000 && f.LostAfterKill == 0,
			fmt.Sprintf("new leader %.2f s after SIGKILL; %d batches acknowledged around the kill, %d missing from a survivor; digests equal: %v", newLeader, f.AckedDuringKill, f.LostAfterKill, f.DigestsEqual)},
	}
	for i, o := range f.OpenLoop {
		if o.LoadFraction == 0.5 && i < len(f.OpenLoopPlain) && o.TLSOverPlainP99 > 0 {
			p := f.OpenLoopPlain[i]
			worse := max(o.TLSOverPlainP50, o.TLSOverPlainP99)
			ms[figTLSPush] = measurement{fmt.Sprintf("p50 %.2f, p99 %.2f", o.TLSOverPlainP50, o.TLSOverPlainP99), worse, "×", worse <= 1.10,
				fmt.Sprintf("at half the ingest rate: over TLS p50 %.1f ms, p99 %.1f ms; over plain HTTP (the nodes' benchmark listener) p50 %.1f ms, p99 %.1f ms; %d pushes each", o.PushP50Ms, o.PushP99Ms, p.PushP50Ms, p.PushP99Ms, o.Pushes)}
		}
		if o.LoadFraction == 0.5 {
			ms[figOpenLoop] = measurement{fmt.Sprintf("p99 %.1f ms", o.PushP99Ms), o.PushP99Ms, "ms", o.PushP99Ms <= 50,
				fmt.Sprintf("p50 %.1f ms, max %.1f ms; %d pushes of %d operations, Poisson arrivals over %d devices at %s operations/s (half the %s measured closed-loop), %s operations/s acknowledged; latency from the scheduled start to the verified receipt, %d started late behind their device's previous push",
					o.PushP50Ms, o.PushMaxMs, o.Pushes, o.OpsPerPush, o.Devices, thousands(o.OfferedOpsPS), thousands(f.OpsPerSec), thousands(o.AchievedOpsPS), o.DelayedStarts)}
		}
	}
	return ms
}

// appReport is what `communekit --measure --json` prints (the fields
// bench all reads).
type appReport struct {
	Persons           int       `json:"persons"`
	PersonsShown      int       `json:"persons_shown"`
	WorkFactor        int       `json:"scrypt_work_factor"`
	ProfileMade       bool      `json:"profile_made"`
	ProfileSeconds    float64   `json:"profile_seconds"`
	UnlockToOverviewS float64   `json:"unlock_to_overview_s"`
	SearchMs          []float64 `json:"search_ms"`
	SearchP50Ms       float64   `json:"search_p50_ms"`
	SearchMaxMs       float64   `json:"search_max_ms"`
	RSSOverviewMB     float64   `json:"rss_after_overview_mb"`
	RSSMB             float64   `json:"rss_mb"`
	PeakRSSMB         float64   `json:"peak_rss_mb"`
	RSSAnonMB         float64   `json:"rss_anon_mb"`
	RSSFileMB         float64   `json:"rss_file_mb"`
	HeapMB            float64   `json:"go_heap_in_use_mb"`
	ScryptSeconds     float64   `json:"scrypt_seconds"`
}

// emptyWindowReport is what `communekit --measure-empty --json` prints
// (the fields bench all reads): the app's memory's peer.
type emptyWindowReport struct {
	RSSMB float64 `json:"rss_mb"`
}

// appFigures runs `communekit --measure`, which opens the real window, so
// it needs the desktop binary (built with cgo, which kitctl is not) and a
// display.
func appFigures(bin string, persons int, progress func(string, ...any)) (map[string]measurement, error) {
	if os.Getenv("DISPLAY") == "" {
		return nil, notMeasured{"no display ($DISPLAY is not set): " + appHint}
	}
	if bin == "" {
		bin = findApp()
		if bin == "" {
			return nil, notMeasured{"no communekit beside kitctl or on PATH: " + appHint}
		}
	}
	progress("%s --measure-empty: a window with one label, the same binary, display and GL driver…", bin)
	var empty emptyWindowReport
	if err := runAppJSON(bin, 2*time.Minute, &empty, "--measure-empty", "--json"); err != nil {
		return nil, err
	}
	if empty.RSSMB <= 0 {
		return nil, fmt.Errorf("%s --measure-empty: no memory read", bin)
	}
	progress("%s --measure --persons %d (the first run makes the profile, at work factor 18, and keeps it in the cache directory)…", bin, persons)
	var r appReport
	if err := runAppJSON(bin, 20*time.Minute, &r, "--measure", "--persons", strconv.Itoa(persons), "--json"); err != nil {
		return nil, err
	}
	if r.PersonsShown == 0 || r.WorkFactor == 0 {
		return nil, fmt.Errorf("%s --measure: the overview showed %d persons, work factor %d", bin, r.PersonsShown, r.WorkFactor)
	}
	if r.ProfileMade {
		progress("the profile took %.0f s to make", r.ProfileSeconds)
	}
	return map[string]measurement{
		figAppMem: {fmt.Sprintf("%.1f MB", r.RSSMB), r.RSSMB, "MB", r.RSSMB <= empty.RSSMB+80,
			fmt.Sprintf("%+.1f MB over the one-label window; after the overview, the households, the statistics and data-quality screens and %d searches typed; %.1f MB anonymous (Go heap in use %.1f MB) + %.1f MB file-backed (binary, GL libraries); %.1f MB after the overview alone; peak %.0f MB while the key is derived",
				r.RSSMB-empty.RSSMB, len(r.SearchMs), r.RSSAnonMB, r.HeapMB, r.RSSFileMB, r.RSSOverviewMB, r.PeakRSSMB)},
		peerKey(figAppMem): {fmt.Sprintf("%.1f MB", empty.RSSMB), empty.RSSMB, "MB", true, ""},
		figAppUnlock: {fmt.Sprintf("%.2f s", r.UnlockToOverviewS), r.UnlockToOverviewS, "s", r.UnlockToOverviewS <= r.ScryptSeconds+0.2 && r.WorkFactor == 18,
			fmt.Sprintf("Enter on the unlock screen to the overview showing %s persons, %+.2f s over scrypt alone (timed in the same process after the run); scrypt work factor %d read from the key file", thousands(float64(r.PersonsShown)), r.UnlockToOverviewS-r.ScryptSeconds, r.WorkFactor)},
		peerKey(figAppUnlock): {fmt.Sprintf("%.2f s", r.ScryptSeconds), r.ScryptSeconds, "s", true, ""},
		figTyping: {fmt.Sprintf("max %.1f ms", r.SearchMaxMs), r.SearchMaxMs, "ms", r.SearchMaxMs <= 50,
			fmt.Sprintf("p50 %.1f ms over %d names and ID numbers typed at 80 ms a key; last key to results (the query runs at once)", r.SearchP50Ms, len(r.SearchMs))},
	}, nil
}

// runAppJSON runs the desktop binary with args and reads its JSON into v.
func runAppJSON(bin string, timeout time.Duration, v any, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("%s %s: %v: %s", bin, args[0], err, lastLines(stderr.String(), 5))
	}
	if err := json.Unmarshal(out, v); err != nil {
		return fmt.Errorf("%s %s printed %q: %v", bin, args[0], out, err)
	}
	return nil
}

// findApp returns the communekit beside this kitctl, else on PATH, or "".
func findApp() string {
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), "communekit")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	p, _ := exec.LookPath("communekit")
	return p
}

func thisMachine() machine {
	m := machine{Cores: runtime.NumCPU(), Go: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				m.MemoryBytes = kb * 1024
			}
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 0 {
			m.LoadAverage, _ = strconv.ParseFloat(f[0], 64)
		}
	}
	return m
}

// thousands writes v rounded to a whole number, with thousands separated:
// 123,456.
func thousands(v float64) string {
	s := strconv.FormatInt(int64(v+0.5), 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
