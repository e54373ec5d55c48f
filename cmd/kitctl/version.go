package main

import (
	"fmt"

	"github.com/communekit/communekit/cmd/internal/version"
)

// printVersion answers `kitctl --version`: "kitctl 0.1.0", or with --json
// {"program":"kitctl","version":"0.1.0"}.
func (e *env) printVersion() int {
	if e.jsonOut {
		return e.fail(e.printJSON(map[string]string{"program": "kitctl", "version": version.String()}))
	}
	fmt.Fprintln(e.stdout, "kitctl", version.String())
	return exitOK
}
