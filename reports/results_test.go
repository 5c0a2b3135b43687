package reports

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
)

func ptr(n int64) *int64 { return &n }

func TestFromResult(t *testing.T) {
	r := scenario.Result{
		Scenario: "mixed", Seed: 7, Profile: "curl-7.88", Driver: scenario.DriverMultiPoll,
		Outcome: sim.Outcome{Reason: sim.StopLivelock, Now: us(2000), Events: 9,
			Violation: &sim.Violation{At: us(1500), Thread: 1, Wakes: 100, Detail: "woken with nothing due"}},
		Hash: 0xab,
		Transfers: []scenario.Outcome{
			{ID: 1, Options: model.Options{Host: "h", TimeoutMs: 1}, Result: model.OperationTimedout,
				Done: true, Start: us(100), End: us(1050), State: model.XferMsgSent},
			{ID: 2, Result: model.OK, Done: false, Start: us(200)}, // scripted, never done
		},
		Stops: []scenario.StopRecord{
			{Transfer: 1, Mechanism: scenario.MechWakeup, State: "PERFORMING", Requested: us(500),
				Returned: us(700), HasReturned: true, Removed: true, IdleWakeups: 2.5},
			{Transfer: 1, Mechanism: scenario.MechEasyStop, Variant: "idle=latch", Code: "STOP_OK", State: "-",
				Requested: us(50), AfterEnd: true, Result: model.OK},
		},
		Counters: scenario.Counters{TimerSet: 1, TimerZero: 2, TimerDelete: 3, TimerRedundant: 4, EmptyFires: 5, PollWakeups: 6},
	}
	want := Run{
		Scenario: "renamed", Profile: "curl-7.88", Driver: "multi-poll", Seed: 7, Hash: "00000000000000ab",
		Outcome: Outcome{Reason: "livelock", EndUs: 2000, Events: 9,
			Violation: "livelock at 1.5ms (t1, 100 wakes): woken with nothing due"},
		Transfers: []Transfer{
			{ID: 1, Result: "OPERATION_TIMEDOUT", Done: true, State: "MSGSENT", StartUs: 100, ElapsedUs: 950,
				Limit: "TIMEOUT_MS", LimitUs: 1000, OvershootUs: ptr(-50)},
			{ID: 2, Result: "OK", StartUs: 200},
		},
		Stops: []Stop{
			{Transfer: 1, Mechanism: "wakeup", State: "PERFORMING", RequestedUs: 500, LatencyUs: ptr(200),
				Result: "OK", Removed: true, IdleWakeups: 2.5},
			{Transfer: 1, Mechanism: "easy-stop", Variant: "latch", Code: "STOP_OK", State: "-", RequestedUs: 50,
				Result: "OK", AfterEnd: true},
		},
		Counters: Counters{TimerSet: 1, TimerZero: 2, TimerDelete: 3, TimerRedundant: 4, EmptyFires: 5, PollWakeups: 6},
		Verdicts: []Verdict{{Property: "P6 no-busy-loop", AtUs: 1500, Detail: "told 0 twice"}},
	}
	got := FromResult("renamed", r, []Verdict{{Property: "P6 no-busy-loop", AtUs: 1500, Detail: "told 0 twice"}})
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("FromResult (-want +got):\n%s", d)
	}
	if got.Counters.TimerCalls() != 6 {
		t.Errorf("TimerCalls = %d, want 6", got.Counters.TimerCalls())
	}
	if n := FromResult("", r, nil).Scenario; n != "mixed" {
		t.Errorf("FromResult with no name: scenario %q, want the result's", n)
	}
}

func TestLimitOf(t *testing.T) {
	tests := []struct {
		name      string
		o         model.Options
		elapsedUs int64
		want      string
		wantUs    int64
	}{
		{"total only", model.Options{TimeoutMs: 1500}, 1500600, "TIMEOUT_MS", 1500000},
		{"connect only", model.Options{ConnectTimeoutMs: 700}, 700800, "CONNECTTIMEOUT_MS", 700000},
		{"connect phase", model.Options{TimeoutMs: 5000, ConnectTimeoutMs: 700}, 700800, "CONNECTTIMEOUT_MS", 700000},
		{"after connecting", model.Options{TimeoutMs: 5000, ConnectTimeoutMs: 700}, 5000100, "TIMEOUT_MS", 5000000},
		{"connect longer than total", model.Options{TimeoutMs: 500, ConnectTimeoutMs: 700}, 500100, "TIMEOUT_MS", 500000},
		{"early end", model.Options{TimeoutMs: 1500}, 1499400, "TIMEOUT_MS", 1500000},
		{"low speed: no limit", model.Options{LowSpeedLimit: 10, LowSpeedTime: 2}, 2400000, "", 0},
	}
	for _, tt := range tests {
		name, us := limitOf(tt.o, tt.elapsedUs)
		if name != tt.want || us != tt.wantUs {
			t.Errorf("%s: limitOf = %q %d, want %q %d", tt.name, name, us, tt.want, tt.wantUs)
		}
	}
}

// A real run: the stall family's overshoot and a stop situation's
// latencies come out as the scenario package measured them.
func TestFromResultRealRuns(t *testing.T) {
	fam, _ := scenario.FamilyByName("stall")
	res, err := scenario.Run(fam.Build(model.Curl8(), scenario.DriverSocketExact, 0))
	if err != nil {
		t.Fatal(err)
	}
	run := FromResult("", res, nil)
	tr := run.Transfers[0]
	if tr.OvershootUs == nil || *tr.OvershootUs != res.Transfers[0].Elapsed()-1500000 || tr.Limit != "TIMEOUT_MS" {
		t.Errorf("stall: transfer %+v, want an overshoot of elapsed %d − 1500000 µs", tr, res.Transfers[0].Elapsed())
	}
	sit, _ := scenario.SituationByName("stalled")
	res, err = scenario.Run(sit.Build(model.Curl8(), scenario.MechXferinfo))
	if err != nil {
		t.Fatal(err)
	}
	st := FromResult("", res, nil).Stops[0]
	rec := res.Stops[0]
	if st.LatencyUs == nil || *st.LatencyUs != rec.Latency().Microseconds() ||
		st.NoticeUs == nil || *st.NoticeUs != rec.NoticeLatency().Microseconds() {
		t.Errorf("stalled/xferinfo: stop %+v, want latency %v and notice %v", st, rec.Latency(), rec.NoticeLatency())
	}
}

func TestParamsOf(t *testing.T) {
	s := scenario.Scenario{PollCap: 100 * time.Millisecond, EpochPhase: 999700 * time.Microsecond, Races: true}
	want := map[string]string{ParamPollCap: "100ms", ParamPhase: "999700us", ParamRaces: "true"}
	if d := cmp.Diff(want, ParamsOf(s)); d != "" {
		t.Errorf("ParamsOf (-want +got):\n%s", d)
	}
	if p := ParamsOf(scenario.Scenario{}); p != nil {
		t.Errorf("ParamsOf(defaults) = %v, want nil", p)
	}
	run := Run{Params: ParamsOf(s)}
	if d, ok := run.pollCap(); !ok || d != 100*time.Millisecond {
		t.Errorf("pollCap = %v %v, want 100ms", d, ok)
	}
}

func TestStopLabel(t *testing.T) {
	for _, tt := range []struct{ mech, variant, want string }{
		{"easy-stop", "proposal", "easy-stop"},
		{"easy-stop", "", "easy-stop"},
		{"easy-stop", "latch", "easy-stop:latch"},
		{"xferinfo", "", "xferinfo"},
	} {
		if got := (Stop{Mechanism: tt.mech, Variant: tt.variant}).Label(); got != tt.want {
			t.Errorf("Label(%s, %q) = %q, want %q", tt.mech, tt.variant, got, tt.want)
		}
	}
}
