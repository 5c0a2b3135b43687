package sim

import (
	"fmt"
	"math"
	"time"
)

// Time is a virtual instant: nanoseconds since the simulation epoch. It is
// a plain integer so that ordering, hashing and arithmetic are exact and
// free of the wall clock's monotonic-reading subtleties.
type Time int64

// MaxTime is the latest representable instant (about 292 years).
const MaxTime Time = math.MaxInt64

// Add returns t+d, saturating at MaxTime and at 0 so that a huge or negative
// timeout can never wrap around into the past.
func (t Time) Add(d time.Duration) Time {
	switch {
	case d > 0 && t > MaxTime-Time(d):
		return MaxTime
	case d < 0 && t < Time(-d):
		return 0
	}
	return t + Time(d)
}

// Sub returns the duration t-u.
func (t Time) Sub(u Time) time.Duration { return time.Duration(t - u) }

// Micros returns t in whole microseconds, truncated: the resolution of
// libcurl's clock and of trace lines.
func (t Time) Micros() int64 { return int64(t) / 1e3 }

// String formats t as the duration since the epoch ("1.001s").
func (t Time) String() string { return time.Duration(t).String() }

// DefaultEpochSecond is the whole-second part of the epoch, in Unix
// seconds. It is an arbitrary fixed value: nothing may depend on the date,
// only on the sub-second phase.
const DefaultEpochSecond = 1_000_000_000

// Epoch returns the wall-clock reading of virtual time zero for a run whose
// epoch has the given sub-second phase. The phase matters because curl
// 7.88 does its millisecond arithmetic on (seconds, microseconds) pairs
// (SPEC §1): the same schedule can round differently depending on where
// in the second it starts.
func Epoch(phase time.Duration) (time.Time, error) {
	if phase < 0 || phase >= time.Second {
		return time.Time{}, fmt.Errorf("sim: epoch phase %v outside [0s, 1s)", phase)
	}
	return time.Unix(DefaultEpochSecond, int64(phase)).UTC(), nil
}

// Clock reads a kernel's virtual time as a time.Time. Its Now has the
// signature of github.com/benbjohnson/clock's Clock.Now, so it satisfies
// the one-method clock interface that model code takes. The zero Clock is
// not usable; get one from Kernel.Clock.
type Clock struct {
	k *Kernel
}

// Now returns the epoch plus the kernel's current virtual time.
func (c Clock) Now() time.Time { return c.k.epoch.Add(time.Duration(c.k.now)) }
