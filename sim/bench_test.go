package sim

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// holdShapes are the delay distributions of the hold benchmarks: "exp",
// exponential with mean 1 ms (random re-arms, like network latencies);
// "periodic", a constant 1 ms (each event re-arms behind all others, like
// periodic timers: a monotone schedule); "ties", 0 to 3 whole ms (most
// events share their instant with many others).
var holdShapes = []struct {
	name string
	dist Dist
}{
	{"exp", Exp{time.Millisecond}},
	{"periodic", Const{time.Millisecond}},
	{"ties", Empirical{[]time.Duration{0, time.Millisecond, 2 * time.Millisecond, 3 * time.Millisecond}}},
}

// holdWorkload is the classic "hold model" of event-set benchmarks: a fixed
// number of pending events, each of which, when it fires, re-arms itself
// after a delay drawn from a distribution and does nothing else.
type holdWorkload struct {
	k      *Kernel
	events []*Event
	delays []time.Duration // precomputed so the benchmark measures the kernel, not the RNG
	next   int
}

func newHoldWorkload(k *Kernel, pending int, dist Dist) *holdWorkload {
	h := &holdWorkload{k: k, delays: make([]time.Duration, 1<<12)}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range h.delays {
		h.delays[i] = dist.Draw(r)
	}
	for i := range pending {
		var e *Event
		e = NewEvent(NoThread, func() {
			h.next = (h.next + 1) & (len(h.delays) - 1)
			k.ScheduleAfter(e, h.delays[h.next])
		})
		h.events = append(h.events, e)
		// Spread the first firings over the first 1 ms so that the
		// periodic shape starts staggered, as it would run.
		k.ScheduleAfter(e, time.Duration(i)*time.Millisecond/time.Duration(pending))
	}
	return h
}

// run fires n events.
func (h *holdWorkload) run(n int) {
	h.k.budget = h.k.events + uint64(n)
	h.k.Run()
}

// BenchmarkKernelHold measures the kernel's event rate with pending no-op
// events; the acceptance figure is at least 10 million events per second
// at 1 000 pending, which the default backend must meet on every shape.
func BenchmarkKernelHold(b *testing.B) {
	for _, shape := range holdShapes {
		for _, pending := range []int{1000, 100_000} {
			for _, kind := range queueKinds {
				name := fmt.Sprintf("%s/pending=%d/%v", shape.name, pending, kind)
				b.Run(name, func(b *testing.B) {
					k := mustKernel(b, Config{Queue: kind})
					h := newHoldWorkload(k, pending, shape.dist)
					h.run(2 * pending) // warm up: every event fired and re-armed
					b.ReportAllocs()
					b.ResetTimer()
					h.run(b.N)
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
				})
			}
		}
	}
}

// BenchmarkQueue measures the backends alone (pop the first event, push
// it back after a delay) on the hold shapes at 1 000 pending.
func BenchmarkQueue(b *testing.B) {
	for _, shape := range holdShapes {
		for _, kind := range queueKinds {
			b.Run(fmt.Sprintf("%s/%v", shape.name, kind), func(b *testing.B) {
				benchQueue(b, kind, 1000, shape.dist)
			})
		}
	}
}

func benchQueue(b *testing.B, kind QueueKind, pending int, dist Dist) {
	q, _ := newQueue(kind)
	r := rand.New(rand.NewPCG(3, 4))
	delays := make([]Time, 1<<12)
	for i := range delays {
		delays[i] = Time(dist.Draw(r))
	}
	var seq uint64
	push := func(e *Event, at Time) {
		seq++
		e.at, e.seq, e.state = at, seq, eventQueued
		q.push(e)
	}
	for i := range pending {
		push(NewEvent(NoThread, func() {}), Time(i)*Time(time.Millisecond)/Time(pending))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		e := q.popDue(MaxTime)
		e.state = eventIdle
		push(e, e.at+delays[i&(len(delays)-1)])
	}
}

// BenchmarkThreads measures a thread workload (16 threads that lock a
// shared mutex, sleep, unlock, signal and wait with a timeout) per event,
// on each backend with tracing off, and on the default with a hash-only
// trace.
func BenchmarkThreads(b *testing.B) {
	runs := []struct {
		name  string
		kind  QueueKind
		trace bool
	}{{"splay", QueueSplay, false}, {"heap", QueueHeap, false}, {"radix", QueueRadix, false}, {"default/traced", QueueDefault, true}}
	for _, run := range runs {
		b.Run(run.name, func(b *testing.B) {
			cfg := Config{Queue: run.kind, EventBudget: 1 << 62}
			if run.trace {
				cfg.Trace = NewRecorder(AllLevels, false)
			}
			k := mustKernel(b, cfg)
			spawnCyclers(k, 16)
			k.RunUntil(Time(time.Second)) // warm up
			b.ReportAllocs()
			b.ResetTimer()
			k.budget = k.events + uint64(b.N)
			k.Run()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
