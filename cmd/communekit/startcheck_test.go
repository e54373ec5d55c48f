package main

import (
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// TestWindow_StartCheck: --start-check (what `make wine-app` runs under
// wine) says when the unlock screen showed, unlocks the demo profile with
// its passphrase typed into the real window, says when the overview showed
// with the demo's persons, and quits by itself.
func TestWindow_StartCheck(t *testing.T) {
	out := runApp(t, 2*time.Minute, "--demo", "--profile", filepath.Join(t.TempDir(), "Nguyễn", "demo"), "--start-check")
	if !regexp.MustCompile(`start-check: unlock screen [0-9.]+ s after start`).MatchString(out) {
		t.Fatalf("no unlock screen said:\n%s", out)
	}
	if !regexp.MustCompile(`start-check: overview [0-9.]+ s after Enter, [1-9][0-9]* persons`).MatchString(out) {
		t.Fatalf("no overview said:\n%s", out)
	}
}
