package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// wheelFactor multiplies what one turn of the mouse wheel scrolls a long
// list. Fyne (v2.7) moves a list 25 pixels per wheel step on Linux and
// Windows, a third of a two-line row: a list of a thousand households took
// hundreds of steps. Four times that, 100 pixels, is what browsers move,
// a little more than a two-line row or about three one-line rows.
const wheelFactor = 4

// fastWheel returns list with the mouse wheel scrolling it wheelFactor
// times faster: a transparent layer over it takes the wheel (Fyne gives a
// wheel step to the uppermost scrollable under the mouse) and scrolls
// the list by the larger step. Clicks, hover and keys go to the list as
// before: the layer takes nothing else.
func fastWheel(list fyne.CanvasObject) fyne.CanvasObject {
	w := &wheel{target: list}
	w.ExtendBaseWidget(w)
	return container.NewStack(list, w)
}

// wheel is the layer of fastWheel.
type wheel struct {
	widget.BaseWidget
	target fyne.CanvasObject
}

func (w *wheel) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewWithoutLayout())
}

// Scrolled scrolls the target wheelFactor times the step. A wheel turned
// down gives a negative DY, which moves the content up (a larger offset).
func (w *wheel) Scrolled(ev *fyne.ScrollEvent) {
	dx, dy := ev.Scrolled.DX*wheelFactor, ev.Scrolled.DY*wheelFactor
	switch t := w.target.(type) {
	case interface {
		GetScrollOffset() float32
		ScrollToOffset(float32)
	}: // widget.List
		t.ScrollToOffset(t.GetScrollOffset() - dy)
	case fyne.Scrollable: // container.Scroll
		scaled := *ev
		scaled.Scrolled = fyne.NewDelta(dx, dy)
		t.Scrolled(&scaled)
	}
}
