package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/expirylab/expiry/reports"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
	"github.com/expirylab/expiry/sim/scenario/spec"
)

// traceCmd is replay (canonical lines) and trace (JSON lines or Perfetto).
func traceCmd(cmd string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("simrun "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	seed := fs.Uint64("seed", 0, "the run's seed (default: the scenario's first)")
	engName := fs.String("engine", engineSim, "what runs it: sim, or libcurl (a simrun built with -tags libcurl)")
	format := "text"
	if cmd == "trace" {
		fs.StringVar(&format, "format", "json", "json (JSON lines) or chrome (Chrome trace events, opens in Perfetto)")
	}
	if err := fs.Parse(args); err != nil {
		return fail(stderr, err)
	}
	if fs.NArg() != 1 {
		return fail(stderr, usagef("%s takes one scenario: a catalogue name (simrun list) or a .toml file", cmd))
	}
	eng, err := engineByName(*engName)
	if err != nil {
		return fail(stderr, err)
	}
	r, err := replay(fs.Arg(0), *seed, eng)
	if err != nil {
		return fail(stderr, err)
	}
	switch format {
	case "text":
		fmt.Fprintf(stdout, "# %s seed=%d hash=%016x\n", fs.Arg(0), r.Seed, r.Hash)
		err = sim.WriteText(stdout, r.Trace)
	case "json":
		err = sim.WriteJSONLines(stdout, r.Trace)
	case "chrome":
		err = sim.WriteChromeTrace(stdout, r.Trace)
	default:
		return fail(stderr, usagef("-format %q: want json or chrome", format))
	}
	if err != nil {
		return fail(stderr, err)
	}
	return exitOK
}

// replay runs one scenario (catalogue name or file with a single
// combination) under seed (0: its first) with the full trace.
func replay(name string, seed uint64, eng engine) (scenario.Result, error) {
	var f spec.File
	if e, ok := spec.Lookup(name); ok {
		f = e.Spec
	} else {
		entries, err := loadEntries([]string{name})
		if err != nil {
			return scenario.Result{}, err
		}
		if len(entries) != 1 {
			return scenario.Result{}, usagef("%s has %d combinations of profile, driver and poll cap; replay needs one", name, len(entries))
		}
		f = entries[0].Spec
	}
	if seed == 0 {
		seed = f.Sweep.At(0)
	}
	s, err := f.Scenario(seed)
	if err != nil {
		return scenario.Result{}, err
	}
	if err := eng.expressible(&s); err != nil {
		return scenario.Result{}, usagef("%v", err)
	}
	return eng.run(context.Background(), s)
}

// reportCmd rebuilds a report from one or more results files (shards are
// merged).
func reportCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("simrun report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "simrun-report", "report directory")
	if err := fs.Parse(args); err != nil {
		return fail(stderr, err)
	}
	if fs.NArg() == 0 {
		return fail(stderr, usagef("report takes one or more results.json files (shards are merged)"))
	}
	var parts []reports.Results
	for _, name := range fs.Args() {
		r, err := readResults(name)
		if err != nil {
			return fail(stderr, err)
		}
		parts = append(parts, r)
	}
	res := reports.Merge(parts...)
	if err := (reports.Report{Results: res}).WriteDir(*out); err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintf(stdout, "report: %s/index.html (%d runs)\n", *out, len(res.Runs))
	return exitOK
}

// listCmd prints the catalogue.
func listCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("simrun list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bugs := fs.Bool("bugs", false, "list the historical-bug catalogue instead of the scenarios")
	search := fs.Bool("search", false, "with -bugs: run every bug's search now and print the measured times")
	if err := fs.Parse(args); err != nil {
		return fail(stderr, err)
	}
	if *bugs {
		return listBugs(stdout, stderr, *search)
	}
	if *search {
		return fail(stderr, usagef("-search needs -bugs"))
	}
	if err := spec.List(stdout); err != nil {
		return fail(stderr, err)
	}
	return exitOK
}

func readResults(name string) (reports.Results, error) {
	f, err := os.Open(name)
	if err != nil {
		return reports.Results{}, usageError{err.Error()}
	}
	defer f.Close()
	r, err := reports.ReadJSON(f)
	if err != nil {
		return reports.Results{}, usageError{fmt.Sprintf("%s: %v", name, err)}
	}
	return r, nil
}

// writeResults writes results JSON atomically (temporary file, rename).
func writeResults(name string, r reports.Results) error {
	var b bytes.Buffer
	if err := reports.WriteJSON(&b, r); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), ".results-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b.Bytes()); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// printSummary prints one line per scenario configuration.
func printSummary(w io.Writer, res reports.Results, took time.Duration) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\truns\tresults\tstop latency p50 / p99\tviolating runs")
	for _, s := range res.Summaries {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%d\n", s.Scenario, s.Runs, resultCounts(res, s), stopLatency(s), s.Violating)
	}
	tw.Flush()
	virtual := int64(0)
	for _, r := range res.Runs {
		virtual += r.Outcome.EndUs
	}
	fmt.Fprintf(w, "\n%d runs in %v; %v simulated (%.0f× real time)\n", len(res.Runs), took.Round(time.Millisecond),
		(time.Duration(virtual) * time.Microsecond).Round(time.Millisecond), float64(virtual)/1e6/took.Seconds())
}

// resultCounts summarizes the transfers' results of the runs of s.
func resultCounts(res reports.Results, s reports.Summary) string {
	counts := map[string]int{}
	for _, r := range res.Runs {
		if r.Key() != s.Key() {
			continue
		}
		for _, t := range r.Transfers {
			if t.Removed {
				counts["removed"]++
			} else {
				counts[t.Result]++
			}
		}
	}
	var keys []string
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := ""
	for i, k := range keys {
		if i > 0 {
			out += " "
		}
		out += fmt.Sprintf("%s×%d", k, counts[k])
	}
	return out
}

// stopLatency is the p50 and p99 of the configuration's stop latencies
// (metrics "stop_latency_us/<mechanism>").
func stopLatency(s reports.Summary) string {
	out := ""
	for _, st := range s.Metrics {
		if !strings.HasPrefix(st.Metric, reports.MetricStopLatency+"/") {
			continue
		}
		if out != "" {
			out += "; "
		}
		out += fmt.Sprintf("%.3f / %.3f ms", st.P50/1000, st.P99/1000)
	}
	if out == "" {
		return "-"
	}
	return out
}
