package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/communekit/communekit/cmd/kitctl/internal/kit"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/gen"
	"github.com/communekit/communekit/sync/outbox"
)

// demoFault is one fault of the suite and what came of it.
type demoFault struct {
	Fault   string  `json:"fault"`
	OK      bool    `json:"ok"`
	Skipped bool    `json:"skipped,omitempty"`
	Seconds float64 `json:"seconds"`
	Detail  string  `json:"detail"`
}

// errSkip marks a fault this machine cannot stage; its message says why.
type errSkip struct{ why string }

func (e errSkip) Error() string { return e.why }

// runFaults runs the fault suite after the day. After each fault: every
// node agrees, and every batch acknowledged to any device is on every
// node.
func (d *demo) runFaults(ctx context.Context) {
	faults := []struct {
		name string
		f    func(context.Context) (string, error)
	}{
		{"follower SIGKILL", d.faultFollowerKill},
		{"partition and heal", d.faultPartition},
		{"leader SIGKILL under load", d.faultLeaderKill},
		{"disk full on one node", d.faultDiskFull},
		{"clock skew between devices", d.faultClockSkew},
		{"device killed mid-write", d.faultDeviceKilled},
		{"corrupted batch file", d.faultCorruptBatch},
	}
	for _, f := range faults {
		t0 := time.Now()
		d.say("fault: %s…", f.name)
		detail, err := f.f(ctx)
		r := demoFault{Fault: f.name, OK: err == nil, Detail: detail}
		var skip errSkip
		if errors.As(err, &skip) {
			r.OK, r.Skipped, r.Detail = true, true, "skipped: "+skip.why
		} else if err == nil {
			if _, cerr := d.cl.converge(2 * time.Minute); cerr != nil {
				err = cerr
			} else if lost := d.missingAcked(); len(lost) > 0 {
				err = fmt.Errorf("acknowledged batches missing on a node: %s", strings.Join(lost, "; "))
			}
			r.OK = err == nil
		}
		if err != nil {
			r.Detail = strings.TrimSpace(detail + " — " + err.Error())
		}
		r.Seconds = time.Since(t0).Seconds()
		d.rep.Faults = append(d.rep.Faults, r)
		d.say("fault: %s: ok=%v: %s", f.name, r.OK, r.Detail)
		d.stepAt = time.Now()
		if ctx.Err() != nil {
			return
		}
	}
	// The devices take in what the faults made; the officers' corrections
	// of the same fields on different laptops meanwhile are conflicts the
	// supervisor resolves; then everyone pulls again, before the verdict.
	err := d.syncAll(ctx, d.all()...)
	if err == nil {
		err = d.supervise(ctx)
	}
	if err == nil {
		err = d.syncAll(ctx, d.all()...)
	}
	if err == nil {
		err = d.syncAll(ctx, d.all()...)
	}
	if err != nil {
		d.fail("after the faults: %v", err)
	}
	d.step("fault suite", fmt.Sprintf("%d faults staged; the supervisor resolved what they made", len(d.rep.Faults)))
}

// missingAcked lists the batches acknowledged to a device that a node
// lacks.
func (d *demo) missingAcked() []string {
	var lost []string
	for _, dv := range d.all() {
		if dv.s == nil {
			continue
		}
		ob, err := dv.s.Outbox()
		if err != nil {
			return []string{err.Error()}
		}
		_, missing := d.ackedEverywhere(dv, ob.AckedBatch)
		lost = append(lost, missing...)
	}
	return lost
}

// ackedEverywhere checks batches 1..acked of dv on every node by their
// stored receipts: it returns the operations of the batches every node
// holds, and one line per batch a node lacks.
func (d *demo) ackedEverywhere(dv *demoDevice, acked uint64) (ops int, missing []string) {
	for n := uint64(1); n <= acked; n++ {
		everywhere, k := true, 0
		for _, node := range d.cl.nodes {
			r, err := nodeReceipt(d.cl.keys, node.url, string(dv.s.DeviceKeys().ID), n)
			if err != nil {
				everywhere = false
				missing = append(missing, fmt.Sprintf("batch %d of device %s, acknowledged, is not on node %s: %v", n, dv.name, node.id, err))
				continue
			}
			k = r.Ops
		}
		if everywhere {
			ops += k
		}
	}
	return ops, missing
}

// corrections has dv correct n persons of its commune, offline.
func (d *demo) corrections(dv *demoDevice, n int) error {
	return dv.work(func() error {
		ps, _, err := dv.living()
		if err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			p := ps[d.r.IntN(len(ps))]
			v := storage.Values{storage.FieldOccupation: demoOccupations[d.r.IntN(len(demoOccupations))]}
			if _, _, err := dv.s.EditPerson(p.ID, v, storage.SaveOptions{Reason: "đối chiếu"}); err != nil && !errors.Is(err, storage.ErrNothingChanged) {
				return err
			}
		}
		dv.count("corrections")
		return nil
	})
}

func (d *demo) faultFollowerKill(ctx context.Context) (string, error) {
	A1 := d.devs[0]
	if err := d.corrections(A1, 200); err != nil {
		return "", err
	}
	f := d.cl.follower()
	if f == nil {
		return "", errors.New("no follower to kill")
	}
	done := make(chan error, 1)
	go func() { _, err := A1.sync(ctx); done <- err }()
	time.Sleep(d.o.rtt + 200*time.Millisecond)
	f.kill()
	if err := <-done; err != nil {
		return "", err
	}
	if err := f.start(false); err != nil {
		return "", err
	}
	return fmt.Sprintf("follower %s SIGKILLed while %s pushed; the push was acknowledged by the two others; %s restarted and caught up", f.id, A1.name, f.id), nil
}

func (d *demo) faultPartition(ctx context.Context) (string, error) {
	B1 := d.devs[2]
	f := d.cl.follower()
	if f == nil {
		return "", errors.New("no follower to cut off")
	}
	f.raftPx.Block()
	healed := false
	defer func() {
		if !healed {
			f.raftPx.Unblock()
		}
	}()
	if err := d.corrections(B1, 200); err != nil {
		return "", err
	}
	if _, err := B1.sync(ctx); err != nil {
		return "", err
	}
	stBehind, _ := kit.NodeStatus(d.cl.keys, f.url)
	leader := d.cl.leader()
	var stLeader = stBehind
	if leader != nil {
		stLeader, _ = kit.NodeStatus(d.cl.keys, leader.url)
	}
	f.raftPx.Unblock()
	healed = true
	return fmt.Sprintf("node %s cut off from the others' Raft traffic; %s's push was acknowledged meanwhile (%s at index %d, leader at %d); healed, it caught up",
		f.id, B1.name, f.id, stBehind.AppliedIndex, stLeader.AppliedIndex), nil
}

func (d *demo) faultLeaderKill(ctx context.Context) (string, error) {
	A2, B2 := d.devs[1], d.devs[3]
	for _, dv := range []*demoDevice{A2, B2} {
		if err := d.corrections(dv, 300); err != nil {
			return "", err
		}
	}
	done := make(chan error, 1)
	go func() { done <- d.syncAll(ctx, A2, B2) }()
	time.Sleep(d.o.rtt + 300*time.Millisecond)
	l := d.cl.leader()
	if l == nil {
		return "", errors.New("no leader to kill")
	}
	t0 := time.Now()
	l.kill()
	nl, err := d.cl.waitLeader(l, 30*time.Second)
	if err != nil {
		return "", err
	}
	took := time.Since(t0)
	if err := <-done; err != nil {
		return "", err
	}
	if err := l.start(false); err != nil {
		return "", err
	}
	return fmt.Sprintf("leader %s SIGKILLed while %s and %s pushed; %s led after %d ms; both pushes acknowledged; %s restarted and caught up",
		l.id, A2.name, B2.name, nl.id, took.Milliseconds(), l.id), nil
}

// faultDiskFull fills the filesystem of one node. The node's directory
// must be a small filesystem of its own: the demo mounts a tmpfs there
// when it runs as root (prepareDiskFull), and skips this fault otherwise.
func (d *demo) faultDiskFull(ctx context.Context) (string, error) {
	n := d.cl.nodes[len(d.cl.nodes)-1]
	if !d.tmpfs {
		return "", errSkip{d.tmpfsWhy}
	}
	if l := d.cl.leader(); l == n {
		// Make it a follower: SIGTERM hands the lead over.
		n.stop()
		if err := n.start(false); err != nil {
			return "", err
		}
		if _, err := d.cl.converge(time.Minute); err != nil {
			return "", err
		}
	}
	filler := filepath.Join(n.dir, "filler")
	free, err := fill(filler)
	if err != nil {
		return "", err
	}
	A1 := d.devs[0]
	if err := d.corrections(A1, 300); err != nil {
		os.Remove(filler)
		return "", err
	}
	_, serr := A1.sync(ctx)
	time.Sleep(time.Second) // the full node has tried to write
	state := "kept running"
	if !n.running() {
		said := logLineWith(n.logPath, "not enough free disk space")
		if said == "" {
			// Leave the node as the next faults need it.
			os.Remove(filler)
			n.start(false)
			return "", fmt.Errorf("node %s died on the full disk without saying why; its last log line: %s", n.id, lastLogLine(n.logPath))
		}
		state = "stopped by itself, saying: " + said
	} else if st, err := kit.NodeStatus(d.cl.keys, n.url); err == nil {
		state = fmt.Sprintf("kept running at index %d", st.AppliedIndex)
	}
	if err := os.Remove(filler); err != nil {
		return "", err
	}
	if serr != nil {
		return "", fmt.Errorf("the push while %s's disk was full: %w", n.id, serr)
	}
	if n.running() {
		// A node that hit a full disk may hold a failed write in memory:
		// restart it as an operator would once space is freed.
		n.stop()
	}
	if err := n.start(false); err != nil {
		return "", fmt.Errorf("node %s after its disk was freed: %w", n.id, err)
	}
	return fmt.Sprintf("node %s's filesystem filled (%s were free); %s's push was acknowledged by the two others; %s %s; space freed, restarted, caught up",
		n.id, kit.HumanBytes(free), A1.name, n.id, state), nil
}

// fill writes zeros to path until the filesystem is full and returns how
// much it took.
func fill(path string) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	var n int64
	for {
		k, err := f.Write(buf)
		n += int64(k)
		if err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return n, nil
			}
			return n, err
		}
	}
}

// logLineWith returns the last line of the log at path holding substr
// (shortened), or "".
func logLineWith(path, substr string) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := lines[i]; strings.Contains(l, substr) {
			if len(l) > 400 {
				l = l[:400] + "…"
			}
			return l
		}
	}
	return ""
}

func lastLogLine(path string) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	l := lines[len(lines)-1]
	if len(l) > 400 {
		l = l[:400] + "…"
	}
	return l
}

// faultClockSkew: A2's clock is 3 h slow. A1 corrects a phone number; A2,
// having pulled it, corrects it again: the later correction must win on
// every device, with no conflict, whatever the clocks say.
func (d *demo) faultClockSkew(ctx context.Context) (string, error) {
	A1, A2 := d.devs[0], d.devs[1]
	ps, _, err := A1.living()
	if err != nil {
		return "", err
	}
	p := ps[d.r.IntN(len(ps))]
	if err := A1.work(func() error {
		_, _, err := A1.s.EditPerson(p.ID, storage.Values{storage.FieldPhone: "0912345678"}, storage.SaveOptions{Reason: "số mới"})
		return err
	}); err != nil {
		return "", err
	}
	if _, err := A1.sync(ctx); err != nil {
		return "", err
	}
	if _, err := A2.sync(ctx); err != nil {
		return "", err
	}
	if err := A2.work(func() error {
		_, _, err := A2.s.EditPerson(p.ID, storage.Values{storage.FieldPhone: "0987654321"}, storage.SaveOptions{Reason: "đổi số lần nữa"})
		return err
	}); err != nil {
		return "", err
	}
	if _, err := A2.sync(ctx); err != nil {
		return "", err
	}
	if err := d.syncAll(ctx, A1, d.sup); err != nil {
		return "", err
	}
	for _, dv := range []*demoDevice{A1, A2, d.sup} {
		q, err := dv.s.Person(p.ID)
		if err != nil {
			return "", err
		}
		if got := q.Get(storage.FieldPhone); got != "0987654321" {
			return "", fmt.Errorf("device %s shows phone %s of %s: A2's later correction lost to A1's earlier one because of A2's slow clock", dv.name, got, p.ID)
		}
		if fc, _ := dv.s.FieldConflictOf(p.ID, storage.FieldPhone); fc != nil {
			return "", fmt.Errorf("device %s shows a conflict on the phone of %s: corrections one after the other are not concurrent", dv.name, p.ID)
		}
	}
	return fmt.Sprintf("%s (clock 3 h slow) corrected, after pulling it, a phone number %s had corrected: its correction holds on every device, no conflict", A2.name, A1.name), nil
}

// faultDeviceKilled SIGKILLs `kitctl import` on an officer's laptop half
// way through a large import; the profile must open, keep everything it
// had, hold whole chunks of the import, and sync them.
func (d *demo) faultDeviceKilled(ctx context.Context) (string, error) {
	B1 := d.devs[2]
	before, err := B1.s.Pending()
	if err != nil {
		return "", err
	}
	ob0, err := B1.s.Outbox()
	if err != nil {
		return "", err
	}
	persons0, _, err := B1.s.Counts()
	if err != nil {
		return "", err
	}
	c, err := gen.Generate(gen.Options{Commune: B1.commune, Persons: 20000, Seed: int64(d.o.seed) + 100})
	if err != nil {
		return "", err
	}
	csvPath := filepath.Join(d.root, "late-register.csv")
	var buf bytes.Buffer
	if err := gen.WriteCSV(&buf, c, int64(d.o.seed)+100); err != nil {
		return "", err
	}
	if err := os.WriteFile(csvPath, buf.Bytes(), 0o600); err != nil {
		return "", err
	}
	if err := B1.close(); err != nil {
		return "", err
	}
	// Whatever happens below, the laptop's profile is open again for the
	// faults that follow.
	defer func() {
		if B1.s == nil {
			B1.open()
		}
	}()
	cmd := exec.CommandContext(ctx, d.kitctl, "--profile", B1.dir, "import", "persons", csvPath)
	cmd.Env = append(os.Environ(), "COMMUNEKIT_PASSPHRASE="+demoPass)
	if err := cmd.Start(); err != nil {
		return "", err
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	var killedAt time.Duration
	t0 := time.Now()
	select {
	case err := <-waited:
		return "", fmt.Errorf("the import ended before it could be killed (%v)", err)
	case <-time.After(700 * time.Millisecond):
		cmd.Process.Kill()
		<-waited
		killedAt = time.Since(t0)
	}
	if err := B1.open(); err != nil {
		return "", fmt.Errorf("the profile after the kill: %w", err)
	}
	persons1, _, err := B1.s.Counts()
	if err != nil {
		return "", err
	}
	after, err := B1.s.Pending()
	if err != nil {
		return "", err
	}
	ob1, err := B1.s.Outbox()
	if err != nil {
		return "", err
	}
	if persons1 < persons0 || ob1.AckedSeq != ob0.AckedSeq || after < before {
		return "", fmt.Errorf("after the kill: %d persons (had %d), acknowledged up to %d (was %d), %d pending (was %d)", persons1, persons0, ob1.AckedSeq, ob0.AckedSeq, after, before)
	}
	B1.made += int(after - before)
	if _, err := B1.sync(ctx); err != nil {
		return "", err
	}
	return fmt.Sprintf("`kitctl import` of 20,000 persons on %s SIGKILLed after %d ms: the profile opened with its %d persons and %d new ones from whole chunks, and synced them",
		B1.name, killedAt.Milliseconds(), persons0, persons1-persons0), nil
}

// faultCorruptBatch: a batch file is damaged on the stick. The district
// import must refuse it with a reason a person can act on and change
// nothing; the device's own copy then syncs.
func (d *demo) faultCorruptBatch(ctx context.Context) (string, error) {
	B2 := d.devs[3]
	if err := d.corrections(B2, 50); err != nil {
		return "", err
	}
	z, err := outbox.SealerFor(B2.s, 0)
	if err != nil {
		return "", err
	}
	bs, err := z.Seal(B2.s)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(d.root, "usb-damaged")
	files, err := outbox.WriteFiles(dir, bs)
	if err != nil || len(files) == 0 {
		return "", fmt.Errorf("sealing a batch for the stick: %v (%d files)", err, len(files))
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		return "", err
	}
	b[len(b)/2] ^= 0x40
	if err := os.WriteFile(files[0], b, 0o600); err != nil {
		return "", err
	}
	before, err := d.cl.converge(time.Minute)
	if err != nil {
		return "", err
	}
	out, code, err := d.kitctlRun(ctx, "--profile", d.dist, "--json", "district", "import", files[0], "--node", d.cl.nodes[1].url)
	if err != nil {
		return "", err
	}
	var res struct {
		Refused int `json:"refused"`
		Files   []struct {
			Status string `json:"status"`
			Reason string `json:"reason"`
		} `json:"files"`
	}
	if err := json.Unmarshal(out, &res); err != nil || code == 0 || res.Refused != 1 || len(res.Files) != 1 || res.Files[0].Reason == "" {
		return "", fmt.Errorf("kitctl district import of a damaged file: exit %d, want a refusal with a reason: %s", code, out)
	}
	afterSt, err := d.cl.converge(time.Minute)
	if err != nil {
		return "", err
	}
	if afterSt[0].Digest != before[0].Digest {
		return "", errors.New("the damaged file changed the district's state")
	}
	if _, err := B2.sync(ctx); err != nil {
		return "", err
	}
	return fmt.Sprintf("a byte flipped in %s: `kitctl district import` refused it (exit %d): %q; the district's state unchanged; %s's own copy then synced",
		filepath.Base(files[0]), code, res.Files[0].Reason, B2.name), nil
}

// demoTmpfsSize is the disk of the node whose disk fills: room for its
// Raft log segments (raft-wal reserves 64 MB each), its store, its
// snapshots and the day, well above the 192 MB a node keeps free.
const demoTmpfsSize = "768m"

// prepareDiskFull mounts a small tmpfs where the last node keeps its
// data, so that the disk-full fault fills one node's disk and no other.
// Mounting needs root; elsewhere the fault is skipped and says so.
func (d *demo) prepareDiskFull(dir string) {
	if os.Geteuid() != 0 {
		d.tmpfsWhy = "mounting a size-limited filesystem for one node needs root (run `kitctl demo --faults` as root, as CI does)"
		return
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		d.tmpfsWhy = err.Error()
		return
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+demoTmpfsSize+",mode=0700", "tmpfs", dir).CombinedOutput()
	if err != nil {
		d.tmpfsWhy = fmt.Sprintf("mount -t tmpfs failed here (%v: %s): this machine does not let a process mount a filesystem", err, strings.TrimSpace(string(out)))
		return
	}
	d.tmpfs = true
}

func unmountTmpfs(dir string) {
	exec.Command("umount", dir).Run()
}
