// Package kittest builds the real kitctl and districtd for the tests of
// kitctl's harnesses, which run them as other processes.
package kittest

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/communekit/communekit/cmd/kitctl/internal/kit"
)

// Build builds the command of package path (such as
// "github.com/communekit/communekit/cmd/kitctl") once per test binary,
// without cgo, and returns the program's path: the harnesses' tests run
// the real kitctl and districtd as other processes.
func Build(t testing.TB, path string) string {
	t.Helper()
	builtMu.Lock()
	defer builtMu.Unlock()
	if p, ok := built[path]; ok {
		return p
	}
	if buildDir == "" {
		d, err := os.MkdirTemp("", "kitctl-test-bin-")
		if err != nil {
			t.Fatal(err)
		}
		buildDir = d
	}
	bin := filepath.Join(buildDir, filepath.Base(path))
	cmd := exec.Command("go", "build", "-o", bin, path)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", path, err, out)
	}
	built[path] = bin
	return bin
}

// RemoveBuilt removes what Build built; a test binary's TestMain calls it.
func RemoveBuilt() {
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
}

var (
	builtMu  sync.Mutex
	built    = map[string]string{}
	buildDir string
)

// Command runs a harness's Run as kitctl's main would run `kitctl
// NAME ARGS`: args[0] is the command's name; the harness's children are
// the kitctl at kitctl (Build's), or this program where that is "". It
// returns the exit status.
func Command(run func(*kit.Env, []string) error, kitctl string, args []string, stdout, stderr io.Writer) int {
	e := &kit.Env{Stdout: stdout, Stderr: stderr, Kitctl: kitctl}
	if len(args) > 0 {
		args = args[1:]
	}
	return kit.ExitCode(run(e, args), stderr)
}
