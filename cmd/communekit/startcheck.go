package main

import (
	"fmt"
	"os"
	"time"

	"fyne.io/fyne/v2"

	"github.com/communekit/communekit/app/ui"
)

// processStart is when this program's Go code began (package variables
// are set before main runs): the start of the figures --start-check
// prints. What the system spends loading the program comes before it;
// `make wine-app` times from the launch too.
var processStart = time.Now()

// startCheckHold is how long --start-check keeps each screen up after
// saying it is shown, for a screenshot taken from outside (of the X
// display, under wine: what wine drew, not what the app meant to).
const startCheckHold = 3 * time.Second

// startCheck serves `communekit --demo --start-check`, which `make
// wine-app` runs under wine and Xvfb: it waits for the unlock screen,
// prints when it showed, types the demo passphrase into it as an officer
// does and presses Enter, prints when the overview showed, and quits.
// It runs on its own goroutine; lines go to stdout as they happen.
func startCheck(a fyne.App, app *ui.App, passphrase string) {
	code := 0
	defer func() {
		if code != 0 {
			os.Exit(code)
		}
		fyne.Do(a.Quit)
	}()
	if err := app.WaitUnlockScreen(2 * time.Minute); err != nil {
		fmt.Println("start-check: FAILED:", err)
		code = 1
		return
	}
	fmt.Printf("start-check: unlock screen %.3f s after start\n", time.Since(processStart).Seconds())
	time.Sleep(startCheckHold)
	m, err := app.MeasureUnlock(passphrase, 2*time.Minute)
	if err != nil {
		fmt.Println("start-check: FAILED:", err)
		code = 1
		return
	}
	fmt.Printf("start-check: overview %.3f s after Enter, %d persons, %d households\n", m.ToOverview.Seconds(), m.Persons, m.Households)
	time.Sleep(startCheckHold)
}
