package office

// Drawing at given places, for forms: a package that lays out a sheet
// to be filled in by hand (storage/paper) measures its texts, decides
// where every box goes and which rows go on which page, and draws with
// these. Nothing here starts a page by itself: the caller has made sure
// what it draws fits above [PDF.Bottom], and starts pages with
// [PDF.NewPage].

// Style is how a text is drawn: its size in points, bold or not, grey or
// in ink, and its alignment in its box ('L', 'C' or 'R'; 0 is 'L').
type Style struct {
	Size  float64
	Bold  bool
	Grey  bool
	Align byte
}

// Stroke is how a line is drawn: its width in mm, its grey (0 black, 255
// white) and whether it is dotted (a line to write on).
type Stroke struct {
	Width  float64
	Grey   int
	Dotted bool
}

// Left is the x of the left margin, mm.
func (p *PDF) Left() float64 { return p.left }

// Width is the width between the margins, mm.
func (p *PDF) Width() float64 { return p.width }

// Top is the y where a page's content starts, below its header, mm.
func (p *PDF) Top() float64 { return topM }

// Bottom is the lowest y content may reach, above the page's number, mm.
func (p *PDF) Bottom() float64 { return p.bottom }

// Y is where the next text would go, mm from the top of the page.
func (p *PDF) Y() float64 { return p.f.GetY() }

// SetY moves to y, at the left margin.
func (p *PDF) SetY(y float64) { p.f.SetXY(p.left, y) }

// NewPage starts a page, with the header (as last set) and the page's
// number, and moves to its top.
func (p *PDF) NewPage() {
	p.f.AddPage()
	p.f.SetXY(p.left, topM)
}

// SetHeader changes the header's two texts for the pages that start
// after it (the current page keeps its own).
func (p *PDF) SetHeader(left, right string) {
	p.headLeft, p.headRight = Clean(left), Clean(right)
}

func (p *PDF) style(st Style) {
	style := ""
	if st.Bold {
		style = "B"
	}
	size := st.Size
	if size <= 0 {
		size = bodySize
	}
	p.f.SetFont(family, style, size)
	if st.Grey {
		color(p.f.SetTextColor, grey)
	} else {
		color(p.f.SetTextColor, ink)
	}
}

// StringWidth is the width of s drawn in st, mm.
func (p *PDF) StringWidth(s string, st Style) float64 {
	p.style(st)
	return p.f.GetStringWidth(Clean(s))
}

// Wrap splits s into the lines it takes in a box w mm wide, drawn in st
// (a word longer than the box is broken). An empty s is no line.
func (p *PDF) Wrap(s string, w float64, st Style) []string {
	s = Clean(s)
	if s == "" {
		return nil
	}
	p.style(st)
	var out []string
	for _, para := range splitLines(s) {
		out = append(out, p.f.SplitText(para, w-2*p.f.GetCellMargin())...)
	}
	return out
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// TextAt draws s on one line in the box at (x, y), w by h mm, centred
// in its height and aligned as st says; a text too long for the box is
// cut with "…".
func (p *PDF) TextAt(x, y, w, h float64, s string, st Style) {
	p.style(st)
	s = p.fit(Clean(s), w-2*p.f.GetCellMargin())
	align := "L"
	switch st.Align {
	case 'C':
		align = "C"
	case 'R':
		align = "R"
	}
	auto, m := p.f.GetAutoPageBreak()
	p.f.SetAutoPageBreak(false, m)
	p.f.SetXY(x, y)
	p.f.CellFormat(w, h, s, "", 0, align+"M", false, 0, "")
	p.f.SetAutoPageBreak(auto, m)
	color(p.f.SetTextColor, ink)
}

func (p *PDF) stroke(s Stroke) {
	w := s.Width
	if w <= 0 {
		w = 0.2
	}
	p.f.SetLineWidth(w)
	p.f.SetDrawColor(s.Grey, s.Grey, s.Grey)
	if s.Dotted {
		// Short dashes with round ends read as dots, and print so on
		// any printer.
		p.f.SetLineCapStyle("round")
		p.f.SetDashPattern([]float64{0.01, 1.0}, 0)
	}
}

func (p *PDF) unstroke(s Stroke) {
	if s.Dotted {
		p.f.SetDashPattern(nil, 0)
		p.f.SetLineCapStyle("butt")
	}
}

// LineAt draws a line from (x1, y1) to (x2, y2).
func (p *PDF) LineAt(x1, y1, x2, y2 float64, s Stroke) {
	p.stroke(s)
	p.f.Line(x1, y1, x2, y2)
	p.unstroke(s)
}

// Box draws the outline of a rectangle.
func (p *PDF) Box(x, y, w, h float64, s Stroke) {
	p.stroke(s)
	p.f.Rect(x, y, w, h, "D")
	p.unstroke(s)
}

// Shade fills a rectangle with the colour c (RGB), without outline.
func (p *PDF) Shade(x, y, w, h float64, c [3]int) {
	color(p.f.SetFillColor, c)
	p.f.Rect(x, y, w, h, "F")
}

// CheckBox draws a square box of side mm at (x, y), crossed when checked.
func (p *PDF) CheckBox(x, y, side float64, checked bool) {
	s := Stroke{Width: 0.3, Grey: 40}
	p.Box(x, y, side, side, s)
	if checked {
		d := side * 0.2
		s.Width = 0.45
		p.LineAt(x+d, y+d, x+side-d, y+side-d, s)
		p.LineAt(x+d, y+side-d, x+side-d, y+d, s)
	}
}

// Ink and the shades of a form, RGB.
var (
	// HeadFill shades a form's header cells (as a table's header).
	HeadFill = headFill
	// LightFill shades the parts of a form that are printed, not written.
	LightFill = zebraFill
)
