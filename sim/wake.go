package sim

import "slices"

// WakeSource is something threads can Wait on and anything can Signal: a
// thread, a kernel event, the network simulator's readiness notifications.
// A blocking poll is a Wait on the sources of the polled sockets.
type WakeSource struct {
	k       *Kernel
	name    string
	waiters []*Thread // in the order they started waiting
	spare   []*Thread // the other buffer, so Signal allocates nothing
}

// NewWakeSource returns a source with the given name (used in traces).
func (k *Kernel) NewWakeSource(name string) *WakeSource {
	return &WakeSource{k: k, name: name}
}

// Name returns the source's name.
func (s *WakeSource) Name() string { return s.name }

// Waiters returns the number of threads waiting on s.
func (s *WakeSource) Waiters() int { return len(s.waiters) }

// Signal wakes every thread waiting on s, in the order they began to
// wait, and returns how many it woke. Each runs after its own wake-up
// latency. A signal with no waiter is lost (sources are edge-triggered).
func (s *WakeSource) Signal() int {
	ws := s.waiters
	s.waiters = s.spare[:0]
	n := 0
	for _, t := range ws {
		if t.state == ThreadWaiting { // a thread listed twice wakes once
			t.signalled(s)
			n++
		}
	}
	clear(ws)
	s.spare = ws[:0]
	if s.k.Tracing(LevelInternal) {
		s.k.Emit(LevelInternal, s.k.currentID(), 0, KindSignal, F("source", s.name), Int("woken", int64(n)))
	}
	return n
}

// remove takes t off the waiter list, keeping the others' order.
func (s *WakeSource) remove(t *Thread) {
	s.waiters = slices.DeleteFunc(s.waiters, func(w *Thread) bool { return w == t })
}

// currentID is the running thread's ID, or NoThread.
func (k *Kernel) currentID() ThreadID {
	if k.current == nil {
		return NoThread
	}
	return k.current.id
}
