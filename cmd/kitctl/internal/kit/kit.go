// Package kit is what kitctl's commands and its two harnesses — the
// district day (package demo) and the benchmarks (package bench) — share:
// the environment a command runs in, the errors that end one, and the
// client that talks to the district nodes a harness starts.
package kit

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/communekit/communekit/storage"
)

// Exit statuses of kitctl.
const (
	ExitOK    = 0
	ExitData  = 1
	ExitUsage = 2
)

// Env is what a command gets: the global flags, the streams, and the
// profile behind them.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	JSON           bool   // --json: print JSON for scripts
	Lang           string // --lang: vi or en
	// Kitctl is the kitctl program the harnesses run as other processes
	// (the running one unless a test says otherwise).
	Kitctl string
	// Parse parses a command's flags and kitctl's global flags in any
	// order, and returns the positional arguments.
	Parse func(fs *flag.FlagSet, args []string) ([]string, error)
	// Open unlocks the profile of --profile.
	Open func() (*storage.Store, error)
	// Passphrase reads the passphrase as kitctl does: --passphrase-file,
	// $COMMUNEKIT_PASSPHRASE, else a prompt (asked twice when confirm).
	Passphrase func(confirm bool) ([]byte, error)
}

// ParseArgs parses a command's flags with e.Parse, or, where a test made
// e without one, with --json besides the command's own.
func (e *Env) ParseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	if e.Parse != nil {
		return e.Parse(fs, args)
	}
	fs.BoolVar(&e.JSON, "json", e.JSON, "print JSON")
	return Interspersed(fs, args)
}

// Interspersed parses fs's flags wherever they stand among the positional
// arguments, which it returns; "--" ends the flags.
func Interspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				var b strings.Builder
				fs.SetOutput(&b)
				fs.PrintDefaults()
				return nil, Usagef("flags of %s:\n%s", fs.Name(), b.String())
			}
			return nil, Usagef("%s: %v", fs.Name(), err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if rest[0] == "--" {
			pos = append(pos, rest[1:]...)
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	return pos, nil
}

// PrintJSON writes v to e.Stdout as indented JSON.
func (e *Env) PrintJSON(v any) error {
	enc := json.NewEncoder(e.Stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// UsageError is a mistake in how kitctl was called.
type UsageError struct{ Msg string }

func (e UsageError) Error() string { return e.Msg }

// Usagef is a UsageError.
func Usagef(format string, a ...any) error { return UsageError{fmt.Sprintf(format, a...)} }

// SilentExit ends a command with a status after it printed its own report.
type SilentExit struct{ Code int }

func (s SilentExit) Error() string { return fmt.Sprintf("exit %d", s.Code) }

// QuietLogger logs warnings and errors only, to stderr.
func QuietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// HumanBytes is n for a person: 812 bytes, 40 KB, 3.2 MB.
func HumanBytes(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d bytes", n)
	case n < 1000*1000:
		return fmt.Sprintf("%d KB", (n+500)/1000)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}

// Round keeps the digits a figure needs: whole numbers from 100, two
// decimals from 1, four below.
func Round(v float64) float64 {
	switch {
	case v >= 100:
		return float64(int64(v + 0.5))
	case v >= 1:
		return float64(int64(v*100+0.5)) / 100
	}
	return float64(int64(v*10000+0.5)) / 10000
}

// ExitCode is the exit status of a command that returned err, having
// written err for a person to stderr where it was not written already.
func ExitCode(err error, stderr io.Writer) int {
	if err == nil {
		return ExitOK
	}
	var se SilentExit
	if errors.As(err, &se) {
		return se.Code
	}
	var ue UsageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "kitctl: %s\n", ue.Msg)
		return ExitUsage
	}
	fmt.Fprintf(stderr, "kitctl: %v\n", err)
	return ExitData
}
