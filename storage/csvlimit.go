package storage

import (
	"fmt"
	"io"
)

// recordLimiter passes CSV text through unchanged while following its
// records the way encoding/csv frames them, and refuses a record longer
// than limit bytes before the bytes past the limit are read: encoding/csv
// buffers a whole record (a whole line, then a quoted field across lines)
// before returning it, so a quote never closed in a large file would
// otherwise have it hold the rest of the file as one field.
//
// A record's length is its bytes up to, not including, the '\n' that ends
// it (the '\r' of a "\r\n" counts). The framing is encoding/csv's with LazyQuotes off:
//   - a line break outside quotes ends the record (an empty line is a
//     record of nothing, which encoding/csv skips);
//   - a field that begins with a quote is quoted: inside it a doubled
//     quote is a quote and line breaks are part of the field; it closes
//     at a quote followed by the delimiter or a line break;
//   - a quote inside an unquoted field, or a closing quote followed by
//     anything else, is an error for encoding/csv, which drops the rest of
//     that line: the record ends at the next line break.
//
// The delimiter is one byte (comma, semicolon or tab) and, like the quote
// and the line break, is never part of a UTF-8 multi-byte character, so
// following the bytes follows the characters.
type recordLimiter struct {
	r     io.Reader
	delim byte
	limit int

	state     csvState
	size      int // bytes of the current record so far
	lines     int // line breaks read so far
	start     int // line the current record begins on
	quoteLine int // line the current quoted field begins on
	err       error
}

type csvState uint8

const (
	csvFieldStart csvState = iota // at the start of a field, or of a record
	csvUnquoted                   // in a field that did not begin with a quote
	csvQuoted                     // in a quoted field
	csvQuoteSeen                  // after a quote in a quoted field: closing it, or the first of ""
	csvBadLine                    // after a misplaced quote: the rest of the line is dropped
)

// longRecordError is what recordLimiter returns once a record is longer
// than its limit; ImportPersons turns it into the officer's message.
type longRecordError struct {
	Line      int // line the record begins on
	QuoteLine int // line of the quote left open, when in quotes
	InQuotes  bool
	Limit     int
}

func (e *longRecordError) Error() string {
	if e.InQuotes {
		return fmt.Sprintf("the record from line %d is longer than %d bytes, in a quoted field opened on line %d", e.Line, e.Limit, e.QuoteLine)
	}
	return fmt.Sprintf("the record from line %d is longer than %d bytes", e.Line, e.Limit)
}

func newRecordLimiter(r io.Reader, delim rune, limit int) *recordLimiter {
	if delim <= 0 || delim >= 0x80 || delim == '"' || delim == '\n' || delim == '\r' {
		panic(fmt.Sprintf("recordLimiter: delimiter %q is not one ASCII byte", delim))
	}
	return &recordLimiter{r: r, delim: byte(delim), limit: limit, start: 1}
}

// Read reads from the underlying reader and returns the bytes up to the
// one that would make a record longer than the limit, with a
// *longRecordError; every later Read returns that error again.
func (l *recordLimiter) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	if k := l.scan(p[:n]); k < n {
		l.err = &longRecordError{Line: l.start, QuoteLine: l.quoteLine, Limit: l.limit,
			InQuotes: l.state == csvQuoted || l.state == csvQuoteSeen}
		return k, l.err
	}
	return n, err
}

// scan follows b through the records and returns len(b), or the offset of
// the first byte past the limit.
func (l *recordLimiter) scan(b []byte) int {
	for i, c := range b {
		if c == '\n' && l.state != csvQuoted {
			// The end of the record (a line break after a closing quote too:
			// csvQuoteSeen).
			l.lines++
			l.state, l.size, l.start = csvFieldStart, 0, l.lines+1
			continue
		}
		if l.size >= l.limit {
			return i
		}
		l.size++
		switch l.state {
		case csvFieldStart:
			switch c {
			case '"':
				l.state, l.quoteLine = csvQuoted, l.lines+1
			case l.delim:
			default:
				l.state = csvUnquoted
			}
		case csvUnquoted:
			switch c {
			case '"':
				l.state = csvBadLine
			case l.delim:
				l.state = csvFieldStart
			}
		case csvQuoted:
			switch c {
			case '"':
				l.state = csvQuoteSeen
			case '\n':
				l.lines++
			}
		case csvQuoteSeen:
			switch c {
			case '"':
				l.state = csvQuoted
			case l.delim:
				l.state = csvFieldStart
			default:
				l.state = csvBadLine
			}
		}
	}
	return len(b)
}
