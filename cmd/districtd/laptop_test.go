package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/communekit/communekit/sync/protocol"
)

// kitctl is a kitctl binary built for the test, run as its own process.
type kitctl struct {
	t    *testing.T
	bin  string
	home string
}

func buildKitctl(t *testing.T) *kitctl {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "kitctl")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/communekit/communekit/cmd/kitctl")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building kitctl: %v\n%s", err, out)
	}
	return &kitctl{t: t, bin: bin, home: dir}
}

// run runs kitctl with args and returns its output and error.
func (k *kitctl) run(args ...string) (string, string, error) {
	cmd := exec.Command(k.bin, args...)
	cmd.Env = append(os.Environ(), "COMMUNEKIT_PASSPHRASE="+testPass, "COMMUNEKIT_WORK_FACTOR=10", "HOME="+k.home)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

// must runs kitctl and fails the test if it fails.
func (k *kitctl) must(args ...string) string {
	k.t.Helper()
	out, errs, err := k.run(args...)
	if err != nil {
		k.t.Fatalf("kitctl %s: %v\n%s%s", strings.Join(args, " "), err, out, errs)
	}
	return out
}

// persons writes a CSV of n persons named after tag.
func persons(t *testing.T, dir, tag string, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("full_name,birth_date,sex,ethnicity\n")
	for i := range n {
		fmt.Fprintf(&b, "Lò Văn %s %c,19%02d,Nam,01\n", tag, 'A'+i, 60+i)
	}
	p := filepath.Join(dir, tag+".csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLaptopReplaced: a profile copied to another directory and opened
// there becomes a new device; enrolled as the old device's successor, it
// carries over the old device's operations the district lacks — not those
// the old device sent after the copy was made — exactly once, and the old
// device can no longer push. Three districtd processes, kitctl processes
// for the laptops.
func TestLaptopReplaced(t *testing.T) {
	d := newDistrict(t, "Huyện Mèo Vạc")
	c := newCluster(t, d, 3, fastRaft...)
	k := buildKitctl(t)
	work := t.TempDir()
	at := func(name string) string { return filepath.Join(work, name) }
	url := c.nodes[1].url // a follower or the leader: either forwards
	p, q, stick := at("p"), at("q"), at("stick")

	// The old laptop: enrolled, 3 persons sent.
	k.must("--profile", p, "init", "--commune", commune, "--officer", "Nguyễn Thị Lan")
	k.must("--profile", p, "import", "persons", persons(t, work, "A", 3))
	k.must("--profile", p, "enrol", "request", "--out", at("p.req"))
	k.must("--profile", d.dir, "enrol", "sign", at("p.req"), "--commune", commune, "--out", at("p.cert"))
	k.must("--profile", p, "enrol", "install", at("p.cert"))
	k.must("--profile", p, "sync", "--node", url)
	var st struct {
		Device string `json:"device"`
	}
	json.Unmarshal([]byte(k.must("--profile", p, "--json", "profile", "status")), &st)
	old := st.Device
	// Operations 4 and 5 go onto a stick as batch 2; 6 and 7 are saved
	// after. The directory is copied then: the copy holds 1 to 7, and
	// knows only 1 to 3 acknowledged.
	k.must("--profile", p, "import", "persons", persons(t, work, "B", 2))
	k.must("--profile", p, "batch", "export", "--out", stick)
	k.must("--profile", p, "import", "persons", persons(t, work, "C", 2))
	if err := os.CopyFS(q, os.DirFS(p)); err != nil {
		t.Fatal(err)
	}
	// The stick reaches the district after the copy was made: the district
	// holds 1 to 5 of the old device.
	k.must("--profile", d.dir, "district", "import", stick, "--node", url)

	// The copy, opened in its new directory, is a new device: it says so,
	// keeps the records, and takes new work under its own identity.
	out, errs, err := k.run("--profile", q, "import", "persons", persons(t, work, "D", 2))
	if err != nil || !strings.Contains(errs, "copied from another directory") || !strings.Contains(errs, old) {
		t.Fatalf("the copy opened: %v\n%s%s", err, out, errs)
	}
	var qs struct {
		Device   string `json:"device"`
		Handover struct {
			State  string `json:"state"`
			Old    string `json:"old_device"`
			Unsent uint64 `json:"unsent_of_old_device"`
		} `json:"handover"`
	}
	json.Unmarshal([]byte(k.must("--profile", q, "--json", "profile", "status")), &qs)
	if qs.Device == old || qs.Handover.Old != old || qs.Handover.State != "awaiting" || qs.Handover.Unsent != 4 {
		t.Fatalf("the copy: %+v (old device %s)", qs, old)
	}
	// Not enrolled: it cannot push, under either identity.
	if _, errs, err := k.run("--profile", q, "sync", "--node", url); err == nil || !strings.Contains(errs, "not enrolled") {
		t.Fatalf("the copy synced before its enrolment: %v %s", err, errs)
	}
	// Its request names the old device; the district signs it as for any
	// device; installed, the next sync carries over 6 and 7 and sends its
	// own work.
	k.must("--profile", q, "enrol", "request", "--out", at("q.req"))
	if out := k.must("--profile", d.dir, "enrol", "sign", at("q.req"), "--out", at("q.cert")); !strings.Contains(out, "It replaces device "+old) {
		t.Fatalf("enrol sign: %s", out)
	}
	k.must("--profile", q, "enrol", "install", at("q.cert"))
	var res struct {
		Carried   int    `json:"carried"`
		PushedOps int    `json:"pushed_ops"`
		Pending   uint64 `json:"pending"`
		Error     string `json:"error"`
	}
	out, errs, err = k.run("--profile", q, "--json", "sync", "--node", url)
	json.Unmarshal([]byte(out), &res)
	if err != nil || res.Carried != 2 || res.PushedOps != 2 || res.Pending != 0 {
		t.Fatalf("the copy's sync: %v %+v\n%s%s", err, res, out, errs)
	}
	// Again: nothing more.
	out = k.must("--profile", q, "--json", "sync", "--node", url)
	res.Carried, res.PushedOps = -1, -1
	json.Unmarshal([]byte(out), &res)
	res.Carried = max(res.Carried, 0) // omitted when 0
	if res.Carried != 0 || res.PushedOps != 0 || res.Pending != 0 {
		t.Fatalf("the copy's second sync: %+v", res)
	}
	json.Unmarshal([]byte(k.must("--profile", q, "--json", "profile", "status")), &qs)
	if qs.Handover.State != "done" {
		t.Fatalf("hand-over after the sync: %+v", qs)
	}

	// The district: the old device's operations up to 7, each once; the
	// new device's 2; every person once; the hand-over in its device list.
	code, body, err := d.get(url + protocol.PathHandover + old)
	var ho protocol.Handover
	if err != nil || code != http.StatusOK || json.Unmarshal(body, &ho) != nil || ho.LastOp != 7 || ho.New != qs.Device || ho.Batch != 3 {
		t.Fatalf("the district's hand-over record: %d %v %s", code, err, body)
	}
	var prog protocol.Progress
	if err := json.Unmarshal([]byte(k.must("--profile", d.dir, "--json", "report", "progress", "--node", url)), &prog); err != nil {
		t.Fatal(err)
	}
	if prog.Total.Persons != 9 {
		t.Fatalf("the district holds %d persons, want 9 (3+2+2 of the old laptop, 2 of the new): %+v", prog.Total.Persons, prog.Total)
	}
	seen := map[string]protocol.DeviceProgress{}
	for _, dv := range prog.Devices {
		seen[dv.Device] = dv
	}
	if o := seen[old]; o.RetiredFor != qs.Device || !strings.Contains(o.Retired, "a laptop replaced") || o.LastBatch != 3 {
		t.Fatalf("the old device in the district's list: %+v", o)
	}
	if n := seen[qs.Device]; n.Replaces != old || n.LastBatch != 1 || n.Ops != 2 {
		t.Fatalf("the new device in the district's list: %+v", n)
	}
	// Every node holds the same.
	c.converge()

	// The old laptop, still working: its pushes are refused, with the
	// reason, and it loses nothing of what it holds.
	k.must("--profile", p, "import", "persons", persons(t, work, "E", 1))
	out, errs, err = k.run("--profile", p, "sync", "--node", url)
	if err == nil || !strings.Contains(errs, "retired") || !strings.Contains(errs, "replaced by device "+qs.Device) {
		t.Fatalf("the old laptop's sync after the hand-over: %v\n%s%s", err, out, errs)
	}
	json.Unmarshal([]byte(k.must("--profile", d.dir, "--json", "report", "progress", "--node", url)), &prog)
	if prog.Total.Persons != 9 {
		t.Fatalf("after the old laptop's push the district holds %d persons", prog.Total.Persons)
	}
	// The new laptop holds every record, its own pull included.
	hits := k.must("--profile", q, "--json", "search", "Lò Văn")
	for _, tag := range []string{"A A", "B B", "C B", "D A"} {
		if !strings.Contains(hits, "Lò Văn "+tag) {
			t.Fatalf("the new laptop lacks %q: %s", tag, hits)
		}
	}
}
