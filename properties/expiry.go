package properties

import (
	"slices"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
)

// This file holds the rules on when transfers end: no premature expiry
// (P4) and the rest of no missed deadline (P5): a pending deadline always
// has a timer that wakes the application by it (up to 2 ms of rounding),
// every added transfer runs, and a timed transfer ends by its limit.

// roundingSlack is how far after a deadline a correctly rounded timer may
// fire: curl 8's ceiling on split fields adds up to 2 ms, 7.88's
// truncation and 1 ms re-arm up to 1 ms.
const roundingSlack = 2000 // µs

// checkCovered is P5 at rest for an event-driven application: the
// earliest pending deadline has a timer that fires by it.
func (c *checker) checkCovered(m *multi, i int, now int64) {
	at, x, line, ok := m.earliestPending(now)
	var what string
	switch {
	case ok && !m.app.set:
		what = "has a deadline pending at " + itoa(at) + "us but the application holds no timer: nothing wakes it"
	case ok && m.app.at > max(at, now)+roundingSlack:
		what = "has a deadline pending at " + itoa(at) + "us but the application's timer fires at " + itoa(m.app.at) + "us"
	}
	c.once(m, "covered", what != "", func() {
		c.flagLines(NoMissedDeadline, []int{line, m.app.line, i}, m.thread, x.id, "x%d %s", x.id, what)
	})
}

// checkPollCovers is P5 for a polling application: the poll ends by the
// earliest pending deadline.
func (c *checker) checkPollCovers(m *multi, i int, now, timeoutMs int64) {
	at, x, line, ok := m.earliestPending(now)
	late := ok && now+timeoutMs*1000 > max(at, now)+roundingSlack
	c.once(m, "covered", late, func() {
		c.flagLines(NoMissedDeadline, []int{line, i}, m.thread, x.id,
			"x%d has a deadline pending at %dus but the poll sleeps %d ms, to %dus", x.id, at, timeoutMs, now+timeoutMs*1000)
	})
}

// limits returns the limits of transfer id, if the Subject knows them.
func (c *checker) limits(id int64) (Limits, bool) {
	if id < 1 || id > int64(len(c.sub.Transfers)) {
		return Limits{}, false
	}
	return c.sub.Transfers[id-1], true
}

// start is t_startop: the transfer's first run (its add when it never
// ran, for it should have run at once).
func (x *xfer) start() sim.Time {
	if x.ran {
		return x.firstRun
	}
	return x.addAt
}

func (c *checker) onFinish(m *multi, i int, r sim.Record) {
	x := m.get(r.Transfer)
	x.alive, x.dirty, x.finished = false, false, true
	x.finishAt, x.finishLine, x.result = r.At, i, text(r, "result")
	m.owed = slices.DeleteFunc(m.owed, func(o owed) bool { return o.x == x }) // finishing serves them all
	if x.result == "OPERATION_TIMEDOUT" {
		c.checkPremature(m, i, x)
	}
	c.checkLate(m, x)
}

// checkPremature is P4: a timeout no earlier than the earliest limit that
// could cause it, unless curl's ms difference (Spec.MsTimeLeft) reads the
// elapsed time as that limit already.
//
// Two causes of OPERATION_TIMEDOUT are not limit checks, and the trace
// names them: the verdict of connect attempts that failed with ETIMEDOUT
// (each address gets a share of the connect time; the kernel has its own
// SYN timeout), and curl's refusal to start a synchronous lookup under
// alarm() with less than a second left (lib/hostip.c).
func (c *checker) checkPremature(m *multi, i int, x *xfer) {
	lim, ok := c.limits(x.id)
	ms := lim.limitMs(x.connected)
	if !ok || ms <= 0 || x.cause == "connect-failed" || x.cause == "alarm-too-short" {
		return
	}
	limit := time.Duration(ms) * time.Millisecond
	elapsed := x.finishAt.Sub(x.start())
	if elapsed >= limit || c.sub.Spec.MsTimeLeft && c.msDiff(x.finishAt, x.start()) >= ms {
		return
	}
	c.flagLines(NoPrematureExpiry, []int{x.addLine, i}, m.thread, x.id,
		"x%d timed out %v after its first run, before its limit of %v (curl's ms difference reads %d ms)",
		x.id, elapsed, limit, c.msDiff(x.finishAt, x.start()))
}

// msDiff is curl's ms difference a − b on split fields (SPEC §1).
func (c *checker) msDiff(a, b sim.Time) int64 {
	return model.TimeDiffMs(model.Micros(a.Micros()+c.phase), model.Micros(b.Micros()+c.phase))
}

// bound is when a timed transfer must have ended (if the Spec holds it to
// that: not a pending one it exempts, nor one whose limit deadline ms
// arithmetic discarded early or keyed late, which curl does by design up
// to 8.3 and 8.21, bug 8 and the key drift): its first run plus its
// total limit, or its connect clock plus its connect limit while it has not
// connected by then, plus its grace and the processing its thread claimed
// meanwhile.
func (c *checker) bound(m *multi, x *xfer) (sim.Time, bool) {
	lim, ok := c.limits(x.id)
	sp := c.sub.Spec
	exempt := x.pending && (sp.PendingExempt || sp.PendingExemptSocket && c.sub.EventDriven)
	if !ok || exempt || x.limitLost {
		return 0, false
	}
	b := sim.MaxTime
	if lim.TimeoutMs > 0 {
		b = c.late(m, x, lim, x.start().Add(time.Duration(lim.TimeoutMs)*time.Millisecond))
	}
	if lim.ConnectBound && lim.ConnectTimeoutMs > 0 {
		cb := max(x.start(), x.connectAt).Add(time.Duration(lim.ConnectTimeoutMs) * time.Millisecond)
		cb = c.late(m, x, lim, cb)
		if !x.connected || x.connectedAt > cb {
			b = min(b, cb)
		}
	}
	return b, b != sim.MaxTime
}

// late adds to a limit's deadline the grace and the processing time the
// thread claimed from the transfer's start until then, processing during
// the extension included (a fixed point: each round takes in at least one
// more claim or stops).
func (c *checker) late(m *multi, x *xfer, lim Limits, d sim.Time) sim.Time {
	late := d.Add(lim.Grace)
	for range len(m.busy) + 1 {
		next := d.Add(lim.Grace + m.busyIn(x.start(), late))
		if next == late {
			break
		}
		late = next
	}
	return late
}

// checkLate is P5 at a transfer's end: it ended by its bound.
func (c *checker) checkLate(m *multi, x *xfer) {
	b, ok := c.bound(m, x)
	if ok && x.finishAt > b {
		c.flagLines(NoMissedDeadline, []int{x.addLine, x.finishLine}, m.thread, x.id,
			"x%d ended at %dus, after its limit plus grace (%dus)", x.id, x.finishAt.Micros(), b.Micros())
	}
}

// checkUnfinished is P5 at the end of the trace: a transfer still running
// when the run went past its bound is a missed deadline, and one that was
// added and never ran is a hang.
func (c *checker) checkUnfinished(m *multi, x *xfer) {
	if !x.attached || x.finished {
		return
	}
	until := c.sub.Until
	lines := []int{x.addLine, m.lastLine}
	if b, ok := c.bound(m, x); ok && until >= b {
		c.flagLines(NoMissedDeadline, lines, m.thread, x.id,
			"x%d was still running at the end of the run (%s), past its limit plus grace (%dus)", x.id, untilText(until), b.Micros())
		if c.props.Has(NoMissedDeadline) {
			c.out[len(c.out)-1].At = b
		}
		return
	}
	// Only a transfer the Subject knows is held to running: its
	// application honours the timer it is given.
	lim, known := c.limits(x.id)
	if known && !c.sub.Opaque && !x.ran && until >= x.addAt.Add(max(lim.Grace, 5*time.Millisecond)) {
		c.flagLines(NoMissedDeadline, lines, m.thread, x.id, "x%d was added at %dus and never ran", x.id, x.addAt.Micros())
	}
}

func untilText(t sim.Time) string {
	if t == sim.MaxTime {
		return "idle: nothing would ever wake it"
	}
	return itoa(t.Micros()) + "us"
}
