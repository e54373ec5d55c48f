package report

import (
	"io"
	"strings"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/office"
)

// RefusedBook gathers the refused rows of an import into a workbook: the
// file's columns as they were, then the row's line in the file and what
// to fix. The import skips those two columns, so the corrected file
// imports as it is. Give Header and Row to storage.ImportOptions'
// OnHeader and OnRefused; kitctl's --refused-xlsx and the app's import
// screen both write it.
type RefusedBook struct {
	lang  string
	wb    *office.Workbook
	width int
	rows  int
}

// NewRefusedBook returns an empty book whose headings are in lang.
func NewRefusedBook(lang string) *RefusedBook { return &RefusedBook{lang: lang} }

// Header starts the sheet with the file's headings (ImportOptions.OnHeader).
func (r *RefusedBook) Header(cols []storage.ImportColumn) {
	if r.wb != nil {
		r.wb.Close()
	}
	r.wb, r.width, r.rows = office.NewWorkbook(), 0, 0
	for _, c := range cols {
		r.width = max(r.width, c.Index+1)
	}
	titles := make([]string, r.width, r.width+2)
	widths := make([]office.Column, r.width, r.width+2)
	for _, c := range cols {
		titles[c.Index] = c.Header
		widths[c.Index] = office.Column{Width: 18}
	}
	titles = append(titles, storage.RefusedLineHeader(r.lang), storage.RefusedFixHeader(r.lang))
	widths = append(widths, office.Column{Width: 10}, office.Column{Width: 80})
	r.wb.Sheet(say(r.lang, "report.refused.sheet"), office.SheetOptions{Columns: widths, FreezeRows: 1})
	r.wb.Header(titles...)
}

// Row adds a refused row (ImportOptions.OnRefused).
func (r *RefusedBook) Row(line int, cells []string, probs []storage.RowError) {
	if r.wb == nil {
		return
	}
	// The file's columns, the line and what to fix, then any cells past
	// the header's last column (which have no heading).
	vals := make([]any, r.width+2, max(r.width, len(cells))+2)
	for i, c := range cells {
		var v any
		if c != "" {
			v = c
		}
		if i < r.width {
			vals[i] = v
		} else {
			vals = append(vals, v)
		}
	}
	var fix []string
	for _, p := range probs {
		fix = append(fix, p.Message)
	}
	vals[r.width], vals[r.width+1] = line, strings.Join(fix, "; ")
	r.wb.Row(vals...)
	r.rows++
}

// Rows is the number of refused rows in the book.
func (r *RefusedBook) Rows() int { return r.rows }

// WriteTo writes the workbook.
func (r *RefusedBook) WriteTo(w io.Writer) (int64, error) {
	if r.wb == nil {
		r.Header(nil)
	}
	return r.wb.WriteTo(w)
}

// Close frees the workbook.
func (r *RefusedBook) Close() {
	if r.wb != nil {
		r.wb.Close()
		r.wb = nil
	}
}
