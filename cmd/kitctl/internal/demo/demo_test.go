package demo

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/communekit/communekit/cmd/kitctl/internal/kittest"
)

// buildDistrictd builds the real districtd for tests that run a cluster.
func buildDistrictd(t *testing.T) string {
	t.Helper()
	return kittest.Build(t, "github.com/communekit/communekit/cmd/districtd")
}

// TestDemo_FaultSuite is the short form of `kitctl demo --faults`: the
// whole day and every fault with small communes on faster links. It
// checks the verdict and that every part of the day and every fault ran.
func TestDemo_FaultSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a three-node cluster of real processes")
	}
	withKitctl(t)
	districtd := buildDistrictd(t)
	var out, errb bytes.Buffer
	code := run([]string{"demo", "--json", "--faults", "--persons", "300", "--corrections", "15",
		"--kbit", "2000", "--rtt", "40ms", "--districtd", districtd}, nil, &out, &errb)
	var rep demoReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("exit %d, output is not the JSON report: %v\n%s\nstderr:\n%s", code, err, out.String(), errb.String())
	}
	if code != 0 || rep.Verdict != "ok" {
		t.Fatalf("exit %d, verdict %q: %s\nstderr:\n%s", code, rep.Verdict, strings.Join(rep.Reasons, "\n"), errb.String())
	}
	if rep.OpsMade == 0 || rep.OpsAcked != rep.OpsMade || rep.OpsOnEveryNode != rep.OpsAcked {
		t.Errorf("operations made %d, acknowledged %d, on every node %d", rep.OpsMade, rep.OpsAcked, rep.OpsOnEveryNode)
	}
	if rep.ConflictsMade < 2 || rep.ConflictsResolved != rep.ConflictsMade || rep.ConflictsOpen != 0 {
		t.Errorf("conflicts made %d, resolved %d, open %d", rep.ConflictsMade, rep.ConflictsResolved, rep.ConflictsOpen)
	}
	if rep.LeaderKilled == "" || rep.NewLeader == "" || rep.BytesByFile == 0 {
		t.Errorf("leader killed %q, new leader %q, bytes by file %d", rep.LeaderKilled, rep.NewLeader, rep.BytesByFile)
	}
	want := []string{"follower SIGKILL", "partition and heal", "leader SIGKILL under load", "disk full on one node",
		"clock skew between devices", "device killed mid-write", "corrupted batch file"}
	if len(rep.Faults) != len(want) {
		t.Fatalf("%d faults ran, want %d: %+v", len(rep.Faults), len(want), rep.Faults)
	}
	for i, f := range rep.Faults {
		if f.Fault != want[i] || !f.OK {
			t.Errorf("fault %d: %+v", i, f)
		}
		if f.Skipped {
			t.Logf("fault %q skipped: %s", f.Fault, f.Detail)
		}
	}
	for _, d := range rep.Devices {
		if d.Pending != 0 || d.OpenConflicts != 0 {
			t.Errorf("device %s: %d pending, %d open conflicts", d.Name, d.Pending, d.OpenConflicts)
		}
	}
	if len(rep.NodeStates) != 3 {
		t.Errorf("%d node states", len(rep.NodeStates))
	}
}

func TestDemo_RefusesBadArguments(t *testing.T) {
	for _, args := range [][]string{
		{"demo", "--persons", "10"},
		{"demo", "--cut", "1.5"},
		{"demo", "extra"},
	} {
		var out, errb bytes.Buffer
		if code := run(args, nil, &out, &errb); code != exitUsage || !strings.Contains(errb.String(), "usage: kitctl demo") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errb.String())
		}
	}
	var out, errb bytes.Buffer
	code := run([]string{"demo", "--districtd", "/nonexistent/districtd"}, nil, &out, &errb)
	if code == 0 || !strings.Contains(errb.String(), "/nonexistent/districtd") {
		t.Errorf("a missing districtd: exit %d, stderr %q", code, errb.String())
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "x"), nil, 0o600)
	out.Reset()
	errb.Reset()
	code = run([]string{"demo", "--dir", dir, "--districtd", kittest.Build(t, kitctlPkg)}, nil, &out, &errb)
	if code == 0 || !strings.Contains(errb.String(), "not empty") {
		t.Errorf("a non-empty --dir: exit %d, stderr %q", code, errb.String())
	}
}
