package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/keyring"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/protocol"
)

// DashboardPasswordEnv holds the dashboard's password for `district
// dashboard-password`.
const DashboardPasswordEnv = "COMMUNEKIT_DASHBOARD_PASSWORD"

// districtDashboardPassword is `kitctl --profile DISTRICT district
// dashboard-password --node URL`: the password of the district's
// dashboard (GET /dashboard on every node), hashed with scrypt here, the
// hash signed with the district's root key and replicated by the cluster.
// Setting it again replaces it, and ends the sessions opened under the old
// one.
func districtDashboardPassword(e *env, args []string) error {
	fs := flag.NewFlagSet("district dashboard-password", flag.ContinueOnError)
	node := fs.String("node", "", "any node of the cluster")
	passFile := fs.String("password-file", "", "read the dashboard's password from this file (else $"+DashboardPasswordEnv+", else a prompt, twice)")
	timeout := fs.Duration("timeout", time.Minute, "give up after this long")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *node == "" {
		return usagef("usage: kitctl --profile DISTRICT district dashboard-password --node URL [--password-file F] (the password from --password-file, $%s or a prompt, never from the command line)", DashboardPasswordEnv)
	}
	if err := checkNodeFlag(*node); err != nil {
		return err
	}
	s, reg, err := e.openDistrict()
	if err != nil {
		return err
	}
	defer s.Close()
	src := keyring.Source{File: *passFile, Flag: "--password-file", Env: DashboardPasswordEnv, What: "dashboard password",
		Prompt: "Mật khẩu bảng số liệu (dashboard password): ", Confirm: true}
	pass, err := src.Read(e.terminal(), e.stderr)
	if err != nil {
		return err
	}
	h, err := protocol.HashDashboardPassword(pass)
	if err != nil {
		return err
	}
	d := &protocol.DashboardPassword{Hash: h.String()}
	d.Sign(reg.Keys().Sign, time.Now())
	ctx, cancel, err := nodeContext(*timeout)
	if err != nil {
		return err
	}
	defer cancel()
	if err := client.SetDashboardPassword(ctx, nodeHTTP(reg.Public()), *node, d); err != nil {
		var rf *client.Refusal
		if errors.As(err, &rf) && rf.Err != nil && rf.Err.Code == protocol.CodeReplayed {
			return fmt.Errorf("the cluster holds a dashboard password set at this time or later (this computer's clock may be behind, or another run set it meanwhile): run the command again to set yours: %w", err)
		}
		return err
	}
	if e.jsonOut {
		return e.printJSON(map[string]any{"set": true, "time": time.Unix(d.Time, 0).UTC().Format(time.RFC3339)})
	}
	fmt.Fprintln(e.stdout, "The dashboard's password is set on every node of the cluster; whoever was logged in must log in again.")
	fmt.Fprintf(e.stdout, "Open %s%s in a browser of the district office (it must trust the district's browser CA: kitctl district ca --out district-ca.pem).\n", strings.TrimRight(*node, "/"), protocol.PathDashboard)
	return nil
}

// districtCA is `kitctl --profile DISTRICT district ca --out FILE.pem`:
// the district's browser CA certificate in PEM, which the district
// office's browsers import to trust the nodes' dashboard. Made from the
// root key alone: the same file each time.
func districtCA(e *env, args []string) error {
	fs := flag.NewFlagSet("district ca", flag.ContinueOnError)
	out := fs.String("out", "", "write the CA certificate (PEM) here, e.g. district-ca.pem")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *out == "" {
		return usagef("usage: kitctl --profile DISTRICT district ca --out district-ca.pem")
	}
	s, reg, err := e.openDistrict()
	if err != nil {
		return err
	}
	defer s.Close()
	b, err := cert.BrowserCAPEM(reg.Keys())
	if err != nil {
		return err
	}
	if err := writeNew(*out, b, 0o644); err != nil {
		return err
	}
	if e.jsonOut {
		return e.printJSON(map[string]any{"file": *out})
	}
	fmt.Fprintf(e.stdout, "The district's browser CA certificate is in %s.\n", *out)
	fmt.Fprintln(e.stdout, "Import it into each browser of the district office as a certificate authority trusted to identify websites (Chromium: Settings → Privacy and security → Security → Manage certificates → Authorities → Import; Firefox: Settings → Privacy & Security → Certificates → View Certificates → Authorities → Import), then open https://NODE-ADDRESS:PORT/dashboard at an address the node's credential names (kitctl district node-cert --host).")
	return nil
}

// writeNew writes b to a new file at path (never over one), synced.
func writeNew(path string, b []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists: it is never written over (move it away, or choose another --out)", path)
	}
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return err
	}
	storage.SyncDir(filepath.Dir(path))
	return nil
}
