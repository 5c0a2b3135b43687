package netsim

import (
	"math/rand/v2"
	"strconv"
	"time"
)

// Scheduler is the clock and event queue netsim runs on; netsim has no
// other source of time. Times are durations since the simulation epoch.
// sim's kernel satisfies it through the adapter in sim/netpoll, and
// netsimtest.Sched is a stand-alone one for tests. Events due at the same
// time must run in the order they were scheduled, or the same seed could
// give different traces.
type Scheduler interface {
	// Now returns the current virtual time.
	Now() time.Duration
	// NewTimer returns an idle timer that calls fn each time it fires.
	NewTimer(fn func()) Timer
}

// Timer is a reusable one-shot timer made by a Scheduler. netsim keeps one
// per flow of data rather than scheduling a closure per packet, so a
// scheduler with intrusive events (like sim's) allocates nothing per packet.
type Timer interface {
	// Reset arms the timer to fire at the given time (never before Now),
	// replacing a pending firing.
	Reset(at time.Duration)
	// Stop disarms the timer and reports whether it was pending.
	Stop() bool
}

// Dist is a distribution of non-negative durations, such as a link's
// one-way latency. sim's distributions (sim.Const, sim.Uniform, sim.Exp,
// sim.LogNormal, sim.Empirical) satisfy it as they are. A nil Dist means
// zero.
type Dist interface {
	Draw(r *rand.Rand) time.Duration
}

// Fixed is a Dist that always draws itself: a constant latency for callers
// that do not want to import a distribution package.
type Fixed time.Duration

// Draw returns the fixed duration (0 if negative).
func (f Fixed) Draw(*rand.Rand) time.Duration { return max(time.Duration(f), 0) }

// draw samples d, treating nil as zero and clamping negative draws, so a
// badly built distribution cannot make a packet arrive before it left.
func draw(d Dist, r *rand.Rand) time.Duration {
	if d == nil {
		return 0
	}
	return max(d.Draw(r), 0)
}

// Streams hands out named random streams: the same name always gives the
// same advancing stream, and different names give independent ones, so
// adding a link shifts no other link's draws. sim.Kernel.Rand has this
// signature.
type Streams func(name string) *rand.Rand

// Sink receives netsim's trace events. Enabled is checked before any
// fields are built, so a run without a trace allocates nothing for it. The
// sink stamps events with the scheduler's current time; sim/netpoll's
// adapter turns them into kernel trace records at the net level.
type Sink interface {
	Enabled() bool
	Emit(kind string, fields ...Field)
}

// Field is one key=value pair of a trace event. Keys are short names;
// values are made of letters, digits and "_.:/+@%,-" wherever possible so
// that trace lines need no quoting.
type Field struct {
	Key, Value string
}

// F returns a string field.
func F(key, value string) Field { return Field{key, value} }

// Int returns an integer field.
func Int(key string, v int64) Field { return Field{key, strconv.FormatInt(v, 10)} }

// Dur returns a duration field in FormatDuration's form.
func Dur(key string, d time.Duration) Field { return Field{key, FormatDuration(d)} }

// FormatDuration writes d as an integer count of the largest unit among
// s, ms, us and ns that represents it exactly ("127s", "1500ms", "0s"), so
// that text forms are canonical and time.ParseDuration reads them back
// exactly. It matches sim.FormatDuration.
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	units := [...]struct {
		size time.Duration
		name string
	}{{time.Second, "s"}, {time.Millisecond, "ms"}, {time.Microsecond, "us"}}
	for _, u := range units {
		if d%u.size == 0 {
			return strconv.FormatInt(int64(d/u.size), 10) + u.name
		}
	}
	return strconv.FormatInt(int64(d), 10) + "ns"
}
