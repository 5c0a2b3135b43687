package reports

import (
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"math"
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
	Omitted    int
	Figures    []figureView
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
// the comparison, and every figure of Plots as an SVG image embedded in
// a data: URL. It needs no script, style sheet or font from elsewhere.
func (r Report) WriteHTML(w io.Writer) error {
	figs, err := Plots(r.Results)
	if err != nil {
		return err
	}
	return r.writeHTML(w, figs)
}

func (r Report) writeHTML(w io.Writer, figs []Figure) error {
	v := htmlView{Title: r.title(), Schema: Schema, Totals: totalsOf(r.Results),
		Scenarios: scenarioRows(r.Results), Metrics: metricRows(r.Results)}
	v.Violations, v.Omitted = violationRows(r.Results)
	if r.Diff != nil {
		head, _, _ := strings.Cut(r.Diff.String(), "\n")
		v.Diff = &diffView{Regressed: r.Diff.Regressed(), Headline: head, Changes: r.Diff.Changes}
	}
	for _, f := range figs {
		v.Figures = append(v.Figures, figureViewOf(f))
	}
	if err := page.Execute(w, v); err != nil {
		return fmt.Errorf("reports: html: %w", err)
	}
	return nil
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
