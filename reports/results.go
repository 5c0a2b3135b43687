package reports

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
)

// Schema is the version tag of the results file. ReadJSON refuses any
// other: a change that an older reader would misread gets a new version.
const Schema = "expiry.results/v1"

// Results is a sweep's outcome: every run, in canonical order, and the
// per-scenario aggregates. Build it with New or Merge, never by appending
// to Runs, so that the order and the Summaries stay canonical.
type Results struct {
	Schema    string    `json:"schema"`
	Runs      []Run     `json:"runs"`
	Summaries []Summary `json:"summaries"`
	// Timeline is one chosen run's timeline, for the report's timeline
	// plot; nil when none was chosen.
	Timeline *Timeline `json:"timeline,omitempty"`
	// Skipped are the scenario configurations an engine could not run
	// (the real libcurl cannot express every scenario), sorted.
	Skipped []Skip `json:"skipped,omitempty"`
}

// Skip is a scenario configuration an engine did not run, and why.
type Skip struct {
	Scenario string `json:"scenario"`
	Engine   string `json:"engine"`
	Reason   string `json:"reason"`
}

// EngineLibcurl is the Engine of runs on the real libcurl (package
// realcurl). The simulator's runs have Engine "".
const EngineLibcurl = "libcurl"

// MaxTimerSeq bounds Run.TimerSeq: enough to tell the callback patterns
// of a few transfers apart, not a trace.
const MaxTimerSeq = 64

// Run is one scenario run under one seed, reduced to what reports need:
// no trace, only its hash and the timer callback's values.
type Run struct {
	Scenario string `json:"scenario"`
	Profile  string `json:"profile"`
	Driver   string `json:"driver"`
	// Engine is what ran the scenario: "" for the simulator
	// (sim/scenario), EngineLibcurl for the real library. FromResult
	// leaves it "", the real engine's caller sets it, like Params.
	Engine string `json:"engine,omitempty"`
	// Params are the settings that tell runs of one scenario name apart
	// and that plots need (ParamPollCap...); see ParamsOf.
	Params map[string]string `json:"params,omitempty"`
	Seed   uint64            `json:"seed"`
	// Hash is the trace hash in hex; "" when the run kept no trace.
	Hash      string     `json:"hash,omitempty"`
	Outcome   Outcome    `json:"outcome"`
	Transfers []Transfer `json:"transfers"`
	Stops     []Stop     `json:"stops,omitempty"`
	Counters  Counters   `json:"counters"`
	// TimerSeq is the timer callback's values (the ms of every timer-cb
	// record: −1 delete, 0 at once, else a timeout) in call order, the
	// first MaxTimerSeq of them; TimerSeqTruncated says the run made
	// more calls than that. Both are empty when the run kept no trace,
	// so an empty TimerSeq means "no calls" only when Counters count
	// none either (see timerSeqKnown).
	TimerSeq          []int64   `json:"timer_seq,omitempty"`
	TimerSeqTruncated bool      `json:"timer_seq_truncated,omitempty"`
	Verdicts          []Verdict `json:"verdicts,omitempty"`
}

// Outcome is how the run's kernel stopped.
type Outcome struct {
	Reason string `json:"reason"` // idle, time-limit, event-budget, livelock...
	EndUs  int64  `json:"end_us"` // virtual time at the end
	Events uint64 `json:"events"`
	// Violation is the kernel's livelock description, if any.
	Violation string `json:"violation,omitempty"`
}

// Transfer is one transfer's end as the application saw it.
type Transfer struct {
	ID      int    `json:"id"`
	Result  string `json:"result"`
	Done    bool   `json:"done"`
	Removed bool   `json:"removed,omitempty"`
	// State is where the state machine ended; "" for a scripted transfer.
	State     string `json:"state,omitempty"`
	StartUs   int64  `json:"start_us"`
	ElapsedUs int64  `json:"elapsed_us"` // 0 when not done
	// Limit names the option a timed-out transfer ran into (TIMEOUT_MS
	// or CONNECTTIMEOUT_MS) and LimitUs is its value; OvershootUs is
	// ElapsedUs − LimitUs, negative when the transfer ended early. All
	// three are empty unless the transfer timed out with such a limit.
	Limit       string `json:"limit,omitempty"`
	LimitUs     int64  `json:"limit_us,omitempty"`
	OvershootUs *int64 `json:"overshoot_us,omitempty"`
	Bytes       int64  `json:"bytes"`
	Xferinfo    int64  `json:"xferinfo_calls"`
}

// Stop is one stop request and what became of it.
type Stop struct {
	Transfer  int    `json:"transfer"`
	Mechanism string `json:"mechanism"`
	// Variant is the easy-stop variant's name ("proposal", "latch"...);
	// "" for the other mechanisms.
	Variant     string `json:"variant,omitempty"`
	Code        string `json:"code,omitempty"`
	State       string `json:"state"`
	RequestedUs int64  `json:"requested_us"`
	// NoticeUs and LatencyUs are the notice and return latencies; nil
	// when the performing side never noticed, or the application never
	// got control back.
	NoticeUs  *int64 `json:"notice_latency_us,omitempty"`
	LatencyUs *int64 `json:"latency_us,omitempty"`
	// Result is how the transfer ended ("" when it had not by the end of
	// the run); Removed means the application took it out (wakeup).
	Result   string `json:"result,omitempty"`
	Removed  bool   `json:"removed,omitempty"`
	AfterEnd bool   `json:"after_end,omitempty"`
	// IdleWakeups is the performing thread's wake-ups per second before
	// the request: what the design costs while idle.
	IdleWakeups float64 `json:"idle_wakeups_per_s"`
}

// Label names the stop's mechanism and, when it is not the proposal's
// default, its variant ("easy-stop", "easy-stop:latch", "xferinfo").
func (s Stop) Label() string {
	if s.Variant == "" || s.Variant == "proposal" {
		return s.Mechanism
	}
	return s.Mechanism + ":" + s.Variant
}

// Counters are the run's totals (scenario.Counters).
type Counters struct {
	TimerSet       int `json:"timer_set"`
	TimerZero      int `json:"timer_zero"`
	TimerDelete    int `json:"timer_delete"`
	TimerRedundant int `json:"timer_redundant"`
	EmptyFires     int `json:"empty_fires"`
	PollWakeups    int `json:"poll_wakeups"`
}

// TimerCalls is the number of timer callback calls of every kind.
func (c Counters) TimerCalls() int { return c.TimerSet + c.TimerZero + c.TimerDelete }

// Verdict is one property violation found in a run (see Verdicts).
type Verdict struct {
	Property string `json:"property"` // "P5 no-missed-deadline"
	AtUs     int64  `json:"at_us"`
	Transfer int64  `json:"transfer,omitempty"` // 0: the multi as a whole
	Detail   string `json:"detail"`
	// Lines are the trace lines that show it, the offending one last.
	Lines []string `json:"lines,omitempty"`
}

// Key identifies a scenario configuration: the runs sharing a Key differ
// only by seed and are aggregated together. The engine is part of it, so
// that merged results of the simulator and of libcurl stay apart.
type Key struct {
	Scenario, Profile, Driver string
	Params                    string // canonical "k=v k=v"
	Engine                    string // "" for the simulator
}

// String is "scenario profile driver [params] [engine=name]".
func (k Key) String() string {
	s := k.Scenario + " " + k.Profile + " " + k.Driver
	if p := withEngine(k.Params, k.Engine); p != "" {
		s += " " + p
	}
	return s
}

// withEngine appends "engine=name" to a params text unless the engine
// is the simulator, whose results read as they did before engines.
func withEngine(params, engine string) string {
	switch {
	case engine == "":
		return params
	case params == "":
		return "engine=" + engine
	}
	return params + " engine=" + engine
}

// compare orders keys field by field.
func (k Key) compare(o Key) int {
	if c := strings.Compare(k.Scenario, o.Scenario); c != 0 {
		return c
	}
	if c := strings.Compare(k.Profile, o.Profile); c != 0 {
		return c
	}
	if c := strings.Compare(k.Driver, o.Driver); c != 0 {
		return c
	}
	if c := strings.Compare(k.Params, o.Params); c != 0 {
		return c
	}
	return strings.Compare(k.Engine, o.Engine)
}

// Key is the run's scenario configuration.
func (r Run) Key() Key {
	return Key{Scenario: r.Scenario, Profile: r.Profile, Driver: r.Driver, Params: paramString(r.Params), Engine: r.Engine}
}

// paramString writes params as "k=v" pairs sorted by key.
func paramString(p map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(p)) {
		parts = append(parts, k+"="+p[k])
	}
	return strings.Join(parts, " ")
}

// FromResult reduces a scenario result to a Run named name (r.Scenario
// when name is ""), with the verdicts the caller's checkers gave, and its
// TimerSeq when r has a trace. Params and Engine are left for the caller
// (ParamsOf), as the result does not carry them.
func FromResult(name string, r scenario.Result, verdicts []Verdict) Run {
	if name == "" {
		name = r.Scenario
	}
	run := Run{
		Scenario: name, Profile: r.Profile, Driver: r.Driver.String(), Seed: r.Seed,
		Outcome:  outcomeOf(r),
		Counters: countersOf(r.Counters),
		Verdicts: slices.Clone(verdicts),
	}
	if r.Hash != 0 {
		run.Hash = fmt.Sprintf("%016x", r.Hash)
	}
	for _, o := range r.Transfers {
		run.Transfers = append(run.Transfers, transferOf(o))
	}
	for _, s := range r.Stops {
		run.Stops = append(run.Stops, stopOf(s))
	}
	run.TimerSeq, run.TimerSeqTruncated = timerSeqOf(r.Trace)
	return run
}

// timerSeqOf reads the timer callback's values out of a trace: the ms
// field of its timer-cb records, at most MaxTimerSeq, and whether there
// were more. A record whose ms does not parse is skipped: the trace
// format is the engines' contract, and a report is no place to enforce
// it.
func timerSeqOf(trace []sim.Record) ([]int64, bool) {
	var seq []int64
	for _, rec := range trace {
		if rec.Kind != "timer-cb" {
			continue
		}
		v, ok := rec.Get("ms")
		ms, err := strconv.ParseInt(v, 10, 64)
		if !ok || err != nil {
			continue
		}
		if len(seq) == MaxTimerSeq {
			return seq, true
		}
		seq = append(seq, ms)
	}
	return seq, false
}

func countersOf(c scenario.Counters) Counters {
	return Counters{
		TimerSet: c.TimerSet, TimerZero: c.TimerZero, TimerDelete: c.TimerDelete,
		TimerRedundant: c.TimerRedundant, EmptyFires: c.EmptyFires, PollWakeups: c.PollWakeups,
	}
}

func outcomeOf(r scenario.Result) Outcome {
	o := Outcome{Reason: r.Outcome.Reason.String(), EndUs: r.Outcome.Now.Micros(), Events: r.Outcome.Events}
	if v := r.Outcome.Violation; v != nil {
		o.Violation = v.String()
	}
	return o
}

func transferOf(o scenario.Outcome) Transfer {
	t := Transfer{
		ID: o.ID, Result: o.Result.String(), Done: o.Done, Removed: o.Removed,
		StartUs: o.Start.Micros(), ElapsedUs: o.Elapsed(), Bytes: o.Bytes, Xferinfo: o.Xferinfo,
	}
	if o.Options.Host != "" {
		t.State = o.State.String()
	}
	if o.Done && o.Result == model.OperationTimedout {
		t.Limit, t.LimitUs = limitOf(o.Options, t.ElapsedUs)
		if t.Limit != "" {
			over := t.ElapsedUs - t.LimitUs
			t.OvershootUs = &over
		}
	}
	return t
}

// limitOf picks the option limit a timed-out transfer ran into: while
// connecting the limit is min(connect, total), after it the total
// (SPEC §3), and the result does not say which phase it ended in, so the
// candidate nearest the elapsed time wins (the total on a tie). A
// low-speed abort has no limit measured from the start: it gets none.
func limitOf(o model.Options, elapsedUs int64) (string, int64) {
	name, limit := "", int64(0)
	try := func(n string, ms int64) {
		us := ms * 1000
		if ms > 0 && (name == "" || abs(elapsedUs-us) < abs(elapsedUs-limit)) {
			name, limit = n, us
		}
	}
	try("TIMEOUT_MS", o.TimeoutMs)
	if c := o.ConnectTimeoutMs; c > 0 && (o.TimeoutMs == 0 || c < o.TimeoutMs) {
		try("CONNECTTIMEOUT_MS", c)
	}
	return name, limit
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

func stopOf(s scenario.StopRecord) Stop {
	st := Stop{
		Transfer: s.Transfer, Mechanism: s.Mechanism.String(), Code: s.Code, State: s.State,
		RequestedUs: s.Requested.Micros(), Removed: s.Removed, AfterEnd: s.AfterEnd,
		IdleWakeups: s.IdleWakeups,
	}
	if s.Mechanism == scenario.MechEasyStop {
		st.Variant = variantName(s.Variant)
	}
	if s.HasNoticed {
		us := s.NoticeLatency().Microseconds()
		st.NoticeUs = &us
	}
	if s.HasReturned {
		us := s.Latency().Microseconds()
		st.LatencyUs = &us
	}
	if s.HasReturned || s.AfterEnd {
		st.Result = s.Result.String()
	}
	return st
}

// variantName normalizes an easy-stop variant to its preset name, so that
// "" and "proposal" (the same variant) aggregate together.
func variantName(v string) string {
	sv, err := model.ParseStopVariant(v)
	if err != nil {
		return v // the scenario was validated; keep what it said
	}
	return sv.Name()
}
