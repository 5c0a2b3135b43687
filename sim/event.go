package sim

import (
	"errors"
	"fmt"
	"time"

	"github.com/expirylab/expiry/splay"
)

// eventState says where an event is. Transitions happen in Kernel.enqueue,
// Kernel.Cancel, Kernel.take and the race-exploration batch (race.go).
type eventState uint8

const (
	eventIdle   eventState = iota // not scheduled: new, fired or cancelled
	eventQueued                   // in the kernel's queue
	eventStaged                   // popped into a race-exploration batch, not yet run
)

// String names the state, for error messages.
func (s eventState) String() string {
	switch s {
	case eventIdle:
		return "idle"
	case eventQueued:
		return "queued"
	case eventStaged:
		return "staged"
	}
	return fmt.Sprintf("eventState(%d)", uint8(s))
}

// Event is a reusable, schedulable callback. It is intrusive: the queue's
// bookkeeping lives inside it, so scheduling, cancelling and firing an
// existing Event allocate nothing. Create one with NewEvent, keep it, and
// schedule it as often as needed; at most one firing is pending at a time.
type Event struct {
	node  splay.Node[*Event] // splay backend
	at    Time
	seq   uint64 // scheduling order, the tie-breaker at equal times
	k     *Kernel
	fn    func()
	owner ThreadID
	state eventState
}

// NewEvent returns an idle event that runs fn when it fires. owner is the
// thread the event acts for (NoThread for the kernel or the world); race
// exploration only reorders simultaneous events of different owners.
func NewEvent(owner ThreadID, fn func()) *Event {
	e := &Event{fn: fn, owner: owner}
	e.node.Value = e
	return e
}

// Pending reports whether the event is scheduled and has not fired or been
// cancelled.
func (e *Event) Pending() bool { return e.state != eventIdle }

// When returns the time the event was last scheduled for.
func (e *Event) When() Time { return e.at }

// Owner returns the thread the event acts for.
func (e *Event) Owner() ThreadID { return e.owner }

// before is the queue order: time, then scheduling order.
func (e *Event) before(f *Event) bool {
	return e.at < f.at || (e.at == f.at && e.seq < f.seq)
}

var errNilEvent = errors.New("sim: nil event or event without a function (use NewEvent)")

// ScheduleAt arranges for e to fire at t. A pending e is moved, like
// time.Timer.Reset: it takes a new place behind every event already
// scheduled for t. Scheduling in the past is an error; so is scheduling an
// event that is pending in another kernel. O(log n).
func (k *Kernel) ScheduleAt(e *Event, t Time) error {
	if e == nil || e.fn == nil {
		return errNilEvent
	}
	if t < k.now {
		return fmt.Errorf("sim: schedule at %v, before now (%v)", t, k.now)
	}
	if e.state != eventIdle && e.k != k {
		return errors.New("sim: event is pending in another kernel")
	}
	k.Cancel(e)
	k.enqueue(e, t)
	return nil
}

// ScheduleAfter arranges for e to fire d after now (d >= 0); see ScheduleAt.
func (k *Kernel) ScheduleAfter(e *Event, d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("sim: schedule after negative delay %v", d)
	}
	return k.ScheduleAt(e, k.now.Add(d))
}

// At schedules fn at t on a new event and returns it, for callers that do
// not mind one allocation per call. owner is as for NewEvent.
func (k *Kernel) At(t Time, owner ThreadID, fn func()) (*Event, error) {
	e := NewEvent(owner, fn)
	return e, k.ScheduleAt(e, t)
}

// After schedules fn d after now on a new event and returns it.
func (k *Kernel) After(d time.Duration, owner ThreadID, fn func()) (*Event, error) {
	e := NewEvent(owner, fn)
	return e, k.ScheduleAfter(e, d)
}

// Cancel unschedules e and reports whether it was pending in k. Cancelling
// an idle event is harmless and returns false. O(log n).
func (k *Kernel) Cancel(e *Event) bool {
	if e == nil || e.k != k {
		return false
	}
	switch e.state {
	case eventQueued:
		k.q.remove(e)
	case eventStaged:
		k.race.unstage(e)
	default:
		return false
	}
	e.state = eventIdle
	return true
}

// enqueue pushes an idle event with the next sequence number.
func (k *Kernel) enqueue(e *Event, t Time) {
	k.seq++
	e.at, e.seq, e.k = t, k.seq, k
	e.state = eventQueued
	k.q.push(e)
}
