package reports

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
)

func figureNamesOf(figs []Figure) []string {
	var names []string
	for _, f := range figs {
		names = append(names, f.Name)
	}
	return names
}

// The sweep has data for every figure; rendering twice gives the same
// bytes; each SVG is well-formed XML with its title in it.
func TestPlots(t *testing.T) {
	res := sweep(t, 2)
	figs, err := Plots(res)
	if err != nil {
		t.Fatal(err)
	}
	if got := figureNamesOf(figs); !slices.Equal(got, figureNames) {
		t.Fatalf("figures %q, want %q", got, figureNames)
	}
	again, err := Plots(res)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range figs {
		if !bytes.Equal(f.SVG, again[i].SVG) {
			t.Errorf("%s: two renderings of the same results differ", f.Name)
		}
		checkSVG(t, f)
	}
}

// checkSVG checks that f is well-formed, non-trivial, titled, and that
// every horizontal text lies inside the canvas by the font metrics the
// layout used (the browser test measures the rendered text too).
func checkSVG(t *testing.T, f Figure) {
	t.Helper()
	if len(f.SVG) < 1000 || f.Title == "" || f.Caption == "" || f.Width <= 0 || f.Height <= 0 {
		t.Errorf("%s: %d bytes, title %q, size %vx%v: want a titled, captioned, non-empty figure", f.Name, len(f.SVG), f.Title, f.Width, f.Height)
	}
	dec := xml.NewDecoder(bytes.NewReader(f.SVG))
	for {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("%s: not well-formed XML: %v", f.Name, err)
		}
	}
	if !bytes.Contains(f.SVG, []byte(">"+html.EscapeString(f.Title)+"</text>")) {
		t.Errorf("%s: title %q not drawn", f.Name, f.Title)
	}
	checkTextInside(t, f)
}

var (
	textRE   = regexp.MustCompile(`(?s)(<g transform="rotate\(90\)">\n)?<text x="([-0-9.e]+)" y="([-0-9.e]+)"[^>]*font-size:([0-9.]+)px">([^<]*)</text>`)
	canvasRE = regexp.MustCompile(`viewBox="0 0 ([0-9.]+) ([0-9.]+)"`)
)

func checkTextInside(t *testing.T, f Figure) {
	t.Helper()
	problems, n := textOutside(f.SVG)
	for _, p := range problems {
		t.Errorf("%s: %s", f.Name, p)
	}
	if n < 5 {
		t.Errorf("%s: only %d texts found: the SVG format changed, and this check with it", f.Name, n)
	}
}

// textOutside lists the horizontal texts of svg that leave its canvas,
// and counts the texts it checked.
func textOutside(svg []byte) ([]string, int) {
	m := canvasRE.FindSubmatch(svg)
	if m == nil {
		return []string{"no viewBox"}, 0
	}
	w, _ := strconv.ParseFloat(string(m[1]), 64)
	h, _ := strconv.ParseFloat(string(m[2]), 64)
	var problems []string
	n := 0
	for _, sm := range textRE.FindAllSubmatch(svg, -1) {
		if len(sm[1]) > 0 {
			continue // rotated: the browser test measures it
		}
		x, _ := strconv.ParseFloat(string(sm[2]), 64)
		y, _ := strconv.ParseFloat(string(sm[3]), 64)
		size, _ := strconv.ParseFloat(string(sm[4]), 64)
		s := html.UnescapeString(string(sm[5]))
		width := text.Style{Font: sans(size), Handler: plot.DefaultTextHandler}.Width(s).Points()
		if x < 0 || x+width > w+0.5 || -y < 0 || -y > h {
			problems = append(problems, fmt.Sprintf("text %q at (%.1f, %.1f), %.1f wide, leaves the %.0fx%.0f canvas", s, x, -y, width, w, h))
		}
		n++
	}
	return problems, n
}

// The clipping check finds a text that runs off the canvas.
func TestTextOutside(t *testing.T) {
	svg := []byte(`<svg viewBox="0 0 100 50">
<text x="10" y="-20" transform="scale(1, -1)"
	style="font-family:x;font-size:9px">fits</text>
<text x="80" y="-20" transform="scale(1, -1)"
	style="font-family:x;font-size:9px">runs off the right edge</text>
<g transform="rotate(90)">
<text x="500" y="-20" transform="scale(1, -1)"
	style="font-family:x;font-size:9px">rotated</text>
`)
	problems, n := textOutside(svg)
	if n != 2 || len(problems) != 1 || !strings.Contains(problems[0], "runs off the right edge") {
		t.Errorf("textOutside: %d checked, problems %q; want 2 checked and the long one reported", n, problems)
	}
}

// A report rebuilt from a results file draws the same plots.
func TestPlotsFromSavedResults(t *testing.T) {
	res := goldenResults(t)
	back, err := ReadJSON(bytes.NewReader(encode(t, res)))
	if err != nil {
		t.Fatal(err)
	}
	a, errA := Plots(res)
	b, errB := Plots(back)
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	for i := range a {
		if !bytes.Equal(a[i].SVG, b[i].SVG) {
			t.Errorf("%s differs once the results went through JSON", a[i].Name)
		}
	}
}

// Degenerate data draws, or is left out, without an error or a panic.
func TestPlotsEdgeCases(t *testing.T) {
	zero := latencyRun(1, 0) // a stop answered at the instant it was made
	same := []Run{latencyRun(1, 50), latencyRun(2, 50)}
	early := Run{Scenario: "e", Profile: "p", Driver: "d", Transfers: []Transfer{{ID: 1, OvershootUs: ptr(-900)}}}
	lost := Run{Scenario: "l", Profile: "p", Driver: "d", Stops: []Stop{{Mechanism: "xferinfo"}}}
	idle := latencyRun(1, 10)
	idle.Stops[0].IdleWakeups = 0
	tests := []struct {
		name string
		res  Results
		want []string
	}{
		{"empty", New(nil), nil},
		{"zero latency", New([]Run{zero}), []string{"stop-latency-hist", "stop-latency-ecdf", "stop-latency-boxes", "poll-cap-tradeoff"}},
		{"all equal", New(same), []string{"stop-latency-hist", "stop-latency-ecdf", "stop-latency-boxes", "poll-cap-tradeoff"}},
		{"only early ends", New([]Run{early}), []string{"timeout-overshoot"}},
		{"no stop returned", New([]Run{lost}), nil},
		{"no wake-ups", New([]Run{idle}), []string{"stop-latency-hist", "stop-latency-ecdf", "stop-latency-boxes", "poll-cap-tradeoff"}},
		{"empty timeline", Results{Timeline: &Timeline{}}, nil},
	}
	for _, tt := range tests {
		figs, err := Plots(tt.res)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got := figureNamesOf(figs); !slices.Equal(got, tt.want) {
			t.Errorf("%s: figures %q, want %q", tt.name, got, tt.want)
		}
		for _, f := range figs {
			checkSVG(t, f)
		}
	}
}

func TestLogTicks(t *testing.T) {
	var labels []string
	minor := 0
	for _, tk := range (logTicks{}).Ticks(-2, 1) {
		if tk.IsMinor() {
			minor++
		} else {
			labels = append(labels, tk.Label)
		}
	}
	if want := []string{"0.01", "0.1", "1", "10"}; !slices.Equal(labels, want) || minor != 3*8 {
		t.Errorf("ticks over 0.01..10: labels %q and %d minor, want %q and 24", labels, minor, want)
	}
}

func TestFitText(t *testing.T) {
	sty := text.Style{Font: sans(12), Handler: plot.DefaultTextHandler}
	long := "Timeline: " + strings.Repeat("a-very-long-scenario-name/", 10)
	got := fitText(sty, long, 200)
	if sty.Width(got) > vg.Length(200) || !strings.HasSuffix(got, "…") || !strings.HasPrefix(got, "Timeline: a-very") {
		t.Errorf("fitText = %q (%.0f pt), want a prefix with an ellipsis within 200 pt", got, sty.Width(got).Points())
	}
	if got := fitText(sty, "short", 200); got != "short" {
		t.Errorf("fitText(short) = %q", got)
	}
}
