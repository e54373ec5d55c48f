package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

// `communekit --measure-empty` is the peer of the app's memory figure: the
// same binary, so the same build of Fyne, the same GL driver and display,
// showing a window of the app's size with one label and nothing of the
// app, its resident memory read as --measure reads the app's. `kitctl
// bench all` runs both in the same run and sets one against the other.

// emptyLook is how long the window is on screen before its memory is read.
const emptyLook = overviewLook + afterSearch

// emptyReport is what --measure-empty prints (--json: this object).
type emptyReport struct {
	RSSMB     float64    `json:"rss_mb"`
	PeakRSSMB float64    `json:"peak_rss_mb"`
	RSSAnonMB float64    `json:"rss_anon_mb"`
	RSSFileMB float64    `json:"rss_file_mb"`
	HeapMB    float64    `json:"go_heap_in_use_mb"`
	RSSParts  rssPartsMB `json:"rss_parts_mb"`
}

// runMeasureEmpty is `communekit --measure-empty`; it returns the exit
// status.
func runMeasureEmpty(jsonOut bool) int {
	a := fyneapp.NewWithID("org.communekit.measure-empty")
	w := a.NewWindow("communekit")
	w.SetContent(widget.NewLabel("communekit"))
	w.Resize(fyne.NewSize(1366, 768))
	var rep emptyReport
	go func() {
		time.Sleep(emptyLook)
		rep.RSSMB, rep.PeakRSSMB, rep.RSSAnonMB, rep.RSSFileMB = readRSS()
		rep.RSSParts = rssParts("", rep.RSSAnonMB)
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		rep.HeapMB = mb(float64(m.HeapInuse))
		fyne.Do(a.Quit)
	}()
	w.ShowAndRun()
	if rep.RSSMB == 0 {
		fmt.Fprintln(os.Stderr, "communekit: measure-empty: the window closed before its memory was read")
		return 1
	}
	if jsonOut {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
		return 0
	}
	p := rep.RSSParts
	fmt.Printf("communekit --measure-empty: a window with one label, RSS %.1f MB (peak %.1f MB)\n", rep.RSSMB, rep.PeakRSSMB)
	fmt.Printf("  memory by holder:     Go %.1f, other anonymous (GL driver, C heap) %.1f, binary %.1f, GL libraries %.1f, other files %.1f MB\n",
		p.Go, p.OtherAnon, p.Binary, p.GL, p.OtherFiles)
	return 0
}
