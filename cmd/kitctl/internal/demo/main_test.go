package demo

import (
	"io"
	"os"
	"testing"

	"github.com/communekit/communekit/cmd/kitctl/internal/kit"
	"github.com/communekit/communekit/cmd/kitctl/internal/kittest"
)

const (
	kitctlPkg = "github.com/communekit/communekit/cmd/kitctl"
	exitData  = kit.ExitData
	exitUsage = kit.ExitUsage
)

func TestMain(m *testing.M) {
	code := m.Run()
	kittest.RemoveBuilt()
	os.Exit(code)
}

// run is `kitctl demo ARGS` (args[0] is "demo") in this process, its
// children the real kitctl once a test built it (withKitctl).
func run(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	return kittest.Command(Run, kitctlBin, args, stdout, stderr)
}

// kitctlBin is the real kitctl, once a test built it (withKitctl).
var kitctlBin string

func withKitctl(t *testing.T) {
	t.Helper()
	kitctlBin = kittest.Build(t, kitctlPkg)
}
