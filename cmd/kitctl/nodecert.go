package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/crypto/keyring"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/protocol"
	"github.com/communekit/communekit/sync/registry"
)

// NodePassphraseEnv holds a node credential's passphrase for
// `district node-cert` (districtd reads it from COMMUNEKIT_PASSPHRASE).
const NodePassphraseEnv = "COMMUNEKIT_NODE_PASSPHRASE"

// districtNodeCert is `kitctl --profile DISTRICT district node-cert --id
// n1 --out n1.node`: a node's own keys, certified by the district's root
// key, with every batch key, wrapped under a passphrase of the node's own.
// The root key stays here.
func districtNodeCert(e *env, args []string) error {
	fs := flag.NewFlagSet("district node-cert", flag.ContinueOnError)
	id := fs.String("id", "", "the node's ID in the cluster, e.g. n1 (its --id)")
	out := fs.String("out", "", "write the node credential here, e.g. n1.node")
	days := fs.Int("days", int(cert.DefaultNodeValidity/(24*time.Hour)), "validity in days")
	var hosts hostList
	fs.Var(&hosts, "host", "an address or name the district office's browsers open the node at, for its dashboard (repeat, or separate with commas), e.g. 10.0.0.2")
	passFile := fs.String("node-passphrase-file", "", "read the credential's passphrase from this file (else $"+NodePassphraseEnv+", else a prompt, twice)")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *id == "" || *out == "" {
		return usagef("usage: kitctl --profile DISTRICT district node-cert --id ID --out FILE.node [--host ADDR]... [--days %d] [--node-passphrase-file F]", cert.DefaultNodeValidity/(24*time.Hour))
	}
	for _, h := range hosts {
		if err := cert.CheckBrowserHost(h); err != nil {
			return usagef("--host: %v", err)
		}
	}
	if len(hosts) > cert.MaxBrowserHosts {
		return usagef("--host: %d addresses; at most %d", len(hosts), cert.MaxBrowserHosts)
	}
	if *days <= 0 || time.Duration(*days)*24*time.Hour > cert.MaxNodeValidity {
		return usagef("--days %d: give 1 to %d", *days, cert.MaxNodeValidity/(24*time.Hour))
	}
	if _, err := os.Stat(*out); err == nil {
		return fmt.Errorf("%s exists: a credential is never written over (move it away, or choose another --out)", *out)
	}
	s, reg, err := e.openDistrict()
	if err != nil {
		return err
	}
	defer s.Close()
	src := keyring.Source{File: *passFile, Flag: "--node-passphrase-file", Env: NodePassphraseEnv, What: "node passphrase",
		Prompt: "Mật khẩu của máy chủ " + *id + " (node passphrase): ", Confirm: true}
	pass, err := src.Read(e.terminal(), e.stderr)
	if err != nil {
		return err
	}
	if err := checkNew(pass, "the node passphrase"); err != nil {
		return err
	}
	wf, err := keyring.ParseWorkFactor(os.Getenv(keyring.WorkFactorEnv))
	if err != nil {
		return err
	}
	c, err := reg.IssueNode(*id, time.Duration(*days)*24*time.Hour)
	if err != nil {
		return err
	}
	if len(hosts) > 0 {
		if err := c.IssueBrowserCertificate(reg.Keys(), hosts); err != nil {
			return err
		}
	}
	b, err := c.Wrap(pass, wf)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(*out)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(*out)
		return err
	}
	// A renewal leaves the node's earlier certificates valid (the node
	// runs from one until its new file is in place): say which, and how
	// to revoke them once it is.
	earlier := []uint64{}
	if certs, err := reg.NodeCertificates(); err == nil {
		l, _ := reg.Revocations()
		for _, o := range certs {
			if o.Node.ID == c.Node.ID && o.Serial != c.Cert.Serial && (l == nil || l.CheckSerial(o.Serial, o.Node.ID) == nil) {
				earlier = append(earlier, o.Serial)
			}
		}
	}
	if e.jsonOut {
		return e.printJSON(map[string]any{"node": c.Node.ID, "serial": c.Cert.Serial, "key_id": c.Node.Public().KeyID(),
			"not_after": c.Cert.NotAfter.Format(time.RFC3339), "batch_keys": len(c.Batch), "file": *out, "browser_hosts": c.BrowserHosts(), "earlier_still_valid": earlier})
	}
	fmt.Fprintf(e.stdout, "Node %s certified (certificate %d, valid until %s), with %d batch key(s): %s\n", c.Node.ID, c.Cert.Serial, c.Cert.NotAfter.Format("2006-01-02"), len(c.Batch), *out)
	if len(hosts) > 0 {
		fmt.Fprintf(e.stdout, "Browsers that trust the district's browser CA (kitctl district ca) open its dashboard at https://%s:PORT/dashboard.\n", hosts[0])
	} else {
		fmt.Fprintln(e.stdout, "No --host given: the node's dashboard cannot be opened in a browser; make it a new credential with --host ADDRESS for that.")
	}
	fmt.Fprintf(e.stdout, "Copy it to the node's machine and start it with: districtd --node %s --dir DIR --id %s --raft HOST:PORT --http HOST:PORT (its passphrase in COMMUNEKIT_PASSPHRASE or --passphrase-file). The district profile stays here.\n", *out, c.Node.ID)
	for _, o := range earlier {
		fmt.Fprintf(e.stdout, "Node %s's earlier certificate %d stays valid, and new batch keys are sealed to it too: once the node runs from the new file, revoke it (kitctl district node-revoke %s --serial %d --reason renewed --node URL) and destroy the old file.\n", c.Node.ID, o, c.Node.ID, o)
	}
	return nil
}

// districtNodes is `kitctl --profile DISTRICT district nodes`: the node
// certificates issued and whether each is revoked.
func districtNodes(e *env, args []string) error {
	fs := flag.NewFlagSet("district nodes", flag.ContinueOnError)
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("usage: kitctl --profile DISTRICT district nodes [--json]")
	}
	s, reg, err := e.openDistrict()
	if err != nil {
		return err
	}
	defer s.Close()
	certs, err := reg.NodeCertificates()
	if err != nil {
		return err
	}
	l, err := reg.Revocations()
	if err != nil {
		return err
	}
	type row struct {
		Node     string `json:"node"`
		Serial   uint64 `json:"serial"`
		KeyID    string `json:"key_id"`
		NotAfter string `json:"not_after"`
		Status   string `json:"status"` // valid, expired, revoked
	}
	var rows []row
	now := time.Now()
	for _, c := range certs {
		st := "valid"
		switch {
		case l.CheckSerial(c.Serial, c.Node.ID) != nil:
			st = "revoked"
		case !now.Before(c.NotAfter):
			st = "expired"
		}
		rows = append(rows, row{c.Node.ID, c.Serial, c.Node.KeyID(), c.NotAfter.Format(time.RFC3339), st})
	}
	if e.jsonOut {
		if rows == nil {
			rows = []row{}
		}
		return e.printJSON(rows)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tSERIAL\tKEY\tVALID UNTIL\tSTATUS")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", r.Node, r.Serial, r.KeyID, r.NotAfter[:10], r.Status)
	}
	return tw.Flush()
}

// districtNodeRevoke is `kitctl --profile DISTRICT district node-revoke
// ID --reason R [--node URL]`: every certificate of the node revoked in
// the register and, with --node, in the cluster at once.
func districtNodeRevoke(e *env, args []string) error {
	fs := flag.NewFlagSet("district node-revoke", flag.ContinueOnError)
	reason := fs.String("reason", "", "why (kept in the signed list)")
	serial := fs.Uint64("serial", 0, "revoke only the certificate with this `number` (kitctl district nodes lists them): an old one after a renewal, or one revoked before, to send the list again and revoke nothing more")
	nodeURL := fs.String("node", "", "a node of the cluster (not the one revoked): replicate the new list at once")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || strings.TrimSpace(*reason) == "" {
		return usagef("usage: kitctl --profile DISTRICT district node-revoke ID --reason \"server stolen\" [--serial N] [--node URL]")
	}
	if *nodeURL != "" {
		if err := checkNodeFlag(*nodeURL); err != nil {
			return err
		}
	}
	s, reg, err := e.openDistrict()
	if err != nil {
		return err
	}
	defer s.Close()
	l, serials, err := reg.RevokeNode(pos[0], *reason, *serial)
	if err != nil {
		return err
	}
	// Sending the list again must not revoke a credential made since:
	// name one certificate this run revoked (or that was revoked before).
	again := *serial
	if again == 0 && len(serials) > 0 {
		again = serials[0]
	}
	if again == 0 {
		if certs, err := reg.NodeCertificates(); err == nil {
			for _, c := range certs {
				if c.Node.ID == pos[0] {
					again = c.Serial
				}
			}
		}
	}
	sendAgain := fmt.Sprintf("kitctl district node-revoke %s --serial %d --reason %q --node URL", pos[0], again, *reason)
	sent := false
	if *nodeURL != "" {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := client.PostRevocations(ctx, nodeHTTP(reg.Public()), *nodeURL, l)
		cancel()
		if errors.Is(err, client.ErrNodeRefused) {
			return fmt.Errorf("node %s is revoked in the district profile, but %s is a revoked node itself (or not the district's): send the list through another node with --node: %v", pos[0], *nodeURL, err)
		}
		if err != nil {
			return fmt.Errorf("node %s is revoked in the district profile, but the cluster did not take the list: %v; once a node answers, send it again with `%s` (with --serial, nothing more is revoked, not even a credential made since)", pos[0], err, sendAgain)
		}
		sent = true
	}
	if e.jsonOut {
		return e.printJSON(map[string]any{"node": pos[0], "serials": serials, "revocation_list_seq": l.Seq, "sent_to_cluster": sent})
	}
	if len(serials) == 0 {
		fmt.Fprintf(e.stdout, "Node %s was revoked before (revocation list %d).\n", pos[0], l.Seq)
	} else {
		fmt.Fprintf(e.stdout, "Node %s revoked: certificate(s) %v (revocation list %d).\n", pos[0], serials, l.Seq)
	}
	if sent {
		fmt.Fprintf(e.stdout, "The cluster has the list: the node can no longer join or serve laptops. Remove it from the cluster (kitctl cluster remove %s) and roll out a new batch key (kitctl district rotate-batch-key) so that it cannot open what is sent from now on.\n", pos[0])
	} else {
		fmt.Fprintf(e.stdout, "Send the list to the cluster (through any other node) with: %s\n", sendAgain)
	}
	return nil
}

// districtRotateBatchKey is `kitctl --profile DISTRICT district
// rotate-batch-key --node URL`: a new generation of the batch key, kept in
// the district profile first, then sealed to every node the district
// trusts (the cluster's members and the nodes certified here, neither
// revoked nor expired) and sent to the cluster. Devices learn it at their
// next pull or from a district file; nodes keep the old generations to
// open what was sealed before. A rollout that did not reach the cluster
// is sent again by running the command again.
func districtRotateBatchKey(e *env, args []string) error {
	fs := flag.NewFlagSet("district rotate-batch-key", flag.ContinueOnError)
	node := fs.String("node", "", "any node of the cluster")
	timeout := fs.Duration("timeout", time.Minute, "give up after this long")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *node == "" {
		return usagef("usage: kitctl --profile DISTRICT district rotate-batch-key --node URL")
	}
	if err := checkNodeFlag(*node); err != nil {
		return err
	}
	s, reg, pass, err := e.openDistrictPass()
	if err != nil {
		return err
	}
	defer s.Close()
	ctx, cancel, err := nodeContext(*timeout)
	if err != nil {
		return err
	}
	defer cancel()
	pub := reg.Public()
	hc := nodeHTTP(pub)
	st, err := client.ClusterStatus(ctx, hc, *node, client.DistrictSigner(reg.Keys()))
	if err != nil {
		return err
	}
	clusterGen := uint32(0)
	for _, n := range st.Nodes {
		clusterGen = max(clusterGen, n.BatchKey)
	}
	d := s.DistrictKeys()
	var k identity.BatchKey
	switch have := d.CurrentBatchKey().Gen; {
	case have < clusterGen:
		return fmt.Errorf("the cluster holds batch key %d, this district profile only %d: it is an old copy of the profile; use the district office's own", clusterGen, have)
	case have > clusterGen+1:
		return fmt.Errorf("this district profile holds batch key %d, the cluster only %d: the cluster was restored from an older backup, or is another district's; ask for help before rotating again", have, clusterGen)
	case have == clusterGen+1:
		// Made by a run that did not reach the cluster: sent again.
		k = d.CurrentBatchKey()
	default:
		nd := *d
		nd.Batch = slices.Clone(d.Batch)
		if k, err = nd.NewBatchKey(); err != nil {
			return err
		}
		// Kept before anything is sent: a key devices may seal to is
		// never lost.
		if err := s.SetDistrictKeys(pass, &nd); err != nil {
			return fmt.Errorf("keeping the new batch key in the district profile: %w; nothing was sent", err)
		}
		d = &nd
	}
	nodes, err := rolloutNodes(st, reg)
	if err != nil {
		return err
	}
	a, err := cert.AnnounceBatchKey(k, d, time.Now())
	if err != nil {
		return err
	}
	var certs []*cert.NodeCertificate
	var ids []string
	for _, c := range nodes {
		certs = append(certs, c)
		ids = append(ids, fmt.Sprintf("%s (%d)", c.Node.ID, c.Serial))
	}
	r, err := cert.NewBatchKeyRollout(k, a, certs, d)
	if err != nil {
		return err
	}
	if err := client.RolloutBatchKey(ctx, hc, *node, r); err != nil {
		return fmt.Errorf("batch key %d is kept in the district profile, but the cluster did not take it: %w; run the command again to send it", k.Gen, err)
	}
	if e.jsonOut {
		return e.printJSON(map[string]any{"generation": k.Gen, "key_id": a.KeyID(pub), "nodes": ids})
	}
	fmt.Fprintf(e.stdout, "Batch key %d rolled out to %d node(s): %s.\n", k.Gen, len(ids), strings.Join(ids, ", "))
	fmt.Fprintln(e.stdout, "Devices seal to it after their next sync (or district file); what was sealed before still opens. A node left out cannot open what is sealed to it: make it a new credential (kitctl district node-cert).")
	return nil
}

// rolloutNodes are the nodes a new batch key is sealed to: the members of
// the cluster (their certificates as the cluster holds them) and the nodes
// certified here, each checked against the district's key, and none
// revoked or expired.
func rolloutNodes(st *protocol.ClusterStatus, reg *registry.Registry) ([]*cert.NodeCertificate, error) {
	pub := reg.Public()
	now := time.Now()
	bySerial := map[uint64]*cert.NodeCertificate{}
	consider := func(c *cert.NodeCertificate) {
		if c.VerifySignature(pub) != nil || !now.Before(c.NotAfter) || reg.RevokedNode(c.Serial, c.Node.ID) != nil {
			return
		}
		bySerial[c.Serial] = c
	}
	for _, n := range st.Nodes {
		if n.Cert == "" {
			continue
		}
		if c, err := cert.ParseNodeCertificate([]byte(n.Cert)); err == nil {
			consider(c)
		}
	}
	issued, err := reg.NodeCertificates()
	if err != nil {
		return nil, err
	}
	for _, c := range issued {
		consider(c)
	}
	if len(bySerial) == 0 {
		return nil, errors.New("no node the district trusts to seal the batch key to: certify the nodes (kitctl district node-cert) first")
	}
	out := make([]*cert.NodeCertificate, 0, len(bySerial))
	for _, c := range bySerial {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Node.ID < out[j].Node.ID || out[i].Node.ID == out[j].Node.ID && out[i].Serial < out[j].Serial
	})
	return out, nil
}

// hostList is a repeatable flag of addresses, each also comma-separated.
type hostList []string

func (h *hostList) String() string { return strings.Join(*h, ",") }
func (h *hostList) Set(v string) error {
	for _, x := range strings.Split(v, ",") {
		if x = strings.TrimSpace(x); x != "" {
			*h = append(*h, x)
		}
	}
	return nil
}
