package version

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestVersionFlag builds kitctl and districtd as `make dist` does, the
// version set by the linker, and asks each for it: a wrong -X path in the
// Makefile, or a --version lost from a command, fails here.
func TestVersionFlag(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two binaries")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	dir := t.TempDir()
	const v = "9.8.7-2-gabcdef1"
	for _, c := range []struct{ name, pkg, flag, want string }{
		{"kitctl", "../../kitctl", "--version", "kitctl " + v},
		{"districtd", "../../districtd", "--version", "districtd " + v},
	} {
		bin := filepath.Join(dir, c.name)
		build := exec.Command(goBin, "build", "-ldflags", "-X github.com/communekit/communekit/cmd/internal/version.version=v"+v, "-o", bin, c.pkg)
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("building %s: %v\n%s", c.name, err, out)
		}
		out, err := exec.Command(bin, c.flag).CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", c.name, c.flag, err, out)
		}
		if got := strings.TrimSpace(string(out)); got != c.want {
			t.Errorf("%s %s = %q, want %q", c.name, c.flag, got, c.want)
		}
	}
	// Without -X: the commit Go records in the binary (or 0.0.0-dev).
	bin := filepath.Join(dir, "kitctl-plain")
	build := exec.Command(goBin, "build", "-o", bin, "../../kitctl")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building kitctl: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "kitctl 0.0.0-") {
		t.Errorf("kitctl --version without -X = %q (%v), want kitctl 0.0.0-…", out, err)
	}
}
