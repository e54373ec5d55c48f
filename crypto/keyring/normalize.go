package keyring

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// A passphrase is the letters the officer typed, not the bytes an input
// method produced for them: Vietnamese input methods (Unikey, the system
// ones, a phone's keyboard) may give "ế" as one code point (NFC) or as "e"
// followed by combining marks (NFD), and may change from one to the other
// between machines or updates. Wrap therefore derives the key from the
// passphrase in Unicode NFC, and Unwrap accepts any form of it.
//
// Secrets wrapped before passphrases were normalised were wrapped under
// the bytes as typed; Unwrap tries those, and the NFD form, when the NFC
// form fails, and [Unlock] says when that was needed so that the caller
// wraps the secret again under the NFC form. A wrong passphrase thus costs
// up to three derivations when it holds letters with marks, one otherwise.

// NFC returns passphrase in Unicode normalisation form C, the form a
// secret is wrapped under.
func NFC(passphrase []byte) []byte { return norm.NFC.Bytes(passphrase) }

// Characters is the length of passphrase as a person counts it: the code
// points of its NFC form ("mật" is 3, however it was typed).
func Characters(passphrase []byte) int { return utf8.RuneCount(NFC(passphrase)) }

// ErrShortPassphrase is returned for a new passphrase shorter than
// MinPassphrase characters.
var ErrShortPassphrase = errors.New("the passphrase is too short")

// CheckNew refuses a new passphrase shorter than MinPassphrase characters
// with an error wrapping ErrShortPassphrase.
func CheckNew(passphrase []byte) error {
	if n := Characters(passphrase); n < MinPassphrase {
		return fmt.Errorf("%w: it has %d characters, at least %d are needed", ErrShortPassphrase, n, MinPassphrase)
	}
	return nil
}

// candidates are the forms of passphrase Unwrap tries, in order: NFC (how
// Wrap wraps), the bytes as typed, NFD (secrets wrapped as typed before
// passphrases were normalised); each once.
func candidates(passphrase []byte) [][]byte {
	out := [][]byte{NFC(passphrase)}
	for _, p := range [][]byte{passphrase, norm.NFD.Bytes(passphrase)} {
		seen := false
		for _, q := range out {
			seen = seen || bytes.Equal(p, q)
		}
		if !seen {
			out = append(out, p)
		}
	}
	return out
}

// MinWorkFactor is the lowest scrypt work factor Wrap accepts: what the
// tests use. Below it a stolen key file gives way to a search of
// passphrases in hours.
const MinWorkFactor = 10

// ErrWorkFactor means a work factor outside [MinWorkFactor, MaxWorkFactor].
var ErrWorkFactor = errors.New("scrypt work factor out of range")

// CheckWorkFactor refuses a work factor outside MinWorkFactor to
// MaxWorkFactor; 0 (the default) is accepted.
func CheckWorkFactor(wf int) error {
	if wf != 0 && (wf < MinWorkFactor || wf > MaxWorkFactor) {
		return fmt.Errorf("%w: %d; it must be from %d to %d (%d by default; each step doubles the time and memory of an unlock)", ErrWorkFactor, wf, MinWorkFactor, MaxWorkFactor, DefaultWorkFactor)
	}
	return nil
}

// WorkFactorEnv is the environment variable that lowers the work factor of
// new profiles, for tests and demos.
const WorkFactorEnv = "COMMUNEKIT_WORK_FACTOR"

// ParseWorkFactor reads a work factor as given in WorkFactorEnv: "" is 0
// (the default); anything but a whole number from MinWorkFactor to
// MaxWorkFactor is refused with a message naming the variable.
func ParseWorkFactor(v string) (int, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	wf, err := strconv.Atoi(v)
	if err == nil {
		err = CheckWorkFactor(wf)
	}
	if err != nil {
		return 0, fmt.Errorf("%s=%q: want a number from %d to %d (unset: %d, the right cost outside tests)", WorkFactorEnv, v, MinWorkFactor, MaxWorkFactor, DefaultWorkFactor)
	}
	return wf, nil
}

// WorkFactorOf reads the work factor a wrapped secret was made with, from
// its scrypt stanza, without the passphrase.
func WorkFactorOf(wrapped []byte) (int, error) {
	for _, line := range strings.SplitN(string(wrapped[:min(len(wrapped), 1024)]), "\n", 8) {
		f := strings.Fields(line)
		if len(f) == 4 && f[0] == "->" && f[1] == "scrypt" {
			wf, err := strconv.Atoi(f[3])
			if err != nil || wf <= 0 || wf > 64 {
				break
			}
			return wf, nil
		}
	}
	return 0, fmt.Errorf("%w: no scrypt stanza", ErrMalformed)
}
