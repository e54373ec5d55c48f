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

// Wrap encrypts secret under passphrase with age's scrypt recipient at the
// given work factor (DefaultWorkFactor when 0).
func Wrap(secret []byte, passphrase []byte, workFactor int) ([]byte, error) {
	if len(passphrase) == 0 {
		return nil, ErrEmptyPassphrase
	}
	if workFactor == 0 {
		workFactor = DefaultWorkFactor
	}
	r, err := age.NewScryptRecipient(string(passphrase))
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

// Unwrap decrypts a secret made by Wrap. A wrong passphrase gives
// ErrWrongPassphrase; a damaged file gives an error wrapping ErrMalformed.
func Unwrap(wrapped []byte, passphrase []byte) ([]byte, error) {
	if len(wrapped) > MaxWrappedSize {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrMalformed, len(wrapped), MaxWrappedSize)
	}
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
