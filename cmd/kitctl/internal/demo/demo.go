package demo

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/communekit/communekit/cmd/kitctl/internal/kit"
	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/gen"
	"github.com/communekit/communekit/sync/linkproxy"
	"github.com/communekit/communekit/sync/outbox"
	"github.com/communekit/communekit/sync/protocol"
	"github.com/communekit/communekit/sync/registry"
)

// The demo's district: two communes of Mèo Vạc, one passphrase for every
// profile (printed: the data is generated).
const (
	demoPass       = "demo: chỉ dùng cho dữ liệu giả"
	demoDistrict   = "Cụm Mèo Vạc (demo)"
	demoWorkFactor = 12
)

var demoCommunes = []string{"00769", "00778"}

type demoOptions struct {
	dir         string
	keep        bool
	persons     int
	corrections int
	faults      bool
	kbit        int
	rtt         time.Duration
	refuse, cut float64
	districtd   string
	seed        uint64
	timeout     time.Duration
}

// demoReport is the demo's table, and `kitctl demo --json`.
type demoReport struct {
	Verdict           string            `json:"verdict"` // "ok" or "failed"
	Reasons           []string          `json:"reasons,omitempty"`
	Seconds           float64           `json:"seconds"`
	Nodes             int               `json:"nodes"`
	Communes          []string          `json:"communes"`
	PersonsPerCommune int               `json:"persons_per_commune"`
	Link              string            `json:"link"`
	OpsMade           int               `json:"operations_made"`
	OpsAcked          int               `json:"operations_acknowledged"`
	OpsOnEveryNode    int               `json:"operations_on_every_node"`
	BatchesAcked      int               `json:"batches_acknowledged"`
	ConflictsMade     int               `json:"conflicts_made"`
	ConflictsResolved int               `json:"conflicts_resolved"`
	ConflictsOpen     int               `json:"conflicts_open_at_end"`
	BytesUp           int64             `json:"bytes_up"`
	BytesDown         int64             `json:"bytes_down"`
	BytesByFile       int64             `json:"bytes_by_file"`
	LinkRefused       int64             `json:"connections_refused_by_link"`
	LinkCut           int64             `json:"connections_cut_by_link"`
	LeaderKilled      string            `json:"leader_killed,omitempty"`
	NewLeader         string            `json:"new_leader,omitempty"`
	NewLeaderMs       float64           `json:"new_leader_ms,omitempty"`
	Steps             []demoStep        `json:"steps"`
	Devices           []demoDeviceState `json:"devices"`
	NodeStates        []demoNodeState   `json:"node_states"`
	Faults            []demoFault       `json:"faults,omitempty"`
	Dir               string            `json:"dir,omitempty"`
}

type demoStep struct {
	Step    string  `json:"step"`
	Seconds float64 `json:"seconds"`
	Detail  string  `json:"detail,omitempty"`
}

type demoDeviceState struct {
	Name          string         `json:"name"`
	Role          string         `json:"role"`
	Communes      []string       `json:"communes"`
	Made          int            `json:"operations_made"`
	Acked         uint64         `json:"operations_acknowledged"`
	Pending       uint64         `json:"pending"`
	Persons       int            `json:"persons"`
	RecordsDigest string         `json:"records_digest"`
	OpenConflicts int            `json:"open_conflicts"`
	Events        map[string]int `json:"events,omitempty"`
}

type demoNodeState struct {
	ID           string `json:"id"`
	AppliedIndex uint64 `json:"applied_index"`
	Digest       string `json:"digest"`
	Feed         uint64 `json:"feed"`
}

// demo is one run: the district, its nodes, the devices.
type demo struct {
	o      demoOptions
	out    io.Writer // progress
	root   string
	dist   string // district profile
	cl     *demoCluster
	devs   []*demoDevice
	sup    *demoDevice
	rep    demoReport
	start  time.Time
	stepAt time.Time
	r      *rand.Rand
	usb    string
	kitctl string

	tmpfs    bool   // the last node's directory is a small tmpfs (disk-full fault)
	tmpfsWhy string // why not
}

// Run is `kitctl demo`: a district day with real processes, and its
// verdict.
func Run(e *kit.Env, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	var o demoOptions
	fs.StringVar(&o.dir, "dir", "", "run in this directory (empty or new) and keep it; default: a temporary directory removed at the end")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory (profiles, node logs) for a look afterwards")
	fs.IntVar(&o.persons, "persons", 10000, "persons in each of the two communes")
	fs.IntVar(&o.corrections, "corrections", 40, "corrections each officer makes offline")
	fs.BoolVar(&o.faults, "faults", false, "after the day, run the fault suite: node kills, partition, disk full, clock skew, a killed device, a corrupted batch file")
	fs.IntVar(&o.kbit, "kbit", 192, "the communes' 2G links, kbit/s each way (0: no shaping)")
	fs.DurationVar(&o.rtt, "rtt", 400*time.Millisecond, "the 2G links' added round-trip time")
	fs.Float64Var(&o.refuse, "refuse", 0.10, "chance that a link refuses a connection")
	fs.Float64Var(&o.cut, "cut", 0.20, "chance that a link cuts a connection mid-transfer")
	fs.StringVar(&o.districtd, "districtd", "", "the districtd binary (default: beside kitctl, else on PATH)")
	fs.Uint64Var(&o.seed, "seed", 7, "seed of the generated communes and of the officers' choices")
	fs.DurationVar(&o.timeout, "timeout", 20*time.Minute, "give up after this long")
	pos, err := e.ParseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || o.persons < 100 || o.corrections < 1 || o.kbit < 0 || o.refuse < 0 || o.refuse >= 1 || o.cut < 0 || o.cut >= 1 {
		return kit.Usagef("usage: kitctl demo [--persons N≥100] [--faults] [--dir DIR | --keep] [--kbit 192] [--rtt 400ms] [--json]")
	}
	exe, err := findDistrictd(o.districtd)
	if err != nil {
		return err
	}
	d := &demo{o: o, out: e.Stderr, r: rand.New(rand.NewPCG(o.seed, 3))}
	if d.kitctl = e.Kitctl; d.kitctl == "" {
		if d.kitctl, err = os.Executable(); err != nil {
			return err
		}
	}
	if o.dir != "" {
		if ents, err := os.ReadDir(o.dir); err == nil && len(ents) > 0 {
			return fmt.Errorf("--dir %s is not empty: the demo makes its profiles there; give a new or empty directory", o.dir)
		}
		if err := os.MkdirAll(o.dir, 0o700); err != nil {
			return err
		}
		d.root = o.dir
	} else {
		if d.root, err = os.MkdirTemp("", "communekit-demo-"); err != nil {
			return err
		}
		if !o.keep {
			defer os.RemoveAll(d.root)
		}
	}
	if o.dir != "" || o.keep {
		d.rep.Dir = d.root
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	runErr := d.run(ctx, exe)
	d.teardown()
	if runErr != nil {
		d.fail("the day stopped: %v", runErr)
	}
	if d.rep.Verdict == "" {
		d.rep.Verdict = "ok"
	}
	d.rep.Seconds = time.Since(d.start).Seconds()
	if e.JSON {
		if err := e.PrintJSON(d.rep); err != nil {
			return err
		}
	} else {
		d.print(e.Stdout)
	}
	if d.rep.Verdict != "ok" {
		return kit.SilentExit{Code: kit.ExitData}
	}
	return nil
}

func (d *demo) say(format string, a ...any) {
	fmt.Fprintf(d.out, "%6.1fs  %s\n", time.Since(d.start).Seconds(), fmt.Sprintf(format, a...))
}

// step closes the step begun at the last call and records it.
func (d *demo) step(name, detail string) {
	now := time.Now()
	d.rep.Steps = append(d.rep.Steps, demoStep{Step: name, Seconds: now.Sub(d.stepAt).Seconds(), Detail: detail})
	d.stepAt = now
	if detail != "" {
		d.say("%s: %s", name, detail)
	} else {
		d.say("%s", name)
	}
}

func (d *demo) fail(format string, a ...any) {
	d.rep.Verdict = "failed"
	d.rep.Reasons = append(d.rep.Reasons, fmt.Sprintf(format, a...))
}

func (d *demo) teardown() {
	for _, dv := range d.all() {
		if dv.px != nil {
			up, down := dv.px.Bytes()
			d.rep.BytesUp += up
			d.rep.BytesDown += down
			ref, cut := dv.px.Faulted()
			d.rep.LinkRefused += ref
			d.rep.LinkCut += cut
			dv.px.Close()
		}
		dv.close()
	}
	if d.cl != nil {
		d.cl.stop()
	}
	if d.tmpfs {
		unmountTmpfs(filepath.Join(d.root, "n3"))
	}
}

func (d *demo) all() []*demoDevice {
	if d.sup == nil {
		return d.devs
	}
	return append(append([]*demoDevice(nil), d.devs...), d.sup)
}

func (d *demo) run(ctx context.Context, exe string) error {
	d.start, d.stepAt = time.Now(), time.Now()
	d.rep.Nodes, d.rep.Communes, d.rep.PersonsPerCommune = 3, demoCommunes, d.o.persons
	d.rep.Link = "unshaped"
	if d.o.kbit > 0 {
		d.rep.Link = fmt.Sprintf("%d kbit/s, %s RTT, %.0f %% of connections refused, %.0f %% cut", d.o.kbit, d.o.rtt, d.o.refuse*100, d.o.cut*100)
	}
	d.say("a district day in %s (profiles' passphrase: %q)", d.root, demoPass)

	// Morning at the district office: the district profile, the devices'
	// enrolment, three nodes.
	if err := d.setup(exe); err != nil {
		return err
	}
	A1, A2, B1, B2 := d.devs[0], d.devs[1], d.devs[2], d.devs[3]

	// Each commune's register is on its first officer's laptop.
	for i, dv := range []*demoDevice{A1, B1} {
		c, err := gen.Generate(gen.Options{Commune: dv.commune, Persons: d.o.persons, Seed: int64(d.o.seed) + int64(i)})
		if err != nil {
			return err
		}
		var csv bytes.Buffer
		if err := gen.WriteCSV(&csv, c, int64(d.o.seed)+int64(i)); err != nil {
			return err
		}
		err = dv.work(func() error {
			rep, err := dv.s.ImportPersons(&csv, storage.ImportOptions{Reason: "sổ hộ khẩu xã", Chunk: 1000})
			if err != nil {
				return fmt.Errorf("device %s: import: %w", dv.name, err)
			}
			if len(rep.Rejected) > 0 {
				return fmt.Errorf("device %s: import rejected %d rows, first: %s", dv.name, len(rep.Rejected), rep.Rejected[0].Message)
			}
			dv.events["register imported"] = rep.Imported
			return nil
		})
		if err != nil {
			return err
		}
	}
	d.step("registers imported", fmt.Sprintf("%d persons on %s (%s), %d on %s (%s)", d.o.persons, A1.name, A1.commune, d.o.persons, B1.name, B1.commune))

	// First syncs over 2G: the registers go up, the second officers pull them.
	if err := d.syncAll(ctx, A1, B1); err != nil {
		return err
	}
	if err := d.syncAll(ctx, A2, B2); err != nil {
		return err
	}
	d.step("first sync over 2G", fmt.Sprintf("%s and %s pushed their registers; %s and %s pulled them", A1.name, B1.name, A2.name, B2.name))

	// The day's work, offline.
	before := d.made()
	moved := map[*demoDevice]storage.ID{}
	for _, dv := range []*demoDevice{A1, A2, B1, B2} {
		other := demoCommunes[0]
		if dv.commune == other {
			other = demoCommunes[1]
		}
		if err := dv.work(func() (err error) { moved[dv], err = dv.fieldwork(d.r, d.o.corrections, other); return err }); err != nil {
			return err
		}
	}
	movedA, movedB := moved[A1], moved[B1]
	// Two officers of a commune correct the same field of the same person
	// differently, each on their own laptop: a conflict for the supervisor.
	for _, pair := range [][2]*demoDevice{{A1, A2}, {B1, B2}} {
		x, y := pair[0], pair[1]
		if err := x.work(func() error { return y.work(func() error { return d.makeConflict(x, y) }) }); err != nil {
			return err
		}
	}
	d.step("fieldwork offline", fmt.Sprintf("%d operations: corrections, newborns, deaths, moves out; a same-field correction on two laptops in each commune", d.made()-before))

	// B2's batch goes to the district on a USB stick.
	if err := d.usbTrip(ctx, B2); err != nil {
		return err
	}

	// Everyone syncs; the leader dies mid-sync.
	if err := d.syncWithLeaderKill(ctx, A1, A2, B1, B2); err != nil {
		return err
	}

	// Afternoon: the moved persons arrive, their new commune records the move in.
	if err := d.syncAll(ctx, A1, B1); err != nil {
		return err
	}
	if err := B1.work(func() error { return B1.moveIn(d.r, movedA) }); err != nil {
		return err
	}
	if err := A1.work(func() error { return A1.moveIn(d.r, movedB) }); err != nil {
		return err
	}
	if err := d.syncAll(ctx, A1, B1); err != nil {
		return err
	}
	d.step("moves in recorded", fmt.Sprintf("%s moved from %s to %s, %s the other way", movedA, A1.commune, B1.commune, movedB))

	// The supervisor at the district office.
	if err := d.supervise(ctx); err != nil {
		return err
	}

	// Evening: every device pulls the day, the resolutions with it.
	if err := d.syncAll(ctx, d.all()...); err != nil {
		return err
	}
	if err := d.syncAll(ctx, d.all()...); err != nil { // what the first round brought to others
		return err
	}
	d.step("evening sync", "every device pulled the day's work and the supervisor's resolutions")

	if d.o.faults {
		d.runFaults(ctx)
	}
	return d.verdict()
}

func (d *demo) made() int {
	n := 0
	for _, dv := range d.all() {
		n += dv.made
	}
	return n
}

// setup makes the district profile, starts the nodes, enrols the devices
// and gives each its link.
func (d *demo) setup(exe string) error {
	d.dist = filepath.Join(d.root, "district")
	ds, err := storage.Create(d.dist, []byte(demoPass), storage.Profile{Kind: storage.KindDistrict, District: demoDistrict},
		storage.Options{WorkFactor: demoWorkFactor, Logger: kit.QuietLogger(), GCInterval: -1})
	if err != nil {
		return err
	}
	reg, err := registry.Open(ds, nil)
	if err != nil {
		ds.Close()
		return err
	}
	kit.TrustDistrict(reg.Public())
	keys := reg.Keys()
	a, b := demoCommunes[0], demoCommunes[1]
	d.devs = []*demoDevice{
		{name: "A1", officer: "Nguyễn Thị Lan", commune: a, communes: []string{a}, role: cert.RoleOfficer},
		{name: "A2", officer: "Giàng A Páo", commune: a, communes: []string{a}, role: cert.RoleOfficer},
		{name: "B1", officer: "Vàng Thị Mai", commune: b, communes: []string{b}, role: cert.RoleOfficer},
		{name: "B2", officer: "Lò Văn Hùng", commune: b, communes: []string{b}, role: cert.RoleOfficer},
	}
	d.sup = &demoDevice{name: "SUP", officer: "Hoàng Văn Thụ", commune: a, communes: []string{a, b}, role: cert.RoleSupervisor}
	for _, dv := range d.all() {
		if err := dv.create(d.root, reg); err != nil {
			ds.Close()
			return err
		}
	}
	if err := ds.Close(); err != nil {
		return err
	}
	// Back in their communes, two laptops' clocks drift.
	d.devs[1].skew, d.devs[2].skew = -3*time.Hour, 2*time.Hour
	d.step("district and devices", "district profile, 4 officers' laptops (clocks of A2 3 h slow, B1 2 h fast) and a supervisor's, enrolled")

	if d.o.faults {
		d.prepareDiskFull(filepath.Join(d.root, "n3"))
	}
	if d.cl, err = startDemoCluster(exe, d.dist, d.root, 3); err != nil {
		return err
	}
	d.cl.keys = keys
	d.step("three districtd nodes", strings.Join(d.cl.urls(), ", "))

	for i, dv := range d.all() {
		urls := d.cl.nodes
		var targets []string
		for k := range urls {
			targets = append(targets, urls[(i+k)%len(urls)].http)
		}
		shape := linkproxy.Shape{BytesPerSecond: d.o.kbit * 1000 / 8, RTT: d.o.rtt}
		if dv == d.sup {
			shape = linkproxy.Shape{} // the district office's own network
		}
		if dv.px, err = linkproxy.ListenTargets("127.0.0.1:0", targets, shape); err != nil {
			return err
		}
		if dv != d.sup {
			dv.px.SetFaults(linkproxy.Faults{Refuse: d.o.refuse, Cut: d.o.cut, CutWithin: 16 << 10, Seed: d.o.seed + uint64(i)})
		}
	}
	return nil
}

// syncAll syncs devices at once and reports the first failure.
func (d *demo) syncAll(ctx context.Context, devs ...*demoDevice) error {
	errs := make([]error, len(devs))
	var wg sync.WaitGroup
	for i, dv := range devs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = dv.sync(ctx)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// makeConflict has x and y correct one field of one person differently.
func (d *demo) makeConflict(x, y *demoDevice) error {
	ps, _, err := x.living()
	if err != nil {
		return err
	}
	p := ps[d.r.IntN(len(ps))]
	if _, err := y.s.Person(p.ID); err != nil {
		return fmt.Errorf("device %s lacks %s that %s holds: %w", y.name, p.ID, x.name, err)
	}
	if _, _, err := x.s.EditPerson(p.ID, storage.Values{storage.FieldOccupation: "Giáo viên"}, storage.SaveOptions{Reason: "theo lời khai"}); err != nil {
		return err
	}
	if _, _, err := y.s.EditPerson(p.ID, storage.Values{storage.FieldOccupation: "Y sĩ"}, storage.SaveOptions{Reason: "theo giấy tờ"}); err != nil {
		return err
	}
	x.count("conflicting corrections")
	y.count("conflicting corrections")
	x.conflict, y.conflict = p.ID, p.ID
	return nil
}

// usbTrip seals dv's pending work into batch files on a "stick", and the
// district operator imports them with kitctl, as a separate process.
func (d *demo) usbTrip(ctx context.Context, dv *demoDevice) error {
	d.usb = filepath.Join(d.root, "usb", dv.name)
	z, err := outbox.SealerFor(dv.s, 0)
	if err != nil {
		return err
	}
	bs, err := z.Seal(dv.s)
	if err != nil {
		return err
	}
	files, err := outbox.WriteFiles(d.usb, bs)
	if err != nil {
		return err
	}
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil {
			d.rep.BytesByFile += fi.Size()
		}
	}
	out, code, err := d.kitctlRun(ctx, "--profile", d.dist, "--json", "district", "import", d.usb, "--node", d.cl.nodes[0].url)
	if err != nil {
		return err
	}
	var res struct {
		Accepted int `json:"accepted"`
		Refused  int `json:"refused"`
	}
	if err := json.Unmarshal(out, &res); err != nil || code != 0 || res.Accepted != len(files) {
		return fmt.Errorf("kitctl district import of %s's stick: exit %d, %d of %d accepted: %s", dv.name, code, res.Accepted, len(files), out)
	}
	d.step("a batch by USB stick", fmt.Sprintf("%s sealed %d batch file(s) (%s); the district operator ran `kitctl district import`: %d accepted", dv.name, len(files), kit.HumanBytes(d.rep.BytesByFile), res.Accepted))
	return nil
}

// kitctlRun runs this kitctl as another process with the demo's
// passphrase and returns its standard output and exit status.
func (d *demo) kitctlRun(ctx context.Context, args ...string) ([]byte, int, error) {
	cmd := exec.CommandContext(ctx, d.kitctl, args...)
	cmd.Env = append(os.Environ(), "COMMUNEKIT_PASSPHRASE="+demoPass)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return append(out.Bytes(), errb.Bytes()...), ee.ExitCode(), nil
	}
	if err != nil {
		return nil, -1, fmt.Errorf("kitctl %s: %w", strings.Join(args, " "), err)
	}
	return out.Bytes(), 0, nil
}

// syncWithLeaderKill syncs devs at once and SIGKILLs the leader while
// they are at it; the node comes back once they are done.
func (d *demo) syncWithLeaderKill(ctx context.Context, devs ...*demoDevice) error {
	done := make(chan error, 1)
	go func() { done <- d.syncAll(ctx, devs...) }()
	time.Sleep(time.Duration(2*d.o.rtt) + 300*time.Millisecond)
	leader := d.cl.leader()
	if leader == nil {
		return errors.New("no leader to kill")
	}
	killed := time.Now()
	leader.kill()
	nl, err := d.cl.waitLeader(leader, 30*time.Second)
	if err != nil {
		return err
	}
	d.rep.LeaderKilled, d.rep.NewLeader = leader.id, nl.id
	d.rep.NewLeaderMs = float64(time.Since(killed).Microseconds()) / 1000
	d.say("leader %s SIGKILLed mid-sync; %s leads after %.0f ms", leader.id, nl.id, d.rep.NewLeaderMs)
	if err := <-done; err != nil {
		return err
	}
	if err := leader.start(false); err != nil {
		return err
	}
	if _, err := d.cl.converge(2 * time.Minute); err != nil {
		return err
	}
	d.step("sync, leader killed", fmt.Sprintf("%d devices synced while leader %s was SIGKILLed; %s led after %.0f ms; %s restarted and caught up",
		len(devs), leader.id, nl.id, d.rep.NewLeaderMs, leader.id))
	return nil
}

// supervise is the supervisor's work: sync, resolve every open conflict,
// sync the resolutions up.
func (d *demo) supervise(ctx context.Context) error {
	sup := d.sup
	if _, err := sup.sync(ctx); err != nil {
		return err
	}
	set, err := sup.s.AllConflicts()
	if err != nil {
		return err
	}
	d.rep.ConflictsMade += set.Len()
	resolved0 := d.rep.ConflictsResolved
	if err := sup.work(func() error { return d.resolveAll(set) }); err != nil {
		return err
	}
	if _, err := sup.sync(ctx); err != nil {
		return err
	}
	d.step("supervisor", fmt.Sprintf("%d conflict(s) in the queue (%d field, %d same ID, %d duplicate, %d person, %d household); %d resolved and synced",
		set.Len(), len(set.Field), len(set.SameID), len(set.Duplicates), len(set.Persons), len(set.Households), d.rep.ConflictsResolved-resolved0))
	return nil
}

// resolveAll decides every conflict of set on the supervisor's device.
func (d *demo) resolveAll(set *storage.ConflictSet) error {
	sup := d.sup
	o := storage.SaveOptions{Reason: "đã xác minh với hộ gia đình"}
	for _, fc := range set.Field {
		// The supervisor checked: the first candidate is right.
		if _, _, err := sup.s.Resolve(fc.ID, fc.Field, fc.Candidates[0].Value, o); err != nil {
			return fmt.Errorf("resolving %s/%s: %w", fc.ID, fc.Field, err)
		}
		sup.count("resolutions")
		d.rep.ConflictsResolved++
	}
	for _, sc := range set.SameID {
		// Two persons hold one ID number: the supervisor checked their
		// cards and corrects the number that was mistyped (the last one's).
		if err := d.correctIDNumber(sc.Persons[len(sc.Persons)-1], o); err != nil {
			return err
		}
		sup.count("resolutions")
		d.rep.ConflictsResolved++
	}
	for _, dc := range set.Duplicates {
		if _, err := sup.s.Decide(dc.A, dc.B, storage.DecisionDistinct, o); err != nil {
			return fmt.Errorf("deciding on %s and %s: %w", dc.A, dc.B, err)
		}
		sup.count("resolutions")
		d.rep.ConflictsResolved++
	}
	for _, pc := range set.Persons {
		if _, err := sup.s.Dismiss(pc.Person, o); err != nil {
			return fmt.Errorf("dismissing %s: %w", pc.Person, err)
		}
		sup.count("resolutions")
		d.rep.ConflictsResolved++
	}
	return nil
}

// verdict checks that every acknowledged operation is on every node and
// that the devices converged, and fills the report's figures.
func (d *demo) verdict() error {
	sts, err := d.cl.converge(2 * time.Minute)
	if err != nil {
		d.fail("%v", err)
	}
	for _, st := range sts {
		d.rep.NodeStates = append(d.rep.NodeStates, demoNodeState{ID: st.ID, AppliedIndex: st.AppliedIndex, Digest: st.Digest, Feed: st.Feed})
	}
	digests := map[string][]string{} // commune -> digests of its officers' devices
	for _, dv := range d.all() {
		if err := dv.open(); err != nil {
			return err
		}
		ob, err := dv.s.Outbox()
		if err != nil {
			return err
		}
		pending, err := dv.s.Pending()
		if err != nil {
			return err
		}
		sum, persons, err := dv.s.RecordsDigest()
		if err != nil {
			return err
		}
		open, err := dv.s.OpenConflicts()
		if err != nil {
			return err
		}
		d.rep.Devices = append(d.rep.Devices, demoDeviceState{Name: dv.name, Role: string(dv.role), Communes: dv.communes, Made: dv.made,
			Acked: ob.AckedSeq, Pending: pending, Persons: persons, RecordsDigest: hex.EncodeToString(sum[:8]), OpenConflicts: open, Events: dv.events})
		d.rep.OpsMade += dv.made
		d.rep.OpsAcked += int(ob.AckedSeq)
		d.rep.BatchesAcked += int(ob.AckedBatch)
		d.rep.ConflictsOpen = max(d.rep.ConflictsOpen, open)
		if pending > 0 {
			d.fail("device %s still has %d operation(s) the district has not acknowledged", dv.name, pending)
		}
		if int(ob.AckedSeq) != dv.made {
			d.fail("device %s made %d operation(s) and the district acknowledged %d", dv.name, dv.made, ob.AckedSeq)
		}
		if open > 0 {
			d.fail("device %s still shows %d open conflict(s)", dv.name, open)
		}
		if dv.role == cert.RoleOfficer {
			digests[dv.commune] = append(digests[dv.commune], hex.EncodeToString(sum[:]))
		}
		// Every batch acknowledged to the device is on every node.
		ops, missing := d.ackedEverywhere(dv, ob.AckedBatch)
		d.rep.OpsOnEveryNode += ops
		for _, m := range missing {
			d.fail("%s", m)
		}
	}
	for commune, ds := range digests {
		for _, x := range ds[1:] {
			if x != ds[0] {
				d.fail("the officers' devices of commune %s hold different records (digests %s… and %s…)", commune, ds[0][:16], x[:16])
			}
		}
	}
	// The conflicts the officers made are resolved alike on every device
	// whose communes hold the person (a device out of the person's
	// communes keeps, at most, the copy it had when the person left).
	for _, dv := range d.devs {
		ref, err := d.sup.s.Person(dv.conflict)
		if err != nil {
			d.fail("the supervisor's device lacks %s, a person in conflict: %v", dv.conflict, err)
			continue
		}
		for _, other := range d.devs {
			if !slices.Contains(other.communes, ref.Get(storage.FieldPermanentAddressCode)) {
				continue
			}
			p, err := other.s.Person(dv.conflict)
			if err != nil {
				d.fail("device %s lacks %s of its commune: %v", other.name, dv.conflict, err)
				continue
			}
			if a, b := ref.Get(storage.FieldOccupation), p.Get(storage.FieldOccupation); a != b {
				d.fail("person %s: occupation %q on the supervisor's device but %q on %s after the resolution", dv.conflict, a, b, other.name)
			}
		}
	}
	if d.rep.OpsOnEveryNode != d.rep.OpsAcked {
		d.fail("%d operations acknowledged, %d of them on every node", d.rep.OpsAcked, d.rep.OpsOnEveryNode)
	}
	if d.rep.ConflictsResolved < 2 {
		d.fail("the day made two same-field conflicts; %d conflict(s) resolved", d.rep.ConflictsResolved)
	}
	for _, f := range d.rep.Faults {
		if !f.OK {
			d.fail("fault %q: %s", f.Fault, f.Detail)
		}
	}
	return nil
}

// correctIDNumber gives person id an ID number nobody holds, as the
// supervisor does after checking the citizen's card: the same province,
// sex, century and year, another serial.
func (d *demo) correctIDNumber(id storage.ID, o storage.SaveOptions) error {
	p, err := d.sup.s.Person(id)
	if err != nil {
		return err
	}
	num := p.IDNumber()
	if len(num) != 12 {
		return fmt.Errorf("person %s: ID number %q is not 12 digits", id, num)
	}
	for serial := d.r.IntN(1000000); ; serial = (serial + 1) % 1000000 {
		cand := num[:6] + fmt.Sprintf("%06d", serial)
		hits, err := d.sup.s.Search(cand, 1)
		if err != nil {
			return err
		}
		if len(hits) > 0 && hits[0].Person.IDNumber() == cand {
			continue
		}
		o.Reason = "số định danh nhập sai, đã đối chiếu thẻ CCCD"
		if _, _, err := d.sup.s.EditPerson(id, storage.Values{storage.FieldIDNumber: cand}, o); err != nil {
			return fmt.Errorf("correcting the ID number of %s: %w", id, err)
		}
		return nil
	}
}

func nodeReceipt(keys *identity.District, url, device string, n uint64) (*protocol.Receipt, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := kit.NodesHTTP.Do(kit.DistrictGet(keys, fmt.Sprintf("%s%s%s/%d", url, protocol.PathNodeReceipt, device, n)).WithContext(ctx))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(b)))
	}
	var r protocol.Receipt
	return &r, json.NewDecoder(resp.Body).Decode(&r)
}

func (d *demo) print(w io.Writer) {
	fmt.Fprintf(w, "communekit demo: a district day, %d districtd nodes, communes %s × %d persons, %d officers' laptops and a supervisor's\n",
		d.rep.Nodes, strings.Join(d.rep.Communes, " and "), d.rep.PersonsPerCommune, len(d.devs))
	fmt.Fprintf(w, "links: %s\n\n", d.rep.Link)
	for _, s := range d.rep.Steps {
		fmt.Fprintf(w, "  %-26s %7.1f s  %s\n", s.Step, s.Seconds, s.Detail)
	}
	fmt.Fprintf(w, "\n  %-34s %12s\n", "operations made", fmtInt(d.rep.OpsMade))
	fmt.Fprintf(w, "  %-34s %12s  (%d batches)\n", "operations acknowledged", fmtInt(d.rep.OpsAcked), d.rep.BatchesAcked)
	fmt.Fprintf(w, "  %-34s %12s  (checked batch by batch on each node)\n", "operations on every node", fmtInt(d.rep.OpsOnEveryNode))
	fmt.Fprintf(w, "  %-34s %12d  resolved %d, open at the end %d\n", "conflicts made", d.rep.ConflictsMade, d.rep.ConflictsResolved, d.rep.ConflictsOpen)
	fmt.Fprintf(w, "  %-34s %12s  up %s, down %s; by USB stick %s\n", "bytes over the links", kit.HumanBytes(d.rep.BytesUp+d.rep.BytesDown), kit.HumanBytes(d.rep.BytesUp), kit.HumanBytes(d.rep.BytesDown), kit.HumanBytes(d.rep.BytesByFile))
	fmt.Fprintf(w, "  %-34s %12d  refused, %d cut mid-transfer\n", "link faults (connections)", d.rep.LinkRefused, d.rep.LinkCut)
	if d.rep.LeaderKilled != "" {
		fmt.Fprintf(w, "  %-34s %12s  %s led after %.0f ms\n", "leader SIGKILLed mid-sync", d.rep.LeaderKilled, d.rep.NewLeader, d.rep.NewLeaderMs)
	}
	for _, n := range d.rep.NodeStates {
		fmt.Fprintf(w, "  node %-29s index %d, feed %d, digest %.16s…\n", n.ID, n.AppliedIndex, n.Feed, n.Digest)
	}
	for _, dv := range d.rep.Devices {
		fmt.Fprintf(w, "  device %-3s %-10s %-12s made %6d, acknowledged %6d, pending %d, %6d persons, records %s…\n",
			dv.Name, dv.Role, strings.Join(dv.Communes, ","), dv.Made, dv.Acked, dv.Pending, dv.Persons, dv.RecordsDigest)
	}
	for _, f := range d.rep.Faults {
		mark := "ok    "
		if !f.OK {
			mark = "FAILED"
		}
		fmt.Fprintf(w, "  fault %s %-28s %s\n", mark, f.Fault, f.Detail)
	}
	fmt.Fprintf(w, "  %-34s %12s\n", "time", (time.Duration(d.rep.Seconds*1000) * time.Millisecond).Round(100*time.Millisecond))
	if d.rep.Dir != "" {
		fmt.Fprintf(w, "  %-34s %s\n", "profiles and node logs", d.rep.Dir)
	}
	if d.rep.Verdict == "ok" {
		fmt.Fprintf(w, "\nverdict: ok — every acknowledged operation is on every node, and every device converged\n")
		return
	}
	fmt.Fprintf(w, "\nverdict: FAILED\n")
	for _, r := range d.rep.Reasons {
		fmt.Fprintf(w, "  - %s\n", r)
	}
}

func fmtInt(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
