package paper

import (
	"strconv"
	"time"

	"github.com/communekit/communekit/storage/office"
	"github.com/communekit/communekit/storage/refdata"
)

// Options say how sheets are printed.
type Options struct {
	// Lang is the language of the printed words: "en" for English, else
	// Vietnamese. The records' values are printed as recorded.
	Lang string
	// Commune is the code of the commune the sheets are printed for (the
	// profile's), named at the head of every page.
	Commune string
	// Printed is the day the sheets are printed (default today), at the
	// head of every page and in the document's properties.
	Printed time.Time
}

func (o Options) printed() time.Time {
	if o.Printed.IsZero() {
		return time.Now()
	}
	return o.Printed
}

// Sizes, mm and points. Values are printed at 9.5 points, the help and
// the hints at 8 or more: the sheets are read at arm's length by people
// of every age, and written on with a ballpoint.
const (
	valueSize = 9.5
	labelSize = 8.5
	hintSize  = 8.0
	sigH      = 32.0 // the signatures' block
)

var (
	bold  = office.Style{Size: valueSize, Bold: true}
	plain = office.Style{Size: valueSize}
	hint  = office.Style{Size: hintSize, Grey: true}
	// Lines: the table's rules, the members' separation, the lines to
	// write on.
	rule    = office.Stroke{Width: 0.2, Grey: 120}
	strong  = office.Stroke{Width: 0.45, Grey: 40}
	faint   = office.Stroke{Width: 0.15, Grey: 170}
	writeOn = office.Stroke{Width: 0.35, Grey: 110, Dotted: true}
)

// doc is a document of sheets: its pages, the header's left text (the
// commune and the day printed) and the language of its words.
type doc struct {
	*office.PDF
	left, lang string
}

// newDoc starts a document whose pages the caller starts.
func newDoc(o Options, title string, landscape bool) *doc {
	left := ""
	if c, ok := refdata.Unit(o.Commune); ok {
		left = c.FullName() + " — "
	}
	left += word("printed", o.Lang) + " " + FormDate(dateOf(o.printed()))
	p := office.NewPDF(office.PageSetup{
		Title:      title,
		HeaderLeft: left,
		Page: func(n int, of string) string {
			return word("page", o.Lang) + " " + strconv.Itoa(n) + "/" + of
		},
		Made:      o.printed(),
		Landscape: landscape,
		Deferred:  true,
	})
	return &doc{PDF: p, left: left, lang: o.Lang}
}

// page starts a page whose header's right text is right.
func (d *doc) page(right string) {
	d.SetHeader(d.left, right)
	d.NewPage()
}

// paginate splits rows of the given heights into pages: the first page
// has first mm for rows, the others next mm; the last page must also
// hold tail mm (the signatures) below its rows. A page holds as many rows
// as fit; the rows that would leave the signatures alone on a page go
// with them (the last page has at least one row when there is one). It
// returns the index of each page's first row.
func paginate(heights []float64, first, next, tail float64) []int {
	starts := []int{0}
	n, i, avail := len(heights), 0, first
	for {
		rest := 0.0
		for _, h := range heights[i:] {
			rest += h
		}
		if rest+tail <= avail {
			return starts
		}
		j, used := i, 0.0
		for j < n && used+heights[j] <= avail {
			used += heights[j]
			j++
		}
		if j == n {
			j-- // the signatures need a page: the last row goes with them
		}
		if j <= i {
			j = i + 1 // a row taller than a page: it is drawn alone
		}
		if j >= n {
			// Every row is placed; the signatures go on a page of
			// their own.
			starts = append(starts, n)
			return starts
		}
		starts = append(starts, j)
		i, avail = j, next
	}
}

// signatures draws two signature blocks side by side from y: each a date
// line, a role, the hint to sign and write one's name, room to sign and a
// line to write the name on.
func signatures(p *doc, y float64, left, right, lang string) {
	half := p.Width() / 2
	for i, role := range []string{left, right} {
		x := p.Left() + float64(i)*half
		p.TextAt(x, y+2, half, 5, word("date_line", lang), office.Style{Size: labelSize, Align: 'C'})
		p.TextAt(x, y+7.5, half, 5, role, office.Style{Size: valueSize, Bold: true, Align: 'C'})
		p.TextAt(x, y+12, half, 4, word("sign_hint", lang), office.Style{Size: hintSize, Grey: true, Align: 'C'})
		p.LineAt(x+half/2-35, y+sigH-2, x+half/2+35, y+sigH-2, writeOn)
	}
}

// blankLine draws the dotted line that shows a value is missing, to be
// written in by hand, at the foot of the box x..x+w whose foot is y.
func blankLine(p *doc, x, y, w float64) {
	p.LineAt(x+1.5, y, x+w-1.5, y, writeOn)
}

// cellLines wraps s into at most max lines of a box w mm wide; the last
// line takes the rest of the text, which TextAt cuts with "…".
func cellLines(p *doc, s string, w float64, st office.Style, max int) []string {
	lines := p.Wrap(s, w, st)
	if len(lines) > max {
		last := lines[max-1]
		for _, l := range lines[max:] {
			last += " " + l
		}
		lines = append(lines[:max-1], last)
	}
	return lines
}

// labelValue draws "label: value" in the box at (x, y), w wide: the label
// small and grey, the value bold; a missing value is a dotted line.
func labelValue(p *doc, x, y, w float64, label, value string) {
	ls := office.Style{Size: labelSize, Grey: true}
	lw := p.StringWidth(label+":", ls) + 3
	p.TextAt(x, y, lw, 6, label+":", ls)
	if value == "" {
		blankLine(p, x+lw, y+5, w-lw-4)
		return
	}
	p.TextAt(x+lw-1, y, w-lw+1, 6, value, office.Style{Size: 10.5, Bold: true})
}
