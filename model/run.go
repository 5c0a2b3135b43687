package model

import "math/bits"

// Msg is a DONE message from InfoRead.
type Msg struct {
	Easy   *Easy
	Result Result
}

// SocketAction is curl_multi_socket_action. For a socket it asks every
// transfer registered on fd to run at once; for SocketTimeout it forgets
// the last announced deadline (per profile: the application's timer has
// fired, maybe early, and must be re-armed). Then it runs what is due:
// RUN_NOW profiles pop and run node by node over one "now"; dirty profiles
// pop every due node into the dirty set and run that in transfer order.
// With SecondPass it does so once more with a fresh "now" when it ran
// anything. Finally it updates the timer callback. It returns the number of
// running transfers.
func (m *Multi) SocketAction(fd int, ev Events) (int, MCode) {
	if m.inCallback {
		return m.alive, MRecursiveAPICall
	}
	if m.tracing() {
		m.event(NoEasy, EvCall).text("fn", "socket_action").text("fd", fdName(fd)).text("ev", ev.String()).emit()
	}
	if fd == SocketTimeout {
		if m.prof.ActionForgetsLast {
			m.forgetAnnounced()
		}
	} else {
		m.signal(fd)
	}
	ran, code := m.runDue(m.now())
	if code == MOK && ran > 0 && m.prof.SecondPass {
		_, code = m.runDue(m.now())
	}
	if code <= MOK {
		code = m.updateTimer()
	}
	m.traceReturnRunning("socket_action", code)
	return m.alive, code
}

func fdName(fd int) string {
	if fd == SocketTimeout {
		return "timeout"
	}
	return itoa(fd)
}

// signal marks the transfers registered on fd to run; an unknown fd is
// ignored, as curl does (event libraries report sockets just removed).
func (m *Multi) signal(fd int) {
	s := m.socks[fd]
	if s == nil {
		return
	}
	for _, e := range s.easies {
		m.runNow(e)
	}
}

// runDue runs one pass at now and returns how many transfers ran.
func (m *Multi) runDue(now Micros) (int, MCode) {
	m.pass++
	if m.prof.RunNow == RunNowTimer {
		return m.popAndRun(now)
	}
	m.markDue(now)
	return m.runDirty()
}

// popAndRun is the RUN_NOW loop: take the next due node, discard its past
// entries, run it, report its sockets. A transfer that already ran in this
// pass and is due again (it re-armed at this very instant) ends the pass:
// curl's clock would have moved past "now" by then, the model's does not.
func (m *Multi) popAndRun(now Micros) (int, MCode) {
	ran := 0
	for {
		if e, _ := m.index.min(); e != nil && e.pass == m.pass && m.prof.Best == BestSmallestFIFO {
			return ran, MOK
		}
		e := m.index.getBest(now)
		if e == nil {
			return ran, MOK
		}
		if e.pass == m.pass { // only the bug-12 order reaches this
			m.indexInsert(e, Micros(e.node.Key()))
			return ran, MOK
		}
		m.pop(e, now)
		if !m.owns(e) {
			continue
		}
		ran++
		m.runOne(e)
		if code := m.reportSockets(e); code != MOK {
			return ran, code
		}
	}
}

// markDue pops every node due at now into the dirty set.
func (m *Multi) markDue(now Micros) {
	for e := m.index.getBest(now); e != nil; e = m.index.getBest(now) {
		m.pop(e, now)
		if m.owns(e) {
			m.setDirty(e, true)
		}
	}
}

// runDirty runs the dirty transfers in mid order. A transfer that marks
// itself dirty again waits for the next pass, as with curl's bitset walk.
func (m *Multi) runDirty() (int, MCode) {
	ran := 0
	for mid := 0; ; mid++ {
		var ok bool
		if mid, ok = m.nextDirty(mid); !ok {
			return ran, MOK
		}
		e := m.slots[mid]
		if e == nil {
			continue
		}
		m.setDirty(e, false)
		if !e.alive() {
			continue
		}
		ran++
		m.runOne(e)
		if code := m.reportSockets(e); code != MOK {
			return ran, code
		}
	}
}

// nextDirty is the smallest dirty mid at or after from.
func (m *Multi) nextDirty(from int) (int, bool) {
	for w := from / 64; w < len(m.dirty); w++ {
		word := m.dirty[w]
		if w == from/64 {
			word &^= 1<<(from%64) - 1
		}
		if word != 0 {
			return w*64 + bits.TrailingZeros64(word), true
		}
	}
	return 0, false
}

// owns reports whether a popped node belongs to a transfer of this multi;
// a node leaked by bug 5 does not, and is traced as stale.
func (m *Multi) owns(e *Easy) bool {
	if e.multi == m {
		return true
	}
	if m.tracing() {
		m.event(e.id, EvStale).emit()
	}
	return false
}

// runOne drives e once. A dead multi fails it with ABORTED_BY_CALLBACK
// instead, as curl's multi_runsingle does.
func (m *Multi) runOne(e *Easy) {
	if !e.alive() {
		return
	}
	m.setDirty(e, false)
	e.pass = m.pass
	if m.dead {
		m.complete(e, AbortedByCallback)
		return
	}
	kind := RunOther
	if e.state == StateInit {
		e.to(StateRunning)
		kind = RunFirst
	}
	if m.tracing() {
		m.event(e.id, EvRun).emit()
	}
	if !m.stopAtTop(e) {
		e.beh.Run(e)
	}
	if m.runCPU != nil {
		if e.pending {
			kind = RunFinish
		}
		if d := m.runCPU(e, kind); d > 0 {
			m.busy(e, d)
		}
	}
	if e.pending {
		e.pending = false
		m.complete(e, e.result)
	}
}

// complete finishes e with r: done-processing, timers cleared, sockets
// released (REMOVE before the message can be read), DONE message queued.
func (m *Multi) complete(e *Easy, r Result) {
	r = e.stopRace(r)
	e.result = r
	m.alive--
	m.setDirty(e, false)
	if m.tracing() {
		m.event(e.id, EvFinish).text("result", r.String()).emit()
	}
	e.to(StateDone)
	if m.tracing() {
		m.event(e.id, EvDoneProc).flag("premature", false).emit()
	}
	e.beh.Done(e, false)
	m.clearAll(e)
	e.to(StateCompleted)
	m.releaseSockets(e)
	m.msgs = append(m.msgs, Msg{Easy: e, Result: r})
	if m.tracing() {
		m.event(e.id, EvMsg).text("result", r.String()).emit()
	}
	if c, ok := e.beh.(Completer); ok {
		c.Completed(e)
	}
}

// Perform is curl_multi_perform: take start = now once, run every running
// transfer in add order, then pop every node due at start (at a fresh "now"
// with bug 3) to purge the entries the run has dealt with, then update the
// timer callback.
func (m *Multi) Perform() (int, MCode) {
	if m.inCallback {
		return m.alive, MRecursiveAPICall
	}
	m.traceCall("perform", NoEasy)
	start := m.now()
	m.pass++
	for e := m.first; e != nil; e = e.next {
		if p, ok := e.beh.(Parker); ok && e.alive() && p.Parked() {
			continue
		}
		m.runOne(e)
	}
	threshold := start
	if m.prof.PurgeAt == PurgeAtEnd {
		threshold = m.now()
	}
	for e := m.index.getBest(threshold); e != nil; e = m.index.getBest(threshold) {
		if m.prof.PurgeWakesFirst {
			m.purged(e, threshold) // bug 10: before add_next_timeout
		}
		m.pop(e, threshold)
		if !m.prof.PurgeWakesFirst {
			m.purged(e, threshold)
		}
	}
	code := m.updateTimer()
	m.traceReturnRunning("perform", code)
	return m.alive, code
}

// purged lets a popped transfer's behaviour act on the purge (8.x times
// out a PENDING transfer there).
func (m *Multi) purged(e *Easy, threshold Micros) {
	if !m.owns(e) || !e.alive() {
		return
	}
	if p, ok := e.beh.(Purger); ok {
		p.Purged(e, threshold)
	}
}

// InfoRead is curl_multi_info_read: the oldest DONE message and how many
// remain after it, or ok=false when there is none.
func (m *Multi) InfoRead() (msg Msg, remaining int, ok bool) {
	if m.msgAt == len(m.msgs) {
		return Msg{}, 0, false
	}
	msg = m.msgs[m.msgAt]
	m.msgs[m.msgAt] = Msg{}
	m.msgAt++
	if m.msgAt == len(m.msgs) {
		m.msgs, m.msgAt = m.msgs[:0], 0
	}
	if m.tracing() {
		m.event(msg.Easy.id, EvReturn).text("fn", "info_read").text("result", msg.Result.String()).
			num("remaining", int64(len(m.msgs)-m.msgAt)).emit()
	}
	return msg, len(m.msgs) - m.msgAt, true
}

// dropMsg removes e's queued message, if any (remove_handle).
func (m *Multi) dropMsg(e *Easy) {
	for i := m.msgAt; i < len(m.msgs); i++ {
		if m.msgs[i].Easy == e {
			m.msgs = append(m.msgs[:i], m.msgs[i+1:]...)
			return
		}
	}
}
