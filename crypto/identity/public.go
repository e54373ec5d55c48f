package identity

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"strings"
)

// Text form prefixes, with the format version.
const (
	devicePublicPrefix   = "communekit-device-v1"
	districtPublicPrefix = "communekit-district-v1"
)

// maxPublicText bounds a public key text before it is split: a name of
// MaxNameLen bytes in base64 and two keys fit well within it.
const maxPublicText = 1024

var b64 = base64.RawURLEncoding.Strict()

// MarshalText returns the one-line form
// "communekit-device-v1 <id> <age1…> <ed25519-b64url>".
func (p DevicePublic) MarshalText() ([]byte, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	return fmt.Appendf(nil, "%s %s %s %s", devicePublicPrefix, p.ID, p.AgeRecipient, b64.EncodeToString(p.SignKey)), nil
}

// UnmarshalText parses the form MarshalText makes, with any surrounding
// white space. Anything else is an error wrapping [ErrMalformed].
func (p *DevicePublic) UnmarshalText(b []byte) error {
	f, err := splitPublic(b, devicePublicPrefix, "device")
	if err != nil {
		return err
	}
	k, err := decodeSignKey(f[2], "device")
	if err != nil {
		return err
	}
	q := DevicePublic{ID: f[0], AgeRecipient: f[1], SignKey: k}
	if err := q.Check(); err != nil {
		return fail(ErrMalformed, "public device key: %v", err)
	}
	*p = q
	return nil
}

// MarshalText returns the one-line form
// "communekit-district-v1 <name-b64url> <age1…> <ed25519-b64url>". The name is
// base64url-encoded so that the line has no spaces but its separators.
func (p DistrictPublic) MarshalText() ([]byte, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	return fmt.Appendf(nil, "%s %s %s %s", districtPublicPrefix, b64.EncodeToString([]byte(p.Name)), p.AgeRecipient, b64.EncodeToString(p.SignKey)), nil
}

// UnmarshalText parses the form MarshalText makes, with any surrounding
// white space, and derives KeyID from the keys. Anything else is an error
// wrapping [ErrMalformed].
func (p *DistrictPublic) UnmarshalText(b []byte) error {
	f, err := splitPublic(b, districtPublicPrefix, "district")
	if err != nil {
		return err
	}
	name, err := b64.DecodeString(f[0])
	if err != nil {
		return fail(ErrMalformed, "public district key: name %q is not base64url", f[0])
	}
	k, err := decodeSignKey(f[2], "district")
	if err != nil {
		return err
	}
	q := DistrictPublic{Name: string(name), KeyID: KeyID(f[1], k), AgeRecipient: f[1], SignKey: k}
	if err := q.Check(); err != nil {
		return fail(ErrMalformed, "public district key: %v", err)
	}
	*p = q
	return nil
}

// splitPublic returns the three fields after prefix, insisting on single
// spaces between them so that each key has one text form.
func splitPublic(b []byte, prefix, kind string) ([]string, error) {
	if len(b) > maxPublicText {
		return nil, fail(ErrMalformed, "public %s key text is %d bytes, more than %d", kind, len(b), maxPublicText)
	}
	s := string(bytes.TrimSpace(b))
	// base64 decoding skips line breaks; refusing them, and anything else
	// outside the alphabet of the fields, keeps one text per key.
	if i := strings.IndexFunc(s, notKeyText); i >= 0 {
		return nil, fail(ErrMalformed, "public %s key text has %q at character %d; copy it again", kind, s[i:i+1], i+1)
	}
	f := strings.Split(s, " ")
	if len(f) == 0 || f[0] != prefix {
		got, _, _ := strings.Cut(s, " ")
		if len(got) > 40 {
			got = got[:40] + "…"
		}
		return nil, fail(ErrMalformed, "public %s key text starts with %q, want %q", kind, got, prefix)
	}
	if len(f) != 4 {
		return nil, fail(ErrMalformed, "public %s key text has %d fields separated by single spaces, want 4", kind, len(f))
	}
	return f[1:], nil
}

func decodeSignKey(s, kind string) (ed25519.PublicKey, error) {
	k, err := b64.DecodeString(s)
	if err != nil || len(k) != ed25519.PublicKeySize {
		return nil, fail(ErrMalformed, "public %s key: signing key %q is not 32 bytes of base64url", kind, s)
	}
	return k, nil
}

func notKeyText(r rune) bool {
	return !('A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-' || r == '_' || r == ' ')
}
