// Command communekit is the desktop application for commune officers
// (app/DESIGN.md).
//
//	communekit                 open the officer's profile (first-run setup if none)
//	communekit --demo          open the demo profile, made on first use, with
//	                           its district's node running in the app
//	communekit --profile DIR   open the profile in DIR
//	communekit --measure [--persons 100000] [--json]
//	                           measure unlock to overview, memory and search
//	                           as you type on a generated profile (made once,
//	                           kept in the user's cache directory), print the
//	                           figures and quit: see measure.go
//	communekit --measure-empty [--json]
//	                           the same for a window with one label, the
//	                           peer of the app's memory: see measureempty.go
//	communekit --version       print the version (make dist sets it from the git tag)
//
// --quit-after and --screenshot serve the window smoke test, --start-check
// the one under wine (startcheck.go).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/communekit/communekit/app/demo"
	"github.com/communekit/communekit/app/i18n"
	"github.com/communekit/communekit/app/ui"
	"github.com/communekit/communekit/app/vm"
	"github.com/communekit/communekit/cmd/internal/version"
	"github.com/communekit/communekit/storage"
)

func main() {
	demoFlag := flag.Bool("demo", false, "open on a demo profile (a generated commune, passphrase shown on screen)")
	profile := flag.String("profile", "", "profile directory (default: the user's profile, or the demo one with --demo)")
	quitAfter := flag.Duration("quit-after", 0, "close the window after this long (smoke tests)")
	shots := flag.String("screenshot", "", "with --demo: walk the main screens, write a PNG of each into this directory, and quit")
	measure := flag.Bool("measure", false, "measure unlock to overview, memory and search as you type on a generated profile (--profile, else one kept in the cache directory), print the figures and quit")
	persons := flag.Int("persons", 100000, "with --measure: persons in the generated profile")
	jsonOut := flag.Bool("json", false, "with --measure or --measure-empty: print the figures as JSON")
	measureEmpty := flag.Bool("measure-empty", false, "measure the memory of a window with one label (the peer of --measure's memory), print it and quit")
	showVersion := flag.Bool("version", false, "print the version and quit")
	measureMake := flag.String("measure-make", "", "make the profile --measure measures in this directory and quit (--measure runs it in a process of its own)")
	startCheckFlag := flag.Bool("start-check", false, "with --demo: say when the unlock screen shows, unlock it with the demo passphrase as typed, say when the overview shows, and quit (make wine-app)")
	flag.Parse()
	if *showVersion {
		fmt.Println("communekit", version.String())
		os.Exit(0)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	switch {
	case *measureMake != "":
		if err := makeMeasureProfile(*measureMake, *persons); err != nil {
			fmt.Fprintln(os.Stderr, "communekit:", err)
			os.Exit(1)
		}
		os.Exit(0)
	case *measure:
		os.Exit(runMeasure(*profile, *persons, *jsonOut, log))
	case *measureEmpty:
		os.Exit(runMeasureEmpty(*jsonOut))
	}

	dir := *profile
	cfg := ui.Config{}
	stopNode := func() {}
	if *demoFlag {
		if dir == "" {
			dir = demo.DefaultDir()
		}
		start := time.Now()
		created, err := demo.Ensure(dir, storage.Options{})
		if err != nil {
			fmt.Fprintln(os.Stderr, "communekit:", err)
			os.Exit(1)
		}
		if created {
			log.Info("demo profile created", "dir", dir, "persons", demo.Persons, "took", time.Since(start).Round(time.Millisecond))
		}
		cfg.DemoPassphrase = demo.Passphrase
		// The demo's district: one node in this process, on loopback.
		// Without it the demo still opens, and its sync screen says the
		// node cannot be reached.
		quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
		if n, err := demo.StartNode(dir, quiet); err != nil {
			log.Error("demo district node not started", "err", err)
		} else {
			cfg.SyncNode = n.Addr()
			log.Info("demo district node started", "url", n.Addr(), "dir", demo.NodeDir(dir))
			stopNode = func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if err := n.Shutdown(ctx); err != nil {
					log.Error("demo district node", "err", err)
				}
			}
		}
	} else if dir == "" {
		d, err := vm.DefaultProfileDir()
		if err != nil {
			fmt.Fprintln(os.Stderr, "communekit:", err)
			os.Exit(1)
		}
		dir = d
	}
	cfg.Dir = dir
	cfg.OnUnlocked = func(d time.Duration) { log.Info("unlocked", "to_overview", d.Round(time.Millisecond)) }

	a := fyneapp.NewWithID("org.communekit.app")
	tr := i18n.MustLoad()
	w := a.NewWindow(tr.T("app.title"))
	w.SetIcon(ui.Icon())
	app := ui.New(w, tr, cfg)
	app.Start()
	w.Resize(fyne.NewSize(1366, 768))

	if *shots != "" {
		go func() {
			files, err := app.Tour(*shots, cfg.DemoPassphrase, 700*time.Millisecond)
			if err != nil {
				log.Error("screenshot tour", "err", err)
			}
			for _, f := range files {
				log.Info("screenshot", "file", f)
			}
			fyne.Do(a.Quit)
		}()
	} else if *startCheckFlag {
		go startCheck(a, app, cfg.DemoPassphrase)
	} else if *quitAfter > 0 {
		go func() {
			time.Sleep(*quitAfter)
			fyne.Do(a.Quit)
		}()
	}
	w.ShowAndRun()
	app.Close()
	stopNode()
	os.Exit(0)
}
