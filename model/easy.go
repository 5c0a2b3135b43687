package model

import (
	"fmt"
	"time"

	"github.com/expirylab/expiry/splay"
)

// Behavior is a transfer kind: what a transfer does when the multi drives
// it. Script is one kind; the transfer state machine of a later issue is
// another. A Behavior acts only through the Easy it is given (timers,
// sockets, Finish) and must not call the Multi's API: the multi is inside a
// call.
type Behavior interface {
	// Run drives the transfer once: the multi runs it because a timer of
	// its popped, a socket of its was signalled, it was dirty, or Perform
	// runs everything. A run that finds a stop request (EasyStop) does not
	// call Run: the multi finishes the transfer with STOPPED instead.
	Run(e *Easy)
	// Done is the done-processing (curl's multi_done): once per attachment,
	// when the transfer finishes (premature=false) or is removed before it
	// finished (premature=true). It may set timers; the multi clears them
	// right after (before, with bug 5).
	Done(e *Easy, premature bool)
}

// Resetter is a Behavior with per-transfer progress: Add calls Reset so
// that a transfer added again starts over, as a re-added curl easy handle
// does.
type Resetter interface {
	Reset()
}

// Parker is an optional interface of a Behavior whose transfer can wait
// outside the multi's process list, as curl 8 keeps PENDING transfers in a
// list of their own: Perform does not run a parked transfer. A due timer
// still runs it (SocketAction runs whatever is due).
type Parker interface {
	Parked() bool
}

// Purger is an optional interface of a Behavior that acts when Perform's
// purge pops its node after the run loop (curl 8 checks the time left of
// PENDING transfers there). now is Perform's start; the node has already
// returned to the index at its next deadline, if any.
type Purger interface {
	Purged(e *Easy, now Micros)
}

// Completer is an optional interface of a Behavior told that its transfer
// completed: done-processing ran, timers were cleared, sockets released and
// the DONE message queued (curl's MSGSENT). It is not called on Remove.
type Completer interface {
	Completed(e *Easy)
}

// State is where a transfer is in the multi's life cycle. Transitions happen
// only in Easy.to.
type State uint8

// The states.
const (
	StateDetached  State = iota // in no multi
	StateInit                   // added, not run yet
	StateRunning                // run at least once, not finished
	StateDone                   // finished or being removed: done-processing runs
	StateCompleted              // done, timers cleared, DONE message queued
	numStates
)

var stateNames = [numStates]string{"detached", "init", "running", "done", "completed"}

// String is the name used in profiles, traces and scripts.
func (s State) String() string { return enumName(stateNames[:], uint8(s)) }

// legal[from] is the set of states from may move to.
var legal = [numStates]uint8{
	StateDetached:  1 << StateInit,
	StateInit:      1<<StateRunning | 1<<StateDone | 1<<StateDetached, // detached: a failed Add
	StateRunning:   1 << StateDone,
	StateDone:      1<<StateCompleted | 1<<StateDetached,
	StateCompleted: 1 << StateDetached,
}

// Easy is one transfer handle (curl's easy handle): its timer list with
// IDs, its node in the multi's index, its socket wishes and its behaviour.
// The zero Easy is not usable; make one with NewEasy.
type Easy struct {
	id      int
	beh     Behavior
	multi   *Multi // the multi it is added to, nil when detached
	indexed *Multi // the multi whose index holds node; differs from multi only for a leaked node (bug 5)
	node    splay.Node[*Easy]
	timers  timerList
	state   State
	result  Result
	pending bool // Finish was called during the current run
	mid     int  // slot in the multi: run order of dirty transfers
	prev    *Easy
	next    *Easy
	pass    uint64 // the multi's run pass this transfer last ran in
	dirty   bool
	want    []Interest // what the transfer wants watched now
	last    []Interest // what the multi last registered for it
	share   *Share     // CURLOPT_SHARE, nil for none
	stop    stopState  // the stop proposal's request
}

// NewEasy makes a detached transfer with the caller's id (the trace's
// transfer column) and behaviour; a nil Behavior is an empty Script. A
// Behavior with per-transfer state, like Script, must not be shared
// between Easies.
func NewEasy(id int, b Behavior) *Easy {
	if b == nil {
		b = &Script{}
	}
	e := &Easy{id: id, beh: b}
	e.node.Value = e
	e.timers.reset()
	return e
}

// ID is the caller's id.
func (e *Easy) ID() int { return e.id }

// State is the transfer's life-cycle state.
func (e *Easy) State() State { return e.state }

// Result is the outcome once the transfer is completed.
func (e *Easy) Result() Result { return e.result }

// Behavior is the transfer kind it was made with.
func (e *Easy) Behavior() Behavior { return e.beh }

// Multi is the multi the transfer is added to, or nil.
func (e *Easy) Multi() *Multi { return e.multi }

// Now is the multi's clock truncated to µs; 0 when detached.
func (e *Easy) Now() Micros {
	if e.multi == nil {
		return 0
	}
	return e.multi.now()
}

// Key is the transfer's key in the index and whether its node is there.
func (e *Easy) Key() (Micros, bool) {
	if e.indexed == nil {
		return 0, false
	}
	return Micros(e.node.Key()), true
}

// Deadlines appends the pending deadlines in list order (head first).
func (e *Easy) Deadlines(buf []Deadline) []Deadline { return e.timers.appendTo(buf) }

// Deadline is the pending deadline of one ID.
func (e *Easy) Deadline(id TimerID) (Micros, bool) {
	if !e.timers.has.Has(id) {
		return 0, false
	}
	return e.timers.at[id], true
}

// Dirty reports whether the transfer is marked to run at once (RunNowDirty).
func (e *Easy) Dirty() bool { return e.dirty }

// Expire sets the deadline of id to now + ms (ms capped at INT_MAX),
// replacing any earlier deadline of id, and re-keys the index as the
// profile says (curl's Curl_expire). It is a no-op on a detached transfer,
// as in curl. It fails on an ID the profile lacks or a negative ms.
func (e *Easy) Expire(id TimerID, ms int64) error {
	m := e.multi
	if m == nil {
		return nil
	}
	if err := m.checkTimer(id); err != nil {
		return err
	}
	if ms < 0 {
		return fmt.Errorf("model: easy %d: Expire(%v, %d): negative delay", e.id, id, ms)
	}
	m.expire(e, id, ms)
	return nil
}

// ExpireClear removes the deadline of id, if any (curl's Curl_expire_done);
// whether the index is fixed is the profile's ClearFixesIndex.
func (e *Easy) ExpireClear(id TimerID) error {
	m := e.multi
	if m == nil {
		return nil
	}
	if err := m.checkTimer(id); err != nil {
		return err
	}
	m.clearOne(e, id)
	return nil
}

// ExpireClearAll removes every deadline and the index node (curl's
// Curl_expire_clear). The multi does it on completion and removal.
func (e *Easy) ExpireClearAll() {
	if m := e.multi; m != nil {
		m.clearAll(e)
	}
}

// RunNow asks to be run at once: an EXPIRE_RUN_NOW deadline of now or the
// dirty flag, per profile.
func (e *Easy) RunNow() {
	if m := e.multi; m != nil {
		m.runNow(e)
	}
}

// Want records what the transfer wants watched on fd (PollNone: nothing).
// The multi reports changes to the socket callback after the run.
func (e *Easy) Want(fd int, what PollAction) {
	for i := range e.want {
		if e.want[i].FD != fd {
			continue
		}
		if what == PollNone {
			e.want = append(e.want[:i], e.want[i+1:]...)
		} else {
			e.want[i].What = what
		}
		return
	}
	if what != PollNone {
		e.want = append(e.want, Interest{FD: fd, What: what})
	}
}

// Finish ends the transfer with r once the current run returns; only the
// first call of a run counts.
func (e *Easy) Finish(r Result) {
	if e.pending || e.state != StateRunning {
		return
	}
	e.pending, e.result = true, r
}

// Busy reports that the transfer spent d processing; the multi passes it to
// Config.Busy (a simulator advances its clock there).
func (e *Easy) Busy(d time.Duration) {
	if m := e.multi; m != nil {
		m.busy(e, d)
	}
}

// Tracing reports whether e's multi has a Tracer: a Behavior checks it
// before computing costly trace fields.
func (e *Easy) Tracing() bool { return e.multi != nil && e.multi.tracing() }

// Trace starts an event of kind k about e at the multi's current time. Add
// fields and call Emit before any other call into the model (events share
// one buffer). Without a tracer it returns a builder that does nothing.
func (e *Easy) Trace(k EventKind) EventBuilder {
	if !e.Tracing() {
		return EventBuilder{}
	}
	return EventBuilder{t: e.multi.event(e.id, k)}
}

// Closed reports that the transfer closed fd (curl's Curl_multi_closed):
// the wish for fd is dropped, and if the multi has fd registered, the
// socket callback hears REMOVE at once and the multi forgets fd, before the
// run ends. That keeps the callback's view right when the next socket the
// transfer opens gets the same number.
func (e *Easy) Closed(fd int) {
	e.Want(fd, PollNone)
	if m := e.multi; m != nil {
		m.closed(e, fd)
	}
}

// to moves e to state s; an illegal move is a bug in model and panics.
func (e *Easy) to(s State) {
	if legal[e.state]&(1<<s) == 0 {
		panic(fmt.Sprintf("model: easy %d: illegal transition %v -> %v", e.id, e.state, s))
	}
	e.state = s
}

// alive reports whether the transfer counts as running (curl's num_alive).
func (e *Easy) alive() bool { return e.state == StateInit || e.state == StateRunning }
