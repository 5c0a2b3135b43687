package reports

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

// Tolerance is how much worse a statistic may get before it counts as a
// regression: current may exceed baseline by max(Abs, Rel·|baseline|).
// Abs is in the metric's unit (µs for *_us metrics); Rel is a fraction.
// The same margin the other way marks an improvement.
type Tolerance struct {
	Rel float64 `json:"rel"`
	Abs float64 `json:"abs"`
}

// margin is the allowed change from baseline b.
func (t Tolerance) margin(b float64) float64 { return max(t.Abs, t.Rel*math.Abs(b)) }

// Tolerances configure Compare.
type Tolerances struct {
	// Metrics maps a metric name to its tolerance. A qualified name
	// ("stop_latency_us/xferinfo") is looked up first, then its base
	// ("stop_latency_us"), then Default applies.
	Metrics map[string]Tolerance
	Default Tolerance
	// Stats are the statistics compared ("min", "p50", "p90", "p99",
	// "max").
	Stats []string
	// AllowMissing makes a scenario configuration that the baseline has
	// and the current results lack a note instead of a regression (for a
	// run of part of the suite).
	AllowMissing bool
}

// DefaultTolerances are CI's defaults. The simulator is deterministic,
// so any change is real; the margins let a design change move numbers by
// a little without failing the build, while a stop that takes a poll cap
// longer, a timeout that fires a millisecond later or a doubling of
// timer calls does fail it.
//
//	stop_latency_us, stop_notice_us   10 % or 1000 µs
//	timeout_overshoot_us              10 % or 1000 µs
//	elapsed_us                        10 % or 5000 µs
//	idle_wakeups_per_s                10 % or 0.5 /s
//	timer_calls, empty_fires,
//	poll_wakeups                      10 % or 2
//	statistics compared               p50, p99, max
func DefaultTolerances() Tolerances {
	return Tolerances{
		Metrics: map[string]Tolerance{
			MetricStopLatency: {Rel: 0.10, Abs: 1000},
			MetricStopNotice:  {Rel: 0.10, Abs: 1000},
			MetricOvershoot:   {Rel: 0.10, Abs: 1000},
			MetricElapsed:     {Rel: 0.10, Abs: 5000},
			MetricIdleWakeups: {Rel: 0.10, Abs: 0.5},
			MetricTimerCalls:  {Rel: 0.10, Abs: 2},
			MetricEmptyFires:  {Rel: 0.10, Abs: 2},
			MetricPollWakeups: {Rel: 0.10, Abs: 2},
		},
		Default: Tolerance{Rel: 0.10, Abs: 0},
		Stats:   []string{"p50", "p99", "max"},
	}
}

// tolerance finds the tolerance for metric.
func (ts Tolerances) tolerance(metric string) Tolerance {
	if t, ok := ts.Metrics[metric]; ok {
		return t
	}
	if t, ok := ts.Metrics[metricBase(metric)]; ok {
		return t
	}
	return ts.Default
}

// ChangeKind classifies a Change.
type ChangeKind uint8

// The kinds of change, worst first.
const (
	Regression  ChangeKind = iota // fails the comparison
	Improvement                   // better than the baseline by more than the tolerance
	Note                          // worth reading, not a verdict (new scenarios, changed traces)
)

// String is the kind's name as diffs print it.
func (k ChangeKind) String() string {
	switch k {
	case Regression:
		return "regression"
	case Improvement:
		return "improvement"
	case Note:
		return "note"
	}
	return fmt.Sprintf("ChangeKind(%d)", uint8(k))
}

// Change is one difference between baseline and current results.
type Change struct {
	Kind ChangeKind
	Key  Key
	// What is what changed: "metric stat" ("stop_latency_us/xferinfo
	// p99"), a property, "outcome <reason>", "trace" or "scenario".
	What string
	// Detail says it in words, with the numbers.
	Detail string
}

// String is one line: kind, configuration, what and detail. A change
// about the results as a whole has the zero Key and shows none.
func (c Change) String() string {
	if c.Key == (Key{}) {
		return fmt.Sprintf("%-11s %s: %s", c.Kind, c.What, c.Detail)
	}
	return fmt.Sprintf("%-11s %s: %s: %s", c.Kind, c.Key, c.What, c.Detail)
}

// Diff is the outcome of Compare: every change, regressions first, then
// improvements and notes, each by configuration.
type Diff struct {
	Changes []Change
}

// Regressed reports whether any change is a regression: simrun's exit 1.
func (d Diff) Regressed() bool {
	return slices.ContainsFunc(d.Changes, func(c Change) bool { return c.Kind == Regression })
}

// Count returns the number of changes of kind k.
func (d Diff) Count(k ChangeKind) int {
	n := 0
	for _, c := range d.Changes {
		if c.Kind == k {
			n++
		}
	}
	return n
}

// String is the readable diff: a verdict line, then one line per change.
func (d Diff) String() string {
	var b strings.Builder
	verdict := "OK"
	if d.Regressed() {
		verdict = "REGRESSED"
	}
	fmt.Fprintf(&b, "%s: %s, %s, %s\n", verdict, plural(d.Count(Regression), "regression"),
		plural(d.Count(Improvement), "improvement"), plural(d.Count(Note), "note"))
	for _, c := range d.Changes {
		b.WriteString(c.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// Compare sets current against baseline, configuration by configuration
// (Key), using their Summaries and runs:
//
//   - a configuration only in the baseline is a regression (a note with
//     AllowMissing), one only in current a note;
//   - each statistic of tol.Stats of each metric both have: worse than
//     the baseline by more than the tolerance is a regression, better by
//     more an improvement; a metric that disappeared is a regression (no
//     stop returned any more), a new one a note, and so are a changed
//     number of runs and, over the same number, a changed sample count;
//   - a property violated where the baseline never violated it, or at a
//     seed whose baseline run did not, is a regression; one no longer
//     violated an improvement;
//   - more runs ending by livelock, event budget or time limit is a
//     regression;
//   - runs of the same seed whose trace hash changed are a note.
//
// Configurations are compared within one engine (the Key holds it). When
// both sides hold runs but no engine in common (a simulator baseline
// against libcurl results), Compare refuses: the Diff is one regression,
// "engine", with the zero Key, since a simulator's numbers are no
// baseline for the real library's; FidelityOf is the comparison that
// sets engines side by side.
func Compare(baseline, current Results, tol Tolerances) Diff {
	if d, ok := engineMismatch(baseline, current); ok {
		return d
	}
	base, cur := byKey(baseline), byKey(current)
	var d Diff
	for _, k := range unionKeys(base, cur) {
		b, inB := base[k]
		c, inC := cur[k]
		switch {
		case !inC:
			kind := Regression
			if tol.AllowMissing {
				kind = Note
			}
			d.add(kind, k, "scenario", fmt.Sprintf("missing: the baseline has %s, current none", plural(b.sum.Runs, "run")))
		case !inB:
			d.add(Note, k, "scenario", fmt.Sprintf("new: %s, not in the baseline", plural(c.sum.Runs, "run")))
		default:
			d.compareGroup(k, b, c, tol)
		}
	}
	// Within a configuration, changes keep the order they were found in:
	// metrics by name with their statistics in tol.Stats order, then
	// properties, outcomes and traces.
	slices.SortStableFunc(d.Changes, func(x, y Change) int {
		return cmp.Or(cmp.Compare(x.Kind, y.Kind), x.Key.compare(y.Key))
	})
	return d
}

// engineMismatch is Compare's refusal of results of disjoint engines.
func engineMismatch(baseline, current Results) (Diff, bool) {
	be, ce := enginesOf(baseline), enginesOf(current)
	if len(be) == 0 || len(ce) == 0 || slices.ContainsFunc(be, func(e string) bool { return slices.Contains(ce, e) }) {
		return Diff{}, false
	}
	var d Diff
	d.add(Regression, Key{}, "engine", fmt.Sprintf("the baseline ran on %s, the current results on %s: "+
		"compare results of one engine (FidelityOf compares engines)", engineList(be), engineList(ce)))
	return d, true
}

// enginesOf lists the engines of r's runs (of its summaries, when it
// has no runs), sorted, each once.
func enginesOf(r Results) []string {
	var es []string
	for _, run := range r.Runs {
		es = append(es, run.Engine)
	}
	if len(r.Runs) == 0 {
		for _, s := range r.Summaries {
			es = append(es, s.Engine)
		}
	}
	slices.Sort(es)
	return slices.Compact(es)
}

// engineList names engines for people: "simulator and libcurl".
func engineList(es []string) string {
	names := make([]string, len(es))
	for i, e := range es {
		names[i] = engineName(e)
	}
	return strings.Join(names, " and ")
}

// engineName is an engine's name for people: "simulator" for "".
func engineName(e string) string {
	if e == "" {
		return "simulator"
	}
	return e
}

// group is one configuration's summary and runs.
type group struct {
	sum  Summary
	runs []Run
}

// byKey groups r's summaries and runs by configuration. Results built by
// hand, without summaries, are aggregated here.
func byKey(r Results) map[Key]group {
	sums := r.Summaries
	if len(sums) == 0 {
		sums = Aggregate(r.Runs)
	}
	m := map[Key]group{}
	for _, s := range sums {
		m[s.Key()] = group{sum: s}
	}
	for _, run := range r.Runs {
		g := m[run.Key()]
		g.runs = append(g.runs, run)
		m[run.Key()] = g
	}
	return m
}

func unionKeys(a, b map[Key]group) []Key {
	keys := slices.Collect(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, Key.compare)
	return keys
}

func (d *Diff) add(kind ChangeKind, k Key, what, detail string) {
	d.Changes = append(d.Changes, Change{Kind: kind, Key: k, What: what, Detail: detail})
}

func (d *Diff) compareGroup(k Key, b, c group, tol Tolerances) {
	if b.sum.Runs != c.sum.Runs {
		d.add(Note, k, "runs", fmt.Sprintf("%d → %s", b.sum.Runs, plural(c.sum.Runs, "run")))
	}
	d.compareMetrics(k, b.sum, c.sum, tol)
	d.compareVerdicts(k, b.runs, c.runs)
	d.compareOutcomes(k, b.sum, c.sum)
	d.compareHashes(k, b.runs, c.runs)
}

func (d *Diff) compareMetrics(k Key, b, c Summary, tol Tolerances) {
	for _, bs := range b.Metrics {
		cs, ok := c.Stat(bs.Metric)
		if !ok {
			d.add(Regression, k, bs.Metric, fmt.Sprintf("no samples any more (baseline %d)", bs.Count))
			continue
		}
		if cs.Count != bs.Count && b.Runs == c.Runs { // with other runs, other counts are no news
			d.add(Note, k, bs.Metric+" count", fmt.Sprintf("%d → %d samples", bs.Count, cs.Count))
		}
		for _, stat := range tol.Stats {
			d.compareStat(k, bs, cs, stat, tol.tolerance(bs.Metric))
		}
	}
	for _, cs := range c.Metrics {
		if _, ok := b.Stat(cs.Metric); !ok {
			d.add(Note, k, cs.Metric, fmt.Sprintf("new metric (%s)", plural(cs.Count, "sample")))
		}
	}
}

func (d *Diff) compareStat(k Key, bs, cs Stat, stat string, t Tolerance) {
	bv, ok1 := bs.Value(stat)
	cv, ok2 := cs.Value(stat)
	if !ok1 || !ok2 {
		return
	}
	m := t.margin(bv)
	if math.Abs(cv-bv) <= m {
		return
	}
	kind := Improvement
	if cv > bv {
		kind = Regression
	}
	detail := fmt.Sprintf("%s → %s%s (%s, beyond the tolerance of %s%s)", fmtValue(bv), fmtValue(cv),
		unitOf(bs.Metric), relChange(bv, cv), fmtValue(m), unitOf(bs.Metric))
	if kind == Regression {
		detail += fmt.Sprintf("; worst seed %d", cs.WorstSeed)
	}
	d.add(kind, k, bs.Metric+" "+stat, detail)
}

// fmtValue writes v without float noise: integers plainly, others with
// up to three decimals.
func fmtValue(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return fmt.Sprintf("%d", int64(v))
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", v), "0"), ".")
}

// unitOf is the metric's unit as a suffix.
func unitOf(metric string) string {
	switch base := metricBase(metric); {
	case strings.HasSuffix(base, "_us"):
		return " µs"
	case strings.HasSuffix(base, "_per_s"):
		return " /s"
	}
	return ""
}

func relChange(b, c float64) string {
	if b == 0 {
		return "was 0"
	}
	return fmt.Sprintf("%+.1f %%", (c-b)/math.Abs(b)*100)
}

// compareVerdicts compares, per property, which seeds violated it.
func (d *Diff) compareVerdicts(k Key, b, c []Run) {
	bv, bseeds := violations(b)
	cv, _ := violations(c)
	for _, p := range slices.Sorted(maps.Keys(cv)) {
		fresh := newlyViolated(cv[p], bv[p], bseeds)
		switch {
		case len(bv[p]) == 0:
			d.add(Regression, k, p, fmt.Sprintf("newly violated in %s (seeds %s)", plural(len(cv[p]), "run"), seedList(cv[p])))
		case len(fresh) > 0:
			d.add(Regression, k, p, fmt.Sprintf("newly violated at seeds %s (still violated at %d others)", seedList(fresh), len(cv[p])-len(fresh)))
		default:
			d.add(Note, k, p, fmt.Sprintf("still violated in %s (baseline %d)", plural(len(cv[p]), "run"), len(bv[p])))
		}
	}
	for _, p := range slices.Sorted(maps.Keys(bv)) {
		if len(cv[p]) == 0 {
			d.add(Improvement, k, p, fmt.Sprintf("no longer violated (baseline: %s)", plural(len(bv[p]), "run")))
		}
	}
}

// violations maps each violated property to the sorted seeds violating
// it, and returns the set of seeds run.
func violations(runs []Run) (map[string][]uint64, map[uint64]bool) {
	out, seeds := map[string][]uint64{}, map[uint64]bool{}
	for _, r := range runs {
		seeds[r.Seed] = true
		for _, p := range violatedProperties(r) {
			out[p] = append(out[p], r.Seed)
		}
	}
	for p := range out {
		slices.Sort(out[p])
		out[p] = slices.Compact(out[p])
	}
	return out, seeds
}

// newlyViolated are the seeds of cur that the baseline ran without
// violating.
func newlyViolated(cur, base []uint64, baseSeeds map[uint64]bool) []uint64 {
	var out []uint64
	for _, s := range cur {
		if _, found := slices.BinarySearch(base, s); baseSeeds[s] && !found {
			out = append(out, s)
		}
	}
	return out
}

// seedList prints up to five seeds.
func seedList(seeds []uint64) string {
	var parts []string
	for i, s := range seeds {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("and %d more", len(seeds)-5))
			break
		}
		parts = append(parts, fmt.Sprint(s))
	}
	return strings.Join(parts, ", ")
}

// runaway are the outcomes DESIGN decision 8 calls findings.
var runaway = []string{"livelock", "event-budget", "time-limit"}

func (d *Diff) compareOutcomes(k Key, b, c Summary) {
	for _, reason := range runaway {
		if c.Outcomes[reason] > b.Outcomes[reason] {
			d.add(Regression, k, "outcome "+reason, fmt.Sprintf("%d → %s", b.Outcomes[reason], plural(c.Outcomes[reason], "run")))
		}
	}
}

// compareHashes notes the seeds whose trace changed: behaviour moved,
// for better or worse, even where no metric did.
func (d *Diff) compareHashes(k Key, b, c []Run) {
	hash := map[uint64]string{}
	for _, r := range b {
		hash[r.Seed] = r.Hash
	}
	var changed []uint64
	n := 0
	for _, r := range c {
		if h, ok := hash[r.Seed]; ok && h != "" && r.Hash != "" {
			n++
			if h != r.Hash {
				changed = append(changed, r.Seed)
			}
		}
	}
	if len(changed) > 0 {
		slices.Sort(changed)
		d.add(Note, k, "trace", fmt.Sprintf("changed in %d of %s (seeds %s)", len(changed), plural(n, "run"), seedList(changed)))
	}
}

// plural writes "1 run", "2 runs".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
