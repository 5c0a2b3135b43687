package properties

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
)

// Suite names one of the package's suites, for Find.
type Suite uint8

// The suites.
const (
	SuiteScenarios   Suite = iota // TestScenarios
	SuiteLists                    // TestLists
	SuiteIndex                    // TestIndex
	SuiteDeterminism              // TestDeterminism
	SuiteMetamorphic              // TestMetamorphic
	SuiteStops                    // TestStops
	numSuites
)

// suiteDef is a suite: its name, default budget and property.
type suiteDef struct {
	name   string
	checks int
	prop   func(o Options, sink *Failure) func(*rapid.T)
}

var suites = [numSuites]suiteDef{
	SuiteScenarios:   {"scenarios", 3000, scenariosProp},
	SuiteLists:       {"lists", 5000, listsProp},
	SuiteIndex:       {"index", 5000, indexProp},
	SuiteDeterminism: {"determinism", 500, determinismProp},
	SuiteMetamorphic: {"metamorphic", 500, metamorphicProp},
	SuiteStops:       {"stops", 1000, stopsProp},
}

// String is the suite's name.
func (s Suite) String() string {
	if s < numSuites {
		return suites[s].name
	}
	return fmt.Sprintf("Suite(%d)", uint8(s))
}

// TestScenarios runs random scenarios (swarm-generated networks, options,
// scripts, drivers, profiles, clock phases and races) through
// scenario.Run and judges each trace with Check: SPEC §8's multi timer
// semantics, end to end.
func TestScenarios(t *testing.T, o Options) { run(t, SuiteScenarios, o) }

// TestStops runs random scenarios with stop requests (FeatStops on top
// of o's features: mechanisms, variants, timings, handle setups, stops
// from a callback, a held share lock) and judges each trace with Check:
// SPEC §8's stop latency (P8) and stop outcome (P9) with the rest.
func TestStops(t *testing.T, o Options) { run(t, SuiteStops, o) }

// stopsProp: a random scenario with stops, judged by Check.
func stopsProp(o Options, sink *Failure) func(*rapid.T) {
	o.Features = o.features() | FeatStops | FeatHTTP
	return func(t *rapid.T) {
		s := genScenario(t, o)
		r := mustRun(t, s)
		if vs := Check(r.Trace, SubjectOf(s, r), o.properties()); len(vs) > 0 {
			failScenario(t, sink, s, r.Trace, vs)
		}
	}
}

// TestDeterminism runs each random scenario twice and checks the traces
// are the same byte for byte (P10), that the trace's text form parses back
// to the same records, and that hash-only runs agree.
func TestDeterminism(t *testing.T, o Options) { run(t, SuiteDeterminism, o) }

// run is a suite under a *testing.T: a failure prints the shrunk case and
// the command that replays it.
func run(t *testing.T, s Suite, o Options) {
	t.Helper()
	var sink Failure
	withFlags(o, suites[s].checks, false, func() {
		rapid.Check(replayTB{t}, suites[s].prop(o, &sink))
	})
}

// Failure is a suite's shrunk counterexample.
type Failure struct {
	Suite Suite
	// Seed is rapid's seed for the failing case (0 if unknown).
	Seed uint64
	// Case is the shrunk case in readable form: a scenario (Describe), or
	// the operations of an index or list suite.
	Case string
	// Violations are the properties it breaks, when a checker found them.
	Violations []Violation
	// Scenario is the shrunk scenario, for the suites that generate
	// scenarios (nil for the index and list suites); spec.FromScenario
	// makes it a scenario file.
	Scenario *scenario.Scenario
	// Report is everything the suite printed for it.
	Report string
	// Found is how long the search took to meet the first failing case;
	// Elapsed adds the shrinking.
	Found, Elapsed time.Duration

	start time.Time
}

// Find runs suite s without a test and returns its shrunk
// counterexample, or nil when every case passes. It writes no failure
// files. Like the suites, it sets rapid's flags for its budget while it
// runs: do not run it in parallel with other rapid checks.
func Find(s Suite, o Options) *Failure {
	initTesting.Do(initTestingFlags)
	rec := &recorder{name: "Find/" + s.String()}
	sink := Failure{Suite: s, start: time.Now()}
	withFlags(o, suites[s].checks, true, func() {
		rapid.Check(rec, suites[s].prop(o, &sink))
	})
	if !rec.failed {
		return nil
	}
	sink.Suite, sink.Elapsed = s, time.Since(sink.start)
	sink.Seed, _ = seedIn(strings.Join(rec.msgs, "\n"))
	return &sink
}

var initTesting sync.Once

// initTestingFlags lets rapid run outside go test (simrun list -bugs
// -search): rapid reads testing.Short, which needs testing's flags
// registered and the command line parsed. A command that parses its own
// flag sets leaves flag.CommandLine unparsed; it is parsed empty here.
func initTestingFlags() {
	testing.Init()
	if !flag.Parsed() {
		_ = flag.CommandLine.Parse(nil)
	}
}

// fail reports a failing case: what it is, its violations and the trace
// around them. The last call wins the sink: rapid replays the shrunk case
// last.
func fail(t *rapid.T, sink *Failure, what string, trace []sim.Record, vs []Violation) {
	sink.found()
	sink.Case, sink.Violations = what, vs
	var props Set
	for _, v := range vs {
		props |= SetOf(v.Property)
	}
	sink.Report = fmt.Sprintf("%d violation(s) of %v in\n%s\ntrace (%d lines) around them:\n%s",
		len(vs), props, what, len(trace), Report(vs, trace, 8, 3))
	t.Fatalf("%s", sink.Report)
}

// failScenario is fail for a generated scenario, which the sink keeps.
func failScenario(t *rapid.T, sink *Failure, s scenario.Scenario, trace []sim.Record, vs []Violation) {
	sink.Scenario = &s
	fail(t, sink, Describe(s), trace, vs)
}

// failText reports a failing case that a checker did not judge (an oracle
// or an invariant said no).
func failText(t *rapid.T, sink *Failure, what, why string) {
	sink.found()
	sink.Case, sink.Violations, sink.Scenario = what, nil, nil
	sink.Report = why + "\nin\n" + what
	t.Fatalf("%s", sink.Report)
}

// found notes when the first failing case turned up.
func (f *Failure) found() {
	if f.Found == 0 && !f.start.IsZero() {
		f.Found = time.Since(f.start)
	}
}

// scenariosProp: a random scenario, judged by Check.
func scenariosProp(o Options, sink *Failure) func(*rapid.T) {
	return func(t *rapid.T) {
		s := genScenario(t, o)
		r := mustRun(t, s)
		if vs := Check(r.Trace, SubjectOf(s, r), o.properties()); len(vs) > 0 {
			failScenario(t, sink, s, r.Trace, vs)
		}
	}
}

// mustRun runs a generated scenario; one the scenario package rejects is
// a bug in the generator.
func mustRun(t *rapid.T, s scenario.Scenario) scenario.Result {
	r, err := scenario.Run(s)
	if err != nil {
		t.Fatalf("generated an invalid scenario: %v\n%s", err, Describe(s))
	}
	return r
}

// ---- rapid plumbing ----

var flagMu sync.Mutex

// withFlags runs fn with rapid's flags set for a suite: its budget (unless
// -rapid.checks was given), o's seed and shrink time, and no failure files
// for Find. Values set on the command line win.
func withFlags(o Options, checks int, find bool, fn func()) {
	flagMu.Lock()
	defer flagMu.Unlock()
	given := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var undo []func()
	set := func(name, value string) {
		f := flag.Lookup(name)
		if f == nil || given[name] {
			return
		}
		old := f.Value.String()
		if f.Value.Set(value) == nil { // Value.Set leaves flag.Visit's view alone
			undo = append(undo, func() { _ = f.Value.Set(old) })
		}
	}
	if o.Checks > 0 {
		checks = o.Checks
	}
	set("rapid.checks", strconv.Itoa(checks))
	if o.Seed != 0 {
		set("rapid.seed", strconv.FormatUint(o.Seed, 10))
	}
	if o.ShrinkTime > 0 {
		set("rapid.shrinktime", o.ShrinkTime.String())
	}
	if find {
		set("rapid.nofailfile", "true")
	}
	defer func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}()
	fn()
}

var seedRE = regexp.MustCompile(`-rapid\.seed=(\d+)`)

func seedIn(msg string) (uint64, bool) {
	m := seedRE.FindStringSubmatch(msg)
	if m == nil {
		return 0, false
	}
	n, err := strconv.ParseUint(m[1], 10, 64)
	return n, err == nil
}

// replayTB adds the go test command that replays a failure to rapid's
// report of it.
type replayTB struct{ *testing.T }

func (r replayTB) Errorf(format string, args ...any) {
	r.Helper()
	msg := fmt.Sprintf(format, args...)
	if seed, ok := seedIn(msg); ok {
		msg = "replay: " + replayCommand(r.Name(), seed) + "\n" + msg
	}
	r.T.Errorf("%s", msg)
}

// replayCommand is the go test command that runs test name with rapid's
// seed: the package directory relative to the module root, and -run
// anchored on each level of the name.
func replayCommand(name string, seed uint64) string {
	var parts []string
	for _, p := range strings.Split(name, "/") {
		parts = append(parts, "^"+regexp.QuoteMeta(p)+"$")
	}
	return fmt.Sprintf("go test %s -run '%s' -rapid.seed=%d", packageDir(), strings.Join(parts, "/"), seed)
}

// packageDir is the working directory (a test's package) relative to the
// module root, as go test takes it: "./properties".
func packageDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if rel, err := filepath.Rel(dir, wd); err == nil && rel != "." {
				return "./" + filepath.ToSlash(rel)
			}
			return "."
		}
		if filepath.Dir(dir) == dir {
			return "."
		}
	}
}

// recorder is the rapid.TB of Find: it keeps what rapid reports.
type recorder struct {
	name   string
	failed bool
	msgs   []string
}

func (r *recorder) Helper()                        {}
func (r *recorder) Name() string                   { return r.name }
func (r *recorder) Logf(string, ...any)            {}
func (r *recorder) Log(...any)                     {}
func (r *recorder) Skipf(string, ...any)           {}
func (r *recorder) Skip(...any)                    {}
func (r *recorder) SkipNow()                       {}
func (r *recorder) Errorf(format string, a ...any) { r.fail(fmt.Sprintf(format, a...)) }
func (r *recorder) Error(a ...any)                 { r.fail(fmt.Sprint(a...)) }
func (r *recorder) Fatalf(format string, a ...any) { r.fail(fmt.Sprintf(format, a...)) }
func (r *recorder) Fatal(a ...any)                 { r.fail(fmt.Sprint(a...)) }
func (r *recorder) FailNow()                       { r.failed = true }
func (r *recorder) Fail()                          { r.failed = true }
func (r *recorder) Failed() bool                   { return r.failed }
func (r *recorder) fail(msg string)                { r.failed, r.msgs = true, append(r.msgs, msg) }
