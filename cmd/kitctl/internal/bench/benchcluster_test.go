package bench

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/communekit/communekit/cmd/kitctl/internal/kit"
)

// TestBenchCluster_OpenLoop runs `kitctl bench cluster --json` at tiny
// sizes, leader kill included: the closed-loop fields are all there and
// the open loop measured every load asked. It checks that figures were
// measured and are consistent, never how fast.
func TestBenchCluster_OpenLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a three-node cluster of kitctl processes")
	}
	withKitctl(t)
	t.Setenv("TMPDIR", t.TempDir())
	traces := t.TempDir()
	t0 := time.Now()
	var out, errb bytes.Buffer
	code := run([]string{"bench", "cluster", "--json", "--devices", "2", "--batches", "4", "--ops", "100",
		"--open-loads", "0.25,0.5", "--against=false", "--open-ops", "20", "--open-pushes", "12", "--open-seconds", "2", "--open-devices", "4", "--trace", traces},
		nil, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	t.Logf("bench cluster took %v:\n%s", time.Since(t0).Round(time.Second), errb.String())

	// The JSON is a contract: the closed-loop fields stay, open_loop is added.
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(out.Bytes(), &raw); err != nil {
		t.Fatalf("%v:\n%s", err, out.String())
	}
	for _, k := range []string{"nodes", "devices", "batches", "operations", "seconds", "ops_per_s", "push_p50_ms", "push_p99_ms",
		"new_leader_ms", "acknowledged_during_kill", "acknowledged_lost_after_kill", "digests_equal", "open_loop", "open_loop_plain_http"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("no %q in %s", k, out.String())
		}
	}
	var loads []map[string]json.RawMessage
	if err := json.Unmarshal(raw["open_loop"], &loads); err != nil || len(loads) != 2 {
		t.Fatalf("open_loop %s: %v", raw["open_loop"], err)
	}
	for _, k := range []string{"load_fraction", "ops_per_s_offered", "ops_per_s_achieved", "push_p50_ms", "push_p99_ms", "pushes", "ops_per_push"} {
		if _, ok := loads[0][k]; !ok {
			t.Errorf("no %q in open_loop[0]: %s", k, raw["open_loop"])
		}
	}

	var f clusterFigures
	if err := json.Unmarshal(out.Bytes(), &f); err != nil {
		t.Fatal(err)
	}
	if f.Operations == 0 || f.OpsPerSec <= 0 || f.PushP99Ms < f.PushP50Ms || f.PushP50Ms <= 0 || !f.DigestsEqual || f.LostAfterKill != 0 {
		t.Errorf("closed loop: %+v", f)
	}
	for i, o := range f.OpenLoop {
		if want := []float64{0.25, 0.5}[i]; o.LoadFraction != want {
			t.Errorf("load %d: fraction %v, want %v", i, o.LoadFraction, want)
		}
		// Half the devices push over TLS, the other half over plain HTTP
		// beside them, o.Pushes each.
		if o.Pushes <= 0 || o.Pushes > 12 || o.OpsPerPush != 20 || o.Devices != 2 || o.Arrivals != "poisson" || o.Transport != "tls" {
			t.Errorf("load %d: %+v", i, o)
		}
		if i >= len(f.OpenLoopPlain) {
			t.Fatalf("%d plain HTTP rows for %d loads", len(f.OpenLoopPlain), len(f.OpenLoop))
		}
		p := f.OpenLoopPlain[i]
		if p.LoadFraction != o.LoadFraction || p.Transport != "plain_http" || p.Pushes <= 0 || p.Devices != 2 || !(p.PushP50Ms > 0) {
			t.Errorf("load %d over plain HTTP: %+v", i, p)
		}
		if o.TLSOverPlainP50 != kit.Round(o.PushP50Ms/p.PushP50Ms) || o.TLSOverPlainP99 != kit.Round(o.PushP99Ms/p.PushP99Ms) {
			t.Errorf("load %d: TLS ÷ plain %v, %v from %+v and %+v", i, o.TLSOverPlainP50, o.TLSOverPlainP99, o, p)
		}
		if !(o.PushP50Ms > 0 && o.PushP99Ms >= o.PushP50Ms && o.PushMaxMs >= o.PushP99Ms) {
			t.Errorf("load %d: p50 %v, p99 %v, max %v", i, o.PushP50Ms, o.PushP99Ms, o.PushMaxMs)
		}
		if o.OfferedOpsPS <= 0 || o.AchievedOpsPS <= 0 || o.Seconds <= 0 || o.DelayedStarts < 0 || o.DelayedStarts > o.Pushes {
			t.Errorf("load %d: %+v", i, o)
		}
	}

	// --trace: each load's pushes, and a Go execution trace of every node.
	for _, load := range []string{"0.25", "0.5"} {
		tsv, err := os.ReadFile(filepath.Join(traces, "pushes-"+load+".tsv"))
		if err != nil || !strings.HasPrefix(string(tsv), "# window start ") || strings.Count(string(tsv), "\n") < 3 {
			t.Errorf("pushes-%s.tsv: %v\n%s", load, err, tsv)
		}
		for _, n := range []string{"n1", "n2", "n3"} {
			if st, err := os.Stat(filepath.Join(traces, "trace-"+load+"-"+n+".out")); err != nil || st.Size() == 0 {
				t.Errorf("trace of %s at %s: %v", n, load, err)
			}
		}
	}

	// For a person, and as bench all's row next to push acknowledgement.
	var b bytes.Buffer
	printCluster(&b, f, true)
	for _, want := range []string{"push acknowledgement:", "open loop", " 25 % of ingest", " 50 % of ingest"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
	if tp, ok := clusterMeasurements(f)[figTLSPush]; !ok || tp.value != max(f.OpenLoop[1].TLSOverPlainP50, f.OpenLoop[1].TLSOverPlainP99) {
		t.Errorf("bench all's TLS row: %+v (ok %v)", tp, ok)
	}
	m, ok := clusterMeasurements(f)[figOpenLoop]
	if !ok || m.value != f.OpenLoop[1].PushP99Ms || m.met != (m.value <= 50) || m.unit != "ms" {
		t.Errorf("bench all's open-loop row: %+v (ok %v)", m, ok)
	}
}

// TestBenchAll_OpenLoopRowAfterPushAcknowledgement: the open-loop row,
// not in the README's table, is printed right after its push acknowledgement as 10b,
// and the other figures not in the table keep their numbers.
func TestBenchAll_OpenLoopRowAfterPushAcknowledgement(t *testing.T) {
	var r allReport
	for _, row := range designRows {
		r.Figures = append(r.Figures, allFigure{Figure: row.figure, Target: row.target, Measured: "—"})
	}
	for _, row := range otherRows {
		r.OtherFigures = append(r.OtherFigures, allFigure{Figure: row.figure, Target: row.target, Measured: "—"})
	}
	var b bytes.Buffer
	printAll(&b, r)
	text := b.String()
	i10, i10b, i11 := strings.Index(text, "| 10  | "+figPushAck), strings.Index(text, "| 10b | "+figOpenLoop), strings.Index(text, "| 11  | "+figLeader)
	if i10 < 0 || i10b < i10 || i11 < i10b {
		t.Errorf("rows 10, 10b, 11 at %d, %d, %d:\n%s", i10, i10b, i11, text)
	}
	if strings.Count(text, figOpenLoop) != 1 || !strings.Contains(text, "| 13  | "+figTyping) || !strings.Contains(text, "| 14  | "+figStoreUnlock) {
		t.Errorf("the other figures:\n%s", text)
	}
}
