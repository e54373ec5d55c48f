package bench

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/communekit/communekit/cmd/kitctl/internal/kit"
)

// The district's ingest against etcd's, measured in the same run: a
// three-member etcd cluster of the machine's own etcd (Debian's
// etcd-server, which `make bench` installs) on loopback, in temporary
// directories, driven with etcd's Go client by as many concurrent clients
// as the cluster benchmark has devices, client i talking to member i mod
// 3 as device i pushes to node i mod 3. They write as many keys as the
// district ingested operations, each value as large as what one operation
// carries in a sealed batch on average (the batch's bytes over its
// operations), twice: one put per request, and transactions of 100 puts
// (etcd takes at most 128 operations in a transaction; a batch of ours
// carries many operations).

// etcdFigures are etcd's figures; NotMeasured says why there are none.
type etcdFigures struct {
	NotMeasured string  `json:"not_measured,omitempty"`
	Version     string  `json:"version,omitempty"`
	Members     int     `json:"members"`
	Clients     int     `json:"clients"`
	ValueBytes  int     `json:"value_bytes"`
	KeyBytes    int     `json:"key_bytes"`
	OnePut      etcdRun `json:"one_put_per_request"`
	Txn         etcdRun `json:"transactions"`
}

// etcdRun is one way of writing: PutsPerRequest puts a request.
type etcdRun struct {
	PutsPerRequest int     `json:"puts_per_request"`
	Puts           int     `json:"puts"`
	Requests       int     `json:"requests"`
	Seconds        float64 `json:"seconds"`
	PutsPerSec     float64 `json:"puts_per_s"`
	// Capped: the run stopped at its time limit before writing every put
	// asked; the rate is over those written.
	Capped bool `json:"capped,omitempty"`
}

// etcdOptions size the etcd runs.
type etcdOptions struct {
	Clients    int
	Puts       int           // in each run
	ValueBytes int           // each put's value
	TxnPuts    int           // puts in a transaction (the second run)
	MaxTime    time.Duration // at most, each run
}

// etcdMissing says why etcd cannot be measured here, or "".
func etcdMissing() string {
	if _, err := exec.LookPath("etcd"); err != nil {
		return "etcd is not installed (Debian's etcd-server and etcd-client; make bench installs them)"
	}
	return ""
}

// etcdVersion is what `etcd --version` says of itself: "3.4.23".
func etcdVersion() string {
	out, err := exec.Command("etcd", "--version").Output()
	if err != nil {
		return ""
	}
	first, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(strings.TrimPrefix(first, "etcd Version:"))
}

// etcdCluster is a cluster of etcd processes.
type etcdCluster struct {
	dir       string
	procs     []*exec.Cmd
	endpoints []string
}

// startEtcd starts an etcd cluster of n members in dir and waits until it
// takes a write.
func startEtcd(dir string, n int) (*etcdCluster, error) {
	c := &etcdCluster{dir: dir}
	var peers, clients, names []string
	for i := 0; i < n; i++ {
		p, err1 := kit.FreePort()
		cl, err2 := kit.FreePort()
		if err := errors.Join(err1, err2); err != nil {
			return nil, err
		}
		names = append(names, fmt.Sprintf("m%d", i+1))
		peers = append(peers, "http://"+p)
		clients = append(clients, "http://"+cl)
	}
	var initial []string
	for i := range names {
		initial = append(initial, names[i]+"="+peers[i])
	}
	for i := range names {
		cmd := exec.Command("etcd",
			"--name", names[i],
			"--data-dir", filepath.Join(dir, names[i]),
			"--listen-peer-urls", peers[i], "--initial-advertise-peer-urls", peers[i],
			"--listen-client-urls", clients[i], "--advertise-client-urls", clients[i],
			"--initial-cluster", strings.Join(initial, ","),
			"--initial-cluster-state", "new", "--initial-cluster-token", "communekit-bench",
			"--logger", "zap", "--log-level", "warn")
		logf, err := os.Create(filepath.Join(dir, names[i]+".log"))
		if err != nil {
			c.stop()
			return nil, err
		}
		cmd.Stdout, cmd.Stderr = logf, logf
		// Only what etcd needs of the environment: an ETCD_* variable
		// of the person running the benchmark would change its flags.
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
		if err := cmd.Start(); err != nil {
			c.stop()
			return nil, fmt.Errorf("starting etcd: %w", err)
		}
		c.procs = append(c.procs, cmd)
	}
	c.endpoints = clients
	cli, err := etcdClient(c.endpoints)
	if err != nil {
		c.stop()
		return nil, err
	}
	defer cli.Close()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := cli.Put(ctx, "/communekit/bench/ready", "1")
		cancel()
		if err == nil {
			return c, nil
		}
		if time.Now().After(deadline) {
			c.stop()
			return nil, fmt.Errorf("the etcd cluster took no write within 60 s: %v (see %s)", err, filepath.Join(dir, "m1.log"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func etcdClient(endpoints []string) (*clientv3.Client, error) {
	return clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: 10 * time.Second, Logger: zap.NewNop()})
}

func (c *etcdCluster) stop() {
	for _, p := range c.procs {
		if p.Process != nil {
			p.Process.Signal(syscall.SIGTERM)
		}
	}
	for _, p := range c.procs {
		if p.Process == nil {
			continue
		}
		done := make(chan struct{})
		go func() { p.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			p.Process.Kill()
			<-done
		}
	}
	c.procs = nil
}

// measureEtcd starts an etcd cluster of three members and measures both
// runs on it; without etcd, the figures say why they are not measured.
func measureEtcd(o etcdOptions, progress func(format string, a ...any)) (etcdFigures, error) {
	f := etcdFigures{Members: 3, Clients: o.Clients, ValueBytes: o.ValueBytes}
	if why := etcdMissing(); why != "" {
		f.NotMeasured = why
		return f, nil
	}
	f.Version = etcdVersion()
	dir, err := os.MkdirTemp("", "communekit-bench-etcd-")
	if err != nil {
		return f, err
	}
	defer os.RemoveAll(dir)
	progress("etcd %s: starting three members on loopback…", f.Version)
	c, err := startEtcd(dir, 3)
	if err != nil {
		return f, err
	}
	defer c.stop()
	f.KeyBytes = len(etcdKey("one", 0, 0))
	progress("etcd: %d clients write %d puts of %d B, one put per request…", o.Clients, o.Puts, o.ValueBytes)
	if f.OnePut, err = etcdWrite(c.endpoints, "one", o.Clients, o.Puts, 1, o.ValueBytes, o.MaxTime); err != nil {
		return f, fmt.Errorf("etcd, one put per request: %w", err)
	}
	progress("etcd: %.0f puts/s; now in transactions of %d puts…", f.OnePut.PutsPerSec, o.TxnPuts)
	if f.Txn, err = etcdWrite(c.endpoints, "txn", o.Clients, o.Puts, o.TxnPuts, o.ValueBytes, o.MaxTime); err != nil {
		return f, fmt.Errorf("etcd, transactions of %d puts: %w", o.TxnPuts, err)
	}
	progress("etcd: %.0f puts/s in transactions of %d", f.Txn.PutsPerSec, o.TxnPuts)
	return f, nil
}

// etcdKey is the key of client c's put j in the run named run.
func etcdKey(run string, c, j int) string {
	return fmt.Sprintf("/ck/%s/%03d/%08d", run, c, j)
}

// etcdWrite has clients concurrent clients write puts keys of valueBytes,
// per puts to a request (a transaction when more than one), client i
// through endpoint i mod len(endpoints), for at most maxTime.
func etcdWrite(endpoints []string, run string, clients, puts, per, valueBytes int, maxTime time.Duration) (etcdRun, error) {
	r := etcdRun{PutsPerRequest: per}
	clis := make([]*clientv3.Client, clients)
	defer func() {
		for _, c := range clis {
			if c != nil {
				c.Close()
			}
		}
	}()
	for i := range clis {
		c, err := etcdClient([]string{endpoints[i%len(endpoints)]})
		if err != nil {
			return r, err
		}
		clis[i] = c
	}
	var done, requests atomic.Int64
	var capped atomic.Bool
	errs := make([]error, clients)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(maxTime)
	for i, cli := range clis {
		mine := puts / clients
		if i < puts%clients {
			mine++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			value := make([]byte, valueBytes)
			rand.Read(value)
			for j := 0; j < mine; j += per {
				if time.Now().After(deadline) {
					capped.Store(true)
					return
				}
				n := min(per, mine-j)
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				var err error
				if per == 1 {
					_, err = cli.Put(ctx, etcdKey(run, i, j), string(value))
				} else {
					ops := make([]clientv3.Op, n)
					for k := range ops {
						ops[k] = clientv3.OpPut(etcdKey(run, i, j+k), string(value))
					}
					_, err = cli.Txn(ctx).Then(ops...).Commit()
				}
				cancel()
				if err != nil {
					errs[i] = err
					return
				}
				done.Add(int64(n))
				requests.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return r, err
	}
	r.Puts, r.Requests, r.Capped = int(done.Load()), int(requests.Load()), capped.Load()
	r.Seconds = kit.Round(elapsed.Seconds())
	if r.Puts > 0 {
		r.PutsPerSec = kit.Round(float64(r.Puts) / elapsed.Seconds())
	}
	return r, nil
}
