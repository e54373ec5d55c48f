// Command districtd runs one district node (sync/node/DESIGN.md): a member of the
// district's Raft cluster that accepts commune devices' sealed batches,
// replicates them and answers their pulls.
//
//	districtd --node n1.node --dir n1 --id n1 --raft 10.0.0.1:7000 --http 10.0.0.1:8443 --bootstrap
//	districtd --node n2.node --dir n2 --id n2 --raft 10.0.0.2:7000 --http 10.0.0.2:8443 --join https://10.0.0.1:8443
//
// A node runs from its credential (`kitctl district node-cert` at the
// district office): its own key, certified by the district's root key,
// and the batch keys; the root key stays at the office. --district DIR
// runs a node from the district profile itself instead (demos, tests):
// the root key is then online on the node, which says so in its log.
//
// The API (--http) speaks HTTPS only, with the node's certificate signed
// by the district's root key: laptops trust nothing else. Prometheus
// metrics are served apart, on --metrics (plain HTTP, loopback by
// default: the API's port + 1000 on 127.0.0.1).
//
// After a disaster, one node starts a new cluster from a backup made by
// `kitctl district backup` (into an empty --dir), and the others join it
// empty:
//
//	districtd --district ./d --dir n1 --id n1 --raft 127.0.0.1:7001 --http 127.0.0.1:8001 --restore district.ckbak
//
// The passphrase (of the credential, or of the district profile) comes
// from --passphrase-file, COMMUNEKIT_PASSPHRASE or a prompt on the
// terminal; never from an argument. It is taken in any Unicode form of its
// letters (composed or not, as input methods type them), and also wraps
// the node's own store: to change it, stop the node and run `kitctl
// --profile DIR/store passphrase` (and, for a credential, make the node a
// new one). SIGTERM or SIGINT hands leadership over and stops cleanly.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/communekit/communekit/cmd/internal/version"
	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/crypto/keyring"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/node"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("districtd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		credFile  = fs.String("node", "", "this node's credential `FILE`, made by kitctl district node-cert")
		district  = fs.String("district", "", "run from the district profile instead of a credential (demos, tests): the district's root key is then online on this node")
		dir       = fs.String("dir", "", "this node's data directory (store, Raft log, snapshots)")
		id        = fs.String("id", "", "this node's ID in the cluster, e.g. n1")
		raftAddr  = fs.String("raft", "", "host:port for Raft traffic between nodes (mutual TLS)")
		httpAddr  = fs.String("http", "", "host:port of the API (HTTPS) devices and kitctl talk to")
		metrics   = fs.String("metrics", "", "host:port of the Prometheus /metrics listener (plain HTTP); default 127.0.0.1 and the --http port + 1000; off: none")
		raftAdv   = fs.String("advertise-raft", "", "the Raft address other nodes dial, if not --raft (a proxy or NAT in between)")
		httpURL   = fs.String("advertise-http", "", "the API's URL as other nodes reach it (default https://<--http>)")
		bootstrap = fs.Bool("bootstrap", false, "start a new cluster with this node as its first member")
		join      = fs.String("join", "", "URL of a node of the cluster to join, e.g. https://127.0.0.1:8001")
		restore   = fs.String("restore", "", "start a new cluster from this backup `FILE` (made by kitctl district backup), restored into the empty --dir; the other nodes then --join it")
		passFile  = fs.String("passphrase-file", "", "read the passphrase of the credential (or district profile) from this file")
		logLevel  = fs.String("log-level", "info", "debug, info, warn or error")
		logJSON   = fs.Bool("log-json", false, "log as JSON lines")
		snapThr   = fs.Uint64("snapshot-threshold", 0, "Raft entries between snapshots (default 8192)")
		snapInt   = fs.Duration("snapshot-interval", 0, "how often to check whether to snapshot (default 30s)")
		trailing  = fs.Uint64("trailing-logs", 0, "Raft entries kept after a snapshot (default 10240)")
		hb        = fs.Duration("heartbeat-timeout", 0, "Raft heartbeat timeout (default 500ms)")
		el        = fs.Duration("election-timeout", 0, "Raft election timeout (default 500ms)")
		showVer   = fs.Bool("version", false, "print districtd's version and exit")
		minFree   = fs.Int64("min-free-mb", node.DefaultMinFree>>20, "stop (and refuse to start) with less free disk space than this, in MB, on --dir's filesystem; -1: no check")
	)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: districtd (--node FILE.node | --district DIR) --dir DIR --id ID --raft HOST:PORT --http HOST:PORT [--metrics HOST:PORT] (--bootstrap | --join URL | --restore FILE)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *showVer {
		fmt.Println("districtd", version.String())
		return 0
	}
	var missing []string
	for name, v := range map[string]string{"--dir": *dir, "--id": *id, "--raft": *raftAddr, "--http": *httpAddr} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if *credFile == "" && *district == "" {
		missing = append(missing, "--node (or --district)")
	}
	if len(missing) > 0 || fs.NArg() > 0 {
		if len(missing) > 0 {
			fmt.Fprintf(stderr, "districtd: missing %s\n", strings.Join(sorted(missing), ", "))
		} else {
			fmt.Fprintf(stderr, "districtd: unexpected argument %q\n", fs.Arg(0))
		}
		fs.Usage()
		return 2
	}
	if *credFile != "" && *district != "" {
		fmt.Fprintln(stderr, "districtd: give --node FILE (the node's credential) or --district DIR (the district profile), not both")
		return 2
	}
	if *bootstrap && *join != "" {
		fmt.Fprintln(stderr, "districtd: give --bootstrap (a new cluster) or --join URL (an existing one), not both")
		return 2
	}
	if *restore != "" && *join != "" {
		fmt.Fprintln(stderr, "districtd: --restore starts a new cluster from the backup; the other nodes --join it: give --restore or --join, not both")
		return 2
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(stderr, "districtd: --log-level %q: use debug, info, warn or error\n", *logLevel)
		return 2
	}
	var h slog.Handler = slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl})
	if *logJSON {
		h = slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: lvl})
	}
	log := slog.New(h)
	slog.SetDefault(log)

	wf, err := workFactor()
	if err != nil {
		fmt.Fprintln(stderr, "districtd:", err)
		return 2
	}
	var cred *cert.NodeCredential
	var keys *identity.District
	var credBytes []byte
	if *credFile != "" {
		// Read before asking for the passphrase: a wrong path is said at once.
		if credBytes, err = os.ReadFile(*credFile); err != nil {
			fmt.Fprintln(stderr, "districtd: the node credential:", err)
			return 1
		}
	}
	prompt := "District passphrase: "
	if *credFile != "" {
		prompt = "Node passphrase: "
	}
	pass, err := keyring.ReadPassphrase(*passFile, os.Stdin, stderr, prompt, false)
	if err != nil {
		fmt.Fprintln(stderr, "districtd:", err)
		return 2
	}
	if *credFile != "" {
		cred, err = cert.UnwrapNodeCredential(credBytes, pass)
		switch {
		case errors.Is(err, keyring.ErrWrongPassphrase):
			fmt.Fprintln(stderr, "districtd: wrong passphrase for the node credential", *credFile)
			return 1
		case err != nil:
			fmt.Fprintf(stderr, "districtd: %s is not a node credential this version reads: %v\n", *credFile, err)
			return 1
		case cred.Node.ID != *id:
			fmt.Fprintf(stderr, "districtd: %s is the credential of node %s, not of --id %s: give each node its own (kitctl district node-cert --id %s)\n", *credFile, cred.Node.ID, *id, *id)
			return 2
		}
		if !time.Now().Before(cred.Cert.NotAfter) {
			fmt.Fprintf(stderr, "districtd: the credential of node %s expired on %s: the district office makes it a new one (kitctl district node-cert --id %s)\n", cred.Node.ID, cred.Cert.NotAfter.Format("2006-01-02"), cred.Node.ID)
			return 1
		}
	} else {
		keys, err = storage.DistrictKeysOf(*district, pass)
		if err != nil {
			if errors.Is(err, storage.ErrWrongPassphrase) {
				fmt.Fprintln(stderr, "districtd: wrong passphrase for the district profile", *district)
			} else {
				fmt.Fprintln(stderr, "districtd: opening the district profile:", err)
			}
			return 1
		}
	}

	metricsAddr, err := metricsAddress(*metrics, *httpAddr)
	if err != nil {
		fmt.Fprintln(stderr, "districtd:", err)
		return 2
	}
	cfg := node.Config{
		ID: *id, Dir: *dir, Credential: cred, District: keys, Passphrase: pass,
		RaftAddr: *raftAddr, RaftAdvertise: *raftAdv, HTTPAddr: *httpAddr, HTTPURL: *httpURL, MetricsAddr: metricsAddr,
		Bootstrap: *bootstrap, Join: *join,
		SnapshotThreshold: *snapThr, SnapshotInterval: *snapInt, TrailingLogs: *trailing,
		HeartbeatTimeout: *hb, ElectionTimeout: *el,
		Logger: log, WorkFactor: wf, MinFree: mb(*minFree),
		// Tests of the state machine's own refusals (HostileDevice).
		NoPushCheck: os.Getenv("COMMUNEKIT_TEST_NO_PUSH_CHECK") == "1",
	}
	if *restore != "" {
		h, err := node.Restore(cfg, *restore)
		if err != nil {
			fmt.Fprintln(stderr, "districtd:", err)
			return 1
		}
		self := *httpURL
		if self == "" {
			self = "https://" + *httpAddr
		}
		log.Info("restored the district's state from a backup: this node starts a new cluster; start the other nodes empty with --join "+self,
			"backup", *restore, "index", h.Index, "digest", h.Digest, "feed", h.Feed, "made_by", h.Node, "made", time.Unix(h.Made, 0).UTC().Format(time.RFC3339))
		cfg.Bootstrap = true
	}
	n, err := node.Start(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "districtd:", err)
		return 1
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	select {
	case s := <-sig:
		log.Info("stopping", "signal", s.String())
	case <-n.Removed():
		log.Info("stopping: this node was removed from the cluster")
	case <-n.Failed():
		fmt.Fprintln(stderr, "districtd:", n.Err())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := n.Shutdown(ctx); err != nil {
		log.Error("stopping", "err", err)
		return 1
	}
	if n.Err() != nil {
		return 1
	}
	return 0
}

// metricsAddress is the --metrics listener: as given, none for "off",
// else loopback on the API's port + 1000.
func metricsAddress(flag, httpAddr string) (string, error) {
	switch flag {
	case "off":
		return "", nil
	case "":
	default:
		if _, _, err := net.SplitHostPort(flag); err != nil {
			return "", fmt.Errorf("--metrics %q: give host:port (e.g. 127.0.0.1:9001) or off", flag)
		}
		return flag, nil
	}
	_, port, err := net.SplitHostPort(httpAddr)
	p, perr := strconv.Atoi(port)
	if err == nil && perr == nil && p == 0 {
		return "127.0.0.1:0", nil // the API on any free port: the metrics too (the log says where)
	}
	if err != nil || perr != nil || p+1000 > 65535 {
		return "", fmt.Errorf("--http %q has no port the metrics listener can follow: give --metrics HOST:PORT or --metrics off", httpAddr)
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(p+1000)), nil
}

// mb turns the --min-free-mb flag into bytes (-1 stays "no check").
func mb(v int64) int64 {
	if v < 0 {
		return -1
	}
	return v << 20
}

// workFactor is the scrypt work factor for a new node store: the default,
// unless COMMUNEKIT_WORK_FACTOR lowers it (tests, demos). A value outside
// 10 to 22 is refused: below, a stolen node disk gives way to a search of
// passphrases; above, the node would take minutes and gigabytes to start.
func workFactor() (int, error) {
	return keyring.ParseWorkFactor(os.Getenv(keyring.WorkFactorEnv))
}

func sorted(s []string) []string { sort.Strings(s); return s }
