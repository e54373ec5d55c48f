package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/communekit/communekit/cmd/kitctl/internal/kittest"
)

// designTable is the README's figures table, copied from it: bench all must
// print every row, in this order and these words.
var designTable = [][2]string{
	{"one saved person, durable", "p99 ≤ 1 ms"},
	{"bulk import (validation, indexes and history included)", "≥ 25,000 persons/s and ≥ 80 % of the floor"},
	{"search, 100,000 persons, realistic query mix", "p99 ≤ 5 ms"},
	{"commune store memory, 100,000 persons (kitctl)", "RSS ≤ 64 MB"},
	{"desktop app memory, 100,000 persons", "≤ an empty Fyne window + 80 MB"},
	{"sealed bytes per new person (batches of 500, realistic variety)", "≤ 30 B"},
	{"sealed bytes per single-field edit (batches of 500)", "≤ 10 B"},
	{"first sync of 10,000 persons over 64 kbit/s, 400 ms RTT", "≤ 1.3 × (bytes ÷ bandwidth)"},
	{"district ingest, 3 nodes on loopback, applied", "≥ 100,000 operations/s"},
	{"push acknowledgement under that load", "p99 ≤ 25 ms"},
	{"leader loss", "new leader ≤ 2 s, no acknowledged batch lost"},
	{"app unlock to overview, 100,000 persons", "≤ scrypt alone + 0.2 s"},
}

// TestBenchAll_QuickPrintsEveryDesignFigure runs `kitctl bench all --quick
// --json` as a process (its benchmarks start kitctl children): each row of the table
// is there, in order, measured or not measured with the reason. The
// desktop app's part needs a window and the cluster's takes most of a
// minute under the race detector: both are skipped (`kitctl bench
// cluster` is the same code).
func TestBenchAll_QuickPrintsEveryDesignFigure(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the store, batch and sync benchmarks at small sizes (about 30 s)")
	}
	t0 := time.Now()
	out, stderr, err := runKitctl(t, "bench", "all", "--quick", "--skip", "app,cluster", "--json")
	if err != nil {
		t.Fatalf("bench all: %v\n%s", err, stderr)
	}
	var r allReport
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	t.Logf("bench all --quick took %v: %+v", time.Since(t0).Round(time.Second), r.Runs)
	if r.Machine.Cores != runtime.NumCPU() || r.Machine.MemoryBytes <= 0 || r.Machine.Go != runtime.Version() || r.Machine.OS != runtime.GOOS+"/"+runtime.GOARCH {
		t.Errorf("machine = %+v", r.Machine)
	}
	if _, err := time.Parse(time.RFC3339, r.Date); err != nil || !r.Quick {
		t.Errorf("date %q (%v), quick %v", r.Date, err, r.Quick)
	}
	if len(r.Figures) != len(designTable) {
		t.Fatalf("%d figures, want the %d of the README's figures:\n%s", len(r.Figures), len(designTable), out)
	}
	counts := map[string]int{}
	for i, f := range r.Figures {
		if f.Figure != designTable[i][0] || f.Target != designTable[i][1] {
			t.Errorf("row %d = %q %q, want %q %q", i+1, f.Figure, f.Target, designTable[i][0], designTable[i][1])
		}
		part := designRows[i].part
		switch skipped := part == "app" || part == "cluster"; {
		case skipped && (f.Met != nil || f.Note != "not measured: skipped (--skip "+part+")"):
			t.Errorf("%s: met %v, note %q; want not measured, skipped", f.Figure, f.Met, f.Note)
		case !skipped && (f.Met == nil || f.Value == nil || f.Measured == "" || f.Unit == ""):
			t.Errorf("%s: not measured: %+v", f.Figure, f)
		}
		switch {
		case f.Met == nil:
			counts["not measured"]++
		case *f.Met:
			counts["met"]++
		default:
			counts["not met"]++
		}
	}
	if r.Met != counts["met"] || r.NotMet != counts["not met"] || r.NotMeasured != counts["not measured"] || r.NotMeasured != 5 {
		t.Errorf("met %d, not met %d, not measured %d; the rows say %v", r.Met, r.NotMet, r.NotMeasured, counts)
	}
	var open []allFigure // bench cluster's open loop, not in the table
	for _, f := range r.OtherFigures {
		if f.Figure == figOpenLoop {
			open = append(open, f)
		}
	}
	if len(open) != 1 || open[0].Met != nil || open[0].Note != "not measured: skipped (--skip cluster)" {
		t.Errorf("open-loop row %+v", open)
	}
	for _, run := range r.Runs {
		if run.Error != "" || run.Skipped != (run.Part == "app" || run.Part == "cluster") {
			t.Errorf("run %+v", run)
		}
	}

	// The same report for a person: one table, the machine above it.
	var b bytes.Buffer
	printAll(&b, r)
	text := b.String()
	for _, want := range []string{"cores", "GiB memory", runtime.Version(), "QUICK SIZES", "| # ", "| 10b ", "| 12 ", "not measured", "not in the README's table:",
		"| against (same run) ", "| ratio ", "| fsync p99: p99 ", "| Badger alone writing an import's entries: ", "| the link's bound: ", "| a one-label Fyne window, same display and GL: — "} {
		if !strings.Contains(text, want) {
			t.Errorf("table lacks %q:\n%s", want, text)
		}
	}
	last := -1
	for _, row := range designTable {
		i := strings.Index(text, "| "+row[0]+" ")
		if i < last {
			t.Errorf("row %q missing or out of order:\n%s", row[0], text)
		}
		last = i
	}
}

// TestBenchAll_QuickAgainstColumns: from the quick run's report, every
// figure with a peer measured in the run has both numbers and the ratio,
// ours ÷ the peer's; a peer not measured (the app's, skipped) is named
// without a figure; the figures without a peer have none.
func TestBenchAll_QuickAgainstColumns(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the store and sync benchmarks at small sizes")
	}
	out, stderr, err := runKitctl(t, "bench", "all", "--quick", "--skip", "app,batch,cluster", "--json")
	if err != nil {
		t.Fatalf("bench all: %v\n%s", err, stderr)
	}
	var r allReport
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	withPeer := map[string]bool{}
	for _, f := range append(r.Figures, r.OtherFigures...) {
		name, peer := againstOf[f.Figure]
		switch {
		case !peer && (f.Against != "" || f.Ratio != nil || f.AgainstValue != nil):
			t.Errorf("%s has no peer, but against %q, ratio %v", f.Figure, f.Against, f.Ratio)
		case !peer:
		case f.Against != name:
			t.Errorf("%s: against %q, want %q", f.Figure, f.Against, name)
		case f.Met == nil && (f.AgainstValue != nil || f.Ratio != nil):
			t.Errorf("%s, not measured, has a peer's figure", f.Figure)
		case f.Met == nil:
		case f.AgainstValue == nil || *f.AgainstValue <= 0 || f.AgainstMeasured == "" || f.Ratio == nil:
			t.Errorf("%s: no peer's figure or ratio: %+v", f.Figure, f)
		default:
			if want := *f.Value / *f.AgainstValue; *f.Ratio < want*0.99-0.01 || *f.Ratio > want*1.01+0.01 {
				t.Errorf("%s: ratio %v, want %v ÷ %v", f.Figure, *f.Ratio, *f.Value, *f.AgainstValue)
			}
			withPeer[f.Figure] = true
		}
	}
	for _, f := range []string{figSave, figImport, figFirstSync, figStoreUnlock} {
		if !withPeer[f] {
			t.Errorf("%s: no peer measured in the run", f)
		}
	}
	// The import's target is judged on its floor and its own rate.
	for _, f := range r.Figures {
		if f.Figure == figImport && f.Met != nil && *f.Met != importMet(*f.Value, *f.AgainstValue) {
			t.Errorf("import met %v, rate %v, floor %v", *f.Met, *f.Value, *f.AgainstValue)
		}
	}
}

func TestImportMet(t *testing.T) {
	for _, c := range []struct {
		rate, floor float64
		met         bool
	}{{30000, 36000, true}, {30000, 40000, false}, {24000, 25000, false}, {30000, 0, false}} {
		if got := importMet(c.rate, c.floor); got != c.met {
			t.Errorf("importMet(%v, %v) = %v", c.rate, c.floor, got)
		}
	}
}

// TestBenchAll_FailedBenchmarkExitsNonZero: a benchmark that fails (here
// the desktop binary, which exits 1) leaves its rows not measured with the
// error, the table is still printed, and kitctl exits 1; figures that miss
// their targets do not (the other test exits 0 whatever they are).
func TestBenchAll_FailedBenchmarkExitsNonZero(t *testing.T) {
	t.Setenv("DISPLAY", ":99") // /bin/false needs none
	out, stderr, err := runKitctl(t, "bench", "all", "--skip", "store,batch,sync,cluster", "--app", "/bin/false", "--json")
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitData {
		t.Fatalf("exit %v, want %d\n%s", err, exitData, stderr)
	}
	var r allReport
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if r.NotMeasured != len(designTable) || !strings.Contains(r.Figures[4].Note, "the benchmark failed: /bin/false --measure") {
		t.Errorf("not measured %d, app memory's note %q", r.NotMeasured, r.Figures[4].Note)
	}
	if !strings.Contains(string(stderr), "bench all: app:") {
		t.Errorf("stderr does not say which benchmark failed:\n%s", stderr)
	}
}

// TestBenchAll_WithoutDisplayAppNotMeasured: without a display the app's
// rows say how to measure them, and that is no failure.
func TestBenchAll_WithoutDisplayAppNotMeasured(t *testing.T) {
	t.Setenv("DISPLAY", "")
	out, stderr, err := runKitctl(t, "bench", "all", "--skip", "store,batch,sync,cluster", "--app", "/bin/false")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if !strings.Contains(string(out), "not measured: no display ($DISPLAY is not set): build bin/communekit and run under a display: make bench") {
		t.Errorf("no reason for the app's rows:\n%s", out)
	}
}

func TestBenchAll_UnknownPartIsAUsageError(t *testing.T) {
	var stderr bytes.Buffer
	if code := run([]string{"bench", "all", "--skip", "stor"}, nil, &bytes.Buffer{}, &stderr); code != exitUsage {
		t.Errorf("exit %d, want %d: %s", code, exitUsage, stderr.String())
	}
}

// runKitctl runs the real kitctl as another process.
func runKitctl(t *testing.T, args ...string) (stdout, stderr []byte, err error) {
	t.Helper()
	cmd := exec.Command(kittest.Build(t, kitctlPkg), args...)
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
	var eb bytes.Buffer
	cmd.Stderr = &eb
	stdout, err = cmd.Output()
	return stdout, eb.Bytes(), err
}
