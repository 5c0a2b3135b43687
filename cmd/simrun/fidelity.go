package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/expirylab/expiry/reports"
)

// fidelityFlags are the flags of simrun fidelity.
type fidelityFlags struct {
	sweepFlags
	in       string
	maxD     float64
	minRuns  int
	simScale int
}

// fidelityCmd runs scenarios on the simulator and on the system's libcurl
// and writes the fidelity report: per scenario, both engines' latency
// distributions on the same axes, their Kolmogorov–Smirnov distance, the
// timer callback's most frequent sequences and the property verdicts on
// both engines' traces. With -in it rebuilds the report from a saved
// results.json holding both engines' runs.
func fidelityCmd(args []string, stdout, stderr io.Writer) int {
	var f fidelityFlags
	fs := flag.NewFlagSet("simrun fidelity", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.register(fs, "fidelity")
	fs.StringVar(&f.in, "in", "", "rebuild the report from this results.json (both engines' runs) instead of running")
	fs.Float64Var(&f.maxD, "max-d", reports.DefaultFidelityCriteria().MaxD, "largest Kolmogorov-Smirnov distance that still matches")
	fs.IntVar(&f.minRuns, "min-runs", reports.DefaultFidelityCriteria().MinRuns, "fewest runs per engine for a verdict")
	fs.IntVar(&f.simScale, "sim-scale", 10, "the simulator runs this many times the real seeds (the same ones first): a tighter reference distribution")
	if err := fs.Parse(args); err != nil {
		return fail(stderr, err)
	}
	if f.out == "simrun-report" {
		f.out = "fidelity-report"
	}
	parallelSet := false
	fs.Visit(func(fl *flag.Flag) { parallelSet = parallelSet || fl.Name == "parallel" })
	if !parallelSet {
		// Real runs measure time: one at a time unless asked otherwise.
		f.parallel = 1
	}
	var res reports.Results
	start := time.Now()
	if f.in != "" {
		r, err := readResults(f.in)
		if err != nil {
			return fail(stderr, err)
		}
		res = r
	} else {
		r, code := f.runBoth(fs.Args(), stderr)
		if code != exitOK {
			return code
		}
		res = r
	}
	sim, real := splitEngines(res)
	fid := reports.FidelityWith(sim, real, reports.FidelityCriteria{MaxD: f.maxD, MinRuns: f.minRuns})
	rep := reports.Report{Title: "expiry fidelity report", Results: res, Fidelity: &fid}
	if err := rep.WriteDir(f.out); err != nil {
		fmt.Fprintln(stderr, "simrun:", err)
		return exitUsage
	}
	if !f.quiet {
		printFidelity(stdout, fid, time.Since(start))
		fmt.Fprintf(stdout, "report: %s/index.html\n", f.out)
	}
	if fid.Count(reports.Differ) > 0 || violatingRuns(real) > 0 {
		return exitFinding
	}
	return exitOK
}

// runBoth runs the fidelity set (or the files) on both engines: every
// configuration libcurl can express, the same seeds on each.
func (f *fidelityFlags) runBoth(files []string, stderr io.Writer) (reports.Results, int) {
	real, err := engineByName(reports.EngineLibcurl)
	if err != nil {
		return reports.Results{}, fail(stderr, err)
	}
	if len(files) == 0 && f.only == "" {
		f.only = "fidelity/"
	}
	jobs, skipped, err := f.plan(files, real)
	if err != nil {
		return reports.Results{}, fail(stderr, err)
	}
	for _, sk := range skipped {
		fmt.Fprintf(stderr, "simrun: %s: not expressible on %s: %s\n", sk.Scenario, sk.Engine, sk.Reason)
	}
	simFlags := f.sweepFlags
	simFlags.seedScale = max(f.simScale, 1)
	simJobs, _, err := simFlags.plan(files, engines[engineSim])
	if err != nil {
		return reports.Results{}, fail(stderr, err)
	}
	simJobs = slices.DeleteFunc(simJobs, func(j job) bool { return !slices.ContainsFunc(jobs, func(r job) bool { return r.name == j.name }) })
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	simRuns, err := sweep(ctx, simJobs, runtime.NumCPU(), true, func() {})
	if err == nil {
		var realRuns []reports.Run
		// Real runs share the machine's cores with their own servers:
		// one at a time by default (-parallel raises it, up to one per
		// core), so that they measure libcurl, not the scheduler.
		realRuns, err = sweep(ctx, jobs, min(f.parallel, runtime.NumCPU()), true, f.progress(stderr, len(jobs)))
		simRuns = append(simRuns, realRuns...)
	}
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintf(stderr, "simrun: interrupted; %s left as it was\n", f.out)
			return reports.Results{}, exitInterrupted
		}
		return reports.Results{}, fail(stderr, err)
	}
	res := reports.New(simRuns)
	res.Skipped = reports.SortSkips(skipped)
	return res, exitOK
}

// splitEngines separates the simulator's runs from libcurl's.
func splitEngines(res reports.Results) (sim, real reports.Results) {
	var s, r []reports.Run
	for _, run := range res.Runs {
		if run.Engine == "" {
			s = append(s, run)
		} else {
			r = append(r, run)
		}
	}
	return reports.New(s), reports.New(r)
}

func violatingRuns(res reports.Results) int {
	n := 0
	for _, s := range res.Summaries {
		n += s.Violating
	}
	return n
}

// printFidelity prints one line per compared metric and the verdicts.
func printFidelity(w io.Writer, f reports.Fidelity, took time.Duration) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tmetric\tsim n p50/p99 ms\tlibcurl n p50/p99 ms\tKS D\tverdict")
	for _, p := range f.Pairs {
		for _, m := range p.Metrics {
			fmt.Fprintf(tw, "%s\t%s\t%d %.3f/%.3f\t%d %.3f/%.3f\t%.3f\t%v\n", p.Scenario, m.Metric,
				m.Sim.N, m.Sim.P50/1000, m.Sim.P99/1000, m.Real.N, m.Real.P50/1000, m.Real.P99/1000, m.D, m.Verdict)
		}
		if len(p.Timer.Sim) > 0 || len(p.Timer.Real) > 0 {
			fmt.Fprintf(tw, "%s\ttimer callbacks\t%s\t%s\t\tagree=%v\n", p.Scenario, topSeq(p.Timer.Sim), topSeq(p.Timer.Real), p.Timer.Agree)
		}
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "\n%d match, %d differ, %d too few runs; %s\n", f.Count(reports.Match), f.Count(reports.Differ),
		f.Count(reports.TooFewRuns), took.Round(time.Millisecond))
}

func topSeq(s []reports.SeqCount) string {
	if len(s) == 0 {
		return "-"
	}
	parts := make([]string, len(s[0].Seq))
	for i, v := range s[0].Seq {
		parts[i] = fmt.Sprint(v)
	}
	return fmt.Sprintf("[%s] ×%d", strings.Join(parts, " "), s[0].Runs)
}
