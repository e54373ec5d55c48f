package main

import (
	"encoding/json"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain runs the app itself when asked to by a smoke test: Fyne must run
// on the main goroutine, which a test function is not. The arguments come
// in COMMUNEKIT_SMOKE_ARGS, one per line, unless the app started a copy of
// itself with its own (--measure-make).
func TestMain(m *testing.M) {
	if os.Getenv("COMMUNEKIT_SMOKE_CHILD") == "1" {
		args := os.Args[1:]
		if len(args) == 0 || strings.HasPrefix(args[0], "-test.") {
			args = strings.Split(os.Getenv("COMMUNEKIT_SMOKE_ARGS"), "\n")
		}
		os.Args = append([]string{"communekit"}, args...)
		main()
		return
	}
	os.Exit(m.Run())
}

// runApp runs the test binary as the app with args, on the X display, so a
// crash in the driver fails the test instead of killing the test run.
func runApp(t *testing.T, timeout time.Duration, args ...string) string {
	t.Helper()
	if os.Getenv("DISPLAY") == "" {
		t.Skip("no X display; `make test` runs this under Xvfb")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "COMMUNEKIT_SMOKE_CHILD=1", "COMMUNEKIT_SMOKE_ARGS="+strings.Join(args, "\n"))
	out := make(chan error, 1)
	var buf []byte
	go func() {
		var err error
		buf, err = cmd.CombinedOutput()
		out <- err
	}()
	select {
	case err := <-out:
		if err != nil {
			t.Fatalf("app exited with %v:\n%s", err, buf)
		}
	case <-time.After(timeout):
		cmd.Process.Kill()
		t.Fatalf("app did not quit within %v", timeout)
	}
	return string(buf)
}

// TestWindow_OpensAndQuits is the window smoke test: the real app opens a
// real window on the X display (Xvfb under `make test`) and closes by
// itself.
func TestWindow_OpensAndQuits(t *testing.T) {
	runApp(t, 60*time.Second, "--demo", "--profile", filepath.Join(t.TempDir(), "demo"), "--quit-after", "1500ms")
}

// TestWindow_DemoTourScreenshots opens the demo profile, unlocks it with
// the passphrase the unlock screen shows, walks the main screens and writes
// a PNG of each. The PNGs go to $COMMUNEKIT_SCREENSHOTS when set, so that a
// person can look at them (Vietnamese renders, nothing cut off at
// 1366×768); the test checks that each is a full-size picture, not blank.
func TestWindow_DemoTourScreenshots(t *testing.T) {
	dir := os.Getenv("COMMUNEKIT_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	log := runApp(t, 120*time.Second, "--demo", "--profile", filepath.Join(t.TempDir(), "demo"), "--screenshot", dir)
	want := []string{"1-unlock", "2-overview", "3-search", "4-person", "5-form", "6-household", "7-households", "8-history", "9-overview-en",
		"10-enrolment", "11-export", "12-sync-running", "13-sync-done", "14-overview-synced", "15-sync-en", "16-conflicts",
		"19-import", "20-settings", "21-locked"}
	for _, name := range want {
		path := filepath.Join(dir, name+".png")
		img := mustPNG(t, path)
		if b := img.Bounds(); b.Dx() < 1300 || b.Dy() < 700 {
			t.Errorf("%s is %v, want about 1366×768", path, b)
		} else if b.Dx() > 1400 || b.Dy() > 800 {
			// The window grows to its content's minimum size and stays
			// so: part of it off a 1366×768 screen.
			t.Errorf("%s is %v: the window grew past a 1366×768 screen", path, b)
		}
		if colours(img) < 8 {
			t.Errorf("%s is blank", path)
		}
	}
	if !strings.Contains(log, "to_overview=") {
		t.Errorf("no unlock time in the log:\n%s", log)
	}
	if !strings.Contains(log, "demo district node started") {
		t.Errorf("the demo's district node did not start:\n%s", log)
	}
	t.Logf("screenshots in %s", dir)
}

func mustPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// colours counts distinct colours on a coarse grid of the image.
func colours(img image.Image) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 7 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
		}
	}
	return len(seen)
}

// TestWindow_Measure runs `communekit --measure` on a small generated
// profile (at a low work factor: under the race detector one key
// derivation at the real one takes 20 s): the passphrase typed into the
// real unlock screen reaches the overview with every person counted,
// searches typed into the real entry find results, and the figures come
// out as JSON.
func TestWindow_Measure(t *testing.T) {
	t.Setenv("COMMUNEKIT_WORK_FACTOR", "10")
	dir := filepath.Join(t.TempDir(), "measure")
	out := runApp(t, 2*time.Minute, "--measure", "--persons", "300", "--profile", dir, "--json")
	var r measureReport
	if err := json.Unmarshal([]byte(out[strings.Index(out, "{"):strings.LastIndex(out, "}")+1]), &r); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if r.PersonsShown != 300 || r.WorkFactor != 10 || !r.ProfileMade || r.Profile != dir {
		t.Errorf("persons shown %d, work factor %d, profile made %v in %s", r.PersonsShown, r.WorkFactor, r.ProfileMade, r.Profile)
	}
	if r.UnlockToOverviewS <= 0 || len(r.SearchMs) == 0 || r.SearchMaxMs <= 0 || r.RSSMB <= 0 || r.PeakRSSMB < r.RSSMB {
		t.Errorf("figures: %+v", r)
	}
	if !strings.Contains(r.SearchExample, "results") || strings.Contains(r.SearchExample, ": 0 results") {
		t.Errorf("search example %q: the first query found nothing", r.SearchExample)
	}
	if r.ScryptSeconds <= 0 {
		t.Errorf("no scrypt alone, the unlock's floor: %v s", r.ScryptSeconds)
	}
}

// TestWindow_MeasureEmpty runs `communekit --measure-empty`, the peer of
// the app's memory: a window with one label on the same display, whose
// resident memory comes out as JSON, split by holder as the app's is.
func TestWindow_MeasureEmpty(t *testing.T) {
	out := runApp(t, time.Minute, "--measure-empty", "--json")
	var r emptyReport
	if err := json.Unmarshal([]byte(out[strings.Index(out, "{"):strings.LastIndex(out, "}")+1]), &r); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if r.RSSMB <= 0 || r.PeakRSSMB < r.RSSMB || r.RSSParts.Go <= 0 || r.RSSParts.Binary <= 0 || r.HeapMB <= 0 {
		t.Errorf("figures: %+v", r)
	}
}
