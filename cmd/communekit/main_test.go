package main

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

// TestMain runs the app itself when asked to by the smoke test: Fyne must
// run on the main goroutine, which a test function is not.
func TestMain(m *testing.M) {
	if os.Getenv("COMMUNEKIT_SMOKE_CHILD") == "1" {
		os.Args = []string{"communekit", "--demo", "--quit-after", "1500ms"}
		main()
		return
	}
	os.Exit(m.Run())
}

// TestWindow_OpensAndQuits is the window smoke test: the real app opens a
// real window on the X display (Xvfb under `make test`) and closes by
// itself. It runs the test binary as the app, so a crash in the driver
// fails the test instead of killing the test run.
func TestWindow_OpensAndQuits(t *testing.T) {
	if os.Getenv("DISPLAY") == "" {
		t.Skip("no X display; `make test` runs this under Xvfb")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestWindow_OpensAndQuits$")
	cmd.Env = append(os.Environ(), "COMMUNEKIT_SMOKE_CHILD=1")
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
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("app did not quit within 60 s")
	}
}
