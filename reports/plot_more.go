package reports

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

func overshootBoxes(r Results) (Figure, bool, error) {
	rows := overshootRows(r.Runs)
	if len(rows) == 0 {
		return Figure{}, false, nil
	}
	c := newChart("Timeout overshoot by driver and profile", "overshoot: elapsed − option limit (ms)", "", boxHeight(len(rows)))
	if err := addBoxes(c, rows); err != nil {
		return Figure{}, false, err
	}
	zero := line(plotter.XYs{{X: 0, Y: -0.7}, {X: 0, Y: float64(len(rows)) - 0.3}}, black, vg.Points(1), vg.Points(3), vg.Points(2))
	c.p.Add(zero)
	c.legend.Add("the limit (0)", zero)
	return c.figure("timeout-overshoot",
		"How far past its TIMEOUT_MS or CONNECTTIMEOUT_MS each timed-out transfer ended, pooled over scenarios and seeds, "+
			"per application driver and profile; left of the dashed line a transfer ended early. Boxes span the quartiles, "+
			"whiskers 1.5 IQR. Colour is the profile.")
}

// overshootRows groups the overshoots of timed-out transfers by
// (driver, profile).
func overshootRows(runs []Run) []boxRow {
	by := map[[2]string][]float64{}
	for _, r := range runs {
		for _, t := range r.Transfers {
			if t.OvershootUs != nil {
				k := [2]string{r.Driver, r.Profile}
				by[k] = append(by[k], float64(*t.OvershootUs)/1000)
			}
		}
	}
	var rows []boxRow
	for _, k := range slices.SortedFunc(maps.Keys(by), func(a, b [2]string) int {
		return cmp.Or(strings.Compare(a[0], b[0]), strings.Compare(a[1], b[1]))
	}) {
		rows = append(rows, boxRow{label: k[0] + " · " + k[1], group: k[1], values: by[k]})
	}
	return rows
}

// tradePoint is one (mechanism, profile, poll cap) of the trade-off plot.
type tradePoint struct {
	label, profile string
	cap            time.Duration // 0 when the runs set none
	idle, lat      []float64     // wake-ups/s and latency (ms) per stop
}

// minWakeups is the smallest wake-up rate the log axis shows: a thread
// that never woke is drawn there.
const minWakeups = 0.01

func pollCapTradeoff(r Results) (Figure, bool, error) {
	pts := tradePoints(r.Runs)
	if len(pts) == 0 {
		return Figure{}, false, nil
	}
	c := newChart("Stop latency against idle cost", "idle wake-ups of the performing thread (per second, log scale)",
		"stop latency p99 (ms, log scale)", chartHeight)
	colors := newColorer(mechanismOrder...)
	caps := newPointLabels()
	xlo, xhi, ylo, yhi := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, series := range tradeSeries(pts) {
		xys, labels := seriesXY(series)
		col := colors.of(series[0].label)
		name := series[0].label + " · " + series[0].profile
		shape, radius := draw.GlyphDrawer(draw.CircleGlyph{}), vg.Points(3.5)
		if series[0].label == "easy-stop" {
			// The reference runs at the same caps; its labels would
			// only crowd the others'.
			shape, radius, name, labels = draw.RingGlyph{}, vg.Points(6), name+" (reference)", nil
		}
		l, s := line(xys, col, vg.Points(1.2)), glyphs(xys, col, radius, shape)
		c.p.Add(l, s)
		c.legend.Add(name, l, s)
		for i, p := range xys {
			xlo, xhi, ylo, yhi = min(xlo, p.X), max(xhi, p.X), min(ylo, p.Y), max(yhi, p.Y)
			if i < len(labels) {
				caps.add(p.X, p.Y, labels[i])
			}
		}
	}
	c.p.Add(caps) // one set for every series, so labels of different series avoid each other too
	setLog(&c.p.X, xlo, xhi)
	setLog(&c.p.Y, ylo, yhi)
	return c.figure("poll-cap-tradeoff",
		"What a stop costs against how fast it acts: each point is one mechanism under one profile and poll cap (labelled), "+
			"at the median idle wake-up rate of the performing thread before the request (x) and the p99 stop latency (y). "+
			"Lower left is better; easy-stop (ring) is the reference. When some runs set a poll cap, only those runs are drawn. "+
			"Rates under 0.01/s and latencies under 1 µs are drawn at those floors.")
}

// tradePoints groups stops that returned by (label, profile, poll cap).
// A sweep that sets poll caps is what the plot is for: when any run
// carries ParamPollCap, runs without it are left out.
func tradePoints(runs []Run) []*tradePoint {
	swept := slices.ContainsFunc(runs, func(r Run) bool { _, ok := r.pollCap(); return ok })
	by := map[string]*tradePoint{}
	for _, r := range runs {
		capd, ok := r.pollCap()
		if swept && !ok {
			continue
		}
		for _, st := range r.Stops {
			if st.LatencyUs == nil {
				continue
			}
			k := fmt.Sprintf("%s\x00%s\x00%020d", st.Label(), r.Profile, capd)
			if by[k] == nil {
				by[k] = &tradePoint{label: st.Label(), profile: r.Profile, cap: capd}
			}
			by[k].idle = append(by[k].idle, max(minWakeups, st.IdleWakeups))
			by[k].lat = append(by[k].lat, max(floorMs, float64(*st.LatencyUs)/1000))
		}
	}
	var out []*tradePoint
	for _, k := range slices.Sorted(maps.Keys(by)) {
		out = append(out, by[k])
	}
	return out
}

// tradeSeries splits points into one series per (label, profile), in
// mechanism order, each sorted by poll cap.
func tradeSeries(pts []*tradePoint) [][]*tradePoint {
	by := map[string][]*tradePoint{}
	var labels []string
	for _, p := range pts {
		by[p.label] = append(by[p.label], p)
		labels = append(labels, p.label)
	}
	slices.Sort(labels)
	var out [][]*tradePoint
	for _, l := range sortLabels(slices.Compact(labels)) {
		var cur []*tradePoint
		for _, p := range by[l] { // sorted by profile, then cap (tradePoints' key)
			if len(cur) > 0 && cur[0].profile != p.profile {
				out, cur = append(out, cur), nil
			}
			cur = append(cur, p)
		}
		out = append(out, cur)
	}
	return out
}

// seriesXY places each point at (median wake-ups, p99 latency), in
// log10 for the log axes, with its poll cap as its label.
func seriesXY(series []*tradePoint) (plotter.XYs, []string) {
	var xys plotter.XYs
	var labels []string
	for _, p := range series {
		slices.Sort(p.idle)
		slices.Sort(p.lat)
		xys = append(xys, plotter.XY{X: math.Log10(quantile(p.idle, 50)), Y: math.Log10(quantile(p.lat, 99))})
		if p.cap > 0 {
			labels = append(labels, "cap "+p.cap.String())
		} else {
			labels = append(labels, "")
		}
	}
	return xys, labels
}
