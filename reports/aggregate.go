package reports

import (
	"cmp"
	"maps"
	"slices"
	"strings"
)

// The metrics Aggregate computes. Stop metrics are per mechanism: their
// names carry the stop's Label after a slash ("stop_latency_us/xferinfo").
// Every metric is "higher is worse", which is what Compare assumes.
const (
	MetricStopLatency = "stop_latency_us"      // a stop's return latency
	MetricStopNotice  = "stop_notice_us"       // a stop's notice latency
	MetricIdleWakeups = "idle_wakeups_per_s"   // a stop's idle cost
	MetricOvershoot   = "timeout_overshoot_us" // a timed-out transfer's elapsed − limit
	MetricElapsed     = "elapsed_us"           // a done transfer's elapsed time
	MetricTimerCalls  = "timer_calls"          // a run's timer callback calls
	MetricEmptyFires  = "empty_fires"          // a run's empty timer expiries
	MetricPollWakeups = "poll_wakeups"         // a run's returns from blocking waits
)

// Summary aggregates the runs of one scenario configuration (Key).
type Summary struct {
	Scenario string            `json:"scenario"`
	Profile  string            `json:"profile"`
	Driver   string            `json:"driver"`
	Params   map[string]string `json:"params,omitempty"`
	Engine   string            `json:"engine,omitempty"` // Run.Engine
	Runs     int               `json:"runs"`
	// Outcomes counts the runs by how their kernel stopped.
	Outcomes map[string]int `json:"outcomes"`
	// Violating is the number of runs with at least one verdict;
	// Violated counts, per property, the runs that violated it.
	Violating int            `json:"violating_runs"`
	Violated  map[string]int `json:"violated,omitempty"`
	Metrics   []Stat         `json:"metrics"`
}

// Key is the summary's scenario configuration.
func (s Summary) Key() Key {
	return Key{Scenario: s.Scenario, Profile: s.Profile, Driver: s.Driver, Params: paramString(s.Params), Engine: s.Engine}
}

// Stat returns the named metric's statistics.
func (s Summary) Stat(metric string) (Stat, bool) {
	i := slices.IndexFunc(s.Metrics, func(st Stat) bool { return st.Metric == metric })
	if i < 0 {
		return Stat{}, false
	}
	return s.Metrics[i], true
}

// Stat is one metric's distribution over a configuration's runs.
// Quantiles are nearest-rank (always an observed value); WorstSeed is the
// seed of the run holding Max, the smallest such seed on a tie.
type Stat struct {
	Metric    string  `json:"metric"`
	Count     int     `json:"count"`
	Min       float64 `json:"min"`
	P50       float64 `json:"p50"`
	P90       float64 `json:"p90"`
	P99       float64 `json:"p99"`
	Max       float64 `json:"max"`
	WorstSeed uint64  `json:"worst_seed"`
}

// Value returns the statistic called name (min, p50, p90, p99, max,
// count).
func (s Stat) Value(name string) (float64, bool) {
	switch name {
	case "min":
		return s.Min, true
	case "p50":
		return s.P50, true
	case "p90":
		return s.P90, true
	case "p99":
		return s.P99, true
	case "max":
		return s.Max, true
	case "count":
		return float64(s.Count), true
	}
	return 0, false
}

// sample is one observation of a metric, with the run it came from.
type sample struct {
	v    float64
	seed uint64
}

// Aggregate groups runs by Key and summarizes each group, in Key order.
// The result does not depend on the order of runs.
func Aggregate(runs []Run) []Summary {
	groups := map[Key][]Run{}
	for _, r := range runs {
		groups[r.Key()] = append(groups[r.Key()], r)
	}
	keys := slices.SortedFunc(maps.Keys(groups), Key.compare)
	out := make([]Summary, 0, len(keys))
	for _, k := range keys {
		out = append(out, summarize(groups[k]))
	}
	return out
}

func summarize(runs []Run) Summary {
	first := runs[0]
	s := Summary{
		Scenario: first.Scenario, Profile: first.Profile, Driver: first.Driver,
		Params: maps.Clone(first.Params), Engine: first.Engine, Runs: len(runs), Outcomes: map[string]int{},
	}
	samples := map[string][]sample{}
	for _, r := range runs {
		s.Outcomes[r.Outcome.Reason]++
		countVerdicts(&s, r)
		for name, vs := range metricsOf(r) {
			for _, v := range vs {
				samples[name] = append(samples[name], sample{v, r.Seed})
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(samples)) {
		s.Metrics = append(s.Metrics, statOf(name, samples[name]))
	}
	return s
}

// countVerdicts adds run r's violations to s: each property once per run.
func countVerdicts(s *Summary, r Run) {
	if len(r.Verdicts) == 0 {
		return
	}
	s.Violating++
	if s.Violated == nil {
		s.Violated = map[string]int{}
	}
	for _, p := range violatedProperties(r) {
		s.Violated[p]++
	}
}

// violatedProperties lists the properties r violates, sorted, each once.
func violatedProperties(r Run) []string {
	var ps []string
	for _, v := range r.Verdicts {
		ps = append(ps, v.Property)
	}
	slices.Sort(ps)
	return slices.Compact(ps)
}

// metricsOf extracts every observation of run r, by metric name.
func metricsOf(r Run) map[string][]float64 {
	m := map[string][]float64{
		MetricTimerCalls:  {float64(r.Counters.TimerCalls())},
		MetricEmptyFires:  {float64(r.Counters.EmptyFires)},
		MetricPollWakeups: {float64(r.Counters.PollWakeups)},
	}
	for _, t := range r.Transfers {
		if t.Done {
			m[MetricElapsed] = append(m[MetricElapsed], float64(t.ElapsedUs))
		}
		if t.OvershootUs != nil {
			m[MetricOvershoot] = append(m[MetricOvershoot], float64(*t.OvershootUs))
		}
	}
	for _, st := range r.Stops {
		q := "/" + st.Label()
		m[MetricIdleWakeups+q] = append(m[MetricIdleWakeups+q], st.IdleWakeups)
		if st.LatencyUs != nil {
			m[MetricStopLatency+q] = append(m[MetricStopLatency+q], float64(*st.LatencyUs))
		}
		if st.NoticeUs != nil {
			m[MetricStopNotice+q] = append(m[MetricStopNotice+q], float64(*st.NoticeUs))
		}
	}
	return m
}

func statOf(name string, ss []sample) Stat {
	slices.SortFunc(ss, func(a, b sample) int {
		return cmp.Or(cmp.Compare(a.v, b.v), cmp.Compare(a.seed, b.seed))
	})
	vs := make([]float64, len(ss))
	for i, s := range ss {
		vs[i] = s.v
	}
	maxV := vs[len(vs)-1]
	worst := ss[slices.IndexFunc(ss, func(s sample) bool { return s.v == maxV })].seed
	return Stat{
		Metric: name, Count: len(vs), Min: vs[0],
		P50: quantile(vs, 50), P90: quantile(vs, 90), P99: quantile(vs, 99),
		Max: maxV, WorstSeed: worst,
	}
}

// quantile is the nearest-rank pct-percentile of sorted (non-empty)
// values: the smallest value with at least pct % of the values at or
// below it. It never interpolates, so it is an observed value, and the
// rank is computed in integers so that float rounding cannot move it.
func quantile(sorted []float64, pct int) float64 {
	rank := (pct*len(sorted) + 99) / 100 // ceil(pct·n / 100)
	return sorted[max(0, min(rank-1, len(sorted)-1))]
}

// metricBase is a metric's name without its "/label" qualifier.
func metricBase(name string) string {
	base, _, _ := strings.Cut(name, "/")
	return base
}
