package properties

import (
	"fmt"
	"strings"
)

// Property is one property of SPEC §8; its number is SPEC's.
type Property uint8

// The properties this package checks.
const (
	// SingleTimeout (1): the timer the application holds, every value it
	// is told (timer callback, multi_timeout, the poll timeout) and the
	// splay minimum agree, rounded as the profile states.
	SingleTimeout Property = 1
	// IDOverride (2): one deadline per (transfer, ID); Expire sets now+ms
	// and replaces; the index holds exactly the transfers with pending
	// deadlines, keyed at their list's head as the profile states.
	IDOverride Property = 2
	// FIFOTies (3): the index releases the smallest key first, equal keys
	// in insertion order.
	FIFOTies Property = 3
	// NoPrematureExpiry (4): no transfer times out before its option
	// value, beyond the profile's allowance.
	NoPrematureExpiry Property = 4
	// NoMissedDeadline (5): a pending deadline always has a timer that
	// wakes the application by it; a pop discards only due entries and
	// the transfer runs for them; a timed transfer ends by its limit plus
	// the application's lateness and processing.
	NoMissedDeadline Property = 5
	// NoBusyLoop (6): the application is not told 0 repeatedly while
	// nothing is due.
	NoBusyLoop Property = 6
	// MinimalCallbacks (7): no timer callback re-announces the deadline
	// last announced, except where the profile says so.
	MinimalCallbacks Property = 7
	// StopLatency (8): a stop ends its transfer within the bound stated
	// per mechanism and variant (see stop.go): one wake-up after the
	// performing thread can next look for easy-stop and wakeup, the
	// transfer's next drive for xferinfo (and easy-stop where no one
	// watches the wakeup pair), TIMEOUT_MS for timeout.
	StopLatency Property = 8
	// StopOutcome (9): every stop gets exactly one outcome for its
	// transfer: STOPPED, the real result when completion came first, 42
	// for xferinfo, a removal for wakeup; never lost; not-stoppable
	// handles unaffected; repeated stops harmless; no stop reaches a
	// perform it was not for.
	StopOutcome Property = 9
	// Determinism (10): the same scenario and seed give the same trace,
	// byte for byte.
	Determinism Property = 10
	maxProperty Property = 10
)

var propertyNames = [maxProperty + 1]string{
	SingleTimeout:     "single-timeout",
	IDOverride:        "id-override",
	FIFOTies:          "fifo-ties",
	NoPrematureExpiry: "no-premature-expiry",
	NoMissedDeadline:  "no-missed-deadline",
	NoBusyLoop:        "no-busy-loop",
	MinimalCallbacks:  "minimal-callbacks",
	StopLatency:       "stop-latency",
	StopOutcome:       "stop-outcome",
	Determinism:       "determinism",
}

// String is "P<n> <name>", as violations print it.
func (p Property) String() string {
	if p <= maxProperty && propertyNames[p] != "" {
		return fmt.Sprintf("P%d %s", uint8(p), propertyNames[p])
	}
	return fmt.Sprintf("Property(%d)", uint8(p))
}

// Name is the property's name without its number.
func (p Property) Name() string {
	if p <= maxProperty {
		return propertyNames[p]
	}
	return ""
}

// ParseProperty accepts a name ("fifo-ties") or a number ("3", "P3").
func ParseProperty(s string) (Property, error) {
	for p, n := range propertyNames {
		if n != "" && (s == n || s == fmt.Sprint(p) || s == fmt.Sprintf("P%d", p)) {
			return Property(p), nil
		}
	}
	return 0, fmt.Errorf("properties: unknown property %q (want one of %v)", s, AllProperties)
}

// Set is a set of properties.
type Set uint32

// TraceProperties are the properties Check judges on one trace.
const TraceProperties Set = 1<<SingleTimeout | 1<<IDOverride | 1<<FIFOTies | 1<<NoPrematureExpiry |
	1<<NoMissedDeadline | 1<<NoBusyLoop | 1<<MinimalCallbacks | 1<<StopLatency | 1<<StopOutcome

// AllProperties is every property of this package, Determinism included
// (it compares two traces).
const AllProperties = TraceProperties | 1<<Determinism

// SetOf builds a set.
func SetOf(ps ...Property) Set {
	var s Set
	for _, p := range ps {
		s |= 1 << p
	}
	return s
}

// Has reports whether p is in s.
func (s Set) Has(p Property) bool { return p <= maxProperty && s&(1<<p) != 0 }

// List returns the properties of s in number order.
func (s Set) List() []Property {
	var out []Property
	for p := Property(0); p <= maxProperty; p++ {
		if s.Has(p) && propertyNames[p] != "" {
			out = append(out, p)
		}
	}
	return out
}

// String lists the names, comma separated.
func (s Set) String() string {
	var names []string
	for _, p := range s.List() {
		names = append(names, p.Name())
	}
	return strings.Join(names, ",")
}
