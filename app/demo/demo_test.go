package demo

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/communekit/communekit/app/i18n"
	"github.com/communekit/communekit/app/vm"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/outbox"
)

var testOpts = storage.Options{WorkFactor: 10, GCInterval: -1}

func TestEnsure_CreatesOnceAndOpensWithTheKnownPassphrase(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	created, err := Ensure(dir, testOpts)
	if err != nil || !created {
		t.Fatalf("Ensure = %v, %v; want created", created, err)
	}
	created, err = Ensure(dir, testOpts)
	if err != nil || created {
		t.Fatalf("second Ensure = %v, %v; want kept", created, err)
	}
	s, err := storage.Open(dir, []byte(Passphrase), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n, hh, err := s.Counts()
	if err != nil || n != Persons || hh == 0 {
		t.Fatalf("Counts = %d persons, %d households, %v; want %d persons", n, hh, err, Persons)
	}
	c, d, err := outbox.Enrolment(s)
	if err != nil || d.Name != District || c.Officer != Officer {
		t.Fatalf("enrolment: %+v %+v %v", c, d, err)
	}
	keys, err := storage.DistrictKeysOf(DistrictDir(dir), []byte(Passphrase))
	if err != nil || keys.Public().KeyID != d.KeyID {
		t.Fatalf("the district profile holds other keys than the device is enrolled with: %v", err)
	}
}

// TestDemo_SyncsWithItsNodeAndAgainAfterARestart is what `communekit
// --demo` does: the demo profile, its district node in the process, a sync
// that sends every generated person; then the app quits and starts again
// (the node on other ports, its directory kept) and the next sync finds
// nothing new. Each run is a process of its own, as the app's are. The
// profile is first made as a version without the district left it, so
// that the district and the enrolment are added to an existing one.
func TestDemo_SyncsWithItsNodeAndAgainAfterARestart(t *testing.T) {
	if dir := os.Getenv("COMMUNEKIT_DEMO_RUN"); dir != "" {
		demoRun(t, dir, os.Getenv("COMMUNEKIT_DEMO_WANT"))
		return
	}
	dir := filepath.Join(t.TempDir(), "demo")
	if _, err := Ensure(dir, testOpts); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(DistrictDir(dir)); err != nil {
		t.Fatal(err)
	}
	if created, err := Ensure(dir, testOpts); err != nil || created {
		t.Fatalf("Ensure on a profile without its district = %v, %v", created, err)
	}
	for _, want := range []string{"Đã gửi ", "Đã đồng bộ: không có thay đổi mới"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestDemo_SyncsWithItsNodeAndAgainAfterARestart$", "-test.v")
		cmd.Env = append(os.Environ(), "COMMUNEKIT_DEMO_RUN="+dir, "COMMUNEKIT_DEMO_WANT="+want)
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "demo synced:") {
			t.Fatalf("the run that wants %q: %v\n%s", want, err, out)
		}
		t.Logf("%s", out)
	}
}

// demoRun is one run of the demo: start the node, sync, stop.
func demoRun(t *testing.T, dir, want string) {
	n, err := StartNode(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Shutdown(context.Background())
	if err := WaitReady(n, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	s, err := storage.Open(dir, []byte(Passphrase), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	y := vm.NewSync(i18n.MustLoad(), s, vm.Now, vm.SyncOptions{})
	if err := y.SetNode(n.Addr()); err != nil {
		t.Fatal(err)
	}
	y.Start()
	y.Wait()
	d := y.Data()
	if d.State != vm.SyncDone || d.Pending != 0 || !strings.HasPrefix(d.Message, want) {
		t.Fatalf("demo sync: %+v\nwant a message starting %q", d, want)
	}
	persons, _, err := n.Store().Counts()
	if err != nil || persons != Persons {
		t.Errorf("the node holds %d persons, %v; want %d", persons, err, Persons)
	}
	t.Logf("demo synced: %s", d.Message)
}
