package sim

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func mustKernel(t testing.TB, cfg Config) *Kernel {
	t.Helper()
	k, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestEventOrder: events run by time, ties in scheduling order, on both
// backends; an event scheduled at now by a running event runs after the
// ties already queued.
func TestEventOrder(t *testing.T) {
	for _, kind := range queueKinds {
		t.Run(kind.String(), func(t *testing.T) {
			k := mustKernel(t, Config{Queue: kind})
			var got []string
			at := func(ms int, name string) {
				if _, err := k.At(Time(ms)*Time(time.Millisecond), NoThread, func() {
					got = append(got, name)
					if name == "b" {
						k.After(0, NoThread, func() { got = append(got, "b-child") })
					}
				}); err != nil {
					t.Fatal(err)
				}
			}
			at(5, "a")
			at(1, "b")
			at(5, "c")
			at(1, "d")
			at(3, "e")
			at(5, "f")
			k.Run()
			want := []string{"b", "d", "b-child", "e", "a", "c", "f"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("order (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScheduleErrors(t *testing.T) {
	k := mustKernel(t, Config{})
	k.RunUntil(10)
	e := NewEvent(NoThread, func() {})
	other := mustKernel(t, Config{})
	if err := other.ScheduleAt(e, 100); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"past", k.ScheduleAt(NewEvent(NoThread, func() {}), 9)},
		{"negative delay", k.ScheduleAfter(NewEvent(NoThread, func() {}), -1)},
		{"nil event", k.ScheduleAt(nil, 20)},
		{"event without function", k.ScheduleAt(&Event{}, 20)},
		{"pending elsewhere", k.ScheduleAt(e, 20)},
	} {
		if tc.err == nil || !strings.HasPrefix(tc.err.Error(), "sim: ") {
			t.Errorf("%s: err = %v, want a sim: error", tc.name, tc.err)
		}
	}
	if k.Cancel(e) {
		t.Error("Cancel of another kernel's event reported true")
	}
}

func TestCancelAndReschedule(t *testing.T) {
	for _, kind := range queueKinds {
		k := mustKernel(t, Config{Queue: kind})
		var got []string
		a, _ := k.At(10, NoThread, func() { got = append(got, "a") })
		b, _ := k.At(10, NoThread, func() { got = append(got, "b") })
		c, _ := k.At(20, NoThread, func() { got = append(got, "c") })
		if !k.Cancel(b) || k.Cancel(b) {
			t.Fatal("Cancel: want true then false")
		}
		if err := k.ScheduleAt(a, 30); err != nil { // moves a behind c
			t.Fatal(err)
		}
		if !a.Pending() || a.When() != 30 || b.Pending() {
			t.Fatalf("a pending %v at %v, b pending %v", a.Pending(), a.When(), b.Pending())
		}
		k.Run()
		if diff := cmp.Diff([]string{"c", "a"}, got); diff != "" {
			t.Errorf("%v: (-want +got):\n%s", kind, diff)
		}
		if c.Pending() || k.Cancel(c) {
			t.Error("a fired event is still pending")
		}
	}
}

// TestRunControl covers every way a run ends.
func TestRunControl(t *testing.T) {
	ms := func(n int) Time { return Time(n) * Time(time.Millisecond) }
	// ticker reschedules itself every ms forever.
	ticker := func(k *Kernel) {
		var e *Event
		e = NewEvent(NoThread, func() { k.ScheduleAfter(e, time.Millisecond) })
		k.ScheduleAt(e, 0)
	}
	tests := []struct {
		name        string
		cfg         Config
		setup       func(k *Kernel)
		until       Time // RunUntil when non-zero
		wantReason  StopReason
		wantNow     Time
		wantEvents  uint64
		wantPending int
	}{
		{"idle", Config{}, func(k *Kernel) { k.At(ms(5), NoThread, func() {}) }, 0, StopIdle, ms(5), 1, 0},
		{"time limit inclusive", Config{TimeLimit: 10 * time.Millisecond}, ticker, 0, StopTimeLimit, ms(10), 11, 1},
		{"event budget", Config{EventBudget: 7}, ticker, 0, StopEventBudget, ms(6), 7, 1},
		{"horizon", Config{}, ticker, ms(3) + 1, StopHorizon, ms(3) + 1, 4, 1},
		{"horizon advances an empty clock", Config{}, func(*Kernel) {}, ms(42), StopHorizon, ms(42), 0, 0},
		{"horizon past the time limit", Config{TimeLimit: time.Millisecond}, func(*Kernel) {}, ms(5), StopTimeLimit, ms(1), 0, 0},
		{"stop", Config{}, func(k *Kernel) {
			ticker(k)
			k.At(ms(2), NoThread, k.Stop)
		}, 0, StopRequested, ms(2), 3, 1}, // the stop was scheduled before the 2 ms tick
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := mustKernel(t, tc.cfg)
			tc.setup(k)
			var out Outcome
			if tc.until != 0 {
				out = k.RunUntil(tc.until)
			} else {
				out = k.Run()
			}
			want := Outcome{Reason: tc.wantReason, Now: tc.wantNow, Events: tc.wantEvents, Pending: tc.wantPending}
			if diff := cmp.Diff(want, out); diff != "" {
				t.Errorf("outcome (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRunResumesAfterStop(t *testing.T) {
	k := mustKernel(t, Config{})
	n := 0
	for i := range 3 {
		k.At(Time(i), NoThread, func() { n++; k.Stop() })
	}
	for i := 1; i <= 3; i++ {
		if out := k.Run(); out.Reason != StopRequested || n != i {
			t.Fatalf("run %d: %v after %d events", i, out.Reason, n)
		}
	}
	if out := k.Run(); out.Reason != StopIdle {
		t.Fatalf("last run: %v", out.Reason)
	}
}

func TestLivelockInstant(t *testing.T) {
	rec := NewRecorder(AllLevels, true)
	k := mustKernel(t, Config{InstantEvents: 100, Trace: rec})
	var e *Event
	e = NewEvent(NoThread, func() { k.ScheduleAfter(e, 0) })
	k.ScheduleAt(e, 7)
	out := k.Run()
	if out.Reason != StopLivelock || out.Violation == nil || out.Violation.Thread != NoThread || out.Now != 7 {
		t.Fatalf("outcome %+v, violation %v", out, out.Violation)
	}
	if out.Events != 100 {
		t.Errorf("events = %d, want 100", out.Events)
	}
	if again := k.Run(); again.Reason != StopLivelock {
		t.Errorf("a run after a violation continued: %v", again.Reason)
	}
	last := rec.Records()[rec.Len()-1]
	if last.Kind != KindViolation {
		t.Errorf("last record %v, want a violation", last)
	}
}

// TestLivelockThread: a thread polling with a zero timeout forever is a
// livelock; the same loop that reports progress is not, and neither is
// one that lets time pass.
func TestLivelockThread(t *testing.T) {
	spin := func(t *Thread, n *int, progress bool, pause time.Duration) {
		var loop func(*WakeSource)
		loop = func(*WakeSource) {
			if *n++; *n == 5000 {
				return
			}
			if progress {
				t.Progress()
			}
			if pause > 0 {
				t.Sleep(pause, func() { loop(nil) })
				return
			}
			t.Wait(0, loop)
		}
		loop(nil)
	}
	tests := []struct {
		name     string
		cfg      Config
		progress bool
		pause    time.Duration
		want     StopReason
	}{
		{"spin", Config{}, false, 0, StopLivelock},
		{"spin with progress", Config{}, true, 0, StopIdle},
		{"time passes", Config{}, false, time.Microsecond, StopIdle},
		{"time passes within the window", Config{LivelockWindow: time.Second}, false, time.Microsecond, StopLivelock},
		{"detector off", Config{LivelockWakes: -1}, false, 0, StopIdle},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := mustKernel(t, tc.cfg)
			n := 0
			th := k.Spawn("spinner", func(th *Thread) { spin(th, &n, tc.progress, tc.pause) })
			out := k.Run()
			if out.Reason != tc.want {
				t.Fatalf("reason %v after %d steps, want %v (%v)", out.Reason, n, tc.want, out.Violation)
			}
			if tc.want == StopLivelock && (out.Violation.Thread != th.ID() || n != DefaultLivelockWakes) {
				t.Errorf("violation %v after %d steps", out.Violation, n)
			}
		})
	}
}

func TestEpochAndClock(t *testing.T) {
	k := mustKernel(t, Config{EpochPhase: 995926 * time.Microsecond})
	k.RunUntil(Time(12419 * time.Microsecond))
	got := k.Clock().Now()
	if got.Unix() != DefaultEpochSecond+1 || got.Nanosecond() != 8345000 {
		t.Errorf("clock reads %v (%d s %d ns)", got, got.Unix(), got.Nanosecond())
	}
	if got.Sub(k.Epoch()) != 12419*time.Microsecond {
		t.Errorf("clock - epoch = %v", got.Sub(k.Epoch()))
	}
	for _, phase := range []time.Duration{-1, time.Second} {
		if _, err := New(Config{EpochPhase: phase}); err == nil {
			t.Errorf("phase %v accepted", phase)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	bad := DefaultHost()
	bad.WakeLatency = Uniform{2, 1}
	for name, cfg := range map[string]Config{
		"queue":      {Queue: 7},
		"time limit": {TimeLimit: -1},
		"host":       {Host: &bad},
	} {
		if _, err := New(cfg); err == nil || !strings.HasPrefix(err.Error(), "sim: ") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestTimeArithmetic(t *testing.T) {
	if got := MaxTime.Add(1); got != MaxTime {
		t.Errorf("MaxTime+1 = %d", got)
	}
	if got := Time(5).Add(-10); got != 0 {
		t.Errorf("5-10 = %d", got)
	}
	if got := Time(1_500_999).Micros(); got != 1500 {
		t.Errorf("Micros = %d", got)
	}
	if got := Time(1_001_000_000).String(); got != "1.001s" {
		t.Errorf("String = %q", got)
	}
}

// TestSteadyStateAllocs: scheduling and running reused events, and threads
// sleeping, waiting and locking in a loop, allocate nothing once warm.
func TestSteadyStateAllocs(t *testing.T) {
	for _, kind := range queueKinds {
		k := mustKernel(t, Config{Queue: kind, EventBudget: 1 << 62})
		hold := newHoldWorkload(k, 1000, Exp{time.Millisecond})
		hold.run(100_000) // until every bucket and slice has reached its working size
		if n := testing.AllocsPerRun(10, func() { hold.run(1000) }); n != 0 {
			t.Errorf("%v: hold model allocates %.1f per 1000 events", kind, n)
		}
		k = mustKernel(t, Config{Queue: kind, EventBudget: 1 << 62})
		spawnCyclers(k, 4)
		k.RunUntil(k.Now().Add(time.Second))
		if n := testing.AllocsPerRun(10, func() { k.RunUntil(k.Now().Add(time.Second)) }); n != 0 {
			t.Errorf("%v: thread cycle allocates %.1f per simulated second", kind, n)
		}
	}
}

// spawnCyclers starts threads that forever lock a shared mutex, sleep,
// unlock, signal a source and wait on it with a timeout.
func spawnCyclers(k *Kernel, n int) {
	mu := k.NewMutex("mu")
	src := k.NewWakeSource("src")
	for i := range n {
		k.Spawn("cycler", func(t *Thread) {
			var lock, sleep, unlock func()
			var wait func(*WakeSource)
			lock = func() { t.Lock(mu, sleep) }
			sleep = func() { t.Sleep(time.Duration(i+1)*time.Millisecond, unlock) }
			unlock = func() {
				t.Unlock(mu)
				src.Signal()
				t.Progress()
				t.Wait(3*time.Millisecond, wait, src)
			}
			wait = func(*WakeSource) { lock() }
			lock()
		})
	}
}

// TestEmitAllocs: emitting with tracing off, or into a hash-only recorder,
// allocates nothing, even without a Tracing guard at the call site.
func TestEmitAllocs(t *testing.T) {
	for _, rec := range []*Recorder{nil, NewRecorder(AllLevels, false), NewRecorder(LevelsOf(LevelNet), true)} {
		k := mustKernel(t, Config{Trace: rec})
		emit := func() { k.Emit(LevelAPI, 1, 2, "poll", F("rc", "0"), F("n", "1")) }
		if n := testing.AllocsPerRun(100, emit); n != 0 {
			t.Errorf("recorder %+v: Emit allocates %.1f", rec, n)
		}
	}
}
