// Package netsimtest holds helpers for tests of netsim and of code built
// on it: a stand-alone deterministic scheduler, a trace recorder, seeded
// random streams, and a small event-driven HTTP client. It is not a
// simulator kernel (sim is): there are no threads, host model or limits
// beyond an event budget.
package netsimtest

import (
	"container/heap"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"time"

	"github.com/expirylab/expiry/netsim"
)

// DefaultBudget is Sched's default event budget.
const DefaultBudget = 50_000_000

// Sched is a minimal deterministic netsim.Scheduler: a binary heap of
// timers ordered by (time, scheduling order). Schedule and fire cost
// O(log n). The zero value is not usable; call NewSched.
type Sched struct {
	now    time.Duration
	seq    uint64
	fired  uint64
	budget uint64
	q      timerHeap
}

// NewSched returns a scheduler at time zero with the default budget.
func NewSched() *Sched { return &Sched{budget: DefaultBudget} }

// SetBudget changes the event budget: Run fails once that many events
// fired in all.
func (s *Sched) SetBudget(n uint64) { s.budget = n }

// Now returns the current time.
func (s *Sched) Now() time.Duration { return s.now }

// Fired returns the number of events fired so far.
func (s *Sched) Fired() uint64 { return s.fired }

// Pending returns the number of armed timers.
func (s *Sched) Pending() int { return len(s.q) }

// NewTimer returns an idle timer running fn.
func (s *Sched) NewTimer(fn func()) netsim.Timer { return &timer{s: s, fn: fn, idx: -1} }

// Step fires the next timer and reports whether there was one.
func (s *Sched) Step() bool {
	if len(s.q) == 0 {
		return false
	}
	t := heap.Pop(&s.q).(*timer)
	s.now = t.at
	s.fired++
	t.fn()
	return true
}

// Run fires timers until none is armed. It fails when the budget runs out
// (a runaway simulation).
func (s *Sched) Run() error { return s.RunUntil(time.Duration(1<<63 - 1)) }

// RunUntil fires every timer due at or before t, then moves the clock to
// t (if t is later).
func (s *Sched) RunUntil(t time.Duration) error {
	for len(s.q) > 0 && s.q[0].at <= t {
		if s.fired >= s.budget {
			return fmt.Errorf("netsimtest: event budget of %d spent at %v", s.budget, s.now)
		}
		s.Step()
	}
	if t != time.Duration(1<<63-1) {
		s.now = max(s.now, t)
	}
	return nil
}

// timer is one schedulable callback.
type timer struct {
	s   *Sched
	fn  func()
	at  time.Duration
	seq uint64
	idx int // position in the heap; -1 when idle
}

func (t *timer) Reset(at time.Duration) {
	if at < t.s.now {
		panic(fmt.Sprintf("netsimtest: timer reset to %v, before now (%v)", at, t.s.now))
	}
	t.s.seq++
	t.at, t.seq = at, t.s.seq
	if t.idx >= 0 {
		heap.Fix(&t.s.q, t.idx)
		return
	}
	heap.Push(&t.s.q, t)
}

func (t *timer) Stop() bool {
	if t.idx < 0 {
		return false
	}
	heap.Remove(&t.s.q, t.idx)
	return true
}

type timerHeap []*timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	return h[i].at < h[j].at || h[i].at == h[j].at && h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx, h[j].idx = i, j
}
func (h *timerHeap) Push(x any) {
	t := x.(*timer)
	t.idx = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	t.idx = -1
	return t
}

// Streams returns named random streams for a seed: each a PCG seeded from
// the seed and the FNV-1a hash of its name, created on first use.
func Streams(seed uint64) netsim.Streams {
	byName := map[string]*rand.Rand{} // looked up, never iterated
	return func(name string) *rand.Rand {
		r := byName[name]
		if r == nil {
			h := fnv.New64a()
			h.Write([]byte(name))
			r = rand.New(rand.NewPCG(seed, h.Sum64()))
			byName[name] = r
		}
		return r
	}
}
