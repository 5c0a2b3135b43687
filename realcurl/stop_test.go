//go:build libcurl

package realcurl

import (
	"testing"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
)

// stalledStop is a stalled transfer with TIMEOUT_MS 3000 and one stop
// 200 ms after its request went out.
func stalledStop(d scenario.Driver, m scenario.Mechanism, pollCap time.Duration) scenario.Scenario {
	s := get(d, "stalled", model.Options{TimeoutMs: 3000})
	s.Name = "stalled/" + m.String()
	s.PollCap = pollCap
	s.Stops = []scenario.Stop{{Transfer: 1, Mechanism: m, At: sim.Const{D: 200 * time.Millisecond}, OnState: "PERFORMING"}}
	return s
}

// timeoutStop is stalledStop with the timeout mechanism and TIMEOUT_MS
// 800: the stop changes nothing, the limit ends the transfer 600 ms later.
func timeoutStop() scenario.Scenario {
	s := stalledStop(scenario.DriverSocketExact, scenario.MechTimeout, 0)
	s.Transfers[0].Options.TimeoutMs = 800
	return s
}

// TestStops: each mechanism libcurl has ends a stalled transfer with its
// outcome, and the stop record's times are in order and within the
// mechanism's bound: the next progress callback for xferinfo (the poll
// cap while idle), one wake-up for wakeup, TIMEOUT_MS for timeout.
func TestStops(t *testing.T) {
	cases := []struct {
		name    string
		s       scenario.Scenario
		result  model.Result
		removed bool
		max     time.Duration // Returned − Requested
	}{
		{"xferinfo/easy", stalledStop(scenario.DriverEasy, scenario.MechXferinfo, 0), model.AbortedByCallback, false, 1500 * time.Millisecond},
		{"xferinfo/multi-poll-100ms", stalledStop(scenario.DriverMultiPoll, scenario.MechXferinfo, 100*time.Millisecond), model.AbortedByCallback, false, 300 * time.Millisecond},
		{"wakeup/multi-poll", stalledStop(scenario.DriverMultiPoll, scenario.MechWakeup, 0), model.OK, true, 200 * time.Millisecond},
		{"timeout/socket-exact", timeoutStop(), model.OperationTimedout, false, 700 * time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := mustRun(t, c.s)
			o, st := r.Transfers[0], r.Stops[0]
			if o.Result != c.result || o.Removed != c.removed || st.Result != c.result || st.Removed != c.removed {
				t.Fatalf("transfer %v removed=%v, stop record %v removed=%v; want %v removed=%v", o.Result, o.Removed, st.Result, st.Removed, c.result, c.removed)
			}
			if !st.HasNoticed || !st.HasReturned || st.AfterEnd || st.State != "PERFORMING" {
				t.Fatalf("stop record %+v: want noticed and returned, requested while PERFORMING", st)
			}
			if !(st.Requested <= st.Noticed && st.Noticed <= st.Returned && st.Returned == o.End) {
				t.Errorf("stop record %+v: want requested ≤ noticed ≤ returned = the transfer's end %v", st, o.End)
			}
			if lat := st.Latency(); lat > c.max {
				t.Errorf("stop latency %v, want at most %v", lat, c.max)
			}
			// Requested 200 ms after the request went out (≈ the start).
			if req := time.Duration(st.Requested.Sub(o.Start)); req < 200*time.Millisecond || req > 400*time.Millisecond {
				t.Errorf("requested %v after the start, want about 200ms", req)
			}
			if st.IdleWakeups <= 0 || st.IdleWakeups > 100 {
				t.Errorf("idle wake-ups %.1f/s, want a few per second", st.IdleWakeups)
			}
			t.Logf("latency %v (noticed after %v), idle wake-ups %.1f/s", st.Latency(), st.NoticeLatency(), st.IdleWakeups)
			logVerdicts(t, c.s, r)
		})
	}
}

// TestStopFromCallback: the performing thread requests an xferinfo stop
// from inside its progress callback, which then returns 1 at once.
func TestStopFromCallback(t *testing.T) {
	s := stalledStop(scenario.DriverMultiPoll, scenario.MechXferinfo, 100*time.Millisecond)
	s.Stops[0].FromCallback = true
	r := mustRun(t, s)
	st := r.Stops[0]
	if r.Transfers[0].Result != model.AbortedByCallback || !st.HasNoticed || st.Noticed != st.Requested {
		t.Fatalf("%v, stop record %+v: want ABORTED_BY_CALLBACK noticed when requested", r.Transfers[0].Result, st)
	}
	var req sim.Record
	for _, rec := range r.Trace {
		if rec.Kind == "stop.request" {
			req = rec
		}
	}
	if req.Thread != 1 {
		t.Errorf("stop.request on thread %d, want the performing thread t1", req.Thread)
	}
}

// TestStopAfterEnd: a stop timed after the transfer ended records that
// completion came first, and the run lasts until the stopper acted.
func TestStopAfterEnd(t *testing.T) {
	s := get(scenario.DriverSocketPoll, "quick(100)", model.Options{TimeoutMs: 3000})
	s.Stops = []scenario.Stop{{Transfer: 1, Mechanism: scenario.MechXferinfo, At: sim.Const{D: 150 * time.Millisecond}}}
	r := mustRun(t, s)
	st := r.Stops[0]
	if r.Transfers[0].Result != model.OK || !st.AfterEnd || st.Result != model.OK || st.HasReturned {
		t.Fatalf("%v, stop record %+v: want OK, the stop after the end", r.Transfers[0].Result, st)
	}
	if r.Outcome.Reason != sim.StopIdle || r.Outcome.Now < st.Requested {
		t.Errorf("outcome %v at %v, want idle after the request at %v", r.Outcome.Reason, r.Outcome.Now, st.Requested)
	}
}
