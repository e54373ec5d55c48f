package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/communekit/communekit/crypto/keyring"
	"github.com/communekit/communekit/storage"
)

func cmdInit(e *env, args []string) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	commune := fs.String("commune", "", "commune code (5 digits, units since 1 July 2025)")
	officer := fs.String("officer", "", "officer's full name")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("init takes no arguments, got %q", pos)
	}
	if *commune == "" || *officer == "" {
		return usagef("init needs --commune CODE and --officer NAME")
	}
	code, p := storage.Canonicalize(storage.FieldCurrentAddressCode, *commune)
	if p != nil {
		return fmt.Errorf("--commune %q: %s", *commune, p.Message(e.lang))
	}
	name, p := storage.Canonicalize(storage.FieldFullName, *officer)
	if p != nil {
		return fmt.Errorf("--officer %q: %s", *officer, p.Message(e.lang))
	}
	s, dir, err := e.create(storage.Profile{Commune: code, Officer: name})
	if err != nil {
		return err
	}
	defer s.Close()
	pr := s.Profile()
	if e.jsonOut {
		return e.printJSON(map[string]string{"profile": dir, "commune": pr.Commune, "officer": pr.Officer, "device": string(pr.Device)})
	}
	fmt.Fprintf(e.stdout, "Profile created in %s\n  commune %s, officer %s, device %s\n", dir, communeLabel(pr.Commune), pr.Officer, pr.Device)
	return nil
}

func cmdPerson(e *env, args []string) error {
	if len(args) == 0 {
		return usagef("person needs a subcommand: add, show, edit or history")
	}
	switch args[0] {
	case "add":
		return personAdd(e, args[1:])
	case "show":
		return personShow(e, args[1:])
	case "edit":
		return personEdit(e, args[1:])
	case "history":
		return personHistory(e, args[1:])
	}
	return usagef("person: unknown subcommand %q (add, show, edit, history)", args[0])
}

func oneID(pos []string, what string) (storage.ID, error) {
	if len(pos) != 1 {
		return storage.ID{}, usagef("%s needs one PERSON identifier (as printed by search)", what)
	}
	id, err := storage.ParseID(pos[0])
	if err != nil {
		return storage.ID{}, usagef("%v", err)
	}
	return id, nil
}

func personAdd(e *env, args []string) error {
	fs := flag.NewFlagSet("person add", flag.ContinueOnError)
	var sets setFlag
	fs.Var(&sets, "set", "field=value (repeat); fields are the CSV column names")
	reason := fs.String("reason", "", "note kept in the history")
	event := fs.String("event", "register", "register or birth")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("person add takes --set flags, not arguments %q", pos)
	}
	vals, opts, err := sets.save(*event, *reason)
	if err != nil {
		return err
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	p, err := s.AddPerson(vals, opts)
	if err != nil {
		return err
	}
	if e.jsonOut {
		return e.printJSON(personJSON(p))
	}
	fmt.Fprintf(e.stdout, "Saved %s: %s\n", p.ID, p.FullName())
	return nil
}

func personJSON(p *storage.Person) map[string]string { return p.Map() }

// openFor parses a command that takes one PERSON and unlocks the profile.
func (e *env) openFor(name string, fs *flag.FlagSet, args []string) (*storage.Store, storage.ID, error) {
	pos, err := e.parse(fs, args)
	if err != nil {
		return nil, storage.ID{}, err
	}
	id, err := oneID(pos, name)
	if err != nil {
		return nil, storage.ID{}, err
	}
	s, err := e.open()
	return s, id, err
}

// create makes a new profile in the profile directory, asking for the
// passphrase twice on a terminal.
func (e *env) create(p storage.Profile) (*storage.Store, string, error) {
	dir, err := e.profileDir()
	if err != nil {
		return nil, "", err
	}
	pass, err := e.passphrase(true)
	if err != nil {
		return nil, "", err
	}
	if err := checkNew(pass, "the passphrase"); err != nil {
		return nil, "", err
	}
	wf, err := workFactor()
	if err != nil {
		return nil, "", err
	}
	s, err := storage.Create(dir, pass, p, storage.Options{Logger: quietLogger(), WorkFactor: wf})
	return s, dir, err
}

func personShow(e *env, args []string) error {
	s, id, err := e.openFor("person show", flag.NewFlagSet("person show", flag.ContinueOnError), args)
	if err != nil {
		return err
	}
	defer s.Close()
	p, err := s.Person(id)
	if err != nil {
		return notFound(err, id)
	}
	if e.jsonOut {
		return e.printJSON(personJSON(p))
	}
	fmt.Fprintf(e.stdout, "%s  %s\n", p.ID, p.FullName())
	for _, f := range storage.Fields() {
		if v := p.Get(f); v != "" {
			fmt.Fprintf(e.stdout, "  %-34s %s\n", f.Label(e.lang)+":", storage.DisplayValueIn(e.lang, f, v))
		}
	}
	return nil
}

// workFactor reads COMMUNEKIT_WORK_FACTOR, for tests and very slow
// machines (unlock cost is 2^wf); 0 means the default.
func workFactor() (int, error) {
	return keyring.ParseWorkFactor(os.Getenv(keyring.WorkFactorEnv))
}

func notFound(err error, id storage.ID) error {
	if errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("no person %s in this profile; find the identifier with `kitctl search`", id)
	}
	return err
}

func personEdit(e *env, args []string) error {
	fs := flag.NewFlagSet("person edit", flag.ContinueOnError)
	var sets setFlag
	fs.Var(&sets, "set", "field=value (repeat)")
	reason := fs.String("reason", "", "why (kept in the history)")
	event := fs.String("event", "correction", "correction, death, move_in, move_out, temporary_residence, temporary_absence")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	id, err := oneID(pos, "person edit")
	if err != nil {
		return err
	}
	if len(sets) == 0 {
		return usagef("person edit needs at least one --set field=value")
	}
	vals, opts, err := sets.save(*event, *reason)
	if err != nil {
		return err
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	p, op, err := s.EditPerson(id, vals, opts)
	if errors.Is(err, storage.ErrNotFound) {
		return notFound(err, id)
	}
	if errors.Is(err, storage.ErrNothingChanged) {
		if e.jsonOut {
			return e.printJSON(map[string]any{"person_id": id.String(), "changed": []string{}})
		}
		fmt.Fprintln(e.stdout, "Nothing to change: the values are already as given.")
		return nil
	}
	if err != nil {
		return err
	}
	var changed []string
	for _, c := range op.Changes {
		changed = append(changed, op.FieldName(c))
	}
	if e.jsonOut {
		return e.printJSON(map[string]any{"person_id": p.ID.String(), "changed": changed, "seq": op.Seq})
	}
	fmt.Fprintf(e.stdout, "Saved %s (%s): %s\n", p.ID, p.FullName(), strings.Join(changed, ", "))
	return nil
}

type changeJSON struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
	Seen  string `json:"seen_version,omitempty"`
}

type opJSON struct {
	Device  string       `json:"device"`
	Seq     uint64       `json:"seq"`
	Time    string       `json:"time"`
	HLC     uint64       `json:"hlc"`
	Officer string       `json:"officer"`
	Event   string       `json:"event"`
	Reason  string       `json:"reason"`
	Changes []changeJSON `json:"changes"`
}

func opToJSON(op *storage.Op) opJSON {
	o := opJSON{Device: string(op.Device), Seq: op.Seq, Time: op.HLC.Time().Format("2006-01-02T15:04:05.000Z07:00"),
		HLC: uint64(op.HLC), Officer: op.Officer, Event: op.Event.String(), Reason: op.Reason, Changes: []changeJSON{}}
	for _, c := range op.Changes {
		cj := changeJSON{Field: op.FieldName(c), Old: c.Old, New: c.New}
		if !c.Seen.IsZero() {
			cj.Seen = fmt.Sprintf("%s@%d", c.Seen.Device, uint64(c.Seen.HLC))
		}
		o.Changes = append(o.Changes, cj)
	}
	return o
}

func personHistory(e *env, args []string) error {
	s, id, err := e.openFor("person history", flag.NewFlagSet("person history", flag.ContinueOnError), args)
	if err != nil {
		return err
	}
	defer s.Close()
	ops, err := s.History(id)
	if err != nil {
		return notFound(err, id)
	}
	if e.jsonOut {
		out := []opJSON{}
		for _, op := range ops {
			out = append(out, opToJSON(op))
		}
		return e.printJSON(out)
	}
	for _, op := range ops {
		fmt.Fprintf(e.stdout, "%s  %s  %s  (%s #%d)", op.HLC.Time().Local().Format("2006-01-02 15:04"), eventWords(e.lang, op.Event), op.Officer, op.Device, op.Seq)
		if op.Reason != "" {
			fmt.Fprintf(e.stdout, "  — %s", op.Reason)
		}
		fmt.Fprintln(e.stdout)
		for _, c := range op.Changes {
			name, was, now := op.FieldName(c), c.Old, c.New
			if op.Kind == storage.KindPerson {
				f := storage.Field(c.Field)
				name, was, now = f.Label(e.lang), storage.DisplayValueIn(e.lang, f, c.Old), storage.DisplayValueIn(e.lang, f, c.New)
			}
			fmt.Fprintf(e.stdout, "    %-28s %q → %q\n", name, was, now)
		}
	}
	return nil
}

func display(f storage.Field, v string) string { return storage.DisplayValue(f, v) }

func communeLabel(code string) string {
	return storage.DisplayValue(storage.FieldCurrentAddressCode, code)
}
