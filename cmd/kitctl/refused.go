package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/client"
)

// cmdRefused lists the changes the district refused (or that this device
// held back before sealing, the district would have refused them), with
// the district's reason, and drops one once the officer has dealt with
// it. The records no longer show a refused change: correct and save again.
func cmdRefused(e *env, args []string) error {
	sub := "list"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "list":
		return refusedList(e, args)
	case "dismiss":
		return refusedDismiss(e, args)
	}
	return usagef("refused: unknown subcommand %q (list, dismiss N)", sub)
}

// refusedJSON is one refused change as `kitctl refused --json` prints it.
type refusedJSON struct {
	N       uint64            `json:"n"`
	Seq     uint64            `json:"seq"`
	Batch   uint64            `json:"batch"`
	Record  string            `json:"record"`
	Kind    string            `json:"kind"`
	Event   string            `json:"event"`
	Changes map[string]string `json:"changes"`
	Rule    string            `json:"rule"`
	Message string            `json:"message"`
	At      string            `json:"at"`
}

func refusedList(e *env, args []string) error {
	fs := flag.NewFlagSet("refused list", flag.ContinueOnError)
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("usage: kitctl refused [list] [--json]")
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	rs, err := s.RefusedOps()
	if err != nil {
		return err
	}
	out := make([]refusedJSON, 0, len(rs))
	for _, r := range rs {
		j := refusedJSON{N: r.N, Seq: r.Seq, Batch: r.Batch, Record: r.Op.ID.String(), Kind: r.Op.Kind.String(), Event: r.Op.Event.String(),
			Changes: map[string]string{}, Rule: r.Rule, Message: r.Message, At: r.At.Local().Format("2006-01-02 15:04")}
		for _, c := range r.Op.Changes {
			j.Changes[r.Op.FieldName(c)] = c.New
		}
		out = append(out, j)
	}
	if e.jsonOut {
		return e.printJSON(out)
	}
	if len(out) == 0 {
		fmt.Fprintln(e.stdout, "No refused changes. (Không có thay đổi nào bị từ chối.)")
		return nil
	}
	for _, j := range out {
		var cs []string
		for f, v := range j.Changes {
			cs = append(cs, fmt.Sprintf("%s=%q", f, v))
		}
		who := j.Record
		if p, err := s.Person(mustID(j.Record)); err == nil {
			who = p.FullName() + " (" + j.Record + ")"
		}
		where := fmt.Sprintf("refused by the district in batch %d", j.Batch)
		if j.Batch == 0 {
			where = "held back before sealing"
		}
		fmt.Fprintf(e.stdout, "%d) %s, %s %s: %s\n   %s, %s: %s (%s)\n", j.N, j.At, j.Event, who, strings.Join(cs, ", "), where, j.Rule, j.Message, j.Rule)
	}
	fmt.Fprintln(e.stdout, "Refused changes are not in the records: correct them and save again, then `kitctl refused dismiss N`.")
	return nil
}

func mustID(s string) storage.ID {
	id, _ := storage.ParseID(s)
	return id
}

func refusedDismiss(e *env, args []string) error {
	fs := flag.NewFlagSet("refused dismiss", flag.ContinueOnError)
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("usage: kitctl refused dismiss N (N as `kitctl refused` lists it)")
	}
	n, err := strconv.ParseUint(pos[0], 10, 64)
	if err != nil || n == 0 {
		return usagef("refused dismiss: %q is not a number from `kitctl refused`", pos[0])
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.DismissRefused(n); err != nil {
		return err
	}
	if e.jsonOut {
		return e.printJSON(map[string]any{"dismissed": n})
	}
	fmt.Fprintf(e.stdout, "Refused change %d dismissed.\n", n)
	return nil
}

// printRefused tells the officer, after a sync or an export, which changes
// the district refused or this device held back.
func (e *env) printRefused(rs []client.RefusedChange, restamped int) {
	if restamped > 0 {
		fmt.Fprintf(e.stdout, "%d change(s) were stamped again with this computer's corrected clock and sent.\n", restamped)
	}
	if len(rs) == 0 {
		return
	}
	fmt.Fprintf(e.stdout, "%d change(s) were refused and are not in the records (the others went on):\n", len(rs))
	for _, r := range rs {
		fmt.Fprintf(e.stdout, "  operation %d on %s: %s (%s)\n", r.Seq, r.Record, r.Message, r.Rule)
	}
	fmt.Fprintln(e.stdout, "`kitctl refused` lists them; correct and save again.")
}
