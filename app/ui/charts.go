package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// The charts of the statistics screen are drawn with canvas rectangles
// and texts, in the colours of the app's theme: each redraw (a change of
// theme or of light and dark refreshes every widget) reads them again.
// Bars are in proportion to their counts: a bar's length is its count over
// the largest count of the chart, times the width the bars may take.

// chartBar is one bar: its label, its count and the count as shown.
type chartBar struct {
	label string
	value int
	text  string
}

// chartColors are the theme colours a chart is drawn in.
type chartColors struct {
	text, axis, first, second color.Color
}

func colorsOf(w fyne.Widget) chartColors {
	return chartColors{
		text:   theme.ColorForWidget(theme.ColorNameForeground, w),
		axis:   theme.ColorForWidget(theme.ColorNameSeparator, w),
		first:  theme.ColorForWidget(theme.ColorNamePrimary, w),
		second: theme.ColorForWidget(theme.ColorNameWarning, w),
	}
}

// chartRow is the height of a bar's row: a line of a compact table's
// label, so that a table beside a chart has its rows level with the bars.
func chartRow() float32 {
	return fyne.MeasureText("0", theme.TextSize(), fyne.TextStyle{}).Height + 2*compactPadding
}

// compactPadding is the padding inside the labels of the tables and lists
// of the report screens: enough to part two lines, not the form's air.
const compactPadding = 2

// tightLabel is a line of text with the compact padding, for the cells
// of the report screens' tables. (A theme override with a smaller padding
// did this before; but Fyne keeps the fonts it loads for each override
// scope, and an override makes a new scope at every refresh: the report
// screens, rebuilt at each computation, held hundreds of MB of fonts.)
type tightLabel struct {
	widget.BaseWidget
	Text      string
	Alignment fyne.TextAlign
	Bold      bool
}

func newTightLabel(text string, align fyne.TextAlign, bold bool) *tightLabel {
	l := &tightLabel{Text: text, Alignment: align, Bold: bold}
	l.ExtendBaseWidget(l)
	return l
}

func (l *tightLabel) CreateRenderer() fyne.WidgetRenderer {
	r := &tightRenderer{l: l, t: canvas.NewText(l.Text, nil)}
	r.Refresh()
	return r
}

type tightRenderer struct {
	l *tightLabel
	t *canvas.Text
}

func (r *tightRenderer) Layout(size fyne.Size) {
	r.t.Move(fyne.NewPos(compactPadding, compactPadding))
	r.t.Resize(fyne.NewSize(size.Width-2*compactPadding, size.Height-2*compactPadding))
}

func (r *tightRenderer) MinSize() fyne.Size {
	return r.t.MinSize().Add(fyne.NewSize(2*compactPadding, 2*compactPadding))
}

func (r *tightRenderer) Refresh() {
	th := r.l.Theme()
	r.t.Text, r.t.Alignment = r.l.Text, r.l.Alignment
	r.t.TextStyle = fyne.TextStyle{Bold: r.l.Bold}
	r.t.TextSize = th.Size(theme.SizeNameText)
	r.t.Color = th.Color(theme.ColorNameForeground, fyne.CurrentApp().Settings().ThemeVariant())
	r.t.Refresh()
}

func (r *tightRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.t} }
func (r *tightRenderer) Destroy()                     {}

// barChart is horizontal bars, a row each: label, bar, count; the first
// row is left empty, beside the head of the table.
type barChart struct {
	widget.BaseWidget
	bars []chartBar
}

func newBarChart(bars []chartBar) *barChart {
	c := &barChart{bars: bars}
	c.ExtendBaseWidget(c)
	return c
}

func (c *barChart) CreateRenderer() fyne.WidgetRenderer {
	r := &barRenderer{c: c}
	for _, b := range c.bars {
		l := canvas.NewText(b.label, nil)
		v := canvas.NewText(b.text, nil)
		rect := canvas.NewRectangle(nil)
		r.labels, r.values, r.rects = append(r.labels, l), append(r.values, v), append(r.rects, rect)
	}
	r.axis = canvas.NewLine(nil)
	r.Refresh()
	return r
}

type barRenderer struct {
	c                     *barChart
	labels, values        []*canvas.Text
	rects                 []*canvas.Rectangle
	axis                  *canvas.Line
	labelW, valueW        float32
	barStart, barMaxWidth float32 // set by Layout, for tests
}

func (r *barRenderer) widths() {
	r.labelW, r.valueW = 0, 0
	for i := range r.labels {
		r.labelW = max(r.labelW, r.labels[i].MinSize().Width)
		r.valueW = max(r.valueW, r.values[i].MinSize().Width)
	}
}

func (r *barRenderer) Layout(size fyne.Size) {
	r.widths()
	pad := theme.Padding()
	row := chartRow()
	most := 0
	for _, b := range r.c.bars {
		most = max(most, b.value)
	}
	r.barStart = r.labelW + 2*pad
	r.barMaxWidth = max(0, size.Width-r.barStart-r.valueW-2*pad)
	for i, b := range r.c.bars {
		y := float32(i+1) * row // level with the table's rows, under its head
		th := r.labels[i].MinSize().Height
		r.labels[i].Move(fyne.NewPos(r.labelW-r.labels[i].MinSize().Width, y+(row-th)/2))
		r.labels[i].Resize(r.labels[i].MinSize())
		w := float32(0)
		if most > 0 {
			w = r.barMaxWidth * float32(b.value) / float32(most)
		}
		r.rects[i].Move(fyne.NewPos(r.barStart, y+row*0.15))
		r.rects[i].Resize(fyne.NewSize(w, row*0.7))
		r.values[i].Move(fyne.NewPos(r.barStart+w+pad, y+(row-th)/2))
		r.values[i].Resize(r.values[i].MinSize())
	}
	r.axis.Position1 = fyne.NewPos(r.barStart, row)
	r.axis.Position2 = fyne.NewPos(r.barStart, float32(len(r.c.bars)+1)*row)
}

func (r *barRenderer) MinSize() fyne.Size {
	r.widths()
	return fyne.NewSize(r.labelW+r.valueW+4*theme.Padding()+120, float32(len(r.c.bars)+1)*chartRow())
}

func (r *barRenderer) Refresh() {
	cs := colorsOf(r.c)
	for i := range r.labels {
		r.labels[i].Color, r.values[i].Color = cs.text, cs.text
		r.labels[i].TextSize, r.values[i].TextSize = theme.TextSize(), theme.TextSize()
		r.rects[i].FillColor = cs.first
		r.labels[i].Refresh()
		r.values[i].Refresh()
		r.rects[i].Refresh()
	}
	r.axis.StrokeColor, r.axis.StrokeWidth = cs.axis, 1
	r.axis.Refresh()
}

func (r *barRenderer) Objects() []fyne.CanvasObject {
	out := []fyne.CanvasObject{r.axis}
	for i := range r.labels {
		out = append(out, r.rects[i], r.labels[i], r.values[i])
	}
	return out
}

func (r *barRenderer) Destroy() {}

// pyramidRow is one age group of the pyramid.
type pyramidRow struct {
	label                string
	male, female         int
	maleText, femaleText string
}

// pyramidChart is the population pyramid: a row per age group, the oldest
// on top, the men's bar growing to the left of the ages, the women's to
// the right, on one scale; a legend names the two colours.
type pyramidChart struct {
	widget.BaseWidget
	rows                   []pyramidRow // the oldest first, as drawn and as the table lists them
	maleLabel, femaleLabel string
}

func newPyramidChart(rows []pyramidRow, maleLabel, femaleLabel string) *pyramidChart {
	c := &pyramidChart{rows: rows, maleLabel: maleLabel, femaleLabel: femaleLabel}
	c.ExtendBaseWidget(c)
	return c
}

func (c *pyramidChart) CreateRenderer() fyne.WidgetRenderer {
	r := &pyramidRenderer{c: c}
	for _, row := range c.rows {
		r.ages = append(r.ages, canvas.NewText(row.label, nil))
		r.maleV = append(r.maleV, canvas.NewText(row.maleText, nil))
		r.femaleV = append(r.femaleV, canvas.NewText(row.femaleText, nil))
		r.maleR = append(r.maleR, canvas.NewRectangle(nil))
		r.femaleR = append(r.femaleR, canvas.NewRectangle(nil))
	}
	r.keyMale, r.keyFemale = canvas.NewRectangle(nil), canvas.NewRectangle(nil)
	r.keyMaleT, r.keyFemaleT = canvas.NewText(c.maleLabel, nil), canvas.NewText(c.femaleLabel, nil)
	r.Refresh()
	return r
}

type pyramidRenderer struct {
	c                     *pyramidChart
	ages, maleV, femaleV  []*canvas.Text
	maleR, femaleR        []*canvas.Rectangle
	keyMale, keyFemale    *canvas.Rectangle
	keyMaleT, keyFemaleT  *canvas.Text
	ageW, valueW, barMaxW float32 // barMaxW: the longest bar's length (tests)
}

func (r *pyramidRenderer) widths() {
	r.ageW, r.valueW = 0, 0
	for i := range r.ages {
		r.ageW = max(r.ageW, r.ages[i].MinSize().Width)
		r.valueW = max(r.valueW, r.maleV[i].MinSize().Width, r.femaleV[i].MinSize().Width)
	}
}

func (r *pyramidRenderer) Layout(size fyne.Size) {
	r.widths()
	pad := theme.Padding()
	row := chartRow()
	most := 0
	for _, x := range r.c.rows {
		most = max(most, x.male, x.female)
	}
	// The legend's row, then the groups, the oldest on top.
	sq := row * 0.6
	r.keyMale.Move(fyne.NewPos(0, (row-sq)/2))
	r.keyMale.Resize(fyne.NewSize(sq, sq))
	th := r.keyMaleT.MinSize()
	r.keyMaleT.Move(fyne.NewPos(sq+pad, (row-th.Height)/2))
	r.keyMaleT.Resize(th)
	x := sq + 3*pad + th.Width
	r.keyFemale.Move(fyne.NewPos(x, (row-sq)/2))
	r.keyFemale.Resize(fyne.NewSize(sq, sq))
	tf := r.keyFemaleT.MinSize()
	r.keyFemaleT.Move(fyne.NewPos(x+sq+pad, (row-tf.Height)/2))
	r.keyFemaleT.Resize(tf)

	centre := size.Width / 2
	half := r.ageW/2 + pad
	r.barMaxW = max(0, centre-half-r.valueW-2*pad)
	for i, x := range r.c.rows {
		y := float32(i+1) * row // row 0 is the legend
		ts := r.ages[i].MinSize()
		r.ages[i].Move(fyne.NewPos(centre-ts.Width/2, y+(row-ts.Height)/2))
		r.ages[i].Resize(ts)
		mw, fw := float32(0), float32(0)
		if most > 0 {
			mw = r.barMaxW * float32(x.male) / float32(most)
			fw = r.barMaxW * float32(x.female) / float32(most)
		}
		r.maleR[i].Move(fyne.NewPos(centre-half-mw, y+row*0.1))
		r.maleR[i].Resize(fyne.NewSize(mw, row*0.8))
		r.femaleR[i].Move(fyne.NewPos(centre+half, y+row*0.1))
		r.femaleR[i].Resize(fyne.NewSize(fw, row*0.8))
		ms, fs := r.maleV[i].MinSize(), r.femaleV[i].MinSize()
		r.maleV[i].Move(fyne.NewPos(centre-half-mw-pad-ms.Width, y+(row-ms.Height)/2))
		r.maleV[i].Resize(ms)
		r.femaleV[i].Move(fyne.NewPos(centre+half+fw+pad, y+(row-fs.Height)/2))
		r.femaleV[i].Resize(fs)
	}
}

func (r *pyramidRenderer) MinSize() fyne.Size {
	r.widths()
	return fyne.NewSize(r.ageW+2*r.valueW+8*theme.Padding()+240, float32(len(r.c.rows)+1)*chartRow())
}

func (r *pyramidRenderer) Refresh() {
	cs := colorsOf(r.c)
	texts := append(append(append([]*canvas.Text{r.keyMaleT, r.keyFemaleT}, r.ages...), r.maleV...), r.femaleV...)
	for _, t := range texts {
		t.Color, t.TextSize = cs.text, theme.TextSize()
		t.Refresh()
	}
	for _, rect := range append([]*canvas.Rectangle{r.keyMale}, r.maleR...) {
		rect.FillColor = cs.first
		rect.Refresh()
	}
	for _, rect := range append([]*canvas.Rectangle{r.keyFemale}, r.femaleR...) {
		rect.FillColor = cs.second
		rect.Refresh()
	}
}

func (r *pyramidRenderer) Objects() []fyne.CanvasObject {
	out := []fyne.CanvasObject{r.keyMale, r.keyMaleT, r.keyFemale, r.keyFemaleT}
	for i := range r.ages {
		out = append(out, r.maleR[i], r.femaleR[i], r.ages[i], r.maleV[i], r.femaleV[i])
	}
	return out
}

func (r *pyramidRenderer) Destroy() {}

// tableLayout lays cells out in rows of cols: each column as wide as its
// widest cell, the first taking the width left over; each row as tall as
// its tallest cell, columns parted by a gap. Cells are given row by row.
type tableLayout struct{ cols int }

// tableGap parts the columns of a table.
const tableGap = 14

func (l tableLayout) sizes(objs []fyne.CanvasObject) (ws, hs []float32) {
	ws = make([]float32, l.cols)
	for i, o := range objs {
		m := o.MinSize()
		ws[i%l.cols] = max(ws[i%l.cols], m.Width)
		if i%l.cols == 0 {
			hs = append(hs, 0)
		}
		hs[len(hs)-1] = max(hs[len(hs)-1], m.Height)
	}
	return ws, hs
}

func (l tableLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	ws, hs := l.sizes(objs)
	total := float32(l.cols-1) * tableGap
	for _, w := range ws {
		total += w
	}
	if extra := size.Width - total; extra > 0 {
		ws[0] += extra
	}
	y := float32(0)
	for i, o := range objs {
		c, r := i%l.cols, i/l.cols
		x := float32(0)
		for k := 0; k < c; k++ {
			x += ws[k] + tableGap
		}
		o.Move(fyne.NewPos(x, y))
		o.Resize(fyne.NewSize(ws[c], hs[r]))
		if c == l.cols-1 {
			y += hs[r]
		}
	}
}

func (l tableLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	ws, hs := l.sizes(objs)
	s := fyne.NewSize(float32(l.cols-1)*tableGap, 0)
	for _, w := range ws {
		s.Width += w
	}
	for _, h := range hs {
		s.Height += h
	}
	return s
}
