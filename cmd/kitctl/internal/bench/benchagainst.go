package bench

import (
	"fmt"
	"io"
	"time"

	"github.com/communekit/communekit/cmd/kitctl/internal/kit"
	"github.com/communekit/communekit/crypto/identity"
)

// What the district's ingest is measured against, in the same run, once
// its cluster has stopped: etcd taking the same writes (benchetcd.go) and
// Badger alone writing what the operations write (benchfloor.go). The
// ratios are what bench all reports: on a shared machine of two cores an
// absolute figure says little, a ratio measured side by side more.

// etcdTxnPuts is the puts of one etcd transaction (etcd takes at most 128
// operations in one).
const etcdTxnPuts = 100

// measureAgainst measures the peers of f's closed loop, which pushed
// batches [0, load) of devs sealed to d.
func measureAgainst(o clusterOptions, d *identity.District, devs []*benchDevice, load int, f *clusterFigures, progress func(format string, a ...any)) error {
	sealed, ops := 0, 0
	for _, dv := range devs {
		for k := 0; k < load && k < len(dv.sealed); k++ {
			sealed += len(dv.sealed[k])
			ops += dv.ops[k]
		}
	}
	if ops == 0 {
		return fmt.Errorf("no operation pushed to measure the peers against")
	}
	f.SealedBytesPerOp = float64(sealed) / float64(ops)

	fl, err := measureFloor(d, devs, load, 3, progress)
	if err != nil {
		return err
	}
	f.Floor = &fl
	progress("floor: %.0f operations/s (three Badger databases at once)", fl.OpsPerSec)

	secs := o.EtcdSeconds
	if secs <= 0 {
		secs = 60
	}
	et, err := measureEtcd(etcdOptions{Clients: o.Devices, Puts: f.Operations, ValueBytes: max(1, int(f.SealedBytesPerOp+0.5)),
		TxnPuts: etcdTxnPuts, MaxTime: time.Duration(secs * float64(time.Second))}, progress)
	if err != nil {
		return err
	}
	if et.NotMeasured != "" {
		progress("etcd: not measured: %s", et.NotMeasured)
	}
	f.Etcd = &et
	return nil
}

// ratio is ours over theirs, 0 when theirs is not measured.
func ratio(ours, theirs float64) float64 {
	if !(theirs > 0) {
		return 0
	}
	return ours / theirs
}

// printAgainst prints the peers for a person.
func printAgainst(w io.Writer, f clusterFigures) {
	if f.Floor != nil {
		fl := f.Floor
		fmt.Fprintf(w, "  against its floor:      %8s operations/s ingested ÷ %s written by %d Badger databases at once = %.0f %%   (target ≥ 70 %%; %.1f entries, %.0f B per operation)\n",
			thousands(f.OpsPerSec), thousands(fl.OpsPerSec), fl.Stores, 100*ratio(f.OpsPerSec, fl.OpsPerSec), fl.EntriesPerOp, fl.BytesPerOp)
	}
	if e := f.Etcd; e != nil {
		if e.NotMeasured != "" {
			fmt.Fprintf(w, "  against etcd:           not measured: %s\n", e.NotMeasured)
			return
		}
		fmt.Fprintf(w, "  against etcd %s, %d members, %d clients, puts of %d B:\n", e.Version, e.Members, e.Clients, e.ValueBytes)
		fmt.Fprintf(w, "    one put per request:        %8s ÷ %s puts/s = %.2f   (target ≥ 2)\n", thousands(f.OpsPerSec), thousands(e.OnePut.PutsPerSec), ratio(f.OpsPerSec, e.OnePut.PutsPerSec))
		fmt.Fprintf(w, "    transactions of %3d puts:   %8s ÷ %s puts/s = %.2f   (target ≥ 1)\n", e.Txn.PutsPerRequest, thousands(f.OpsPerSec), thousands(e.Txn.PutsPerSec), ratio(f.OpsPerSec, e.Txn.PutsPerSec))
	}
}

// againstKey is where a part's measurements hold what a figure was
// measured against: text "ours / peer = ratio", or, when the peer could
// not be measured, no text and the reason as note.
func againstKey(figure string) string { return figure + " (against)" }

// againstMeasurements are bench all's rows of the district's ingest
// against its peers.
func againstMeasurements(f clusterFigures) map[string]measurement {
	ms := map[string]measurement{}
	ours := thousands(f.OpsPerSec)
	if fl := f.Floor; fl != nil && fl.OpsPerSec > 0 {
		r := ratio(f.OpsPerSec, fl.OpsPerSec)
		ms[figIngestFloor] = measurement{fmt.Sprintf("%.0f %%", 100*r), kit.Round(100 * r), "%", r >= 0.70,
			fmt.Sprintf("ingest %s operations/s; the floor: %d Badger databases with a node store's options writing at once what a node's store wrote for the same %s operations (%.1f entries, %.0f B of keys and values per operation, %d transactions), %s operations/s",
				ours, fl.Stores, thousands(float64(fl.Operations)), fl.EntriesPerOp, fl.BytesPerOp, fl.Transactions, thousands(fl.OpsPerSec))}
		ms[againstKey(figIngestFloor)] = measurement{text: fmt.Sprintf("%s / %s = %.2f", ours, thousands(fl.OpsPerSec), r)}
	}
	e := f.Etcd
	if e == nil {
		return ms
	}
	if e.NotMeasured != "" {
		for _, fig := range []string{figIngestEtcdOne, figIngestEtcdTxn} {
			ms[againstKey(fig)] = measurement{note: e.NotMeasured}
		}
		return ms
	}
	row := func(fig string, run etcdRun, target float64) {
		if !(run.PutsPerSec > 0) {
			return
		}
		r := ratio(f.OpsPerSec, run.PutsPerSec)
		capped := ""
		if run.Capped {
			capped = " (stopped at its time limit)"
		}
		ms[fig] = measurement{fmt.Sprintf("%.2f ×", r), kit.Round(r), "×", r >= target,
			fmt.Sprintf("ingest %s operations/s; etcd %s, %d members on loopback, %d clients, %s puts of %d B (keys %d B), %d to a request, in %.1f s%s: %s puts/s",
				ours, e.Version, e.Members, e.Clients, thousands(float64(run.Puts)), e.ValueBytes, e.KeyBytes, run.PutsPerRequest, run.Seconds, capped, thousands(run.PutsPerSec))}
		ms[againstKey(fig)] = measurement{text: fmt.Sprintf("%s / %s = %.2f", ours, thousands(run.PutsPerSec), r)}
	}
	row(figIngestEtcdOne, e.OnePut, 2)
	row(figIngestEtcdTxn, e.Txn, 1)
	return ms
}
