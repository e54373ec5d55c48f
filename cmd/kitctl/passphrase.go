package main

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"golang.org/x/term"
)

// passphrase returns the passphrase from --passphrase-file, then
// COMMUNEKIT_PASSPHRASE, then a prompt on the terminal (asked twice when
// confirm is set). It is never taken from an argument: arguments show in
// process lists and shell history.
func (e *env) passphrase(confirm bool) ([]byte, error) {
	if e.passphraseFile != "" {
		b, err := os.ReadFile(e.passphraseFile)
		if err != nil {
			return nil, fmt.Errorf("reading the passphrase file: %w", err)
		}
		b = bytes.TrimRight(b, "\r\n")
		if len(b) == 0 {
			return nil, fmt.Errorf("the passphrase file %s is empty", e.passphraseFile)
		}
		return b, nil
	}
	if p := os.Getenv("COMMUNEKIT_PASSPHRASE"); p != "" {
		return []byte(p), nil
	}
	fd := int(os.Stdin.Fd())
	if e.stdin != os.Stdin || !term.IsTerminal(fd) {
		return nil, errors.New("no passphrase: set COMMUNEKIT_PASSPHRASE, pass --passphrase-file FILE, or run on a terminal to be asked")
	}
	fmt.Fprint(e.stderr, "Mật khẩu (passphrase): ")
	p, err := term.ReadPassword(fd)
	fmt.Fprintln(e.stderr)
	if err != nil {
		return nil, err
	}
	if len(p) == 0 {
		return nil, errors.New("empty passphrase")
	}
	if confirm {
		fmt.Fprint(e.stderr, "Nhập lại mật khẩu (again): ")
		q, err := term.ReadPassword(fd)
		fmt.Fprintln(e.stderr)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(p, q) {
			return nil, errors.New("the two passphrases differ; nothing was created")
		}
	}
	return p, nil
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
