package sim

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// quietHost has no slack, latency or CPU cost, so times in tests are
// exactly the ones the test sets up.
func quietHost() *Host {
	return &Host{}
}

func TestSleepSlack(t *testing.T) {
	k := mustKernel(t, Config{})
	var woke []Time
	k.Spawn("sleeper", func(th *Thread) {
		th.Sleep(10*time.Millisecond, func() {
			woke = append(woke, k.Now())
			th.Sleep(0, func() { woke = append(woke, k.Now()) })
		})
	})
	k.Run()
	want := []Time{Time(10050 * time.Microsecond), Time(10050 * time.Microsecond)}
	if diff := cmp.Diff(want, woke); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestWaitSignal: a thread waiting on two sources is woken by the one that
// signals, after the wake-up latency, and leaves both waiter lists; its
// timeout no longer fires.
func TestWaitSignal(t *testing.T) {
	k := mustKernel(t, Config{})
	a, b := k.NewWakeSource("a"), k.NewWakeSource("b")
	var got []string
	k.Spawn("waiter", func(th *Thread) {
		th.Wait(time.Second, func(w *WakeSource) {
			got = append(got, w.Name()+"@"+k.Now().String())
		}, a, b)
	})
	k.At(Time(5*time.Millisecond), NoThread, func() {
		if a.Waiters() != 1 || b.Waiters() != 1 {
			t.Errorf("waiters before the signal: a %d, b %d", a.Waiters(), b.Waiters())
		}
		if n := b.Signal(); n != 1 {
			t.Errorf("Signal woke %d", n)
		}
		if a.Waiters() != 0 || b.Waiters() != 0 || a.Signal() != 0 {
			t.Errorf("the woken thread is still listed")
		}
	})
	out := k.Run()
	if diff := cmp.Diff([]string{"b@5.05ms"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if out.Now != Time(5050*time.Microsecond) {
		t.Errorf("run ended at %v: the cancelled timeout fired", out.Now)
	}
}

// TestSignalWakesAll: one signal wakes every waiter, each after its own
// latency draw.
func TestSignalWakesAll(t *testing.T) {
	host := DefaultHost()
	host.WakeLatency = Uniform{0, time.Millisecond}
	k := mustKernel(t, Config{Host: &host})
	src := k.NewWakeSource("ready")
	var order []string
	for _, name := range []string{"x", "y", "z"} {
		k.Spawn(name, func(th *Thread) {
			th.Wait(Forever, func(*WakeSource) { order = append(order, th.Name()) }, src)
		})
	}
	k.At(1, NoThread, func() {
		if n := src.Signal(); n != 3 {
			t.Errorf("Signal woke %d", n)
		}
	})
	k.Run()
	if len(order) != 3 {
		t.Fatalf("woke %v", order)
	}
}

func TestWaitForeverAndZero(t *testing.T) {
	k := mustKernel(t, Config{})
	src := k.NewWakeSource("never")
	var polled Time = -1
	k.Spawn("blocked", func(th *Thread) { th.Wait(Forever, nil, src) })
	k.Spawn("poller", func(th *Thread) {
		th.Wait(0, func(w *WakeSource) {
			if w == nil {
				polled = k.Now()
			}
		}, src)
	})
	out := k.Run()
	if out.Reason != StopIdle || out.Blocked != 1 || polled != 0 {
		t.Errorf("outcome %+v, poll(0) returned at %v", out, polled)
	}
	if st := k.Threads()[0].State(); st != ThreadWaiting {
		t.Errorf("blocked thread is %v", st)
	}
}

// TestMutexFIFO: waiters get the mutex in arrival order, by hand-off, and
// each wait is observable.
func TestMutexFIFO(t *testing.T) {
	k := mustKernel(t, Config{Host: quietHost()})
	mu := k.NewMutex("share")
	var log []string
	note := func(th *Thread) {
		log = append(log, th.Name()+" got it at "+k.Now().String()+" after "+th.LockWait().String())
	}
	k.Spawn("holder", func(th *Thread) {
		th.Lock(mu, func() {
			note(th)
			th.Sleep(10*time.Millisecond, func() { th.Unlock(mu) })
		})
	})
	for i, name := range []string{"w1", "w2", "w3"} {
		k.Spawn(name, func(th *Thread) {
			th.Sleep(time.Duration(3-i)*time.Millisecond, func() { // w3 asks first
				th.Lock(mu, func() {
					note(th)
					th.Sleep(time.Millisecond, func() { th.Unlock(mu) })
				})
			})
		})
	}
	k.Run()
	want := []string{
		"holder got it at 0s after 0s",
		"w3 got it at 10ms after 9ms",
		"w2 got it at 11ms after 9ms",
		"w1 got it at 12ms after 9ms",
	}
	if diff := cmp.Diff(want, log); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	st := mu.Stats()
	if st.Acquisitions != 4 || st.Contended != 3 || st.TotalWait != 27*time.Millisecond || st.MaxWait != 9*time.Millisecond {
		t.Errorf("stats %+v", st)
	}
	if mu.Owner() != nil || mu.Waiting() != 0 {
		t.Errorf("mutex still held by %v", mu.Owner())
	}
}

// TestMisuse: blocking operations refuse to run outside the thread's own
// step or twice in one step, and change nothing when they refuse.
func TestMisuse(t *testing.T) {
	k := mustKernel(t, Config{})
	mu, other := k.NewMutex("mu"), mustKernel(t, Config{}).NewMutex("foreign")
	var errs []error
	a := k.Spawn("a", func(th *Thread) {
		errs = append(errs,
			th.Sleep(-1, nil),
			th.Busy(-1, nil),
			th.Compute("nope", nil),
			th.Unlock(mu),
			th.Lock(other, nil),
			th.Wait(0, nil, nil),
		)
		if err := th.Lock(mu, func() {
			errs = append(errs, th.Lock(mu, nil)) // already holds it
			th.Sleep(time.Millisecond, nil)
		}); err != nil {
			t.Fatal(err)
		}
		errs = append(errs, th.Sleep(time.Millisecond, nil)) // second block in one step
	})
	k.Spawn("b", func(th *Thread) {
		errs = append(errs, a.Sleep(time.Millisecond, nil)) // not a's step
		th.Sleep(2*time.Millisecond, func() { errs = append(errs, th.Unlock(mu)) })
	})
	errs = append(errs, a.Sleep(time.Millisecond, nil)) // nobody's step
	k.Run()
	if len(errs) != 11 {
		t.Fatalf("%d errors recorded: %v", len(errs), errs)
	}
	for i, err := range errs {
		if err == nil || !strings.HasPrefix(err.Error(), "sim: ") {
			t.Errorf("call %d: err = %v, want a sim: error", i, err)
		}
	}
}

// TestCPUCosts: StepCPU delays every step; Compute charges the named cost.
func TestCPUCosts(t *testing.T) {
	host := Host{StepCPU: Const{time.Millisecond}, CPU: map[string]Dist{"parse": Const{5 * time.Millisecond}}}
	k := mustKernel(t, Config{Host: &host})
	var at []Time
	k.Spawn("worker", func(th *Thread) {
		at = append(at, k.Now())
		th.Compute("parse", func() {
			at = append(at, k.Now())
			th.Busy(2*time.Millisecond, func() { at = append(at, k.Now()) })
		})
	})
	k.Run()
	ms := func(n int) Time { return Time(n) * Time(time.Millisecond) }
	if diff := cmp.Diff([]Time{ms(1), ms(7), ms(10)}, at); diff != "" {
		t.Errorf("step times (-want +got):\n%s", diff)
	}
}

// TestWakeLatencyApplies: the hand-off of a mutex and a signal both pay
// the wake-up latency; a timeout does not.
func TestWakeLatencyApplies(t *testing.T) {
	host := Host{WakeLatency: Const{300 * time.Microsecond}}
	k := mustKernel(t, Config{Host: &host})
	mu := k.NewMutex("mu")
	src := k.NewWakeSource("src")
	var got []string
	k.Spawn("a", func(th *Thread) {
		th.Lock(mu, func() {
			th.Sleep(time.Millisecond, func() {
				th.Unlock(mu)
				src.Signal()
			})
		})
	})
	k.Spawn("b", func(th *Thread) {
		th.Lock(mu, func() { got = append(got, "lock "+k.Now().String()) })
	})
	k.Spawn("c", func(th *Thread) {
		th.Wait(time.Hour, func(*WakeSource) { got = append(got, "signal "+k.Now().String()) }, src)
	})
	k.Spawn("d", func(th *Thread) {
		th.Wait(2*time.Millisecond, func(*WakeSource) { got = append(got, "timeout "+k.Now().String()) })
	})
	k.Run()
	want := []string{"lock 1.3ms", "signal 1.3ms", "timeout 2ms"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestThreadStateNames(t *testing.T) {
	for s := range numThreadStates + 1 {
		if s.String() == "" {
			t.Errorf("state %d has no name", s)
		}
	}
}
