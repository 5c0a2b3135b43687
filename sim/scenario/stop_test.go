package scenario

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
)

// stopViewKinds are the lines a stop golden shows: the request, the
// model's stop steps, the callbacks that matter, states, messages and
// removals.
var stopViewKinds = map[string]bool{
	"stop.request": true, "stop": true, "state": true, "msg": true, "finish": true,
	"xferinfo-cb": true, "write-cb": true, "lock": true, "lock.wait": true, "unlock": true,
}

// TestStopGoldens runs testdata/stop/<situation>.txt: `run profile=P
// mechanism=M [full]` prints the run's stop view and its stop record.
// Regenerate with -rewrite.
func TestStopGoldens(t *testing.T) {
	for _, sit := range Situations() {
		t.Run(sit.Name, func(t *testing.T) {
			path := "testdata/stop/" + sit.Name + ".txt"
			if _, err := os.Stat(path); err != nil {
				t.Fatalf("%s: %v (every situation has a golden script)", path, err)
			}
			datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
				var prof, mech string
				d.ScanArgs(t, "profile", &prof)
				d.ScanArgs(t, "mechanism", &mech)
				p, err := model.ByName(prof)
				if err != nil {
					d.Fatalf(t, "%v", err)
				}
				m, err := ParseMechanism(mech)
				if err != nil {
					d.Fatalf(t, "%v", err)
				}
				r, err := Run(sit.Build(p, m))
				if err != nil {
					d.Fatalf(t, "%v", err)
				}
				return renderStop(r, d.HasArg("full"))
			})
		})
	}
}

func renderStop(r Result, full bool) string {
	var b strings.Builder
	for _, rec := range r.Trace {
		if full || stopViewKinds[rec.Kind] {
			b.WriteString(rec.String())
			b.WriteByte('\n')
		}
	}
	for _, st := range r.Stops {
		fmt.Fprintf(&b, "stop: %s code=%s state=%s requested=%v noticed=%v returned=%v latency=%v result=%v removed=%v idle-wakeups=%.2f/s\n",
			st.Mechanism, orDefault(st.Code, "-"), st.State, st.Requested, noticedText(st), st.Returned,
			st.Latency(), st.Result, st.Removed, st.IdleWakeups)
	}
	return b.String()
}

func noticedText(st StopRecord) string {
	if !st.HasNoticed {
		return "never"
	}
	return st.Noticed.String()
}

// mechanismBound is the stated latency bound of a mechanism in a
// situation, under the default host model: easy-stop and wakeup need one
// wake-up (under 1 ms) unless the performing thread cannot look (the rest
// of a synchronous lookup, a long callback, a held lock: the situation's
// Bound); xferinfo waits for the transfer's next drive, at most the poll
// cap while idle, the inter-arrival time while data flows, plus 5 ms (and
// no better than the situation's bound); timeout is bounded by the
// option, TIMEOUT_MS after the transfer's start, plus whatever keeps the
// thread from checking when that passes (a write callback still running
// at 3000 ms ends the transfer only when it returns: CURLOPT_TIMEOUT is
// not hard against a long callback).
func mechanismBound(sit Situation, m Mechanism, s Scenario, st StopRecord, start sim.Time) time.Duration {
	switch m {
	case MechEasyStop, MechWakeup:
		return sit.Bound
	case MechXferinfo:
		idle := time.Duration(s.pollCapMs())*time.Millisecond + 5*time.Millisecond
		if sit.Name == "trickling" {
			idle = 300*time.Millisecond + 5*time.Millisecond
		}
		return max(idle, sit.Bound+5*time.Millisecond+time.Duration(s.pollCapMs())*time.Millisecond)
	}
	limit := start.Add(stopTimeoutMs*time.Millisecond + 5*time.Millisecond).Sub(st.Requested)
	if sit.Bound > time.Millisecond {
		limit += sit.Bound
	}
	return limit
}

// TestStopBounds checks every mechanism in every situation against its
// stated bound, for both profiles, and that the stop is never lost: the
// application gets the transfer back, with STOPPED (easy-stop), 42
// (xferinfo), a removal (wakeup) or 28 (timeout), unless the transfer
// completed first.
func TestStopBounds(t *testing.T) {
	for _, sit := range Situations() {
		for _, p := range profiles {
			for _, m := range Mechanisms() {
				if !sit.Applies(m) {
					continue
				}
				s := sit.Build(p, m)
				r, err := Run(s)
				if err != nil {
					t.Fatal(err)
				}
				st := r.Stops[0]
				name := fmt.Sprintf("%s/%s/%s", sit.Name, p.Name, m)
				if !st.HasReturned {
					t.Errorf("%s: the application never got the transfer back", name)
					continue
				}
				if bound := mechanismBound(sit, m, s, st, r.Transfers[0].Start); st.Latency() > bound {
					t.Errorf("%s: stop latency %v exceeds the bound %v", name, st.Latency(), bound)
				}
				if want := wantResult(m, r.Transfers[0]); !st.Removed && st.Result != want {
					t.Errorf("%s: result %v, want %v", name, st.Result, want)
				}
				if m == MechWakeup && !st.Removed && r.Transfers[0].Result != model.OK {
					t.Errorf("%s: wakeup did not remove the handle", name)
				}
			}
		}
	}
}

// wantResult is the result a stopped transfer reports per mechanism; a
// transfer that completed before the stop keeps its own (OK).
func wantResult(m Mechanism, o Outcome) model.Result {
	if o.Result == model.OK {
		return model.OK
	}
	switch m {
	case MechEasyStop:
		return model.Stopped
	case MechXferinfo:
		return model.AbortedByCallback
	case MechTimeout:
		return model.OperationTimedout
	}
	return o.Result
}

// TestStopSweep requests the stop of a stalled transfer at a uniformly
// drawn time in its first 2 s of waiting, over 1000 seeds per mechanism,
// and checks each run against the mechanism's bound. With -v it prints
// the latency distribution: p50, p99 and max.
func TestStopSweep(t *testing.T) {
	sit, _ := SituationByName("stalled")
	for _, m := range Mechanisms() {
		var lat []time.Duration
		for seed := uint64(1); seed <= 1000; seed++ {
			s := sit.Build(model.Curl8(), m)
			s.Seed = seed
			s.Stops[0].At = sim.Uniform{Lo: 0, Hi: 2 * time.Second}
			r, err := Run(s)
			if err != nil {
				t.Fatal(err)
			}
			st := r.Stops[0]
			if bound := mechanismBound(sit, m, s, st, r.Transfers[0].Start); !st.HasReturned || st.Latency() > bound {
				t.Fatalf("%s seed %d: latency %v (returned %v), bound %v; replay with Seed=%d", m, seed, st.Latency(), st.HasReturned, bound, seed)
			}
			lat = append(lat, st.Latency())
		}
		slices.Sort(lat)
		t.Logf("%-9s stalled, 1000 seeds: p50 %v  p99 %v  max %v", m, lat[len(lat)/2], lat[len(lat)*99/100], lat[len(lat)-1])
	}
}
