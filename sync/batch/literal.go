package batch

import (
	"encoding/binary"
	"strconv"
	"time"
)

// Literals. Most values are text and are written as their UTF-8 bytes and
// a terminator. Two shapes dominate a population register and compress
// badly as text, so they are packed: a date ("1971-12-22", "1950-03",
// "1950") as a day, month or year number, and a long string of digits (ID
// and phone numbers) as a binary number of fixed width. A packed literal
// starts with a byte that never occurs in UTF-8, so the two forms cannot be
// confused, and it has no terminator. The encoder packs every value of
// those shapes and only those, so the encoding stays canonical.
const (
	packDigits = 0xfb // then the digit count, then the number in digitWidth bytes, big-endian
	packYear   = 0xfc // then the year, 2 bytes
	packMonth  = 0xfd // then months since dateEpoch, 2 bytes
	packDay    = 0xfe // then days since dateEpoch, 2 bytes
)

const (
	minPackDigits = 6
	maxPackDigits = 19 // fits a uint64
)

// dateEpoch is day 0 of a packed date; two bytes of days reach 2049.
var dateEpoch = time.Date(1870, 1, 1, 0, 0, 0, 0, time.UTC)

// digitWidth is the bytes needed for any number of n digits.
var digitWidth = func() [maxPackDigits + 1]int {
	var w [maxPackDigits + 1]int
	max := uint64(1)
	for n := 1; n <= maxPackDigits; n++ {
		max *= 10
		for k := 1; k <= 8; k++ {
			if (max-1)>>(8*k) == 0 {
				w[n] = k
				break
			}
		}
	}
	return w
}()

func appendLiteral(b []byte, s string) []byte {
	if p, ok := packDate(b, s); ok {
		return p
	}
	if n := len(s); n >= minPackDigits && n <= maxPackDigits && allDigits(s) {
		v, _ := strconv.ParseUint(s, 10, 64)
		b = append(b, packDigits, byte(n))
		var be [8]byte
		binary.BigEndian.PutUint64(be[:], v)
		return append(b, be[8-digitWidth[n]:]...)
	}
	return append(append(b, s...), terminator)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func packDate(b []byte, s string) ([]byte, bool) {
	if !(len(s) == 4 || len(s) == 7 && s[4] == '-' || len(s) == 10 && s[4] == '-' && s[7] == '-') {
		return nil, false
	}
	if !allDigits(s[:4]) || len(s) >= 7 && !allDigits(s[5:7]) || len(s) == 10 && !allDigits(s[8:]) {
		return nil, false
	}
	y, _ := strconv.Atoi(s[:4])
	var kind byte
	var n int
	switch len(s) {
	case 4:
		kind, n = packYear, y
	case 7:
		m, _ := strconv.Atoi(s[5:7])
		if m < 1 || m > 12 {
			return nil, false
		}
		kind, n = packMonth, (y-dateEpoch.Year())*12+m-1
	case 10:
		m, _ := strconv.Atoi(s[5:7])
		d, _ := strconv.Atoi(s[8:])
		t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
		if t.Year() != y || int(t.Month()) != m || t.Day() != d {
			return nil, false // not a calendar date: keep the text
		}
		kind, n = packDay, int(t.Sub(dateEpoch)/(24*time.Hour))
	}
	if n < 0 || n > 0xffff {
		return nil, false
	}
	return append(b, kind, byte(n>>8), byte(n)), true
}

// unpack reads a packed literal whose marker has been read; the caller
// checks that re-encoding gives the same bytes.
func unpack(kind byte, d *opsDecoder) string {
	switch kind {
	case packDigits:
		n := int(d.byte1("packed number"))
		if d.err != nil {
			return ""
		}
		if n < minPackDigits || n > maxPackDigits {
			d.fail("packed number of %d digits", n)
			return ""
		}
		var be [8]byte
		copy(be[8-digitWidth[n]:], d.bytes(uint64(digitWidth[n]), "packed number"))
		s := strconv.FormatUint(binary.BigEndian.Uint64(be[:]), 10)
		if len(s) > n {
			d.fail("packed number %s has more than %d digits", s, n)
			return ""
		}
		return zeros[:n-len(s)] + s
	}
	v := d.bytes(2, "packed date")
	if d.err != nil {
		return ""
	}
	n := int(v[0])<<8 | int(v[1])
	switch kind {
	case packYear:
		return pad4(n)
	case packMonth:
		y := dateEpoch.Year() + n/12
		return pad4(y) + "-" + pad2(n%12+1)
	}
	t := dateEpoch.AddDate(0, 0, n)
	return pad4(t.Year()) + "-" + pad2(int(t.Month())) + "-" + pad2(t.Day())
}

const zeros = "0000000000000000000"

func pad4(n int) string { s := strconv.Itoa(n); return zeros[:max(0, 4-len(s))] + s }
func pad2(n int) string { s := strconv.Itoa(n); return zeros[:max(0, 2-len(s))] + s }
