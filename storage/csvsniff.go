package storage

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// sniffWindow is how much of an import file is looked at before the first
// row is read: the header row and enough rows to tell the encoding.
const sniffWindow = 64 << 10

// sniffCSV prepares an import file the way spreadsheets write it, so that
// what an officer saves from Excel imports as it is or is refused with what
// to do, never as rows of garbled names:
//   - a UTF-8 byte-order mark is skipped;
//   - UTF-16 with a byte-order mark (Excel's "Unicode Text") is decoded;
//   - the delimiter is the one the header row is written with: a comma,
//     a semicolon (Excel where the decimal mark is a comma, as in
//     Vietnamese) or a tab (Excel's "Unicode Text");
//   - text that is not UTF-8 in the first 64 KB (Excel's plain "CSV" on
//     Vietnamese Windows is in the Windows-1258 code page) refuses the
//     whole file before anything is saved, saying how to save it again.
//
// Invalid UTF-8 further into the file is left to the row checks, which
// reject that row alone.
func sniffCSV(r io.Reader) (io.Reader, rune, error) {
	br := bufio.NewReaderSize(r, sniffWindow)
	head, _ := br.Peek(3)
	var src io.Reader = br
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		dec := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
		src = bufio.NewReaderSize(transform.NewReader(br, dec), sniffWindow)
	}
	sr := src.(*bufio.Reader)
	win, err := sr.Peek(sniffWindow)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, 0, fmt.Errorf("%w: %v", ErrBadCSV, err)
	}
	// Judge whole lines only: the window may end inside a character. A
	// window without a line break (a file whose rows are not separated
	// by line breaks, which the reading refuses as too long) is judged to
	// its last whole character.
	if err != io.EOF {
		if i := bytes.LastIndexByte(win, '\n'); i >= 0 {
			win = win[:i+1]
		} else {
			win = win[:len(win)-partialRuneAtEnd(win)]
		}
	}
	if !utf8.Valid(win) {
		line := 1 + bytes.Count(win[:invalidAt(win)], []byte{'\n'})
		return nil, 0, fmt.Errorf("%w: the file is not UTF-8 text (line %d): a spreadsheet saved it in another character set, such as Excel's \"CSV (Comma delimited)\" on Vietnamese Windows (code page 1258); "+
			"save it again as \"CSV UTF-8 (Comma delimited)\" in Excel, or as \"Text CSV\" with the character set \"Unicode (UTF-8)\" in LibreOffice; nothing was imported", ErrBadCSV, line)
	}
	return sr, headerDelimiter(string(win)), nil
}

// partialRuneAtEnd is the length of the UTF-8 character b ends in the
// middle of (0 when b ends with a whole one).
func partialRuneAtEnd(b []byte) int {
	for k := 1; k < utf8.UTFMax && k <= len(b); k++ {
		if utf8.RuneStart(b[len(b)-k]) {
			if !utf8.FullRune(b[len(b)-k:]) {
				return k
			}
			return 0
		}
	}
	return 0
}

// invalidAt is the offset of the first byte of b that is not valid UTF-8.
func invalidAt(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// headerDelimiter picks, of comma, semicolon and tab, the one that splits
// a line of the first ones (the header row, maybe under a title) into the
// most known headings (a comma on a tie).
func headerDelimiter(head string) rune {
	lines := strings.SplitN(head, "\n", headerLook+1)
	if len(lines) > headerLook {
		lines = lines[:headerLook]
	}
	best, bestKnown := ',', -1
	for _, d := range []rune{',', ';', '\t'} {
		known := 0
		for _, line := range lines {
			n := 0
			for _, name := range strings.Split(line, string(d)) {
				name = strings.Trim(strings.TrimSpace(name), `"`)
				if _, skip, ok := FieldByHeader(name); ok && !skip {
					n++
				}
			}
			known = max(known, n)
		}
		if known > bestKnown {
			best, bestKnown = d, known
		}
	}
	return best
}
