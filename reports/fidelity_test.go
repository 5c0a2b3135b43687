package reports

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
)

func TestKSDistance(t *testing.T) {
	tests := []struct {
		name   string
		a, b   []float64
		d, at  float64
		wantP1 bool // the p-value is 1: no evidence of a difference
	}{
		{"identical", []float64{1, 2, 3}, []float64{1, 2, 3}, 0, 0, true},
		{"identical, other sizes", []float64{5, 5}, []float64{5, 5, 5}, 0, 0, true},
		{"disjoint", []float64{1, 2}, []float64{3, 4}, 1, 2, false},
		{"disjoint, reversed", []float64{3, 4}, []float64{1, 2}, 1, 2, false},
		// F_a − F_b after each value: 1: ¼−0, 2: ½−0, 3: ¾−¼, 4: 1−½, 5: 1−¾.
		{"half overlap", []float64{1, 2, 3, 4}, []float64{3, 4, 5, 6}, 0.5, 2, false},
		// Ties step together: after 1, ⅔ − ⅓; after 2, 1 − 1.
		{"ties", []float64{1, 1, 2}, []float64{1, 2, 2}, 1.0 / 3, 1, false},
		// After 2: ½ − 0; after 2.5: ½ − 1; after 3: ¾ − 1.
		{"one inside the other", []float64{1, 2, 3, 4}, []float64{2.5}, 0.5, 2, false},
		{"both empty", nil, nil, 0, 0, false},
		{"one empty", []float64{1}, nil, 1, 0, false},
	}
	for _, tt := range tests {
		d, at := ksDistance(tt.a, tt.b)
		if d != tt.d || at != tt.at {
			t.Errorf("%s: ksDistance = %v at %v, want %v at %v", tt.name, d, at, tt.d, tt.at)
		}
		if p := ksPValue(d, len(tt.a), len(tt.b)); tt.wantP1 && p != 1 {
			t.Errorf("%s: p = %v, want 1", tt.name, p)
		}
	}
}

// ksOracle is the KS distance by definition: the largest ECDF gap over
// every sample value, each CDF counted from scratch.
func ksOracle(a, b []float64) float64 {
	cdf := func(s []float64, x float64) float64 {
		n := 0
		for _, v := range s {
			if v <= x {
				n++
			}
		}
		return float64(n) / float64(len(s))
	}
	d := 0.0
	for _, x := range append(slices.Clone(a), b...) {
		d = max(d, math.Abs(cdf(a, x)-cdf(b, x)))
	}
	return d
}

// ksDistance agrees with the definition on any samples, ties included,
// is symmetric, and reaches its value at the value it reports.
func TestKSDistanceOracle(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		gen := rapid.SliceOfN(rapid.IntRange(-5, 5), 1, 30)
		a, b := floats(gen.Draw(t, "a")), floats(gen.Draw(t, "b"))
		slices.Sort(a)
		slices.Sort(b)
		d, at := ksDistance(a, b)
		if want := ksOracle(a, b); math.Abs(d-want) > 1e-12 {
			t.Fatalf("ksDistance(%v, %v) = %v, want %v", a, b, d, want)
		}
		if d2, _ := ksDistance(b, a); d2 != d {
			t.Fatalf("not symmetric: %v one way, %v the other", d, d2)
		}
		if gap := math.Abs(cdfAt(a, at) - cdfAt(b, at)); math.Abs(gap-d) > 1e-12 {
			t.Fatalf("the gap at %v is %v, not D = %v", at, gap, d)
		}
	})
}

func floats(xs []int) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(x)
	}
	return out
}

// The Kolmogorov tail against reference values (the full series to 200
// terms), on both sides of the switch between its two series.
func TestKolmogorovQ(t *testing.T) {
	for _, tt := range []struct{ l, q float64 }{
		{0, 1}, {0.3, 0.9999906942}, {0.5, 0.9639452437}, {0.8, 0.5441424116}, {1.0, 0.2699996717},
		{1.17, 0.1293900422}, {1.18, 0.1234538094}, {1.36, 0.0494858768}, {1.63, 0.0098463649}, {2.0, 0.0006709253},
	} {
		if got := kolmogorovQ(tt.l); math.Abs(got-tt.q) > 1e-9 {
			t.Errorf("Q(%v) = %.10f, want %.10f", tt.l, got, tt.q)
		}
	}
}

// stopRun is a run of name on engine: one transfer stopped by xferinfo
// after lat µs ending with result, the timer sequence seq, and a
// violation of each of props.
func stopRun(name, engine string, seed uint64, lat int64, result string, seq []int64, props ...string) Run {
	r := Run{Scenario: name, Profile: "curl-8", Driver: "multi-socket", Engine: engine, Seed: seed,
		Outcome:   Outcome{Reason: "idle"},
		Transfers: []Transfer{{ID: 1, Result: result, Done: true, ElapsedUs: 100000 + lat}},
		Stops:     []Stop{{Transfer: 1, Mechanism: "xferinfo", LatencyUs: ptr(lat), NoticeUs: ptr(lat - 100), Result: result}},
		Counters:  Counters{TimerSet: len(seq)},
		TimerSeq:  seq,
	}
	for _, p := range props {
		r = withVerdict(r, p)
	}
	return r
}

// fidelityFixture is a simulator and a libcurl side of four scenarios:
//
//   - "same": latencies uniform on [1, 2) ms on both engines (200 and
//     60 runs), results STOPPED but for 10 libcurl runs, the timer
//     sequences mostly alike, P9 violated in 3 libcurl runs;
//   - "shifted": libcurl's latencies 0.5 ms later;
//   - "few": only 10 libcurl runs;
//   - "sim-only" and "real-only": one engine each.
func fidelityFixture() (simRes, realRes Results) {
	rng := rand.New(rand.NewPCG(1, 2))
	uniform := func() int64 { return 1000 + rng.Int64N(1000) }
	long, short, other := []int64{0, 1500, -1}, []int64{0, -1}, []int64{0, 1499, -1}
	var simRuns, realRuns []Run
	for _, name := range []string{"same", "shifted", "few"} {
		for seed := range uint64(200) {
			seq := long
			if seed%4 == 0 {
				seq = short
			}
			simRuns = append(simRuns, stopRun(name, "", seed, uniform(), "ABORTED_BY_CALLBACK", seq))
		}
	}
	for seed := range uint64(60) {
		res, seq := "ABORTED_BY_CALLBACK", long
		var props []string
		if seed < 10 {
			res = "OPERATION_TIMEDOUT"
		}
		if seed%3 == 0 {
			seq = other
		}
		if seed < 3 {
			props = []string{"P9 stop-answered"}
		}
		realRuns = append(realRuns, stopRun("same", EngineLibcurl, seed, uniform(), res, seq, props...),
			stopRun("shifted", EngineLibcurl, seed, uniform()+500, "ABORTED_BY_CALLBACK", long))
		if seed < 10 {
			realRuns = append(realRuns, stopRun("few", EngineLibcurl, seed, uniform(), "ABORTED_BY_CALLBACK", long))
		}
	}
	simRuns = append(simRuns, stopRun("sim-only", "", 1, 1000, "OK", nil))
	realRuns = append(realRuns, stopRun("real-only", EngineLibcurl, 1, 1000, "OK", nil))
	return New(simRuns), New(realRuns)
}

func metricOf(t *testing.T, p EnginePair, name string) MetricFidelity {
	t.Helper()
	i := slices.IndexFunc(p.Metrics, func(m MetricFidelity) bool { return m.Metric == name })
	if i < 0 {
		t.Fatalf("%s: no metric %s", p.PairKey, name)
	}
	return p.Metrics[i]
}

func TestFidelityOf(t *testing.T) {
	simRes, realRes := fidelityFixture()
	f := FidelityOf(simRes, realRes)
	if f.Sim != "simulator" || f.Real != "libcurl" || f.Criteria != DefaultFidelityCriteria() {
		t.Errorf("sides %q and %q, criteria %+v", f.Sim, f.Real, f.Criteria)
	}
	var keys []string
	for _, p := range f.Pairs {
		keys = append(keys, p.Scenario)
	}
	if !slices.Equal(keys, []string{"few", "same", "shifted"}) ||
		!slices.Equal(f.OnlySim, []PairKey{{"sim-only", "curl-8", "multi-socket"}}) ||
		!slices.Equal(f.OnlyReal, []PairKey{{"real-only", "curl-8", "multi-socket"}}) {
		t.Fatalf("pairs %q, only sim %v, only real %v", keys, f.OnlySim, f.OnlyReal)
	}
	few, same, shifted := f.Pairs[0], f.Pairs[1], f.Pairs[2]
	lat := "stop_latency_us/xferinfo"
	for _, tt := range []struct {
		p      EnginePair
		metric string
		want   FidelityVerdict
		dLo    float64
		dHi    float64
	}{
		{same, lat, Match, 0, 0.2},
		{same, "stop_notice_us/xferinfo", Match, 0, 0.2},
		{same, "elapsed_us/1", Match, 0, 0.2},
		{shifted, lat, Differ, 0.4, 0.6}, // half the range: D ≈ 0.5
		{few, lat, TooFewRuns, 0, 1},
	} {
		m := metricOf(t, tt.p, tt.metric)
		if m.Verdict != tt.want || m.D < tt.dLo || m.D > tt.dHi {
			t.Errorf("%s %s: %s with D = %.3f, want %s with D in [%v, %v]", tt.p.Scenario, tt.metric, m.Verdict, m.D, tt.want, tt.dLo, tt.dHi)
		}
	}
	m := metricOf(t, shifted, lat)
	if m.Sim.N != 200 || m.Real.N != 60 || m.Sim.P50 < 1400 || m.Sim.P50 > 1600 || m.Real.P50 < 1900 || m.Real.P50 > 2100 || m.P > 0.001 {
		t.Errorf("shifted: sim n %d p50 %v, libcurl n %d p50 %v, p %v: want 200 around 1500, 60 around 2000, p < 0.001",
			m.Sim.N, m.Sim.P50, m.Real.N, m.Real.P50, m.P)
	}
	if got := same.Metrics[0].Metric; got != lat {
		t.Errorf("first metric %s, want stop latency first", got)
	}
	res := same.Results[0]
	if want := 10.0 / 60; math.Abs(res.Distance-want) > 1e-12 || res.Verdict != Match || res.Real["OPERATION_TIMEDOUT"] != 10 {
		t.Errorf("same: results %+v, want a distance of 1/6 (match) with 10 timed out", res)
	}
	wantTimer := TimerFidelity{
		Sim:     []SeqCount{{Seq: []int64{0, 1500, -1}, Runs: 150, Share: 0.75}, {Seq: []int64{0, -1}, Runs: 50, Share: 0.25}},
		Real:    []SeqCount{{Seq: []int64{0, 1500, -1}, Runs: 40, Share: 40.0 / 60}, {Seq: []int64{0, 1499, -1}, Runs: 20, Share: 20.0 / 60}},
		SimRuns: 200, RealRuns: 60, Agree: true,
	}
	if d := cmp.Diff(wantTimer, same.Timer); d != "" {
		t.Errorf("same: timer (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]PropertyFidelity{{Property: "P9 stop-answered", Sim: 0, Real: 3}}, same.Properties); d != "" {
		t.Errorf("same: properties (-want +got):\n%s", d)
	}
	if f.Count(Match) != 3 || f.Count(Differ) != 3 || f.Count(TooFewRuns) != 3 {
		t.Errorf("counts: %d match, %d differ, %d too few; want 3 of each (latency, notice and elapsed of same, shifted, few)",
			f.Count(Match), f.Count(Differ), f.Count(TooFewRuns))
	}
}

// FidelityOf depends on the runs, not on their order nor on how the
// Results were built.
func TestFidelityOrderIndependent(t *testing.T) {
	simRes, realRes := fidelityFixture()
	want := FidelityOf(simRes, realRes)
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 3 {
		s, r := slices.Clone(simRes.Runs), slices.Clone(realRes.Runs)
		rng.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
		rng.Shuffle(len(r), func(i, j int) { r[i], r[j] = r[j], r[i] })
		if d := cmp.Diff(want, FidelityOf(Results{Runs: s}, Results{Runs: r})); d != "" {
			t.Fatalf("trial %d: shuffled runs give another Fidelity (-want +got):\n%s", trial, d)
		}
	}
}

func TestFidelityCriteria(t *testing.T) {
	if got := (FidelityCriteria{}).withDefaults(); got != DefaultFidelityCriteria() {
		t.Errorf("zero criteria = %+v, want the defaults", got)
	}
	c := FidelityCriteria{MaxD: 0.1, MinRuns: 5}
	for _, tt := range []struct {
		d    float64
		n, m int
		want FidelityVerdict
	}{
		{0.05, 5, 5, Match}, {0.1, 5, 5, Differ}, {0.05, 4, 100, TooFewRuns}, {0.05, 100, 4, TooFewRuns},
		{1, 0, 100, OneEngineOnly}, {1, 100, 0, OneEngineOnly},
	} {
		if got := c.verdict(tt.d, tt.n, tt.m); got != tt.want {
			t.Errorf("verdict(D=%v, %d, %d) = %s, want %s", tt.d, tt.n, tt.m, got, tt.want)
		}
	}
	if s := FidelityVerdict(9).String(); s != "FidelityVerdict(9)" {
		t.Errorf("an unknown verdict prints %q", s)
	}
}

func TestTotalVariation(t *testing.T) {
	for _, tt := range []struct {
		a, b map[string]int
		want float64
	}{
		{map[string]int{"OK": 3}, map[string]int{"OK": 1}, 0},
		{map[string]int{"OK": 3}, map[string]int{"STOPPED": 1}, 1},
		{map[string]int{"OK": 1, "STOPPED": 1}, map[string]int{"OK": 3, "STOPPED": 1}, 0.25},
		{nil, map[string]int{"OK": 1}, 1},
		{nil, nil, 0},
	} {
		if got := totalVariation(tt.a, tt.b); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("totalVariation(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// timerTrace is a trace with timer callbacks among other records; the
// one with an unreadable ms is skipped.
const timerTrace = `
0 api t1 - call fn=multi_add_handle
0 callback t1 - timer-cb ms=0 rc=0
1000 internal t1 x1 expire id=TIMEOUT ms=1500 at=1501000
1000 callback t1 - timer-cb ms=1500 rc=0
1000 callback t1 - timer-cb ms=soon rc=0
1501000 callback t1 - socket-cb fd=3 what=REMOVE rc=0
1501000 callback t1 - timer-cb ms=-1 rc=0
`

func TestTimerSeqOf(t *testing.T) {
	trace := parseTrace(t, timerTrace)
	if seq, cut := timerSeqOf(trace); !slices.Equal(seq, []int64{0, 1500, -1}) || cut {
		t.Errorf("timerSeqOf = %v (truncated %v), want [0 1500 -1]", seq, cut)
	}
	var many []sim.Record
	for i := range MaxTimerSeq + 1 {
		many = append(many, sim.Record{At: us(int64(i)), Level: sim.LevelCallback, Kind: "timer-cb",
			Fields: []sim.Field{sim.Int("ms", int64(i)), sim.Int("rc", 0)}})
	}
	seq, cut := timerSeqOf(many[:MaxTimerSeq])
	if len(seq) != MaxTimerSeq || cut {
		t.Errorf("exactly %d calls: %d kept, truncated %v; want all, not truncated", MaxTimerSeq, len(seq), cut)
	}
	seq, cut = timerSeqOf(many)
	if len(seq) != MaxTimerSeq || seq[MaxTimerSeq-1] != MaxTimerSeq-1 || !cut {
		t.Errorf("%d calls: %d kept, truncated %v; want the first %d and truncated", MaxTimerSeq+1, len(seq), cut, MaxTimerSeq)
	}
	run := FromResult("", scenario.Result{Scenario: "s", Profile: "p", Trace: trace}, nil)
	if !slices.Equal(run.TimerSeq, []int64{0, 1500, -1}) || run.TimerSeqTruncated {
		t.Errorf("FromResult: TimerSeq %v, want the trace's", run.TimerSeq)
	}
}

// A simulated run with a full trace has as many timer values as its
// counters have timer calls, and a multi-socket run has some.
func TestTimerSeqOfRealRun(t *testing.T) {
	fam, _ := scenario.FamilyByName("stall")
	res, err := scenario.Run(fam.Build(model.Curl8(), scenario.DriverSocketExact, 0))
	if err != nil {
		t.Fatal(err)
	}
	run := FromResult("", res, nil)
	if len(run.TimerSeq) == 0 || len(run.TimerSeq) != min(MaxTimerSeq, run.Counters.TimerCalls()) {
		t.Errorf("stall socket-exact: TimerSeq %v, want one value per timer call (%d)", run.TimerSeq, run.Counters.TimerCalls())
	}
}

// Results of both engines merge without pooling them: each engine keeps
// its summary, and the engine survives the results file.
func TestMergeKeepsEnginesApart(t *testing.T) {
	simRes, realRes := fidelityFixture()
	merged := Merge(simRes, realRes)
	if n := len(merged.Summaries); n != len(simRes.Summaries)+len(realRes.Summaries) {
		t.Fatalf("%d summaries, want %d + %d", n, len(simRes.Summaries), len(realRes.Summaries))
	}
	for _, s := range merged.Summaries {
		want := ""
		if s.Scenario == "real-only" || (s.Runs != 200 && s.Scenario != "sim-only") {
			want = EngineLibcurl
		}
		if s.Engine != want {
			t.Errorf("%s with %d runs: engine %q, want %q", s.Scenario, s.Runs, s.Engine, want)
		}
	}
	back, err := ReadJSON(bytes.NewReader(encode(t, merged)))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(merged, back); d != "" {
		t.Errorf("engines do not survive the results file (-want +got):\n%s", d)
	}
	var md bytes.Buffer
	if err := (Report{Results: merged}).WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "| same | curl-8 | multi-socket | engine=libcurl | 60 |") {
		t.Errorf("the scenarios table does not tell the engines apart:\n%s", md.String())
	}
}

// Compare refuses to set one engine's results against another's, and
// compares mixed results engine by engine.
func TestCompareEngines(t *testing.T) {
	simRes, realRes := fidelityFixture()
	d := Compare(simRes, realRes, DefaultTolerances())
	if len(d.Changes) != 1 || d.Changes[0].What != "engine" || !d.Regressed() {
		t.Fatalf("simulator baseline, libcurl current: %s; want one engine regression", d)
	}
	want := "regression  engine: the baseline ran on simulator, the current results on libcurl: compare results of one engine (FidelityOf compares engines)"
	if got := d.Changes[0].String(); got != want {
		t.Errorf("change line\n%q, want\n%q", got, want)
	}
	var page bytes.Buffer
	if err := (Report{Results: realRes, Diff: &d}).WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page.String(), "<b>regression</b> engine: the baseline ran on simulator") {
		t.Error("the page does not show the refusal as a change without a configuration")
	}
	both := Merge(simRes, realRes)
	if d := Compare(both, both, DefaultTolerances()); d.Regressed() || d.Count(Improvement) != 0 {
		t.Errorf("mixed results against themselves: %s", d)
	}
	if d := Compare(both, simRes, DefaultTolerances()); d.Count(Regression) != 4 || !strings.Contains(d.String(), "engine=libcurl: scenario: missing") {
		t.Errorf("mixed baseline, simulator current: want the 4 libcurl configurations missing, got\n%s", d)
	}
	if d := Compare(New(nil), realRes, DefaultTolerances()); d.Regressed() || d.Count(Note) != 4 {
		t.Errorf("empty baseline: want 4 new configurations, got\n%s", d)
	}
}

// fidelityGolden is the fixture judged with MinRuns 20, plus a pair
// whose name needs escaping, with a truncated timer sequence and a stop
// that returned only in the simulator: every verdict shows.
func fidelityGolden() Fidelity {
	simRes, realRes := fidelityFixture()
	odd := `odd|<b>*name*</b>`
	var runs []Run
	for seed := range uint64(3) {
		seq := make([]int64, MaxTimerSeq)
		r := stopRun(odd, "", seed, 1000, "ABORTED_BY_CALLBACK", seq)
		r.TimerSeqTruncated = true
		r.Params = map[string]string{ParamPollCap: "100ms"}
		runs = append(runs, r)
	}
	simRes = Merge(simRes, New(runs))
	lost := stopRun(odd, EngineLibcurl, 1, 1000, "OK", nil)
	lost.Stops[0].LatencyUs, lost.Stops[0].NoticeUs = nil, nil // the stop never returned
	realRes = Merge(realRes, New([]Run{lost}))
	return FidelityWith(simRes, realRes, FidelityCriteria{MinRuns: 20})
}

func TestFidelityMarkdownGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := fidelityGolden().WriteMarkdown(&buf); err != nil {
		t.Fatal(err)
	}
	golden(t, "fidelity.golden.md", buf.Bytes())
}

// The report's Markdown ends with the fidelity section when it has one,
// and is unchanged without.
func TestReportMarkdownFidelity(t *testing.T) {
	f := fidelityGolden()
	var without, with, alone bytes.Buffer
	res := goldenResults(t)
	if err := (Report{Results: res}).WriteMarkdown(&without); err != nil {
		t.Fatal(err)
	}
	if err := (Report{Results: res, Fidelity: &f}).WriteMarkdown(&with); err != nil {
		t.Fatal(err)
	}
	if err := f.WriteMarkdown(&alone); err != nil {
		t.Fatal(err)
	}
	if want := without.String() + "\n" + alone.String(); with.String() != want {
		t.Errorf("report with fidelity is not the report, a blank line and the section:\n%s", lineDiff(want, with.String()))
	}
}

// The fidelity section is in the page, with its tables and figures, and
// names from scenario files reach it escaped.
func TestFidelityHTML(t *testing.T) {
	f := fidelityGolden()
	var buf bytes.Buffer
	if err := (Report{Results: goldenResults(t), Fidelity: &f}).WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	figs, err := FidelityPlots(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<a href="#fidelity">fidelity</a>`, `<h2 id="fidelity">Fidelity: simulator vs libcurl</h2>`,
		"<h3>Latencies (ms)</h3>", "<h3>Result codes</h3>", "<h3>Timer callback sequences</h3>", "<h3>Property violations</h3>",
		`<td class="bad">differ</td>`, `<td>too few runs</td>`, "odd|&lt;b&gt;*name*&lt;/b&gt;", "P9 stop-answered",
		"0 1500 -1: 150 of 200 runs (75 %)<br>0 -1: 50 of 200 runs (25 %)", `<figure id="` + figs[0].Name + `">`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "<b>*name*") {
		t.Error("a scenario name reached the page unescaped")
	}
	main, _ := Plots(goldenResults(t))
	if n := strings.Count(page, `<img src="data:image/svg&#43;xml;base64,`); n != len(main)+len(figs) || len(figs) == 0 {
		t.Errorf("%d images, want %d of the results and %d of the fidelity section", n, len(main), len(figs))
	}
}

var fidelityNameRE = regexp.MustCompile(`^fidelity-[a-z0-9-]{1,60}-[0-9a-f]{8}$`)

// Every pair and metric both engines have samples of gets one figure,
// well formed, drawn the same twice, with a stable and distinct name.
func TestFidelityPlots(t *testing.T) {
	f := fidelityGolden()
	figs, err := FidelityPlots(f)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, p := range f.Pairs {
		for _, m := range p.Metrics {
			if m.Sim.N > 0 && m.Real.N > 0 {
				want++
			}
		}
	}
	again, _ := FidelityPlots(f)
	if len(figs) != want || len(again) != want {
		t.Fatalf("%d figures, want %d", len(figs), want)
	}
	seen := map[string]bool{}
	for i, fig := range figs {
		checkSVG(t, fig)
		if !bytes.Equal(fig.SVG, again[i].SVG) {
			t.Errorf("%s: two renderings differ", fig.Name)
		}
		if seen[fig.Name] || !fidelityNameRE.MatchString(fig.Name) {
			t.Errorf("figure name %q: repeated, or not a plain fidelity- slug", fig.Name)
		}
		seen[fig.Name] = true
	}
	if a, b := fidelityName(PairKey{"a/b", "p", "d"}, "m"), fidelityName(PairKey{"a-b", "p", "d"}, "m"); a == b {
		t.Errorf("two pairs that slug alike share the name %q", a)
	}
}

// Degenerate samples draw without error: one value on both sides,
// negative overshoots, and more figures than the section shows.
func TestFidelityPlotsEdgeCases(t *testing.T) {
	one := func(engine string, over int64) Run {
		return Run{Scenario: "s", Profile: "p", Driver: "d", Engine: engine,
			Transfers: []Transfer{{ID: 1, Result: "OPERATION_TIMEDOUT", Done: true, ElapsedUs: 5, OvershootUs: ptr(over)}}}
	}
	f := FidelityOf(New([]Run{one("", -50)}), New([]Run{one(EngineLibcurl, -50)}))
	figs, err := FidelityPlots(f)
	if err != nil || len(figs) != 2 {
		t.Fatalf("single values: %d figures (%v), want elapsed and overshoot", len(figs), err)
	}
	for _, fig := range figs {
		checkSVG(t, fig)
	}
	var simRuns, realRuns []Run
	for i := range maxFidelityFigures + 3 {
		a, b := one("", 1), one(EngineLibcurl, 2)
		a.Scenario, b.Scenario = fmt.Sprint(i), fmt.Sprint(i)
		a.Transfers[0].OvershootUs, b.Transfers[0].OvershootUs = nil, nil
		simRuns, realRuns = append(simRuns, a), append(realRuns, b)
	}
	_, omitted, err := fidelityFigures(FidelityOf(New(simRuns), New(realRuns)))
	if err != nil || omitted != 3 {
		t.Errorf("%d figures left out (%v), want 3", omitted, err)
	}
}

// WriteDir writes the fidelity figures and removes those of an earlier
// report, leaving other files alone.
func TestWriteDirFidelity(t *testing.T) {
	dir := t.TempDir()
	plots := filepath.Join(dir, PlotsDir)
	if err := os.MkdirAll(plots, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"fidelity-gone-12345678.svg", "fidelity-notes.txt", "mine.svg"} {
		if err := os.WriteFile(filepath.Join(plots, name), []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f := fidelityGolden()
	if err := (Report{Results: New(nil), Fidelity: &f}).WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	figs, _ := FidelityPlots(f)
	want := []string{"fidelity-notes.txt", "mine.svg"}
	for _, fig := range figs {
		want = append(want, fig.Name+".svg")
	}
	entries, err := os.ReadDir(plots)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if d := cmp.Diff(slices.Sorted(slices.Values(want)), got); d != "" {
		t.Errorf("plots/ (-want +got): the fidelity figures written, the stale one gone, other files kept:\n%s", d)
	}
}

// A report with a fidelity section loads in a real browser: every
// figure renders, no text of a fidelity figure is clipped or overlaps
// another, and the console stays free of errors.
func TestFidelityReportInBrowser(t *testing.T) {
	needChromium(t)
	dir := t.TempDir()
	f := fidelityGolden()
	res := goldenResults(t)
	if err := (Report{Results: res, Fidelity: &f}).WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	log, stop := listen(ctx)
	got, err := chromedp.Run(ctx, loadAndCheck("file://"+filepath.Join(dir, IndexFile)))
	if err != nil {
		t.Fatal(err)
	}
	main, _ := Plots(res)
	figs, _ := FidelityPlots(f)
	if got.Images != len(main)+len(figs) || len(got.Bad) > 0 {
		t.Errorf("index.html: %d images, want %d + %d; not rendered: %q", got.Images, len(main), len(figs), got.Bad)
	}
	for _, fig := range figs {
		texts, err := chromedp.Run(ctx, textCheck("file://"+filepath.Join(dir, PlotsDir, fig.Name+".svg")))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range texts {
			t.Errorf("%s: %s", fig.Name, p)
		}
	}
	stop()
	<-log.done
	for _, m := range log.msgs {
		if m.Type == chromedp.ConsoleError || m.IsException() {
			t.Errorf("console %s: %s (%s:%d)", m.Type, m.Text, m.URL, m.Line)
		}
	}
}
