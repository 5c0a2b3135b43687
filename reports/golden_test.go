package reports

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenResults is a small fixed Results built from hand-written scenario
// results, so that the goldens pin this package's output and not the
// simulator's behaviour: a timeout family with an overshoot and one
// violation, and two stop mechanisms with their latencies, one under a
// poll cap; plus a three-lane timeline.
func goldenResults(t testing.TB) Results {
	var runs []Run
	for seed := uint64(1); seed <= 3; seed++ {
		var vs []Verdict
		if seed == 2 {
			vs = []Verdict{{Property: "P5 no-missed-deadline", AtUs: 1500000, Transfer: 1,
				Detail: "deadline 1500000us passed with no timer armed",
				Lines:  []string{"1500000 internal t1 x1 expire id=TIMEOUT ms=0 at=1500000"}}}
		}
		run := FromResult("", stallResult(seed), vs)
		run.Params = map[string]string{ParamPhase: "999700us"}
		runs = append(runs, run)
	}
	for seed := uint64(1); seed <= 2; seed++ {
		for _, m := range []scenario.Mechanism{scenario.MechEasyStop, scenario.MechXferinfo} {
			run := FromResult("", stopResult(m, seed), nil)
			if m == scenario.MechXferinfo {
				run.Params = map[string]string{ParamPollCap: "100ms"}
			}
			runs = append(runs, run)
		}
	}
	r := New(runs)
	tl := TimelineOf(runs[0], goldenTrace(t))
	r.Timeline = &tl
	return r
}

// goldenBaseline is goldenResults as an older build saw them: no
// violation at seed 2, xferinfo answering in half the time, and one
// more scenario (whose name needs escaping everywhere).
func goldenBaseline(t testing.TB) Results {
	runs := slices.Clone(goldenResults(t).Runs)
	for i, r := range runs {
		runs[i].Verdicts = nil
		if len(r.Stops) > 0 && r.Stops[0].Mechanism == "xferinfo" {
			half := *r.Stops[0].LatencyUs / 2
			runs[i].Stops = []Stop{r.Stops[0]}
			runs[i].Stops[0].LatencyUs = &half
		}
	}
	gone := runs[0]
	gone.Scenario = "gone|<b>*old*</b>"
	return New(append(runs, gone))
}

func us(n int64) sim.Time { return sim.Time(n * 1000) }

// stallResult is "stall" under curl-8 and socket-exact: one transfer
// with TIMEOUT_MS 1500 that ends 100 µs × seed late.
func stallResult(seed uint64) scenario.Result {
	return scenario.Result{
		Scenario: "stall", Seed: seed, Profile: "curl-8", Driver: scenario.DriverSocketExact,
		Outcome: sim.Outcome{Reason: sim.StopIdle, Now: us(1502000), Events: 40 + seed},
		Hash:    0x0123456789abcdef + seed,
		Transfers: []scenario.Outcome{{
			ID: 1, Options: model.Options{Host: "example.com", TimeoutMs: 1500}, Result: model.OperationTimedout,
			Done: true, Start: 0, End: us(1500000 + 100*int64(seed)), State: model.XferMsgSent,
		}},
		Counters: scenario.Counters{TimerSet: 3, TimerDelete: 1, EmptyFires: int(seed - 1), PollWakeups: 3},
	}
}

// stopResult is the "connecting" situation stopped by m under curl-8:
// easy-stop answers in 50 µs, xferinfo at the next progress call.
func stopResult(m scenario.Mechanism, seed uint64) scenario.Result {
	req := us(101050)
	rec := scenario.StopRecord{Transfer: 1, Mechanism: m, State: "CONNECTING", Requested: req,
		HasNoticed: true, HasReturned: true, IdleWakeups: 9.9}
	res := model.Stopped
	switch m {
	case scenario.MechEasyStop:
		rec.Code = "STOP_OK"
		rec.Noticed, rec.Returned = req.Add(50*time.Microsecond), req.Add(50*time.Microsecond)
	case scenario.MechXferinfo:
		res = model.AbortedByCallback
		d := time.Duration(seed) * 90 * time.Millisecond
		rec.Noticed, rec.Returned = req.Add(d), req.Add(d+time.Millisecond)
	}
	rec.Result = res
	return scenario.Result{
		Scenario: "connecting/" + m.String(), Seed: seed, Profile: "curl-8", Driver: scenario.DriverEasy,
		Outcome: sim.Outcome{Reason: sim.StopIdle, Now: rec.Returned, Events: 30},
		Hash:    0xfedcba9876543210 - seed,
		Transfers: []scenario.Outcome{{
			ID: 1, Options: model.Options{Host: "example.com", TimeoutMs: 3000}, Result: res,
			Done: true, Start: 0, End: rec.Returned, State: model.XferMsgSent, Xferinfo: 12,
		}},
		Stops:    []scenario.StopRecord{rec},
		Counters: scenario.Counters{PollWakeups: 2},
	}
}

// goldenTrace is a hand-written trace of three transfers: timers armed,
// replaced, cleared and popped, state changes, a stop and results.
func goldenTrace(t testing.TB) []sim.Record {
	return parseTrace(t, `
0 internal t1 x1 state from=INIT to=CONNECT
0 internal t1 x1 expire id=TIMEOUT ms=1300 at=1300000
0 internal t2 x2 state from=INIT to=CONNECT
0 internal t2 x2 expire id=TIMEOUT ms=500 at=500000
1050 internal t1 x1 state from=CONNECT to=CONNECTING
1050 internal t1 x1 expire id=HAPPY_EYEBALLS ms=200 at=201050
3100 internal t1 x1 state from=CONNECTING to=PERFORMING
3100 internal t1 x1 clear id=HAPPY_EYEBALLS had=true
100000 internal t3 x3 state from=INIT to=CONNECT
100000 internal t3 x3 expire id=TIMEOUT ms=900 at=1000000
200000 api t9 x2 stop.request mechanism=easy-stop state=CONNECT
200050 internal t2 x2 finish result=STOPPED
200050 internal t2 x2 state from=CONNECT to=COMPLETED
200050 internal t2 x2 clearall
200050 internal t2 x2 state from=COMPLETED to=MSGSENT
1000000 internal t3 x3 pop key=1000000 dropped=1
1000100 internal t3 x3 finish result=OPERATION_TIMEDOUT
1300000 internal t1 x1 expire id=TIMEOUT ms=100 at=1400000
1400000 internal t1 x1 pop key=1400000 dropped=1
1400500 internal t1 x1 finish result=OPERATION_TIMEDOUT
1400500 internal t1 x1 state from=PERFORMING to=MSGSENT
`)
}

func parseTrace(t testing.TB, text string) []sim.Record {
	t.Helper()
	var recs []sim.Record
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		rec, err := sim.ParseRecord(line)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		recs = append(recs, rec)
	}
	return recs
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./reports -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; if the change is intended, run go test ./reports -run %s -update\n%s",
			path, t.Name(), lineDiff(string(want), string(got)))
	}
}

// lineDiff shows the first lines where want and got part.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 10; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("line " + strconv.Itoa(i+1) + ":\n- " + wl + "\n+ " + gl + "\n")
			shown++
		}
	}
	return b.String()
}

func TestResultsGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, goldenResults(t)); err != nil {
		t.Fatal(err)
	}
	golden(t, "results.golden.json", buf.Bytes())
}

func TestMarkdownGolden(t *testing.T) {
	res := goldenResults(t)
	d := Compare(goldenBaseline(t), res, DefaultTolerances())
	var buf bytes.Buffer
	if err := (Report{Title: "expiry *golden* report", Results: res, Diff: &d}).WriteMarkdown(&buf); err != nil {
		t.Fatal(err)
	}
	golden(t, "summary.golden.md", buf.Bytes())
}
