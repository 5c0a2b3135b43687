package sim

import (
	"testing"
	"time"
)

// TestHostSlack: SPEC §7's slack rule on the default host.
func TestHostSlack(t *testing.T) {
	h := DefaultHost()
	tests := []struct {
		timeout time.Duration
		niced   bool
		want    time.Duration
	}{
		{1000 * time.Millisecond, false, time.Millisecond},
		{200 * time.Millisecond, false, 200 * time.Microsecond},
		{10 * time.Millisecond, false, 50 * time.Microsecond}, // floor: the thread's timer slack
		{300 * time.Second, false, 100 * time.Millisecond},    // cap
		{1000 * time.Millisecond, true, 5 * time.Millisecond},
		{30 * time.Second, true, 100 * time.Millisecond},
		{0, false, 0},
		{Forever, false, 0},
	}
	for _, tc := range tests {
		if got := h.Slack(tc.timeout, tc.niced); got != tc.want {
			t.Errorf("Slack(%v, niced=%v) = %v, want %v", tc.timeout, tc.niced, got, tc.want)
		}
	}
}

// TestTimedWaitVectors: the unit vectors, through a thread's
// timed wait on the kernel.
func TestTimedWaitVectors(t *testing.T) {
	tests := []struct {
		timeout time.Duration
		niced   bool
		fire    SlackFire
		want    time.Duration
	}{
		{1000 * time.Millisecond, false, FireEnd, 1001 * time.Millisecond},
		{200 * time.Millisecond, false, FireEnd, 200200 * time.Microsecond},
		{10 * time.Millisecond, false, FireEnd, 10050 * time.Microsecond},
		{300 * time.Second, false, FireEnd, 300100 * time.Millisecond},
		{1000 * time.Millisecond, true, FireEnd, 1005 * time.Millisecond},
		{1000 * time.Millisecond, false, FireStart, 1000 * time.Millisecond},
	}
	for _, tc := range tests {
		host := DefaultHost()
		host.Fire = tc.fire
		if got := timedWaitEnd(t, host, tc.timeout, tc.niced, 1); got != tc.want {
			t.Errorf("wait %v (niced %v, fire %v) ended at %v, want %v", tc.timeout, tc.niced, tc.fire, got, tc.want)
		}
	}
}

// timedWaitEnd returns when a lone thread's Wait(timeout) times out.
func timedWaitEnd(t *testing.T, host Host, timeout time.Duration, niced bool, seed uint64) time.Duration {
	t.Helper()
	k := mustKernel(t, Config{Host: &host, Seed: seed})
	var end Time
	k.Spawn("poller", func(th *Thread) {
		th.SetNiced(niced)
		th.Wait(timeout, func(w *WakeSource) {
			if w != nil {
				t.Errorf("woken by %v", w.Name())
			}
			end = k.Now()
		})
	})
	k.Run()
	return time.Duration(end)
}

// TestFireUniform: uniform placement stays in the window, varies with the
// seed and repeats with it.
func TestFireUniform(t *testing.T) {
	host := DefaultHost()
	host.Fire = FireUniform
	seen := map[time.Duration]bool{}
	for seed := range uint64(20) {
		end := timedWaitEnd(t, host, time.Second, false, seed)
		if end < time.Second || end > 1001*time.Millisecond {
			t.Fatalf("seed %d: ended at %v, outside [1s, 1.001s]", seed, end)
		}
		if again := timedWaitEnd(t, host, time.Second, false, seed); again != end {
			t.Fatalf("seed %d: %v then %v", seed, end, again)
		}
		seen[end] = true
	}
	if len(seen) < 10 {
		t.Errorf("only %d distinct expiries over 20 seeds", len(seen))
	}
}

func TestSlackFireNames(t *testing.T) {
	for _, f := range []SlackFire{FireEnd, FireUniform, FireStart} {
		if back, err := ParseSlackFire(f.String()); err != nil || back != f {
			t.Errorf("%v: %v, %v", f, back, err)
		}
	}
	if _, err := ParseSlackFire("middle"); err == nil {
		t.Error("ParseSlackFire(middle) succeeded")
	}
}

func TestHostValidate(t *testing.T) {
	mutate := []func(*Host){
		func(h *Host) { h.SlackDiv = -1 },
		func(h *Host) { h.SlackMin = -1 },
		func(h *Host) { h.Fire = 9 },
		func(h *Host) { h.WakeLatency = Const{-1} },
		func(h *Host) { h.StepCPU = Uniform{2, 1} },
		func(h *Host) { h.CPU = map[string]Dist{"a": Const{1}, "b": nil} },
		func(h *Host) { h.CPU = map[string]Dist{"a": Exp{-1}} },
	}
	for i, m := range mutate {
		h := DefaultHost()
		m(&h)
		if err := h.Validate(); err == nil {
			t.Errorf("mutation %d: Validate() = nil", i)
		}
	}
	h := DefaultHost()
	if err := h.Validate(); err != nil {
		t.Errorf("default host: %v", err)
	}
}

// TestTimerLatency: a host's timer latency comes after the slack of every
// timed wait; without it nothing moves.
func TestTimerLatency(t *testing.T) {
	host := DefaultHost()
	host.TimerLatency = Const{D: 300 * time.Microsecond}
	if got, want := timedWaitEnd(t, host, 200*time.Millisecond, false, 1), 200500*time.Microsecond; got != want {
		t.Errorf("wait 200ms with 300µs timer latency ended at %v, want %v", got, want)
	}
	if got, want := timedWaitEnd(t, DefaultHost(), 200*time.Millisecond, false, 1), 200200*time.Microsecond; got != want {
		t.Errorf("default host: wait 200ms ended at %v, want %v", got, want)
	}
	bad := DefaultHost()
	bad.TimerLatency = Const{D: -time.Millisecond}
	if bad.Validate() == nil {
		t.Error("a negative timer latency validates")
	}
}
