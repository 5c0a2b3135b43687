// Command simrun runs expiry's simulations from the command line.
//
// With no arguments it runs the built-in transfer families (stall, black
// hole, three concurrent timeouts, low speed, trickle, refused, quick,
// slow asynchronous and synchronous DNS) under both profiles, the four
// application drivers and two clock phases, and prints one line per run:
// each transfer's result and elapsed time, the timer callback calls and the
// poll wake-ups. It exits 1 when a run ends otherwise than its family
// expects, 2 on bad usage.
//
//	simrun                                   # the whole matrix (144 runs)
//	simrun -stops                            # stop latency: situations × mechanisms
//	simrun -family stall -profile curl-8     # a slice of it
//	simrun -family three -driver socket-exact -profile curl-8 -trace
//	simrun -family quick -driver easy -profile curl-7.88 -trace -format json
//
// It is flags and wiring only: the runs are sim/scenario's.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
)

// options are the command line's choices.
type options struct {
	family, profile, driver string
	phaseUs                 int64
	trace                   bool
	format                  string
	seed                    uint64
	stops                   bool
}

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run is main without the process: it returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	opt, err := parse(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "simrun:", err)
		return 2
	}
	if opt.stops {
		return runStops(opt, stdout, stderr)
	}
	plan, err := opt.plan()
	if err != nil {
		fmt.Fprintln(stderr, "simrun:", err)
		return 2
	}
	return execute(plan, opt, stdout, stderr)
}

func parse(args []string, stderr io.Writer) (options, error) {
	var opt options
	fs := flag.NewFlagSet("simrun", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&opt.family, "family", "", "run only this family (default: all): "+strings.Join(familyNames(), ", "))
	fs.StringVar(&opt.profile, "profile", "", "run only this profile (default: curl-7.88 and curl-8)")
	fs.StringVar(&opt.driver, "driver", "", "run only this driver (default: easy, multi-poll, socket-exact, socket-poll)")
	fs.Int64Var(&opt.phaseUs, "phase", -1, "clock phase in µs within the first second (default: both 0 and 999700)")
	fs.BoolVar(&opt.trace, "trace", false, "print each run's canonical trace")
	fs.StringVar(&opt.format, "format", "text", "trace format: text (canonical lines), json (JSON lines) or chrome (Perfetto)")
	fs.Uint64Var(&opt.seed, "seed", 1, "the runs' seed")
	fs.BoolVar(&opt.stops, "stops", false, "run the stop situations under each mechanism instead of the families")
	if err := fs.Parse(args); err != nil {
		return opt, err
	}
	if fs.NArg() > 0 {
		return opt, fmt.Errorf("unexpected argument %q (scenario files come with the scenario-file format)", fs.Arg(0))
	}
	switch opt.format {
	case "text", "json", "chrome":
	default:
		return opt, fmt.Errorf("-format %q: want text, json or chrome", opt.format)
	}
	return opt, nil
}

func familyNames() []string {
	var names []string
	for _, f := range scenario.Families() {
		names = append(names, f.Name)
	}
	return names
}

// job is one run of the matrix.
type job struct {
	family scenario.Family
	s      scenario.Scenario
}

// plan expands the options into the runs to do.
func (o options) plan() ([]job, error) {
	fams, err := pick(scenario.Families(), o.family, func(f scenario.Family) string { return f.Name }, "family")
	if err != nil {
		return nil, err
	}
	profs, err := pick([]model.Profile{model.Curl788(), model.Curl8()}, o.profile, func(p model.Profile) string { return p.Name }, "profile")
	if o.profile != "" && err != nil {
		p, perr := model.ByName(o.profile)
		if perr != nil {
			return nil, perr
		}
		profs, err = []model.Profile{p}, nil
	}
	if err != nil {
		return nil, err
	}
	drvs, err := pick(scenario.Drivers(), o.driver, scenario.Driver.String, "driver")
	if err != nil {
		return nil, err
	}
	phases := []time.Duration{0, 999700 * time.Microsecond}
	if o.phaseUs >= 0 {
		phases = []time.Duration{time.Duration(o.phaseUs) * time.Microsecond}
	}
	var jobs []job
	for _, f := range fams {
		for _, p := range profs {
			for _, d := range drvs {
				for _, ph := range phases {
					s := f.Build(p, d, ph)
					s.Seed = o.seed
					jobs = append(jobs, job{family: f, s: s})
				}
			}
		}
	}
	return jobs, nil
}

// pick keeps the item named want, or all when want is empty.
func pick[T any](all []T, want string, name func(T) string, what string) ([]T, error) {
	if want == "" {
		return all, nil
	}
	var names []string
	for _, x := range all {
		if name(x) == want {
			return []T{x}, nil
		}
		names = append(names, name(x))
	}
	return nil, fmt.Errorf("unknown %s %q (want one of %s)", what, want, strings.Join(names, ", "))
}

// execute runs the jobs, prints the table (or traces) and returns the exit
// code.
func execute(jobs []job, opt options, stdout, stderr io.Writer) int {
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	if !opt.trace {
		fmt.Fprintln(tw, "family\tprofile\tdriver\tphase\tresults (elapsed)\ttimer calls\tempty fires\twake-ups\tverdict")
	}
	bad, virtual := 0, time.Duration(0)
	for _, j := range jobs {
		r, err := scenario.Run(j.s)
		if err != nil {
			fmt.Fprintln(stderr, "simrun:", err)
			return 2
		}
		virtual += time.Duration(r.Outcome.Now)
		verdict := judge(j.family, r)
		if verdict != "ok" {
			bad++
		}
		if opt.trace {
			if err := writeTrace(stdout, r, opt.format); err != nil {
				fmt.Fprintln(stderr, "simrun:", err)
				return 2
			}
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%dus\t%s\t%d\t%d\t%d\t%s\n", j.family.Name, r.Profile, r.Driver,
			j.s.EpochPhase.Microseconds(), results(r), r.Counters.TimerCalls(), r.Counters.EmptyFires, r.Counters.PollWakeups, verdict)
	}
	tw.Flush()
	if !opt.trace {
		fmt.Fprintf(stdout, "\n%d runs, %d unexpected, %v of simulated time\n", len(jobs), bad, virtual.Round(time.Millisecond))
	}
	if bad > 0 {
		return 1
	}
	return 0
}

// judge says whether every transfer ended as the family expects.
func judge(f scenario.Family, r scenario.Result) string {
	if r.Outcome.Reason != sim.StopIdle {
		return "run ended: " + r.Outcome.Reason.String()
	}
	for _, o := range r.Transfers {
		if !o.Done || o.Result != f.Want {
			return fmt.Sprintf("transfer %d: %v, want %v", o.ID, o.Result, f.Want)
		}
	}
	return "ok"
}

func results(r scenario.Result) string {
	parts := make([]string, len(r.Transfers))
	for i, o := range r.Transfers {
		parts[i] = fmt.Sprintf("%v (%.3f ms)", o.Result, float64(o.Elapsed())/1000)
	}
	return strings.Join(parts, ", ")
}

func writeTrace(w io.Writer, r scenario.Result, format string) error {
	switch format {
	case "json":
		return sim.WriteJSONLines(w, r.Trace)
	case "chrome":
		return sim.WriteChromeTrace(w, r.Trace)
	}
	fmt.Fprintf(w, "# %s %s %s seed=%d hash=%016x\n", r.Scenario, r.Profile, r.Driver, r.Seed, r.Hash)
	return sim.WriteText(w, r.Trace)
}

// runStops runs every stop situation under every mechanism (and the
// selected profiles) and prints each stop's latency.
func runStops(opt options, stdout, stderr io.Writer) int {
	profs := []model.Profile{model.Curl788(), model.Curl8()}
	if opt.profile != "" {
		p, err := model.ByName(opt.profile)
		if err != nil {
			fmt.Fprintln(stderr, "simrun:", err)
			return 2
		}
		profs = []model.Profile{p}
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "situation\tprofile\tmechanism\tstate at request\tcode\tlatency\tresult\tidle wake-ups/s")
	for _, sit := range scenario.Situations() {
		for _, p := range profs {
			for _, m := range scenario.Mechanisms() {
				if !sit.Applies(m) {
					continue
				}
				s := sit.Build(p, m)
				s.Seed = opt.seed
				r, err := scenario.Run(s)
				if err != nil {
					fmt.Fprintln(stderr, "simrun:", err)
					return 2
				}
				st := r.Stops[0]
				res := st.Result.String()
				if st.Removed {
					res = "removed"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%v\t%s\t%.1f\n", sit.Name, p.Name, m, st.State,
					orDash(st.Code), st.Latency(), res, st.IdleWakeups)
			}
		}
	}
	tw.Flush()
	return 0
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
