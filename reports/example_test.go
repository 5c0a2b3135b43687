package reports_test

import (
	"fmt"
	"os"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/reports"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
)

// Run a stop situation under two seeds, keep the runs as Results, and
// compare a later build's results (here: the same runs, one stop
// 100 ms slower) against them.
func ExampleCompare() {
	sit, _ := scenario.SituationByName("stalled")
	var runs []reports.Run
	for seed := uint64(1); seed <= 2; seed++ {
		s := sit.Build(model.Curl8(), scenario.MechXferinfo)
		s.Seed = seed
		res, err := scenario.Run(s)
		if err != nil {
			panic(err)
		}
		run := reports.FromResult("", res, nil)
		run.Params = reports.ParamsOf(s)
		runs = append(runs, run)
	}
	baseline := reports.New(runs)

	stop := runs[1].Stops[0] // a copy: baseline shares the runs' slices
	slower := *stop.LatencyUs + 100000
	stop.LatencyUs = &slower
	runs[1].Stops = []reports.Stop{stop}
	diff := reports.Compare(baseline, reports.New(runs), reports.DefaultTolerances())
	fmt.Print(diff)
	if diff.Regressed() {
		fmt.Println("exit 1")
	}
	// Output:
	// REGRESSED: 2 regressions, 0 improvements, 0 notes
	// regression  stalled/xferinfo curl-8 easy: stop_latency_us/xferinfo p99: 500950 → 600950 µs (+20.0 %, beyond the tolerance of 50095 µs); worst seed 2
	// regression  stalled/xferinfo curl-8 easy: stop_latency_us/xferinfo max: 500950 → 600950 µs (+20.0 %, beyond the tolerance of 50095 µs); worst seed 2
	// exit 1
}

// Shards of a sweep merge into the Results of the whole sweep, whatever
// the split; WriteJSON gives the same bytes either way.
func ExampleMerge() {
	fam, _ := scenario.FamilyByName("stall")
	var runs []reports.Run
	for _, d := range []scenario.Driver{scenario.DriverEasy, scenario.DriverSocketExact} {
		res, err := scenario.Run(fam.Build(model.Curl8(), d, 0))
		if err != nil {
			panic(err)
		}
		runs = append(runs, reports.FromResult("", res, nil))
	}
	merged := reports.Merge(reports.New(runs[1:]), reports.New(runs[:1]))
	for _, s := range merged.Summaries {
		st, _ := s.Stat(reports.MetricOvershoot)
		fmt.Printf("%s %s: overshoot max %.0f µs\n", s.Scenario, s.Driver, st.Max)
	}
	if err := reports.WriteJSON(os.Stdout, reports.New(nil)); err != nil {
		panic(err)
	}
	// Output:
	// stall easy: overshoot max 596 µs
	// stall socket-exact: overshoot max 100 µs
	// {
	//   "schema": "expiry.results/v1",
	//   "runs": [],
	//   "summaries": []
	// }
}

// Set the simulator's runs of a stop situation against libcurl's, metric
// by metric. The real engine is package realcurl; so that this example
// runs anywhere, the simulator under other seeds stands in for it here,
// which is why every metric matches.
func ExampleFidelityOf() {
	sit, _ := scenario.SituationByName("stalled")
	run := func(seed uint64, engine string) reports.Run {
		s := sit.Build(model.Curl8(), scenario.MechXferinfo)
		s.Seed, s.Driver = seed, scenario.DriverSocketExact
		s.Stops[0].At = sim.Uniform{Lo: 250 * time.Millisecond, Hi: 750 * time.Millisecond}
		res, err := scenario.Run(s)
		if err != nil {
			panic(err)
		}
		r := reports.FromResult("", res, nil)
		r.Engine = engine
		return r
	}
	var simRuns, realRuns []reports.Run
	for seed := uint64(1); seed <= 200; seed++ {
		simRuns = append(simRuns, run(seed, ""))
		realRuns = append(realRuns, run(1000+seed, reports.EngineLibcurl))
	}
	f := reports.FidelityOf(reports.New(simRuns), reports.New(realRuns))
	fmt.Println(f.Title())
	for _, p := range f.Pairs {
		for _, m := range p.Metrics {
			fmt.Printf("%s %s: n %d and %d, D %.2f: %s\n", p.Scenario, m.Metric, m.Sim.N, m.Real.N, m.D, m.Verdict)
		}
		top := p.Timer.Sim[0]
		fmt.Printf("most frequent timer sequence %v in %.0f %% of runs; agree: %v\n", top.Seq, top.Share*100, p.Timer.Agree)
	}
	// Output:
	// Fidelity: simulator vs libcurl
	// stalled/xferinfo stop_latency_us/xferinfo: n 200 and 200, D 0.09: match
	// stalled/xferinfo stop_notice_us/xferinfo: n 200 and 200, D 0.09: match
	// stalled/xferinfo elapsed_us/1: n 200 and 200, D 0.00: match
	// stalled/xferinfo timeout_overshoot_us: n 200 and 200, D 0.00: match
	// most frequent timer sequence [0 1 3000 -1] in 100 % of runs; agree: true
}
