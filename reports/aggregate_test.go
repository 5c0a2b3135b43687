package reports

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestQuantile(t *testing.T) {
	seq := func(n int) []float64 {
		vs := make([]float64, n)
		for i := range vs {
			vs[i] = float64(i + 1)
		}
		return vs
	}
	tests := []struct {
		values []float64
		pct    int
		want   float64
	}{
		{[]float64{5}, 50, 5},
		{[]float64{5}, 99, 5},
		{[]float64{1, 2}, 50, 1}, // nearest rank: ceil(0.5·2) = 1st
		{[]float64{1, 2}, 90, 2},
		{seq(10), 50, 5},
		{seq(10), 90, 9},
		{seq(10), 99, 10},
		{seq(100), 99, 99}, // exactly 99 % at or below: no float rounding up to 100
		{seq(100), 90, 90},
		{seq(101), 50, 51},
		{seq(1000), 99, 990},
	}
	for _, tt := range tests {
		if got := quantile(tt.values, tt.pct); got != tt.want {
			t.Errorf("quantile(1..%d, p%d) = %v, want %v", len(tt.values), tt.pct, got, tt.want)
		}
	}
}

// latencyRun is a run of "s" whose single xferinfo stop took lat µs.
func latencyRun(seed uint64, lat int64) Run {
	return Run{Scenario: "s", Profile: "p", Driver: "easy", Seed: seed, Outcome: Outcome{Reason: "idle"},
		Stops: []Stop{{Mechanism: "xferinfo", LatencyUs: ptr(lat), IdleWakeups: 1}}}
}

func TestAggregateStats(t *testing.T) {
	var runs []Run
	for seed := uint64(1); seed <= 10; seed++ {
		runs = append(runs, latencyRun(seed, int64(seed)*100))
	}
	runs = append(runs, latencyRun(11, 1000)) // ties with seed 10's maximum
	runs[3].Verdicts = []Verdict{{Property: "P8 x"}, {Property: "P8 x"}, {Property: "P9 y"}}
	runs[4].Outcome.Reason = "livelock"
	sums := Aggregate(runs)
	if len(sums) != 1 {
		t.Fatalf("Aggregate gave %d summaries, want 1", len(sums))
	}
	s := sums[0]
	got, ok := s.Stat(MetricStopLatency + "/xferinfo")
	if !ok {
		t.Fatalf("no stop latency metric in %+v", s.Metrics)
	}
	want := Stat{Metric: "stop_latency_us/xferinfo", Count: 11, Min: 100, P50: 600, P90: 1000, P99: 1000, Max: 1000, WorstSeed: 10}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("stop latency stat (-want +got):\n%s", d)
	}
	if s.Runs != 11 || s.Violating != 1 || s.Violated["P8 x"] != 1 || s.Violated["P9 y"] != 1 {
		t.Errorf("runs %d, violating %d, violated %v; want 11, 1, P8 and P9 once each", s.Runs, s.Violating, s.Violated)
	}
	if s.Outcomes["idle"] != 10 || s.Outcomes["livelock"] != 1 {
		t.Errorf("outcomes %v, want idle 10, livelock 1", s.Outcomes)
	}
	names := make([]string, len(s.Metrics))
	for i, m := range s.Metrics {
		names[i] = m.Metric
	}
	wantNames := []string{"empty_fires", "idle_wakeups_per_s/xferinfo", "poll_wakeups", "stop_latency_us/xferinfo", "timer_calls"}
	if !slices.Equal(names, wantNames) {
		t.Errorf("metrics %v, want %v (sorted)", names, wantNames)
	}
}

// Aggregates are a function of the set of runs: any order gives the same.
func TestAggregateOrderFree(t *testing.T) {
	res := goldenResults(t)
	want := Aggregate(res.Runs)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 5 {
		runs := slices.Clone(res.Runs)
		rng.Shuffle(len(runs), func(a, b int) { runs[a], runs[b] = runs[b], runs[a] })
		if d := cmp.Diff(want, Aggregate(runs)); d != "" {
			t.Fatalf("shuffle %d: aggregates differ (-want +got):\n%s", i, d)
		}
	}
}

func TestAggregateGroups(t *testing.T) {
	a := latencyRun(1, 10)
	b := latencyRun(1, 20)
	b.Params = map[string]string{ParamPollCap: "10ms"}
	c := latencyRun(2, 30)
	c.Profile = "o"
	sums := Aggregate([]Run{c, b, a})
	var keys []string
	for _, s := range sums {
		keys = append(keys, s.Key().String())
	}
	want := []string{"s o easy", "s p easy", "s p easy poll_cap=10ms"}
	if !slices.Equal(keys, want) {
		t.Errorf("summary keys %q, want %q", keys, want)
	}
}
