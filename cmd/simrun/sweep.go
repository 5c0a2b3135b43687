package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/expirylab/expiry/reports"
	"github.com/expirylab/expiry/sim/scenario"
	"github.com/expirylab/expiry/sim/scenario/spec"
)

// sweepFlags are the flags of run, check and compare.
type sweepFlags struct {
	runs      int
	seed      uint64
	parallel  int
	shard     string
	out       string
	only      string
	profile   string
	quiet     bool
	baseline  string
	writeBase bool
	timeline  string
	engine    string
	// seedScale multiplies the seeds of each scenario (the simulator's
	// side of a fidelity comparison runs more of them: they are cheap).
	seedScale int
}

func (f *sweepFlags) register(fs *flag.FlagSet, cmd string) {
	fs.IntVar(&f.runs, "runs", 0, "seeds per scenario (default: each scenario's own, from its file)")
	fs.Uint64Var(&f.seed, "seed", 0, "first seed, with -runs (default: each scenario's own)")
	fs.IntVar(&f.parallel, "parallel", runtime.NumCPU(), "runs at once")
	fs.StringVar(&f.shard, "shard", "", "run only shard i of n (\"i/n\", 0 ≤ i < n); merge the results.json files with report")
	fs.StringVar(&f.out, "out", "simrun-report", "report directory (index.html, summary.md, results.json, plots/)")
	fs.StringVar(&f.only, "only", "", "run only scenarios whose name contains this text")
	fs.StringVar(&f.profile, "profile", "", "run only scenarios of this profile")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress bar and no summary table")
	if cmd != "fidelity" {
		fs.StringVar(&f.engine, "engine", engineSim, "what runs the scenarios: sim, or libcurl (the system's libcurl in real time; needs a simrun built with -tags libcurl)")
	}
	fs.StringVar(&f.timeline, "timeline", "", "the scenario whose first run the report draws as a timeline (default: the first stop scenario)")
	if cmd == "compare" {
		fs.StringVar(&f.baseline, "baseline", "", "baseline results.json to compare with (required)")
		fs.BoolVar(&f.writeBase, "write-baseline", false, "write this run's results to -baseline instead of comparing")
	}
}

// job is one run of a sweep: a scenario entry and a seed, on an engine.
type job struct {
	name string
	file spec.File
	seed uint64
	eng  engine
}

// sweepCmd is run, check and compare.
func sweepCmd(cmd string, args []string, stdout, stderr io.Writer) int {
	var f sweepFlags
	fs := flag.NewFlagSet("simrun "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.register(fs, cmd)
	if err := fs.Parse(args); err != nil {
		return fail(stderr, err)
	}
	if cmd == "compare" && f.baseline == "" {
		return fail(stderr, usagef("compare needs -baseline FILE"))
	}
	eng, err := engineByName(f.engine)
	if err != nil {
		return fail(stderr, err)
	}
	jobs, skipped, err := f.plan(fs.Args(), eng)
	if err != nil {
		return fail(stderr, err)
	}
	for _, sk := range skipped {
		fmt.Fprintf(stderr, "simrun: %s: not expressible on %s: %s\n", sk.Scenario, sk.Engine, sk.Reason)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	start := time.Now()
	runs, err := sweep(ctx, jobs, f.parallel, cmd == "check", f.progress(stderr, len(jobs)))
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintf(stderr, "simrun: interrupted; %s left as it was\n", f.out)
			return exitInterrupted
		}
		return fail(stderr, err)
	}
	res := reports.New(runs)
	res.Skipped = reports.SortSkips(skipped)
	if !eng.realTime {
		res.Timeline = f.timelineOf(jobs, runs)
	}
	return f.finish(cmd, res, time.Since(start), stdout, stderr)
}

// plan expands the scenario files (or the catalogue) into jobs, in a
// fixed order, and keeps this shard's.
// Entries the engine cannot express are skipped, each with its reason.
func (f *sweepFlags) plan(files []string, eng engine) ([]job, []reports.Skip, error) {
	entries, err := loadEntries(files)
	if err != nil {
		return nil, nil, err
	}
	i, n, err := parseShard(f.shard)
	if err != nil {
		return nil, nil, err
	}
	var jobs []job
	var skipped []reports.Skip
	k := 0
	for _, e := range entries {
		if !strings.Contains(e.Name, f.only) || (f.profile != "" && !hasProfile(e.Spec, f.profile)) {
			continue
		}
		seeds := f.seeds(e.Spec)
		if why := expressible(eng, e.Spec, seeds[0]); why != nil {
			skipped = append(skipped, reports.Skip{Scenario: e.Name, Engine: eng.name, Reason: why.Error()})
			continue
		}
		for _, seed := range seeds {
			if k%n == i {
				jobs = append(jobs, job{name: e.Name, file: e.Spec, seed: seed, eng: eng})
			}
			k++
		}
	}
	if len(jobs) == 0 {
		if len(skipped) > 0 {
			return nil, skipped, usagef("no matching scenario can run on %s (%d not expressible)", eng.name, len(skipped))
		}
		return nil, nil, usagef("no scenario matches (see simrun list)")
	}
	return jobs, skipped, nil
}

// expressible builds an entry's scenario and asks the engine.
func expressible(eng engine, f spec.File, seed uint64) error {
	s, err := f.Scenario(seed)
	if err != nil {
		return err
	}
	return eng.expressible(&s)
}

func hasProfile(f spec.File, name string) bool {
	for _, p := range f.Profiles {
		if p.Name == name {
			return true
		}
	}
	return false
}

// seeds is a scenario's seed list, or the one the flags ask for.
func (f *sweepFlags) seeds(sf spec.File) []uint64 {
	sw := sf.Sweep
	if f.runs > 0 {
		sw = spec.Sweep{Seed: max(f.seed, 1), Runs: f.runs}
	} else if f.seed > 0 {
		sw = spec.Sweep{Seed: f.seed, Runs: sw.Len()}
	}
	if f.seedScale > 1 {
		sw = spec.Sweep{Seed: sw.At(0), Runs: sw.Len() * f.seedScale}
	}
	return sw.List()
}

// loadEntries parses the given files (every combination of each), or
// returns the catalogue.
func loadEntries(files []string) ([]spec.Entry, error) {
	if len(files) == 0 {
		return spec.Catalog(), nil
	}
	var out []spec.Entry
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, usageError{err.Error()}
		}
		f, err := spec.Parse(name, data)
		if err != nil {
			return nil, usageError{err.Error()}
		}
		for _, c := range f.Expand() {
			out = append(out, spec.Entry{Name: c.Name, File: name, Spec: c})
		}
	}
	return out, nil
}

func parseShard(s string) (i, n int, err error) {
	if s == "" {
		return 0, 1, nil
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, usagef("-shard %q: want i/n with 0 ≤ i < n", s)
	}
	return i, n, nil
}

// outcome is one job's result, or the error that stopped it.
type outcome struct {
	run reports.Run
	err error
}

// sweep runs the jobs on parallel workers and returns their runs in job
// order, so the result does not depend on the number of workers. A
// cancelled context stops it between runs.
func sweep(ctx context.Context, jobs []job, parallel int, check bool, tick func()) ([]reports.Run, error) {
	out := make([]outcome, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range max(parallel, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = runJob(ctx, jobs[i], check)
				tick()
			}
		}()
	}
feed:
	for i := range jobs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	runs := make([]reports.Run, len(jobs))
	for i, o := range out {
		if o.err != nil {
			return nil, o.err
		}
		runs[i] = o.run
	}
	return runs, nil
}

// runJob runs one scenario under one seed and reduces it for the report.
func runJob(ctx context.Context, j job, check bool) outcome {
	s, err := j.file.Scenario(j.seed)
	if err != nil {
		return outcome{err: fmt.Errorf("%s seed %d: %w", j.name, j.seed, err)}
	}
	if !check && !j.eng.realTime {
		s.Trace = scenario.TraceHash
	}
	r, err := j.eng.run(ctx, s)
	if err != nil {
		return outcome{err: fmt.Errorf("%s seed %d on %s: %w", j.name, j.seed, j.eng.name, err)}
	}
	var verdicts []reports.Verdict
	if check {
		verdicts = judge(s, r, j.eng)
	}
	run := reports.FromResult(j.name, r, verdicts)
	run.Params = reports.ParamsOf(s)
	if j.file.RandomPhase {
		// A phase per seed is not a configuration of its own.
		if run.Params == nil {
			run.Params = map[string]string{}
		}
		run.Params[reports.ParamPhase] = "random"
	}
	run.Engine = j.eng.reportEngine()
	return outcome{run: run}
}

// progress returns the per-run tick: a progress bar on a terminal, nothing
// in pipes, CI or with -quiet.
func (f *sweepFlags) progress(stderr io.Writer, total int) func() {
	file, ok := stderr.(*os.File)
	if f.quiet || !ok || !term.IsTerminal(int(file.Fd())) || os.Getenv("CI") != "" {
		return func() {}
	}
	bar := progressbar.NewOptions(total, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("runs"),
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100*time.Millisecond))
	var mu sync.Mutex
	return func() {
		mu.Lock()
		_ = bar.Add(1)
		mu.Unlock()
	}
}

// timelineOf reruns one job with its full trace for the report's timeline
// plot.
func (f *sweepFlags) timelineOf(jobs []job, runs []reports.Run) *reports.Timeline {
	for i, j := range jobs {
		if (f.timeline == "" && len(runs[i].Stops) == 0) || (f.timeline != "" && j.name != f.timeline) {
			continue
		}
		s, err := j.file.Scenario(j.seed)
		if err != nil {
			return nil
		}
		r, err := scenario.Run(s)
		if err != nil {
			return nil
		}
		tl := reports.TimelineOf(runs[i], r.Trace)
		return &tl
	}
	return nil
}

// finish writes the report (or compares), prints the summary and picks
// the exit code.
func (f *sweepFlags) finish(cmd string, res reports.Results, took time.Duration, stdout, stderr io.Writer) int {
	rep := reports.Report{Results: res}
	code := exitOK
	if cmd == "compare" {
		c, err := f.compare(res, &rep, stdout)
		if err != nil {
			return fail(stderr, err)
		}
		code = c
	}
	if err := rep.WriteDir(f.out); err != nil {
		fmt.Fprintln(stderr, "simrun:", err)
		return exitUsage
	}
	violating := 0
	for _, s := range res.Summaries {
		violating += s.Violating
	}
	if !f.quiet {
		printSummary(stdout, res, took)
		fmt.Fprintf(stdout, "report: %s/index.html\n", f.out)
	}
	if cmd == "check" && violating > 0 {
		return exitFinding
	}
	return code
}

// compare compares res with the baseline (or writes it as the baseline).
func (f *sweepFlags) compare(res reports.Results, rep *reports.Report, stdout io.Writer) (int, error) {
	if f.writeBase {
		return exitOK, writeResults(f.baseline, res)
	}
	base, err := readResults(f.baseline)
	if err != nil {
		return exitUsage, err
	}
	d := reports.Compare(base, res, reports.DefaultTolerances())
	rep.Diff = &d
	fmt.Fprintln(stdout, d.String())
	if d.Regressed() {
		return exitFinding, nil
	}
	return exitOK, nil
}
