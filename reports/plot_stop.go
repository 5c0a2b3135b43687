package reports

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// floorMs is the smallest latency a log axis shows (1 µs): a stop
// answered at the instant it was made is drawn there.
const floorMs = 0.001

// binsPerDecade is the histogram's resolution on its log axis.
const binsPerDecade = 5

// latencies collects the latencies (ms, at least floorMs) of every stop
// that returned, by the stop's Label, and the labels in display order.
func latencies(runs []Run) (map[string][]float64, []string) {
	by := map[string][]float64{}
	for _, r := range runs {
		for _, st := range r.Stops {
			if st.LatencyUs != nil {
				by[st.Label()] = append(by[st.Label()], max(floorMs, float64(*st.LatencyUs)/1000))
			}
		}
	}
	for _, vs := range by {
		slices.Sort(vs)
	}
	return by, sortLabels(slices.Collect(maps.Keys(by)))
}

// sortLabels orders stop labels by mechanism (mechanismOrder), then by
// name, so that easy-stop comes first and variants follow their
// mechanism.
func sortLabels(labels []string) []string {
	rank := func(l string) int {
		mech, _, _ := strings.Cut(l, ":")
		if i := slices.Index(mechanismOrder, mech); i >= 0 {
			return i
		}
		return len(mechanismOrder)
	}
	slices.SortFunc(labels, func(a, b string) int { return cmp.Or(cmp.Compare(rank(a), rank(b)), strings.Compare(a, b)) })
	return labels
}

// span returns the smallest and largest value over every series.
func span(by map[string][]float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, vs := range by {
		lo, hi = min(lo, vs[0]), max(hi, vs[len(vs)-1])
	}
	return lo, hi
}

func stopHistogram(r Results) (Figure, bool, error) {
	by, labels := latencies(r.Runs)
	if len(labels) == 0 {
		return Figure{}, false, nil
	}
	c := newChart("Stop latency by mechanism", "stop latency: request to return (ms, log scale)", "stops", chartHeight)
	lo, hi := span(by)
	setLog(&c.p.X, math.Log10(lo), math.Log10(hi))
	edges := logEdges(c.p.X.Min, c.p.X.Max)
	colors := newColorer(mechanismOrder...)
	top := 0.0
	for _, l := range labels {
		counts := histogram(log10s(by[l]), edges)
		top = max(top, float64(slices.Max(counts)))
		col := colors.of(l)
		outline := line(stepOutline(edges, counts), col, vg.Points(1.5))
		outline.FillColor = faded(col, 0x30)
		c.p.Add(outline)
		c.legend.Add(seriesLegend(l, by[l]), swatch{faded(col, 0x90)})
	}
	markQuantiles(c, by, labels, colors, top*1.08)
	c.p.Y.Min, c.p.Y.Max = 0, top*1.1
	c.legend.Add("p50 (solid)", line(nil, black, vg.Points(1.2)))
	c.legend.Add("p99 (dashed)", line(nil, black, vg.Points(1.2), vg.Points(4), vg.Points(2)))
	return c.figure("stop-latency-hist", fmt.Sprintf(
		"How long after a stop request the application got control back, per mechanism, over every run "+
			"(%d bins per decade; overlaid, translucent). Vertical lines mark each mechanism's p50 (solid) and p99 (dashed). "+
			"Latencies under 1 µs are drawn at 1 µs.", binsPerDecade))
}

var black = plotter.DefaultLineStyle.Color

// seriesLegend is "label  n=…  p50 … ms  p99 … ms".
func seriesLegend(label string, sorted []float64) string {
	return fmt.Sprintf("%s  n=%d  p50 %s ms  p99 %s ms", label, len(sorted), fmtMs(quantile(sorted, 50)), fmtMs(quantile(sorted, 99)))
}

// markQuantiles draws each series' p50 (solid) and p99 (dashed) as a
// vertical line up to height top.
func markQuantiles(c *chart, by map[string][]float64, labels []string, colors *colorer, top float64) {
	for _, l := range labels {
		col := colors.of(l)
		p50, p99 := math.Log10(quantile(by[l], 50)), math.Log10(quantile(by[l], 99))
		c.p.Add(line(plotter.XYs{{X: p50, Y: 0}, {X: p50, Y: top}}, col, vg.Points(1.2)))
		c.p.Add(line(plotter.XYs{{X: p99, Y: 0}, {X: p99, Y: top}}, col, vg.Points(1.2), vg.Points(4), vg.Points(2)))
	}
}

// logEdges are bin edges from lo to hi (whole log10 exponents),
// binsPerDecade per decade, in log10.
func logEdges(lo, hi float64) []float64 {
	a, b := int(math.Round(lo*binsPerDecade)), int(math.Round(hi*binsPerDecade))
	edges := make([]float64, 0, b-a+1)
	for k := a; k <= b; k++ {
		edges = append(edges, float64(k)/binsPerDecade)
	}
	return edges
}

// log10s returns the log10 of each value, for a log axis (setLog).
func log10s(vs []float64) []float64 {
	out := make([]float64, len(vs))
	for i, v := range vs {
		out[i] = math.Log10(v)
	}
	return out
}

// histogram counts sorted values into the bins between edges; the last
// bin includes its upper edge.
func histogram(sorted, edges []float64) []int {
	counts := make([]int, len(edges)-1)
	for _, v := range sorted {
		i, _ := slices.BinarySearch(edges, v)
		if i < len(edges) && edges[i] == v {
			i++ // v opens bin i
		}
		counts[min(max(i-1, 0), len(counts)-1)]++
	}
	return counts
}

// stepOutline is the outline of a histogram of counts or shares: up and
// down each bar.
func stepOutline[T int | float64](edges []float64, heights []T) plotter.XYs {
	pts := plotter.XYs{{X: edges[0], Y: 0}}
	for i, n := range heights {
		pts = append(pts, plotter.XY{X: edges[i], Y: float64(n)}, plotter.XY{X: edges[i+1], Y: float64(n)})
	}
	return append(pts, plotter.XY{X: edges[len(edges)-1], Y: 0})
}

func stopECDF(r Results) (Figure, bool, error) {
	by, labels := latencies(r.Runs)
	if len(labels) == 0 {
		return Figure{}, false, nil
	}
	c := newChart("Stop latency distribution (ECDF)", "stop latency: request to return (ms, log scale)",
		"fraction of stops at or below", chartHeight)
	lo, hi := span(by)
	setLog(&c.p.X, math.Log10(lo), math.Log10(hi))
	grey := faded(palette[7], 0xff)
	for _, q := range []float64{0.5, 0.99} {
		c.p.Add(line(plotter.XYs{{X: c.p.X.Min, Y: q}, {X: c.p.X.Max, Y: q}}, grey, vg.Points(0.8), vg.Points(2), vg.Points(2)))
	}
	colors := newColorer(mechanismOrder...)
	for _, l := range labels {
		col := colors.of(l)
		c.p.Add(line(ecdf(log10s(by[l])), col, vg.Points(1.8)))
		c.p.Add(glyphs(plotter.XYs{{X: math.Log10(quantile(by[l], 50)), Y: 0.5}}, col, vg.Points(4), draw.CircleGlyph{}))
		c.p.Add(glyphs(plotter.XYs{{X: math.Log10(quantile(by[l], 99)), Y: 0.99}}, col, vg.Points(4.5), draw.TriangleGlyph{}))
		c.legend.Add(seriesLegend(l, by[l]), line(nil, col, vg.Points(1.8)))
	}
	c.p.Y.Min, c.p.Y.Max = 0, 1.02
	c.p.Y.Tick.Marker = plot.ConstantTicks{{Value: 0, Label: "0"}, {Value: 0.25, Label: "0.25"},
		{Value: 0.5, Label: "0.5"}, {Value: 0.75, Label: "0.75"}, {Value: 0.99, Label: "0.99"}}
	c.legend.Add("p50", glyphs(nil, black, vg.Points(4), draw.CircleGlyph{}))
	c.legend.Add("p99", glyphs(nil, black, vg.Points(4.5), draw.TriangleGlyph{}))
	return c.figure("stop-latency-ecdf",
		"Empirical distribution of stop latency per mechanism: for each latency on the x axis, the fraction of stops "+
			"answered at least that fast. A circle marks each mechanism's p50, a triangle its p99 (grey dotted lines at 0.5 and 0.99).")
}

// ecdf is the step function of sorted values: from 0 up to 1.
func ecdf(sorted []float64) plotter.XYs {
	n := float64(len(sorted))
	pts := plotter.XYs{{X: sorted[0], Y: 0}}
	for i, v := range sorted {
		pts = append(pts, plotter.XY{X: v, Y: float64(i) / n}, plotter.XY{X: v, Y: float64(i+1) / n})
	}
	return pts
}

// boxRow is one box of a box plot: its label, colour key and values.
type boxRow struct {
	label, group string
	values       []float64
}

func stopBoxes(r Results) (Figure, bool, error) {
	rows := stopRows(r.Runs)
	if len(rows) == 0 {
		return Figure{}, false, nil
	}
	c := newChart("Stop latency by mechanism, variant and profile", "stop latency: request to return (ms, log scale)", "", boxHeight(len(rows)))
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, row := range rows {
		lo, hi = min(lo, slices.Min(row.values)), max(hi, slices.Max(row.values))
	}
	for i := range rows {
		rows[i].values = log10s(rows[i].values)
	}
	if err := addBoxes(c, rows); err != nil {
		return Figure{}, false, err
	}
	setLog(&c.p.X, math.Log10(lo), math.Log10(hi))
	return c.figure("stop-latency-boxes",
		"Stop latency per mechanism (and easy-stop variant) under each profile, over every run. Boxes span the quartiles "+
			"with the median inside; whiskers reach 1.5 IQR; points beyond are drawn singly. Colour is the profile.")
}

// stopRows groups returned stops by (label, profile), in display order.
func stopRows(runs []Run) []boxRow {
	by := map[[2]string][]float64{}
	for _, r := range runs {
		for _, st := range r.Stops {
			if st.LatencyUs != nil {
				k := [2]string{st.Label(), r.Profile}
				by[k] = append(by[k], max(floorMs, float64(*st.LatencyUs)/1000))
			}
		}
	}
	var labels []string
	for k := range by {
		labels = append(labels, k[0])
	}
	labels = slices.Compact(sortLabels(labels))
	var rows []boxRow
	for _, l := range labels {
		for _, k := range slices.SortedFunc(maps.Keys(by), func(a, b [2]string) int { return strings.Compare(a[1], b[1]) }) {
			if k[0] == l {
				rows = append(rows, boxRow{label: l + " · " + k[1], group: k[1], values: by[k]})
			}
		}
	}
	return rows
}

// boxHeight gives each box row about a third of an inch.
func boxHeight(rows int) vg.Length {
	return max(3*vg.Inch, vg.Length(rows)*0.34*vg.Inch+1.3*vg.Inch)
}

// addBoxes draws rows as horizontal box plots, the first row at the top,
// coloured by group, with a legend entry per group.
func addBoxes(c *chart, rows []boxRow) error {
	colors := newColorer()
	var names []string
	var groups []string
	for i, row := range rows {
		y := float64(len(rows) - 1 - i)
		b, err := plotter.NewBoxPlot(vg.Points(12), y, plotter.Values(row.values))
		if err != nil {
			return fmt.Errorf("reports: box plot %q: %w", row.label, err)
		}
		b.Horizontal = true
		col := colors.of(row.group)
		b.FillColor = faded(col, 0x60)
		b.BoxStyle.Color, b.WhiskerStyle.Color, b.MedianStyle.Color = col, col, black
		b.MedianStyle.Width = vg.Points(1.6)
		b.GlyphStyle.Color = col
		c.p.Add(b)
		names = append([]string{row.label}, names...)
		if !slices.Contains(groups, row.group) {
			groups = append(groups, row.group)
			c.legend.Add(row.group, swatch{faded(col, 0x90)})
		}
	}
	c.p.NominalY(names...)
	c.p.Y.Min, c.p.Y.Max = -0.7, float64(len(rows))-0.3
	return nil
}
