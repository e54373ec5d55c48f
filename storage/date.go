package storage

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/communekit/communekit/storage/fold"
)

// PartialDate is a date that may be known only to the year, or to the month
// and year, as on many older papers. Month and Day are 0 when unknown; a
// known day implies a known month.
type PartialDate struct {
	Year  int
	Month int
	Day   int
}

// IsZero reports whether the date is unset.
func (d PartialDate) IsZero() bool { return d.Year == 0 }

// String is the canonical stored form: "1990", "1990-05" or "1990-05-17".
func (d PartialDate) String() string {
	if d.Year == 0 {
		return ""
	}
	// Without fmt: a district checks every date it receives this way.
	b := make([]byte, 0, 10)
	b = appendPadded(b, d.Year, 4)
	if d.Month != 0 {
		b = appendPadded(append(b, '-'), d.Month, 2)
		if d.Day != 0 {
			b = appendPadded(append(b, '-'), d.Day, 2)
		}
	}
	return string(b)
}

// appendPadded appends n in decimal, zero-padded to width digits.
func appendPadded(b []byte, n, width int) []byte {
	if n < 0 {
		b = append(b, '-')
		n = -n
	}
	var tmp [20]byte
	i := len(tmp)
	for n > 0 || i == len(tmp) {
		i--
		tmp[i] = byte('0' + n%10)
		n /= 10
	}
	for pad := width - (len(tmp) - i); pad > 0; pad-- {
		b = append(b, '0')
	}
	return append(b, tmp[i:]...)
}

// Vietnamese formats the date as officers write it: "17/05/1990", "05/1990"
// or "1990".
func (d PartialDate) Vietnamese() string {
	switch {
	case d.Year == 0:
		return ""
	case d.Month == 0:
		return fmt.Sprintf("%04d", d.Year)
	case d.Day == 0:
		return fmt.Sprintf("%02d/%04d", d.Month, d.Year)
	}
	return fmt.Sprintf("%02d/%02d/%04d", d.Day, d.Month, d.Year)
}

// Earliest returns the first day the date can mean; Latest the last.
func (d PartialDate) Earliest() time.Time {
	m, day := d.Month, d.Day
	if m == 0 {
		m = 1
	}
	if day == 0 {
		day = 1
	}
	return time.Date(d.Year, time.Month(m), day, 0, 0, 0, 0, time.UTC)
}

// Latest returns the last day the date can mean.
func (d PartialDate) Latest() time.Time {
	switch {
	case d.Month == 0:
		return time.Date(d.Year, 12, 31, 0, 0, 0, 0, time.UTC)
	case d.Day == 0:
		return time.Date(d.Year, time.Month(d.Month)+1, 0, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(d.Year, time.Month(d.Month), d.Day, 0, 0, 0, 0, time.UTC)
}

// Before reports whether d certainly lies before e (every day d can mean is
// before every day e can mean).
func (d PartialDate) Before(e PartialDate) bool { return d.Latest().Before(e.Earliest()) }

// ErrDateFormat is wrapped by ParseDate errors.
var ErrDateFormat = fmt.Errorf("unrecognised date")

// ErrDateSerial is a date written as a spreadsheet's day number (31118
// for 12/03/1985); it wraps ErrDateFormat.
var ErrDateSerial = fmt.Errorf("%w: a spreadsheet's day number", ErrDateFormat)

// Forms of a date that ParseDate turns into its numeric forms: a
// spreadsheet's date-and-time cell ("12/03/1985 00:00", "3/12/1985
// 12:00:00 AM"), and the Vietnamese long form of papers ("ngày 12 tháng 3
// năm 1985", "tháng 3 năm 1985", "năm 1985"), read folded.
var (
	dateWithTime = regexp.MustCompile(`^(\S+)\s+\d{1,2}:\d{2}(:\d{2})?(\s*(am|pm|sa|ch))?$`)
	longDay      = regexp.MustCompile(`^(?:ngay\s*)?(\d{1,2})\s*thang\s*(\d{1,2})\s*,?\s*nam\s*(\d{4})$`)
	longMonth    = regexp.MustCompile(`^thang\s*(\d{1,2})\s*,?\s*nam\s*(\d{4})$`)
	longYear     = regexp.MustCompile(`^nam\s*(\d{4})$`)
)

// numericDate reports whether s has only digits and the separators / - .
// (the forms ParseDate reads without spelledDate, and nearly every date).
func numericDate(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && c != '/' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

// spelledDate returns s in a numeric form ParseDate reads when s is one of
// the forms above, else s.
func spelledDate(s string) string {
	f := fold.Fold(s)
	if m := dateWithTime.FindStringSubmatch(f); m != nil {
		return m[1]
	}
	if m := longDay.FindStringSubmatch(f); m != nil {
		return m[1] + "/" + m[2] + "/" + m[3]
	}
	if m := longMonth.FindStringSubmatch(f); m != nil {
		return m[1] + "/" + m[2]
	}
	if m := longYear.FindStringSubmatch(f); m != nil {
		return m[1]
	}
	return s
}

func isDateSep(c byte) bool { return c == '/' || c == '-' || c == '.' }

// ParseDate reads the forms officers and old files use: "dd/mm/yyyy",
// "d/m/yyyy", "dd-mm-yyyy", "dd.mm.yyyy", "mm/yyyy", "yyyy", ISO
// "yyyy-mm-dd" and "yyyy-mm", and the 8-digit "ddmmyyyy" of the CCCD QR code.
// The empty string gives the zero date and no error.
func ParseDate(s string) (PartialDate, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return PartialDate{}, nil
	}
	if len(s) <= 64 && !numericDate(s) {
		s = spelledDate(s)
	}
	if len(s) > 32 {
		return PartialDate{}, fmt.Errorf("%w %q", ErrDateFormat, s[:32]+"…")
	}
	bad := func() (PartialDate, error) { return PartialDate{}, fmt.Errorf("%w %q", ErrDateFormat, s) }
	if len(s) == 5 {
		if n, err := strconv.Atoi(s); err == nil && n >= 10000 {
			// 10000-99999: no year, no ddmmyyyy; what a spreadsheet writes
			// for a date cell formatted as a number (days since 1900).
			return PartialDate{}, fmt.Errorf("%w %q", ErrDateSerial, s)
		}
	}
	// The fields between runs of '/', '-' and '.' (ASCII, so a byte scan
	// splits as strings.FieldsFunc would), without allocating: a date has
	// at most three.
	var partsArr [3]string
	parts := partsArr[:0]
	for i := 0; i < len(s); {
		if isDateSep(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && !isDateSep(s[j]) {
			j++
		}
		if len(parts) == len(partsArr) {
			return bad()
		}
		parts = append(parts, s[i:j])
		i = j
	}
	var numsArr [3]int
	nums := numsArr[:len(parts)]
	for i, p := range parts {
		if len(p) == 0 || len(p) > 4 {
			if !(len(parts) == 1 && len(p) == 8) {
				return bad()
			}
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || strings.ContainsAny(p, "+-") {
			return bad()
		}
		nums[i] = n
	}
	var d PartialDate
	switch len(parts) {
	case 1:
		switch len(parts[0]) {
		case 4:
			d = PartialDate{Year: nums[0]}
		case 8: // ddmmyyyy
			v := nums[0]
			d = PartialDate{Year: v % 10000, Month: (v / 10000) % 100, Day: v / 1000000}
		default:
			return bad()
		}
	case 2:
		switch {
		case len(parts[0]) == 4 && len(parts[1]) <= 2: // yyyy-mm
			d = PartialDate{Year: nums[0], Month: nums[1]}
		case len(parts[1]) == 4 && len(parts[0]) <= 2: // mm/yyyy
			d = PartialDate{Year: nums[1], Month: nums[0]}
		default:
			return bad()
		}
	case 3:
		switch {
		case len(parts[0]) == 4 && len(parts[1]) <= 2 && len(parts[2]) <= 2: // yyyy-mm-dd
			d = PartialDate{Year: nums[0], Month: nums[1], Day: nums[2]}
		case len(parts[2]) == 4 && len(parts[0]) <= 2 && len(parts[1]) <= 2: // dd/mm/yyyy
			d = PartialDate{Year: nums[2], Month: nums[1], Day: nums[0]}
		default:
			return bad()
		}
	default:
		return bad()
	}
	if err := d.check(); err != nil {
		return PartialDate{}, fmt.Errorf("%w %q: %v", ErrDateFormat, s, err)
	}
	return d, nil
}

func (d PartialDate) check() error {
	if d.Year < 1800 || d.Year > 2399 {
		return fmt.Errorf("year %d out of range", d.Year)
	}
	if d.Month < 0 || d.Month > 12 || (d.Month == 0 && d.Day != 0) {
		return fmt.Errorf("month %d out of range", d.Month)
	}
	if d.Day != 0 {
		last := time.Date(d.Year, time.Month(d.Month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
		if d.Day < 1 || d.Day > last {
			return fmt.Errorf("day %d out of range for %02d/%04d", d.Day, d.Month, d.Year)
		}
	}
	return nil
}
