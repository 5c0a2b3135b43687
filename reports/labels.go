package reports

import (
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// pointLabels writes a short label beside each of its points. plotter's
// Labels puts every label at the same offset, so two close points print
// over each other; here each label takes the first of four places around
// its point (right above, right below, left above, left below) that
// overlaps no label placed before it and stays on the canvas, and a
// label that fits nowhere is left out rather than drawn illegibly.
type pointLabels struct {
	xys   plotter.XYs
	texts []string
	style text.Style
	gap   vg.Length
	// endOfBar is for a label at the end of a thick bar: it tries the
	// places left of the point, below the bar first, and reserves no
	// room right of it.
	endOfBar bool
}

func newPointLabels() *pointLabels {
	return &pointLabels{
		style: text.Style{Color: black, Font: sans(8), XAlign: draw.XLeft, YAlign: draw.YBottom,
			Handler: plot.DefaultTextHandler},
		gap: vg.Points(4),
	}
}

// add queues a label; an empty text is none.
func (l *pointLabels) add(x, y float64, s string) {
	if s != "" {
		l.xys = append(l.xys, plotter.XY{X: x, Y: y})
		l.texts = append(l.texts, s)
	}
}

// Plot implements plot.Plotter.
func (l *pointLabels) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	var placed []vg.Rectangle
	for i, pt := range l.xys {
		at := vg.Point{X: trX(pt.X), Y: trY(pt.Y)}
		for _, r := range l.places(at, l.texts[i]) {
			if insideRect(r, c.Rectangle) && !overlapsAny(r, placed) {
				c.FillText(l.style, r.Min, l.texts[i])
				placed = append(placed, r)
				break
			}
		}
	}
}

// places are the candidate boxes for label s of the point at.
func (l *pointLabels) places(at vg.Point, s string) []vg.Rectangle {
	w, h := l.style.Width(s), l.style.Height(s)
	box := func(x, y vg.Length) vg.Rectangle {
		return vg.Rectangle{Min: vg.Point{X: x, Y: y}, Max: vg.Point{X: x + w, Y: y + h}}
	}
	right, left := at.X+l.gap, at.X-l.gap-w
	above, below := at.Y+l.gap/2, at.Y-l.gap/2-h
	if l.endOfBar {
		return []vg.Rectangle{box(left, below), box(left, above), box(right, below), box(right, above)}
	}
	return []vg.Rectangle{box(right, above), box(right, below), box(left, above), box(left, below)}
}

// DataRange implements plot.DataRanger: the labels' points.
func (l *pointLabels) DataRange() (xmin, xmax, ymin, ymax float64) {
	if len(l.xys) == 0 {
		return math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	}
	return plotter.XYRange(l.xys)
}

// GlyphBoxes implements plot.GlyphBoxer: room for a label on any side
// (but the right for endOfBar), so the plot pads its data area to keep
// the places on the canvas.
func (l *pointLabels) GlyphBoxes(p *plot.Plot) []plot.GlyphBox {
	var boxes []plot.GlyphBox
	for i, pt := range l.xys {
		w, h := l.style.Width(l.texts[i])+l.gap, l.style.Height(l.texts[i])+l.gap
		right := w
		if l.endOfBar {
			right = 0
		}
		boxes = append(boxes, plot.GlyphBox{X: p.X.Norm(pt.X), Y: p.Y.Norm(pt.Y),
			Rectangle: vg.Rectangle{Min: vg.Point{X: -w, Y: -h}, Max: vg.Point{X: right, Y: h}}})
	}
	return boxes
}

func insideRect(r, outer vg.Rectangle) bool {
	return r.Min.X >= outer.Min.X && r.Max.X <= outer.Max.X && r.Min.Y >= outer.Min.Y && r.Max.Y <= outer.Max.Y
}

func overlapsAny(r vg.Rectangle, others []vg.Rectangle) bool {
	for _, o := range others {
		if r.Min.X < o.Max.X && o.Min.X < r.Max.X && r.Min.Y < o.Max.Y && o.Min.Y < r.Max.Y {
			return true
		}
	}
	return false
}
