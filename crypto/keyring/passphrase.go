package keyring

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// ReadPassphrase returns a passphrase from file if one is named, else from
// the COMMUNEKIT_PASSPHRASE environment variable, else by asking on
// terminal (nil: no terminal to ask on) with prompt written to out — twice
// when confirm is set. It is never taken from a command-line argument:
// MinPassphrase is the shortest passphrase a new profile takes, in
// characters. The passphrase is all that protects a stolen laptop's
// records, or a district's keys (DESIGN.md §4); the app and kitctl both
// refuse shorter ones.
const MinPassphrase = 10

// arguments show in process lists and shell history.
func ReadPassphrase(file string, terminal *os.File, out io.Writer, prompt string, confirm bool) ([]byte, error) {
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
	if p := os.Getenv("COMMUNEKIT_PASSPHRASE"); p != "" {
		return []byte(p), nil
	}
	if terminal == nil || !term.IsTerminal(int(terminal.Fd())) {
		return nil, errors.New("no passphrase: set COMMUNEKIT_PASSPHRASE, pass --passphrase-file FILE, or run on a terminal to be asked")
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
		if !bytes.Equal(p, q) {
			return nil, errors.New("the two passphrases differ; nothing was created")
		}
	}
	return p, nil
}
