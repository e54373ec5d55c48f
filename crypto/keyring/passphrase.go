package keyring

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// MinPassphrase is the shortest passphrase a new profile takes, in
// characters ([Characters]). The passphrase is all that protects a stolen
// laptop's records, or a district's keys (crypto/cert/KEYS.md); the app, kitctl
// and a change of passphrase ([CheckNew]) all refuse shorter ones.
const MinPassphrase = 10

// ReadPassphrase returns a passphrase from file if one is named, else from
// the COMMUNEKIT_PASSPHRASE environment variable, else by asking on
// terminal (nil: no terminal to ask on) with prompt written to out — twice
// when confirm is set. It is never taken from a command-line argument:
// arguments show in process lists and shell history.
//
// The passphrase is returned as typed, not normalised: Unwrap needs those
// bytes to open a secret wrapped before passphrases were normalised.
func ReadPassphrase(file string, terminal *os.File, out io.Writer, prompt string, confirm bool) ([]byte, error) {
	return Source{File: file, Flag: "--passphrase-file", Env: "COMMUNEKIT_PASSPHRASE", Prompt: prompt, Confirm: confirm}.Read(terminal, out)
}

// Source says where a passphrase comes from: a file named by a flag, else
// an environment variable, else a prompt on the terminal (twice when
// Confirm is set).
type Source struct {
	File    string // the file named by Flag, or ""
	Flag    string // e.g. "--passphrase-file", for messages
	Env     string // e.g. "COMMUNEKIT_PASSPHRASE"
	What    string // what is asked for, for messages: "passphrase" when ""
	Prompt  string
	Confirm bool
}

// Read reads the passphrase from s, asking on terminal (nil: no terminal
// to ask on) with the prompt written to out.
func (s Source) Read(terminal *os.File, out io.Writer) ([]byte, error) {
	file, prompt, confirm := s.File, s.Prompt, s.Confirm
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("reading the passphrase file: %w", err)
		}
		b = bytes.TrimRight(b, "\r\n")
		if len(b) == 0 {
			return nil, fmt.Errorf("the passphrase file %s is empty", file)
		}
		return b, nil
	}
	if p := os.Getenv(s.Env); p != "" {
		return []byte(p), nil
	}
	if terminal == nil || !term.IsTerminal(int(terminal.Fd())) {
		what := s.What
		if what == "" {
			what = "passphrase"
		}
		return nil, fmt.Errorf("no %s: set %s, pass %s FILE, or run on a terminal to be asked", what, s.Env, s.Flag)
	}
	ask := func(prompt string) ([]byte, error) {
		fmt.Fprint(out, prompt)
		p, err := term.ReadPassword(int(terminal.Fd()))
		fmt.Fprintln(out)
		return p, err
	}
	p, err := ask(prompt)
	if err != nil {
		return nil, err
	}
	if len(p) == 0 {
		return nil, errors.New("empty passphrase")
	}
	if confirm {
		q, err := ask("Nhập lại mật khẩu (again): ")
		if err != nil {
			return nil, err
		}
		// Compared as letters: the same input method may compose one
		// typing and not the other.
		if !bytes.Equal(NFC(p), NFC(q)) {
			return nil, errors.New("the two passphrases differ; nothing was created or changed")
		}
	}
	return p, nil
}
