package reports

import (
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strings"
)

//go:embed report.html.tmpl
var reportTemplate string

// page is parsed once: the template is fixed, so a parse error is a
// build defect that every test run shows.
var page = template.Must(template.New("report").Parse(reportTemplate))

// htmlView is what the template reads. Every string in it is escaped by
// html/template; only figure sources are typed as trusted URLs, and they
// are data: URLs this package builds from base64.
type htmlView struct {
	Title      string
	Schema     string
	Totals     totals
	Diff       *diffView
	Scenarios  []scenarioRow
	Metrics    []metricRow
	Violations []violationRow
	Skipped    []Skip
	Omitted    int
	Figures    []figureView
	Fidelity   *fidelityView
}

// fidelityView is the fidelity section: its tables, notes and figures.
type fidelityView struct {
	Title, Headline, Criteria string
	Sim, Real                 string
	Metrics                   []fidMetricRow
	Results                   []fidResultRow
	Timers                    []fidTimerRow
	Properties                []fidPropertyRow
	Notes                     []fidNote
	Figures                   []figureView
	Omitted                   int // figures left out (maxFidelityFigures)
}

type diffView struct {
	Regressed bool
	Headline  string
	Changes   []Change
}

type figureView struct {
	Name, Title, Caption string
	Src                  template.URL
	Width, Height        int // CSS pixels
}

// WriteHTML writes the report as one self-contained HTML file: tables,
// the comparison, the fidelity section, and every figure of Plots (and
// FidelityPlots) as an SVG image embedded in a data: URL. It needs no
// script, style sheet or font from elsewhere.
func (r Report) WriteHTML(w io.Writer) error {
	figs, err := r.figures()
	if err != nil {
		return err
	}
	return r.writeHTML(w, figs)
}

// reportFigures are a report's rendered figures: those of its results,
// and those of its fidelity section with how many were left out.
type reportFigures struct {
	main, fidelity []Figure
	fidOmitted     int
}

// all lists every figure, for WriteDir.
func (rf reportFigures) all() []Figure { return append(slices.Clip(rf.main), rf.fidelity...) }

func (r Report) figures() (reportFigures, error) {
	var rf reportFigures
	var err error
	if rf.main, err = Plots(r.Results); err != nil {
		return rf, err
	}
	if r.Fidelity != nil {
		rf.fidelity, rf.fidOmitted, err = fidelityFigures(*r.Fidelity)
	}
	return rf, err
}

func (r Report) writeHTML(w io.Writer, figs reportFigures) error {
	v := htmlView{Title: r.title(), Schema: Schema, Totals: totalsOf(r.Results),
		Scenarios: scenarioRows(r.Results), Metrics: metricRows(r.Results), Skipped: r.Results.Skipped}
	v.Violations, v.Omitted = violationRows(r.Results)
	if r.Diff != nil {
		head, _, _ := strings.Cut(r.Diff.String(), "\n")
		v.Diff = &diffView{Regressed: r.Diff.Regressed(), Headline: head, Changes: r.Diff.Changes}
	}
	for _, f := range figs.main {
		v.Figures = append(v.Figures, figureViewOf(f))
	}
	if r.Fidelity != nil {
		v.Fidelity = fidelityViewOf(*r.Fidelity, figs)
	}
	if err := page.Execute(w, v); err != nil {
		return fmt.Errorf("reports: html: %w", err)
	}
	return nil
}

func fidelityViewOf(f Fidelity, figs reportFigures) *fidelityView {
	v := &fidelityView{Title: f.Title(), Headline: f.headline(), Criteria: f.criteriaText(), Sim: f.Sim, Real: f.Real,
		Metrics: fidMetricRows(f), Results: fidResultRows(f), Timers: fidTimerRows(f), Properties: fidPropertyRows(f),
		Notes: fidNotes(f), Omitted: figs.fidOmitted}
	for _, fig := range figs.fidelity {
		v.Figures = append(v.Figures, figureViewOf(fig))
	}
	return v
}

// figureViewOf embeds f. An SVG inside <img> runs no script and loads
// nothing, whatever text it holds.
func figureViewOf(f Figure) figureView {
	return figureView{
		Name: f.Name, Title: f.Title, Caption: f.Caption,
		Src:    template.URL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(f.SVG)),
		Width:  int(math.Round(f.Width * 4 / 3)),
		Height: int(math.Round(f.Height * 4 / 3)),
	}
}
