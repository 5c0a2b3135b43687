package reports

import (
	"slices"
	"strings"
	"testing"
)

// cfgRun is a run of configuration name with one xferinfo stop of lat µs
// and the given hash.
func cfgRun(name string, seed uint64, lat int64, hash string) Run {
	r := latencyRun(seed, lat)
	r.Scenario, r.Hash = name, hash
	return r
}

func withVerdict(r Run, prop string) Run {
	r.Verdicts = append(slices.Clone(r.Verdicts), Verdict{Property: prop, Detail: "broken"})
	return r
}

func withOutcome(r Run, reason string) Run {
	r.Outcome.Reason = reason
	return r
}

func withoutReturn(r Run) Run {
	r.Stops = []Stop{{Mechanism: "xferinfo", IdleWakeups: 1}}
	return r
}

// pair is the same two seeds of configuration "a" at latencies x and y.
func pair(x, y int64) []Run {
	return []Run{cfgRun("a", 1, x, "h1"), cfgRun("a", 2, y, "h2")}
}

func TestCompare(t *testing.T) {
	strict := DefaultTolerances()
	strict.Metrics["stop_latency_us/xferinfo"] = Tolerance{Abs: 10}
	allowMissing := DefaultTolerances()
	allowMissing.AllowMissing = true
	tests := []struct {
		name      string
		base, cur []Run
		tol       Tolerances
		want      []string // "kind what", in Diff order
	}{
		{"identical", pair(1000, 2000), pair(1000, 2000), DefaultTolerances(), nil},
		{"within the absolute margin", pair(1000, 2000), pair(1900, 2900), DefaultTolerances(), nil},
		{"beyond it", pair(1000, 2000), pair(1000, 3100), DefaultTolerances(),
			[]string{"regression stop_latency_us/xferinfo p99", "regression stop_latency_us/xferinfo max"}},
		{"within the relative margin", pair(100000, 200000), pair(109000, 219000), DefaultTolerances(), nil},
		{"beyond it, p50 only", pair(100000, 200000), pair(111000, 200000), DefaultTolerances(),
			[]string{"regression stop_latency_us/xferinfo p50"}},
		{"improvement", pair(100000, 200000), pair(50000, 60000), DefaultTolerances(),
			[]string{"improvement stop_latency_us/xferinfo p50", "improvement stop_latency_us/xferinfo p99",
				"improvement stop_latency_us/xferinfo max"}},
		{"qualified tolerance wins", pair(1000, 2000), pair(1000, 2011), strict,
			[]string{"regression stop_latency_us/xferinfo p99", "regression stop_latency_us/xferinfo max"}},
		{"missing configuration", append(pair(1, 1), cfgRun("b", 1, 1, "")), pair(1, 1), DefaultTolerances(),
			[]string{"regression scenario"}},
		{"missing, allowed", append(pair(1, 1), cfgRun("b", 1, 1, "")), pair(1, 1), allowMissing,
			[]string{"note scenario"}},
		{"new configuration", pair(1, 1), append(pair(1, 1), cfgRun("b", 1, 1, "")), DefaultTolerances(),
			[]string{"note scenario"}},
		{"newly violated", pair(1, 1), []Run{withVerdict(cfgRun("a", 1, 1, "h1"), "P5 x"), cfgRun("a", 2, 1, "h2")},
			DefaultTolerances(), []string{"regression P5 x"}},
		{"violated at one more seed",
			[]Run{withVerdict(cfgRun("a", 1, 1, "h1"), "P5 x"), cfgRun("a", 2, 1, "h2")},
			[]Run{withVerdict(cfgRun("a", 1, 1, "h1"), "P5 x"), withVerdict(cfgRun("a", 2, 1, "h2"), "P5 x")},
			DefaultTolerances(), []string{"regression P5 x"}},
		{"still violated",
			[]Run{withVerdict(cfgRun("a", 1, 1, "h1"), "P5 x"), cfgRun("a", 2, 1, "h2")},
			[]Run{withVerdict(cfgRun("a", 1, 1, "h1"), "P5 x"), cfgRun("a", 2, 1, "h2")},
			DefaultTolerances(), []string{"note P5 x"}},
		{"violated at a seed the baseline did not run",
			[]Run{withVerdict(cfgRun("a", 1, 1, "h1"), "P5 x")},
			[]Run{withVerdict(cfgRun("a", 1, 1, "h1"), "P5 x"), withVerdict(cfgRun("a", 2, 1, "h2"), "P5 x")},
			DefaultTolerances(), []string{"note runs", "note P5 x"}},
		{"fixed",
			[]Run{withVerdict(cfgRun("a", 1, 1, "h1"), "P5 x"), cfgRun("a", 2, 1, "h2")}, pair(1, 1),
			DefaultTolerances(), []string{"improvement P5 x"}},
		{"a livelock more", pair(1, 1), []Run{withOutcome(cfgRun("a", 1, 1, "h1"), "livelock"), cfgRun("a", 2, 1, "h2")},
			DefaultTolerances(), []string{"regression outcome livelock"}},
		{"a livelock fewer", []Run{withOutcome(cfgRun("a", 1, 1, "h1"), "livelock"), cfgRun("a", 2, 1, "h2")}, pair(1, 1),
			DefaultTolerances(), nil},
		{"trace changed", pair(1, 1), []Run{cfgRun("a", 1, 1, "h1"), cfgRun("a", 2, 1, "other")},
			DefaultTolerances(), []string{"note trace"}},
		{"no trace hashes to compare", []Run{cfgRun("a", 1, 1, "")}, []Run{cfgRun("a", 1, 1, "h")}, DefaultTolerances(), nil},
		{"no stop returns any more", pair(1, 1), []Run{withoutReturn(cfgRun("a", 1, 1, "h1")), withoutReturn(cfgRun("a", 2, 1, "h2"))},
			DefaultTolerances(), []string{"regression stop_latency_us/xferinfo"}},
		{"one stop fewer returns", pair(1, 1), []Run{withoutReturn(cfgRun("a", 1, 1, "h1")), cfgRun("a", 2, 1, "h2")},
			DefaultTolerances(), []string{"note stop_latency_us/xferinfo count"}},
	}
	for _, tt := range tests {
		d := Compare(New(tt.base), New(tt.cur), tt.tol)
		var got []string
		for _, c := range d.Changes {
			got = append(got, c.Kind.String()+" "+c.What)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: changes\n%s\nwant %q", tt.name, d, tt.want)
		}
		wantRegressed := slices.ContainsFunc(tt.want, func(s string) bool { return strings.HasPrefix(s, "regression") })
		if d.Regressed() != wantRegressed {
			t.Errorf("%s: Regressed() = %v, want %v", tt.name, d.Regressed(), wantRegressed)
		}
	}
}

func TestDiffString(t *testing.T) {
	base := pair(1000, 2000)
	cur := []Run{withVerdict(cfgRun("a", 1, 1000, "h1"), "P8 stop"), cfgRun("a", 2, 5000, "h9")}
	got := Compare(New(base), New(cur), DefaultTolerances()).String()
	want := `REGRESSED: 3 regressions, 0 improvements, 1 note
regression  a p easy: stop_latency_us/xferinfo p99: 2000 → 5000 µs (+150.0 %, beyond the tolerance of 1000 µs); worst seed 2
regression  a p easy: stop_latency_us/xferinfo max: 2000 → 5000 µs (+150.0 %, beyond the tolerance of 1000 µs); worst seed 2
regression  a p easy: P8 stop: newly violated in 1 run (seeds 1)
note        a p easy: trace: changed in 1 of 2 runs (seeds 2)
`
	if got != want {
		t.Errorf("Diff.String:\n%s\nwant\n%s", got, want)
	}
	if s := (Diff{}).String(); s != "OK: 0 regressions, 0 improvements, 0 notes\n" {
		t.Errorf("empty Diff.String = %q", s)
	}
}

func TestToleranceMargin(t *testing.T) {
	for _, tt := range []struct {
		tol  Tolerance
		base float64
		want float64
	}{
		{Tolerance{Rel: 0.1, Abs: 1000}, 5000, 1000},
		{Tolerance{Rel: 0.1, Abs: 1000}, 50000, 5000},
		{Tolerance{Rel: 0.1}, -200, 20},
		{Tolerance{}, 7, 0},
	} {
		if got := tt.tol.margin(tt.base); got != tt.want {
			t.Errorf("%+v.margin(%v) = %v, want %v", tt.tol, tt.base, got, tt.want)
		}
	}
}
