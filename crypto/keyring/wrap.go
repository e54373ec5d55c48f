package keyring

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
)

// DefaultWorkFactor is the scrypt work factor (log2 N) used to wrap secrets.
const DefaultWorkFactor = 18

// MaxWorkFactor is the highest work factor Unwrap accepts.
const MaxWorkFactor = 22

// MaxWrappedSize bounds a wrapped secret: keys are tens of bytes.
const MaxWrappedSize = 64 << 10

var (
	// ErrWrongPassphrase means the passphrase does not open the secret.
	ErrWrongPassphrase = errors.New("wrong passphrase")
	// ErrEmptyPassphrase is returned when asked to wrap under "".
	ErrEmptyPassphrase = errors.New("empty passphrase")
	// ErrMalformed means the wrapped secret is not an age scrypt file.
	ErrMalformed = errors.New("wrapped secret is damaged or not a communekit key file")
)

// Wrap encrypts secret under passphrase, in Unicode NFC, with age's scrypt
// recipient at the given work factor (DefaultWorkFactor when 0; one
// outside MinWorkFactor to MaxWorkFactor is refused with ErrWorkFactor).
func Wrap(secret []byte, passphrase []byte, workFactor int) ([]byte, error) {
	if len(passphrase) == 0 {
		return nil, ErrEmptyPassphrase
	}
	if err := CheckWorkFactor(workFactor); err != nil {
		return nil, err
	}
	if workFactor == 0 {
		workFactor = DefaultWorkFactor
	}
	r, err := age.NewScryptRecipient(string(NFC(passphrase)))
	if err != nil {
		return nil, err
	}
	r.SetWorkFactor(workFactor)
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, r)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(secret); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Unwrap decrypts a secret made by Wrap, with the passphrase in whichever
// Unicode form it was typed. A wrong passphrase gives ErrWrongPassphrase;
// a damaged file gives an error wrapping ErrMalformed.
func Unwrap(wrapped []byte, passphrase []byte) ([]byte, error) {
	secret, _, err := Unlock(wrapped, passphrase)
	return secret, err
}

// Unlock is Unwrap that also reports whether the secret should be wrapped
// again: rewrap is true when the NFC form of the passphrase did not open
// it but another form did (a secret wrapped as typed, before passphrases
// were normalised). Wrapping it again with Wrap makes every form of the
// passphrase open it at the cost of one derivation.
func Unlock(wrapped []byte, passphrase []byte) (secret []byte, rewrap bool, err error) {
	if len(wrapped) > MaxWrappedSize {
		return nil, false, fmt.Errorf("%w: %d bytes, more than %d", ErrMalformed, len(wrapped), MaxWrappedSize)
	}
	for i, p := range candidates(passphrase) {
		secret, err = unwrap(wrapped, p)
		if !errors.Is(err, ErrWrongPassphrase) {
			return secret, err == nil && i > 0, err
		}
	}
	return nil, false, err
}

// unwrap decrypts wrapped under exactly the bytes of passphrase.
func unwrap(wrapped []byte, passphrase []byte) ([]byte, error) {
	id, err := age.NewScryptIdentity(string(passphrase))
	if err != nil {
		return nil, ErrWrongPassphrase
	}
	id.SetMaxWorkFactor(MaxWorkFactor)
	r, err := age.Decrypt(bytes.NewReader(wrapped), id)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			// age reports a scrypt stanza whose MAC fails under this
			// passphrase as "no identity matched".
			return nil, ErrWrongPassphrase
		}
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	secret, err := io.ReadAll(io.LimitReader(r, MaxWrappedSize))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return secret, nil
}
