package identity

import (
	"errors"
	"fmt"
)

var (
	// ErrInvalid means a value given to build a key does not fit its rules:
	// a device ID that is not 16 lowercase base32 characters, or a name that
	// is empty, too long or not clean text.
	ErrInvalid = errors.New("invalid identity value")
	// ErrMalformed means a key file or a public key text is damaged, of an
	// unknown version, or of the wrong kind (a district key where a device
	// key was expected).
	ErrMalformed = errors.New("malformed key")
)

// failure is an error whose message is written for the person who must act
// on it, and which matches its sentinel with errors.Is.
type failure struct {
	kind error
	msg  string
}

func (e *failure) Error() string { return e.msg }
func (e *failure) Unwrap() error { return e.kind }

func fail(kind error, format string, args ...any) error {
	return &failure{kind: kind, msg: fmt.Sprintf(format, args...)}
}
