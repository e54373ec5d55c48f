// Command kitctl is the command line for everything headless in
// communekit: setting up a commune profile, importing, searching, showing
// and correcting records, generating demo communes and running benchmarks.
//
// Exit status: 0 success, 1 wrong input or data (the message says what to
// do), 2 usage. Every command prints for people by default and JSON with
// --json. Passphrases come from COMMUNEKIT_PASSPHRASE, --passphrase-file or
// a prompt on a terminal, never from an argument.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
