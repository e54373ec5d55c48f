package storage

import (
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/communekit/communekit/storage/fold"
	"github.com/communekit/communekit/storage/refdata"
)

// Draft is a partly filled person form: canonical values by field, ready to
// show the officer for checking before they become an operation.
type Draft map[Field]string

// The QR code on the chip-based citizen identity card holds seven fields
// separated by "|" (DESIGN.md, "The records"):
//
//	ID|old ID|name|ddmmyyyy birth date|sex|address|ddmmyyyy issue date
//
// A USB scanner types it like a keyboard, so it arrives with a trailing CR or
// LF, sometimes a trailing "|", and in whatever normal form the input method
// produces. The old ID is empty on cards of people who never had one.
const qrFields = 7

// ParseCCCDQR reads the text of a citizen identity card QR code into a
// Draft. The address goes, as printed, into permanent_address_detail; if
// it ends with a commune (and district, and province) that the reference data
// resolves to a single unit in force since 2025, permanent_address_code is
// set too.
//
// The error is [Problems]: code "qr_format" (with Field 0) when the text is
// not a QR code of this kind, or the problems with its fields otherwise.
// ParseCCCDQR never panics, whatever the input.
func ParseCCCDQR(s string) (Draft, error) {
	s = strings.TrimSpace(norm.NFC.String(s))
	s = strings.TrimSuffix(s, "|")
	parts := strings.Split(s, "|")
	if len(parts) != qrFields {
		return nil, Problems{*problemQRFormat(len(parts))}
	}
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	id, oldID, name, birth, sex, address, issued := parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], parts[6]

	d := make(Draft)
	var ps Problems
	set := func(f Field, raw string) {
		v, p := Canonicalize(f, raw)
		switch {
		case p != nil:
			ps = append(ps, *p)
		case v != "":
			d[f] = v
		}
	}
	// The QR code writes dates as 8 digits, ddmmyyyy: a shorter run means the
	// scan was cut, and ParseDate would read "1990" as a year.
	setDate := func(f Field, raw string) {
		if raw != "" && (len(raw) != 8 || !allDigits(raw)) {
			ps = append(ps, *problemQRDate(f, raw))
			return
		}
		set(f, raw)
	}
	// Cards that replaced an old 9-digit card before personal ID numbers
	// existed carry that number first.
	if digits := idDigits(id); len(digits) == 9 && allDigits(digits) {
		if oldID == "" {
			oldID = id
		}
		id = ""
	}
	if id == "" && oldID == "" {
		ps = append(ps, *problemRequired(FieldIDNumber))
	}
	set(FieldIDNumber, id)
	set(FieldOldIDNumber, oldID)
	set(FieldFullName, name)
	setDate(FieldBirthDate, birth)
	set(FieldSex, sex)
	set(FieldPermanentAddressDetail, address)
	setDate(FieldIDIssueDate, issued)
	if len(ps) > 0 {
		return nil, ps
	}
	if detail := d[FieldPermanentAddressDetail]; detail != "" {
		if c, ok := resolveAddress(detail); ok {
			if _, now := refdata.Commune2025(c.Code); now {
				d[FieldPermanentAddressCode] = c.Code
			}
		}
	}
	return d, nil
}

func problemQRDate(f Field, s string) *Problem {
	return newProblem(f, 0, "date_format", "problem.qr_date", f, s)
}

func problemQRFormat(n int) *Problem {
	return newProblem(0, 0, "qr_format", "problem.qr_format", n)
}

// resolveAddress finds the administrative unit an address ends with. Before
// 2025 addresses ended "commune, district, province"; since, "commune,
// province". Both forms are tried, the longer first, and a unit is returned
// only when exactly one matches: a wrong unit is worse than none.
func resolveAddress(address string) (refdata.Commune, bool) {
	parts := splitAddress(address)
	n := len(parts)
	if n >= 3 {
		if c, ok := matchUnit(parts[n-3], parts[n-2], parts[n-1]); ok {
			return c, true
		}
	}
	if n >= 2 {
		if c, ok := matchUnit(parts[n-2], "", parts[n-1]); ok {
			return c, true
		}
	}
	return refdata.Commune{}, false
}

// resolvePlace resolves a hometown or birth registration place when the
// whole text names a unit: "Lũng Cú", "Xã Lũng Cú, Hà Giang" or "Lũng Cú,
// Đồng Văn, Hà Giang". Text with more (a hamlet) is kept as written by the
// caller, so that nothing the paper says is lost.
func resolvePlace(s string) (refdata.Commune, bool) {
	parts := splitAddress(s)
	switch len(parts) {
	case 1:
		return matchUnit(parts[0], "", "")
	case 2:
		return matchUnit(parts[0], "", parts[1])
	case 3:
		return matchUnit(parts[0], parts[1], parts[2])
	}
	return refdata.Commune{}, false
}

func splitAddress(s string) []string {
	var parts []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	return parts
}

// matchUnit returns the one unit that [refdata.FindCommunes] finds for
// commune, in district and province when they are given. Units found with
// their diacritics as written are preferred to those found only without, so
// that "Thọ" does not also count "Thổ". Units with the same code in both eras
// count as one: the 2025 units took the code of one of the communes merged
// into them (see [refdata.CurrentUnit]).
func matchUnit(commune, district, province string) (refdata.Commune, bool) {
	if strings.TrimSpace(commune) == "" {
		return refdata.Commune{}, false
	}
	query := commune
	if province != "" {
		if district != "" {
			query += ", " + district
		}
		query += ", " + province
	}
	found := refdata.FindCommunes(query)
	key := fold.Key(commune)
	var exact []refdata.Commune
	for _, c := range found {
		if fold.Key(c.Name) == key || fold.Key(c.Type+" "+c.Name) == key {
			exact = append(exact, c)
		}
	}
	if len(exact) > 0 {
		found = exact
	}
	var unit refdata.Commune
	codes := make(map[string]bool)
	for _, c := range found {
		if !codes[c.Code] {
			codes[c.Code] = true
			unit = c
		}
	}
	return unit, len(codes) == 1
}
