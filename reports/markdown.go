package reports

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes the report's summary as Markdown: the headline,
// the comparison (if any), a table of scenario configurations, a table of
// latency statistics (ms), the violations and, when the report has one,
// the Fidelity section (Fidelity.WriteMarkdown). It is for CI job
// summaries and pull requests; the plots are in the HTML report.
func (r Report) WriteMarkdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	t := totalsOf(r.Results)
	fmt.Fprintf(bw, "# %s\n\n", mdText(r.title()))
	fmt.Fprintf(bw, "%s of %s; %s with property violations (%s). Results schema `%s`.\n",
		plural(t.Runs, "run"), plural(t.Configs, "scenario configuration"), plural(t.Violating, "run"), plural(t.Verdicts, "verdict"), Schema)
	if r.Diff != nil {
		writeMarkdownDiff(bw, *r.Diff)
	}
	writeMarkdownScenarios(bw, r.Results)
	writeMarkdownMetrics(bw, r.Results)
	writeMarkdownViolations(bw, r.Results)
	writeMarkdownSkipped(bw, r.Results)
	if r.Fidelity != nil {
		fmt.Fprintln(bw)
		r.Fidelity.writeMarkdown(bw)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	return nil
}

// writeMarkdownSkipped lists the configurations an engine could not run.
func writeMarkdownSkipped(w io.Writer, res Results) {
	if len(res.Skipped) == 0 {
		return
	}
	fmt.Fprint(w, "\n## Not expressible\n\n| scenario | engine | why |\n|---|---|---|\n")
	for _, s := range res.Skipped {
		fmt.Fprintf(w, "| %s | %s | %s |\n", mdCell(s.Scenario), mdCell(s.Engine), mdCell(s.Reason))
	}
}

func writeMarkdownDiff(w io.Writer, d Diff) {
	fmt.Fprint(w, "\n## Comparison with the baseline\n\n")
	head, body, _ := strings.Cut(d.String(), "\n")
	fmt.Fprintf(w, "**%s**\n", mdText(head))
	if body != "" {
		fmt.Fprintf(w, "\n```\n%s```\n", strings.ReplaceAll(body, "```", "'''"))
	}
}

func writeMarkdownScenarios(w io.Writer, res Results) {
	fmt.Fprint(w, "\n## Scenarios\n\n")
	fmt.Fprintln(w, "| scenario | profile | driver | params | runs | outcomes | violating runs | violated properties |")
	fmt.Fprintln(w, "|---|---|---|---|--:|---|--:|---|")
	for _, r := range scenarioRows(res) {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %d | %s | %d | %s |\n", mdCell(r.Scenario), mdCell(r.Profile), mdCell(r.Driver),
			mdCell(r.Params), r.Runs, mdCell(r.Outcomes), r.Violating, mdCell(r.Violated))
	}
}

func writeMarkdownMetrics(w io.Writer, res Results) {
	rows := metricRows(res)
	if len(rows) == 0 {
		return
	}
	fmt.Fprint(w, "\n## Latencies (ms)\n\n")
	fmt.Fprintln(w, "| scenario | profile | driver | params | metric | n | min | p50 | p90 | p99 | max | worst seed |")
	fmt.Fprintln(w, "|---|---|---|---|---|--:|--:|--:|--:|--:|--:|--:|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %d | %s | %s | %s | %s | %s | %d |\n",
			mdCell(r.Scenario), mdCell(r.Profile), mdCell(r.Driver), mdCell(r.Params), mdCell(r.Metric),
			r.Count, r.Min, r.P50, r.P90, r.P99, r.Max, r.WorstSeed)
	}
}

func writeMarkdownViolations(w io.Writer, res Results) {
	rows, omitted := violationRows(res)
	if len(rows) == 0 {
		return
	}
	fmt.Fprint(w, "\n## Violations\n\n")
	for _, v := range rows {
		where := ""
		if v.Transfer != 0 {
			where = fmt.Sprintf(", transfer %d", v.Transfer)
		}
		fmt.Fprintf(w, "- **%s** in %s (%s, %s%s, seed %d) at %s ms%s: %s\n", mdText(v.Property), mdText(v.Scenario),
			mdText(v.Profile), mdText(v.Driver), paramSuffix(v.Params), v.Seed, v.At, where, mdText(v.Detail))
	}
	if omitted > 0 {
		fmt.Fprintf(w, "- … and %d more (see results.json)\n", omitted)
	}
}

func paramSuffix(p string) string {
	if p == "" {
		return ""
	}
	return ", " + mdText(p)
}

// mdEscaper keeps text from being read as Markdown or HTML: names and
// details come from scenario files.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"<", "&lt;", ">", "&gt;", "&", "&amp;", "|", `\|`, "\n", " ", "\r", " ",
)

// mdText escapes s for running Markdown text.
func mdText(s string) string { return mdEscaper.Replace(s) }

// mdCell escapes s for a table cell; an empty cell shows a dash.
func mdCell(s string) string {
	if s == "" {
		return "-"
	}
	return mdText(s)
}
