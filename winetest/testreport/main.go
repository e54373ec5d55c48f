// Command testreport reads `go test -json` on its input and prints what a
// person needs from a cross-built test run (make test-windows): each
// package's result as it comes, the whole output of every failed test,
// and every skipped test with its reason, so that what did not run under
// wine is in plain sight. It exits 1 when a test or a package failed.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

type event struct {
	Action  string
	Package string
	Test    string
	Elapsed float64
	Output  string
}

func main() {
	outputs := map[string][]string{} // package + " " + test: its lines
	var skipped, failed []string
	failedPkg := false
	packages := 0
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			fmt.Println(sc.Text()) // a build error, as go test printed it
			continue
		}
		key := e.Package + " " + e.Test
		switch {
		case e.Action == "build-output":
			fmt.Print(e.Output)
		case e.Action == "build-fail":
			failedPkg = true
		case e.Action == "output":
			outputs[key] = append(outputs[key], e.Output)
		case e.Test == "" && (e.Action == "pass" || e.Action == "fail" || e.Action == "skip"):
			packages++
			word := map[string]string{"pass": "ok  ", "fail": "FAIL", "skip": "?   "}[e.Action]
			fmt.Printf("%s\t%s\t%.1fs\n", word, e.Package, e.Elapsed)
			if e.Action == "fail" {
				failedPkg = true
				if len(failedTests(failed, e.Package)) == 0 {
					fmt.Print(strings.Join(outputs[key], ""))
				}
			}
		case e.Action == "skip":
			skipped = append(skipped, key)
		case e.Action == "fail":
			failed = append(failed, key)
			fmt.Printf("--- FAIL: %s %s\n%s", e.Package, e.Test, strings.Join(outputs[key], ""))
		}
	}
	sort.Strings(skipped)
	if len(skipped) > 0 {
		fmt.Printf("\n%d tests skipped:\n", len(skipped))
	}
	for _, key := range skipped {
		var why []string
		for _, l := range outputs[key] {
			l = strings.TrimSpace(l)
			if l == "" || strings.HasPrefix(l, "=== ") || strings.HasPrefix(l, "--- SKIP") {
				continue
			}
			why = append(why, l)
		}
		pkg, test, _ := strings.Cut(key, " ")
		fmt.Printf("  %s %s: %s\n", strings.TrimPrefix(pkg, "github.com/communekit/communekit/"), test, strings.Join(why, " "))
	}
	if packages == 0 {
		fmt.Println("testreport: no package was tested")
	}
	if failedPkg || len(failed) > 0 || packages == 0 {
		os.Exit(1)
	}
}

func failedTests(failed []string, pkg string) []string {
	var out []string
	for _, k := range failed {
		if strings.HasPrefix(k, pkg+" ") {
			out = append(out, k)
		}
	}
	return out
}
