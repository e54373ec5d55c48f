package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/batch"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/outbox"
	"github.com/communekit/communekit/sync/registry"
)

// openDistrict unlocks a district profile and its registry.
func (e *env) openDistrict() (*storage.Store, *registry.Registry, error) {
	s, r, _, err := e.openDistrictPass()
	return s, r, err
}

// openDistrictPass is openDistrict, with the passphrase (to write the
// profile's keys again).
func (e *env) openDistrictPass() (*storage.Store, *registry.Registry, []byte, error) {
	dir, err := e.profileDir()
	if err != nil {
		return nil, nil, nil, err
	}
	pass, err := e.passphrase(false)
	if err != nil {
		return nil, nil, nil, err
	}
	s, err := storage.Open(dir, pass, storage.Options{Logger: quietLogger(), Kind: storage.KindDistrict})
	if errors.Is(err, storage.ErrWrongPassphrase) {
		return nil, nil, nil, fmt.Errorf("%w (check COMMUNEKIT_PASSPHRASE or --passphrase-file)", err)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	limitMemory()
	r, err := registry.Open(s, nil)
	if err != nil {
		s.Close()
		return nil, nil, nil, err
	}
	return s, r, pass, nil
}

func cmdDistrict(e *env, args []string) error {
	if len(args) == 0 || args[0] != "init" {
		return usagef(`usage: kitctl --profile DIR district COMMAND
  init --name NAME                             make a district profile (the root key stays on this machine)
  node-cert --id ID --out FILE.node [--days N]  a node's credential: its own key and certificate
  nodes [--json]                               the node certificates issued, and which are revoked
  node-revoke ID --reason R [--serial N] [--node URL]   revoke a node's certificates (or one of them)
  rotate-batch-key --node URL                  a new batch key, rolled out to the nodes
  import DIR|FILE... --node URL                batch files that came on a stick
  export (--device ID | --commune C) --node URL --out DIR   district files for devices
  backup --node URL --out FILE                 a backup of the district
  restore                                      how a district is restored`)
	}
	fs := flag.NewFlagSet("district init", flag.ContinueOnError)
	name := fs.String("name", "", "the district's name, e.g. \"Cụm Mèo Vạc\"")
	pos, err := e.parse(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) > 0 || strings.TrimSpace(*name) == "" {
		return usagef("district init needs --name NAME")
	}
	s, dir, err := e.create(storage.Profile{Kind: storage.KindDistrict, District: *name})
	if err != nil {
		return err
	}
	defer s.Close()
	pub := s.DistrictKeys().Public()
	pt, _ := pub.MarshalText()
	if err := os.WriteFile(filepath.Join(dir, "district.pub"), append(pt, '\n'), 0o644); err != nil {
		return err
	}
	if e.jsonOut {
		return e.printJSON(map[string]string{"profile": dir, "district": pub.Name, "key_id": pub.KeyID, "public": string(pt)})
	}
	fmt.Fprintf(e.stdout, "District profile created in %s\n  %s, key %s\n  public keys in %s\n", dir, pub.Name, pub.KeyID, filepath.Join(dir, "district.pub"))
	return nil
}

func cmdEnrol(e *env, args []string) error {
	if len(args) == 0 {
		return usagef("enrol needs a subcommand: request, sign, install, revoke or list")
	}
	switch args[0] {
	case "request":
		return enrolRequest(e, args[1:])
	case "sign":
		return enrolSign(e, args[1:])
	case "install":
		return enrolInstall(e, args[1:])
	case "revoke":
		return enrolRevoke(e, args[1:])
	case "list":
		return enrolList(e, args[1:])
	}
	return usagef("enrol: unknown subcommand %q (request, sign, install, revoke, list)", args[0])
}

func enrolRequest(e *env, args []string) error {
	fs := flag.NewFlagSet("enrol request", flag.ContinueOnError)
	out := fs.String("out", "", "write the request to this file")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *out == "" {
		return usagef("usage: kitctl enrol request --out FILE.req")
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	p := s.Profile()
	old, err := replacedDevice(s)
	if err != nil {
		return err
	}
	req, err := cert.NewSuccessorRequest(s.DeviceKeys(), p.Officer, []string{p.Commune}, old, time.Now())
	if err != nil {
		return err
	}
	text, err := req.MarshalText()
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, append(text, '\n'), 0o644); err != nil {
		return err
	}
	if e.jsonOut {
		return e.printJSON(map[string]string{"device": req.Device.ID, "officer": req.Officer, "file": *out, "text": string(text), "replaces": old})
	}
	if old != "" {
		fmt.Fprintf(e.stdout, "This device replaces device %s: once the district signs, it retires that device and takes over the work it had not sent.\n", old)
	}
	fmt.Fprintf(e.stdout, "Enrolment request for device %s (%s, commune %s) written to %s.\nThe same request as text, for a QR code (%d characters):\n%s\n", req.Device.ID, req.Officer, p.Commune, *out, len(text), text)
	return nil
}

func enrolSign(e *env, args []string) error {
	fs := flag.NewFlagSet("enrol sign", flag.ContinueOnError)
	role := fs.String("role", "officer", "officer, supervisor or admin")
	var communes setFlag
	fs.Var(&communes, "commune", "commune code the device may work on (repeat; default: those requested)")
	days := fs.Int("days", 365, "validity in days")
	out := fs.String("out", "", "write the certificate file here")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *out == "" {
		return usagef("usage: kitctl enrol sign REQUEST.req --role officer --commune CODE --days 365 --out FILE.cert")
	}
	r, err := cert.ParseRole(*role)
	if err != nil {
		return usagef("--role %q: %v", *role, err)
	}
	if *days <= 0 {
		return usagef("--days must be positive")
	}
	rb, err := os.ReadFile(pos[0])
	if err != nil {
		return fmt.Errorf("cannot read the request: %w", err)
	}
	req, err := cert.ParseRequest(rb)
	if err != nil {
		return fmt.Errorf("%s is not a valid enrolment request: %w", pos[0], err)
	}
	s, reg, err := e.openDistrict()
	if err != nil {
		return err
	}
	defer s.Close()
	old, err := reg.Successor(req)
	if err != nil {
		return err
	}
	if old != nil && !flagGiven(fs, "role") {
		r = old.Role // a successor serves as the device it replaces
	}
	c, err := reg.Sign(req, r, communes, time.Duration(*days)*24*time.Hour)
	if err != nil {
		return err
	}
	file, err := outbox.CertificateFile(c, reg.Public())
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, file, 0o644); err != nil {
		return err
	}
	if e.jsonOut {
		return e.printJSON(certJSON(c))
	}
	fmt.Fprintf(e.stdout, "Signed certificate %d for device %s (%s), %s of %s, valid until %s: %s\n",
		c.Serial, c.Device.ID, c.Officer, c.Role, strings.Join(c.Communes, ", "), c.NotAfter.Format("2006-01-02"), *out)
	if c.Replaces != "" {
		fmt.Fprintf(e.stdout, "It replaces device %s: when the certificate reaches the cluster (the laptop's first sync), that device is retired and the new one carries over its unsent work.\n", c.Replaces)
	}
	return nil
}

func certJSON(c *cert.Certificate) map[string]any {
	return map[string]any{"serial": c.Serial, "device": c.Device.ID, "replaces": c.Replaces, "officer": c.Officer, "role": string(c.Role),
		"communes": c.Communes, "not_before": c.NotBefore.UTC().Format(time.RFC3339), "not_after": c.NotAfter.UTC().Format(time.RFC3339),
		"district": c.District, "district_key_id": c.DistrictKeyID}
}

func enrolInstall(e *env, args []string) error {
	fs := flag.NewFlagSet("enrol install", flag.ContinueOnError)
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("usage: kitctl enrol install FILE.cert")
	}
	b, err := os.ReadFile(pos[0])
	if err != nil {
		return fmt.Errorf("cannot read the certificate: %w", err)
	}
	c, d, err := outbox.ParseCertificateFile(b)
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	if err := outbox.Install(s, c, d, time.Now()); err != nil {
		return err
	}
	if err := installedSuccessor(e, s, c); err != nil {
		return err
	}
	if e.jsonOut {
		return e.printJSON(certJSON(c))
	}
	fmt.Fprintf(e.stdout, "Enrolled with %s as %s (certificate %d, valid until %s).\n", d.Name, c.Role, c.Serial, c.NotAfter.Format("2006-01-02"))
	return nil
}

func enrolRevoke(e *env, args []string) error {
	fs := flag.NewFlagSet("enrol revoke", flag.ContinueOnError)
	reason := fs.String("reason", "", "why (kept in the signed list)")
	nodeURL := fs.String("node", "", "a district node: replicate the new list to the cluster at once")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || strings.TrimSpace(*reason) == "" {
		return usagef("usage: kitctl enrol revoke DEVICE --reason \"laptop stolen\" [--node URL]")
	}
	s, reg, err := e.openDistrict()
	if err != nil {
		return err
	}
	defer s.Close()
	if _, err := reg.Certificate(pos[0]); err != nil {
		return fmt.Errorf("%v; `kitctl enrol list` shows the enrolled devices", err)
	}
	l, err := reg.Revocations()
	if err != nil {
		return err
	}
	already := false
	for _, r := range l.Entries {
		already = already || r.DeviceID == pos[0]
	}
	if !already || *nodeURL == "" {
		// Revoked already and --node: only send the list again (a send
		// that failed before is retried this way).
		if l, err = reg.Revoke(pos[0], *reason); err != nil {
			return err
		}
	}
	sent := false
	if *nodeURL != "" {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := client.PostRevocations(ctx, nodeHTTP(reg.Public()), *nodeURL, l)
		cancel()
		if err != nil {
			return fmt.Errorf("device %s is revoked in the district profile, but the cluster did not take the list: %v; run `kitctl enrol revoke` again with --node once a node answers", pos[0], err)
		}
		sent = true
	}
	if e.jsonOut {
		return e.printJSON(map[string]any{"device": pos[0], "revocation_list_seq": l.Seq, "revoked": len(l.Entries), "sent_to_cluster": sent})
	}
	fmt.Fprintf(e.stdout, "Device %s revoked (%s). Revocation list %d now names %d certificate(s) of devices and nodes.\n", pos[0], *reason, l.Seq, len(l.Entries))
	if sent {
		fmt.Fprintf(e.stdout, "The district cluster has the new list: the device's pushes and pulls are refused from now on.\n")
	} else {
		fmt.Fprintf(e.stdout, "Send the list to the cluster with --node URL, or the nodes keep accepting the device.\n")
	}
	return nil
}

func enrolList(e *env, args []string) error {
	fs := flag.NewFlagSet("enrol list", flag.ContinueOnError)
	if _, err := e.parse(fs, args); err != nil {
		return err
	}
	s, reg, err := e.openDistrict()
	if err != nil {
		return err
	}
	defer s.Close()
	cs, err := reg.Certificates()
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for _, c := range cs {
		m := certJSON(c)
		m["status"] = "valid"
		if _, err := reg.Check(c.Device.ID); err != nil {
			m["status"] = err.Error()
		}
		out = append(out, m)
	}
	if e.jsonOut {
		return e.printJSON(out)
	}
	for _, m := range out {
		fmt.Fprintf(e.stdout, "%-18v %-24v %-10v serial %-4v %v\n", m["device"], m["officer"], m["role"], m["serial"], m["status"])
	}
	return nil
}

func cmdBatch(e *env, args []string) error {
	if len(args) == 0 {
		return usagef("batch needs a subcommand: export, import, inspect or status")
	}
	switch args[0] {
	case "export":
		return batchExport(e, args[1:])
	case "import":
		return batchImport(e, args[1:])
	case "inspect":
		return batchInspect(e, args[1:])
	case "status":
		return batchStatus(e, args[1:])
	}
	return usagef("batch: unknown subcommand %q (export, import, inspect, status)", args[0])
}

func batchExport(e *env, args []string) error {
	fs := flag.NewFlagSet("batch export", flag.ContinueOnError)
	out := fs.String("out", "", "directory to write the batch files to (e.g. the USB stick)")
	max := fs.Int("max-ops", outbox.DefaultMaxOps, "most operations in one batch")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *out == "" {
		return usagef("usage: kitctl batch export --out DIR")
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	z, err := outbox.SealerFor(s, *max)
	if err != nil {
		return err
	}
	made, err := z.Seal(s)
	if err != nil {
		return err
	}
	// Every batch not yet acknowledged goes out, new or sealed before.
	all, err := s.Unacknowledged()
	if err != nil {
		return err
	}
	paths, err := outbox.WriteFiles(*out, all)
	if err != nil {
		return err
	}
	pending, err := s.Pending()
	if err != nil {
		return err
	}
	var files []string
	var bytes int
	for i, p := range paths {
		files = append(files, filepath.Base(p))
		bytes += len(all[i].Sealed)
	}
	held := []client.RefusedChange{}
	for _, r := range z.Withheld {
		held = append(held, client.RefusedChange{Seq: r.Seq, Record: r.Op.ID.String(), Rule: r.Rule, Message: r.Message})
	}
	if e.jsonOut {
		return e.printJSON(map[string]any{"sealed": len(made), "files": files, "bytes": bytes, "pending_operations": pending, "refused": held})
	}
	fmt.Fprintf(e.stdout, "%d new batch(es) sealed; %d file(s), %d bytes in %s; %d operation(s) wait for the district's receipt.\n", len(made), len(files), bytes, *out, pending)
	e.printRefused(held, 0)
	return nil
}

func batchStatus(e *env, args []string) error {
	fs := flag.NewFlagSet("batch status", flag.ContinueOnError)
	if _, err := e.parse(fs, args); err != nil {
		return err
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	st, err := s.Outbox()
	if err != nil {
		return err
	}
	pending, err := s.Pending()
	if err != nil {
		return err
	}
	unbatched, err := s.Unbatched(0)
	if err != nil {
		return err
	}
	enrolled := true
	if _, _, err := outbox.Enrolment(s); err != nil {
		enrolled = false
	}
	m := map[string]any{"enrolled": enrolled, "pending_operations": pending, "unsealed_operations": len(unbatched),
		"batches_sealed": st.Batches, "batches_acknowledged": st.AckedBatch}
	if e.jsonOut {
		return e.printJSON(m)
	}
	fmt.Fprintf(e.stdout, "%d operation(s) pending (%d not yet sealed); batches sealed %d, acknowledged %d; enrolled: %v\n",
		pending, len(unbatched), st.Batches, st.AckedBatch, enrolled)
	return nil
}

// checkName names the check a sealed batch failed, for people and scripts.
func checkName(err error) string {
	for _, c := range []struct {
		err  error
		name string
	}{
		{batch.ErrTooLarge, "size"}, {batch.ErrTruncated, "truncated"}, {batch.ErrBadMagic, "format"},
		{batch.ErrUnsupportedVersion, "version"}, {batch.ErrMalformedHeader, "header"},
		{batch.ErrWrongRecipient, "recipient"}, {cert.ErrRevoked, "revoked"}, {cert.ErrExpired, "expired"},
		{cert.ErrNotYetValid, "not yet valid"}, {batch.ErrUnknownSigner, "enrolment"}, {batch.ErrBadSignature, "signature"},
		{batch.ErrDecrypt, "decryption"}, {batch.ErrDecompressedTooLarge, "decompressed size"}, {batch.ErrDecompress, "compression"},
		{batch.ErrSenderMismatch, "sender"}, {batch.ErrTooManyOps, "operation count"}, {batch.ErrMalformedOps, "operations"},
	} {
		if errors.Is(err, c.err) {
			return c.name
		}
	}
	return "unknown"
}

func batchInspect(e *env, args []string) error {
	fs := flag.NewFlagSet("batch inspect", flag.ContinueOnError)
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("usage: kitctl batch inspect FILE.ckb")
	}
	sealed, err := client.ReadFileMax(pos[0], batch.DefaultLimits.MaxSealed, "a batch")
	if err != nil {
		return err
	}
	s, reg, err := e.openDistrict()
	if err != nil {
		return err
	}
	defer s.Close()
	b, err := reg.Open(sealed)
	if err != nil {
		return fmt.Errorf("%s failed the %s check: %w", filepath.Base(pos[0]), checkName(err), err)
	}
	c, _ := reg.Certificate(b.Header.Sender)
	m := map[string]any{
		"device": b.Header.Sender, "sequence": b.Header.Seq, "operations": len(b.Ops),
		"sealed_bytes": b.SealedBytes, "plain_bytes": b.PlainBytes, "compressed_bytes": b.CompressedBytes,
		"prev_hash": hex.EncodeToString(b.Header.PrevHash[:]), "hash": fmt.Sprintf("%x", batch.Hash(sealed)),
	}
	if c != nil {
		m["officer"], m["role"] = c.Officer, string(c.Role)
	}
	if len(b.Ops) > 0 {
		m["first_op"], m["last_op"] = b.Ops[0].Seq, b.Ops[len(b.Ops)-1].Seq
		m["from"], m["to"] = b.Ops[0].HLC.Time().Format(time.RFC3339), b.Ops[len(b.Ops)-1].HLC.Time().Format(time.RFC3339)
	}
	if e.jsonOut {
		return e.printJSON(m)
	}
	fmt.Fprintf(e.stdout, "batch %d from device %s (%v): %d operations, %d bytes sealed, %d plain; signature, recipient and limits checked\n",
		b.Header.Seq, b.Header.Sender, m["officer"], len(b.Ops), b.SealedBytes, b.PlainBytes)
	return nil
}
