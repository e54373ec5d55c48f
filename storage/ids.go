package storage

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"strconv"
	"strings"
)

// DeviceID identifies one install of the app or one kitctl profile: 16
// lowercase base32 characters (80 random bits), made once at init.
type DeviceID string

var lowerBase32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewDeviceID returns a fresh random device ID.
func NewDeviceID() DeviceID {
	var b [10]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return DeviceID(lowerBase32.EncodeToString(b[:]))
}

// Tag is the short form of the device ID used inside record identifiers.
func (d DeviceID) Tag() string {
	if len(d) < 8 {
		return string(d)
	}
	return string(d[:8])
}

// Valid reports whether d has the form NewDeviceID makes.
func (d DeviceID) Valid() bool {
	if len(d) != 16 {
		return false
	}
	_, err := lowerBase32.DecodeString(string(d))
	return err == nil
}

// ID identifies a person or a household. It is the tag of the device that
// created the record and that device's counter ("k3m9q2ab-1742"): stable for
// life, unique without coordination, short, and — because one device makes
// its identifiers in sequence — cheap to delta-encode in batches, which a
// random UUID per record would not be.
type ID struct {
	Origin string // device tag, 8 base32 characters
	N      uint64 // the origin device's counter, from 1
}

// String formats the ID as "origin-n".
func (id ID) String() string {
	if id.IsZero() {
		return ""
	}
	return id.Origin + "-" + strconv.FormatUint(id.N, 10)
}

// IsZero reports whether id is the zero ID.
func (id ID) IsZero() bool { return id.Origin == "" && id.N == 0 }

// ParseID parses the form String makes.
func ParseID(s string) (ID, error) {
	s = strings.TrimSpace(s)
	i := strings.LastIndexByte(s, '-')
	if i != 8 {
		return ID{}, fmt.Errorf("malformed identifier %q: want the form abcd2345-17", s)
	}
	origin := s[:i]
	if _, err := lowerBase32.DecodeString(origin); err != nil {
		return ID{}, fmt.Errorf("malformed identifier %q: bad device tag", s)
	}
	n, err := strconv.ParseUint(s[i+1:], 10, 64)
	if err != nil || n == 0 {
		return ID{}, fmt.Errorf("malformed identifier %q: bad number", s)
	}
	return ID{Origin: origin, N: n}, nil
}

// MarshalText implements encoding.TextMarshaler.
func (id ID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (id *ID) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*id = ID{}
		return nil
	}
	v, err := ParseID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}
