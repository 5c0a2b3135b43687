package reports

import (
	"fmt"
	"hash/fnv"
	"image/color"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// The fidelity figure's layout: the ECDFs across the top, the two
// histograms side by side below.
const (
	fidECDFHeight = 3.6 * vg.Inch
	fidHistHeight = 2.8 * vg.Inch
	fidRowGap     = 10 // points between the rows
	fidHistGap    = 18 // points between the histograms
	fidBins       = 24 // histogram bins over the pair's range
)

// maxFidelityFigures bounds the figures of a fidelity section: beyond
// it, the table says all there is and the page stays loadable.
const maxFidelityFigures = 48

// fidelityPrefix starts every fidelity figure's name, which is how
// WriteDir knows the stale ones.
const fidelityPrefix = "fidelity-"

// The two sides' colours, the same in every fidelity figure.
var fidColors = [2]color.NRGBA{palette[0], palette[1]}

// FidelityPlots renders one figure per pair and latency metric that both
// engines have samples of, in table order, at most 48: the two ECDFs
// overlaid on one chart, with the KS distance marked, over two
// histograms with the same range and bins. Names are
// "fidelity-<scenario-profile-driver-metric>-<hash>", stable for a
// given pair and metric. The SVG bytes depend only on f.
func FidelityPlots(f Fidelity) ([]Figure, error) {
	figs, _, err := fidelityFigures(f)
	return figs, err
}

// fidelityFigures is FidelityPlots and the number of figures left out.
func fidelityFigures(f Fidelity) ([]Figure, int, error) {
	var figs []Figure
	omitted := 0
	for _, p := range f.Pairs {
		for _, m := range p.Metrics {
			switch {
			case m.Sim.N == 0 || m.Real.N == 0:
				continue
			case len(figs) == maxFidelityFigures:
				omitted++
				continue
			}
			fig, err := fidelityFigure(f, p, m)
			if err != nil {
				return nil, 0, err
			}
			figs = append(figs, fig)
		}
	}
	return figs, omitted, nil
}

func fidelityFigure(f Fidelity, p EnginePair, m MetricFidelity) (Figure, error) {
	sides := [2][]float64{msValues(m.Sim.Values), msValues(m.Real.Values)}
	names := [2]string{f.Sim, f.Real}
	lo, hi := fidRange(sides)
	what := fidMetricTitle(m.Metric)
	top := fidECDF(p.PairKey.String()+": "+what, what+" (ms)", sides, names, m, lo, hi)
	edges := linearEdges(lo, hi, fidBins)
	shares := [2][]float64{binShares(sides[0], edges), binShares(sides[1], edges)}
	ymax := max(slices.Max(shares[0]), slices.Max(shares[1])) * 1.1
	w := chartWidth
	h := fidECDFHeight + fidRowGap + fidHistHeight
	half := (w - 2*margin - fidHistGap) / 2
	var hists [2]*chart
	for i := range sides {
		hists[i] = fidHistogram(names[i], what+" (ms)", sides[i], edges, shares[i], fidColors[i], half)
		hists[i].p.X.Min, hists[i].p.X.Max, hists[i].p.Y.Min, hists[i].p.Y.Max = lo, hi, 0, ymax
	}
	canvas := vgsvg.New(w, h)
	dc := draw.Crop(draw.New(canvas), margin, -margin, margin, -margin)
	top.draw(draw.Crop(dc, 0, 0, dc.Size().Y-fidECDFHeight, 0))
	bottom := draw.Crop(dc, 0, 0, 0, -(fidECDFHeight + fidRowGap))
	hists[0].draw(draw.Crop(bottom, 0, -(half + fidHistGap), 0, 0))
	hists[1].draw(draw.Crop(bottom, half+fidHistGap, 0, 0, 0))
	svg, err := svgBytes(canvas, top.p.Title.Text)
	if err != nil {
		return Figure{}, err
	}
	return Figure{Name: fidelityName(p.PairKey, m.Metric), Title: top.p.Title.Text, Caption: fidCaption(f, p, m, what),
		Width: w.Points(), Height: h.Points(), SVG: svg}, nil
}

func fidCaption(f Fidelity, p EnginePair, m MetricFidelity, what string) string {
	return fmt.Sprintf("%s of %s (%s, %s) on %s (%s) and %s (%s). Top: both empirical distributions on one axis; "+
		"the black bar marks the Kolmogorov–Smirnov distance D = %.3f, where they are furthest apart (verdict: %s). "+
		"Below: histograms over the same range and %d bins, as shares of each engine's samples, on the same scales; "+
		"p50 solid, p99 dashed.", capitalize(what), p.Scenario, p.Profile, p.Driver,
		f.Sim, plural(m.Sim.N, "sample"), f.Real, plural(m.Real.N, "sample"), m.D, m.Verdict, fidBins)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// fidECDF is the top chart: each side's ECDF from lo to hi and the KS
// distance as a bar between them.
func fidECDF(title, xlabel string, sides [2][]float64, names [2]string, m MetricFidelity, lo, hi float64) *chart {
	c := newChart("", xlabel, "fraction at or below", fidECDFHeight)
	c.p.Title.Text = fitText(c.p.Title.TextStyle, title, chartWidth*0.55)
	// The first curve is drawn wider, so that where the two coincide it
	// shows as a rim around the second rather than vanishing under it.
	for i, vs := range sides {
		l := line(ecdfSpan(vs, lo, hi), fidColors[i], vg.Points(2.8-1.2*float64(i)))
		c.p.Add(l)
		c.legend.Add(seriesLegend(names[i], vs), l)
	}
	at := m.At / 1000
	bar := line(plotter.XYs{{X: at, Y: cdfAt(sides[0], at)}, {X: at, Y: cdfAt(sides[1], at)}}, black, vg.Points(2.5))
	if m.D > 0 {
		c.p.Add(bar)
	}
	c.legend.Add(fmt.Sprintf("D = %.3f, p %s: %s", m.D, pPhrase(m.P), m.Verdict), bar)
	c.p.X.Min, c.p.X.Max, c.p.Y.Min, c.p.Y.Max = lo, hi, 0, 1.02
	c.p.Y.Tick.Marker = plot.ConstantTicks{{Value: 0, Label: "0"}, {Value: 0.25, Label: "0.25"},
		{Value: 0.5, Label: "0.5"}, {Value: 0.75, Label: "0.75"}, {Value: 1, Label: "1"}}
	return c
}

// pPhrase is "= 0.123" or "< 0.001".
func pPhrase(p float64) string {
	if t := pText(p); strings.HasPrefix(t, "<") {
		return "< " + t[1:]
	}
	return "= " + pText(p)
}

// fidHistogram is one side's histogram, titled with its name and sample
// size, with its p50 (solid) and p99 (dashed) marked.
func fidHistogram(name, xlabel string, vs, edges, shares []float64, col color.NRGBA, width vg.Length) *chart {
	c := newChart("", xlabel, "share of samples", fidHistHeight)
	c.p.Title.TextStyle.Font = sans(10.5)
	c.p.Title.Text = fitText(c.p.Title.TextStyle, fmt.Sprintf("%s: n=%d, p50 %s ms, p99 %s ms", name, len(vs),
		fmtMs(quantile(vs, 50)), fmtMs(quantile(vs, 99))), width*0.85)
	outline := line(stepOutline(edges, shares), col, vg.Points(1.5))
	outline.FillColor = faded(col, 0x50)
	c.p.Add(outline)
	top := slices.Max(shares) * 1.05
	for i, q := range []int{50, 99} {
		x := quantile(vs, q)
		var dashes []vg.Length
		if i == 1 {
			dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		}
		c.p.Add(line(plotter.XYs{{X: x, Y: 0}, {X: x, Y: top}}, black, vg.Points(1.2), dashes...))
	}
	return c
}

// msValues converts sorted µs to ms.
func msValues(us []float64) []float64 {
	out := make([]float64, len(us))
	for i, v := range us {
		out[i] = v / 1000
	}
	return out
}

// fidRange is the span of both (non-empty, sorted) sides, widened
// around a single value so that the axis has a width.
func fidRange(sides [2][]float64) (lo, hi float64) {
	lo, hi = min(sides[0][0], sides[1][0]), max(sides[0][len(sides[0])-1], sides[1][len(sides[1])-1])
	if hi == lo {
		pad := max(0.001, 0.05*max(lo, -lo))
		lo, hi = lo-pad, hi+pad
	}
	return lo, hi
}

// linearEdges are n equal bins' edges from lo to hi.
func linearEdges(lo, hi float64, n int) []float64 {
	edges := make([]float64, n+1)
	for i := range edges {
		edges[i] = lo + (hi-lo)*float64(i)/float64(n)
	}
	edges[n] = hi // no rounding short of the largest value
	return edges
}

// binShares is histogram as shares of the sample.
func binShares(sorted, edges []float64) []float64 {
	counts := histogram(sorted, edges)
	out := make([]float64, len(counts))
	for i, c := range counts {
		out[i] = float64(c) / float64(len(sorted))
	}
	return out
}

// ecdfSpan is ecdf from lo (at 0) to hi (at 1), so that two sides'
// curves both span the axis.
func ecdfSpan(sorted []float64, lo, hi float64) plotter.XYs {
	pts := append(plotter.XYs{{X: lo, Y: 0}}, ecdf(sorted)...)
	return append(pts, plotter.XY{X: hi, Y: 1})
}

// cdfAt is the fraction of sorted at or below x.
func cdfAt(sorted []float64, x float64) float64 {
	i, found := slices.BinarySearch(sorted, x)
	for found && i < len(sorted) && sorted[i] == x {
		i++
	}
	return float64(i) / float64(len(sorted))
}

// fidelityName is the figure's file stem: readable, and unique by a hash
// of the exact pair and metric, since two names may slug alike.
func fidelityName(k PairKey, metric string) string {
	h := fnv.New32a()
	h.Write([]byte(k.Scenario + "\x00" + k.Profile + "\x00" + k.Driver + "\x00" + metric))
	slug := slugOf(k.Scenario + "-" + k.Profile + "-" + k.Driver + "-" + metric)
	return fmt.Sprintf("%s%s-%08x", fidelityPrefix, slug, h.Sum32())
}

// maxSlug bounds the readable part of a figure name.
const maxSlug = 60

// slugOf keeps lower-case letters and digits of s, with single dashes
// for everything between them.
func slugOf(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	out := b.String()
	if len(out) > maxSlug {
		out = strings.TrimRight(out[:maxSlug], "-")
	}
	return out
}
