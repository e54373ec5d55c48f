package demo

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/communekit/communekit/cmd/kitctl/internal/kit"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/sync/linkproxy"
	"github.com/communekit/communekit/sync/protocol"
)

// demoNode is one districtd process of the demo's district, its Raft
// port behind a proxy of the demo's (the other nodes dial the proxy, so a
// partition is one Block away).
type demoNode struct {
	id      string
	exe     string // districtd
	dist    string // district profile directory
	dir     string
	raft    string // where the process listens for Raft
	http    string
	url     string
	raftPx  *linkproxy.Proxy
	logPath string
	join    string // first start: --join; "" with bootstrap
	boot    bool

	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// findDistrictd finds the districtd binary: the flag's, the one beside
// this kitctl (make builds both into bin/), or one on PATH.
func findDistrictd(flagPath string) (string, error) {
	if flagPath != "" {
		if _, err := os.Stat(flagPath); err != nil {
			return "", fmt.Errorf("--districtd %s: %w", flagPath, err)
		}
		return flagPath, nil
	}
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), "districtd")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath("districtd"); err == nil {
		return p, nil
	}
	return "", errors.New("the demo runs real districtd processes and found no districtd binary beside kitctl or on PATH: build it with `make districtd` (or `make demo`), or name it with --districtd PATH")
}

func newDemoNode(exe, dist, dir, id string) (*demoNode, error) {
	raft, err1 := kit.FreePort()
	httpAddr, err2 := kit.FreePort()
	if err := errors.Join(err1, err2); err != nil {
		return nil, err
	}
	px, err := linkproxy.Listen("127.0.0.1:0", raft, linkproxy.Shape{})
	if err != nil {
		return nil, err
	}
	return &demoNode{id: id, exe: exe, dist: dist, dir: filepath.Join(dir, id), raft: raft, http: httpAddr,
		url: "https://" + httpAddr, raftPx: px, logPath: filepath.Join(dir, id+".log")}, nil
}

func (n *demoNode) running() bool {
	if n.done == nil {
		return false
	}
	select {
	case <-n.done:
		return false
	default:
		return true
	}
}

// start runs the node; the first start bootstraps or joins, a restart
// goes on from its own Raft log.
func (n *demoNode) start(first bool) error {
	args := []string{"--district", n.dist, "--dir", n.dir, "--id", n.id, "--raft", n.raft, "--http", n.http,
		"--advertise-raft", n.raftPx.Addr(), "--metrics", "off", "--log-level", "warn"}
	if first && n.boot {
		args = append(args, "--bootstrap")
	}
	if first && n.join != "" {
		args = append(args, "--join", n.join)
	}
	logf, err := os.OpenFile(n.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	fmt.Fprintf(logf, "=== demo: districtd %s\n", strings.Join(args, " "))
	cmd := exec.Command(n.exe, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(os.Environ(), "COMMUNEKIT_PASSPHRASE="+demoPass, "COMMUNEKIT_WORK_FACTOR=10")
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("starting %s: %w", n.exe, err)
	}
	n.cmd, n.done = cmd, make(chan struct{})
	go func(done chan struct{}) {
		n.err = cmd.Wait()
		logf.Close()
		close(done)
	}(n.done)
	end := time.Now().Add(60 * time.Second)
	for {
		if !n.running() {
			return fmt.Errorf("districtd %s exited while starting (%v); its log: %s", n.id, n.err, n.logPath)
		}
		if resp, err := kit.NodesHTTP.Get(n.url + protocol.PathHealth); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(end) {
			n.kill()
			return fmt.Errorf("districtd %s did not answer within a minute; its log: %s", n.id, n.logPath)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill is SIGKILL: no handover, no flush.
func (n *demoNode) kill() {
	if n.running() {
		n.cmd.Process.Kill()
		<-n.done
	}
}

// stop is SIGTERM, then SIGKILL after 20 s.
func (n *demoNode) stop() {
	if !n.running() {
		return
	}
	n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.done:
	case <-time.After(20 * time.Second):
		n.kill()
	}
}

// demoCluster is the district's three nodes.
type demoCluster struct {
	nodes []*demoNode
	keys  *identity.District // the district's: signs status and receipt requests
}

func startDemoCluster(exe, dist, dir string, size int) (*demoCluster, error) {
	c := &demoCluster{}
	for i := 0; i < size; i++ {
		n, err := newDemoNode(exe, dist, dir, fmt.Sprintf("n%d", i+1))
		if err != nil {
			c.stop()
			return nil, err
		}
		if i == 0 {
			n.boot = true
		} else {
			n.join = c.nodes[0].url
		}
		c.nodes = append(c.nodes, n)
		if err := n.start(true); err != nil {
			c.stop()
			return nil, err
		}
		if err := kit.WaitReady(n.url, 60*time.Second); err != nil {
			c.stop()
			return nil, fmt.Errorf("node %s is not ready: %v (its log: %s)", n.id, err, n.logPath)
		}
	}
	return c, nil
}

func (c *demoCluster) stop() {
	for _, n := range c.nodes {
		if n.running() {
			n.cmd.Process.Signal(syscall.SIGTERM)
		}
	}
	for _, n := range c.nodes {
		n.stop()
		n.raftPx.Close()
	}
}

func (c *demoCluster) urls() []string {
	var u []string
	for _, n := range c.nodes {
		u = append(u, n.url)
	}
	return u
}

// leader is the running node that says it leads, or nil.
func (c *demoCluster) leader() *demoNode {
	for _, n := range c.nodes {
		if !n.running() {
			continue
		}
		if st, err := kit.NodeRole(c.keys, n.url); err == nil && st.Role == "leader" {
			return n
		}
	}
	return nil
}

// follower is a running node that follows a leader, or nil.
func (c *demoCluster) follower() *demoNode {
	for _, n := range c.nodes {
		if !n.running() {
			continue
		}
		if st, err := kit.NodeRole(c.keys, n.url); err == nil && st.Role == "follower" {
			return n
		}
	}
	return nil
}

// waitLeader waits until a running node other than not leads.
func (c *demoCluster) waitLeader(not *demoNode, timeout time.Duration) (*demoNode, error) {
	end := time.Now().Add(timeout)
	for {
		if l := c.leader(); l != nil && l != not {
			return l, nil
		}
		if time.Now().After(end) {
			return nil, fmt.Errorf("no node took the lead within %s", timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// converge waits until every node runs and all have applied the same
// index and hold the same state digest, and returns their statuses.
func (c *demoCluster) converge(timeout time.Duration) ([]protocol.NodeStatus, error) {
	end := time.Now().Add(timeout)
	var last []protocol.NodeStatus
	var why string
	for {
		last, why = last[:0], ""
		for _, n := range c.nodes {
			if !n.running() {
				why = fmt.Sprintf("node %s is not running (%v); its log ends: %s", n.id, n.err, lastLogLine(n.logPath))
				break
			}
			st, err := kit.NodeStatus(c.keys, n.url)
			if err != nil {
				why = fmt.Sprintf("node %s: %v", n.id, err)
				break
			}
			last = append(last, st)
		}
		if why == "" {
			for _, st := range last[1:] {
				if st.AppliedIndex != last[0].AppliedIndex || st.Digest != last[0].Digest {
					why = fmt.Sprintf("node %s is at index %d, node %s at %d", st.ID, st.AppliedIndex, last[0].ID, last[0].AppliedIndex)
				}
			}
			if why == "" && last[0].AppliedIndex > 0 {
				return last, nil
			}
		}
		if time.Now().After(end) {
			return last, fmt.Errorf("the nodes did not agree within %s: %s", timeout, why)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
