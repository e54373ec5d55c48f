package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/communekit/communekit/cmd/kitctl/internal/bench"
	"github.com/communekit/communekit/cmd/kitctl/internal/demo"
	"github.com/communekit/communekit/cmd/kitctl/internal/kit"
	"github.com/communekit/communekit/storage"
)

// Exit statuses.
const (
	exitOK    = kit.ExitOK
	exitData  = kit.ExitData
	exitUsage = kit.ExitUsage
)

// usageError is a mistake in how kitctl was called.
type usageError = kit.UsageError

func usagef(format string, a ...any) error { return kit.Usagef(format, a...) }

// env is what every command gets: the global flags and the streams.
type env struct {
	profile        string
	jsonOut        bool
	passphraseFile string
	lang           string
	stdin          io.Reader
	stdout, stderr io.Writer
}

type command struct {
	name    string
	summary string
	run     func(e *env, args []string) error
}

func commands() []command {
	return []command{
		{"init", "create a commune profile: init --commune CODE --officer NAME", cmdInit},
		{"person", "person add|show|edit|history", cmdPerson},
		{"household", "household add|show|list", cmdHousehold},
		{"search", "search QUERY: names, ID numbers, household numbers, hamlets, birth years", cmdSearch},
		{"import", "import persons FILE.xlsx|FILE.csv [--sheet NAME] [--map \"COLUMN=FIELD\"]... [--dry-run] [--refused-xlsx F]: persons from a spreadsheet", cmdImport},
		{"export", "export persons --xlsx F | --csv F [--hamlet H] [--fields f1,f2] [--status living|dead|missing] [--rule RULE] [--age-from N] [--age-to N] | households --xlsx F [--hamlet H]: lists for Excel", cmdExport},
		{"report", "report stats [--at D] [--from D --to D] [--json | --xlsx F | --pdf F] | quality [--hamlet H] [--json | --xlsx F]: the commune's statistics and data-quality worklist; with a district profile, report stats --node URL [--commune C | --all] | progress --node URL: the district's, from its nodes", cmdReport},
		{"print", "print household NUMBER | hamlet NAME | person PERSON --pdf F [--lang en]: sheets for households and persons to check and sign, as PDF", cmdPrint},
		{"generate", "generate --persons N --seed S [--commune CODE]: a realistic commune as CSV", cmdGenerate},
		{"bench", "bench all | store --persons N | batch | cluster | sync: measure the figures (the README's table)", func(e *env, args []string) error { return bench.Run(e.kit(), args) }},
		{"district", "district init --name NAME | import DIR|FILE... --node URL | export (--device ID | --commune C) --node URL --out DIR | backup --node URL --out FILE | node-cert --id ID --out FILE.node [--host ADDR] | nodes | node-revoke ID --reason R [--node URL] | rotate-batch-key --node URL | dashboard-password --node URL | ca --out FILE.pem: a district profile; batch files to a node; district files for devices; a backup of the district; nodes' credentials; a new batch key; the dashboard's password; the CA browsers trust", cmdDistrictCommand},
		{"enrol", "enrol request|sign|install|revoke|list: offline enrolment of devices", cmdEnrol},
		{"batch", "batch export --out DIR | import FILE|DIR | inspect FILE | status: sealed batches for the district; district files for this device", cmdBatch},
		{"sync", "sync [--node URL] [--timeout 2m]: send pending work to the district node, receive changes", cmdSync},
		{"cluster", "cluster status|join|remove --node URL: the district's nodes", cmdCluster},
		{"demo", "demo [--faults] [--persons N]: a district day with three districtd nodes, four officers and a supervisor; a verdict", func(e *env, args []string) error { return demo.Run(e.kit(), args) }},
		{"conflicts", "conflicts list | show C | resolve C (--choose N | --value V) [--note T]: supervisors' decisions", cmdConflicts},
		{"refused", "refused [list] | dismiss N: changes the district refused, with its reasons, to correct", cmdRefused},
		{"profile", "profile backup --out FILE | restore --in FILE --dir NEW_DIR [--force] | status: the whole profile sealed with its passphrase onto a stick, restored on a new laptop (which becomes a new device); the last backup", cmdProfile},
		{"passphrase", "passphrase [--new-passphrase-file F]: change the profile's passphrase (the new one also from $COMMUNEKIT_NEW_PASSPHRASE, or asked twice)", cmdPassphrase},
	}
}

const globalUsage = `usage: kitctl [--profile DIR] [--json] [--passphrase-file F] [--lang vi|en] COMMAND [ARGS]

Global flags may also follow the command.
  --profile DIR          profile directory (default: $COMMUNEKIT_PROFILE, else the user config dir)
  --json                 print JSON for scripts
  --passphrase-file F    read the passphrase from F (else $COMMUNEKIT_PASSPHRASE, else a prompt)
  --lang vi|en           language of messages (default vi)
  --version              print kitctl's version and exit

Commands:
`

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, lang: "vi"}
	gfs := flag.NewFlagSet("kitctl", flag.ContinueOnError)
	gfs.SetOutput(io.Discard)
	e.globalFlags(gfs)
	showVersion := gfs.Bool("version", false, "print kitctl's version and exit")
	if err := gfs.Parse(args); err != nil {
		return e.fail(usagef("%v", err))
	}
	if *showVersion {
		return e.printVersion()
	}
	rest := gfs.Args()
	if len(rest) == 0 || rest[0] == "help" || rest[0] == "-h" {
		e.usage(stderr)
		if len(rest) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name == rest[0] {
			return e.fail(c.run(e, rest[1:]))
		}
	}
	fmt.Fprintf(stderr, "kitctl: unknown command %q\n", rest[0])
	e.usage(stderr)
	return exitUsage
}

func (e *env) usage(w io.Writer) {
	fmt.Fprint(w, globalUsage)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
}

func (e *env) globalFlags(fs *flag.FlagSet) {
	fs.StringVar(&e.profile, "profile", e.profile, "profile directory")
	fs.BoolVar(&e.jsonOut, "json", e.jsonOut, "print JSON")
	fs.StringVar(&e.passphraseFile, "passphrase-file", e.passphraseFile, "file holding the passphrase")
	fs.StringVar(&e.lang, "lang", e.lang, "language of messages (vi or en)")
}

// fail prints err for a person (or as JSON) and returns the exit status.
func (e *env) fail(err error) int {
	if err == nil {
		return exitOK
	}
	var se silentExit
	if errors.As(err, &se) {
		return se.Code
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(e.stderr, "kitctl: %s\n(run `kitctl help` for usage)\n", ue.Msg)
		return exitUsage
	}
	var probs storage.Problems
	if errors.As(err, &probs) {
		if e.jsonOut {
			out := []map[string]string{}
			for _, p := range probs {
				out = append(out, map[string]string{"field": p.Field.String(), "code": p.Code, "message": p.Message(e.lang)})
			}
			enc := json.NewEncoder(e.stderr)
			enc.SetIndent("", "  ")
			enc.Encode(map[string]any{"error": "invalid", "problems": out})
		}
		fmt.Fprintln(e.stderr, "kitctl: nothing was saved; correct these values:")
		for _, p := range probs {
			// The label first, then the key --set takes.
			fmt.Fprintf(e.stderr, "  %s (%s): %s\n", p.Field.Label(e.lang), p.Field, p.Message(e.lang))
		}
		return exitData
	}
	fmt.Fprintf(e.stderr, "kitctl: %v\n", err)
	return exitData
}

// parse parses a command's flags, which may be mixed with its positional
// arguments (`import persons f.csv --json`), global flags included.
func (e *env) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	e.globalFlags(fs)
	return kit.Interspersed(fs, args)
}

// profileDir returns the profile directory to use.
func (e *env) profileDir() (string, error) {
	if e.profile != "" {
		return e.profile, nil
	}
	if p := os.Getenv("COMMUNEKIT_PROFILE"); p != "" {
		return p, nil
	}
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no --profile given and no user config directory (%v); pass --profile DIR", err)
	}
	return filepath.Join(d, "communekit", "profile"), nil
}

// open unlocks the profile.
func (e *env) open() (*storage.Store, error) {
	dir, err := e.profileDir()
	if err != nil {
		return nil, err
	}
	pass, err := e.passphrase(false)
	if err != nil {
		return nil, err
	}
	s, err := storage.Open(dir, pass, storage.Options{Logger: quietLogger()})
	if errors.Is(err, storage.ErrWrongPassphrase) {
		return nil, fmt.Errorf("%w (check COMMUNEKIT_PASSPHRASE or --passphrase-file)", err)
	}
	if err == nil {
		limitMemory()
		e.noteHandover(s)
	}
	return s, err
}

// openBulk opens the profile for a command that writes many records at
// once: the same, with the memory limit of bulkMemoryLimit.
func (e *env) openBulk() (*storage.Store, error) {
	s, err := e.open()
	if err == nil {
		setMemoryLimit(bulkMemoryLimit)
	}
	return s, err
}

func (e *env) printJSON(v any) error { return e.kit().PrintJSON(v) }

// kit is e for the packages of kitctl's harnesses.
func (e *env) kit() *kit.Env {
	k := &kit.Env{Stdin: e.stdin, Stdout: e.stdout, Stderr: e.stderr, JSON: e.jsonOut, Lang: e.lang,
		Open: e.open, Passphrase: e.passphrase}
	k.Parse = func(fs *flag.FlagSet, args []string) ([]string, error) {
		pos, err := e.parse(fs, args) // global flags may follow the command
		k.JSON, k.Lang = e.jsonOut, e.lang
		return pos, err
	}
	return k
}

// setFlag collects repeated --set field=value flags.
type setFlag []string

func (s *setFlag) String() string     { return strings.Join(*s, ",") }
func (s *setFlag) Set(v string) error { *s = append(*s, v); return nil }

// values turns --set flags into field values, refusing unknown names.
func (s setFlag) values() (storage.Values, error) {
	vals := storage.Values{}
	for _, kv := range s {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, usagef("--set %q: want field=value, e.g. --set occupation=\"Giáo viên\"", kv)
		}
		f, ok := storage.FieldByName(strings.TrimSpace(k))
		if !ok {
			return nil, usagef("--set: unknown field %q; fields are: %s", k, fieldList())
		}
		vals[f] = v
	}
	return vals, nil
}

// save turns --set, --event and --reason into what a save takes.
func (s setFlag) save(event, reason string) (storage.Values, storage.SaveOptions, error) {
	vals, err := s.values()
	if err != nil {
		return nil, storage.SaveOptions{}, err
	}
	ev, ok := storage.EventByName(event)
	if !ok {
		return nil, storage.SaveOptions{}, usagef("--event %q: unknown event", event)
	}
	return vals, storage.SaveOptions{Event: ev, Reason: reason}, nil
}

func fieldList() string {
	var names []string
	for _, f := range storage.Fields() {
		names = append(names, f.String())
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
