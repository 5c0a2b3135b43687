package properties

import (
	"math"
	"strconv"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
)

// This file holds the rules on timer lists and the index: ID override
// (P2), FIFO ties (P3), and the part of no missed deadline (P5) that pops
// decide: a pop discards only due entries, and the transfer runs for them.

// onExpire: Expire(id, ms) sets now + min(ms, INT_MAX) ms and replaces
// id's entry.
func (c *checker) onExpire(m *multi, i int, r sim.Record) {
	x := m.get(r.Transfer)
	ms, _ := field(r, "ms")
	at, _ := field(r, "at")
	if want := r.At.Micros() + min(ms, math.MaxInt32)*1000; at != want {
		c.flag(IDOverride, i, m.thread, x.id, "Expire(%s, %d) at %dus set a deadline at %dus, not now+ms=%dus",
			text(r, "id"), ms, r.At.Micros(), at, want)
	}
	x.insert(entry{id: text(r, "id"), at: at, line: i}, c.sub.Spec.Compare, c.phase)
}

// onClear: ExpireClear(id) removes id's one entry; had= says whether
// there was one.
func (c *checker) onClear(m *multi, i int, r sim.Record) {
	x := m.get(r.Transfer)
	id := text(r, "id")
	had := x.drop(id)
	if claimed, ok := r.Get("had"); ok && claimed != boolText(had) {
		c.flag(IDOverride, i, m.thread, x.id, "clearing %s reports had=%s, but the list %s an entry for it",
			id, claimed, map[bool]string{true: "holds", false: "holds no"}[had])
	}
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// onClearAll: every deadline goes only when the transfer completes, is
// removed, or its add fails (SPEC §3); a running transfer losing them all
// is bug 6's "Expire(0) clears everything".
func (c *checker) onClearAll(m *multi, i int, r sim.Record) {
	x := m.get(r.Transfer)
	call := m.call
	legit := x.finished || !x.alive || call != nil && (call.fn == "remove" || call.fn == "add") && call.x == x.id
	if !legit {
		lines := []int{i}
		for _, e := range x.list {
			lines = append(lines, e.line)
		}
		c.flagLines(IDOverride, lines, m.thread, x.id,
			"every deadline of running transfer x%d was cleared (%d pending): only completion and removal clear them all",
			x.id, len(x.list))
	}
	x.list = nil
}

// onIndex follows the splay index: a node goes in once and comes out with
// the key it went in with.
func (c *checker) onIndex(m *multi, i int, r sim.Record) {
	x := m.get(r.Transfer)
	key, _ := field(r, "key")
	switch text(r, "op") {
	case "insert":
		if x.indexed {
			c.flagLines(IDOverride, []int{x.keyLine, i}, m.thread, x.id,
				"x%d inserted into the index at key %dus while its node is already in at %dus", x.id, key, x.key)
		}
		m.seq++
		x.indexed, x.key, x.seq, x.keyLine = true, key, m.seq, i
		c.noteDrift(x)
	case "remove":
		if !x.indexed || x.key != key {
			c.flag(IDOverride, i, m.thread, x.id, "x%d removed from the index at key %dus, but its node is %s",
				x.id, key, nodeText(x))
		}
		x.indexed = false
	}
}

func nodeText(x *xfer) string {
	if !x.indexed {
		return "not in the index"
	}
	return "at " + itoa(x.key) + "us"
}

// onPop: the index releases its minimum, only when due; the pop discards
// every entry due at now and nothing else; the transfer must run for what
// it discarded, in the same call.
func (c *checker) onPop(m *multi, i int, r sim.Record) {
	x := m.get(r.Transfer)
	key, _ := field(r, "key")
	dropped, _ := field(r, "dropped")
	dropped = max(dropped, 0)
	now := r.At.Micros()
	c.checkPopOrder(m, i, x, key, now)
	x.indexed = false
	c.checkDropped(m, i, x, int(dropped), now)
	n := min(int(dropped), len(x.list))
	start := now
	if m.call != nil {
		start = c.trace[m.call.line].At.Micros()
	}
	for _, e := range x.list[:n] {
		c.owe(m, x, e, i)
		if c.sub.Spec.Purge == model.Milli && e.at > start && (e.id == "TIMEOUT" || e.id == "CONNECTTIMEOUT") {
			x.limitLost = true // discarded before it was due, by design (a pass pops at its start)
		}
	}
	x.list = x.list[n:]
}

// checkPopOrder is P3: the popped node is the index minimum, the oldest of
// equal keys, and due.
func (c *checker) checkPopOrder(m *multi, i int, x *xfer, key, now int64) {
	if key > now {
		c.flag(FIFOTies, i, m.thread, x.id, "x%d popped at key %dus before it was due (now %dus)", x.id, key, now)
	}
	best := m.minNode()
	switch {
	case !x.indexed || x.key != key:
		c.flag(IDOverride, i, m.thread, x.id, "x%d popped at key %dus, but its node is %s", x.id, key, nodeText(x))
	case best != x && best.key < key:
		c.flagLines(FIFOTies, []int{best.keyLine, x.keyLine, i}, m.thread, x.id,
			"x%d popped at key %dus before x%d at the smaller key %dus", x.id, key, best.id, best.key)
	case best != x:
		c.flagLines(FIFOTies, []int{best.keyLine, x.keyLine, i}, m.thread, x.id,
			"x%d popped before x%d, inserted earlier at the same key %dus", x.id, best.id, key)
	}
}

// checkDropped compares the pop's discards with the entries due. A pass
// pops at the time it started (a second pass of socket_action at a later
// one); the trace stamps the pop when it happens, after any processing
// time of the pass. So the discards must be due at the pop's time, and
// the first entry kept must not be due when the call began. Perform's
// purge pops at the call's start (SPEC §4), whatever ran meanwhile.
func (c *checker) checkDropped(m *multi, i int, x *xfer, dropped int, now int64) {
	start := now
	if m.call != nil {
		start = c.trace[m.call.line].At.Micros()
	}
	hi := now
	if m.call != nil && m.call.fn == "perform" {
		hi = start
	}
	due, dueStart := x.due(hi, c.sub.Spec.Purge, c.phase), x.due(start, c.sub.Spec.Purge, c.phase)
	switch {
	case dropped > due && dropped <= len(x.list):
		e := x.list[due]
		c.flagLines(NoMissedDeadline, []int{e.line, i}, m.thread, x.id,
			"the pop at %dus discarded %d entries of x%d, but only %d were due at %dus: %s at %dus was not",
			now, dropped, x.id, due, hi, e.id, e.at)
	case dropped > len(x.list):
		c.flag(IDOverride, i, m.thread, x.id, "the pop discarded %d entries of x%d, which had %d",
			dropped, x.id, len(x.list))
	case dropped < dueStart:
		e := x.list[dropped]
		c.flagLines(IDOverride, []int{e.line, i}, m.thread, x.id,
			"the pop at %dus kept x%d's %s at %dus, which was due", now, x.id, e.id, e.at)
	}
}

// owe records a discarded entry until its transfer runs. A perform purge
// pops after the run: the run already served it. curl 8's purge checks a
// parked PENDING transfer itself.
func (c *checker) owe(m *multi, x *xfer, e entry, line int) {
	served := x.ranCall == m.calls && c.isDue(e.at, x.lastRun.Micros())
	parked := m.call != nil && m.call.fn == "perform" && x.state == "PENDING"
	if served || parked || !x.alive {
		return
	}
	m.owed = append(m.owed, owed{x: x, e: e, line: line})
}

// isDue reports whether a deadline at is due at now, at the resolution a
// pop discards entries with: a run at now serves it.
func (c *checker) isDue(at, now int64) bool {
	return diffUs(c.sub.Spec.Purge, at, now, c.phase) <= 0
}

// serve settles the debts of x that are due by now.
func (c *checker) serve(m *multi, x *xfer, now int64) {
	kept := m.owed[:0]
	for _, o := range m.owed {
		if o.x != x || !c.isDue(o.e.at, now) {
			kept = append(kept, o)
		}
	}
	m.owed = kept
}

// checkOwed reports, when a call returns, every discarded deadline whose
// transfer did not run for it: a deadline lost (bug 3's purge of timers
// set during the run).
func (c *checker) checkOwed(m *multi, i int) {
	for _, o := range m.owed {
		c.flagLines(NoMissedDeadline, []int{o.e.line, o.line, i}, m.thread, o.x.id,
			"the pop discarded x%d's %s deadline at %dus and x%d did not run for it", o.x.id, o.e.id, o.e.at, o.x.id)
	}
	m.owed = m.owed[:0]
}

func (c *checker) onStale(m *multi, i int, r sim.Record) {
	c.flag(IDOverride, i, m.thread, r.Transfer, "a node of x%d, no longer in the multi, popped", r.Transfer)
}

// onRemoved: remove_handle leaves no deadline and no node behind, even
// when the done-processing set one (bug 5).
func (c *checker) onRemoved(m *multi, i int, id int64) {
	x := m.get(id)
	if x.indexed || len(x.list) > 0 {
		c.flagLines(IDOverride, []int{x.keyLine, i}, m.thread, x.id,
			"x%d was removed but left %d deadlines and a node %s", x.id, len(x.list), nodeText(x))
	}
	x.attached, x.alive, x.dirty, x.list = false, false, false, nil
	m.touch(x)
}

// checkIndex is P2 at rest: a running transfer with deadlines has a node
// keyed at its list's head (earlier with the EarlyKey allowance, anywhere
// with ms comparisons); a node without deadlines exists only with the
// StaleNode allowance; a finished transfer has neither. Only transfers
// touched since the last check can have changed.
func (c *checker) checkIndex(m *multi, i int) {
	for _, x := range m.changed {
		x.changed = false
		c.checkNode(m, i, x)
	}
	m.changed = m.changed[:0]
}

func (c *checker) checkNode(m *multi, i int, x *xfer) {
	c.once(m, "lost-node:"+itoa(x.id), x.alive && len(x.list) > 0 && !x.indexed, func() {
		e, _ := x.head()
		c.flagLines(IDOverride, []int{e.line, i}, m.thread, x.id,
			"x%d has %d pending deadlines (%s at %dus first) but no node in the index", x.id, len(x.list), e.id, e.at)
	})
	c.once(m, "key:"+itoa(x.id), x.indexed && c.badKey(x) != "", func() {
		c.flagLines(IDOverride, []int{x.keyLine, i}, m.thread, x.id, "x%d's node: %s", x.id, c.badKey(x))
	})
}

// badKey says what is wrong with an indexed transfer's key, or "". With
// ms comparisons (curl up to 8.21) there is no upper bound: Curl_expire
// compares a new deadline with the key, not the list, and re-keys to it
// when it is less than 1 ms later, so a chain of re-arms drifts the key
// past the head (and the head's deadline fires late: see P5).
func (c *checker) badKey(x *xfer) string {
	sp := c.sub.Spec
	if !x.alive {
		return "still in the index at " + itoa(x.key) + "us after the transfer finished"
	}
	h, ok := x.head()
	switch {
	case !ok && !sp.StaleNode:
		return "at " + itoa(x.key) + "us with no deadline pending"
	case !ok:
		return ""
	case sp.Compare != model.Milli && x.key > h.at:
		return "at " + itoa(x.key) + "us, after the earliest deadline " + h.id + " at " + itoa(h.at) + "us"
	case x.key < h.at && !sp.EarlyKey && !sp.StaleNode:
		return "at " + itoa(x.key) + "us, before the list's head " + h.id + " at " + itoa(h.at) + "us"
	}
	return ""
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// noteDrift marks a transfer whose node, with ms comparisons, is keyed
// after one of its limit deadlines: that limit fires late by design.
func (c *checker) noteDrift(x *xfer) {
	if c.sub.Spec.Compare != model.Milli {
		return
	}
	for _, e := range x.list {
		if e.at < x.key && (e.id == "TIMEOUT" || e.id == "CONNECTTIMEOUT") {
			x.limitLost = true
		}
	}
}
