package reports

import (
	"fmt"
	"testing"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
)

// judge stands in for package properties' checkers, so that this
// package's tests do not depend on them: it flags a transfer that ended
// more than 1 ms past its limit under a fixture property "T1".
func judge(res scenario.Result) []Verdict {
	var vs []Verdict
	for _, t := range FromResult("", res, nil).Transfers {
		if t.OvershootUs != nil && *t.OvershootUs > 1000 {
			vs = append(vs, VerdictOf("T1 test-overshoot", res.Transfers[t.ID-1].End, int64(t.ID),
				fmt.Sprintf("ended %d µs past %s", *t.OvershootUs, t.Limit), nil, nil))
		}
	}
	return vs
}

// job is one scenario of the test sweep, run under seeds 1..n.
type job struct {
	s     scenario.Scenario
	judge bool // check the trace with package properties
}

// sweepJobs is a small suite shaped like simrun's: stop situations under
// every mechanism and both profiles, with the stop time spread so seeds
// differ; a poll-cap sweep of xferinfo against easy-stop; and timeout
// families under three drivers, one with a historical bug switched on,
// judged by judge.
func sweepJobs(tb testing.TB) []job {
	var jobs []job
	profiles := []model.Profile{model.Curl788(), model.Curl8()}
	for _, name := range []string{"connecting", "stalled", "trickling", "dns-sync"} {
		sit, _ := scenario.SituationByName(name)
		for _, p := range profiles {
			for _, m := range scenario.Mechanisms() {
				if sit.Applies(m) {
					jobs = append(jobs, job{s: spreadStop(sit.Build(p, m))})
				}
			}
		}
	}
	stalled, _ := scenario.SituationByName("stalled")
	for _, capd := range []time.Duration{time.Second, 500 * time.Millisecond, 100 * time.Millisecond, 10 * time.Millisecond} {
		for _, m := range []scenario.Mechanism{scenario.MechEasyStop, scenario.MechXferinfo} {
			s := spreadStop(stalled.Build(model.Curl8(), m))
			s.Name, s.PollCap = "poll-cap/"+m.String(), capd
			jobs = append(jobs, job{s: s})
		}
	}
	bug7, err := model.Curl8().WithBug(model.Bug7NoReannounce)
	if err != nil {
		tb.Fatal(err)
	}
	for _, name := range []string{"stall", "three", "blackhole"} {
		fam, _ := scenario.FamilyByName(name)
		for _, p := range append(profiles, bug7) {
			for _, d := range []scenario.Driver{scenario.DriverEasy, scenario.DriverSocketExact, scenario.DriverSocketPoll} {
				jobs = append(jobs, job{s: fam.Build(p, d, 999700*time.Microsecond), judge: true})
			}
		}
	}
	three, _ := scenario.FamilyByName("three")
	s := three.Build(model.Curl8(), scenario.DriverEasy, 0)
	s.Name = "three/easy-stop"
	s.Stops = []scenario.Stop{{Transfer: 2, Mechanism: scenario.MechEasyStop, OnState: "PERFORMING", At: sim.Const{D: 200 * time.Millisecond}}}
	jobs = append(jobs, job{s: spreadStop(s)})
	return jobs
}

// spreadStop draws the stop's delay from ±50 % around the situation's.
func spreadStop(s scenario.Scenario) scenario.Scenario {
	if c, ok := s.Stops[0].At.(sim.Const); ok {
		s.Stops[0].At = sim.Uniform{Lo: c.D / 2, Hi: c.D * 3 / 2}
	}
	return s
}

// runJob runs j under seed and reduces it to a Run, with verdicts when
// j asks for them; it returns the full trace too.
func runJob(tb testing.TB, j job, seed uint64) (Run, []sim.Record) {
	s := j.s
	s.Seed = seed
	res, err := scenario.Run(s)
	if err != nil {
		tb.Fatalf("%s seed %d: %v", s.Name, seed, err)
	}
	var vs []Verdict
	if j.judge {
		vs = judge(res)
	}
	run := FromResult("", res, vs)
	run.Params = ParamsOf(s)
	return run, res.Trace
}

// sweep runs every job under seeds 1..seeds; the timeline is that of the
// first run of "three/easy-stop".
func sweep(tb testing.TB, seeds int) Results {
	tb.Helper()
	var runs []Run
	var tl *Timeline
	for _, j := range sweepJobs(tb) {
		for seed := uint64(1); seed <= uint64(seeds); seed++ {
			run, trace := runJob(tb, j, seed)
			runs = append(runs, run)
			if tl == nil && run.Scenario == "three/easy-stop" {
				t := TimelineOf(run, trace)
				tl = &t
			}
		}
	}
	r := New(runs)
	r.Timeline = tl
	return r
}
