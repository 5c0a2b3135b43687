package sim

import (
	"math/rand/v2"
	"slices"
)

// raceBatch is race exploration. When on, the kernel moves every event
// due at the next instant into a batch and runs them in a random order
// that keeps each owner's events in scheduling order (a random merge of
// the owners' FIFO sequences), drawn from the run's "sim.race" stream.
// Events scheduled for the same instant while a batch runs form the next
// batch, as they would come after it anyway.
type raceBatch struct {
	on     bool
	rng    *rand.Rand
	staged []*Event
}

// take returns the next event to run, refilling the batch when empty.
func (r *raceBatch) take(k *Kernel, limit Time) *Event {
	if len(r.staged) == 0 && !r.fill(k, limit) {
		return nil
	}
	i := r.pick()
	e := r.staged[i]
	r.staged = slices.Delete(r.staged, i, i+1)
	e.state = eventIdle
	return e
}

// fill stages every event due at the first due instant.
func (r *raceBatch) fill(k *Kernel, limit Time) bool {
	e := k.q.popDue(limit)
	if e == nil {
		return false
	}
	for at := e.at; e != nil; e = k.q.popDue(at) {
		e.state = eventStaged
		r.staged = append(r.staged, e)
	}
	return true
}

// pick draws uniformly among the staged events that come first for their
// owner. O(n²) in the batch size; batches are small, and exploration is
// for small scenarios.
func (r *raceBatch) pick() int {
	n := 0
	for i := range r.staged {
		if r.leads(i) {
			n++
		}
	}
	if n == 1 {
		return 0 // the first event always leads; no draw needed
	}
	j := r.rng.IntN(n)
	for i := range r.staged {
		if r.leads(i) {
			if j == 0 {
				return i
			}
			j--
		}
	}
	panic("sim: race batch lost its leaders")
}

// leads reports whether staged[i] has no earlier staged event of its owner.
func (r *raceBatch) leads(i int) bool {
	owner := r.staged[i].owner
	for _, e := range r.staged[:i] {
		if e.owner == owner {
			return false
		}
	}
	return true
}

// unstage drops a cancelled event from the batch.
func (r *raceBatch) unstage(e *Event) {
	if i := slices.Index(r.staged, e); i >= 0 {
		r.staged = slices.Delete(r.staged, i, i+1)
	}
}
