package scenario

import (
	"testing"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
)

// stalledStop is the stalled situation with an easy-stop request whose
// details the caller sets.
func stalledStop(p model.Profile, st Stop) Scenario {
	sit, _ := SituationByName("stalled")
	s := sit.Build(p, MechEasyStop)
	st.Transfer, st.Mechanism = 1, MechEasyStop
	s.Stops = []Stop{st}
	return s
}

func mustRun(t *testing.T, s Scenario) Result {
	t.Helper()
	r, err := Run(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestStopBeforePerform: a stop while the handle is not performing is
// rejected by the proposal reading (the transfer then runs to its
// timeout), or latched for the next perform by the latch variant (the
// transfer ends STOPPED as soon as it runs).
func TestStopBeforePerform(t *testing.T) {
	for _, p := range profiles {
		for _, tc := range []struct {
			variant, code string
			result        model.Result
		}{
			{"proposal", "STOP_NOT_RUNNING", model.OperationTimedout},
			{"latch", "STOP_OK", model.Stopped},
		} {
			s := stalledStop(p, Stop{Variant: tc.variant, At: sim.Const{D: 500 * time.Millisecond}})
			s.Transfers[0].Start = time.Second
			r := mustRun(t, s)
			st, o := r.Stops[0], r.Transfers[0]
			if st.Code != tc.code || o.Result != tc.result {
				t.Errorf("%s/%s: code %s result %v, want %s %v", p.Name, tc.variant, st.Code, o.Result, tc.code, tc.result)
			}
			if tc.result == model.Stopped && o.Elapsed() > 1000 {
				t.Errorf("%s/latch: the latched stop took %dus to end the transfer", p.Name, o.Elapsed())
			}
		}
	}
}

// TestStopRacesCompletion requests the stop at the very instant the
// transfer completes, with race exploration on, over many seeds: whichever
// runs first, the application gets exactly one result, STOPPED or the
// real one (completion wins when it came first), never nothing.
func TestStopRacesCompletion(t *testing.T) {
	fam, _ := FamilyByName("quick")
	base := mustRun(t, fam.Build(model.Curl8(), DriverEasy, 0))
	// The stopper is signalled when the response arrives, so it wakes at
	// the same instant as the performing thread (both after the wake-up
	// latency).
	end := base.Transfers[0].End.Add(-sim.DefaultHost().WakeLatency.Draw(nil))
	seen := map[model.Result]int{}
	for seed := uint64(1); seed <= 300; seed++ {
		s := fam.Build(model.Curl8(), DriverEasy, 0)
		s.Seed, s.Races = seed, true
		s.Stops = []Stop{{Transfer: 1, Mechanism: MechEasyStop, At: sim.Const{D: time.Duration(end)}}}
		r := mustRun(t, s)
		o := r.Transfers[0]
		if !o.Done || (o.Result != model.OK && o.Result != model.Stopped) {
			t.Fatalf("seed %d: done=%v result %v: the result was lost (replay: Seed=%d, Races=true)", seed, o.Done, o.Result, seed)
		}
		if st := r.Stops[0]; st.Code == "STOP_OK" && o.Result == model.OK && !st.AfterEnd {
			t.Fatalf("seed %d: the stop was accepted for a running transfer but the transfer reported OK", seed)
		}
		seen[o.Result]++
	}
	t.Logf("300 seeds at the completion instant: %v", seen)
	if seen[model.OK] == 0 || seen[model.Stopped] == 0 {
		t.Errorf("race exploration never put one side first: %v", seen)
	}
}

// TestStopFromCallback: the performing thread stops its own transfer from
// inside its progress callback; the transfer ends STOPPED, under each
// reading of when that takes effect.
func TestStopFromCallback(t *testing.T) {
	for _, p := range profiles {
		for _, v := range []string{"proposal", "after-callback"} {
			r := mustRun(t, stalledStop(p, Stop{Variant: v, FromCallback: true, At: sim.Const{D: 500 * time.Millisecond}}))
			st, o := r.Stops[0], r.Transfers[0]
			if st.Code != "STOP_OK" || o.Result != model.Stopped || st.Latency() > time.Millisecond {
				t.Errorf("%s/%s: code %s result %v latency %v, want STOP_OK STOPPED within 1 ms", p.Name, v, st.Code, o.Result, st.Latency())
			}
		}
	}
}

// TestTwoStops: a second request for the same transfer, while the first
// is pending (the performing thread is blocked in a synchronous lookup),
// is harmless: it is answered STOP_OK (proposal) or STOP_ALREADY
// (already), and the transfer ends once, STOPPED.
func TestTwoStops(t *testing.T) {
	sit, _ := SituationByName("dns-sync")
	for _, p := range profiles {
		for _, tc := range []struct{ variant, second string }{{"proposal", "STOP_OK"}, {"already", "STOP_ALREADY"}} {
			s := sit.Build(p, MechEasyStop)
			s.Stops[0].Variant = tc.variant
			second := s.Stops[0]
			second.At = sim.Const{D: 200 * time.Millisecond}
			s.Stops = append(s.Stops, second)
			r := mustRun(t, s)
			if r.Stops[0].Code != "STOP_OK" || r.Stops[1].Code != tc.second || r.Transfers[0].Result != model.Stopped {
				t.Errorf("%s/%s: codes %s, %s result %v", p.Name, tc.variant, r.Stops[0].Code, r.Stops[1].Code, r.Transfers[0].Result)
			}
		}
	}
}

// TestStopRefused: a handle that is not stoppable, or whose share has no
// lock function, refuses the stop with its own code, and the transfer
// runs exactly as without the request (same result, same end).
func TestStopRefused(t *testing.T) {
	for _, p := range profiles {
		plain := stalledStop(p, Stop{})
		plain.Stops = nil
		want := mustRun(t, plain).Transfers[0]
		for _, tc := range []struct {
			h    Handle
			code string
		}{{HandleNotStoppable, "STOP_NOT_STOPPABLE"}, {HandleNoLockFunction, "STOP_NO_LOCK_FUNCTION"}} {
			r := mustRun(t, stalledStop(p, Stop{Handle: tc.h, At: sim.Const{D: 500 * time.Millisecond}}))
			got := r.Transfers[0]
			if r.Stops[0].Code != tc.code || got.Result != want.Result || got.End != want.End {
				t.Errorf("%s/%v: code %s, transfer %v at %v; want %s and %v at %v", p.Name, tc.h, r.Stops[0].Code,
					got.Result, got.End, tc.code, want.Result, want.End)
			}
		}
	}
}

// TestStopNeverReachesLaterTransfer: a stop of the first perform of a
// handle ends that perform; the scenario's other transfers are untouched.
func TestStopNeverReachesOthers(t *testing.T) {
	fam, _ := FamilyByName("three")
	s := fam.Build(model.Curl8(), DriverMultiPoll, 0)
	s.Stops = []Stop{{Transfer: 2, Mechanism: MechEasyStop, At: sim.Const{D: 100 * time.Millisecond}}}
	r := mustRun(t, s)
	for _, o := range r.Transfers {
		want := model.OperationTimedout
		if o.ID == 2 {
			want = model.Stopped
		}
		if o.Result != want {
			t.Errorf("transfer %d: %v, want %v", o.ID, o.Result, want)
		}
	}
	if r.Stops[0].Latency() > time.Millisecond {
		t.Errorf("a stop in the application's multi took %v (its poll must be woken)", r.Stops[0].Latency())
	}
}
