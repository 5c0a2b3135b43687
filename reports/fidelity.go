package reports

import (
	"cmp"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// FidelityCriteria decide a metric's FidelityVerdict. A zero field takes
// its default (DefaultFidelityCriteria).
type FidelityCriteria struct {
	// MaxD is the Kolmogorov–Smirnov distance below which two engines'
	// samples of a metric match (default 0.2: the ECDFs nowhere further
	// apart than a fifth of the runs). For result codes it bounds the
	// total variation distance instead.
	MaxD float64
	// MinRuns is the fewest samples each engine needs for a verdict
	// (default 50): below it a metric is "too few runs", whatever D. The
	// simulator is cheap, so it is the real engine that usually falls
	// short. Set 1 to judge any sample.
	MinRuns int
}

// DefaultFidelityCriteria are MaxD 0.2 and MinRuns 50. MaxD is an effect
// size, not a significance level: ECDFs nowhere more than a fifth apart
// are close enough for the model's purpose, whatever the jitter of a
// real clock. Sampling alone reaches D = 0.2 too, less often the more
// runs there are (p ≈ 0.24 with 50 a side, 0.03 with 100, 0.0005 with
// 200), which is why the tables print P beside D: a "differ" with a
// large P is the sample's noise.
func DefaultFidelityCriteria() FidelityCriteria { return FidelityCriteria{MaxD: 0.2, MinRuns: 50} }

func (c FidelityCriteria) withDefaults() FidelityCriteria {
	d := DefaultFidelityCriteria()
	if c.MaxD <= 0 {
		c.MaxD = d.MaxD
	}
	if c.MinRuns <= 0 {
		c.MinRuns = d.MinRuns
	}
	return c
}

// verdict judges a distance d between n and m samples.
func (c FidelityCriteria) verdict(d float64, n, m int) FidelityVerdict {
	switch {
	case n == 0 || m == 0:
		return OneEngineOnly
	case min(n, m) < c.MinRuns:
		return TooFewRuns
	case d < c.MaxD:
		return Match
	}
	return Differ
}

// FidelityVerdict is the verdict on one metric of one pair.
type FidelityVerdict uint8

// The verdicts, best first.
const (
	Match         FidelityVerdict = iota // D < MaxD with enough samples
	Differ                               // D ≥ MaxD with enough samples
	TooFewRuns                           // an engine has fewer than MinRuns samples
	OneEngineOnly                        // only one engine has samples at all
)

// String is the verdict as the report prints it.
func (v FidelityVerdict) String() string {
	switch v {
	case Match:
		return "match"
	case Differ:
		return "differ"
	case TooFewRuns:
		return "too few runs"
	case OneEngineOnly:
		return "one engine only"
	}
	return "FidelityVerdict(" + strconv.Itoa(int(v)) + ")"
}

// Fidelity sets two engines' runs of the same scenarios side by side:
// the simulator's against the real libcurl's, usually. Build it with
// FidelityOf.
type Fidelity struct {
	// Sim and Real name the two sides for people ("simulator",
	// "libcurl"): the engines of their runs.
	Sim, Real string
	Criteria  FidelityCriteria
	// Pairs are the configurations both engines ran, in PairKey order.
	Pairs []EnginePair
	// OnlySim and OnlyReal are the configurations one side ran and the
	// other did not.
	OnlySim, OnlyReal []PairKey
}

// PairKey is what pairs runs of two engines: scenario name, profile and
// driver. Params are not part of it, as an engine may not honour (or
// record) every setting of the other; a pair lists the params it pooled.
type PairKey struct {
	Scenario, Profile, Driver string
}

// String is "scenario profile driver".
func (k PairKey) String() string { return k.Scenario + " " + k.Profile + " " + k.Driver }

func (k PairKey) compare(o PairKey) int {
	return cmp.Or(strings.Compare(k.Scenario, o.Scenario), strings.Compare(k.Profile, o.Profile),
		strings.Compare(k.Driver, o.Driver))
}

// EnginePair is one configuration as the two engines ran it.
type EnginePair struct {
	PairKey
	SimRuns, RealRuns int
	// SimParams and RealParams are the distinct Params (as "k=v k=v")
	// among each side's runs, sorted; the pair pools runs of different
	// params, which Notes points out.
	SimParams, RealParams []string
	// Metrics are the latency metrics, in metric order: stop latency
	// and stop notice per stop Label, elapsed per transfer ID
	// ("elapsed_us/2"), timeout overshoot pooled over transfers.
	Metrics []MetricFidelity
	// Results are the result-code distributions per transfer ID.
	Results []ResultFidelity
	Timer   TimerFidelity
	// Properties are, per property violated on either side, the runs
	// violating it, by property name.
	Properties []PropertyFidelity
}

// Notes are the pair's caveats, for people: params that differ between
// the sides (named simName and realName) or that a side pooled.
func (p EnginePair) Notes(simName, realName string) []string {
	var notes []string
	if !slices.Equal(p.SimParams, p.RealParams) {
		notes = append(notes, "params differ: "+simName+" "+paramsList(p.SimParams)+", "+realName+" "+paramsList(p.RealParams))
	} else if len(p.SimParams) > 1 {
		notes = append(notes, "each engine's runs pool "+strconv.Itoa(len(p.SimParams))+" params: "+paramsList(p.SimParams))
	}
	return notes
}

func paramsList(ps []string) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = cmp.Or(p, "(none)")
	}
	return strings.Join(out, "; ")
}

// EngineSample is one side's sample of a metric, in the metric's unit
// (µs): sorted Values, their count and nearest-rank p50 and p99.
type EngineSample struct {
	Values   []float64
	N        int
	P50, P99 float64
}

func sampleOf(sorted []float64) EngineSample {
	s := EngineSample{Values: sorted, N: len(sorted)}
	if len(sorted) > 0 {
		s.P50, s.P99 = quantile(sorted, 50), quantile(sorted, 99)
	}
	return s
}

// MetricFidelity compares one metric's samples of the two engines.
type MetricFidelity struct {
	Metric    string
	Sim, Real EngineSample
	// D is the two-sample Kolmogorov–Smirnov distance, the largest gap
	// between the two ECDFs, found at value At; 1 when a side has no
	// sample. P is its asymptotic p-value (the chance of a D this large
	// if both engines drew from one continuous distribution; ties, as
	// in a simulator's exact latencies, make it conservative); 0 when a
	// side has no sample.
	D, At, P float64
	Verdict  FidelityVerdict
}

// ResultFidelity compares how one transfer ended on the two engines.
type ResultFidelity struct {
	Transfer int
	// Sim and Real count runs by the transfer's result code; a transfer
	// not done by the end of its run counts as NotDone.
	Sim, Real map[string]int
	// Distance is the total variation distance of the two distributions
	// (half the sum of the shares' differences): result codes have no
	// order, so it stands in for D.
	Distance float64
	Verdict  FidelityVerdict
}

// NotDone is ResultFidelity's code of a transfer whose run ended first.
const NotDone = "(not done)"

// TimerFidelity compares the timer callback's sequences (Run.TimerSeq).
type TimerFidelity struct {
	// Sim and Real are each side's most frequent sequences, at most
	// three, most frequent first (ties: shorter, then smaller values).
	Sim, Real []SeqCount
	// SimRuns and RealRuns are the runs whose sequence is known: those
	// with a TimerSeq or without any timer call. Runs without a trace
	// are left out.
	SimRuns, RealRuns int
	// Agree is whether a sequence is among the most frequent (tied for
	// first) of both sides.
	Agree bool
}

// SeqCount is one timer sequence and the runs that made it.
type SeqCount struct {
	Seq       []int64
	Truncated bool // the runs made more than MaxTimerSeq calls
	Runs      int
	Share     float64 // of the side's runs with a known sequence
}

// PropertyFidelity counts, per engine, the runs violating a property.
type PropertyFidelity struct {
	Property  string
	Sim, Real int
}

// FidelityOf compares sim's runs with real's under the default
// criteria: runs are paired by PairKey and, per pair, every latency
// metric, result code, timer sequence and property verdict of one side
// is set against the other's (see EnginePair). It is a pure function of
// the runs: their order does not matter.
func FidelityOf(sim, real Results) Fidelity {
	return FidelityWith(sim, real, DefaultFidelityCriteria())
}

// FidelityWith is FidelityOf under criteria c (zero fields take the
// defaults).
func FidelityWith(sim, real Results, c FidelityCriteria) Fidelity {
	f := Fidelity{Sim: sideName(sim.Runs, ""), Real: sideName(real.Runs, EngineLibcurl), Criteria: c.withDefaults()}
	s, r := byPair(sim.Runs), byPair(real.Runs)
	for _, k := range slices.SortedFunc(maps.Keys(s), PairKey.compare) {
		if _, ok := r[k]; ok {
			f.Pairs = append(f.Pairs, pairOf(k, s[k], r[k], f.Criteria))
		} else {
			f.OnlySim = append(f.OnlySim, k)
		}
	}
	for _, k := range slices.SortedFunc(maps.Keys(r), PairKey.compare) {
		if _, ok := s[k]; !ok {
			f.OnlyReal = append(f.OnlyReal, k)
		}
	}
	return f
}

// sideName names one side by its runs' engines ("simulator",
// "libcurl", "a+b" if mixed), or by def when it has none.
func sideName(runs []Run, def string) string {
	var es []string
	for _, r := range runs {
		es = append(es, engineName(r.Engine))
	}
	slices.Sort(es)
	if es = slices.Compact(es); len(es) == 0 {
		return engineName(def)
	}
	return strings.Join(es, "+")
}

func byPair(runs []Run) map[PairKey][]Run {
	m := map[PairKey][]Run{}
	for _, r := range runs {
		k := PairKey{r.Scenario, r.Profile, r.Driver}
		m[k] = append(m[k], r)
	}
	return m
}

func pairOf(k PairKey, sim, real []Run, c FidelityCriteria) EnginePair {
	p := EnginePair{PairKey: k, SimRuns: len(sim), RealRuns: len(real),
		SimParams: paramSets(sim), RealParams: paramSets(real)}
	p.Metrics = metricFidelities(fidelitySamples(sim), fidelitySamples(real), c)
	p.Results = resultFidelities(resultCounts(sim), resultCounts(real), c)
	p.Timer = timerFidelity(sim, real)
	p.Properties = propertyFidelities(sim, real)
	return p
}

// paramSets lists the distinct params texts of runs, sorted.
func paramSets(runs []Run) []string {
	var ps []string
	for _, r := range runs {
		ps = append(ps, paramString(r.Params))
	}
	slices.Sort(ps)
	return slices.Compact(ps)
}

// fidelitySamples collects the pair metrics of runs, by qualified name;
// each slice is sorted.
func fidelitySamples(runs []Run) map[string][]float64 {
	m := map[string][]float64{}
	add := func(name string, v float64) { m[name] = append(m[name], v) }
	for _, r := range runs {
		for _, st := range r.Stops {
			if st.LatencyUs != nil {
				add(MetricStopLatency+"/"+st.Label(), float64(*st.LatencyUs))
			}
			if st.NoticeUs != nil {
				add(MetricStopNotice+"/"+st.Label(), float64(*st.NoticeUs))
			}
		}
		for _, t := range r.Transfers {
			if t.Done {
				add(MetricElapsed+"/"+strconv.Itoa(t.ID), float64(t.ElapsedUs))
			}
			if t.OvershootUs != nil {
				add(MetricOvershoot, float64(*t.OvershootUs))
			}
		}
	}
	for _, vs := range m {
		slices.Sort(vs)
	}
	return m
}

// fidelityMetricOrder ranks metric bases for the tables.
var fidelityMetricOrder = []string{MetricStopLatency, MetricStopNotice, MetricElapsed, MetricOvershoot}

// compareMetricNames orders qualified metrics by base, then qualifier:
// transfer IDs by number, stop labels as sortLabels does.
func compareMetricNames(a, b string) int {
	ab, aq, _ := strings.Cut(a, "/")
	bb, bq, _ := strings.Cut(b, "/")
	if c := cmp.Compare(slices.Index(fidelityMetricOrder, ab), slices.Index(fidelityMetricOrder, bb)); c != 0 {
		return c
	}
	ai, aerr := strconv.Atoi(aq)
	bi, berr := strconv.Atoi(bq)
	if aerr == nil && berr == nil {
		return cmp.Compare(ai, bi)
	}
	if aq == bq {
		return 0
	}
	if sortLabels([]string{aq, bq})[0] == aq {
		return -1
	}
	return 1
}

func metricFidelities(sim, real map[string][]float64, c FidelityCriteria) []MetricFidelity {
	names := slices.Collect(maps.Keys(sim))
	for n := range real {
		if _, ok := sim[n]; !ok {
			names = append(names, n)
		}
	}
	slices.SortFunc(names, compareMetricNames)
	out := make([]MetricFidelity, 0, len(names))
	for _, n := range names {
		s, r := sim[n], real[n]
		d, at := ksDistance(s, r)
		out = append(out, MetricFidelity{Metric: n, Sim: sampleOf(s), Real: sampleOf(r),
			D: d, At: at, P: ksPValue(d, len(s), len(r)), Verdict: c.verdict(d, len(s), len(r))})
	}
	return out
}

// resultCounts counts runs by (transfer ID, result code).
func resultCounts(runs []Run) map[int]map[string]int {
	m := map[int]map[string]int{}
	for _, r := range runs {
		for _, t := range r.Transfers {
			if m[t.ID] == nil {
				m[t.ID] = map[string]int{}
			}
			code := NotDone
			if t.Done {
				code = t.Result
			}
			m[t.ID][code]++
		}
	}
	return m
}

func resultFidelities(sim, real map[int]map[string]int, c FidelityCriteria) []ResultFidelity {
	ids := slices.Collect(maps.Keys(sim))
	for id := range real {
		if _, ok := sim[id]; !ok {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	out := make([]ResultFidelity, 0, len(ids))
	for _, id := range ids {
		s, r := sim[id], real[id]
		d := totalVariation(s, r)
		out = append(out, ResultFidelity{Transfer: id, Sim: s, Real: r, Distance: d,
			Verdict: c.verdict(d, countSum(s), countSum(r))})
	}
	return out
}

func countSum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// totalVariation is ½ Σ |p(k) − q(k)| over the codes of a and b, as
// shares of their totals: 0 for the same distribution, 1 for disjoint
// ones (or when one side is empty).
func totalVariation(a, b map[string]int) float64 {
	na, nb := countSum(a), countSum(b)
	if na == 0 || nb == 0 {
		return boolFloat(na != nb)
	}
	keys := slices.Collect(maps.Keys(a))
	for k := range b {
		keys = append(keys, k)
	}
	slices.Sort(keys) // a fixed summation order: the same bits every time
	sum := 0.0
	for _, k := range slices.Compact(keys) {
		sum += math.Abs(float64(a[k])/float64(na) - float64(b[k])/float64(nb))
	}
	return sum / 2
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// maxTopSeqs is how many of its most frequent sequences a side lists.
const maxTopSeqs = 3

func timerFidelity(sim, real []Run) TimerFidelity {
	s, sn := topSeqs(sim)
	r, rn := topSeqs(real)
	t := TimerFidelity{Sim: s, Real: r, SimRuns: sn, RealRuns: rn}
	for _, a := range s {
		for _, b := range r {
			if a.Runs == s[0].Runs && b.Runs == r[0].Runs && sameSeq(a, b) {
				t.Agree = true
			}
		}
	}
	return t
}

// timerSeqKnown reports whether r's TimerSeq is its whole story: it has
// one, or the run made no timer call (so none was lost with the trace).
func timerSeqKnown(r Run) bool { return len(r.TimerSeq) > 0 || r.Counters.TimerCalls() == 0 }

// topSeqs counts the known sequences of runs and returns the most
// frequent (at most maxTopSeqs) and the number of runs counted.
func topSeqs(runs []Run) ([]SeqCount, int) {
	var all []SeqCount
	n := 0
	for _, r := range runs {
		if !timerSeqKnown(r) {
			continue
		}
		n++
		sc := SeqCount{Seq: r.TimerSeq, Truncated: r.TimerSeqTruncated}
		if i := slices.IndexFunc(all, func(o SeqCount) bool { return sameSeq(o, sc) }); i >= 0 {
			all[i].Runs++
			continue
		}
		sc.Runs = 1
		all = append(all, sc)
	}
	slices.SortFunc(all, func(a, b SeqCount) int {
		return cmp.Or(cmp.Compare(b.Runs, a.Runs), cmp.Compare(len(a.Seq), len(b.Seq)),
			slices.Compare(a.Seq, b.Seq), cmp.Compare(boolInt(a.Truncated), boolInt(b.Truncated)))
	})
	all = all[:min(len(all), maxTopSeqs)]
	for i := range all {
		all[i].Seq = slices.Clone(all[i].Seq) // not the run's: a Fidelity owns its data
		all[i].Share = float64(all[i].Runs) / float64(n)
	}
	return all, n
}

func sameSeq(a, b SeqCount) bool { return a.Truncated == b.Truncated && slices.Equal(a.Seq, b.Seq) }

func propertyFidelities(sim, real []Run) []PropertyFidelity {
	s, r := violatedCounts(sim), violatedCounts(real)
	props := slices.Collect(maps.Keys(s))
	for p := range r {
		if _, ok := s[p]; !ok {
			props = append(props, p)
		}
	}
	slices.Sort(props)
	out := make([]PropertyFidelity, 0, len(props))
	for _, p := range props {
		out = append(out, PropertyFidelity{Property: p, Sim: s[p], Real: r[p]})
	}
	return out
}

// violatedCounts counts, per property, the runs violating it.
func violatedCounts(runs []Run) map[string]int {
	m := map[string]int{}
	for _, r := range runs {
		for _, p := range violatedProperties(r) {
			m[p]++
		}
	}
	return m
}

// ksDistance is the two-sample Kolmogorov–Smirnov statistic of sorted
// samples a and b: the largest |Fa(x) − Fb(x)| over x, with F the
// empirical CDFs, and the smallest x where it is reached. It is 0 when
// both are empty and 1 when only one is (gonum's stat.KolmogorovSmirnov
// agrees). Steps at tied values are taken together, so equal samples
// give 0. The gap is computed in integers and divided once, so a D of
// 1/2 is exactly 0.5. O(len(a) + len(b)).
func ksDistance(a, b []float64) (d, at float64) {
	if len(a) == 0 || len(b) == 0 {
		return boolFloat(len(a) != len(b)), 0
	}
	na, nb := len(a), len(b)
	i, j, best := 0, 0, 0
	for i < na && j < nb {
		v := min(a[i], b[j])
		for i < na && a[i] == v {
			i++
		}
		for j < nb && b[j] == v {
			j++
		}
		if gap := abs(int64(i*nb - j*na)); int(gap) > best {
			best, at = int(gap), v
		}
	}
	return float64(best) / float64(na*nb), at
}

// ksPValue is the asymptotic p-value of a KS distance d between samples
// of n and m: Q_KS(λ) with λ = (√nₑ + 0.12 + 0.11/√nₑ)·d and
// nₑ = nm/(n+m) (Stephens' correction, as in Numerical Recipes §14.3).
// It is 0 when a side is empty.
func ksPValue(d float64, n, m int) float64 {
	if n == 0 || m == 0 {
		return 0
	}
	ne := math.Sqrt(float64(n) * float64(m) / float64(n+m))
	return kolmogorovQ((ne + 0.12 + 0.11/ne) * d)
}

// kolmogorovQ is the Kolmogorov distribution's tail, P(K > λ). Each of
// its two series converges within a few terms where it is used: the
// alternating one for large λ, Jacobi's form of 1 − Q for small λ.
func kolmogorovQ(l float64) float64 {
	const terms = 8
	if l <= 0 {
		return 1
	}
	sum := 0.0
	if l < 1.18 {
		for j := 1; j <= terms; j++ {
			k := float64(2*j - 1)
			sum += math.Exp(-k * k * math.Pi * math.Pi / (8 * l * l))
		}
		return min(1, max(0, 1-math.Sqrt(2*math.Pi)/l*sum))
	}
	sign := 1.0
	for j := 1; j <= terms; j++ {
		sum += sign * math.Exp(-2*float64(j*j)*l*l)
		sign = -sign
	}
	return min(1, max(0, 2*sum))
}
