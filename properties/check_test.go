package properties_test

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/properties"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
)

// clean is a correct curl-8 trace of an event-driven application: one
// transfer arms TIMEOUT 1000 ms in its first run and times out when the
// application's timer fires. Each crafted case below edits it to break
// one property.
const clean = `0 api t1 x1 call fn=add
0 internal t1 x1 dirty
0 callback t1 - timer-cb ms=0 rc=0
0 api t1 x1 return fn=add code=OK
0 api t1 - call fn=socket_action fd=timeout ev=0
0 internal t1 x1 run
0 internal t1 x1 expire id=TIMEOUT ms=1000 at=1000000
0 internal t1 x1 index op=insert key=1000000
0 callback t1 - timer-cb ms=1000 rc=0
0 api t1 - return fn=socket_action code=OK running=1
1000000 api t1 - call fn=socket_action fd=timeout ev=0
1000000 internal t1 x1 pop key=1000000 dropped=1
1000000 internal t1 x1 dirty
1000000 internal t1 x1 run
1000000 internal t1 x1 xfer what=timeout check=top connecting=false left=-1
1000000 internal t1 x1 finish result=OPERATION_TIMEDOUT
1000000 internal t1 x1 done premature=false
1000000 callback t1 x1 msg result=OPERATION_TIMEDOUT
1000000 callback t1 - timer-cb ms=-1 rc=0
1000000 api t1 - return fn=socket_action code=OK running=0
`

// twoEqual is two transfers whose deadlines are equal: x1's is inserted
// first, so x1 pops first.
const twoEqual = `0 api t1 x1 call fn=add
0 internal t1 x1 dirty
0 callback t1 - timer-cb ms=0 rc=0
0 api t1 x1 return fn=add code=OK
0 api t1 x2 call fn=add
0 internal t1 x2 dirty
0 api t1 x2 return fn=add code=OK
0 api t1 - call fn=socket_action fd=timeout ev=0
0 internal t1 x1 run
0 internal t1 x1 expire id=TIMEOUT ms=500 at=500000
0 internal t1 x1 index op=insert key=500000
0 internal t1 x2 run
0 internal t1 x2 expire id=TIMEOUT ms=500 at=500000
0 internal t1 x2 index op=insert key=500000
0 callback t1 - timer-cb ms=500 rc=0
0 api t1 - return fn=socket_action code=OK running=2
500000 api t1 - call fn=socket_action fd=timeout ev=0
500000 internal t1 x1 pop key=500000 dropped=1
500000 internal t1 x1 dirty
500000 internal t1 x2 pop key=500000 dropped=1
500000 internal t1 x2 dirty
500000 internal t1 x1 run
500000 internal t1 x1 finish result=OPERATION_TIMEDOUT
500000 internal t1 x2 run
500000 internal t1 x2 finish result=OPERATION_TIMEDOUT
500000 callback t1 - timer-cb ms=-1 rc=0
500000 api t1 - return fn=socket_action code=OK running=0
`

// polling is a correct curl-7.88 trace of a perform loop (easy driver):
// the poll waits for the exposed timeout, capped at 1000 ms.
const polling = `0 api t1 x1 call fn=add
0 internal t1 x1 expire id=RUN_NOW ms=0 at=0
0 internal t1 x1 index op=insert key=0
0 api t1 x1 return fn=add code=OK
0 api t1 - call fn=poll ms=1000
0 api t1 - return fn=poll code=OK timeout=0 sockets=0 wakeup=true ready=false
0 api t1 - call fn=perform
0 internal t1 x1 run
0 internal t1 x1 expire id=TIMEOUT ms=300 at=300000
0 internal t1 x1 pop key=0 dropped=1
0 internal t1 x1 index op=insert key=300000
0 api t1 - return fn=perform code=OK running=1
0 api t1 - call fn=poll ms=1000
0 api t1 - return fn=poll code=OK timeout=300 sockets=0 wakeup=true ready=false
300050 api t1 - call fn=perform
300050 internal t1 x1 run
300050 internal t1 x1 finish result=OPERATION_TIMEDOUT
300050 internal t1 x1 clearall
300050 internal t1 x1 index op=remove key=300000
300050 api t1 - return fn=perform code=OK running=0
`

// equalLimits are twoEqual's transfers' limits.
var equalLimits = []properties.Limits{{TimeoutMs: 500, Grace: 5 * time.Millisecond}, {TimeoutMs: 500, Grace: 5 * time.Millisecond}}

// crafted is one hand-made trace and the property it must break.
type crafted struct {
	name    string
	base    string
	edits   [][2]string // old line -> new lines ("" deletes)
	polling bool
	limits  []properties.Limits
	idle    bool // the run ended with nothing left to happen
	want    properties.Property
}

var craftedCases = []crafted{
	{name: "told a rounded-down timeout", base: clean,
		edits: [][2]string{{"0 callback t1 - timer-cb ms=1000 rc=0", "0 callback t1 - timer-cb ms=999 rc=0"}},
		want:  properties.SingleTimeout},
	{name: "poll ignores the exposed timeout", base: polling, polling: true,
		edits: [][2]string{{"0 api t1 - return fn=poll code=OK timeout=300 sockets=0 wakeup=true ready=false",
			"0 api t1 - return fn=poll code=OK timeout=1000 sockets=0 wakeup=true ready=false"}},
		want: properties.SingleTimeout},
	{name: "Expire sets the wrong deadline", base: clean,
		edits: [][2]string{{"0 internal t1 x1 expire id=TIMEOUT ms=1000 at=1000000", "0 internal t1 x1 expire id=TIMEOUT ms=500 at=1000000"}},
		want:  properties.IDOverride},
	{name: "node left after the last deadline cleared", base: clean,
		edits: [][2]string{{"0 callback t1 - timer-cb ms=1000 rc=0",
			"0 internal t1 x1 clear id=TIMEOUT had=true\n0 callback t1 - timer-cb ms=1000 rc=0"}},
		want: properties.IDOverride},
	{name: "equal keys pop newest first", base: twoEqual, limits: equalLimits,
		edits: [][2]string{{
			"500000 internal t1 x1 pop key=500000 dropped=1\n500000 internal t1 x1 dirty\n" +
				"500000 internal t1 x2 pop key=500000 dropped=1\n500000 internal t1 x2 dirty",
			"500000 internal t1 x2 pop key=500000 dropped=1\n500000 internal t1 x2 dirty\n" +
				"500000 internal t1 x1 pop key=500000 dropped=1\n500000 internal t1 x1 dirty",
		}},
		want: properties.FIFOTies},
	{name: "timed out half way to the limit", base: clean,
		edits: [][2]string{{"1000000 internal t1 x1 finish result=OPERATION_TIMEDOUT", "500000 internal t1 x1 finish result=OPERATION_TIMEDOUT"}},
		want:  properties.NoPrematureExpiry},
	{name: "deadline pending, no timer announced", base: clean,
		edits: [][2]string{{"0 callback t1 - timer-cb ms=1000 rc=0", ""}},
		want:  properties.NoMissedDeadline},
	{name: "pop discards a deadline not yet due", base: clean,
		edits: [][2]string{{"0 callback t1 - timer-cb ms=1000 rc=0",
			"0 internal t1 x1 expire id=SPEEDCHECK ms=5000 at=5000000\n0 callback t1 - timer-cb ms=1000 rc=0"},
			{"1000000 internal t1 x1 pop key=1000000 dropped=1", "1000000 internal t1 x1 pop key=1000000 dropped=2"}},
		want: properties.NoMissedDeadline},
	{name: "timed transfer never ends", base: clean,
		edits: [][2]string{{"1000000 internal t1 x1 finish result=OPERATION_TIMEDOUT", "1000000 internal t1 x1 xfer what=idle"}},
		idle:  true, want: properties.NoMissedDeadline},
	{name: "told 0 twice with nothing due", base: clean,
		edits: [][2]string{{"0 api t1 - return fn=socket_action code=OK running=1",
			"0 api t1 - return fn=socket_action code=OK running=1\n5 api t1 - call fn=timeout\n5 api t1 - return fn=timeout code=OK ms=0\n6 api t1 - call fn=timeout\n6 api t1 - return fn=timeout code=OK ms=0"}},
		want: properties.NoBusyLoop},
	{name: "engine stopped a livelock", base: clean,
		edits: [][2]string{{"1000000 api t1 - return fn=socket_action code=OK running=0",
			"1000000 api t1 - return fn=socket_action code=OK running=0\n1000000 internal t1 - violation kind=livelock wakes=1000 detail=spinning"}},
		want: properties.NoBusyLoop},
	{name: "unchanged deadline announced twice", base: clean,
		edits: [][2]string{{"0 callback t1 - timer-cb ms=1000 rc=0", "0 callback t1 - timer-cb ms=1000 rc=0\n0 callback t1 - timer-cb ms=1000 rc=0"}},
		want:  properties.MinimalCallbacks},
}

// edit applies the case's edits to its base trace.
func (c crafted) trace(t *testing.T) []sim.Record {
	text := c.base
	for _, e := range c.edits {
		if !strings.Contains(text, e[0]+"\n") {
			t.Fatalf("edit %q: no such line", e[0])
		}
		repl := e[1]
		if repl != "" {
			repl += "\n"
		}
		text = strings.Replace(text, e[0]+"\n", repl, 1)
	}
	recs, err := sim.ReadText(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func (c crafted) subject() properties.Subject {
	p := model.Curl8()
	if c.polling {
		p = model.Curl788()
	}
	lim := c.limits
	if lim == nil {
		lim = []properties.Limits{{TimeoutMs: 1000, Grace: 5 * time.Millisecond}, {TimeoutMs: 500, Grace: 5 * time.Millisecond}}
		if c.polling {
			lim[0].TimeoutMs = 300
		}
	}
	sub := properties.Subject{Spec: properties.SpecOf(p), EventDriven: !c.polling, Transfers: lim}
	if c.idle {
		sub.Until = sim.MaxTime
	}
	return sub
}

// TestCraftedBases: the hand-made base traces are correct, so each
// crafted case's violation comes from its edit.
func TestCraftedBases(t *testing.T) {
	for _, c := range []crafted{{name: "clean", base: clean}, {name: "two-equal", base: twoEqual, limits: equalLimits},
		{name: "polling", base: polling, polling: true}} {
		if vs := properties.Check(c.trace(t), c.subject(), properties.TraceProperties); len(vs) > 0 {
			t.Errorf("%s: %d violations of a correct trace:\n%s", c.name, len(vs), properties.Report(vs, c.trace(t), 3, 0))
		}
	}
}

// TestCraftedViolations: every property fails on a trace crafted to break
// it, and the violation names the property, a time and the lines.
func TestCraftedViolations(t *testing.T) {
	seen := properties.Set(0)
	for _, c := range craftedCases {
		t.Run(c.name, func(t *testing.T) {
			trace := c.trace(t)
			vs := properties.Check(trace, c.subject(), properties.TraceProperties)
			var got properties.Set
			for _, v := range vs {
				got |= properties.SetOf(v.Property)
				if len(v.Lines) == 0 {
					t.Errorf("%v names no trace line", v)
				}
			}
			if !got.Has(c.want) {
				t.Fatalf("want a violation of %v, got %v:\n%s", c.want, got, properties.Report(vs, trace, 2, 0))
			}
			seen |= properties.SetOf(c.want)
			// Judging only the other properties leaves this one out.
			for _, v := range properties.Check(trace, c.subject(), properties.TraceProperties&^properties.SetOf(c.want)) {
				if v.Property == c.want {
					t.Errorf("%v reported though not asked for", v)
				}
			}
		})
	}
	// The stop properties have their own crafted traces (TestStopCrafted).
	if missing := properties.TraceProperties &^ seen &^ properties.SetOf(properties.StopLatency, properties.StopOutcome); missing != 0 {
		t.Errorf("no crafted trace breaks %v", missing)
	}
}

// TestCraftedDeterminism: P10 finds the first differing line and a
// missing tail.
func TestCraftedDeterminism(t *testing.T) {
	a := crafted{base: clean}.trace(t)
	b := crafted{base: clean, edits: [][2]string{{"0 callback t1 - timer-cb ms=1000 rc=0", "0 callback t1 - timer-cb ms=1001 rc=0"}}}.trace(t)
	if vs := properties.CheckDeterminism(a, a); len(vs) != 0 {
		t.Errorf("a trace differs from itself: %v", vs)
	}
	vs := properties.CheckDeterminism(a, b)
	if len(vs) != 1 || vs[0].Property != properties.Determinism || vs[0].Lines[0] != 8 {
		t.Errorf("CheckDeterminism = %v, want the ninth line", vs)
	}
	if vs := properties.CheckDeterminism(a, a[:len(a)-1]); len(vs) != 1 || !strings.Contains(vs[0].What, "1 more lines") {
		t.Errorf("a shorter second trace: %v", vs)
	}
}

// TestFamiliesClean: the built-in families, under every profile, driver
// and a wrapping clock phase, break no property.
func TestFamiliesClean(t *testing.T) {
	for _, f := range scenario.Families() {
		for _, p := range model.Profiles() {
			for _, d := range scenario.Drivers() {
				for _, ph := range []time.Duration{0, 999700 * time.Microsecond} {
					s := f.Build(p, d, ph)
					r, err := scenario.Run(s)
					if err != nil {
						t.Fatal(err)
					}
					if vs := properties.Check(r.Trace, properties.SubjectOf(s, r), properties.TraceProperties); len(vs) > 0 {
						t.Errorf("%s/%s/%v/%v:\n%s", f.Name, p.Name, d, ph, properties.Report(vs, r.Trace, 3, 3))
					}
				}
			}
		}
	}
}

// TestViolationExcerpt: a violation prints its property, time, thread
// and transfer, and marks its lines in the excerpt with their context.
func TestViolationExcerpt(t *testing.T) {
	c := craftedCases[0]
	trace := c.trace(t)
	vs := properties.Check(trace, c.subject(), properties.SetOf(properties.SingleTimeout))
	if len(vs) == 0 {
		t.Fatal("no violation")
	}
	got := vs[0].Excerpt(trace, 2)
	for _, want := range []string{"P1 single-timeout at 0us t1: ", ">    9 0 callback t1 - timer-cb ms=999 rc=0", "     7 0 internal"} {
		if !strings.Contains(got, want) {
			t.Errorf("excerpt lacks %q:\n%s", want, got)
		}
	}
	if s := vs[0].String(); !strings.HasPrefix(s, "P1 single-timeout at 0us t1: the timer callback was told 999 ms") {
		t.Errorf("String() = %q", s)
	}
}

// earlyByData ends the clean trace's transfer 0.5 ms before its limit: data
// arrives, the transfer runs, and its time-left check decides.
const earlyByData = `0 api t1 x1 call fn=add
0 internal t1 x1 dirty
0 callback t1 - timer-cb ms=0 rc=0
0 api t1 x1 return fn=add code=OK
0 api t1 - call fn=socket_action fd=timeout ev=0
0 internal t1 x1 run
0 internal t1 x1 expire id=TIMEOUT ms=1000 at=1000000
0 internal t1 x1 index op=insert key=1000000
0 callback t1 - timer-cb ms=1000 rc=0
0 api t1 - return fn=socket_action code=OK running=1
999500 api t1 - call fn=socket_action fd=7 ev=in
999500 internal t1 x1 dirty
999500 internal t1 x1 run
999500 internal t1 x1 xfer what=timeout check=top connecting=false left=-1
999500 internal t1 x1 finish result=OPERATION_TIMEDOUT
999500 internal t1 x1 clearall
999500 internal t1 x1 index op=remove key=1000000
999500 callback t1 - timer-cb ms=-1 rc=0
999500 api t1 - return fn=socket_action code=OK running=0
`

// TestAllowances: what one profile documents as intended, the other's
// promises forbid; each case passes under one Spec and fails under the
// other.
func TestAllowances(t *testing.T) {
	cases := []struct {
		name    string
		c       crafted
		phase   time.Duration
		allows  model.Profile // its Spec accepts the trace
		forbids model.Profile // its Spec reports want
		want    properties.Property
	}{
		{name: "node left at its key when the last deadline is cleared (bug 11 native before 8.22)",
			c: crafted{base: clean, edits: [][2]string{{"0 callback t1 - timer-cb ms=1000 rc=0",
				"0 internal t1 x1 clear id=TIMEOUT had=true\n0 callback t1 - timer-cb ms=1000 rc=0"},
				{"1000000 internal t1 x1 pop key=1000000 dropped=1", "1000000 internal t1 x1 pop key=1000000 dropped=0"}}},
			allows: model.Curl8Released(), forbids: model.Curl8(), want: properties.IDOverride},
		{name: "key left early by a later re-arm (keep-early, SPEC §0)",
			c: crafted{base: clean, edits: [][2]string{{"0 callback t1 - timer-cb ms=1000 rc=0",
				"0 internal t1 x1 expire id=TIMEOUT ms=1500 at=1500000\n0 callback t1 - timer-cb ms=1000 rc=0"},
				{"1000000 internal t1 x1 pop key=1000000 dropped=1", "1000000 internal t1 x1 pop key=1000000 dropped=0\n1000000 internal t1 x1 index op=insert key=1500000"},
				{"1000000 internal t1 x1 finish result=OPERATION_TIMEDOUT", "1000000 internal t1 x1 finish result=OPERATION_TIMEDOUT\n1000000 internal t1 x1 index op=remove key=1500000"}}},
			allows: model.Curl8Released(), forbids: model.Curl8(), want: properties.IDOverride},
		{name: "the add after an add re-announces 0 (7.88 forgets the last key on add)",
			c: crafted{base: clean, edits: [][2]string{{"0 api t1 x1 return fn=add code=OK",
				"0 api t1 x1 return fn=add code=OK\n0 api t1 x2 call fn=add\n0 internal t1 x2 dirty\n0 callback t1 - timer-cb ms=0 rc=0\n0 api t1 x2 return fn=add code=OK\n0 internal t1 x2 finish result=OK"}}},
			allows: model.Curl788(), forbids: model.Curl8(), want: properties.MinimalCallbacks},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			trace := tc.c.trace(t)
			sub := tc.c.subject()
			sub.Spec = properties.SpecOf(tc.allows)
			if vs := properties.Check(trace, sub, properties.TraceProperties); len(vs) > 0 {
				t.Errorf("%s reports:\n%s", tc.allows.Name, properties.Report(vs, trace, 2, 0))
			}
			sub.Spec = properties.SpecOf(tc.forbids)
			if !has(properties.Check(trace, sub, properties.TraceProperties), tc.want) {
				t.Errorf("%s does not report %v", tc.forbids.Name, tc.want)
			}
		})
	}
}

func has(vs []properties.Violation, p properties.Property) bool {
	for _, v := range vs {
		if v.Property == p {
			return true
		}
	}
	return false
}

// TestEarlyEndByMsDifference: a transfer may time out before its limit
// only as far as curl's ms difference on split fields reads the elapsed
// time as the limit: 0.5 ms early passes when the clock's µs field wraps
// in between (phase 999.7 ms), not on a whole second.
func TestEarlyEndByMsDifference(t *testing.T) {
	c := crafted{base: earlyByData}
	trace := c.trace(t)
	sub := c.subject()
	sub.EpochPhase = 999700 * time.Microsecond
	if vs := properties.Check(trace, sub, properties.TraceProperties); len(vs) > 0 {
		t.Errorf("at a wrapping phase:\n%s", properties.Report(vs, trace, 2, 0))
	}
	sub.EpochPhase = 0
	if !has(properties.Check(trace, sub, properties.TraceProperties), properties.NoPrematureExpiry) {
		t.Error("0.5 ms early on a whole second is not reported")
	}
}

// TestCheckAnyTrace: the checkers take any trace in the canonical format
// without panicking, however its lines are shuffled, dropped or
// duplicated: a trace from a broken engine is judged, not crashed on.
func TestCheckAnyTrace(t *testing.T) {
	fam, _ := scenario.FamilyByName("three")
	s := fam.Build(model.Curl788(), scenario.DriverSocketExact, 999700*time.Microsecond)
	r, err := scenario.Run(s)
	if err != nil {
		t.Fatal(err)
	}
	sub := properties.SubjectOf(s, r)
	rapid.Check(t, func(rt *rapid.T) {
		idx := rapid.SliceOfN(rapid.IntRange(0, len(r.Trace)-1), 50, 400).Draw(rt, "lines")
		trace := make([]sim.Record, len(idx))
		for i, j := range idx {
			trace[i] = r.Trace[j]
			if len(trace[i].Fields) > 0 && rapid.Bool().Draw(rt, "corrupt") {
				fields := append([]sim.Field(nil), trace[i].Fields...)
				k := rapid.IntRange(0, len(fields)-1).Draw(rt, "field")
				fields[k].Value = fmt.Sprint(rapid.Int64Range(-5, 2_000_000).Draw(rt, "value"))
				trace[i].Fields = fields
			}
		}
		properties.Check(trace, sub, properties.TraceProperties)
	})
}

// opaque keeps what a real application sees of a trace: API calls and
// returns and callbacks (libcurl's own trace has nothing else).
func opaque(trace []sim.Record) []sim.Record {
	var out []sim.Record
	for _, r := range trace {
		if r.Level == sim.LevelAPI || r.Level == sim.LevelCallback {
			out = append(out, r)
		}
	}
	return out
}

// TestOpaqueTraces: the checkers judge a trace without the library's
// internals (RealHost's Opaque subject) by what it shows. The families'
// traces cut to their API and callback records pass; a DONE message moved
// past the limit is a missed deadline, and one before it a premature
// expiry.
func TestOpaqueTraces(t *testing.T) {
	for _, f := range scenario.Families() {
		for _, p := range []model.Profile{model.Curl788(), model.Curl8()} {
			for _, d := range scenario.Drivers() {
				s := f.Build(p, d, 0)
				r, err := scenario.Run(s)
				if err != nil {
					t.Fatal(err)
				}
				trace := opaque(r.Trace)
				sub := properties.RealHost(properties.SubjectOf(s, r), trace)
				if vs := properties.Check(trace, sub, properties.TraceProperties); len(vs) > 0 {
					t.Errorf("%s/%s/%v:\n%s", f.Name, p.Name, d, properties.Report(vs, trace, 3, 3))
				}
				if f.Name != "stall" {
					continue
				}
				for i, rec := range trace {
					if rec.Kind != "msg" {
						continue
					}
					for _, c := range []struct {
						at   sim.Time
						want properties.Property
					}{
						{rec.At.Add(time.Second), properties.NoMissedDeadline},
						{rec.At.Add(-500 * time.Millisecond), properties.NoPrematureExpiry},
					} {
						moved := slices.Clone(trace)
						moved[i].At = c.at
						slices.SortStableFunc(moved, func(a, b sim.Record) int { return cmp.Compare(a.At, b.At) })
						if vs := properties.Check(moved, sub, properties.TraceProperties); !has(vs, c.want) {
							t.Errorf("%s/%v: DONE moved to %v: no %v in %v", p.Name, d, c.at, c.want, vs)
						}
					}
				}
			}
		}
	}
}
