package office

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"github.com/communekit/communekit/assets/fonts"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/unicode/norm"
)

// PDF lays out an A4 document, portrait, in Noto Sans: a header on every
// page (two texts, left and right: what the document is about, and its
// date), the page's number and the count of pages at the foot, and in
// between headings, paragraphs, tables and the population pyramid, each
// below the one before, onto a new page when one is full.
//
// Every text is normalised to NFC before it is drawn (a Vietnamese letter
// typed decomposed, "e" and a combining circumflex and acute, becomes the
// one composed letter the font draws), and a character the font lacks is
// drawn as "?" rather than as nothing.
type PDF struct {
	f      *fpdf.Fpdf
	left   float64 // margin, mm
	width  float64 // between the margins, mm
	bottom float64 // the lowest y a line may reach, mm
	// The header's texts, which [PDF.SetHeader] changes for the pages
	// that start after it.
	headLeft, headRight string
}

// PageSetup is what every page shows around its content.
type PageSetup struct {
	Title       string // the document's title, in its properties
	HeaderLeft  string // e.g. the commune's name
	HeaderRight string // e.g. "Ngày tham chiếu: 31/12/2026"
	// Page formats the foot of a page: n of count, e.g. "Trang 2/5".
	// Default: "n/count".
	Page func(n int, count string) string
	// Made is the date written in the document's properties (default
	// now): fixed, it makes the same content give the same bytes.
	Made time.Time
	// Landscape turns the pages: 297 mm wide, 210 mm high.
	Landscape bool
	// Deferred leaves the first page to the caller's [PDF.NewPage]: a
	// form measures its texts first, and sets the first page's header
	// from what it measured (how many sheets a household takes).
	Deferred bool
}

const (
	family   = "noto"
	pageW    = 210.0
	pageH    = 297.0
	margin   = 15.0
	topM     = 20.0
	bottomM  = 16.0
	lineH    = 5.2
	bodySize = 9.0
)

// Text colours and fills, RGB.
var (
	grey      = [3]int{90, 90, 90}
	ink       = [3]int{20, 20, 20}
	headFill  = [3]int{220, 230, 241}
	zebraFill = [3]int{246, 248, 251}
	// The pyramid's bars: men on the left, women on the right.
	MenColor   = [3]int{66, 114, 178}
	WomenColor = [3]int{214, 96, 104}
)

// NewPDF starts a document.
func NewPDF(s PageSetup) *PDF {
	orient, pw, ph := "P", pageW, pageH
	if s.Landscape {
		orient, pw, ph = "L", pageH, pageW
	}
	f := fpdf.New(orient, "mm", "A4", "")
	f.SetMargins(margin, topM, margin)
	f.SetAutoPageBreak(true, bottomM)
	f.AddUTF8FontFromBytes(family, "", fonts.NotoSansRegular)
	f.AddUTF8FontFromBytes(family, "B", fonts.NotoSansBold)
	f.SetTitle(Clean(s.Title), true)
	f.SetCreator("communekit", true)
	f.SetProducer("communekit", true)
	made := s.Made
	if made.IsZero() {
		made = time.Now()
	}
	f.SetCreationDate(made)
	f.SetModificationDate(made)
	f.AliasNbPages("{nb}")
	page := s.Page
	if page == nil {
		page = func(n int, count string) string { return strconv.Itoa(n) + "/" + count }
	}
	p := &PDF{f: f, left: margin, width: pw - 2*margin, bottom: ph - bottomM,
		headLeft: Clean(s.HeaderLeft), headRight: Clean(s.HeaderRight)}
	f.SetHeaderFuncMode(func() {
		f.SetFont(family, "", 8)
		color(f.SetTextColor, grey)
		f.SetXY(margin, 9)
		f.CellFormat(pw-2*margin, 4, p.headLeft, "", 0, "L", false, 0, "")
		f.SetXY(margin, 9)
		f.CellFormat(pw-2*margin, 4, p.headRight, "", 0, "R", false, 0, "")
		f.SetDrawColor(160, 160, 160)
		f.SetLineWidth(0.2)
		f.Line(margin, 14, pw-margin, 14)
		f.SetXY(margin, topM)
		color(f.SetTextColor, ink)
	}, true)
	f.SetFooterFunc(func() {
		f.SetY(-11)
		f.SetFont(family, "", 8)
		color(f.SetTextColor, grey)
		f.CellFormat(0, 4, page(f.PageNo(), "{nb}"), "", 0, "C", false, 0, "")
		color(f.SetTextColor, ink)
	})
	if !s.Deferred {
		f.AddPage()
	}
	return p
}

func color(set func(r, g, b int), c [3]int) { set(c[0], c[1], c[2]) }

// room makes sure h mm are left on the page, starting a new one if not.
func (p *PDF) room(h float64) {
	if p.f.GetY()+h > p.bottom {
		p.f.AddPage()
	}
}

// Heading writes a title in bold, size 14 (level 1) or 11 (level 2), kept
// on the same page as the next 20 mm.
func (p *PDF) Heading(level int, s string) {
	size := 14.0
	if level > 1 {
		size = 11
	}
	p.room(size*0.6 + 20)
	if p.f.GetY() > topM+1 {
		p.f.Ln(2)
	}
	p.f.SetFont(family, "B", size)
	p.f.MultiCell(p.width, size*0.5, Clean(s), "", "L", false)
	p.f.Ln(1)
}

// Text writes a paragraph, wrapped.
func (p *PDF) Text(s string) {
	p.f.SetFont(family, "", bodySize)
	p.f.MultiCell(p.width, lineH-0.6, Clean(s), "", "L", false)
	p.f.Ln(1)
}

// Space leaves mm millimetres.
func (p *PDF) Space(mm float64) { p.f.Ln(mm) }

// Column is a column of a [Table]: its title, width in millimetres (0:
// what is left of the page's width, shared among such columns), and
// whether its values are numbers (aligned right).
type PDFColumn struct {
	Title  string
	Width  float64
	Number bool
}

// Table is a table to draw: a header row repeated on every page it runs
// onto, rows shaded one in two, and a total row in bold.
type Table struct {
	Title   string
	Columns []PDFColumn
	Rows    [][]string
	Total   []string // nil: no total row
}

// Table draws t, whole on one page when it fits on one; a longer table
// runs onto the next pages, its header repeated. A cell too long for its
// column is cut with "…".
func (p *PDF) Table(t Table) {
	f := p.f
	widths := make([]float64, len(t.Columns))
	fixed, free := 0.0, 0
	for i, c := range t.Columns {
		widths[i] = c.Width
		fixed += c.Width
		if c.Width == 0 {
			free++
		}
	}
	for i := range widths {
		if widths[i] == 0 {
			widths[i] = max(10, (p.width-fixed)/float64(free))
		}
	}
	header := func() {
		f.SetFont(family, "B", bodySize-0.5)
		color(f.SetFillColor, headFill)
		f.SetX(p.left)
		// The header may wrap: its height is that of its longest title.
		lines := 1
		for i, c := range t.Columns {
			lines = max(lines, len(f.SplitText(Clean(c.Title), widths[i]-2*f.GetCellMargin())))
		}
		h := float64(lines)*4 + 1.5
		x, y := p.left, f.GetY()
		for i, c := range t.Columns {
			f.Rect(x, y, widths[i], h, "F")
			f.SetXY(x, y+0.8)
			align := "L"
			if c.Number {
				align = "R"
			}
			f.MultiCell(widths[i], 4, Clean(c.Title), "", align, false)
			x += widths[i]
		}
		f.SetXY(p.left, y+h)
		f.SetFont(family, "", bodySize)
	}
	row := func(cells []string, fill bool) {
		f.SetX(p.left)
		if fill {
			color(f.SetFillColor, zebraFill)
		}
		for i, c := range t.Columns {
			s := ""
			if i < len(cells) {
				s = p.fit(Clean(cells[i]), widths[i]-2)
			}
			align := "L"
			if c.Number {
				align = "R"
			}
			f.CellFormat(widths[i], lineH, s, "", 0, align, fill, 0, "")
		}
		f.Ln(lineH)
	}
	title := 0.0
	if t.Title != "" {
		title = 8
	}
	// A table that fits on a page is kept whole; a longer one starts
	// with at least its first three rows.
	whole := title + 10 + lineH*float64(len(t.Rows)+1)
	if whole <= p.bottom-topM {
		p.room(whole)
	} else {
		p.room(title + 10 + lineH*4)
	}
	if t.Title != "" {
		f.Ln(1.5)
		f.SetFont(family, "B", 10.5)
		f.MultiCell(p.width, 5, Clean(t.Title), "", "L", false)
		f.Ln(0.5)
	}
	header()
	for i, r := range t.Rows {
		if f.GetY()+lineH > p.bottom {
			f.AddPage()
			header()
		}
		row(r, i%2 == 1)
	}
	if t.Total != nil {
		if f.GetY()+lineH > p.bottom {
			f.AddPage()
			header()
		}
		f.SetDrawColor(120, 120, 120)
		f.SetLineWidth(0.3)
		f.Line(p.left, f.GetY(), p.left+sum(widths), f.GetY())
		f.SetFont(family, "B", bodySize)
		row(t.Total, false)
		f.SetFont(family, "", bodySize)
	}
	f.Ln(3)
}

func sum(xs []float64) float64 {
	t := 0.0
	for _, x := range xs {
		t += x
	}
	return t
}

// fit cuts s with "…" to fit in w millimetres in the current font.
func (p *PDF) fit(s string, w float64) string {
	if p.f.GetStringWidth(s) <= w {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && p.f.GetStringWidth(string(r)+"…") > w {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

// Pyramid is a population pyramid: for each age group, youngest first,
// how many men (drawn to the left) and women (to the right).
type Pyramid struct {
	Groups      []string // "0–4" … "100+"
	Men, Women  []int
	MenTitle    string // "Nam"
	WomenTitle  string // "Nữ"
	FormatCount func(int) string
}

// Pyramid draws the pyramid across the page: the oldest group at the top,
// a bar per group and sex scaled to the largest, its number beside it,
// the groups' names in the middle.
func (p *PDF) Pyramid(py Pyramid) {
	f := p.f
	n := len(py.Groups)
	if n == 0 || len(py.Men) != n || len(py.Women) != n {
		return
	}
	format := py.FormatCount
	if format == nil {
		format = strconv.Itoa
	}
	const (
		barH   = 4.2
		step   = 5.0
		labelW = 16.0
		numW   = 14.0
	)
	p.room(step*float64(n) + 14)
	peak := 1
	for i := range n {
		peak = max(peak, py.Men[i], py.Women[i])
	}
	mid := p.left + p.width/2
	side := p.width/2 - labelW/2
	scale := (side - numW) / float64(peak)
	y := f.GetY() + 1

	// The titles, in ink beside a square of their bars' colour: only
	// the bars are drawn in those colours.
	f.SetFont(family, "B", 9.5)
	f.SetXY(p.left, y)
	f.CellFormat(side-2, 5, Clean(py.MenTitle), "", 0, "R", false, 0, "")
	color(f.SetFillColor, MenColor)
	f.Rect(p.left+side-2-f.GetStringWidth(Clean(py.MenTitle))-2*f.GetCellMargin()-4, y+1, 3, 3, "F")
	f.SetXY(mid+labelW/2+6, y)
	f.CellFormat(side-6, 5, Clean(py.WomenTitle), "", 0, "L", false, 0, "")
	color(f.SetFillColor, WomenColor)
	f.Rect(mid+labelW/2+2, y+1, 3, 3, "F")
	y += 7

	f.SetFont(family, "", 7.5)
	for k := range n {
		i := n - 1 - k // oldest at the top
		top := y + float64(k)*step
		// Age group, centred.
		f.SetXY(mid-labelW/2, top)
		f.CellFormat(labelW, barH, Clean(py.Groups[i]), "", 0, "C", false, 0, "")
		// Men, to the left of the labels.
		wm := float64(py.Men[i]) * scale
		right := mid - labelW/2
		color(f.SetFillColor, MenColor)
		if wm > 0 {
			f.Rect(right-wm, top, wm, barH, "F")
		}
		f.SetXY(right-wm-numW-1, top)
		f.CellFormat(numW, barH, format(py.Men[i]), "", 0, "R", false, 0, "")
		// Women, to the right.
		ww := float64(py.Women[i]) * scale
		left := mid + labelW/2
		color(f.SetFillColor, WomenColor)
		if ww > 0 {
			f.Rect(left, top, ww, barH, "F")
		}
		f.SetXY(left+ww+1, top)
		f.CellFormat(numW, barH, format(py.Women[i]), "", 0, "L", false, 0, "")
	}
	// The axis the bars grow from.
	bottom := y + float64(n)*step
	f.SetDrawColor(120, 120, 120)
	f.SetLineWidth(0.2)
	f.Line(mid-labelW/2, y-1, mid-labelW/2, bottom)
	f.Line(mid+labelW/2, y-1, mid+labelW/2, bottom)
	f.SetXY(p.left, bottom+3)
}

// Write finishes the document and writes it to w.
func (p *PDF) Write(w io.Writer) error {
	if err := p.f.Error(); err != nil {
		return fmt.Errorf("office: laying out the PDF: %w", err)
	}
	return p.f.Output(w)
}

// Pages is the number of pages so far.
func (p *PDF) Pages() int { return p.f.PageNo() }

var cover struct {
	once sync.Once
	has  []bool // by rune, below 0x10000
}

// Covers reports whether the document font has a glyph for r.
func Covers(r rune) bool {
	cover.once.Do(func() {
		cover.has = make([]bool, 0x10000)
		f, err := sfnt.Parse(fonts.NotoSansRegular)
		if err != nil {
			return
		}
		var b sfnt.Buffer
		for r := rune(0); r < 0x10000; r++ {
			if g, err := f.GlyphIndex(&b, r); err == nil && g != 0 {
				cover.has[r] = true
			}
		}
	})
	return r >= 0 && r < 0x10000 && cover.has[r]
}

// Clean is s as a PDF draws it: NFC, with white space made plain spaces
// and a character the font lacks replaced by "?".
func Clean(s string) string {
	s = norm.NFC.String(s)
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\r':
			return ' '
		case r == '\n':
			return r
		case !Covers(r):
			return '?'
		}
		return r
	}, s)
}
