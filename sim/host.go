package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// SlackFire says where in its slack window a timer fires.
type SlackFire uint8

const (
	// FireEnd fires at the end of the window: what an idle Linux machine
	// does, and the default.
	FireEnd SlackFire = iota
	// FireUniform fires uniformly within the window (a busy machine that
	// coalesces timers), drawn from the "host.slack" stream.
	FireUniform
	// FireStart fires at the nominal deadline, as if there were no slack.
	FireStart
)

var slackFireNames = [...]string{"end", "uniform", "start"}

// String names the placement as in configuration files.
func (f SlackFire) String() string {
	if int(f) < len(slackFireNames) {
		return slackFireNames[f]
	}
	return fmt.Sprintf("SlackFire(%d)", uint8(f))
}

// ParseSlackFire is the inverse of SlackFire.String.
func ParseSlackFire(s string) (SlackFire, error) {
	if i := slices.Index(slackFireNames[:], s); i >= 0 {
		return SlackFire(i), nil
	}
	return 0, fmt.Errorf("sim: unknown slack placement %q (want end, uniform or start)", s)
}

// Host is the model of what the operating system adds to a thread's
// waits (SPEC §7). Linux lets a poll/select/epoll timeout expire late by a
// slack of timeout/1000 (timeout/200 for a niced thread), at most 100 ms,
// at least the thread's own timer slack (50 µs by default); nanosleep uses
// the thread's timer slack alone. A thread woken by another party (a
// readiness notification, a mutex hand-off) runs a wake-up latency later.
// Every step of a thread costs CPU time.
type Host struct {
	// SlackDiv divides a timed wait's timeout to give its slack (1000:
	// 0.1 %); 0 means no proportional slack.
	SlackDiv int64
	// NicedSlackDiv replaces SlackDiv for niced threads (200: 0.5 %).
	NicedSlackDiv int64
	// SlackMax caps the proportional slack.
	SlackMax time.Duration
	// SlackMin is the thread's timer slack: the least slack of any timed
	// wait and the whole slack of a sleep.
	SlackMin time.Duration
	// Fire places the expiry within the slack window.
	Fire SlackFire
	// WakeLatency is the delay between a thread being made runnable by
	// another party and its next step; nil means none.
	WakeLatency Dist
	// TimerLatency is the delay between a timed wait's or a sleep's
	// expiry (its timeout plus the slack placement) and the thread's next
	// step: the kernel's timer interrupt and the scheduler; nil means
	// none. (A timerfd wakes its reader like any other descriptor: that
	// is WakeLatency.)
	TimerLatency Dist
	// StepCPU is the CPU time every step costs before it runs; nil means
	// none.
	StepCPU Dist
	// CPU holds the CPU cost of named operations, for Thread.Compute.
	CPU map[string]Dist
}

// DefaultHost returns the SPEC §7 host: slack 0.1 % (0.5 % niced), at most
// 100 ms, at least 50 µs, firing at the end of the window; a wake-up
// latency of 50 µs; no CPU cost.
func DefaultHost() Host {
	return Host{
		SlackDiv:      1000,
		NicedSlackDiv: 200,
		SlackMax:      100 * time.Millisecond,
		SlackMin:      50 * time.Microsecond,
		Fire:          FireEnd,
		WakeLatency:   Const{50 * time.Microsecond},
	}
}

// Slack returns the slack window of a timed wait with the given timeout,
// computed like Linux's select_estimate_accuracy. Unit vectors (default
// host): 1000 ms -> 1 ms, 200 ms -> 200 µs, 10 ms -> 50 µs (the floor),
// 300 s -> 100 ms (the cap). A timeout of zero or less has no slack: it
// does not wait.
func (h *Host) Slack(timeout time.Duration, niced bool) time.Duration {
	if timeout <= 0 {
		return 0
	}
	div := h.SlackDiv
	if niced {
		div = h.NicedSlackDiv
	}
	var s time.Duration
	if div > 0 {
		s = min(timeout/time.Duration(div), h.SlackMax)
	}
	return max(s, h.SlackMin)
}

// Validate reports a parameter out of range.
func (h *Host) Validate() error {
	switch {
	case h.SlackDiv < 0 || h.NicedSlackDiv < 0:
		return fmt.Errorf("sim: host: negative slack divisor")
	case h.SlackMax < 0 || h.SlackMin < 0:
		return fmt.Errorf("sim: host: negative slack bound")
	case int(h.Fire) >= len(slackFireNames):
		return fmt.Errorf("sim: host: %v", h.Fire)
	}
	if err := CheckDist(h.WakeLatency); err != nil {
		return fmt.Errorf("sim: host: wake latency: %w", err)
	}
	if err := CheckDist(h.StepCPU); err != nil {
		return fmt.Errorf("sim: host: step CPU: %w", err)
	}
	if err := CheckDist(h.TimerLatency); err != nil {
		return fmt.Errorf("sim: host: timer latency: %w", err)
	}
	return h.validateCPU()
}

// validateCPU checks the CPU costs in name order, so the error reported
// does not depend on map order.
func (h *Host) validateCPU() error {
	names := make([]string, 0, len(h.CPU))
	for name := range h.CPU {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if h.CPU[name] == nil {
			return fmt.Errorf("sim: host: CPU cost of %q is nil", name)
		}
		if err := CheckDist(h.CPU[name]); err != nil {
			return fmt.Errorf("sim: host: CPU cost of %q: %w", name, err)
		}
	}
	return nil
}

// drawDist samples d, treating nil as zero.
func drawDist(d Dist, r *rand.Rand) time.Duration {
	if d == nil {
		return 0
	}
	return d.Draw(r)
}

// slackedDeadline is when a timer of the given timeout and slack window,
// armed now, expires under the host's placement rule.
func (k *Kernel) slackedDeadline(timeout, slack time.Duration) Time {
	switch k.host.Fire {
	case FireStart:
		slack = 0
	case FireUniform:
		slack = time.Duration(k.hostRNG.slack.Uint64N(uint64(slack) + 1))
	}
	return k.now.Add(timeout).Add(slack).Add(drawDist(k.host.TimerLatency, k.hostRNG.timer))
}

// wakeLatency draws the delay before a thread woken by another party runs.
func (k *Kernel) wakeLatency() time.Duration { return drawDist(k.host.WakeLatency, k.hostRNG.wake) }

// stepCPU draws the CPU cost of one step.
func (k *Kernel) stepCPU() time.Duration { return drawDist(k.host.StepCPU, k.hostRNG.cpu) }
