package model

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Profile is a named bundle of behaviour choices (SPEC §0). It is plain
// data: the model branches on knobs, never on a version. Curl787 and Curl8
// are the two required profiles; WithBug switches one historical bug on.
type Profile struct {
	Name string

	// Rounding turns the gap to the earliest deadline into the exposed
	// timeout (multi_timeout).
	Rounding Rounding
	// Dedup decides when the timer callback may be skipped.
	Dedup Dedup
	// AddForgetsLast makes add_handle forget the last announced key, so the
	// callback always fires for a new transfer (7.19.1's fix for bug 1).
	AddForgetsLast bool
	// ActionForgetsLast makes SocketAction(SocketTimeout) forget the last
	// announced deadline, so an application whose timer fired early is told
	// again (bug 7's fix).
	ActionForgetsLast bool
	// CallOnEmpty calls the timer callback with −1 when the last deadline
	// goes (since 7.21.2; before that the callback was never told).
	CallOnEmpty bool
	// RunNow is how a transfer asks to be run at once.
	RunNow RunNow
	// Rearm is what an Expire that does not make the transfer earlier does
	// to the index key.
	Rearm Rearm
	// Compare is the resolution of the comparisons that order a timer list
	// and decide re-keying (curl's ms difference up to 8.21).
	Compare Resolution
	// Purge is the resolution of "is this entry past" when a popped node
	// discards its due entries (add_next_timeout): ms before 8.4.0 (bug 8).
	Purge Resolution
	// SecondPass makes SocketAction run due timers once more with a fresh
	// "now" when it ran anything (8.x); 7.88 loops once over a fixed now.
	SecondPass bool
	// ClearFixesIndex makes ExpireClear re-key or remove the index node when
	// the head changes; without it the node stays at the old key (bug 11).
	ClearFixesIndex bool
	// ReinsertAfterPop re-inserts a popped node at its next deadline
	// (without it: bug 4).
	ReinsertAfterPop bool
	// ClearAfterDone clears a removed transfer's timers after its
	// done-processing (without it: bug 5).
	ClearAfterDone bool
	// PurgeAt is the threshold Perform purges the index with.
	PurgeAt PurgeAt
	// Best is the order the index hands out due nodes (bug 12).
	Best BestOrder
	// ZeroClearsAll makes Expire(id, 0) clear every timer (bug 6).
	ZeroClearsAll bool
	// PurgeWakesFirst makes Perform's purge move a timed-out PENDING
	// transfer back to CONNECT, which arms its run-now, before the popped
	// node goes back in at its next deadline (add_next_timeout): the node
	// is then inserted twice, and a node curl no longer knows about stays
	// in the tree. Before 8.16.0 (bug 10).
	PurgeWakesFirst bool
	// UnpauseNoTimer makes curl_easy_pause's resume ask for a run
	// (RUN_NOW) without updating the application's timer: an event-driven
	// application whose transfer's socket was not watched while paused
	// never hears of it. Before 7.65.2 (bug 14).
	UnpauseNoTimer bool
	// Timers is the set of timer IDs the version has.
	Timers TimerSet
	// EasyPollCapMs caps easy_perform's poll (SPEC §4), for the transfer
	// layer.
	EasyPollCapMs int64
	// HappyEyeballsMs is the delay of the next connect attempt.
	HappyEyeballsMs int64
	// Transfer holds the knobs of the transfer state machine (Transfer).
	Transfer TransferKnobs
	// Bug is the historical bug switched on by WithBug, or BugNone.
	Bug Bug
	// Index is what orders the index of transfers: curl's splay tree
	// (the zero value) or a heap; the trace must not depend on it.
	Index IndexKind
}

// TransferKnobs are the version differences of the transfer state machine
// (Transfer), read from lib/multi.c, lib/connect.c, lib/transfer.c and
// lib/progress.c of 7.88.1 and 8.11.1. Curl8's knobs are 8.11.1's: 8.21
// rewrote happy eyeballs (lib/cf-ip-happy.c), which the model does not
// follow.
type TransferKnobs struct {
	// ArmLimitsEachConnect arms TIMEOUT and CONNECTTIMEOUT and restarts the
	// connect clock at every entry to CONNECT, including the return from
	// PENDING (7.88); otherwise once, in the SETUP step after INIT (8.x).
	ArmLimitsEachConnect bool
	// TopCheckConnect makes the time-left check at the top of every loop
	// iteration count the connect limit before DO and run with or without
	// a connection (8.x); 7.88 checks only the total limit there, and only
	// once a connection exists. Both check the connect limit at the bottom
	// of the last iteration before DO.
	TopCheckConnect bool
	// PendingParked keeps PENDING transfers off the process list: Perform
	// does not run them and its purge times them out (8.x). 7.88 runs them
	// to no effect and never times them out while pending.
	PendingParked bool
	// ConnectWakesPending moves the oldest PENDING transfer back to CONNECT
	// whenever a transfer gets through CONNECT (8.x state_connect); 7.88
	// does so only when that transfer itself came back from PENDING.
	ConnectWakesPending bool
	// HappyEyeballsAlways arms HAPPY_EYEBALLS at every connect start, even
	// with one address family (7.88); 8.x arms it only when a second
	// family exists.
	HappyEyeballsAlways bool
	// IPv6First makes IPv6 the first family raced when the host has an
	// IPv6 address (8.x); 7.88 starts with the family of the first address.
	IPv6First bool
	// HalveLargeOnly halves an attempt's share of the connect time, when
	// more addresses of its family follow, only above 600 ms (8.x USETIME);
	// 7.88 always halves.
	HalveLargeOnly bool
	// NextAttemptRunNow makes a connect attempt started after a failed one
	// ask to run at once (8.11 is_connected); 7.88 waits for the next wake.
	NextAttemptRunNow bool
	// RateCeil measures the rate limiter's elapsed ms with the ceiling
	// (8.x Curl_pgrsLimitWaitTime); 7.88 uses the truncating difference.
	RateCeil bool
	// RateResumeSamePass goes on reading in the same run when RATELIMITING
	// ends (8.x); 7.88 waits for the next run.
	RateResumeSamePass bool
	// RateCapsRead reads at most one chunk of at most MaxRecvSpeed bytes
	// per run when a receive limit is set (8.x sendrecv_dl); 7.88 reads
	// whatever is there.
	RateCapsRead bool
	// FreshNowInPerform makes the transfer loop read the clock afresh for
	// its speed and time-left checks (7.88 Curl_readwrite); 8.x uses the
	// run's "now".
	FreshNowInPerform bool
	// RecvLoops is how many reads one PERFORMING run makes before asking to
	// run again with data still waiting (7.88: 101, 8.x: 11).
	RecvLoops int
	// ArmLimitsAtOpStart arms TIMEOUT and CONNECTTIMEOUT once, when the
	// operation starts (INIT), while the connect clock still restarts at
	// every entry to CONNECT: before 7.64.0 (curl #3501) Curl_pretransfer
	// armed them. Only meaningful with ArmLimitsEachConnect. Bug 9.
	ArmLimitsAtOpStart bool
	// TotalFromConnectStart counts the total limit from the connect start
	// (STARTSINGLE), not the operation's start, while connecting: before
	// 7.76.0 (curl #6744) Curl_timeleft used one start for both limits, so
	// the time spent in PENDING was forgotten. Bug 9.
	TotalFromConnectStart bool
	// TopCheckConnectWithConn makes the top check count the connect limit
	// before DO, still only with a connection (7.63's multi_runsingle);
	// without TopCheckConnect, 7.88 counts only the total limit. Bug 9.
	TopCheckConnectWithConn bool
	// RerunBlocked makes a paused transfer that still has data to read
	// ask to run again at once after every run, though it cannot read: a
	// busy loop. curl 8.4 to 8.8 left a paused transfer's read-again bits
	// set (so that they tell what to do at resume) and multi_runsingle
	// re-armed RUN_NOW for them; 8.9.0 skips blocked transfers (curl
	// issue #13908, commit 3841569ec8). Bug 13.
	RerunBlocked bool
}

// Curl788 is Debian 12's libcurl 7.88.1, as its lib/multi.c and
// lib/timeval.c behave: truncating ms timeout with a 1 ms floor, callback
// skipped when the minimum key is unchanged, EXPIRE_RUN_NOW timers, early
// keys, ms comparisons, no second pass. Curl_expire_done leaves the index
// node alone, so bug 11 (fixed only in 8.22) is native; so is bug 8 (fixed
// in 8.4.0): those switches change nothing here.
func Curl788() Profile {
	return Profile{
		Name: "curl-7.88", Rounding: RoundTruncMin1, Dedup: DedupKey,
		AddForgetsLast: true, ActionForgetsLast: true, CallOnEmpty: true,
		RunNow: RunNowTimer, Rearm: RearmKeepEarly, Compare: Milli, Purge: Milli,
		SecondPass: false, ClearFixesIndex: false, ReinsertAfterPop: true,
		ClearAfterDone: true, PurgeAt: PurgeAtStart, Best: BestSmallestFIFO,
		Timers: AllTimers &^ TimersOf(TimerShutdown), EasyPollCapMs: 1000,
		HappyEyeballsMs: 200,
		Transfer: TransferKnobs{
			ArmLimitsEachConnect: true, HappyEyeballsAlways: true,
			FreshNowInPerform: true, RecvLoops: 101,
		},
	}
}

// Curl8 is curl 8 as SPEC §0 states it: ceiling timeout (8.4.0, split-field
// formula of lib/timeval.c), callback skipped only for an unchanged absolute
// deadline, dirty flag instead of RUN_NOW (8.16), second pass in
// SocketAction, and the timer list of curl's #22473 rewrite (8.22): key
// moved on every head change, µs comparisons, ExpireClear fixes the index.
// The released 8.11.1 to 8.21.0 still keep early keys, compare in ms and
// leave the node on ExpireClear; Curl8Released has those knobs.
func Curl8() Profile {
	return Profile{
		Name: "curl-8", Rounding: RoundCeil, Dedup: DedupDeadline,
		AddForgetsLast: false, ActionForgetsLast: true, CallOnEmpty: true,
		RunNow: RunNowDirty, Rearm: RearmMove, Compare: Micro, Purge: Micro,
		SecondPass: true, ClearFixesIndex: true, ReinsertAfterPop: true,
		ClearAfterDone: true, PurgeAt: PurgeAtStart, Best: BestSmallestFIFO,
		Timers: AllTimers &^ TimersOf(TimerRunNow), EasyPollCapMs: 1000,
		HappyEyeballsMs: 200,
		Transfer: TransferKnobs{
			TopCheckConnect: true, PendingParked: true, ConnectWakesPending: true,
			IPv6First: true, HalveLargeOnly: true, NextAttemptRunNow: true,
			RateCeil: true, RateResumeSamePass: true, RateCapsRead: true,
			RecvLoops: 11,
		},
	}
}

// Curl8Released is Curl8 with the timer list of the released 8.16 to 8.21
// (lib/multi.c Curl_expire_ex, multi_addtimeout, Curl_expire_done): early
// keys, ms comparisons, and ExpireClear leaving the node (bug 11).
func Curl8Released() Profile {
	p := Curl8()
	p.Name = "curl-8.21"
	p.Rearm, p.Compare, p.ClearFixesIndex = RearmKeepEarly, Milli, false
	return p
}

// Profiles lists the named profiles ByName knows.
func Profiles() []Profile { return []Profile{Curl788(), Curl8(), Curl8Released()} }

// ByName returns a named profile, optionally with one bug switched on:
// "curl-8", "curl-7.88+bug7".
func ByName(name string) (Profile, error) {
	base, bug, hasBug := strings.Cut(name, "+")
	for _, p := range Profiles() {
		if p.Name != base {
			continue
		}
		if !hasBug {
			return p, nil
		}
		b, err := ParseBug(bug)
		if err != nil {
			return Profile{}, err
		}
		return p.WithBug(b)
	}
	return Profile{}, fmt.Errorf("model: unknown profile %q (want curl-7.88, curl-8 or curl-8.21, optionally +bugN)", name)
}

// WithBug returns p with historical bug b switched on and its name suffixed
// with +bugN. A profile holds at most one bug; BugNone returns p unchanged.
func (p Profile) WithBug(b Bug) (Profile, error) {
	if b == BugNone {
		return p, nil
	}
	if p.Bug != BugNone {
		return Profile{}, fmt.Errorf("model: profile %s already has %v", p.Name, p.Bug)
	}
	if b >= numBugs {
		return Profile{}, fmt.Errorf("model: unknown bug %d", uint8(b))
	}
	bugs[b].apply(&p)
	p.Bug = b
	p.Name += "+" + b.String()
	return p, nil
}

// Validate reports knob combinations the model cannot run.
func (p Profile) Validate() error {
	switch {
	case p.Name == "":
		return fmt.Errorf("model: profile has no name")
	case p.Rounding >= numRoundings || p.Dedup >= numDedups || p.RunNow >= numRunNows ||
		p.Rearm >= numRearms || p.Compare >= numResolutions || p.Purge >= numResolutions ||
		p.PurgeAt >= numPurgeAts || p.Best >= numBestOrders || p.Bug >= numBugs:
		return fmt.Errorf("model: profile %s has an out-of-range knob", p.Name)
	case p.RunNow == RunNowTimer && !p.Timers.Has(TimerRunNow):
		return fmt.Errorf("model: profile %s runs transfers with RUN_NOW timers but lacks the RUN_NOW ID", p.Name)
	case p.HappyEyeballsMs < 0 || p.EasyPollCapMs < 0 || p.Transfer.RecvLoops < 0:
		return fmt.Errorf("model: profile %s has a negative knob", p.Name)
	}
	return nil
}

// String lists the name and every knob, in a fixed order.
func (p Profile) String() string {
	var b strings.Builder
	b.WriteString(p.Name)
	b.WriteString("{")
	knobs := []struct{ k, v string }{
		{"rounding", p.Rounding.String()}, {"dedup", p.Dedup.String()},
		{"add-forgets-last", strconv.FormatBool(p.AddForgetsLast)},
		{"action-forgets-last", strconv.FormatBool(p.ActionForgetsLast)},
		{"call-on-empty", strconv.FormatBool(p.CallOnEmpty)},
		{"run-now", p.RunNow.String()}, {"rearm", p.Rearm.String()},
		{"compare", p.Compare.String()}, {"purge", p.Purge.String()},
		{"second-pass", strconv.FormatBool(p.SecondPass)},
		{"clear-fixes-index", strconv.FormatBool(p.ClearFixesIndex)},
		{"reinsert-after-pop", strconv.FormatBool(p.ReinsertAfterPop)},
		{"clear-after-done", strconv.FormatBool(p.ClearAfterDone)},
		{"purge-at", p.PurgeAt.String()}, {"best", p.Best.String()},
		{"zero-clears-all", strconv.FormatBool(p.ZeroClearsAll)},
		{"purge-wakes-first", strconv.FormatBool(p.PurgeWakesFirst)},
		{"unpause-no-timer", strconv.FormatBool(p.UnpauseNoTimer)},
		{"timers", p.Timers.String()},
		{"easy-poll-cap-ms", strconv.FormatInt(p.EasyPollCapMs, 10)},
		{"happy-eyeballs-ms", strconv.FormatInt(p.HappyEyeballsMs, 10)},
	}
	knobs = append(knobs, p.Transfer.knobs()...)
	knobs = append(knobs, struct{ k, v string }{"bug", p.Bug.String()})
	for i, kv := range knobs {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(kv.k + "=" + kv.v)
	}
	b.WriteString("}")
	return b.String()
}

// Rounding is how the exposed timeout is computed from a positive gap
// (a due or dead multi always gives 0).
type Rounding uint8

// The roundings.
const (
	// RoundTruncMin1 (7.19.3 to 8.3): TimeDiffMs, but 1 when that is 0 or
	// less while the deadline is still ahead.
	RoundTruncMin1 Rounding = iota
	// RoundCeil (8.4.0 on): TimeDiffCeilMs.
	RoundCeil
	// RoundTrunc (before 7.19.3, bug 2): TimeDiffMs, so 0 while up to 1 ms
	// remains: a busy loop.
	RoundTrunc
	numRoundings
)

var roundingNames = [numRoundings]string{"trunc-min1", "ceil", "trunc"}

// String is the name used in profiles, traces and scripts.
func (r Rounding) String() string { return enumName(roundingNames[:], uint8(r)) }

// exposed is the timeout for deadline key seen at now, before the INT_MAX
// cap.
func (r Rounding) exposed(key, now Micros) int64 {
	if TimeDiffUs(key, now) <= 0 {
		return 0
	}
	switch r {
	case RoundCeil:
		return TimeDiffCeilMs(key, now)
	case RoundTrunc:
		return TimeDiffMs(key, now)
	}
	if ms := TimeDiffMs(key, now); ms > 0 {
		return ms
	}
	return 1
}

// Dedup is the rule for skipping a timer callback whose news is old.
type Dedup uint8

// The dedup rules.
const (
	// DedupKey (7.88): skip when the index minimum's key equals the last
	// announced key; an empty index calls −1 once.
	DedupKey Dedup = iota
	// DedupDeadline (8.x): call on any change between "none" and "some";
	// with both some, call only when the absolute deadline moved.
	DedupDeadline
	numDedups
)

var dedupNames = [numDedups]string{"key", "deadline"}

// String is the name used in profiles, traces and scripts.
func (d Dedup) String() string { return enumName(dedupNames[:], uint8(d)) }

// RunNow is how "run this transfer at once" is represented.
type RunNow uint8

// The run-now mechanisms.
const (
	// RunNowTimer (to 8.15): an EXPIRE_RUN_NOW deadline of "now".
	RunNowTimer RunNow = iota
	// RunNowDirty (8.16 on): a dirty flag; a dirty transfer makes the
	// exposed timeout 0 and runs in the next SocketAction.
	RunNowDirty
	numRunNows
)

var runNowNames = [numRunNows]string{"timer", "dirty"}

// String is the name used in profiles, traces and scripts.
func (r RunNow) String() string { return enumName(runNowNames[:], uint8(r)) }

// Rearm is what Expire does to the index key.
type Rearm uint8

// The re-arm rules.
const (
	// RearmKeepEarly (7.88 to 8.21): re-key only when the new deadline is
	// not later than the current key; a later re-arm of the head leaves the
	// key early and the transfer wakes once for nothing.
	RearmKeepEarly Rearm = iota
	// RearmMove (8.22): re-key whenever the head of the list changed.
	RearmMove
	numRearms
)

var rearmNames = [numRearms]string{"keep-early", "move"}

// String is the name used in profiles, traces and scripts.
func (r Rearm) String() string { return enumName(rearmNames[:], uint8(r)) }

// Resolution is how two deadlines are compared.
type Resolution uint8

// The resolutions.
const (
	Micro Resolution = iota // exact µs difference
	Milli                   // curl's TimeDiffMs: deadlines under 1 ms apart may compare equal
	numResolutions
)

var resolutionNames = [numResolutions]string{"us", "ms"}

// String is the name used in profiles, traces and scripts.
func (r Resolution) String() string { return enumName(resolutionNames[:], uint8(r)) }

// diff is a − b at this resolution; only its sign matters to callers.
func (r Resolution) diff(a, b Micros) int64 {
	if r == Milli {
		return TimeDiffMs(a, b)
	}
	return TimeDiffUs(a, b)
}

// PurgeAt is the time Perform purges due index nodes at.
type PurgeAt uint8

// The purge thresholds.
const (
	PurgeAtStart PurgeAt = iota // the start of the call (7.21.1 on)
	PurgeAtEnd                  // a fresh read after running transfers (bug 3)
	numPurgeAts
)

var purgeAtNames = [numPurgeAts]string{"start", "end"}

// String is the name used in profiles, traces and scripts.
func (p PurgeAt) String() string { return enumName(purgeAtNames[:], uint8(p)) }

// BestOrder is the order the index releases due nodes in.
type BestOrder uint8

// The orders.
const (
	BestSmallestFIFO BestOrder = iota // smallest key first, oldest first among equal keys (7.54 on)
	BestLargestLIFO                   // largest due key first, newest first among equal keys (bug 12)
	numBestOrders
)

var bestNames = [numBestOrders]string{"smallest-fifo", "largest-lifo"}

// String is the name used in profiles, traces and scripts.
func (b BestOrder) String() string { return enumName(bestNames[:], uint8(b)) }

// maxTimeoutMs is INT_MAX: no deadline is further away, so the exposed
// timeout always fits the callback's int.
const maxTimeoutMs = math.MaxInt32

func enumName(names []string, v uint8) string {
	if int(v) < len(names) {
		return names[v]
	}
	return fmt.Sprintf("?(%d)", v)
}

// knobs lists the transfer knobs for Profile.String.
func (t TransferKnobs) knobs() []struct{ k, v string } {
	b := strconv.FormatBool
	return []struct{ k, v string }{
		{"arm-limits-each-connect", b(t.ArmLimitsEachConnect)},
		{"top-check-connect", b(t.TopCheckConnect)},
		{"pending-parked", b(t.PendingParked)},
		{"connect-wakes-pending", b(t.ConnectWakesPending)},
		{"happy-eyeballs-always", b(t.HappyEyeballsAlways)},
		{"ipv6-first", b(t.IPv6First)},
		{"halve-large-only", b(t.HalveLargeOnly)},
		{"next-attempt-run-now", b(t.NextAttemptRunNow)},
		{"rate-ceil", b(t.RateCeil)},
		{"rate-resume-same-pass", b(t.RateResumeSamePass)},
		{"rate-caps-read", b(t.RateCapsRead)},
		{"fresh-now-in-perform", b(t.FreshNowInPerform)},
		{"recv-loops", strconv.Itoa(t.RecvLoops)},
		{"arm-limits-at-op-start", b(t.ArmLimitsAtOpStart)},
		{"total-from-connect-start", b(t.TotalFromConnectStart)},
		{"top-check-connect-with-conn", b(t.TopCheckConnectWithConn)},
		{"rerun-blocked", b(t.RerunBlocked)},
	}
}
