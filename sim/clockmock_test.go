package sim

import (
	"flag"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/google/go-cmp/cmp"
)

// mockTimers is how many timers of the 10 000-timer schedule the clock.Mock
// side of BenchmarkVersusClockMock runs. clock.Mock sleeps 1 ms of real time
// per fired timer, so the whole schedule takes over 10 s; by default the
// benchmark times a prefix and scales linearly (see the benchmark).
var mockTimers = flag.Int("sim.mocktimers", 1000, "timers of the 10 000-timer schedule run through clock.Mock in BenchmarkVersusClockMock")

// crossTimer is one timer of the cross-check schedule: armed at time 0 or
// when its parent fires, due at a distinct whole millisecond, and maybe
// stopping a later timer when it fires.
type crossTimer struct {
	due    time.Duration
	parent int // -1: armed at the start
	stops  int // -1: none
}

// crossSchedule makes n timers with distinct deadlines, sorted by deadline.
func crossSchedule(seed uint64, n int) []crossTimer {
	r := rand.New(rand.NewPCG(seed, 0))
	slots := r.Perm(8 * n)[:n]
	dues := make([]int, n)
	for i, s := range slots {
		dues[i] = s + 1
	}
	slices.Sort(dues)
	ts := make([]crossTimer, n)
	for i := range ts {
		ts[i] = crossTimer{due: time.Duration(dues[i]) * time.Millisecond, parent: -1, stops: -1}
		if i > 0 && r.IntN(2) == 0 {
			ts[i].parent = r.IntN(i)
		}
		if i+1 < n && r.IntN(4) == 0 {
			ts[i].stops = i + 1 + r.IntN(n-i-1)
		}
	}
	return ts
}

type firing struct {
	Timer int
	At    time.Duration
}

// runCrossKernel runs the schedule on the kernel.
func runCrossKernel(t *testing.T, ts []crossTimer) []firing {
	k := mustKernel(t, Config{})
	events := make([]*Event, len(ts))
	var fired []firing
	arm := func(i int) { k.ScheduleAt(events[i], Time(ts[i].due)) }
	for i := range ts {
		events[i] = NewEvent(NoThread, func() {
			fired = append(fired, firing{i, k.Clock().Now().Sub(k.Epoch())})
			for c := range ts {
				if ts[c].parent == i {
					arm(c)
				}
			}
			if s := ts[i].stops; s >= 0 {
				k.Cancel(events[s])
			}
		})
		if ts[i].parent < 0 {
			arm(i)
		}
	}
	k.Run()
	return fired
}

// runCrossMock runs the schedule on clock.Mock, advancing 1 ms at a time and
// reacting to each fired timer before the next step, at the same mock
// instant the timer fired (deadlines are whole, distinct milliseconds).
func runCrossMock(ts []crossTimer) []firing {
	m := clock.NewMock()
	start := m.Now()
	timers := make([]*clock.Timer, len(ts))
	arm := func(i int) { timers[i] = m.Timer(ts[i].due - m.Now().Sub(start)) }
	for i := range ts {
		if ts[i].parent < 0 {
			arm(i)
		}
	}
	var fired []firing
	for m.Now().Sub(start) < ts[len(ts)-1].due {
		m.Add(time.Millisecond)
		for i, tm := range timers {
			if tm == nil {
				continue
			}
			select {
			case at := <-tm.C:
				fired = append(fired, firing{i, at.Sub(start)})
				timers[i] = nil
				for c := range ts {
					if ts[c].parent == i {
						arm(c)
					}
				}
				if s := ts[i].stops; s >= 0 && timers[s] != nil {
					timers[s].Stop()
					timers[s] = nil
				}
			default:
			}
		}
	}
	return fired
}

// TestClockMockCrossCheck: the same timer schedule (roots, timers armed by
// other timers, timers stopped by others) fires the same timers at the same
// times on the kernel and on github.com/benbjohnson/clock's Mock.
func TestClockMockCrossCheck(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		ts := crossSchedule(seed, 25)
		kernel := runCrossKernel(t, ts)
		mock := runCrossMock(ts)
		if len(kernel) < 10 {
			t.Fatalf("seed %d: only %d firings", seed, len(kernel))
		}
		if diff := cmp.Diff(mock, kernel); diff != "" {
			t.Errorf("seed %d: firings (-mock +kernel):\n%s", seed, diff)
		}
	}
}

// benchSchedule is the 10 000-timer schedule of the comparison: delays
// uniform over (0, 10 s], all armed at the start.
func benchSchedule() []time.Duration {
	r := rand.New(rand.NewPCG(10_000, 1))
	ds := make([]time.Duration, 10_000)
	for i := range ds {
		ds[i] = Uniform{time.Millisecond, 10 * time.Second}.Draw(r)
	}
	return ds
}

// runMockSchedule arms the delays with AfterFunc and fires them all with one
// Add, waiting until every callback (each on its own goroutine) has run.
func runMockSchedule(ds []time.Duration) {
	m := clock.NewMock()
	var wg sync.WaitGroup
	wg.Add(len(ds))
	for _, d := range ds {
		m.AfterFunc(d, wg.Done)
	}
	m.Add(10 * time.Second)
	wg.Wait()
}

// runKernelSchedule does the same on a fresh kernel.
func runKernelSchedule(b *testing.B, ds []time.Duration) {
	k := mustKernel(b, Config{})
	n := 0
	for _, d := range ds {
		k.After(d, NoThread, func() { n++ })
	}
	if k.Run(); n != len(ds) {
		b.Fatalf("%d of %d timers fired", n, len(ds))
	}
}

var mockCost struct {
	once     sync.Once
	perTimer time.Duration
	n        int
}

// BenchmarkVersusClockMock runs the same 10 000-timer schedule through
// clock.Mock (AfterFunc, then Add) and through the kernel (After, then
// Run), and reports the ratio of the times. The kernel side runs the whole
// schedule b.N times. The mock side is measured once per process on the
// first -sim.mocktimers timers and scaled linearly to 10 000; the mock's
// cost per timer grows with the number pending (it re-sorts every timer
// on each firing), so the scaled figure understates it and the ratio is
// conservative. Pass -sim.mocktimers=10000 to time the whole schedule.
func BenchmarkVersusClockMock(b *testing.B) {
	ds := benchSchedule()
	mockCost.once.Do(func() {
		n := min(max(*mockTimers, 1), len(ds))
		start := time.Now()
		runMockSchedule(ds[:n])
		mockCost.perTimer, mockCost.n = time.Since(start)/time.Duration(n), n
	})
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		runKernelSchedule(b, ds)
	}
	kernel := b.Elapsed() / time.Duration(b.N)
	mock := mockCost.perTimer * time.Duration(len(ds))
	b.ReportMetric(float64(mock)/float64(kernel), "x-faster")
	b.ReportMetric(float64(mockCost.perTimer), "mock-ns/timer")
	b.ReportMetric(float64(kernel)/float64(len(ds)), "kernel-ns/timer")
	b.ReportMetric(float64(mockCost.n), "mock-timers-run")
}
