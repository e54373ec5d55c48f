package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/communekit/communekit/crypto/identity"
)

// TestEtcd_SameWritesBothWays starts the machine's etcd as a cluster of
// three members and has 4 clients write 200 puts of 24 B one put per
// request, then in transactions of 100: every put is there afterwards.
// Without etcd it is skipped, saying why.
func TestEtcd_SameWritesBothWays(t *testing.T) {
	if why := etcdMissing(); why != "" {
		t.Skip(why)
	}
	if testing.Short() {
		t.Skip("starts three etcd processes")
	}
	c, err := startEtcd(t.TempDir(), 3)
	if err != nil {
		t.Fatal(err)
	}
	defer c.stop()
	for _, per := range []int{1, 100} {
		run := map[int]string{1: "one", 100: "txn"}[per]
		r, err := etcdWrite(c.endpoints, run, 4, 200, per, 24, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		// 4 clients of 50 puts: 50 requests each one by one, 1 each in
		// transactions.
		if r.Puts != 200 || r.Requests != map[int]int{1: 200, 100: 4}[per] || r.PutsPerRequest != per || r.Capped || !(r.PutsPerSec > 0) {
			t.Errorf("%d a request: %+v", per, r)
		}
		cli, err := etcdClient(c.endpoints)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		resp, err := cli.Get(ctx, "/ck/"+run+"/", clientv3.WithPrefix())
		cancel()
		cli.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.Count != 200 || len(resp.Kvs[0].Value) != 24 {
			t.Errorf("%d a request: %d keys in etcd, first value %d B", per, resp.Count, len(resp.Kvs[0].Value))
		}
	}
}

// TestEtcd_MissingIsNotMeasured: without an etcd to run, the figures say
// why, and bench all's rows are not measured with that reason.
func TestEtcd_MissingIsNotMeasured(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	f, err := measureEtcd(etcdOptions{Clients: 2, Puts: 10, ValueBytes: 8, TxnPuts: 5, MaxTime: time.Second}, t.Logf)
	if err != nil || !strings.Contains(f.NotMeasured, "etcd is not installed") {
		t.Fatalf("%+v, %v", f, err)
	}
	r := reportOf(clusterFigures{OpsPerSec: 1000, Etcd: &f})
	for _, fig := range []string{figIngestEtcdOne, figIngestEtcdTxn} {
		row := r.row(fig)
		if row.Met != nil || row.Measured != "—" || !strings.Contains(row.Note, "not measured: etcd is not installed") {
			t.Errorf("%s: %+v", fig, row)
		}
	}
}

// TestFloor_SmallWritesWhatTheNodeWrote measures the floor of two devices'
// batches: every operation's entries are written by three stores.
func TestFloor_SmallWritesWhatTheNodeWrote(t *testing.T) {
	d, err := identity.NewDistrict("Bench")
	if err != nil {
		t.Fatal(err)
	}
	devs, err := benchDevices(d, 1, 2, 2, 50)
	if err != nil {
		t.Fatal(err)
	}
	f, err := measureFloor(d, devs, 2, 3, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	// Each operation writes its record, history and feed entries at least.
	if f.Stores != 3 || f.Operations != 200 || f.Transactions != 4 || f.EntriesPerOp < 3 || f.BytesPerOp < 100 || !(f.OpsPerSec > 0) || !(f.Seconds > 0) {
		t.Errorf("%+v", f)
	}
}

// reportOf is bench all's report of the cluster part's figures f.
func reportOf(f clusterFigures) allReport {
	rep, _ := runAllWith(f)
	return rep
}

func (r allReport) row(figure string) allFigure {
	for _, f := range append(append([]allFigure{}, r.Figures...), r.OtherFigures...) {
		if f.Figure == figure {
			return f
		}
	}
	return allFigure{}
}

// TestBenchAll_AgainstRows: the ingest's rows against etcd and the floor
// come right after the ingest, with both numbers and the ratio in the
// "against" column, met by the ratio.
func TestBenchAll_AgainstRows(t *testing.T) {
	f := clusterFigures{OpsPerSec: 12670,
		Floor: &floorFigures{Stores: 3, Operations: 120000, OpsPerSec: 15000, EntriesPerOp: 5.6, BytesPerOp: 900, Transactions: 240},
		Etcd: &etcdFigures{Version: "3.4.23", Members: 3, Clients: 24, ValueBytes: 24,
			OnePut: etcdRun{PutsPerRequest: 1, Puts: 120000, PutsPerSec: 3468},
			Txn:    etcdRun{PutsPerRequest: 100, Puts: 120000, PutsPerSec: 33130}}}
	r := reportOf(f)
	one, txn, floor := r.row(figIngestEtcdOne), r.row(figIngestEtcdTxn), r.row(figIngestFloor)
	if one.AgainstMeasured != "12,670 / 3,468 = 3.65" || one.Met == nil || !*one.Met || one.Measured != "3.65 ×" {
		t.Errorf("one put: %+v", one)
	}
	if txn.AgainstMeasured != "12,670 / 33,130 = 0.38" || txn.Met == nil || *txn.Met {
		t.Errorf("transactions: %+v", txn)
	}
	if floor.AgainstMeasured != "12,670 / 15,000 = 0.84" || floor.Met == nil || !*floor.Met || floor.Measured != "84 %" {
		t.Errorf("floor: %+v", floor)
	}
	var b bytes.Buffer
	printAll(&b, r)
	text := b.String()
	i9, i9b, i9d, i10 := strings.Index(text, "| 9   | "+figIngest), strings.Index(text, "| 9b  | "+figIngestEtcdOne), strings.Index(text, "| 9d  | "+figIngestFloor), strings.Index(text, "| 10  | "+figPushAck)
	// The figures not in the README's table keep their numbers.
	if !strings.Contains(text, "| 15  | "+figTLSPush) || !strings.Contains(text, "| 16  | "+figTLSSync) {
		t.Errorf("the other figures' numbers:\n%s", text)
	}
	if i9 < 0 || i9b < i9 || i9d < i9b || i10 < i9d || !strings.Contains(text, "| against ") || !strings.Contains(text, "12,670 / 3,468 = 3.65") {
		t.Errorf("rows 9, 9b, 9d, 10 at %d, %d, %d, %d:\n%s", i9, i9b, i9d, i10, text)
	}
}

// runAllWith is bench all with f as the cluster part's figures and every
// other part skipped.
func runAllWith(f clusterFigures) (allReport, []error) {
	saved := measurePartFn
	defer func() { measurePartFn = saved }()
	measurePartFn = func(string, allSizes, string, func(string, ...any)) (map[string]measurement, error) {
		return clusterRows(f), nil
	}
	skipped := map[string]bool{}
	for _, p := range benchParts {
		skipped[p] = p != "cluster"
	}
	return runAll(allSizes{}, skipped, "", func(string, ...any) {})
}
