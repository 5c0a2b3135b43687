package reports

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Title is the fidelity section's heading: "Fidelity: simulator vs
// libcurl".
func (f Fidelity) Title() string { return "Fidelity: " + f.Sim + " vs " + f.Real }

// Count returns the number of metrics, over every pair, with verdict v.
func (f Fidelity) Count(v FidelityVerdict) int {
	n := 0
	for _, p := range f.Pairs {
		for _, m := range p.Metrics {
			if m.Verdict == v {
				n++
			}
		}
	}
	return n
}

// headline says what was paired and how the metrics came out.
func (f Fidelity) headline() string {
	total := 0
	for _, p := range f.Pairs {
		total += len(p.Metrics)
	}
	return fmt.Sprintf("%s paired; of %s, %d match, %d differ, %d have too few runs, %d have samples of one engine only.",
		plural(len(f.Pairs), "configuration"), plural(total, "latency metric"),
		f.Count(Match), f.Count(Differ), f.Count(TooFewRuns), f.Count(OneEngineOnly))
}

// criteriaText says when a metric matches.
func (f Fidelity) criteriaText() string {
	return fmt.Sprintf("A metric matches when the Kolmogorov–Smirnov distance D between the two engines' samples is "+
		"below %s (for result codes, the total variation distance), with at least %s on each side.",
		strconv.FormatFloat(f.Criteria.MaxD, 'f', -1, 64), plural(f.Criteria.MinRuns, "sample"))
}

// verdictClass is the HTML class of a verdict's cell.
func verdictClass(v FidelityVerdict) string {
	switch v {
	case Match:
		return "good"
	case Differ:
		return "bad"
	}
	return ""
}

// fidMetricRow is one line of the fidelity metrics table, values in ms.
type fidMetricRow struct {
	Scenario, Profile, Driver, Metric string
	SimN, RealN                       int
	SimP50, SimP99, RealP50, RealP99  string
	D, P, Verdict, Class              string
}

func fidMetricRows(f Fidelity) []fidMetricRow {
	var rows []fidMetricRow
	for _, p := range f.Pairs {
		for _, m := range p.Metrics {
			row := fidMetricRow{Scenario: p.Scenario, Profile: p.Profile, Driver: p.Driver, Metric: fidMetricTitle(m.Metric),
				SimN: m.Sim.N, RealN: m.Real.N, SimP50: sampleMs(m.Sim, m.Sim.P50), SimP99: sampleMs(m.Sim, m.Sim.P99),
				RealP50: sampleMs(m.Real, m.Real.P50), RealP99: sampleMs(m.Real, m.Real.P99), D: "-", P: "-",
				Verdict: m.Verdict.String(), Class: verdictClass(m.Verdict)}
			if m.Verdict != OneEngineOnly {
				row.D, row.P = strconv.FormatFloat(m.D, 'f', 3, 64), pText(m.P)
			}
			rows = append(rows, row)
		}
	}
	return rows
}

// fidMetricTitle is a pair metric's name for people: "elapsed
// (transfer 2)", "stop latency (xferinfo)".
func fidMetricTitle(name string) string {
	if base, id, _ := strings.Cut(name, "/"); base == MetricElapsed {
		return "elapsed (transfer " + id + ")"
	}
	return metricTitle(name)
}

func sampleMs(s EngineSample, v float64) string {
	if s.N == 0 {
		return "-"
	}
	return usAsMs(v)
}

// pText writes a p-value to three decimals, "<0.001" below.
func pText(p float64) string {
	if p < 0.001 {
		return "<0.001"
	}
	return strconv.FormatFloat(p, 'f', 3, 64)
}

// fidResultRow is one line of the result codes table.
type fidResultRow struct {
	Scenario, Profile, Driver string
	Transfer                  int
	Sim, Real                 string
	Distance, Verdict, Class  string
}

func fidResultRows(f Fidelity) []fidResultRow {
	var rows []fidResultRow
	for _, p := range f.Pairs {
		for _, r := range p.Results {
			rows = append(rows, fidResultRow{Scenario: p.Scenario, Profile: p.Profile, Driver: p.Driver,
				Transfer: r.Transfer, Sim: shareList(r.Sim), Real: shareList(r.Real),
				Distance: strconv.FormatFloat(r.Distance, 'f', 3, 64), Verdict: r.Verdict.String(), Class: verdictClass(r.Verdict)})
		}
	}
	return rows
}

// shareList writes "OK 48 (96 %), STOPPED 2 (4 %)", most frequent first.
func shareList(m map[string]int) string {
	n := countSum(m)
	codes := slices.Sorted(maps.Keys(m))
	slices.SortStableFunc(codes, func(a, b string) int { return m[b] - m[a] })
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = fmt.Sprintf("%s %d (%s)", c, m[c], percent(m[c], n))
	}
	return strings.Join(parts, ", ")
}

func percent(k, n int) string { return fmt.Sprintf("%.0f %%", float64(k)/float64(n)*100) }

// fidTimerRow is one line of the timer callback table: each side's most
// frequent sequences as text.
type fidTimerRow struct {
	Scenario, Profile, Driver string
	Sim, Real                 []string
	Agree, Class              string
}

func fidTimerRows(f Fidelity) []fidTimerRow {
	var rows []fidTimerRow
	for _, p := range f.Pairs {
		t := p.Timer
		row := fidTimerRow{Scenario: p.Scenario, Profile: p.Profile, Driver: p.Driver,
			Sim: seqTexts(t.Sim, t.SimRuns), Real: seqTexts(t.Real, t.RealRuns), Agree: "no", Class: "bad"}
		switch {
		case len(t.Sim) == 0 || len(t.Real) == 0:
			row.Agree, row.Class = "unknown (no trace)", ""
		case t.Agree:
			row.Agree, row.Class = "yes", "good"
		}
		rows = append(rows, row)
	}
	return rows
}

// maxSeqShown bounds the values of a sequence a table cell shows.
const maxSeqShown = 16

func seqTexts(seqs []SeqCount, runs int) []string {
	var out []string
	for _, s := range seqs {
		out = append(out, fmt.Sprintf("%s: %d of %s (%s)", seqText(s), s.Runs, plural(runs, "run"), percent(s.Runs, runs)))
	}
	return out
}

// seqText writes a timer sequence as "0 1500 -1": its first
// maxSeqShown values, then "…" and how many there were; "no calls" when
// empty.
func seqText(s SeqCount) string {
	if len(s.Seq) == 0 && !s.Truncated {
		return "no calls"
	}
	parts := make([]string, 0, maxSeqShown)
	for _, v := range s.Seq[:min(len(s.Seq), maxSeqShown)] {
		parts = append(parts, strconv.FormatInt(v, 10))
	}
	text := strings.Join(parts, " ")
	switch {
	case s.Truncated:
		text += fmt.Sprintf(" … (over %d calls)", MaxTimerSeq)
	case len(s.Seq) > maxSeqShown:
		text += fmt.Sprintf(" … (%d calls)", len(s.Seq))
	}
	return text
}

// fidPropertyRow is one line of the property verdicts table.
type fidPropertyRow struct {
	Scenario, Profile, Driver, Property string
	Sim, Real                           string // "3 of 50 runs"
	SimBad, RealBad                     bool
}

// fidPropertyRows has a line per violated property of each pair, and
// one saying "none" for a pair where neither engine violated any.
func fidPropertyRows(f Fidelity) []fidPropertyRow {
	var rows []fidPropertyRow
	for _, p := range f.Pairs {
		props := p.Properties
		if len(props) == 0 {
			props = []PropertyFidelity{{Property: "none"}}
		}
		for _, pr := range props {
			rows = append(rows, fidPropertyRow{Scenario: p.Scenario, Profile: p.Profile, Driver: p.Driver, Property: pr.Property,
				Sim: fmt.Sprintf("%d of %s", pr.Sim, plural(p.SimRuns, "run")), Real: fmt.Sprintf("%d of %s", pr.Real, plural(p.RealRuns, "run")),
				SimBad: pr.Sim > 0, RealBad: pr.Real > 0})
		}
	}
	return rows
}

// fidNote is a pair's caveats, or one side's unpaired configurations.
type fidNote struct {
	Subject string
	Text    string
}

func fidNotes(f Fidelity) []fidNote {
	var notes []fidNote
	for _, p := range f.Pairs {
		for _, n := range p.Notes(f.Sim, f.Real) {
			notes = append(notes, fidNote{Subject: p.PairKey.String(), Text: n})
		}
	}
	for _, side := range []struct {
		name string
		keys []PairKey
	}{{f.Sim, f.OnlySim}, {f.Real, f.OnlyReal}} {
		for _, k := range side.keys {
			notes = append(notes, fidNote{Subject: k.String(), Text: "only " + side.name + " ran it"})
		}
	}
	return notes
}

// WriteMarkdown writes the comparison as a Markdown section: the
// headline and criteria, then tables of the latency metrics (ms), result
// codes, timer callback sequences and property verdicts, and the notes.
// Report.WriteMarkdown includes it when the report has a Fidelity.
func (f Fidelity) WriteMarkdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	f.writeMarkdown(bw)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	return nil
}

func (f Fidelity) writeMarkdown(w io.Writer) {
	fmt.Fprintf(w, "## %s\n\n%s %s\n", mdText(f.Title()), mdText(f.headline()), mdText(f.criteriaText()))
	writeMarkdownFidMetrics(w, f)
	writeMarkdownFidResults(w, f)
	writeMarkdownFidTimers(w, f)
	writeMarkdownFidProperties(w, f)
	if notes := fidNotes(f); len(notes) > 0 {
		fmt.Fprint(w, "\n### Notes\n\n")
		for _, n := range notes {
			fmt.Fprintf(w, "- %s: %s\n", mdText(n.Subject), mdText(n.Text))
		}
	}
}

// fidSides heads a table's per-engine columns: "simulator n | … |
// libcurl p99".
func fidSides(f Fidelity, cols ...string) string {
	var parts []string
	for _, side := range []string{f.Sim, f.Real} {
		for _, c := range cols {
			parts = append(parts, mdText(side+" "+c))
		}
	}
	return strings.Join(parts, " | ")
}

func writeMarkdownFidMetrics(w io.Writer, f Fidelity) {
	rows := fidMetricRows(f)
	if len(rows) == 0 {
		return
	}
	fmt.Fprint(w, "\n### Latencies (ms)\n\n")
	fmt.Fprintf(w, "| scenario | profile | driver | metric | %s | D | p | verdict |\n", fidSides(f, "n", "p50", "p99"))
	fmt.Fprintln(w, "|---|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %d | %s | %s | %d | %s | %s | %s | %s | %s |\n",
			mdCell(r.Scenario), mdCell(r.Profile), mdCell(r.Driver), mdCell(r.Metric),
			r.SimN, r.SimP50, r.SimP99, r.RealN, r.RealP50, r.RealP99, r.D, mdText(r.P), mdVerdict(r.Verdict, r.Class))
	}
}

// mdVerdict writes a verdict, in bold when it is "differ".
func mdVerdict(v, class string) string {
	if class == "bad" {
		return "**" + mdText(v) + "**"
	}
	return mdText(v)
}

func writeMarkdownFidResults(w io.Writer, f Fidelity) {
	rows := fidResultRows(f)
	if len(rows) == 0 {
		return
	}
	fmt.Fprint(w, "\n### Result codes\n\n")
	fmt.Fprintf(w, "| scenario | profile | driver | transfer | %s | distance | verdict |\n", fidSides(f, "results"))
	fmt.Fprintln(w, "|---|---|---|--:|---|---|--:|---|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %s | %s | %d | %s | %s | %s | %s |\n", mdCell(r.Scenario), mdCell(r.Profile), mdCell(r.Driver),
			r.Transfer, mdCell(r.Sim), mdCell(r.Real), r.Distance, mdVerdict(r.Verdict, r.Class))
	}
}

func writeMarkdownFidTimers(w io.Writer, f Fidelity) {
	rows := fidTimerRows(f)
	if len(rows) == 0 {
		return
	}
	fmt.Fprint(w, "\n### Timer callback sequences\n\n")
	fmt.Fprintf(w, "| scenario | profile | driver | %s | most frequent agree |\n", fidSides(f, "most frequent"))
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", mdCell(r.Scenario), mdCell(r.Profile), mdCell(r.Driver),
			mdCell(mdJoin(r.Sim)), mdCell(mdJoin(r.Real)), mdVerdict(r.Agree, r.Class))
	}
}

// mdJoin joins a cell's entries; a table cell holds no line break.
func mdJoin(entries []string) string { return strings.Join(entries, "; ") }

func writeMarkdownFidProperties(w io.Writer, f Fidelity) {
	rows := fidPropertyRows(f)
	if len(rows) == 0 {
		return
	}
	fmt.Fprint(w, "\n### Property violations\n\n")
	fmt.Fprintf(w, "| scenario | profile | driver | property | %s |\n", fidSides(f, "violating runs"))
	fmt.Fprintln(w, "|---|---|---|---|--:|--:|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", mdCell(r.Scenario), mdCell(r.Profile), mdCell(r.Driver),
			mdCell(r.Property), r.Sim, r.Real)
	}
}
