package identity

import (
	"encoding/base32"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxNameLen bounds, in bytes of UTF-8, every name a key or a certificate
// carries: district, officer, commune, revocation reason.
const MaxNameLen = 200

// DeviceIDLen is the length of a device ID: 16 lowercase base32 characters,
// 80 bits.
const DeviceIDLen = 16

// DeviceIDEncoding is the alphabet of device IDs. Sixteen characters decode
// to exactly ten bytes, so the binary and text forms map one to one.
var DeviceIDEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// CheckDeviceID reports, wrapping [ErrInvalid], why id is not a device ID.
func CheckDeviceID(id string) error {
	if len(id) != DeviceIDLen {
		return fail(ErrInvalid, "device ID %q has %d characters, want %d", id, len(id), DeviceIDLen)
	}
	if _, err := DeviceIDEncoding.DecodeString(id); err != nil {
		return fail(ErrInvalid, "device ID %q is not lowercase base32", id)
	}
	return nil
}

// CleanName is the form of a typed name that [CheckName] accepts, if any:
// NFC, surrounding space removed.
func CleanName(s string) string {
	return strings.TrimSpace(norm.NFC.String(s))
}

// CheckName reports, wrapping [ErrInvalid], why s is not a name fit to be
// signed: it must be non-empty valid UTF-8 in NFC, at most [MaxNameLen]
// bytes, with no control characters and no surrounding space. The rules keep
// one spelling per name, so that the same name always signs to the same
// bytes, and keep names safe to print on one line.
func CheckName(what, s string) error {
	switch {
	case s == "":
		return fail(ErrInvalid, "%s is empty", what)
	case len(s) > MaxNameLen:
		return fail(ErrInvalid, "%s is %d bytes, more than %d", what, len(s), MaxNameLen)
	case !utf8.ValidString(s):
		return fail(ErrInvalid, "%s %q is not valid UTF-8", what, s)
	case strings.TrimSpace(s) != s:
		return fail(ErrInvalid, "%s %q has surrounding space", what, s)
	case strings.ContainsFunc(s, unicode.IsControl):
		return fail(ErrInvalid, "%s %q contains a control character", what, s)
	case !norm.NFC.IsNormalString(s):
		return fail(ErrInvalid, "%s %q is not in Unicode NFC form", what, s)
	}
	return nil
}
