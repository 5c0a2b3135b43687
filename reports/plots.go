package reports

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Figure is one rendered plot.
type Figure struct {
	// Name is the file stem ("stop-latency-hist"): the report writes the
	// figure to plots/<Name>.svg.
	Name  string
	Title string
	// Caption says what the figure shows and how to read it.
	Caption string
	// Width and Height are the SVG's size in points (1/72 inch).
	Width, Height float64
	SVG           []byte
}

// figureFunc builds one figure from the results; ok is false when the
// results hold no data for it.
type figureFunc func(Results) (f Figure, ok bool, err error)

// figures are the report's plots, in the order the report shows them.
var figures = []figureFunc{
	stopHistogram, stopECDF, stopBoxes, overshootBoxes, pollCapTradeoff, timelineFigure,
}

// figureNames are the names the figures may have, for WriteDir's
// clean-up of plots a report no longer has.
var figureNames = []string{
	"stop-latency-hist", "stop-latency-ecdf", "stop-latency-boxes", "timeout-overshoot", "poll-cap-tradeoff", "timeline",
}

// Plots renders every figure the results have data for, in a fixed order.
// The SVG bytes depend only on r.
func Plots(r Results) ([]Figure, error) {
	var out []Figure
	for _, build := range figures {
		f, ok, err := build(r)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, f)
		}
	}
	return out, nil
}

// chart is a plot with its legend kept beside the data area rather than
// over it, so that no entry hides a curve.
type chart struct {
	p      *plot.Plot
	legend plot.Legend
	w, h   vg.Length
}

// Sizes and type of every chart.
const (
	chartWidth  = 9 * vg.Inch
	chartHeight = 4.2 * vg.Inch
	margin      = 6  // points around the whole canvas
	legendGap   = 14 // points between the data area and the legend
)

// newChart returns a chart with the house style: titles 12 pt, axis
// labels 10 pt, ticks 9 pt, a light grid.
func newChart(title, xlabel, ylabel string, h vg.Length) *chart {
	p := plot.New()
	p.Title.Text = title
	p.Title.Padding = vg.Points(8)
	p.Title.TextStyle.Font = sans(12)
	p.X.Label.Text, p.Y.Label.Text = xlabel, ylabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sans(10)
		a.Tick.Label.Font = sans(9)
	}
	p.Add(plotter.NewGrid())
	lg := plot.NewLegend()
	lg.Top, lg.Left = true, true
	lg.TextStyle.Font = sans(9)
	lg.ThumbnailWidth = vg.Points(22)
	lg.Padding = vg.Points(3)
	return &chart{p: p, legend: lg, w: chartWidth, h: h}
}

// svg renders the chart alone on a canvas of its size.
func (c *chart) svg() ([]byte, error) {
	canvas := vgsvg.New(c.w, c.h)
	c.draw(draw.Crop(draw.New(canvas), margin, -margin, margin, -margin))
	return svgBytes(canvas, c.p.Title.Text)
}

// draw draws the chart into dc: the plot on the left, the legend in a
// column on the right, level with the data area's top.
func (c *chart) draw(dc draw.Canvas) {
	lw := vg.Length(0)
	if r := c.legend.Rectangle(dc); r.Size().X > 0 {
		lw = r.Size().X + legendGap
	}
	c.p.Draw(draw.Crop(dc, 0, -lw, 0, 0))
	if lw > 0 {
		top := c.p.Title.TextStyle.Rectangle(c.p.Title.Text).Size().Y + c.p.Title.Padding
		c.legend.Draw(draw.Crop(dc, dc.Size().X-lw+legendGap, 0, 0, -top))
	}
}

// svgBytes serializes a finished canvas, named title in an error.
func svgBytes(canvas *vgsvg.Canvas, title string) ([]byte, error) {
	var buf bytes.Buffer
	if _, err := canvas.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("reports: rendering %q: %w", title, err)
	}
	return withFallbackFonts(buf.Bytes()), nil
}

// withFallbackFonts lets a viewer without the Liberation fonts (which
// gonum measures text with) use a metric-compatible font, so that labels
// keep the width the layout reserved for them and are not clipped.
// Embedding the font instead would add half a megabyte to every plot.
func withFallbackFonts(svg []byte) []byte {
	return bytes.ReplaceAll(svg, []byte("font-family:Liberation Sans;"),
		[]byte("font-family:'Liberation Sans',Arimo,Arial,Helvetica,sans-serif;"))
}

// figure renders c into a Figure.
func (c *chart) figure(name, caption string) (Figure, bool, error) {
	svg, err := c.svg()
	if err != nil {
		return Figure{}, false, err
	}
	return Figure{Name: name, Title: c.p.Title.Text, Caption: caption,
		Width: c.w.Points(), Height: c.h.Points(), SVG: svg}, true, nil
}

// fitText shortens s with an ellipsis until it fits width in style sty,
// so a long scenario name cannot run off the canvas.
func fitText(sty text.Style, s string, width vg.Length) string {
	r := []rune(s)
	for len(r) > 1 && sty.Width(string(r)) > width {
		r = append(r[:len(r)-2], '…')
	}
	return string(r)
}

// Okabe–Ito colours, safe for colour-blind readers; yellow left out (too
// light on white).
var palette = []color.NRGBA{
	{0x00, 0x72, 0xB2, 0xff}, // blue
	{0xE6, 0x9F, 0x00, 0xff}, // orange
	{0x00, 0x9E, 0x73, 0xff}, // green
	{0xD5, 0x5E, 0x00, 0xff}, // vermillion
	{0xCC, 0x79, 0xA7, 0xff}, // purple
	{0x56, 0xB4, 0xE9, 0xff}, // sky blue
	{0x00, 0x00, 0x00, 0xff}, // black
	{0x99, 0x99, 0x99, 0xff}, // grey
}

// mechanismOrder fixes each mechanism's colour across every plot, so a
// reader learns it once.
var mechanismOrder = []string{"easy-stop", "xferinfo", "wakeup", "timeout"}

// colorer hands out palette colours: fixed ones first, then the rest in
// order of request.
type colorer struct {
	fixed map[string]int
	next  int
}

func newColorer(fixed ...string) *colorer {
	c := &colorer{fixed: map[string]int{}}
	for _, n := range fixed {
		c.fixed[n] = len(c.fixed)
	}
	c.next = len(c.fixed)
	return c
}

func (c *colorer) of(name string) color.NRGBA {
	i, ok := c.fixed[name]
	if !ok {
		i = c.next
		c.fixed[name] = i
		c.next++
	}
	return palette[i%len(palette)]
}

// faded is col with alpha a, for fills that must not hide what is under.
func faded(col color.NRGBA, a uint8) color.NRGBA {
	col.A = a
	return col
}

// logTicks is the ticker of an axis holding log10 of the data: it labels
// the whole exponents with the plain decimal they stand for ("0.01",
// "100") and puts minor ticks at the multiples in between. Data is
// plotted as log10 on a linear axis rather than through plot.LogScale,
// whose axis-label placement assumes a linear axis and squeezes the plot.
type logTicks struct{}

// Ticks implements plot.Ticker.
func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for e := int(math.Floor(lo)); e <= int(math.Ceil(hi)); e++ {
		for m := 1; m < 10; m++ {
			v := float64(e) + math.Log10(float64(m))
			if v < lo-1e-9 || v > hi+1e-9 {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 {
				t.Label = strconv.FormatFloat(math.Pow10(e), 'f', -1, 64)
			}
			ts = append(ts, t)
		}
	}
	return ts
}

// setLog makes a a log axis for data given as log10 (see logTicks),
// spanning whole decades around [lo, hi] (log10 values), so there are
// always at least two labelled ticks.
func setLog(a *plot.Axis, lo, hi float64) {
	a.Tick.Marker = logTicks{}
	a.Min, a.Max = math.Floor(lo), math.Ceil(hi)
	if a.Max <= a.Min {
		a.Max = a.Min + 1
	}
}

// line returns a polyline through pts in the given style.
func line(pts plotter.XYs, col color.Color, width vg.Length, dashes ...vg.Length) *plotter.Line {
	l := &plotter.Line{XYs: pts}
	l.LineStyle = draw.LineStyle{Color: col, Width: width, Dashes: dashes}
	return l
}

// glyphs returns a scatter of pts drawn with shape.
func glyphs(pts plotter.XYs, col color.Color, r vg.Length, shape draw.GlyphDrawer) *plotter.Scatter {
	return &plotter.Scatter{XYs: pts, GlyphStyle: draw.GlyphStyle{Color: col, Radius: r, Shape: shape}}
}

// swatch is a legend thumbnail: a filled block of colour.
type swatch struct{ col color.Color }

// Thumbnail implements plot.Thumbnailer.
func (s swatch) Thumbnail(c *draw.Canvas) {
	h := c.Size().Y
	r := vg.Rectangle{Min: vg.Point{X: c.Min.X, Y: c.Min.Y + h/6}, Max: vg.Point{X: c.Max.X, Y: c.Max.Y - h/6}}
	c.SetColor(s.col)
	c.Fill(r.Path())
}

// fmtMs writes a millisecond value with three significant digits or so:
// enough to tell 0.05 ms from 1 ms, not more.
func fmtMs(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

// sans is Liberation Sans at size pt. gonum's default is the serif face;
// a sans face reads better at small sizes. Setting it per text style
// leaves the package-level plot.DefaultFont alone for other users.
func sans(pt float64) font.Font {
	return font.Font{Typeface: "Liberation", Variant: "Sans", Size: vg.Points(pt)}
}
