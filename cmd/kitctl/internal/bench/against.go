package bench

import (
	"fmt"
	"math"
)

// A figure set against a peer or a floor measured in the same run: the
// part that measures the figure also measures its peer, and gives it as
// a measurement under peerKey(figure). bench all prints both and the
// ratio (ours ÷ the peer's); whether the target is met is the part's
// judgement, on the README's target, which may be on the ratio ("≥ 80 %
// of the floor") or on the difference ("≤ scrypt alone + 0.2 s").

// againstOf is the README's column "against, same run": what each figure
// with a peer is measured against.
var againstOf = map[string]string{
	figSave:        "fsync p99",
	figImport:      "Badger alone writing an import's entries",
	figAppMem:      "a one-label Fyne window, same display and GL",
	figAppUnlock:   "age scrypt at work factor 18",
	figFirstSync:   "the link's bound",
	figStoreUnlock: "age scrypt at the profile's work factor",
	// The district's ingest against its peers (benchagainst.go): their
	// cells carry "ours / peer = ratio".
	figIngestEtcdOne: "3-member etcd, a put per request",
	figIngestEtcdTxn: "3-member etcd, transactions of 100 puts",
	figIngestFloor:   "Badger alone × 3 replicas",
}

// ingestAgainst fills the against cell of the ingest rows from what the
// cluster part measured against etcd and the floor (a: "ours / peer =
// ratio"), when it measured it.
func ingestAgainst(f *allFigure, a measurement, peer bool) {
	if !peer || a.text == "" || f.AgainstMeasured != "" {
		return
	}
	if f.Against == "" {
		f.Against = "same run"
	}
	f.AgainstMeasured = a.text
}

// peerKey is where a part puts the peer of figure among its measurements.
func peerKey(figure string) string { return figure + "\x00against" }

// setAgainst fills f's against columns from the peer measured, if any.
func setAgainst(f *allFigure, got map[string]measurement) {
	f.Against = againstOf[f.Figure]
	p, ok := got[peerKey(f.Figure)]
	if !ok {
		return
	}
	if f.Against == "" {
		f.Against = p.note
	}
	v := p.value
	f.AgainstMeasured, f.AgainstValue = p.text, &v
	if f.Value != nil && p.value > 0 {
		r := math.Round(*f.Value/p.value*100) / 100
		f.Ratio = &r
	}
}

// againstCell is the against column of the table: the peer and its figure.
func againstCell(f allFigure) string {
	switch {
	case f.Against == "":
		return "—"
	case f.AgainstMeasured == "":
		return f.Against + ": —"
	}
	return f.Against + ": " + f.AgainstMeasured
}

// ratioCell is the ratio column: ours ÷ the peer's.
func ratioCell(f allFigure) string {
	if f.Ratio == nil {
		return "—"
	}
	return fmt.Sprintf("%.2f", *f.Ratio)
}

// importMet is the import's target: at least 25,000 persons/s and at
// least 80 % of the floor measured in the same run.
func importMet(rate, floor float64) bool { return rate >= 25000 && floor > 0 && rate >= 0.8*floor }
