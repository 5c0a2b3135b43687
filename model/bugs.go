package model

import (
	"fmt"
	"strconv"
	"strings"
)

// Bug is a historical libcurl bug of this layer (SPEC §9) that a profile can
// switch back on, so that a property suite can be shown to catch it. The
// number is SPEC §9's. Each switch sets knobs; it never patches code paths.
type Bug uint8

// The switchable bugs.
const (
	BugNone Bug = 0
	// Bug1RemoveAddSameMs: removing a handle and adding another within the
	// same millisecond fired no timer callback, stalling the new transfer.
	// Fixed in 7.19.1 (curl bug #2111613, commit 544f2f74df) by making
	// add_handle forget the last announced key. The switch also drops the
	// "−1 when empty" call, which only came in 7.21.2 and on its own hides
	// the bug: AddForgetsLast=false, CallOnEmpty=false.
	Bug1RemoveAddSameMs Bug = 1
	// Bug2ZeroUnderMs: multi_timeout returned 0 while less than 1 ms was
	// left, a busy loop. Fixed in 7.19.3 with the 1 ms floor.
	// Rounding=RoundTrunc.
	Bug2ZeroUnderMs Bug = 2
	// Bug3PurgeAfterRun: curl_multi_perform read "now" after running the
	// transfers and purged timers set during the run. Fixed in 7.21.1.
	// PurgeAt=PurgeAtEnd.
	Bug3PurgeAfterRun Bug = 3
	// Bug4NoReinsert: after a node's head timer expired, the node was not
	// re-inserted at the next deadline, so later timeouts were lost. Fixed
	// in 7.21.2 (commit ca10e28f06, "multi: fixes for timing out handles").
	// ReinsertAfterPop=false.
	Bug4NoReinsert Bug = 4
	// Bug5ClearBeforeDone: remove_handle cleared the timers before the
	// done-processing, which may set a new one: the node leaked in the
	// index. Fixed in 7.68.0 (curl issue #4575, commit 13182b33f7).
	// ClearAfterDone=false.
	Bug5ClearBeforeDone Bug = 5
	// Bug6ZeroClearsAll: Curl_expire(data, 0) meant "clear every timer", so
	// the low-speed check wiped the transfer's other timers. Fixed in 7.50.2
	// when clearing got its own function. ZeroClearsAll=true.
	Bug6ZeroClearsAll Bug = 6
	// Bug7NoReannounce: a premature SocketAction(SocketTimeout) with an
	// unchanged deadline was not announced again, so an application whose
	// timer fired early never got a new one: a stall. Fixed in 7.35.0,
	// regressed in 8.10.0, fixed again in 8.11.1 (curl issue #15627).
	// ActionForgetsLast=false.
	Bug7NoReannounce Bug = 7
	// Bug8MsTruncation: millisecond truncation dropped timers due in under
	// 1 ms when a node popped, and the truncated exposed timeout woke
	// applications early. Fixed in 8.4.0 (curl PRs #11937 and #11938).
	// Purge=Milli, Rounding=RoundTruncMin1. curl-7.88 predates the fix, so
	// the switch changes no knob there.
	Bug8MsTruncation Bug = 8
	// Bug9TimeoutStarts: TIMEOUT was armed from the operation's start while
	// the time-left check, during connect, counted the total limit from the
	// connect start (STARTSINGLE): a transfer that waited in PENDING had its
	// TIMEOUT timer fire while it still had time left, so the run did
	// nothing and nothing re-armed it: a hang until some other event. The
	// arming was fixed in 7.64.0 (curl issue #3501, commit 6f61933adf:
	// timers set at STARTSINGLE time), the connect-phase check in 7.76.0
	// (curl issue #6744, commit e8e7ef3612: both limits checked during
	// connect). ArmLimitsEachConnect=true (the connect clock restarts at
	// each CONNECT), ArmLimitsAtOpStart=true, TotalFromConnectStart=true,
	// and, on a profile without TopCheckConnect, 7.63's top check that
	// counts the connect phase: TopCheckConnectWithConn=true.
	Bug9TimeoutStarts Bug = 9
	// Bug10PendingTwice: curl_multi_perform's purge moved a timed-out
	// PENDING transfer back to CONNECT, arming EXPIRE_RUN_NOW (which put
	// its node back in the splay tree), before add_next_timeout re-inserted
	// the same node at its next deadline: a double insert, or, with no
	// deadline left, a node the transfer no longer knows about. Fixed in
	// 8.16.0 (curl PR #18005, commit 0122cc17f1, then issue #18201, commit
	// 019991c25e: add_next_timeout first). PurgeWakesFirst=true, and the
	// RUN_NOW timer that 8.15 still had instead of the dirty flag:
	// RunNow=RunNowTimer with the RUN_NOW ID. Package splay refuses a
	// double insert; the model's index keeps the stale occurrence as a
	// ghost that pops like a node (index.go).
	Bug10PendingTwice Bug = 10
	// Bug11ClearLeavesNode: clearing a transfer's last timer (or its head)
	// with Curl_expire_done left the node at the old key in the index:
	// spurious wake-ups. Fixed in 8.22.0 (curl PR #22473, commits
	// 874a54de5d and 5005fb4423). ClearFixesIndex=false; curl-7.88 and
	// curl-8.21 have it natively.
	Bug11ClearLeavesNode Bug = 11
	// Bug12GetBestLargest: the splay tree's getbest returned the largest due
	// key instead of the smallest, and equal keys came out newest first.
	// Fixed in 7.54.0. Best=BestLargestLIFO (modelled in the index wrapper;
	// package splay stays correct).
	Bug12GetBestLargest Bug = 12
	// Bug13PausedBusyLoop: a paused transfer that still had data to read
	// was asked to run again at once after every run, though it could not
	// read while paused: a busy loop until the application resumed it.
	// curl 8.4 to 8.8 kept a paused transfer's read-again bits and
	// multi_runsingle re-armed RUN_NOW for them; fixed in 8.9.0 (curl
	// issue #13908, commit 3841569ec8: blocked transfers are skipped).
	// Transfer.RerunBlocked=true.
	Bug13PausedBusyLoop Bug = 13
	// Bug14UnpauseNoTimer: curl_easy_pause's resume armed RUN_NOW but did
	// not update the application's timer, so an event-driven application
	// whose paused transfer had nothing on the wire (its last delivery was
	// the one paused) was never told to run it: a stall. Fixed in 7.65.2
	// (curl issue #3994, commit 680f141332: Curl_update_timer after the
	// expire). UnpauseNoTimer=true.
	Bug14UnpauseNoTimer Bug = 14
	numBugs             Bug = 15
)

type bugInfo struct {
	known bool
	apply func(p *Profile)
	facts BugFacts
}

// BugFacts say what a historical bug was and where curl fixed it.
type BugFacts struct {
	// Title is one line: what went wrong.
	Title string
	// Fixed is the curl release that fixed it ("7.19.1"; "8.22.0" for a
	// fix after every release the profiles model).
	Fixed string
	// Ref is curl's issue, pull request or commit that fixed it.
	Ref string
}

var bugs = [numBugs]bugInfo{
	Bug1RemoveAddSameMs: {true, func(p *Profile) { p.AddForgetsLast, p.CallOnEmpty = false, false },
		BugFacts{"remove a handle and add another within the same ms: no timer callback", "7.19.1", "bug #2111613, commit 544f2f74df"}},
	Bug2ZeroUnderMs: {true, func(p *Profile) { p.Rounding = RoundTrunc },
		BugFacts{"multi_timeout returned 0 under 1 ms before a deadline: busy loop", "7.19.3", "the 1 ms floor of multi_timeout"}},
	Bug3PurgeAfterRun: {true, func(p *Profile) { p.PurgeAt = PurgeAtEnd },
		BugFacts{"perform read now after running handles and purged timers set during the run", "7.21.1", "curl_multi_perform's purge threshold"}},
	Bug4NoReinsert: {true, func(p *Profile) { p.ReinsertAfterPop = false },
		BugFacts{"after the head timer expired the next one was not re-inserted", "7.21.2", "commit ca10e28f06"}},
	Bug5ClearBeforeDone: {true, func(p *Profile) { p.ClearAfterDone = false },
		BugFacts{"timers cleared before done-processing, which set a new one: leaked node", "7.68.0", "issue #4575, commit 13182b33f7"}},
	Bug6ZeroClearsAll: {true, func(p *Profile) { p.ZeroClearsAll = true },
		BugFacts{"Expire(0) cleared every timer: the low-speed check wiped the others", "7.50.2", "Curl_expire_clear split out"}},
	Bug7NoReannounce: {true, func(p *Profile) { p.ActionForgetsLast = false },
		BugFacts{"a premature timer with an unchanged deadline was never re-announced: stall", "8.11.1", "issue #15627 (first fixed in 7.35.0, regressed in 8.10.0)"}},
	Bug8MsTruncation: {true, func(p *Profile) { p.Purge, p.Rounding = Milli, RoundTruncMin1 },
		BugFacts{"ms truncation dropped timers due in under 1 ms and woke applications early", "8.4.0", "PRs #11937 and #11938"}},
	Bug9TimeoutStarts: {true, func(p *Profile) {
		p.Transfer.ArmLimitsEachConnect, p.Transfer.ArmLimitsAtOpStart = true, true
		p.Transfer.TotalFromConnectStart, p.Transfer.TopCheckConnectWithConn = true, true
	}, BugFacts{"TIMEOUT armed from another start than the time-left check: the timer fired, nothing re-armed: hang", "7.64.0 and 7.76.0", "issue #3501 (commit 6f61933adf), issue #6744 (commit e8e7ef3612)"}},
	Bug10PendingTwice: {true, func(p *Profile) {
		p.PurgeWakesFirst, p.RunNow, p.Timers = true, RunNowTimer, p.Timers|TimersOf(TimerRunNow)
	}, BugFacts{"a timed-out pending transfer inserted into the splay tree twice", "8.16.0", "PR #18005 (commit 0122cc17f1), issue #18201 (commit 019991c25e)"}},
	Bug11ClearLeavesNode: {true, func(p *Profile) { p.ClearFixesIndex = false },
		BugFacts{"clearing the last timer left the node in the tree: spurious wake-ups", "8.22.0", "PR #22473 (commits 874a54de5d, 5005fb4423)"}},
	Bug12GetBestLargest: {true, func(p *Profile) { p.Best = BestLargestLIFO },
		BugFacts{"getbest returned the largest due key and ties came out LIFO", "7.54.0", "lib/splay.c Curl_splaygetbest"}},
	Bug13PausedBusyLoop: {true, func(p *Profile) { p.Transfer.RerunBlocked = true },
		BugFacts{"a paused transfer re-armed run-now forever: busy loop", "8.9.0", "issue #13908, commit 3841569ec8"}},
	Bug14UnpauseNoTimer: {true, func(p *Profile) { p.UnpauseNoTimer = true },
		BugFacts{"unpausing an event-driven transfer armed no timer: stall", "7.65.2", "issue #3994, commit 680f141332"}},
}

// Facts are the bug's title, fixing release and reference (the zero
// BugFacts for BugNone or an unknown bug).
func (b Bug) Facts() BugFacts {
	if b >= numBugs || !bugs[b].known {
		return BugFacts{}
	}
	return bugs[b].facts
}

// Bugs lists the switchable bugs in number order.
func Bugs() []Bug {
	var out []Bug
	for b := Bug(1); b < numBugs; b++ {
		if bugs[b].known {
			out = append(out, b)
		}
	}
	return out
}

// String is "none" or "bugN".
func (b Bug) String() string {
	if b == BugNone {
		return "none"
	}
	return "bug" + strconv.Itoa(int(b))
}

// ParseBug accepts "bug7", "7" or "none".
func ParseBug(s string) (Bug, error) {
	if s == "none" {
		return BugNone, nil
	}
	n, err := strconv.Atoi(strings.TrimPrefix(s, "bug"))
	if err != nil || n <= 0 || n >= int(numBugs) || !bugs[n].known {
		return 0, fmt.Errorf("model: %q is not a switchable bug (want one of %v)", s, Bugs())
	}
	return Bug(n), nil
}
