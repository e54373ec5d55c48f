package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/communekit/communekit/cmd/kitctl/internal/kit"
	"github.com/communekit/communekit/crypto/keyring"
	"github.com/communekit/communekit/storage"
)

// passphrase returns the passphrase from --passphrase-file, then
// COMMUNEKIT_PASSPHRASE, then a prompt on the terminal (asked twice when
// confirm is set). It is never taken from an argument: arguments show in
// process lists and shell history.
func (e *env) passphrase(confirm bool) ([]byte, error) {
	return keyring.ReadPassphrase(e.passphraseFile, e.terminal(), e.stderr, "Mật khẩu (passphrase): ", confirm)
}

// terminal is the terminal to ask a passphrase on: stdin when it is the
// process's own (tests give a reader).
func (e *env) terminal() *os.File {
	if e.stdin == os.Stdin {
		return os.Stdin
	}
	return nil
}

// checkNew refuses a passphrase too short for a profile, counted in
// letters however they were typed.
func checkNew(pass []byte, what string) error {
	if n := keyring.Characters(pass); n < keyring.MinPassphrase {
		return fmt.Errorf("%s has %d characters; a profile needs at least %d, since it is all that protects the records if the computer is stolen: choose a longer one, for example a few words", what, n, keyring.MinPassphrase)
	}
	return nil
}

// cmdPassphrase is `kitctl passphrase`: the profile's key wrapped under a
// new passphrase. The current one comes as for every command; the new one
// from --new-passphrase-file, COMMUNEKIT_NEW_PASSPHRASE or a prompt (twice).
func cmdPassphrase(e *env, args []string) error {
	fs := flag.NewFlagSet("passphrase", flag.ContinueOnError)
	newFile := fs.String("new-passphrase-file", "", "read the new passphrase from this file (else $COMMUNEKIT_NEW_PASSPHRASE, else a prompt, twice)")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("passphrase takes no arguments: the new passphrase comes from --new-passphrase-file F, COMMUNEKIT_NEW_PASSPHRASE or a prompt, never from the command line")
	}
	dir, err := e.profileDir()
	if err != nil {
		return err
	}
	// Before asking anything: no profile, nothing to ask for.
	kind, err := storage.ProfileKind(dir)
	if err != nil {
		return err
	}
	old, err := keyring.ReadPassphrase(e.passphraseFile, e.terminal(), e.stderr, "Mật khẩu hiện tại (current passphrase): ", false)
	if err != nil {
		return err
	}
	src := keyring.Source{File: *newFile, Flag: "--new-passphrase-file", Env: "COMMUNEKIT_NEW_PASSPHRASE", What: "new passphrase",
		Prompt: "Mật khẩu mới (new passphrase): ", Confirm: true}
	pass, err := src.Read(e.terminal(), e.stderr)
	if err != nil {
		return err
	}
	if err := checkNew(pass, "the new passphrase"); err != nil {
		return err
	}
	err = storage.ChangePassphrase(dir, old, pass)
	if errors.Is(err, storage.ErrWrongPassphrase) {
		return fmt.Errorf("the current passphrase is wrong: nothing was changed (check COMMUNEKIT_PASSPHRASE or --passphrase-file)")
	}
	if err != nil {
		return err
	}
	if e.jsonOut {
		return e.printJSON(map[string]any{"profile": dir, "kind": kind, "changed": true})
	}
	fmt.Fprintf(e.stdout, "The passphrase of the %s profile in %s is changed: unlock it with the new one from now on.\n", kind, dir)
	fmt.Fprintln(e.stdout, "Copies of the profile made before (backups) still open with the old passphrase.")
	if kind == storage.KindDistrict {
		fmt.Fprintln(e.stdout, "Each district node's store is wrapped under the district's passphrase too: stop the node, run `kitctl --profile NODE-DIR/store passphrase` with the same passphrases, and start it again with the new one.")
	}
	return nil
}

var quietLogger = kit.QuietLogger
