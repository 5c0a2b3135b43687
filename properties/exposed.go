package properties

import (
	"math"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
)

// This file holds the rules on what the application is told: the single
// exposed timeout (P1), no busy loop (P6) and minimal timer callbacks (P7).

// told is the timeout the multi should tell at now: −1 with nothing
// pending, 0 when dead, dirty or due, else the gap to the index minimum
// rounded as the Spec states, at most INT_MAX.
func (c *checker) told(m *multi, now int64) int64 {
	point, runNow, ok := m.exposed(now)
	switch {
	case !ok:
		return -1
	case runNow:
		return 0
	}
	return c.round(point, now)
}

// round is SPEC §1's rounding of the gap from now to key, on the split
// (s, µs) fields curl reads.
func (c *checker) round(key, now int64) int64 {
	if key <= now {
		return 0
	}
	k, n := model.Micros(key+c.phase), model.Micros(now+c.phase)
	var ms int64
	switch c.sub.Spec.Rounding {
	case model.RoundCeil:
		ms = model.TimeDiffCeilMs(k, n)
	case model.RoundTrunc:
		ms = model.TimeDiffMs(k, n)
	default:
		ms = max(model.TimeDiffMs(k, n), 1)
	}
	return min(ms, math.MaxInt32)
}

// checkTold is P1 on a value the application was told.
func (c *checker) checkTold(m *multi, i int, now, ms int64, what string) {
	if m.dead {
		return // a dead multi's answers are 0 and its callback silent: nothing to compare
	}
	want := c.told(m, now)
	if ms == want {
		return
	}
	lines := []int{i}
	if x := m.minNode(); x != nil {
		lines = append(lines, x.keyLine)
	}
	c.flagLines(SingleTimeout, lines, m.thread, 0, "%s %d ms; the index minimum %s gives %d ms as %s rounds",
		what, ms, c.minText(m), want, c.sub.Spec.Profile)
}

func (c *checker) minText(m *multi) string {
	switch x := m.minNode(); {
	case m.dead:
		return "(the multi is dead)"
	case m.anyDirty():
		return "(a transfer is dirty: run now)"
	case x == nil:
		return "(none: the index is empty)"
	default:
		return "x" + itoa(x.id) + "@" + itoa(x.key) + "us"
	}
}

// onTimerCB: the value told is the exposed timeout (P1), not a repeated 0
// while nothing is due (P6), and news (P7); the application now holds the
// timer it describes.
func (c *checker) onTimerCB(m *multi, i int, r sim.Record) {
	ms, _ := field(r, "ms")
	now := r.At.Micros()
	if m.call != nil && m.call.fn == "remove" {
		// remove_handle detaches before it updates the timer; only a node
		// its done-processing leaked (bug 5) stays, for the check at return.
		x := m.get(m.call.x)
		x.alive, x.dirty = false, false
		m.touch(x)
	}
	if !c.sub.Opaque {
		c.checkTold(m, i, now, ms, "the timer callback was told")
		c.checkZero(m, i, now, ms)
		c.checkRepeat(m, i, ms, now)
	}
	point, _, _ := m.exposed(now)
	m.last = announcement{valid: true, ms: ms, point: point, line: i}
	m.forgotA, m.forgotT = false, false
	if !c.sub.EventDriven {
		return
	}
	m.app = appTimer{set: ms >= 0, at: now + ms*1000, point: point, line: i}
}

// checkZero is P6: the second "0" in a row while nothing is due is a busy
// loop.
func (c *checker) checkZero(m *multi, i int, now, ms int64) {
	if ms != 0 || !m.nothingDue(now) {
		m.zeros = 0
		return
	}
	m.zeros++
	if m.zeros == 2 {
		lines := []int{i}
		if x := m.minNode(); x != nil {
			lines = append(lines, x.keyLine)
		}
		c.flagLines(NoBusyLoop, lines, m.thread, 0,
			"told 0 again while nothing is due (the earliest key is %s): a busy loop", c.minText(m))
	}
}

// checkRepeat is P7: an announcement of the point last announced (or a
// second −1) is redundant, unless an add or a timeout action since made
// the profile forget it.
func (c *checker) checkRepeat(m *multi, i int, ms, now int64) {
	sp := c.sub.Spec
	if !m.last.valid || m.forgotA && sp.ForgetOnAdd || m.forgotT && sp.ForgetOnAction {
		return
	}
	point, _, _ := m.exposed(now)
	if (ms < 0) != (m.last.ms < 0) || ms >= 0 && point != m.last.point {
		return
	}
	what := "the empty index (−1)"
	if ms >= 0 {
		what = "the deadline at " + itoa(point) + "us"
	}
	c.flagLines(MinimalCallbacks, []int{m.last.line, i}, m.thread, 0,
		"the timer callback re-announced %s, unchanged since its last call", what)
}

// onWaitReturn checks a poll or wait: its timeout is the request capped
// by the exposed timeout (P1), not a repeated 0 (P6), and not past a
// pending deadline (P5).
func (c *checker) onWaitReturn(m *multi, i int, r sim.Record) {
	if text(r, "code") != "OK" || m.call == nil {
		return
	}
	now := r.At.Micros()
	timeout, _ := field(r, "timeout")
	sockets, _ := field(r, "sockets")
	ready := text(r, "ready") == "true"
	want := m.call.reqMs
	switch told := c.told(m, now); {
	case ready, m.call.fn == "wait" && sockets == 0:
		want = 0
	case m.dead:
		want = timeout
	case told >= 0 && told < want:
		want = told
	}
	if timeout != want {
		c.flag(SingleTimeout, i, m.thread, 0, "%s waits %d ms; the request (%d ms) capped by the exposed timeout %s gives %d ms",
			m.call.fn, timeout, m.call.reqMs, c.minText(m), want)
	}
	if !ready && m.call.reqMs > 0 && !(m.call.fn == "wait" && sockets == 0) {
		c.checkZero(m, i, now, timeout) // the multi told it, not the caller
	}
	c.checkPollCovers(m, i, now, timeout)
}

// checkAppTimer is P1 at rest for an event-driven application: it holds
// a timer exactly when the multi exposes a deadline, announced for that
// absolute point: the index minimum, or now when a transfer must run at
// once. (curl 8 compares absolute points to skip a callback, so a
// transfer made dirty at the very µs of the last announced deadline keeps
// that announcement, and the timer, rounded up, runs it: see P5 for how
// late a timer may fire.)
func (c *checker) checkAppTimer(m *multi, i int, now int64) {
	point, _, ok := m.exposed(now)
	app := m.app
	var what string
	switch {
	case !ok && app.set:
		what = "nothing is exposed, but the application still holds a timer for " + itoa(app.point) + "us"
	case ok && !app.set:
		what = "the multi exposes " + c.minText(m) + " but the application holds no timer"
	case ok && app.point != point:
		what = "the application's timer stands for " + itoa(app.point) + "us, the multi exposes " + itoa(point) + "us " + c.minText(m)
	}
	c.once(m, "app-timer", what != "", func() {
		c.flagLines(SingleTimeout, []int{app.line, i}, m.thread, 0, "%s", what)
	})
}
