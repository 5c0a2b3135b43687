package properties

import (
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
)

// Subject is what the checkers need to know about a run besides its
// trace. SubjectOf derives it from a scenario and its result; a trace from
// another engine comes with a Subject of its own.
type Subject struct {
	// Spec is what the profile promises.
	Spec Spec
	// EventDriven says the application drives its multi with socket_action
	// and keeps the one timer the timer callback describes (the socket
	// drivers); otherwise it loops on poll and perform and holds no timer.
	EventDriven bool
	// EpochPhase is the sub-second phase of the clock at virtual time
	// zero: curl's millisecond arithmetic depends on it.
	EpochPhase time.Duration
	// Transfers holds each transfer's limits; transfer ID i is index i−1.
	Transfers []Limits
	// Until is how far the run went: the virtual time it reached, or
	// sim.MaxTime when it ended with nothing left to happen, so that a
	// transfer still waiting then would wait for ever.
	Until sim.Time
	// Stops are the scenario's stop requests as set up (P8, P9); a trace
	// whose requests have no entry here is judged on what it shows, with
	// the proposal variant.
	Stops []StopSetup
	// PollCap is the poll cap of an application that loops on poll and
	// perform (the easy and multi-poll drivers): the longest its thread
	// sleeps while idle, so the longest a transfer waits for its next
	// drive. 0 for the socket drivers (the transfer's timers drive it).
	PollCap time.Duration
	// WatchesWakeup says the application's poll watches the multi's
	// wakeup pair (easy and multi-poll drivers), so that easy-stop and
	// multi_wakeup reach it within one wake-up.
	WatchesWakeup bool
	// Opaque says the trace shows only what an application sees (API
	// calls and returns, timer and socket callbacks, DONE messages,
	// progress callbacks, stop requests), not the library's internals
	// (timer lists, index, runs, states): a real libcurl's trace. The
	// checks that compare the application's view with those internals
	// (P1, P2, P3, P6's "nothing is due", P7) then have nothing to judge
	// and are skipped; P4, P5 at each transfer's end, P8 and P9 are judged
	// from the DONE messages and the stop records.
	Opaque bool
	// StopWake is one wake-up of the performing thread, the slack of
	// P8's wake-up bounds; 0 means 1 ms (the default host model wakes a
	// thread within 50 µs).
	StopWake time.Duration
}

// StopSetup is one stop request of a scenario.
type StopSetup struct {
	Transfer  int    // the transfer's ID
	Mechanism string // easy-stop, xferinfo, wakeup or timeout
	Variant   model.StopVariant
	// Handle is the easy-stop handle's setup: stoppable (or ""),
	// not-stoppable or no-lock-function.
	Handle       string
	FromCallback bool
}

func (s Subject) stopWake() time.Duration {
	if s.StopWake > 0 {
		return s.StopWake
	}
	return time.Millisecond
}

// Limits are what bounds one transfer in time. Zero values are unset.
type Limits struct {
	TimeoutMs        int64 // CURLOPT_TIMEOUT_MS, counted from the first run
	ConnectTimeoutMs int64 // CURLOPT_CONNECTTIMEOUT_MS, while connecting
	LowSpeedTime     int64 // CURLOPT_LOW_SPEED_TIME in seconds
	// ConnectBound says the trace shows when the connect phase ends (a
	// state change to DO), or that it never ends (a script without a
	// connected step), so the connect limit can be held to.
	ConnectBound bool
	// Grace is how late the transfer may end after a limit: the
	// application's lateness in acting on its timer (rounding, the host's
	// slack and wake-up latency). Processing time the thread claims
	// (busy records) comes on top.
	Grace time.Duration
}

// limitMs is the earliest limit that can time the transfer out, in ms
// from its first run (0: none): the connect limit (curl's default when
// unset) counts only while connecting.
func (l Limits) limitMs(connected bool) int64 {
	ms := l.TimeoutMs
	if !connected {
		c := l.ConnectTimeoutMs
		if c == 0 {
			c = model.DefaultConnectTimeoutMs
		}
		ms = positiveMin(ms, c)
	}
	if l.LowSpeedTime > 0 {
		ms = positiveMin(ms, l.LowSpeedTime*1000)
	}
	return ms
}

func positiveMin(a, b int64) int64 {
	switch {
	case a <= 0:
		return b
	case b <= 0:
		return a
	}
	return min(a, b)
}

// SubjectOf is the Subject of scenario s and its result r.
func SubjectOf(s scenario.Scenario, r scenario.Result) Subject {
	sub := Subject{
		Spec:        SpecOf(s.Profile),
		EventDriven: s.Driver == scenario.DriverSocketExact || s.Driver == scenario.DriverSocketPoll,
		EpochPhase:  s.EpochPhase,
		Until:       r.Outcome.Now,
	}
	if r.Outcome.Reason == sim.StopIdle {
		sub.Until = sim.MaxTime
	}
	for _, t := range s.Transfers {
		sub.Transfers = append(sub.Transfers, limitsOf(s, t))
	}
	if s.Driver == scenario.DriverEasy || s.Driver == scenario.DriverMultiPoll {
		sub.WatchesWakeup = true
		sub.PollCap = time.Duration(s.Profile.EasyPollCapMs) * time.Millisecond
		if s.PollCap > 0 {
			sub.PollCap = max(time.Millisecond, s.PollCap.Truncate(time.Millisecond))
		}
	}
	sub.StopWake = stopWake(s)
	for _, st := range s.Stops {
		v, _ := model.ParseStopVariant(st.Variant) // validated by scenario.Run
		sub.Stops = append(sub.Stops, StopSetup{Transfer: st.Transfer, Mechanism: st.Mechanism.String(),
			Variant: v, Handle: st.Handle.String(), FromCallback: st.FromCallback})
	}
	return sub
}

func limitsOf(s scenario.Scenario, t scenario.Transfer) Limits {
	var l Limits
	if o := t.Options; o != nil {
		l = Limits{TimeoutMs: o.TimeoutMs, ConnectTimeoutMs: o.ConnectTimeoutMs, ConnectBound: true}
		if o.LowSpeedLimit > 0 {
			l.LowSpeedTime = o.LowSpeedTime
		}
	} else if sc := t.Script; sc != nil {
		l = Limits{TimeoutMs: sc.Limits.TimeoutMs, ConnectTimeoutMs: sc.Limits.ConnectTimeoutMs, ConnectBound: !connects(sc)}
	}
	l.Grace = grace(s, max(l.TimeoutMs, l.ConnectTimeoutMs))
	return l
}

func connects(sc *model.Script) bool {
	for _, st := range sc.Steps {
		if st.Op == model.OpConnected {
			return true
		}
	}
	return false
}

// grace bounds how late the application acts on a deadline limitMs away:
// up to 2 ms of rounding (curl 8's ceiling on split fields, or 7.88's early
// wake and 1 ms re-arm), a few wake-up latencies, and the host's slack on
// the wait that ends at the deadline (poll(2) waits only: a timerfd has
// none), plus 1 ms for the thread's own steps.
func grace(s scenario.Scenario, limitMs int64) time.Duration {
	h := sim.DefaultHost()
	if s.Host != nil {
		h = *s.Host
	}
	wake := time.Millisecond // an unknown distribution: assume a slow machine
	if c, ok := h.WakeLatency.(sim.Const); ok || h.WakeLatency == nil {
		wake = c.D
	}
	g := 3*time.Millisecond + 3*wake
	wait := time.Duration(limitMs) * time.Millisecond
	switch s.Driver {
	case scenario.DriverSocketExact:
		return g
	case scenario.DriverEasy, scenario.DriverMultiPoll:
		wait = min(wait, max(s.PollCap, time.Duration(s.Profile.EasyPollCapMs)*time.Millisecond))
	}
	return g + slack(h, wait)
}

// stopWake is one wake-up of the scenario's host, at least 1 ms: a
// constant wake-up latency twice over (the stopper's and the performing
// thread's), 1 ms for an unknown distribution.
func stopWake(s scenario.Scenario) time.Duration {
	h := sim.DefaultHost()
	if s.Host != nil {
		h = *s.Host
	}
	if c, ok := h.WakeLatency.(sim.Const); ok {
		return max(time.Millisecond, 2*c.D)
	}
	return time.Millisecond
}

// slack is the host's slack on a timed wait of d (SPEC §7).
func slack(h sim.Host, d time.Duration) time.Duration {
	var sl time.Duration
	if h.SlackDiv > 0 {
		sl = min(d/time.Duration(h.SlackDiv), h.SlackMax)
	}
	return max(sl, h.SlackMin)
}

// RealHostSlack is what RealHost adds to a Subject's allowances: a real
// machine's scheduler (a loaded 2-core box, a thread woken by a socket or a
// timer, libcurl's own work per call) is slower and far less regular than
// the simulated host model, by up to a few milliseconds.
const RealHostSlack = 10 * time.Millisecond

// RealHost makes a Subject fit a trace recorded on a real libcurl
// (package realcurl): the trace is Opaque, it does not show when a
// transfer connected (Limits.ConnectBound false: the connect limit is held
// only through P4), every transfer's grace and the stop wake-up grow by
// RealHostSlack, and the epoch phase is the real clock's at the run's
// start, which the trace's engine.start record states (phase=), for
// curl 7.88's millisecond arithmetic. The properties stay the same; only
// what the trace can show and the allowances for lateness change.
func RealHost(sub Subject, trace []sim.Record) Subject {
	sub.Opaque = true
	for _, r := range trace {
		if v, ok := r.Get("phase"); ok && r.Kind == "engine.start" {
			if d, err := time.ParseDuration(v); err == nil && d >= 0 && d < time.Second {
				sub.EpochPhase = d
			}
			break
		}
	}
	sub.Transfers = append([]Limits(nil), sub.Transfers...)
	for i := range sub.Transfers {
		sub.Transfers[i].Grace += RealHostSlack
		sub.Transfers[i].ConnectBound = false
	}
	sub.StopWake = sub.stopWake() + RealHostSlack
	return sub
}
