package properties_test

import (
	"strings"
	"testing"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/properties"
	"github.com/expirylab/expiry/sim"
)

// TestStopSuite runs the stop suite on both profiles at its default
// budget.
func TestStopSuite(t *testing.T) {
	for _, p := range []model.Profile{model.Curl788(), model.Curl8()} {
		t.Run(p.Name, func(t *testing.T) {
			properties.TestStops(t, properties.Options{Profiles: []model.Profile{p}})
		})
	}
}

// stopBase is an easy-driver trace: t1 performs x1, the stopper t2 asks
// it to stop at 500 ms, the poll wakes 50 µs later and the transfer ends
// STOPPED.
const stopBase = `0 api t1 x1 call fn=add
0 api t1 x1 return fn=add code=OK
0 api t1 - call fn=perform
0 internal t1 x1 run
0 api t1 - return fn=perform code=OK running=1
0 internal t1 - wait timeout=1s slack=1ms sources=poll:easy-1
500000 api t2 x1 stop.request mechanism=easy-stop state=PERFORMING
500000 api t2 x1 call fn=easy_stop
500000 internal t2 x1 stop what=request state=running xfer=PERFORMING
500000 api t2 x1 return fn=easy_stop code=STOP_OK
500050 internal t1 - wake cause=signal source=poll:easy-1
500050 api t1 - call fn=perform
500050 internal t1 x1 run
500050 internal t1 x1 stop what=noticed check=top latched=false
500050 internal t1 x1 finish result=STOPPED
500050 callback t1 x1 msg result=STOPPED
500050 api t1 - return fn=perform code=OK running=0
500050 api t1 x1 return fn=info_read result=STOPPED remaining=0
500050 api t1 x1 call fn=remove
500050 api t1 x1 return fn=remove code=OK
`

// xferinfoBase: the stopper sets the flag at 500 ms; the progress
// callback of the next drive (the poll cap, 1 s, later) aborts.
const xferinfoBase = `0 api t1 x1 call fn=add
0 api t1 x1 return fn=add code=OK
0 api t1 - call fn=perform
0 internal t1 x1 run
0 internal t1 x1 xferinfo-cb dltotal=0 dlnow=0 n=1 rc=0
0 api t1 - return fn=perform code=OK running=1
0 internal t1 - wait timeout=1s slack=1ms sources=poll:easy-1
500000 api t2 x1 stop.request mechanism=xferinfo state=PERFORMING
1001000 internal t1 - wake cause=timeout
1001000 api t1 - call fn=perform
1001000 internal t1 x1 run
1001000 internal t1 x1 xferinfo-cb dltotal=0 dlnow=0 n=2 rc=1
1001000 internal t1 x1 finish result=ABORTED_BY_CALLBACK
1001000 callback t1 x1 msg result=ABORTED_BY_CALLBACK
1001000 api t1 - return fn=perform code=OK running=0
1001000 api t1 x1 return fn=info_read result=ABORTED_BY_CALLBACK remaining=0
`

type stopCase struct {
	name  string
	base  string
	edits [][2]string
	setup properties.StopSetup
	idle  bool
	want  properties.Property // 0: no violation
}

func (c stopCase) check(t *testing.T) ([]sim.Record, []properties.Violation) {
	t.Helper()
	text := c.base
	for _, e := range c.edits {
		if !strings.Contains(text, e[0]) {
			t.Fatalf("edit target %q not in the base", e[0])
		}
		text = strings.Replace(text, e[0], e[1], 1)
	}
	text = strings.ReplaceAll(text, "\n\n", "\n")
	trace, err := sim.ReadText(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	sub := properties.Subject{Spec: properties.SpecOf(model.Curl8()), PollCap: time.Second, WatchesWakeup: true,
		Transfers: []properties.Limits{{}}}
	if c.setup.Mechanism != "" {
		sub.Stops = []properties.StopSetup{c.setup}
	}
	if c.idle {
		sub.Until = sim.MaxTime
	}
	return trace, properties.Check(trace, sub, properties.SetOf(properties.StopLatency, properties.StopOutcome))
}

const (
	stoppedEnd = "500050 internal t1 x1 finish result=STOPPED\n500050 callback t1 x1 msg result=STOPPED"
	endTail    = "500050 api t1 - return fn=perform code=OK running=0\n500050 api t1 x1 return fn=info_read result=STOPPED remaining=0\n500050 api t1 x1 call fn=remove\n500050 api t1 x1 return fn=remove code=OK\n"
)

var stopCases = []stopCase{
	{name: "easy-stop woken at once", base: stopBase},
	{name: "easy-stop noticed 200 ms late", base: stopBase, want: properties.StopLatency,
		edits: [][2]string{{"500050 internal t1 - wake cause=signal", "700050 internal t1 - wake cause=signal"},
			{"500050 api t1 - call fn=perform\n500050 internal t1 x1 run\n500050 internal t1 x1 stop what=noticed check=top latched=false\n" + stoppedEnd + "\n" + endTail,
				"700050 api t1 - call fn=perform\n700050 internal t1 x1 run\n700050 internal t1 x1 stop what=noticed check=top latched=false\n" +
					"700050 internal t1 x1 finish result=STOPPED\n700050 callback t1 x1 msg result=STOPPED\n700050 api t1 x1 return fn=info_read result=STOPPED remaining=0\n"}}},
	{name: "allowance: the performing thread was busy in a callback", base: stopBase,
		edits: [][2]string{{"0 internal t1 - wait timeout=1s slack=1ms sources=poll:easy-1", "400000 internal t1 x1 write-cb n=1 rc=1 us=300000\n400000 internal t1 x1 busy us=300000\n400000 internal t1 - busy dur=300ms"},
			{"500050 internal t1 - wake cause=signal source=poll:easy-1\n500050 api t1 - call fn=perform\n500050 internal t1 x1 run\n500050 internal t1 x1 stop what=noticed check=top latched=false\n" + stoppedEnd + "\n" + endTail,
				"700000 internal t1 - wake cause=busy\n700050 api t1 - call fn=perform\n700050 internal t1 x1 run\n700050 internal t1 x1 stop what=noticed check=top latched=false\n" +
					"700050 internal t1 x1 finish result=STOPPED\n700050 callback t1 x1 msg result=STOPPED\n700050 api t1 x1 return fn=info_read result=STOPPED remaining=0\n"}}},
	{name: "allowance: the stopper waited for the share lock", base: stopBase,
		edits: [][2]string{{"500000 api t2 x1 call fn=easy_stop\n500000 internal t2 x1 stop what=request state=running xfer=PERFORMING\n500000 api t2 x1 return fn=easy_stop code=STOP_OK\n500050 internal t1 - wake cause=signal source=poll:easy-1\n500050 api t1 - call fn=perform\n500050 internal t1 x1 run\n500050 internal t1 x1 stop what=noticed check=top latched=false\n" + stoppedEnd + "\n" + endTail,
			"500000 internal t2 - lock.wait mutex=share-1 owner=t1\n900000 internal t2 - lock mutex=share-1 wait=400ms\n900000 api t2 x1 call fn=easy_stop\n900000 internal t2 x1 stop what=request state=running xfer=PERFORMING\n900000 api t2 x1 return fn=easy_stop code=STOP_OK\n" +
				"900050 internal t1 - wake cause=signal source=poll:easy-1\n900050 api t1 - call fn=perform\n900050 internal t1 x1 run\n900050 internal t1 x1 stop what=noticed check=top latched=false\n900050 internal t1 x1 finish result=STOPPED\n900050 callback t1 x1 msg result=STOPPED\n900050 api t1 x1 return fn=info_read result=STOPPED remaining=0\n"}}},
	{name: "accepted stop lost: the transfer ended OK", base: stopBase, want: properties.StopOutcome,
		edits: [][2]string{{"500050 internal t1 x1 stop what=noticed check=top latched=false\n", ""},
			{stoppedEnd, "500050 internal t1 x1 finish result=OK\n500050 callback t1 x1 msg result=OK"},
			{"info_read result=STOPPED", "info_read result=OK"}}},
	{name: "allowance: completion came first", base: stopBase,
		edits: [][2]string{{"500050 internal t1 x1 stop what=noticed check=top latched=false\n", "500050 internal t1 x1 stop what=dropped reason=completed result=OK\n"},
			{stoppedEnd, "500050 internal t1 x1 finish result=OK\n500050 callback t1 x1 msg result=OK"},
			{"info_read result=STOPPED", "info_read result=OK"}}},
	{name: "not-stoppable handle ends STOPPED", base: stopBase, want: properties.StopOutcome,
		setup: properties.StopSetup{Transfer: 1, Mechanism: "easy-stop", Handle: "not-stoppable"},
		edits: [][2]string{{"500000 internal t2 x1 stop what=request state=running xfer=PERFORMING\n500000 api t2 x1 return fn=easy_stop code=STOP_OK",
			"500000 api t2 x1 return fn=easy_stop code=STOP_NOT_STOPPABLE"}}},
	{name: "two outcomes for one perform", base: stopBase, want: properties.StopOutcome,
		edits: [][2]string{{"500050 callback t1 x1 msg result=STOPPED", "500050 callback t1 x1 msg result=STOPPED\n500050 callback t1 x1 msg result=STOPPED"}}},
	{name: "stop lost: the run went idle", base: stopBase, idle: true, want: properties.StopOutcome,
		edits: [][2]string{{"500050 internal t1 - wake cause=signal source=poll:easy-1\n500050 api t1 - call fn=perform\n500050 internal t1 x1 run\n500050 internal t1 x1 stop what=noticed check=top latched=false\n" + stoppedEnd + "\n" + endTail, ""}}},
	{name: "a stop reaches the next perform", base: stopBase, want: properties.StopOutcome,
		edits: [][2]string{{"500050 internal t1 - wake cause=signal source=poll:easy-1\n500050 api t1 - call fn=perform\n500050 internal t1 x1 run\n500050 internal t1 x1 stop what=noticed check=top latched=false\n" + stoppedEnd + "\n" + endTail,
			"500050 internal t1 - wake cause=signal source=poll:easy-1\n500050 internal t1 x1 finish result=OK\n500050 internal t1 x1 stop what=dropped reason=completed result=OK\n500050 callback t1 x1 msg result=OK\n500050 api t1 x1 return fn=info_read result=OK remaining=0\n500050 api t1 x1 call fn=remove\n" +
				"600000 api t1 x1 call fn=add\n600000 api t1 x1 return fn=add code=OK\n600000 internal t1 x1 run\n600000 internal t1 x1 finish result=STOPPED\n600000 callback t1 x1 msg result=STOPPED\n"}}},
	{name: "allowance: a latched stop before the first perform", base: stopBase,
		setup: properties.StopSetup{Transfer: 1, Mechanism: "easy-stop", Variant: model.StopVariant{Idle: model.IdleLatch}},
		edits: [][2]string{{"0 api t1 x1 call fn=add", "0 api t2 x1 stop.request mechanism=easy-stop state=-\n10 api t1 x1 call fn=add"},
			{"0 api t1 x1 return fn=add code=OK\n0 api t1 - call fn=perform\n0 internal t1 x1 run\n0 api t1 - return fn=perform code=OK running=1\n0 internal t1 - wait timeout=1s slack=1ms sources=poll:easy-1\n" +
				"500000 api t2 x1 stop.request mechanism=easy-stop state=PERFORMING\n500000 api t2 x1 call fn=easy_stop\n500000 internal t2 x1 stop what=request state=running xfer=PERFORMING\n500000 api t2 x1 return fn=easy_stop code=STOP_OK\n500050 internal t1 - wake cause=signal source=poll:easy-1\n500050 api t1 - call fn=perform\n500050 internal t1 x1 run\n500050 internal t1 x1 stop what=noticed check=top latched=false",
				"10 api t1 x1 return fn=add code=OK\n10 internal t1 x1 run\n10 internal t1 x1 stop what=noticed check=top latched=true"}}},
	{name: "xferinfo at the next drive", base: xferinfoBase},
	{name: "xferinfo ignored at a callback", base: xferinfoBase, want: properties.StopLatency,
		edits: [][2]string{{"1001000 internal t1 x1 xferinfo-cb dltotal=0 dlnow=0 n=2 rc=1", "600000 internal t1 x1 xferinfo-cb dltotal=0 dlnow=0 n=2 rc=0\n1001000 internal t1 x1 xferinfo-cb dltotal=0 dlnow=0 n=3 rc=1"}}},
	{name: "xferinfo past the poll cap", base: xferinfoBase, want: properties.StopLatency,
		edits: [][2]string{{"1001000", "1600000"}, {"1001000", "1600000"}, {"1001000", "1600000"}, {"1001000", "1600000"}, {"1001000", "1600000"},
			{"1001000", "1600000"}, {"1001000", "1600000"}, {"1001000", "1600000"}}},
	{name: "ABORTED_BY_CALLBACK without an xferinfo stop", base: xferinfoBase, want: properties.StopOutcome,
		edits: [][2]string{{"500000 api t2 x1 stop.request mechanism=xferinfo state=PERFORMING", "500000 api t2 x1 stop.request mechanism=timeout state=PERFORMING"}}},
}

// TestStopCrafted: P8 and P9 fail on traces crafted to break them, and
// hold where the allowances apply.
func TestStopCrafted(t *testing.T) {
	for _, c := range stopCases {
		t.Run(c.name, func(t *testing.T) {
			trace, vs := c.check(t)
			var got properties.Set
			for _, v := range vs {
				got |= properties.SetOf(v.Property)
				if len(v.Lines) == 0 {
					t.Errorf("%v names no trace line", v)
				}
			}
			if c.want == 0 && got != 0 || c.want != 0 && !got.Has(c.want) {
				t.Fatalf("want %v, got %v:\n%s", properties.SetOf(c.want), got, properties.Report(vs, trace, 2, 0))
			}
		})
	}
}
