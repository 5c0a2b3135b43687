package reports

import (
	"fmt"
	"image/color"
	"maps"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// stateOrder is curl's state order (model.TransferState): the legend
// lists states as a transfer meets them.
var stateOrder = []string{"INIT", "PENDING", "CONNECT", "RESOLVING", "CONNECTING", "DO", "PERFORMING",
	"RATELIMITING", "DONE", "COMPLETED", "MSGSENT"}

// Where things sit within a lane (in lane units; lanes are 1 apart).
const (
	stateRow = -0.18 // the state bar
	timerRow = 0.22  // armed timers and pops
)

// stateBarWidth is the thickness of a lane's state bar.
const stateBarWidth = 9 // points

var stopColor = color.NRGBA{0xC0, 0x00, 0x00, 0xff}

func timelineFigure(r Results) (Figure, bool, error) {
	tl := r.Timeline
	if tl == nil || len(tl.Lanes) == 0 {
		return Figure{}, false, nil
	}
	c := newChart("", "virtual time (ms)", "", timelineHeight(len(tl.Lanes)))
	c.p.Title.Text = fitText(c.p.Title.TextStyle, "Timeline: "+tl.Scenario, c.w*0.6)
	states, timers := newColorer(), newColorer()
	seenStates, seenTimers := map[string]bool{}, map[string]bool{}
	var fired, stops plotter.XYs
	results := newPointLabels()
	results.endOfBar = true // under the end of the state bar, inside the lane
	results.gap = stateBarWidth + vg.Points(2)
	for i, ln := range tl.Lanes {
		y := float64(len(tl.Lanes) - 1 - i)
		results.add(ms(laneEnd(ln)), y+stateRow, ln.Result)
		addStates(c, ln, y, states, seenStates)
		addTimers(c, ln, y, timers, seenTimers)
		for _, at := range ln.FiredUs {
			fired = append(fired, plotter.XY{X: ms(at), Y: y + timerRow})
		}
		for _, at := range ln.StopsUs {
			stops = append(stops, plotter.XY{X: ms(at), Y: y})
			c.p.Add(line(plotter.XYs{{X: ms(at), Y: y - 0.45}, {X: ms(at), Y: y + 0.45}}, stopColor, vg.Points(1), vg.Points(3), vg.Points(2)))
		}
	}
	timelineLegend(c, states, seenStates, timers, seenTimers)
	addMarks(c, fired, stops)
	c.p.Add(results)
	laneAxis(c, tl)
	c.p.X.Min, c.p.X.Max = 0, max(ms(tl.EndUs), 1)
	return c.figure("timeline", timelineCaption(tl))
}

func ms(us int64) float64 { return float64(us) / 1000 }

// timelineHeight gives each lane about half an inch.
func timelineHeight(lanes int) vg.Length {
	return max(3.2*vg.Inch, vg.Length(lanes)*0.5*vg.Inch+1.4*vg.Inch)
}

// addStates draws a lane's states as a thick bar coloured by state.
func addStates(c *chart, ln Lane, y float64, colors *colorer, seen map[string]bool) {
	for _, sp := range ln.States {
		if sp.ToUs <= sp.FromUs {
			continue
		}
		seen[sp.State] = true
		c.p.Add(line(plotter.XYs{{X: ms(sp.FromUs), Y: y + stateRow}, {X: ms(sp.ToUs), Y: y + stateRow}}, colors.of(sp.State), stateBarWidth))
	}
}

// addTimers draws each armed timer as a thin line from arming to its end,
// with a dot at the deadline when it came due.
func addTimers(c *chart, ln Lane, y float64, colors *colorer, seen map[string]bool) {
	for _, t := range ln.Timers {
		seen[t.ID] = true
		col := colors.of(t.ID)
		a, e := ms(t.ArmedUs), ms(max(t.EndUs, t.ArmedUs))
		c.p.Add(line(plotter.XYs{{X: a, Y: y + timerRow}, {X: e, Y: y + timerRow}}, col, vg.Points(2.2)))
		if t.EndUs == t.DeadlineUs {
			c.p.Add(glyphs(plotter.XYs{{X: e, Y: y + timerRow}}, col, vg.Points(2.5), draw.CircleGlyph{}))
		}
	}
}

// addMarks draws index pops and stop requests over everything else.
func addMarks(c *chart, fired, stops plotter.XYs) {
	if len(fired) > 0 {
		g := glyphs(fired, black, vg.Points(3.5), draw.TriangleGlyph{})
		c.p.Add(g)
		c.legend.Add("timer popped (index)", g)
	}
	if len(stops) > 0 {
		g := glyphs(stops, stopColor, vg.Points(5), draw.CrossGlyph{})
		g.GlyphStyle.Radius = vg.Points(5)
		c.p.Add(g)
		c.legend.Add("stop requested", g)
	}
}

// timelineLegend lists the states met, in curl's order, then the timer
// IDs, sorted. Colours were handed out while drawing; the legend reads
// them back by name, so the order here does not change them.
func timelineLegend(c *chart, states *colorer, seenStates map[string]bool, timers *colorer, seenTimers map[string]bool) {
	for _, s := range stateOrder {
		if seenStates[s] {
			c.legend.Add("state "+s, line(nil, states.of(s), vg.Points(7)))
		}
	}
	for _, s := range slices.Sorted(maps.Keys(seenStates)) {
		if !slices.Contains(stateOrder, s) {
			c.legend.Add("state "+s, line(nil, states.of(s), vg.Points(7)))
		}
	}
	for _, id := range slices.Sorted(maps.Keys(seenTimers)) {
		c.legend.Add("timer "+id, line(nil, timers.of(id), vg.Points(2.2)))
	}
}

// laneEnd is where a lane's last state span ends: its result goes there.
func laneEnd(ln Lane) int64 {
	if n := len(ln.States); n > 0 {
		return ln.States[n-1].ToUs
	}
	return 0
}

// laneAxis labels each lane with its transfer.
func laneAxis(c *chart, tl *Timeline) {
	var ticks []plot.Tick
	for i, ln := range tl.Lanes {
		ticks = append(ticks, plot.Tick{Value: float64(len(tl.Lanes) - 1 - i), Label: fmt.Sprintf("transfer %d", ln.Transfer)})
	}
	c.p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	c.p.Y.Tick.Length = 0
	c.p.Y.Min, c.p.Y.Max = -0.6, float64(len(tl.Lanes))-0.4
}

func timelineCaption(tl *Timeline) string {
	var b strings.Builder
	fmt.Fprintf(&b, "One run of %s under %s with the %s driver, seed %d", tl.Scenario, tl.Profile, tl.Driver, tl.Seed)
	if ps := paramString(tl.Params); ps != "" {
		fmt.Fprintf(&b, " (%s)", ps)
	}
	b.WriteString(": a lane per transfer. The thick bar is the transfer's state; thin lines above it are its armed timers, " +
		"from arming to when they came due (dot), were replaced or were cleared; triangles are index pops; a red cross and " +
		"dashed line mark a stop request; the transfer's result is written where its states end.")
	if tl.Omitted > 0 {
		fmt.Fprintf(&b, " %d more transfers are not shown.", tl.Omitted)
	}
	return b.String()
}
