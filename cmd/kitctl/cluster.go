package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/protocol"
)

func cmdCluster(e *env, args []string) error {
	if len(args) == 0 {
		return usagef("cluster needs a subcommand: status, join or remove")
	}
	switch args[0] {
	case "status":
		return clusterStatus(e, args[1:])
	case "join", "remove":
		return clusterMember(e, args[0], args[1:])
	}
	return usagef("cluster: unknown subcommand %q (status, join, remove)", args[0])
}

func clusterStatus(e *env, args []string) error {
	fs := flag.NewFlagSet("cluster status", flag.ContinueOnError)
	node := fs.String("node", "", "URL of any node of the cluster")
	district := fs.String("district", "", "district profile (default: --profile): its key asks for the status, and says which nodes to trust")
	timeout := fs.Duration("timeout", 30*time.Second, "give up after this long")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *node == "" {
		return usagef("usage: kitctl cluster status --node URL [--district DIR]")
	}
	if err := checkNodeFlag(*node); err != nil {
		return err
	}
	ctx, cancel, err := nodeContext(*timeout)
	if err != nil {
		return err
	}
	defer cancel()
	// Nodes show their status to the district only.
	if *district != "" {
		e.profile = *district
	}
	s, reg, err := e.openDistrict()
	if err != nil {
		return err
	}
	defer s.Close()
	st, err := client.ClusterStatus(ctx, nodeHTTP(reg.Public()), *node, client.DistrictSigner(reg.Keys()))
	if err != nil {
		return err
	}
	if e.jsonOut {
		return e.printJSON(st)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tROLE\tAPPLIED\tFEED\tDIGEST\tLEADER\tHTTP\tRAFT\tERROR")
	for _, n := range st.Nodes {
		digest := n.Digest
		if len(digest) > 12 {
			digest = digest[:12]
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\n", n.ID, n.Role, n.AppliedIndex, n.Feed, dash(digest), dash(n.Leader), dash(n.HTTP), dash(n.Raft), n.Error)
	}
	tw.Flush()
	for _, w := range divergence(st) {
		fmt.Fprintln(e.stdout, w)
	}
	return nil
}

// nodeHTTP is the HTTP client kitctl talks to the nodes of district d
// with: TLS, trusting only node certificates d's root key signed. The
// command's context bounds each exchange.
func nodeHTTP(d identity.DistrictPublic) *http.Client {
	return client.HTTPClient(d, client.HTTPOptions{Timeout: -1})
}

// divergence names nodes that applied the same index but hold different
// state: the FSM is deterministic, so that is a fault to investigate.
func divergence(st *protocol.ClusterStatus) []string {
	first := map[uint64]protocol.NodeStatus{}
	var out []string
	for _, n := range st.Nodes {
		if n.Digest == "" || n.Role == "unreachable" {
			continue
		}
		if o, ok := first[n.AppliedIndex]; ok && o.Digest != n.Digest {
			out = append(out, fmt.Sprintf("WARNING: nodes %s and %s applied index %d but their state differs: stop writing to %s and restore it from a healthy node", o.ID, n.ID, n.AppliedIndex, n.ID))
			continue
		}
		first[n.AppliedIndex] = n
	}
	return out
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func clusterMember(e *env, op string, args []string) error {
	fs := flag.NewFlagSet("cluster "+op, flag.ContinueOnError)
	node := fs.String("node", "", "URL of any node of the cluster")
	district := fs.String("district", "", "district profile holding the district's signing key (default: --profile)")
	timeout := fs.Duration("timeout", defaultTimeout, "give up after this long")
	var raft, httpURL *string
	usage := "usage: kitctl cluster remove ID --node URL [--district DIR]"
	if op == "join" {
		raft = fs.String("raft", "", "the new node's Raft address, host:port")
		httpURL = fs.String("http", "", "the new node's API URL, e.g. https://10.0.0.4:8443")
		usage = "usage: kitctl cluster join ID --raft HOST:PORT --http URL --node URL [--district DIR]"
	}
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || strings.TrimSpace(pos[0]) == "" || *node == "" || (op == "join" && (*raft == "" || *httpURL == "")) {
		return usagef("%s", usage)
	}
	if err := checkNodeFlag(*node); err != nil {
		return err
	}
	req := protocol.MemberRequest{Op: op, ID: pos[0]}
	if op == "join" {
		if _, _, err := net.SplitHostPort(*raft); err != nil {
			return usagef("--raft %q: give the node's Raft address as host:port, e.g. 10.0.0.4:7000", *raft)
		}
		if err := checkNodeFlag(*httpURL); err != nil {
			return usagef("--http %q: give the new node's API address as a URL, e.g. https://10.0.0.4:8443", *httpURL)
		}
		req.Raft, req.HTTP = *raft, *httpURL
	}
	ctx, cancel, err := nodeContext(*timeout)
	if err != nil {
		return err
	}
	defer cancel()
	if *district != "" {
		e.profile = *district
	}
	s, reg, err := e.openDistrict()
	if err != nil {
		return err
	}
	defer s.Close()
	req.Sign(reg.Keys().Sign, time.Now())
	if err := client.Member(ctx, nodeHTTP(reg.Public()), *node, req); err != nil {
		return err
	}
	if e.jsonOut {
		return e.printJSON(map[string]string{"op": op, "id": req.ID, "raft": req.Raft, "http": req.HTTP, "node": *node})
	}
	if op == "join" {
		fmt.Fprintf(e.stdout, "Node %s joined the cluster as a voter (Raft %s, API %s).\n", req.ID, req.Raft, req.HTTP)
	} else {
		fmt.Fprintf(e.stdout, "Node %s was removed from the cluster.\n", req.ID)
	}
	return nil
}
