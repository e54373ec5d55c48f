// Package node is a district node (DESIGN.md): the district's
// records replicated with hashicorp/raft over mutual TLS, raft-wal as log
// and stable store, an FSM that verifies, opens and applies sealed batches
// into the node's encrypted Badger store, and the HTTP API devices push to
// and pull from (sync/protocol). cmd/districtd runs one; tests run several
// in one process or as real processes.
//
// The design is in DESIGN.md beside this file.
package node

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	wal "github.com/hashicorp/raft-wal"
	"github.com/hashicorp/raft-wal/metadb"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/storage"
)

// Config says how to run one node.
type Config struct {
	ID  string // unique in the cluster, e.g. "n1"
	Dir string // the node's directory: store, Raft log, snapshots
	// Credential is the node's own keys and certificates, made by the
	// district office (kitctl district node-cert).
	Credential *cert.NodeCredential
	// District is the district's private keys, read from the district
	// profile: the root key online on this node (demos, tests). Without
	// a Credential the node certifies a key of its own with it at start.
	District *identity.District
	// Passphrase protects the node's own store key.
	Passphrase []byte
	WorkFactor int // scrypt work factor for a new node store (0: the default)

	RaftAddr string // host:port for Raft traffic (mutual TLS), bound and advertised
	// RaftAdvertise is the Raft address other nodes dial, when it differs
	// from RaftAddr (a proxy or NAT in between).
	RaftAdvertise string
	HTTPAddr      string // host:port the API listens on (HTTPS)
	HTTPURL       string // the API's base URL as other nodes reach it ("https://"+HTTPAddr when empty)
	// MetricsAddr is the host:port of the Prometheus /metrics listener
	// (plain HTTP, meant for loopback); empty: none.
	MetricsAddr string

	Bootstrap bool   // start a new cluster with this node as its only voter
	Join      string // URL of a node of the cluster to join

	// Raft tuning; zero values take the defaults below.
	HeartbeatTimeout  time.Duration // 500 ms
	ElectionTimeout   time.Duration // 500 ms
	SnapshotThreshold uint64        // entries between snapshots (8192)
	SnapshotInterval  time.Duration // how often to check (30 s)
	TrailingLogs      uint64        // entries kept after a snapshot (10240)

	// MinFree is the free space the node keeps on its directory's
	// filesystem (DefaultMinFree when 0; no check when < 0): it will not
	// start with less, and stops (Failed) when it falls below.
	MinFree int64

	// Limits bound what the HTTP API takes from clients (limits.go);
	// zero fields take the defaults.
	Limits Limits

	Logger *slog.Logger
	Now    func() time.Time

	// NoPushCheck makes the leader propose pushed batches without opening
	// them and checking their operations, as a leader of a version before
	// the checks did. Tests only: they show that the state machine refuses
	// a bad batch that was committed all the same, on every node, and
	// that nodes replay such an entry without stopping.
	NoPushCheck bool

	// BenchPlainAddr, when set, serves the API a second time, without
	// TLS, on this host:port: only for `kitctl bench cluster`, which
	// measures what TLS costs a push against this peer in the same run.
	// districtd has no flag for it, and laptops refuse plain HTTP.
	BenchPlainAddr string
}

// Node is a running district node.
type Node struct {
	cfg   Config
	log   *slog.Logger
	now   func() time.Time
	store *storage.Store
	fsm   *fsm
	raft  *raft.Raft
	wal   *wal.WAL
	// walMeta is the WAL's metadata store (closed by us, see Start).
	walMeta *metadb.BoltMetaDB
	trans   *raft.NetworkTransport
	m       *metrics
	http    *http.Server
	ln      net.Listener
	metrics *http.Server
	mln     net.Listener
	plain   *http.Server // Config.BenchPlainAddr's server, nil without
	prop    *proposer
	cred    *cert.NodeCredential
	keys    *keys
	peers   *http.Client // to other nodes' APIs: trusts the district's CA only
	lim     *limiter
	replays *replayCache // signed requests taken (signed.go)
	status  statusCache  // the digest at one applied index
	reports reportCache  // the district's reports at one applied index (report.go)
	dash    *dashboard   // the dashboard's sessions and failed logins (dashboard.go)

	stop     chan struct{}
	removed  chan struct{} // closed when Raft stopped because the cluster removed this node
	failed   chan struct{} // closed when the node must stop on its own (disk full)
	failErr  error
	failOnce sync.Once
	wg       sync.WaitGroup
	shutOnce sync.Once
	shutErr  error
}

// Start opens (or creates) the node's store and Raft state in cfg.Dir,
// starts Raft and the HTTP API, and bootstraps or joins as asked. It
// returns once the node serves; leadership comes later.
func Start(cfg Config) (n *Node, err error) {
	if err := checkPlatform(); err != nil {
		return nil, err
	}
	if cfg.ID == "" || strings.ContainsAny(cfg.ID, "/ \t\n") {
		return nil, fmt.Errorf("node ID %q: give a short name without spaces or slashes, e.g. n1", cfg.ID)
	}
	if cfg.District == nil && cfg.Credential == nil {
		return nil, errors.New("no node credential (kitctl district node-cert) and no district profile: give one")
	}
	if cfg.Credential != nil && cfg.Credential.Node.ID != cfg.ID {
		return nil, fmt.Errorf("the node credential is for node %s, not %s: give each node its own (kitctl district node-cert --id %s)", cfg.Credential.Node.ID, cfg.ID, cfg.ID)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger.With("node", cfg.ID)
	n = &Node{cfg: cfg, log: log, now: cfg.Now, m: newMetrics(), stop: make(chan struct{}), removed: make(chan struct{}), failed: make(chan struct{}), lim: newLimiter(cfg.Limits), replays: newReplayCache(), dash: newDashboard()}
	n.m.watchLimits(n.lim)
	// The node as made here: every failure below returns a nil *Node,
	// which would leave the deferred clean-up nothing to close.
	started := n
	defer func() {
		if err != nil {
			started.closeAll()
		}
	}()
	if n.ln, err = net.Listen("tcp", cfg.HTTPAddr); err != nil {
		return nil, fmt.Errorf("http address %s: %w (is another program, or another districtd, using it? stop it or choose another --http)", cfg.HTTPAddr, err)
	}
	if n.cfg.HTTPURL == "" {
		n.cfg.HTTPURL = "https://" + n.ln.Addr().String()
	}
	if cfg.MetricsAddr != "" {
		if n.mln, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			return nil, fmt.Errorf("metrics address %s: %w (choose another --metrics, or --metrics off)", cfg.MetricsAddr, err)
		}
	}
	if n.cred = cfg.Credential; n.cred == nil {
		if n.cred, err = cert.RootOnlineCredential(cfg.District, cfg.ID, n.now()); err != nil {
			return nil, err
		}
		log.Warn("the district's root key is online on this node: whoever takes this machine can enrol devices, revoke others and read every batch; run nodes from a credential of their own (kitctl district node-cert, districtd --node)")
		// With the root key here, the node certifies itself for browsers
		// too, at the addresses it serves on.
		if err = n.cred.IssueBrowserCertificate(cfg.District, apiHosts(n.ln.Addr().String(), n.cfg.HTTPURL)); err != nil {
			return nil, err
		}
	}
	if n.cred.Browser == nil {
		log.Warn("this node's credential has no certificate for browsers: the district's dashboard cannot be opened in a browser here; make the node a new credential naming its addresses (kitctl district node-cert --host ADDRESS)")
	}
	if n.peers, err = peerClient(n.cred); err != nil {
		return nil, err
	}
	if n.keys, err = newKeys(n.cred); err != nil {
		return nil, err
	}
	cfg = n.cfg
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, err
	}
	if err := checkDisk(cfg.Dir, n.minFree()); err != nil {
		return nil, err
	}
	if n.store, err = openNodeStore(cfg, n.cred.District.Name); err != nil {
		return nil, err
	}
	if n.fsm, err = newFSM(n.store, n.keys, log, n.m); err != nil {
		return nil, err
	}
	if err := n.fsm.openRollouts(); err != nil {
		return nil, err
	}
	hl := hclogBridge(log)
	walDir := filepath.Join(cfg.Dir, "raft-wal")
	if err := os.MkdirAll(walDir, 0o700); err != nil { // raft-wal does not create it
		return nil, err
	}
	// raft-wal (v0.4.0) does not close the metadata store it opens itself,
	// so a node started again in the same process would wait forever on
	// its file lock: we open it, and close it after the WAL.
	n.walMeta = &metadb.BoltMetaDB{}
	if n.wal, err = wal.Open(walDir, wal.WithMetaStore(n.walMeta)); err != nil {
		return nil, fmt.Errorf("opening the Raft log in %s: %w", walDir, err)
	}
	snaps, err := raft.NewFileSnapshotStoreWithLogger(filepath.Join(cfg.Dir, "snapshots"), 2, hl)
	if err != nil {
		return nil, err
	}
	if err := n.catchUpFromLocalSnapshot(snaps); err != nil {
		return nil, err
	}
	tlsCfg, err := NodeTLS(n.cred, n.peerRevoked)
	if err != nil {
		return nil, err
	}
	apiTLS, err := APITLS(n.cred)
	if err != nil {
		return nil, err
	}
	var adv net.Addr
	if cfg.RaftAdvertise != "" {
		if adv, err = net.ResolveTCPAddr("tcp", cfg.RaftAdvertise); err != nil {
			return nil, fmt.Errorf("raft advertise address %s: %w", cfg.RaftAdvertise, err)
		}
	}
	stream, err := ListenTLS(cfg.RaftAddr, adv, tlsCfg)
	if err != nil {
		return nil, fmt.Errorf("raft address %s: %w (is another program, or another districtd, using it? stop it or choose another --raft)", cfg.RaftAddr, err)
	}
	stream.Logger = log
	n.trans = raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{Stream: stream, MaxPool: 4, Timeout: 10 * time.Second, Logger: hl})

	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(cfg.ID)
	rc.Logger = hl
	// 500 ms: a follower notices a dead leader after 0.5–1 s and the
	// election takes one or two round trips on a LAN, which keeps leader
	// loss within the 2 s of the README's "Figures". (Measured with 1 s: 2.6 s.)
	rc.HeartbeatTimeout = or(cfg.HeartbeatTimeout, 500*time.Millisecond)
	rc.ElectionTimeout = or(cfg.ElectionTimeout, 500*time.Millisecond)
	rc.LeaderLeaseTimeout = rc.HeartbeatTimeout / 2
	rc.CommitTimeout = 5 * time.Millisecond
	rc.SnapshotThreshold = orU(cfg.SnapshotThreshold, 8192)
	rc.SnapshotInterval = or(cfg.SnapshotInterval, 30*time.Second)
	rc.TrailingLogs = orU(cfg.TrailingLogs, 10240)
	rc.MaxAppendEntries = 256
	rc.BatchApplyCh = true
	// The store keeps its own applied index (written with the data), so
	// a restart goes on from there: no need to reload the last snapshot.
	rc.NoSnapshotRestoreOnStart = true
	rc.NoLegacyTelemetry = true
	if n.raft, err = raft.NewRaft(rc, n.fsm, compactedLog{n.wal}, n.wal, snaps, n.trans); err != nil {
		return nil, fmt.Errorf("starting Raft: %w", err)
	}
	if cfg.Bootstrap {
		has, err := raft.HasExistingState(n.wal, n.wal, snaps)
		if err != nil {
			return nil, err
		}
		if !has {
			f := n.raft.BootstrapCluster(raft.Configuration{Servers: []raft.Server{{ID: rc.LocalID, Address: n.trans.LocalAddr()}}})
			if err := f.Error(); err != nil {
				return nil, fmt.Errorf("bootstrapping the cluster: %w", err)
			}
			log.Info("bootstrapped a new cluster")
		}
	}
	n.prop = newProposer(n)
	n.http = n.newServer()
	n.http.TLSConfig = apiTLS
	// HTTP/1.1 only: devices send one request at a time, and the
	// limits on connections and requests count what they are.
	n.http.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){}
	n.wg.Add(3)
	go func() {
		defer n.wg.Done()
		if err := n.http.ServeTLS(&capListener{Listener: n.ln, lim: n.lim, refused: n.m.connsRefused.Inc}, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server stopped", "err", err)
		}
	}()
	if cfg.BenchPlainAddr != "" {
		pln, err := net.Listen("tcp", cfg.BenchPlainAddr)
		if err != nil {
			return nil, fmt.Errorf("the benchmark's plain HTTP listener: %w", err)
		}
		n.plain = n.newServer()
		log.Info("serving the API also without TLS, for a benchmark", "addr", pln.Addr().String())
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			if err := n.plain.Serve(&capListener{Listener: pln, lim: n.lim, refused: n.m.connsRefused.Inc}); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("plain http server stopped", "err", err)
			}
		}()
	}
	if n.mln != nil {
		n.metrics = &http.Server{Handler: n.metricsHandler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second,
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			if err := n.metrics.Serve(n.mln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("metrics server stopped", "err", err)
			}
		}()
	}
	go n.watchLeadership()
	go n.observe()
	n.wg.Add(1)
	go n.watchDisk()
	if cfg.Join != "" {
		n.wg.Add(1)
		go n.joinLoop(cfg.Join)
	}
	log.Info("node started", "raft", n.trans.LocalAddr(), "http", cfg.HTTPURL, "metrics", n.MetricsAddr(), "node_certificate", n.cred.Cert.Serial, "applied_index", n.fsm.applied.Load())
	return n, nil
}

// compactedLog is the Raft log as Raft must see it: no entry below the
// first index. raft-wal (v0.4.0, state.getLog) reads the tail segment
// without checking the first index, so after a compaction within the
// tail (64 MB by default) the compacted entries stay readable; a leader
// then replays its whole log to a joining node instead of sending it the
// snapshot, and TrailingLogs has no effect until the segment rolls over.
type compactedLog struct{ *wal.WAL }

func (l compactedLog) GetLog(index uint64, log *raft.Log) error {
	first, err := l.WAL.FirstIndex()
	if err != nil {
		return err
	}
	if index < first {
		return raft.ErrLogNotFound
	}
	return l.WAL.GetLog(index, log)
}

func or(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func orU(d, def uint64) uint64 {
	if d > 0 {
		return d
	}
	return def
}

func openNodeStore(cfg Config, district string) (*storage.Store, error) {
	dir := filepath.Join(cfg.Dir, "store")
	o := storage.Options{Kind: storage.KindNode, WorkFactor: cfg.WorkFactor, Logger: cfg.Logger}
	s, err := storage.Open(dir, cfg.Passphrase, o)
	if errors.Is(err, storage.ErrNoProfile) {
		return storage.Create(dir, cfg.Passphrase, storage.Profile{Kind: storage.KindNode, District: district, Officer: cfg.ID}, o)
	}
	if err != nil {
		return nil, fmt.Errorf("node store %s: %w", dir, err)
	}
	if s.Profile().District != district {
		s.Close()
		return nil, fmt.Errorf("node store %s belongs to district %q, not %q: give this node its own directory", dir, s.Profile().District, district)
	}
	// The node's ID is kept in its store's profile. Started under
	// another ID, its Raft state still names the old one: the node never
	// takes part and says nothing (a start script copied from another
	// node, --id not changed).
	if id := s.Profile().Officer; id != "" && id != cfg.ID {
		s.Close()
		return nil, fmt.Errorf("the directory %s belongs to node %s, not %s: start it with --id %s, or give node %s a directory of its own", cfg.Dir, id, cfg.ID, id, cfg.ID)
	}
	return s, nil
}

// catchUpFromLocalSnapshot restores the newest local snapshot when the
// store is behind it (its last writes were lost in a crash before Badger
// flushed them and the log before the snapshot is compacted away).
func (n *Node) catchUpFromLocalSnapshot(snaps *raft.FileSnapshotStore) error {
	list, err := snaps.List()
	if err != nil || len(list) == 0 {
		return err
	}
	if list[0].Index <= n.fsm.applied.Load() {
		return nil
	}
	n.log.Warn("the store is behind the last snapshot: restoring it", "applied_index", n.fsm.applied.Load(), "snapshot_index", list[0].Index)
	_, rc, err := snaps.Open(list[0].ID)
	if err != nil {
		return err
	}
	return n.fsm.Restore(rc)
}

// Removed is closed when the cluster removed this node (its Raft stopped).
func (n *Node) Removed() <-chan struct{} { return n.removed }

// Store returns the node's store (tests read it).
func (n *Node) Store() *storage.Store { return n.store }

// Raft returns the node's Raft instance (tests and status).
func (n *Node) Raft() *raft.Raft { return n.raft }

// MetricsAddr returns the address of the /metrics listener, "" when none.
func (n *Node) MetricsAddr() string {
	if n.mln == nil {
		return ""
	}
	return n.mln.Addr().String()
}

// peerRevoked refuses, in Raft's TLS, a node whose certificate the
// district's revocation list names.
func (n *Node) peerRevoked(serial uint64, node string) error {
	if n.fsm == nil {
		return nil
	}
	l, err := n.fsm.revocations()
	if err != nil || l == nil {
		return err
	}
	return l.CheckSerial(serial, node)
}

// Addr returns the API's base URL.
func (n *Node) Addr() string { return n.cfg.HTTPURL }

// Shutdown stops the node cleanly: a leader first hands leadership to
// another voter, so the cluster goes on without waiting for an election;
// then the API, Raft and the store close.
func (n *Node) Shutdown(ctx context.Context) error {
	n.shutOnce.Do(func() {
		if n.raft != nil && n.raft.State() == raft.Leader && len(n.voters()) > 1 {
			n.log.Info("handing over leadership before stopping")
			if err := n.raft.LeadershipTransfer().Error(); err != nil {
				n.log.Warn("leadership transfer failed; the others will elect a leader", "err", err)
			}
		}
		if n.http != nil {
			sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			n.http.Shutdown(sctx)
			cancel()
		}
		n.shutErr = n.closeAll()
		n.log.Info("node stopped")
	})
	return n.shutErr
}

func (n *Node) closeAll() error {
	select {
	case <-n.stop:
	default:
		close(n.stop)
	}
	var errs []error
	if n.http != nil {
		n.http.Close()
	} else if n.ln != nil {
		n.ln.Close()
	}
	if n.plain != nil {
		n.plain.Close()
	}
	if n.metrics != nil {
		n.metrics.Close()
	} else if n.mln != nil {
		n.mln.Close()
	}
	if n.peers != nil {
		n.peers.CloseIdleConnections()
	}
	if n.prop != nil {
		n.prop.close()
	}
	if n.raft != nil {
		errs = append(errs, n.raft.Shutdown().Error())
	}
	n.wg.Wait()
	if n.trans != nil {
		errs = append(errs, n.trans.Close())
	}
	if n.wal != nil {
		errs = append(errs, n.wal.Close())
	}
	if n.walMeta != nil {
		errs = append(errs, n.walMeta.Close())
	}
	if n.store != nil {
		errs = append(errs, n.store.Close())
	}
	return errors.Join(errs...)
}

func (n *Node) isVoter() bool {
	for _, s := range n.voters() {
		if string(s.ID) == n.cfg.ID {
			return true
		}
	}
	return false
}

func (n *Node) voters() []raft.Server {
	f := n.raft.GetConfiguration()
	if f.Error() != nil {
		return nil
	}
	var out []raft.Server
	for _, s := range f.Configuration().Servers {
		if s.Suffrage == raft.Voter {
			out = append(out, s)
		}
	}
	return out
}

// watchLeadership records this node's member entry whenever it becomes
// leader (so followers can find its API) and logs leadership changes.
func (n *Node) watchLeadership() {
	defer n.wg.Done()
	ch := n.raft.LeaderCh()
	for {
		select {
		case <-n.stop:
			return
		case is := <-ch:
			if !is {
				n.log.Info("no longer the leader")
				continue
			}
			n.log.Info("became the leader")
			n.recordSelf()
		}
	}
}

func (n *Node) recordSelf() {
	ms, err := n.fsm.members()
	if err != nil {
		return
	}
	want := member{ID: n.cfg.ID, Raft: string(n.trans.LocalAddr()), HTTP: n.cfg.HTTPURL, Cert: n.keys.signer.Cert}
	if ms[n.cfg.ID] == want {
		return
	}
	if err := n.waitFuture(n.raft.Apply(encodeMember(want), 10*time.Second)); err != nil {
		n.log.Warn("could not record this node's address", "err", err)
	}
}

// waitFuture waits for f, or until the node stops. A goroutine of the
// node's own (counted in wg, which Shutdown waits for) must not wait on a
// Raft future alone: an Apply taken in just as Raft shuts down may never
// be answered, and Shutdown then waited for ever (TestNode_RestartInProcess
// hung once in a clean-clone make test).
func (n *Node) waitFuture(f raft.Future) error {
	done := make(chan error, 1)
	go func() { done <- f.Error() }()
	select {
	case err := <-done:
		return err
	case <-n.stop:
		return raft.ErrRaftShutdown
	}
}

// observe keeps the Raft gauges current.
func (n *Node) observe() {
	defer n.wg.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	wasMember := false
	for {
		select {
		case <-n.stop:
			return
		case <-t.C:
		}
		st := n.raft.State()
		member := n.isVoter()
		if member {
			wasMember = true
		}
		if st == raft.Shutdown || (wasMember && !member) {
			select {
			case <-n.removed:
			default:
				n.log.Warn("this node was removed from the cluster: it no longer serves requests; stop it, and wipe its directory before it joins again")
				close(n.removed)
			}
		}
		for _, s := range []raft.RaftState{raft.Follower, raft.Candidate, raft.Leader, raft.Shutdown} {
			v := 0.0
			if s == st {
				v = 1
			}
			n.m.raftState.WithLabelValues(strings.ToLower(s.String())).Set(v)
		}
		n.m.raftLastIndex.Set(float64(n.raft.LastIndex()))
		n.m.raftCommitIndex.Set(float64(n.raft.CommitIndex()))
		n.m.raftTerm.Set(float64(n.raft.CurrentTerm()))
	}
}

// hclogBridge sends hashicorp/raft's logs to slog.
func hclogBridge(log *slog.Logger) hclog.Logger {
	pr, pw := io.Pipe()
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			lvl := slog.LevelInfo
			switch {
			case strings.Contains(line, "[ERROR]"):
				lvl = slog.LevelError
			case strings.Contains(line, "[WARN]"):
				lvl = slog.LevelWarn
			case strings.Contains(line, "[DEBUG]"), strings.Contains(line, "[TRACE]"):
				lvl = slog.LevelDebug
			}
			if i := strings.Index(line, "]"); i >= 0 && i+1 < len(line) && strings.Contains(line[:i+1], "[") {
				line = strings.TrimSpace(line[i+1:])
			}
			log.Log(context.Background(), lvl, line, "component", "raft")
		}
	}()
	return hclog.New(&hclog.LoggerOptions{Name: "raft", Output: pw, Level: hclog.Info, DisableTime: true})
}

// apiHosts are the hosts a node serving its API on addr, reached at url,
// is opened at in a browser: both hosts, and the loopback names when one
// of them is loopback or unspecified.
func apiHosts(addr, url string) []string {
	var out []string
	loop := false
	add := func(h string) {
		if h == "" {
			return
		}
		if ip := net.ParseIP(h); ip != nil && (ip.IsLoopback() || ip.IsUnspecified()) {
			loop = true
			if ip.IsUnspecified() {
				return
			}
		}
		if h == "localhost" {
			loop = true
		}
		for _, o := range out {
			if o == h {
				return
			}
		}
		out = append(out, h)
	}
	if h, _, err := net.SplitHostPort(addr); err == nil {
		add(h)
	}
	if u, err := neturl.Parse(url); err == nil {
		add(u.Hostname())
	}
	if loop {
		for _, h := range []string{"localhost", "127.0.0.1", "::1"} {
			add(h)
		}
	}
	return out
}
