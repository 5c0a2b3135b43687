package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
	"github.com/expirylab/expiry/sim/scenario/spec"
)

// calibrationRuns are the real runs calibrate measures: an event-driven
// application with an exact timer (timer wake-ups, socket_action costs)
// and a multi_poll loop stopped by multi_wakeup (wake-ups by another
// thread, perform and remove_handle costs).
var calibrationRuns = []string{"fidelity/timeout/socket-exact", "fidelity/stall-wakeup"}

// calibrateCmd measures this machine's host model on the real libcurl and
// prints it as a scenario file's [host] table: the wake-up latency of a
// thread woken by a descriptor, the latency of a timed wait's expiry, and
// the CPU cost of each libcurl call, each as the empirical distribution of
// its deciles. The fidelity set's files carry such a table.
func calibrateCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("simrun calibrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	runs := fs.Int("runs", 30, "real runs of each calibration scenario")
	if err := fs.Parse(args); err != nil {
		return fail(stderr, err)
	}
	eng, err := engineByName("libcurl")
	if err != nil {
		return fail(stderr, err)
	}
	var m measurements
	for _, name := range calibrationRuns {
		e, ok := spec.Lookup(name)
		if !ok {
			return fail(stderr, fmt.Errorf("calibration scenario %s is not in the catalogue", name))
		}
		for seed := uint64(1); seed <= uint64(max(*runs, 1)); seed++ {
			s, err := e.Spec.Scenario(seed)
			if err != nil {
				return fail(stderr, err)
			}
			s.Trace = scenario.TraceFull
			r, err := eng.run(context.Background(), s)
			if err != nil {
				return fail(stderr, fmt.Errorf("%s seed %d: %w", name, seed, err))
			}
			m.add(r)
		}
	}
	fmt.Fprintf(stdout, "# Measured by simrun calibrate on %s, %d runs each of %s, %s.\n",
		eng.version, *runs, strings.Join(calibrationRuns, " and "), time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintln(stdout, "[host]")
	m.write(stdout)
	return exitOK
}

// measurements are the samples calibrate gathers, in µs.
type measurements struct {
	timer  []int64            // timerfd expiry to the application's wake-up
	notice []int64            // a stop's request to the performing thread's wake-up
	calls  map[string][]int64 // a libcurl call's duration (but the runs')
	runs   []int64            // socket_action and perform calls: the runs in them
	ends   []int64            // ... those after which a transfer's DONE message came
}

// add reads one real trace: the application's timer (the last timer
// callback's deadline) against the epoll return that reports it, every
// call's duration but the blocking waits', and the stop records.
func (m *measurements) add(r scenario.Result) {
	if m.calls == nil {
		m.calls = map[string][]int64{}
	}
	var armed int64 = -1
	open := map[string]int64{}
	lastRun := int64(-1) // the latest run call's duration, until a message or the next one
	flush := func(ended bool) {
		switch {
		case lastRun < 0:
			return
		case ended:
			m.ends = append(m.ends, lastRun)
		default:
			m.runs = append(m.runs, lastRun)
		}
		lastRun = -1
	}
	for _, rec := range r.Trace {
		at := rec.At.Micros()
		fn, _ := rec.Get("fn")
		switch rec.Kind {
		case "timer-cb":
			armed = -1
			if ms, err := strconv.ParseInt(field(rec, "ms"), 10, 64); err == nil && ms >= 0 {
				armed = at + ms*1000
			}
		case "epoll.return":
			if armed >= 0 && strings.Contains(field(rec, "ready"), ":app") {
				m.timer = append(m.timer, max(at-armed, 0))
				armed = -1
			}
		case "msg":
			flush(true)
		case "call":
			open[fn] = at
			if fn == "socket_action" || fn == "perform" {
				flush(false)
			}
		case "return":
			t0, ok := open[fn]
			delete(open, fn)
			switch {
			case !ok || fn == "poll" || fn == "wait" || fn == "end_poll":
			case fn == "socket_action" || fn == "perform":
				lastRun = at - t0
			default:
				m.calls[fn] = append(m.calls[fn], at-t0)
			}
		}
	}
	flush(false)
	for _, st := range r.Stops {
		if st.HasNoticed {
			m.notice = append(m.notice, st.NoticeLatency().Microseconds())
		}
	}
}

func field(r sim.Record, key string) string {
	v, _ := r.Get(key)
	return v
}

// write prints the [host] table: wake_latency from the stop notices (a
// thread woken through a descriptor by another), timer_latency from the
// timerfd expiries (a poll timeout's expiry takes the same kernel path),
// and [host.cpu] per call (socket_action and perform as the runs: "run",
// and "finish" for those that ended a transfer).
func (m *measurements) write(w io.Writer) {
	fmt.Fprintf(w, "wake_latency = %q # %d wake-ups by another thread\n", deciles(m.notice), len(m.notice))
	fmt.Fprintf(w, "timer_latency = %q # %d timer expiries\n", deciles(m.timer), len(m.timer))
	fmt.Fprintln(w, "[host.cpu]")
	// A socket_action or perform call is mostly the transfer's run, and
	// curl reads the clock for the timer callback after it: that cost is
	// the model's per-run cost ("run"), claimed after the run; a run that
	// ends the transfer closes its connection too ("finish"). (A "first"
	// entry, for the run that starts the connect, is left out: on the
	// machine of docs/FIDELITY.md it made the comparison worse.)
	fmt.Fprintf(w, "run = %q # %d socket_action and perform calls\n", deciles(m.runs), len(m.runs))
	fmt.Fprintf(w, "finish = %q # %d calls that ended a transfer\n", deciles(m.ends), len(m.ends))
	for _, fn := range slices.Sorted(maps.Keys(m.calls)) {
		fmt.Fprintf(w, "%s = %q # %d calls\n", fn, deciles(m.calls[fn]), len(m.calls[fn]))
	}
}

// deciles is an empirical distribution of the samples' ten deciles
// (midpoints of each tenth), or const(0s) with no samples.
func deciles(v []int64) string {
	if len(v) == 0 {
		return "const(0s)"
	}
	v = slices.Clone(v)
	slices.Sort(v)
	parts := make([]string, 10)
	for i := range parts {
		parts[i] = strconv.FormatInt(v[min(len(v)-1, len(v)*(2*i+1)/20)], 10) + "us"
	}
	return "empirical(" + strings.Join(parts, ",") + ")"
}
