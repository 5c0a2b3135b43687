//go:build libcurl

package realcurl

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/properties"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
	"github.com/expirylab/expiry/sim/scenario/spec"
)

// maxCatalog and maxSimulated keep TestCatalog short: at most this many
// entries, one per catalogue file, each simulated to end within 2 s.
const (
	maxCatalog   = 8
	maxSimulated = 2 * time.Second
)

// pickCatalog chooses the catalogue entries TestCatalog runs: one per
// file, expressible, short in the simulator, with the drivers in
// rotation so every driver gets its turn.
func pickCatalog(t *testing.T) []spec.Entry {
	var files []string
	byFile := map[string][]spec.Entry{}
	for _, e := range spec.Catalog() {
		if _, ok := byFile[e.File]; !ok {
			files = append(files, e.File)
		}
		byFile[e.File] = append(byFile[e.File], e)
	}
	var picked []spec.Entry
	for _, f := range files {
		if len(picked) == maxCatalog {
			break
		}
		want := scenario.Drivers()[len(picked)%4]
		var first, preferred *spec.Entry
		for _, e := range byFile[f] {
			s, err := e.Spec.Scenario(e.Spec.Sweep.At(0))
			if err != nil {
				t.Fatalf("%s: %v", e.Name, err)
			}
			if Expressible(&s) != nil || simRun(t, s).Outcome.Now > sim.Time(maxSimulated) {
				continue
			}
			if first == nil {
				first = &e
			}
			if s.Driver == want && preferred == nil {
				preferred = &e
			}
		}
		switch {
		case preferred != nil:
			picked = append(picked, *preferred)
		case first != nil:
			picked = append(picked, *first)
		}
	}
	return picked
}

// TestCatalog runs a few expressible catalogue scenarios on libcurl and
// holds every transfer's and stop's outcome to the simulator's; it logs
// the elapsed times side by side and what the property checkers make of
// the real trace.
func TestCatalog(t *testing.T) {
	for _, e := range pickCatalog(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			s, err := e.Spec.Scenario(e.Spec.Sweep.At(0))
			if err != nil {
				t.Fatal(err)
			}
			want := simRun(t, s)
			s, _ = e.Spec.Scenario(e.Spec.Sweep.At(0)) // a run consumes its scenario's state
			got := mustRun(t, s)
			for i, o := range got.Transfers {
				w := want.Transfers[i]
				t.Logf("x%d: real %v after %v, simulated %v after %v", o.ID, o.Result, elapsed(o), w.Result, elapsed(w))
				if o.Result != w.Result || o.Done != w.Done || o.Removed != w.Removed {
					t.Errorf("x%d: real %v done=%v removed=%v, simulated %v done=%v removed=%v (rerun: go run ./cmd/simrun replay %s)",
						o.ID, o.Result, o.Done, o.Removed, w.Result, w.Done, w.Removed, e.Name)
				}
			}
			for i, st := range got.Stops {
				w := want.Stops[i]
				t.Logf("stop %d: real latency %v, simulated %v", i+1, st.Latency(), w.Latency())
				if st.Result != w.Result || st.Removed != w.Removed || st.AfterEnd != w.AfterEnd {
					t.Errorf("stop %d: real %v removed=%v after-end=%v, simulated %v removed=%v after-end=%v",
						i+1, st.Result, st.Removed, st.AfterEnd, w.Result, w.Removed, w.AfterEnd)
				}
			}
			logVerdicts(t, s, got)
		})
	}
}

// logVerdicts runs every trace property on a real trace and logs the
// violations by property. A real trace has no model internals (timer
// lists, splay index), so the properties rebuilt from them (P1, P6) see
// an empty index: their verdicts are logged, not required to be empty.
// What is required is that each violation points into the trace.
func logVerdicts(t *testing.T, s scenario.Scenario, r scenario.Result) {
	t.Helper()
	sub := properties.SubjectOf(s, r)
	sub.EpochPhase = phaseOf(t, r.Trace) // 7.88's ms arithmetic saw the real clock's phase
	vs := properties.Check(r.Trace, sub, properties.TraceProperties)
	by := map[string]int{}
	for _, v := range vs {
		by[v.Property.String()]++
		for _, l := range v.Lines {
			if l < 0 || l >= len(r.Trace) {
				t.Errorf("violation %v points at line %d of %d", v, l, len(r.Trace))
			}
		}
	}
	var parts []string
	for p, n := range by {
		parts = append(parts, fmt.Sprintf("%s ×%d", p, n))
	}
	sort.Strings(parts)
	t.Logf("properties on the real trace (%d records): %s", len(r.Trace), orNone(strings.Join(parts, ", ")))
	for _, v := range vs {
		if v.Property != properties.SingleTimeout {
			t.Logf("  %v", v)
		}
	}
}

// phaseOf is the sub-second phase of CLOCK_MONOTONIC at the run's start,
// which the trace's engine.start record states.
func phaseOf(t *testing.T, trace []sim.Record) time.Duration {
	t.Helper()
	for _, rec := range trace {
		if v, ok := rec.Get("phase"); ok && rec.Kind == "engine.start" {
			d, err := time.ParseDuration(v)
			if err != nil {
				t.Fatalf("engine.start phase=%q: %v", v, err)
			}
			return d
		}
	}
	t.Fatal("the trace has no engine.start record")
	return 0
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// TestThree runs the "three" family on socket-exact: the timer callback
// sequence is plausible (three 0s for the adds, then positive timeouts
// no longer than the longest limit), the transfers end in the order of
// their limits, each within a few milliseconds past it.
func TestThree(t *testing.T) {
	e, ok := spec.Lookup("three/curl-7.88/socket-exact")
	if !ok {
		t.Fatal("the catalogue has no three/curl-7.88/socket-exact")
	}
	s, err := e.Spec.Scenario(e.Spec.Sweep.At(0))
	if err != nil {
		t.Fatal(err)
	}
	sr := simRun(t, s)
	s, _ = e.Spec.Scenario(e.Spec.Sweep.At(0))
	r := mustRun(t, s)
	real, simulated := timerCalls(r.Trace), timerCalls(sr.Trace)
	t.Logf("timer-cb ms, real:      %v", real)
	t.Logf("timer-cb ms, simulated: %v", simulated)
	if len(real) < 5 || fmt.Sprint(real[:3]) != "[0 0 0]" {
		t.Errorf("timer callbacks %v: want three 0s for the adds, then more", real)
	}
	for _, ms := range real[3:] {
		if ms < -1 || ms > 1300 {
			t.Errorf("timer callback told %d ms, outside [-1, 1300]", ms)
		}
	}
	var ends []int
	for _, o := range r.Transfers {
		limit := time.Duration(o.Options.TimeoutMs) * time.Millisecond
		if el := elapsed(o); o.Result != model.OperationTimedout || el < limit-time.Millisecond || el > limit+100*time.Millisecond {
			t.Errorf("x%d: %v after %v, want OPERATION_TIMEDOUT at %v", o.ID, o.Result, el, limit)
		}
		ends = append(ends, int(o.End))
	}
	if !(ends[1] < ends[2] && ends[2] < ends[0]) {
		t.Errorf("ends %v: want x2 (500 ms), x3 (900 ms), x1 (1300 ms) in that order", ends)
	}
	t.Logf("counters real %+v, simulated %+v", r.Counters, sr.Counters)
	logVerdicts(t, s, r)
}

// timerCalls lists the timer callback's values in trace order.
func timerCalls(trace []sim.Record) []int {
	var out []int
	for _, rec := range trace {
		if rec.Kind == "timer-cb" {
			v, _ := rec.Get("ms")
			var ms int
			fmt.Sscan(v, &ms)
			out = append(out, ms)
		}
	}
	return out
}

// TestConcurrentRuns runs one scenario per driver at once and checks
// that Run leaves no goroutine and no descriptor behind.
func TestConcurrentRuns(t *testing.T) {
	mustRun(t, get(scenario.DriverEasy, "quick(10)", model.Options{})) // libcurl's one-time setup
	goroutines, fds := runtime.NumGoroutine(), openFDs(t)
	var wg sync.WaitGroup
	for _, d := range scenario.Drivers() {
		wg.Go(func() {
			r := mustRun(t, get(d, "trickle(20ms,10,50)", model.Options{TimeoutMs: 3000}))
			if o := r.Transfers[0]; o.Result != model.OK || o.Bytes != 50 {
				t.Errorf("%v: %v with %d bytes, want OK with 50", d, o.Result, o.Bytes)
			}
		})
	}
	wg.Wait()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > goroutines && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > goroutines {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines after the runs, %d before:\n%s", n, goroutines, buf[:runtime.Stack(buf, true)])
	}
	if n := openFDs(t); n > fds {
		t.Errorf("%d open descriptors after the runs, %d before", n, fds)
	}
}

func openFDs(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip(err)
	}
	return len(ents)
}
