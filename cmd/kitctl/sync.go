package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/communekit/communekit/cmd/kitctl/internal/kit"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/batch"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/outbox"
	"github.com/communekit/communekit/sync/protocol"
)

// defaultTimeout bounds a command that talks to a node: retries go on
// until then, so a dead link ends with a message, never a hang.
const defaultTimeout = 2 * time.Minute

// checkNodeFlag refuses a --node that is not an https URL: nodes speak
// nothing else.
func checkNodeFlag(node string) error {
	u, err := url.Parse(node)
	if err == nil && u.Scheme == "http" && u.Host != "" {
		return usagef("--node %q: district nodes answer only over HTTPS (plain HTTP can be read and changed on the way): give --node https://%s", node, u.Host)
	}
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return usagef("--node %q: give the district node's address as a URL, e.g. --node https://10.0.0.5:8443", node)
	}
	return nil
}

// nodeContext is the context of a command that talks to a node: it ends
// after timeout or on Ctrl-C.
func nodeContext(timeout time.Duration) (context.Context, context.CancelFunc, error) {
	if timeout <= 0 {
		return nil, nil, usagef("--timeout must be positive, e.g. --timeout 2m")
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	return ctx, func() { stop(); cancel() }, nil
}

func cmdSync(e *env, args []string) error {
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	node := fs.String("node", "", "the district node's URL, e.g. https://10.0.0.5:8443 (remembered for the next sync)")
	timeout := fs.Duration("timeout", defaultTimeout, "give up after this long (retries go on until then)")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("usage: kitctl sync [--node URL] [--timeout 2m]")
	}
	if *node != "" {
		if err := checkNodeFlag(*node); err != nil {
			return err
		}
	}
	ctx, cancel, err := nodeContext(*timeout)
	if err != nil {
		return err
	}
	defer cancel()
	s, err := e.openBulk()
	if err != nil {
		return err
	}
	defer s.Close()
	if *node == "" {
		b, err := s.GetMeta(client.MetaNode)
		if errors.Is(err, storage.ErrNotFound) {
			return usagef("no district node known yet: give its address once with --node URL, e.g. kitctl sync --node https://10.0.0.5:8443")
		}
		if err != nil {
			return err
		}
		*node = string(b)
	} else if err := s.PutMeta(client.MetaNode, []byte(*node)); err != nil {
		return err
	}
	c := &client.Client{
		Node:     *node,
		Store:    s,
		Progress: e.syncProgress(),
		Retry:    client.Backoff{Attempts: -1}, // until --timeout
	}
	res, err := c.Sync(ctx)
	out := struct {
		Node string `json:"node"`
		*client.Result
		Error string `json:"error,omitempty"`
	}{Node: *node, Result: res}
	if err != nil {
		out.Error = err.Error()
		if e.jsonOut {
			e.printJSON(out)
		} else {
			if res.Pushed > 0 || res.Pulled > 0 {
				fmt.Fprintf(e.stderr, "Before it stopped: %s\n", syncSummary(res))
			}
			e.printRefused(res.Refused, res.Restamped)
		}
		return err
	}
	if e.jsonOut {
		return e.printJSON(out)
	}
	fmt.Fprintf(e.stdout, "Synced with %s: %s\n", *node, syncSummary(res))
	e.printRefused(res.Refused, res.Restamped)
	if res.ClockOff() {
		fmt.Fprintf(e.stderr, "kitctl: warning: this computer's clock is %s the district node's (%s): set its date and time; every change is stamped with this clock\n",
			clockPhrase(res.ClockOffset), *node)
	}
	return nil
}

// clockPhrase says how far, and which way, a clock is off: "3 days ahead of".
func clockPhrase(offsetS int64) string {
	way := "ahead of"
	if offsetS < 0 {
		way, offsetS = "behind", -offsetS
	}
	d := time.Duration(offsetS) * time.Second
	if d >= 48*time.Hour {
		return fmt.Sprintf("%d days %s", (d+12*time.Hour)/(24*time.Hour), way)
	}
	return fmt.Sprintf("%s %s", d.Round(time.Minute), way)
}

func syncSummary(r *client.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d batch(es) sent and acknowledged", r.Pushed)
	if r.Duplicates > 0 {
		fmt.Fprintf(&b, " (%d the district already had)", r.Duplicates)
	}
	fmt.Fprintf(&b, ", %d operation(s)", r.PushedOps)
	if r.Carried > 0 {
		fmt.Fprintf(&b, "; %d operation(s) of the replaced laptop carried over", r.Carried)
	}
	fmt.Fprintf(&b, "; %d change(s) received", r.Pulled)
	if r.Pulled > 0 {
		fmt.Fprintf(&b, " (%d new)", r.Applied)
	}
	fmt.Fprintf(&b, ", up to %d. ", r.Cursor)
	if r.Pending == 0 {
		b.WriteString("Nothing is pending.")
	} else {
		fmt.Fprintf(&b, "%d operation(s) still wait for the district's receipt.", r.Pending)
	}
	return b.String()
}

// syncProgress tells the person at the terminal what a sync is doing, on
// stderr (stdout is for the result).
func (e *env) syncProgress() func(client.Progress) {
	return func(p client.Progress) {
		var line string
		switch {
		case p.Err != nil:
			line = fmt.Sprintf("retrying in %s: %v", roundWait(p.Wait), p.Err)
		case p.Phase == client.PhaseSeal:
			if p.Done > 0 {
				line = fmt.Sprintf("sealed %d new batch(es); %d operation(s) to send", p.Done, p.Pending)
			}
		case p.Phase == client.PhasePush && p.Attempt == 1:
			line = fmt.Sprintf("pushing batch %d of %d (number %d, %s)…", p.Done+1, p.Total, p.Batch, humanBytes(p.Bytes))
		case p.Phase == client.PhasePush && p.Attempt > 1:
			line = fmt.Sprintf("pushing batch %d of %d again (number %d, attempt %d)…", p.Done+1, p.Total, p.Batch, p.Attempt)
		case p.Phase == client.PhasePush && p.Attempt == 0 && p.Done == 0:
			line = p.Message // a gap: where the push goes on from
		case p.Phase == client.PhaseCertificate && p.Attempt == 1:
			line = "the node does not know this device yet: sending its certificate…"
		case p.Phase == client.PhasePull && p.Attempt == 1 && p.Done == 0:
			line = "asking for changes made elsewhere…"
		case p.Phase == client.PhasePull && p.Attempt == 0 && p.Ops > 0:
			line = fmt.Sprintf("received %d change(s) so far (%s)", p.Ops, humanBytes(p.Bytes))
		case p.Phase == client.PhaseRevocations && p.Attempt == 0:
			line = p.Message
		}
		if line != "" {
			fmt.Fprintln(e.stderr, line)
		}
	}
}

func roundWait(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}

var humanBytes = kit.HumanBytes

// cmdDistrictCommand is the district command: `district import` here,
// backup and restore in districtbackup.go, export in districtexport.go,
// the rest in enrol.go.
func cmdDistrictCommand(e *env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "import":
			return districtImport(e, args[1:])
		case "backup":
			return districtBackup(e, args[1:])
		case "export":
			return districtExport(e, args[1:])
		case "restore":
			return districtRestoreHint(e, args[1:])
		case "node-cert":
			return districtNodeCert(e, args[1:])
		case "nodes":
			return districtNodes(e, args[1:])
		case "node-revoke":
			return districtNodeRevoke(e, args[1:])
		case "rotate-batch-key":
			return districtRotateBatchKey(e, args[1:])
		case "dashboard-password":
			return districtDashboardPassword(e, args[1:])
		case "ca":
			return districtCA(e, args[1:])
		}
	}
	return cmdDistrict(e, args)
}

// importFile is one batch file of a district import and what became of it.
type importFile struct {
	Path     string `json:"file"`
	Device   string `json:"device,omitempty"`
	Batch    uint64 `json:"batch,omitempty"`
	Status   string `json:"status"` // accepted, duplicate, refused, not sent
	Ops      int    `json:"operations,omitempty"`
	Code     string `json:"code,omitempty"`     // the node's error code, or the local check failed
	Expected uint64 `json:"expected,omitempty"` // gap: the batch the district wants first
	Reason   string `json:"reason,omitempty"`
	// Refusal is where the district's signed refusal of the batch was
	// left for the laptop (beside the batch file).
	Refusal string `json:"refusal_file,omitempty"`

	sealed []byte
}

// districtImport pushes batch files that came on a USB stick to a node,
// in each device's order, and reports each.
func districtImport(e *env, args []string) error {
	fs := flag.NewFlagSet("district import", flag.ContinueOnError)
	node := fs.String("node", "", "the district node's URL, e.g. https://10.0.0.5:8443")
	timeout := fs.Duration("timeout", defaultTimeout, "give up after this long")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 || *node == "" {
		return usagef("usage: kitctl --profile DISTRICT district import DIR|FILE.ckb... --node URL")
	}
	if err := checkNodeFlag(*node); err != nil {
		return err
	}
	ctx, cancel, err := nodeContext(*timeout)
	if err != nil {
		return err
	}
	defer cancel()
	files, err := batchFiles(pos)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no %s batch files in %s", outbox.FileExt, strings.Join(pos, ", "))
	}
	s, reg, err := e.openDistrict()
	if err != nil {
		return err
	}
	defer s.Close()

	for _, f := range files {
		b, err := client.ReadFileMax(f.Path, batch.DefaultLimits.MaxSealed, "a batch")
		if err == nil {
			var h batch.Header
			if h, err = batch.ParseHeader(b); err == nil {
				f.Device, f.Batch, f.sealed = h.Sender, h.Seq, b
			}
		}
		if err != nil {
			f.Status, f.Code, f.Reason = "refused", checkName(err), err.Error()
		}
	}
	sort.SliceStable(files, func(i, j int) bool {
		if files[i].Device != files[j].Device {
			return files[i].Device < files[j].Device
		}
		return files[i].Batch < files[j].Batch
	})

	certSent := map[string]bool{}
	hc := nodeHTTP(reg.Public())
	var stop error
	for _, f := range files {
		if f.Status != "" {
			continue
		}
		if stop != nil {
			f.Status, f.Reason = "not sent", "stopped: "+stop.Error()
			continue
		}
		rec, err := client.PushSealed(ctx, hc, *node, f.sealed)
		var pe *protocol.Error
		if errors.As(err, &pe) && pe.Code == protocol.CodeUnknownDevice && !certSent[f.Device] {
			// The device never synced: its certificate is in this
			// district's registry; the node needs it first.
			certSent[f.Device] = true
			c, cerr := reg.Certificate(f.Device)
			if cerr == nil {
				cerr = client.PostCertificate(ctx, hc, *node, c, client.DistrictSigner(reg.Keys()))
			}
			if cerr == nil {
				rec, err = client.PushSealed(ctx, hc, *node, f.sealed)
			} else {
				err = cerr
			}
		}
		if err == nil {
			err = client.VerifyReceipt(rec, reg.Public(), f.sealed, reg.RevokedNode)
		}
		switch {
		case err == nil && rec.Duplicate:
			f.Status, f.Ops = "duplicate", rec.Ops
		case err == nil:
			f.Status, f.Ops = "accepted", rec.Ops
		case errors.As(err, &pe):
			f.Status, f.Code, f.Expected, f.Reason = "refused", pe.Code, pe.Expected, err.Error()
			if pe.Signed() {
				// The laptop acts on the district's signed refusal at its
				// next import: left beside the batch, on the stick.
				if p, werr := client.WriteRefusal(filepath.Dir(f.Path), pe); werr == nil {
					f.Refusal = p
					f.Reason = fmt.Sprintf("%s. The refusal is on the stick (%s): the officer's laptop withdraws what was refused when it imports the stick (`kitctl batch import`), then exports the batch again", pe.Message, filepath.Base(p))
				}
			}
			switch pe.Code {
			case protocol.CodeGap:
				f.Reason = fmt.Sprintf("the district expects batch %d of this device first", pe.Expected)
			case protocol.CodeTampered, protocol.CodeMalformed:
				// The device's words ("stays pending here") are not for
				// the operator at the district.
				f.Reason = fmt.Sprintf("this file was damaged or altered on the way (%s): nothing of it was applied. The officer's laptop still holds batch %d: copy it to the stick again, or let the laptop sync", pe.Message, f.Batch)
			}
		case errors.Is(err, client.ErrUnreachable), errors.Is(err, client.ErrNotANode), ctx.Err() != nil:
			f.Status, f.Reason = "not sent", err.Error()
			stop = err
		default:
			f.Status, f.Reason = "refused", err.Error()
			if errors.Is(err, client.ErrBadReceipt) {
				f.Code = "receipt"
			}
		}
	}

	count := map[string]int{}
	for _, f := range files {
		count[f.Status]++
	}
	if e.jsonOut {
		e.printJSON(map[string]any{"files": files, "accepted": count["accepted"], "duplicates": count["duplicate"],
			"refused": count["refused"], "not_sent": count["not sent"]})
	} else {
		for _, f := range files {
			what := f.Path
			if f.Device != "" {
				what = fmt.Sprintf("%s (device %s, batch %d)", what, f.Device, f.Batch)
			}
			switch f.Status {
			case "accepted":
				fmt.Fprintf(e.stdout, "%s: accepted, %d operation(s)\n", what, f.Ops)
			case "duplicate":
				fmt.Fprintf(e.stdout, "%s: duplicate (the district already had it)\n", what)
			default:
				fmt.Fprintf(e.stdout, "%s: %s: %s\n", what, f.Status, f.Reason)
			}
		}
		fmt.Fprintf(e.stdout, "%d accepted, %d duplicate(s), %d refused, %d not sent\n", count["accepted"], count["duplicate"], count["refused"], count["not sent"])
	}
	if stop != nil {
		return stop
	}
	if count["refused"] > 0 {
		return silentExit{Code: exitData}
	}
	return nil
}

// batchFiles lists the batch files named: files as given, directories
// searched for *.ckb (a stick may hold a folder per device).
func batchFiles(paths []string) ([]*importFile, error) {
	var out []*importFile
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, &importFile{Path: p})
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.EqualFold(filepath.Ext(path), outbox.FileExt) {
				out = append(out, &importFile{Path: path})
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
