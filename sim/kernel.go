package sim

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Defaults for Config's zero values. Every run has a time limit and an
// event budget (DESIGN decision 8): a runaway run ends as a finding, not a
// hang.
const (
	DefaultTimeLimit     = 24 * time.Hour
	DefaultEventBudget   = 100_000_000
	DefaultLivelockWakes = 1000
	DefaultInstantEvents = 1_000_000
)

// Config is a run's parameters. The zero Config is valid: seed 0, phase 0,
// the default queue and host, default limits, no race exploration, no
// trace.
type Config struct {
	// Seed determines every random draw of the run.
	Seed uint64
	// EpochPhase is the sub-second phase of the wall-clock reading of
	// virtual time zero, in [0, 1s); see Epoch.
	EpochPhase time.Duration
	// Queue selects the event queue's backend.
	Queue QueueKind
	// TimeLimit ends a run at this virtual time (events due exactly then
	// still run); 0 means DefaultTimeLimit.
	TimeLimit time.Duration
	// EventBudget ends a run after this many events; 0 means
	// DefaultEventBudget.
	EventBudget uint64
	// LivelockWakes is how many steps in a row a thread may run within
	// LivelockWindow of the first without calling Thread.Progress before
	// the run ends with a livelock violation; 0 means
	// DefaultLivelockWakes, negative turns the check off.
	LivelockWakes int
	// LivelockWindow is the span of virtual time that counts as "not
	// advancing" for LivelockWakes; 0 means the same instant.
	LivelockWindow time.Duration
	// InstantEvents is how many events may run at one virtual instant
	// before the run ends with a livelock violation (a stuck clock, even
	// without threads); 0 means DefaultInstantEvents, negative turns the
	// check off.
	InstantEvents int
	// Host is the host model; nil means DefaultHost().
	Host *Host
	// Races turns on race exploration: simultaneous events of different
	// threads run in an order drawn from the "sim.race" stream instead of
	// scheduling order.
	Races bool
	// Trace receives the kernel's records and those emitted through
	// Kernel.Emit; nil switches tracing off.
	Trace *Recorder
}

// StopReason says why Run or RunUntil returned.
type StopReason uint8

const (
	// StopIdle: no event is left. Threads may still be blocked (on a
	// mutex or a wait without timeout): Outcome.Blocked counts them.
	StopIdle StopReason = iota
	// StopHorizon: RunUntil reached its time.
	StopHorizon
	// StopTimeLimit: the run reached Config.TimeLimit.
	StopTimeLimit
	// StopEventBudget: the run used up Config.EventBudget.
	StopEventBudget
	// StopLivelock: the livelock detector fired; Outcome.Violation says
	// where.
	StopLivelock
	// StopRequested: an event called Kernel.Stop.
	StopRequested
	stopNone // internal: keep going
)

// String names the reason as reports print it.
func (r StopReason) String() string {
	switch r {
	case StopIdle:
		return "idle"
	case StopHorizon:
		return "horizon"
	case StopTimeLimit:
		return "time-limit"
	case StopEventBudget:
		return "event-budget"
	case StopLivelock:
		return "livelock"
	case StopRequested:
		return "stopped"
	}
	return fmt.Sprintf("StopReason(%d)", uint8(r))
}

// Violation describes a livelock: a thread (or, with Thread NoThread, the
// clock itself) stuck at one virtual instant.
type Violation struct {
	At     Time
	Thread ThreadID
	Wakes  int // steps (or events) counted without progress
	Detail string
}

// String describes the violation for reports.
func (v *Violation) String() string {
	return fmt.Sprintf("livelock at %v (t%d, %d wakes): %s", v.At, v.Thread, v.Wakes, v.Detail)
}

// Outcome summarizes a run so far.
type Outcome struct {
	Reason    StopReason
	Now       Time
	Events    uint64 // events fired since the kernel was made
	Pending   int    // events still scheduled
	Blocked   int    // threads neither exited nor about to run
	Violation *Violation
}

// Kernel is a deterministic discrete-event simulator: a virtual clock, an
// event queue ordered by (time, seq), named random streams, simulated
// threads and the host model. It is single-threaded; nothing in it may be
// called concurrently.
type Kernel struct {
	now       Time
	epoch     time.Time
	q         queue
	seq       uint64
	events    uint64
	budget    uint64
	timeLimit Time
	halt      StopReason
	violation *Violation

	instant       uint64 // events run at now
	instantBudget uint64 // 0: unchecked
	llWakes       int    // <0: unchecked
	llWindow      time.Duration

	race    raceBatch
	streams *Streams
	host    Host
	hostRNG hostStreams
	trace   *Recorder

	threads []*Thread
	current *Thread // the thread whose step is running, if any
}

// hostStreams are the host model's draws, one stream per purpose so that
// turning on CPU costs does not shift wake-up latencies.
type hostStreams struct {
	wake, cpu, slack, timer *rand.Rand
}

// New returns a kernel at virtual time zero.
func New(cfg Config) (*Kernel, error) {
	epoch, err := Epoch(cfg.EpochPhase)
	if err != nil {
		return nil, err
	}
	q, err := newQueue(cfg.Queue)
	if err != nil {
		return nil, err
	}
	host := DefaultHost()
	if cfg.Host != nil {
		host = *cfg.Host
	}
	if err := host.Validate(); err != nil {
		return nil, err
	}
	if cfg.TimeLimit < 0 {
		return nil, fmt.Errorf("sim: negative time limit %v", cfg.TimeLimit)
	}
	k := &Kernel{
		epoch:     epoch,
		q:         q,
		budget:    orDefault(cfg.EventBudget, DefaultEventBudget),
		timeLimit: Time(orDefault(cfg.TimeLimit, DefaultTimeLimit)),
		halt:      stopNone,
		streams:   NewStreams(cfg.Seed),
		host:      host,
		trace:     cfg.Trace,
		llWindow:  cfg.LivelockWindow,
	}
	k.llWakes = checkLimit(cfg.LivelockWakes, DefaultLivelockWakes)
	k.instantBudget = uint64(max(checkLimit(cfg.InstantEvents, DefaultInstantEvents), 0))
	k.hostRNG = hostStreams{k.Rand("host.wake"), k.Rand("host.cpu"), k.Rand("host.slack"), k.Rand("host.timer")}
	k.race = raceBatch{on: cfg.Races}
	if cfg.Races {
		k.race.rng = k.Rand("sim.race")
	}
	return k, nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// checkLimit maps a detector threshold: 0 to its default, negative to -1
// (off).
func checkLimit(v, def int) int {
	switch {
	case v == 0:
		return def
	case v < 0:
		return -1
	}
	return v
}

// Now returns the current virtual time.
func (k *Kernel) Now() Time { return k.now }

// Clock returns a clock reading this kernel's virtual time as wall-clock
// time (the epoch plus Now).
func (k *Kernel) Clock() Clock { return Clock{k} }

// Epoch returns the wall-clock reading of virtual time zero.
func (k *Kernel) Epoch() time.Time { return k.epoch }

// Rand returns the run's random stream with the given name; see Streams.
func (k *Kernel) Rand(name string) *rand.Rand { return k.streams.Get(name) }

// Seed returns the run's seed.
func (k *Kernel) Seed() uint64 { return k.streams.Seed() }

// Host returns the host model in force.
func (k *Kernel) Host() Host { return k.host }

// Events returns the number of events fired so far.
func (k *Kernel) Events() uint64 { return k.events }

// Pending returns the number of scheduled events.
func (k *Kernel) Pending() int { return k.q.len() + len(k.race.staged) }

// Stop ends the current Run or RunUntil after the running event, with
// StopRequested. It is meant for events and thread steps; a later Run
// resumes.
func (k *Kernel) Stop() { k.halt = StopRequested }

// Run fires events in (time, seq) order until none is left or a limit or
// the livelock detector ends the run.
func (k *Kernel) Run() Outcome { return k.run(MaxTime, false) }

// RunUntil fires every event due at or before t, then advances the clock
// to t (as far as the time limit allows), like clock.Mock's Set. A time
// before now fires nothing and leaves the clock alone.
func (k *Kernel) RunUntil(t Time) Outcome { return k.run(t, true) }

func (k *Kernel) run(horizon Time, advance bool) Outcome {
	if k.violation != nil {
		return k.outcome(StopLivelock)
	}
	limit := min(horizon, k.timeLimit)
	if reason := k.loop(limit); reason != stopNone {
		return k.outcome(reason)
	}
	if k.Pending() == 0 && !advance {
		return k.outcome(StopIdle)
	}
	k.now = max(k.now, limit)
	if limit == horizon {
		return k.outcome(StopHorizon)
	}
	return k.outcome(StopTimeLimit)
}

// loop is the hot path: take the next due event, fire it, check the
// halting conditions.
func (k *Kernel) loop(limit Time) StopReason {
	k.halt = stopNone
	for {
		if k.events >= k.budget {
			return StopEventBudget
		}
		e := k.take(limit)
		if e == nil {
			return stopNone
		}
		k.fire(e)
		if k.halt != stopNone {
			return k.halt
		}
	}
}

// take removes the next event due at or before limit.
func (k *Kernel) take(limit Time) *Event {
	if k.race.on {
		return k.race.take(k, limit)
	}
	e := k.q.popDue(limit)
	if e != nil {
		e.state = eventIdle
	}
	return e
}

// fire advances the clock to e and runs it.
func (k *Kernel) fire(e *Event) {
	if e.at != k.now {
		k.now = e.at
		k.instant = 0
	}
	if k.instantBudget > 0 && k.instant >= k.instantBudget {
		// e is dropped: the run cannot go on after a violation.
		k.livelock(NoThread, int(k.instant), "the clock stopped: too many events at one instant")
		return
	}
	k.instant++
	k.events++
	e.fn()
}

// livelock ends the run with a violation and records it in the trace.
func (k *Kernel) livelock(id ThreadID, wakes int, detail string) {
	k.violation = &Violation{At: k.now, Thread: id, Wakes: wakes, Detail: detail}
	k.halt = StopLivelock
	if k.Tracing(LevelInternal) {
		k.Emit(LevelInternal, id, 0, KindViolation, F("kind", "livelock"), Int("wakes", int64(wakes)), F("detail", detail))
	}
}

func (k *Kernel) outcome(reason StopReason) Outcome {
	return Outcome{
		Reason:    reason,
		Now:       k.now,
		Events:    k.events,
		Pending:   k.Pending(),
		Blocked:   k.blocked(),
		Violation: k.violation,
	}
}

// Tracing reports whether a record at level l would be recorded. Check it
// before building fields, so that a run without a trace allocates nothing.
func (k *Kernel) Tracing(l Level) bool { return k.trace.Enabled(l) }

// Emit records a trace record at the current virtual time, if tracing is
// on for its level. Transfer is 0 when the record concerns none.
func (k *Kernel) Emit(l Level, thread ThreadID, transfer int64, kind string, fields ...Field) {
	if k.trace.Enabled(l) {
		k.trace.add(k.now, l, thread, transfer, kind, fields)
	}
}

// Trace returns the kernel's recorder (nil when tracing is off).
func (k *Kernel) Trace() *Recorder { return k.trace }
