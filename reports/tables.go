package reports

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Report is what the HTML and Markdown renderings show: the results and,
// when a baseline was given, the comparison with it, and when another
// engine ran the same scenarios, the fidelity comparison.
type Report struct {
	// Title heads the report; "" means "expiry report".
	Title   string
	Results Results
	// Diff is the comparison with a baseline, or nil.
	Diff *Diff
	// Fidelity is the comparison of two engines (FidelityOf), or nil.
	// Results is usually one of its sides, but need not be.
	Fidelity *Fidelity
}

func (r Report) title() string {
	if r.Title == "" {
		return "expiry report"
	}
	return r.Title
}

// scenarioRow is one line of the scenarios table.
type scenarioRow struct {
	Scenario, Profile, Driver, Params string
	Runs                              int
	Outcomes                          string
	Violating                         int
	Violated                          string
}

func scenarioRows(res Results) []scenarioRow {
	var rows []scenarioRow
	for _, s := range res.Summaries {
		rows = append(rows, scenarioRow{
			Scenario: s.Scenario, Profile: s.Profile, Driver: s.Driver, Params: withEngine(paramString(s.Params), s.Engine),
			Runs: s.Runs, Outcomes: countList(s.Outcomes), Violating: s.Violating, Violated: countList(s.Violated),
		})
	}
	return rows
}

// countList writes "a 3, b 1" in key order.
func countList(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// metricRow is one line of the latency table, values in ms.
type metricRow struct {
	Scenario, Profile, Driver, Params string
	Metric                            string
	Count                             int
	Min, P50, P90, P99, Max           string
	WorstSeed                         uint64
}

// latencyMetrics are the metrics the latency tables show; the JSON has
// them all.
var latencyMetrics = []string{MetricStopLatency, MetricStopNotice, MetricOvershoot}

func metricRows(res Results) []metricRow {
	var rows []metricRow
	for _, s := range res.Summaries {
		for _, st := range s.Metrics {
			if !slices.Contains(latencyMetrics, metricBase(st.Metric)) {
				continue
			}
			rows = append(rows, metricRow{
				Scenario: s.Scenario, Profile: s.Profile, Driver: s.Driver, Params: withEngine(paramString(s.Params), s.Engine),
				Metric: metricTitle(st.Metric), Count: st.Count,
				Min: usAsMs(st.Min), P50: usAsMs(st.P50), P90: usAsMs(st.P90), P99: usAsMs(st.P99), Max: usAsMs(st.Max),
				WorstSeed: st.WorstSeed,
			})
		}
	}
	return rows
}

// metricTitle is a metric's name for people: "stop latency (xferinfo)".
func metricTitle(name string) string {
	base, label, _ := strings.Cut(name, "/")
	title := map[string]string{
		MetricStopLatency: "stop latency", MetricStopNotice: "stop notice", MetricOvershoot: "timeout overshoot",
	}[base]
	if title == "" {
		title = base
	}
	if label != "" {
		title += " (" + label + ")"
	}
	return title
}

// usAsMs writes µs as ms with three decimals: exact, since traces are in
// whole µs.
func usAsMs(us float64) string { return strconv.FormatFloat(us/1000, 'f', 3, 64) }

// violationRow is one verdict of one run.
type violationRow struct {
	Scenario, Profile, Driver, Params string
	Seed                              uint64
	Property                          string
	At                                string // ms
	Transfer                          int64
	Detail                            string
	Lines                             []string
}

// maxViolationRows bounds the violations a report lists; the JSON has
// every one.
const maxViolationRows = 50

// violationRows lists verdicts in run order, at most maxViolationRows,
// and how many were left out.
func violationRows(res Results) ([]violationRow, int) {
	var rows []violationRow
	total := 0
	for _, r := range res.Runs {
		for _, v := range r.Verdicts {
			total++
			if len(rows) == maxViolationRows {
				continue
			}
			rows = append(rows, violationRow{
				Scenario: r.Scenario, Profile: r.Profile, Driver: r.Driver, Params: withEngine(paramString(r.Params), r.Engine),
				Seed: r.Seed, Property: v.Property, At: usAsMs(float64(v.AtUs)), Transfer: v.Transfer,
				Detail: v.Detail, Lines: v.Lines,
			})
		}
	}
	return rows, total - len(rows)
}

// totals are the headline numbers.
type totals struct {
	Runs, Configs, Violating, Verdicts int
}

// The totals in words, for the HTML template.
func (t totals) RunsText() string      { return plural(t.Runs, "run") }
func (t totals) ConfigsText() string   { return plural(t.Configs, "scenario configuration") }
func (t totals) ViolatingText() string { return plural(t.Violating, "run") }
func (t totals) VerdictsText() string  { return plural(t.Verdicts, "verdict") }

func totalsOf(res Results) totals {
	t := totals{Runs: len(res.Runs), Configs: len(res.Summaries)}
	for _, r := range res.Runs {
		if len(r.Verdicts) > 0 {
			t.Violating++
		}
		t.Verdicts += len(r.Verdicts)
	}
	return t
}
