package main

import (
	"log/slog"
	"os"

	"github.com/communekit/communekit/crypto/keyring"
)

// passphrase returns the passphrase from --passphrase-file, then
// COMMUNEKIT_PASSPHRASE, then a prompt on the terminal (asked twice when
// confirm is set). It is never taken from an argument: arguments show in
// process lists and shell history.
func (e *env) passphrase(confirm bool) ([]byte, error) {
	var terminal *os.File
	if e.stdin == os.Stdin {
		terminal = os.Stdin
	}
	return keyring.ReadPassphrase(e.passphraseFile, terminal, e.stderr, "Mật khẩu (passphrase): ", confirm)
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
