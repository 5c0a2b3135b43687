package scenario

import (
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
)

// Situation is where a transfer is when someone asks it to stop (SPEC §6):
// Build gives the scenario for a profile and a mechanism, with the stop
// requested at a fixed point of the transfer's life. Every situation has
// TIMEOUT_MS 3000 as the hard bound the timeout mechanism relies on.
type Situation struct {
	Name string
	Doc  string
	// Bound is the stated limit of easy-stop's latency here: 1 ms where a
	// wake-up is all it takes, otherwise what keeps the performing thread
	// from looking (the rest of a lookup, a callback, a held lock).
	Bound time.Duration
	build func(s *Scenario)
}

// stopTimeoutMs is every situation's TIMEOUT_MS.
const stopTimeoutMs = 3000

// Build returns the situation's scenario with one stop by mechanism m
// (the easy driver, or multi-poll for wakeup, whose multi_poll loop it
// needs).
func (sit Situation) Build(p model.Profile, m Mechanism) Scenario {
	d := DriverEasy
	if m == MechWakeup {
		d = DriverMultiPoll
	}
	s := Scenario{Name: sit.Name + "/" + m.String(), Profile: p, Driver: d, Seed: 1}
	sit.build(&s)
	s.Transfers[0].Options.TimeoutMs = stopTimeoutMs
	s.Stops[0].Mechanism = m
	return s
}

// Applies reports whether mechanism m can be used in the situation: the
// share-lock hold needs the easy driver, which the wakeup mechanism
// cannot use.
func (sit Situation) Applies(m Mechanism) bool { return !(m == MechWakeup && sit.Name == "lock-held") }

// stopAt is a stop delay after the transfer enters state.
func stopAt(state string, d time.Duration) Stop {
	return Stop{Transfer: 1, OnState: state, At: sim.Const{D: d}}
}

// Situations lists the stop situations in a fixed order.
func Situations() []Situation {
	return []Situation{
		{Name: "connecting", Bound: time.Millisecond,
			Doc: "SYNs vanish (black hole); the stop comes 100 ms into the connect",
			build: func(s *Scenario) {
				oneServer(s, "blackhole")
				get(s, model.Options{})
				s.Stops = []Stop{stopAt("CONNECTING", 100*time.Millisecond)}
			}},
		{Name: "stalled", Bound: time.Millisecond,
			Doc: "the server never answers the request; the stop comes 500 ms after it was sent",
			build: func(s *Scenario) {
				oneServer(s, "stalled")
				get(s, model.Options{})
				s.Stops = []Stop{stopAt("PERFORMING", 500*time.Millisecond)}
			}},
		{Name: "trickling", Bound: time.Millisecond,
			Doc: "one body byte every 300 ms; the stop comes 1000 ms into the body",
			build: func(s *Scenario) {
				oneServer(s, "trickle(300ms,1,100)")
				get(s, model.Options{})
				s.Stops = []Stop{stopAt("PERFORMING", 1000*time.Millisecond)}
			}},
		{Name: "dns-async", Bound: time.Millisecond,
			Doc: "the threaded resolver needs 2 s; the stop comes 100 ms into the lookup",
			build: func(s *Scenario) {
				oneServer(s, "quick(5000)")
				s.Network.DNSDelay = sim.Const{D: 2 * time.Second}
				get(s, model.Options{})
				s.Stops = []Stop{stopAt("RESOLVING", 100*time.Millisecond)}
			}},
		{Name: "dns-sync", Bound: 1900*time.Millisecond + time.Millisecond,
			Doc: "a synchronous lookup of 2 s blocks the thread (NOSIGNAL: no alarm); the stop comes 100 ms in",
			build: func(s *Scenario) {
				oneServer(s, "quick(5000)")
				s.Network.DNSDelay = sim.Const{D: 2 * time.Second}
				get(s, model.Options{Resolver: model.ResolveSync, NoSignal: true})
				s.Stops = []Stop{{Transfer: 1, At: sim.Const{D: 100 * time.Millisecond}}}
			}},
		{Name: "write-callback", Bound: 800*time.Millisecond + time.Millisecond,
			Doc: "each write callback takes 800 ms (100 bytes every 100 ms arrive meanwhile); the stop comes 100 ms into the first",
			build: func(s *Scenario) {
				oneServer(s, "trickle(100ms,100,100000)")
				get(s, model.Options{WriteDelay: func(int) time.Duration { return 800 * time.Millisecond }})
				s.Stops = []Stop{stopAt("PERFORMING", 200*time.Millisecond)}
			}},
		{Name: "lock-held", Bound: 400*time.Millisecond + time.Millisecond,
			Doc: "the performing thread holds the share lock for 400 ms from 50 ms after sending the request; the stop comes at 100 ms",
			build: func(s *Scenario) {
				oneServer(s, "stalled")
				get(s, model.Options{})
				s.Hold = &Hold{OnState: "PERFORMING", After: 50 * time.Millisecond, For: 400 * time.Millisecond}
				s.Stops = []Stop{stopAt("PERFORMING", 100*time.Millisecond)}
			}},
	}
}

// SituationByName returns the situation called name.
func SituationByName(name string) (Situation, bool) {
	for _, s := range Situations() {
		if s.Name == name {
			return s, true
		}
	}
	return Situation{}, false
}
