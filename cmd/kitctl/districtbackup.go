package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/protocol"
)

// backupTimeout is the default --timeout of a backup: a district's state
// over a slow link takes minutes.
const backupTimeout = 30 * time.Minute

// backupNode is a node a backup may be asked of.
type backupNode struct {
	id, role, url string
}

// districtBackup saves a backup of the district's replicated state, made
// by a node (PROTOCOL.md, "Backups and restoring a district"), in a new
// file: written beside it, synced, then renamed into place, so the file
// named is whole or absent, and never one that was there before.
func districtBackup(e *env, args []string) error {
	fs := flag.NewFlagSet("district backup", flag.ContinueOnError)
	node := fs.String("node", "", "URL of any node of the district's cluster (the leader is asked first)")
	out := fs.String("out", "", "the file to save the backup in, e.g. district-2026-11-25.ckbak (never replaced)")
	timeout := fs.Duration("timeout", backupTimeout, "give up after this long")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *node == "" || *out == "" {
		return usagef("usage: kitctl --profile DISTRICT district backup --node URL --out FILE.ckbak [--timeout 30m]")
	}
	if err := checkNodeFlag(*node); err != nil {
		return err
	}
	if err := checkNewFile(*out); err != nil {
		return err
	}
	ctx, cancel, err := nodeContext(*timeout)
	if err != nil {
		return err
	}
	defer cancel()
	s, reg, err := e.openDistrict()
	if err != nil {
		return err
	}
	defer s.Close()
	nodes, err := backupNodes(ctx, nodeHTTP(reg.Public()), *node, client.DistrictSigner(reg.Keys()))
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(*out), "."+filepath.Base(*out)+".tmp-*")
	if err != nil {
		return fmt.Errorf("cannot write beside %s: %w", *out, err)
	}
	saved := false
	defer func() {
		if !saved {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	var h *protocol.BackupHeader
	var from backupNode
	for i, n := range nodes {
		if err = tmp.Truncate(0); err == nil {
			_, err = tmp.Seek(0, 0)
		}
		if err != nil {
			return err
		}
		from = n
		if h, err = client.Backup(ctx, nil, n.url, reg.Keys(), tmp); err == nil {
			break
		}
		// Only a node that could not be reached or could not make it
		// now (not caught up, busy) leaves the choice to another.
		if !errors.Is(err, client.ErrUnreachable) || ctx.Err() != nil || i == len(nodes)-1 {
			return err
		}
		fmt.Fprintf(e.stderr, "node %s: %v; asking node %s\n", n.name(), err, nodes[i+1].name())
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("saving the backup: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("saving the backup: %w", err)
	}
	if err := checkNewFile(*out); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return fmt.Errorf("saving the backup: %w", err)
	}
	saved = true
	storage.SyncDir(filepath.Dir(*out))
	st, err := os.Stat(*out)
	if err != nil {
		return err
	}
	made := time.Unix(h.Made, 0)
	if e.jsonOut {
		return e.printJSON(map[string]any{
			"file": *out, "size": st.Size(), "district": h.District, "district_key": h.KeyID,
			"node": h.Node, "node_url": from.url, "role": from.role, "index": h.Index, "digest": h.Digest,
			"feed": h.Feed, "sha256": h.SHA256, "made": made.UTC().Format(time.RFC3339),
		})
	}
	role := ""
	if from.role != "" {
		role = from.role + ", "
	}
	fmt.Fprintf(e.stdout, "Backup of district %s saved in %s (%s)\n", h.District, *out, humanBytes(st.Size()))
	fmt.Fprintf(e.stdout, "  made by node %s (%s%s) at %s, at applied index %d\n", h.Node, role, from.url, made.Format("2006-01-02 15:04:05"), h.Index)
	fmt.Fprintf(e.stdout, "  %d operation(s) in the district feed; state digest %s\n", h.Feed, h.Digest)
	fmt.Fprintf(e.stdout, "It opens with the batch key it is sealed to, which the district profile holds and so do node credentials made since. To restore: districtd --node ID.node --dir EMPTY_DIR --id ID --raft HOST:PORT --http HOST:PORT --restore %s\n", *out)
	return nil
}

func (n backupNode) name() string {
	if n.id == "" {
		return n.url
	}
	return n.id + " (" + n.url + ")"
}

// backupNodes returns the nodes to ask for a backup, best first: the
// leader, the followers that have applied as much as it, then the node
// given. A node not caught up refuses anyway; the leader has everything
// the cluster acknowledged.
func backupNodes(ctx context.Context, hc *http.Client, given string, s *client.Signer) ([]backupNode, error) {
	st, err := client.ClusterStatus(ctx, hc, given, s)
	if err != nil {
		return nil, err
	}
	var leader *protocol.NodeStatus
	for i, n := range st.Nodes {
		if n.Role == "leader" {
			leader = &st.Nodes[i]
		}
	}
	var out []backupNode
	seen := map[string]bool{}
	add := func(id, role, url string) {
		if url != "" && !seen[url] {
			seen[url] = true
			out = append(out, backupNode{id: id, role: role, url: url})
		}
	}
	if leader != nil {
		add(leader.ID, leader.Role, leader.HTTP)
		for _, n := range st.Nodes {
			if n.Role == "follower" && n.AppliedIndex >= leader.AppliedIndex {
				add(n.ID, n.Role, n.HTTP)
			}
		}
	}
	given = strings.TrimRight(given, "/")
	role := ""
	for _, n := range st.Nodes {
		if strings.TrimRight(n.HTTP, "/") == given {
			role = n.Role
		}
	}
	if !seen[given] {
		add("", role, given)
	}
	return out, nil
}

// checkNewFile refuses a path where a file already is: a backup never
// replaces one (an older backup under the same name would be lost).
func checkNewFile(path string) error {
	_, err := os.Lstat(path)
	switch {
	case err == nil:
		return fmt.Errorf("%s already exists: a backup never replaces a file; give another --out, e.g. with today's date", path)
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	if st, err := os.Stat(filepath.Dir(path)); err != nil || !st.IsDir() {
		return fmt.Errorf("--out %s: the directory %s does not exist", path, filepath.Dir(path))
	}
	return nil
}

// districtRestoreHint answers `kitctl district restore`: the node itself
// restores, since the new cluster's configuration needs its own ID and
// Raft address.
func districtRestoreHint(e *env, args []string) error {
	return usagef("a district is restored by its first node: districtd --node ID.node --dir EMPTY_DIR --id ID --raft HOST:PORT --http HOST:PORT --restore FILE.ckbak (a credential made by kitctl district node-cert after the backup's batch key, or --district DIR on a trial), then the other nodes start empty with --join URL (see districtd -h)")
}
