package bench

import (
	"fmt"
	"io"
	"time"

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
