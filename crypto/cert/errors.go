package cert

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

var (
	// ErrBadSignature means a signature does not verify: the data was
	// altered or damaged, or it was signed by another key than it claims.
	ErrBadSignature = errors.New("bad signature")
	// ErrExpired means a certificate's validity period is over.
	ErrExpired = errors.New("certificate expired")
	// ErrNotYetValid means a certificate's validity period has not begun,
	// usually because a clock is wrong.
	ErrNotYetValid = errors.New("certificate not yet valid")
	// ErrRevoked means the district has revoked the device or the
	// certificate. The error is a [*RevokedError] that says when and why.
	ErrRevoked = errors.New("revoked")
	// ErrWrongDistrict means a certificate or revocation list belongs to a
	// district key other than the one it is checked against.
	ErrWrongDistrict = errors.New("wrong district")
	// ErrMalformed means an encoding, or a field value given to build one,
	// breaks the format's rules: damaged, truncated, too large, of an unknown
	// version, or of another kind (a request where a certificate belongs).
	ErrMalformed = errors.New("malformed")
	// ErrUnknownRole means a role name is not officer, supervisor or admin.
	ErrUnknownRole = errors.New("unknown role")
	// ErrNotCovered means a certificate does not cover the commune a piece
	// of data belongs to.
	ErrNotCovered = errors.New("commune not covered")
	// ErrRollback means a revocation list is older than the one already
	// held, or drops entries the held one has; the held list stays.
	ErrRollback = errors.New("revocation list rollback")
)

// RevokedError says which revocation list entry refuses a certificate.
// errors.Is(err, ErrRevoked) holds for it.
type RevokedError struct {
	Device  string // device ID of the refused certificate
	Officer string
	Serial  uint64
	Node    string // the node ID, for a node certificate
	Entry   Revoked
}

func (e *RevokedError) Error() string {
	if e.Node != "" {
		return fmt.Sprintf("the certificate (%d) of district node %s was revoked by the district on %s%s: nothing it signs or serves is trusted",
			e.Serial, e.Node, day(e.Entry.At), reasonOf(e.Entry))
	}
	what := fmt.Sprintf("device %s (%s)", e.Device, e.Officer)
	if e.Entry.DeviceID == "" {
		what = fmt.Sprintf("certificate %d of device %s (%s)", e.Serial, e.Device, e.Officer)
	}
	return fmt.Sprintf("%s was revoked by the district on %s%s; its data is refused until the device is enrolled again under a new profile",
		what, day(e.Entry.At), reasonOf(e.Entry))
}

func reasonOf(e Revoked) string {
	if e.Reason == "" {
		return ""
	}
	return fmt.Sprintf(" (%s)", e.Reason)
}

func (e *RevokedError) Unwrap() error { return ErrRevoked }

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

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

func minute(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

func uitoa(v uint64) string { return strconv.FormatUint(v, 10) }
