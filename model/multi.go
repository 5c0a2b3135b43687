package model

import (
	"errors"
	"fmt"
	"time"
)

// TimerFunc is CURLMOPT_TIMERFUNCTION: the application keeps one
// non-repeating timer; each call replaces it; −1 deletes it; 0 means "fire
// as soon as possible". When it fires, the application calls
// SocketAction(SocketTimeout, 0). Returning −1 kills the multi: every
// transfer then ends with ABORTED_BY_CALLBACK when next run.
type TimerFunc func(m *Multi, timeoutMs int64) int

// SocketFunc is CURLMOPT_SOCKETFUNCTION: watch fd for what (PollIn,
// PollOut, PollInOut) or stop watching it (PollRemove). Returning −1 kills
// the multi.
type SocketFunc func(e *Easy, fd int, what PollAction) int

// Config is what NewMulti needs.
type Config struct {
	Clock   Clock   // required: the only source of time
	Profile Profile // required: Curl788(), Curl8(), or a variant
	Tracer  Tracer  // optional event sink
	// Busy is told about processing time a transfer claims (Easy.Busy, a
	// script's busy step). A simulator advances its clock by d there, so
	// that timers armed later in the same call land later; nil ignores it.
	Busy func(e *Easy, d time.Duration)
	// OnWakeup is told about every token written to the wakeup pair, by
	// Wakeup or by EasyStop, after the model's bookkeeping, on the writing
	// thread: a simulator makes its descriptor for the pair readable there.
	// It must not call into the model; nil ignores it.
	OnWakeup func(m *Multi, eff WakeupEffect)
	// RunCPU, if set, is the processing time one run of transfer e costs
	// (multi_runsingle's own work; the run's kind says whether it was the
	// transfer's first, which sets up its connection, or the one that
	// finished it, which closes it), claimed like Busy right after the
	// run: timers the run armed then lie that much closer when the multi
	// next reads the clock, as in curl, where the timer callback that
	// follows a run is told one millisecond less than the timeout just
	// set. nil costs nothing.
	RunCPU func(e *Easy, kind RunKind) time.Duration
}

// RunKind tells RunCPU which run of a transfer it prices.
type RunKind uint8

// The run kinds.
const (
	RunOther  RunKind = iota // any run but these
	RunFirst                 // the transfer's first run: it starts the connect
	RunFinish                // the run that ends the transfer
)

// Multi is the multi handle's timer side: the splay index of transfers, the
// single exposed timeout and its callback, socket bookkeeping, run passes,
// the message queue and the wait/wakeup contract. It is not safe for
// concurrent use; Wakeup's thread-safety in curl is the caller's to model.
type Multi struct {
	clock   Clock
	prof    Profile
	busyFn  func(*Easy, time.Duration)
	runCPU  func(*Easy, RunKind) time.Duration
	wakeFn  func(*Multi, WakeupEffect)
	tr      tracing
	index   index
	timerCB TimerFunc
	sockCB  SocketFunc

	first, lastEasy *Easy // transfers in add order
	alive           int   // added and not finished (curl's num_alive)
	nextMid         int
	slots           []*Easy  // by mid, for the dirty set
	dirty           []uint64 // bitset over mids
	ndirty          int
	pass            uint64

	dead       bool
	inCallback bool
	last       lastTimer

	socks map[int]*sockEntry
	msgs  []Msg
	msgAt int

	wait waitState
	spec []Interest // reused by Poll and Wait
	rbuf []byte     // the receive buffer transfers share: one runs at a time
}

// lastTimer is what the timer callback was last told. hasKey/hasExpire
// stand for curl's "non-zero timestamp", so a clock at the epoch is not
// mistaken for "nothing announced".
type lastTimer struct {
	key       Micros // DedupKey: the index key last announced
	hasKey    bool
	ms        int64 // DedupDeadline: last timeout value, −1 initially
	expire    Micros
	hasExpire bool
}

// NewMulti makes an empty multi.
func NewMulti(c Config) (*Multi, error) {
	if c.Clock == nil {
		return nil, errors.New("model: Config.Clock is nil")
	}
	if err := c.Profile.Validate(); err != nil {
		return nil, err
	}
	m := &Multi{clock: c.Clock, prof: c.Profile, busyFn: c.Busy, runCPU: c.RunCPU, wakeFn: c.OnWakeup, socks: map[int]*sockEntry{}}
	m.tr.tr = c.Tracer
	m.index.order = c.Profile.Best
	if c.Profile.Index == IndexHeap {
		m.index.heap = newHeapOrder()
	}
	m.last.ms = -1
	return m, nil
}

// Profile is the profile the multi runs.
func (m *Multi) Profile() Profile { return m.prof }

// SetTimerFunc installs the timer callback (nil removes it).
func (m *Multi) SetTimerFunc(f TimerFunc) MCode {
	if m.inCallback {
		return MRecursiveAPICall
	}
	m.timerCB = f
	return MOK
}

// SetSocketFunc installs the socket callback (nil removes it).
func (m *Multi) SetSocketFunc(f SocketFunc) MCode {
	if m.inCallback {
		return MRecursiveAPICall
	}
	m.sockCB = f
	return MOK
}

// Dead reports whether a callback returned −1 and the multi has not been
// revived.
func (m *Multi) Dead() bool { return m.dead }

// Running is the number of added transfers that have not finished.
func (m *Multi) Running() int { return m.alive }

// IndexLen is the number of nodes in the splay index.
func (m *Multi) IndexLen() int { return m.index.len() }

// Easies appends the added transfers in add order.
func (m *Multi) Easies(buf []*Easy) []*Easy {
	for e := m.first; e != nil; e = e.next {
		buf = append(buf, e)
	}
	return buf
}

func (m *Multi) now() Micros { return FromTime(m.clock.Now()) }

// recvBuf is the shared receive buffer, made on first use so that a multi
// of scripts or of stalled transfers holds none.
func (m *Multi) recvBuf() []byte {
	if m.rbuf == nil {
		m.rbuf = make([]byte, recvBufSize)
	}
	return m.rbuf
}

func (m *Multi) checkTimer(id TimerID) error {
	if !m.prof.Timers.Has(id) {
		return fmt.Errorf("model: timer %v does not exist in profile %s", id, m.prof.Name)
	}
	return nil
}

// event starts a trace event at the current time; only call when tracing.
func (m *Multi) event(easy int, k EventKind) *tracing { return m.tr.begin(m.now(), easy, k) }

func (m *Multi) tracing() bool { return m.tr.tr != nil }

func (m *Multi) traceCall(fn string, easy int) {
	if m.tracing() {
		m.event(easy, EvCall).text("fn", fn).emit()
	}
}

func (m *Multi) traceReturn(fn string, easy int, code MCode) {
	if m.tracing() {
		m.event(easy, EvReturn).text("fn", fn).text("code", code.String()).emit()
	}
}

func (m *Multi) traceReturnRunning(fn string, code MCode) {
	if m.tracing() {
		m.event(NoEasy, EvReturn).text("fn", fn).text("code", code.String()).num("running", int64(m.alive)).emit()
	}
}

// Add attaches e (curl_multi_add_handle): it asks to be run at once, the
// last announcement is forgotten where the profile says so, and the timer
// callback is updated.
func (m *Multi) Add(e *Easy) MCode {
	switch {
	case m.inCallback:
		return MRecursiveAPICall
	case e == nil:
		return MBadEasyHandle
	case e.multi != nil:
		return MAddedAlready
	}
	m.traceCall("add", e.id)
	if m.dead {
		if m.alive > 0 {
			m.traceReturn("add", e.id, MAbortedByCallback)
			return MAbortedByCallback
		}
		m.revive()
	}
	m.attach(e)
	if r, ok := e.beh.(Resetter); ok {
		r.Reset()
	}
	m.runNow(e)
	if m.prof.AddForgetsLast {
		m.last.hasKey = false
	}
	code := m.updateTimer()
	if code != MOK {
		m.undoAdd(e)
	}
	m.traceReturn("add", e.id, code)
	return code
}

// undoAdd detaches a transfer whose Add failed in the timer callback, as
// curl 8 does; curl 7.88 left such a handle half added (marked as in the
// multi, its RUN_NOW node in the index, in no list), which the model does
// not reproduce.
func (m *Multi) undoAdd(e *Easy) {
	m.clearAll(e)
	m.alive--
	m.detach(e)
}

// revive lets a dead multi with no live transfer start over, as curl does.
func (m *Multi) revive() {
	m.dead = false
	if m.tracing() {
		m.event(NoEasy, EvRevive).emit()
	}
}

func (m *Multi) attach(e *Easy) {
	if e.indexed != nil { // a node leaked by an earlier multi (bug 5)
		e.indexed.indexRemove(e)
	}
	e.multi = m
	e.stop.gen++ // a new transfer: an older stop request no longer applies
	e.stop.home = m
	e.to(StateInit)
	e.timers.reset()
	e.result, e.pending, e.pass = OK, false, 0
	e.want, e.last = e.want[:0], e.last[:0]
	e.mid = m.nextMid
	m.nextMid++
	m.slots = append(m.slots, e)
	e.prev, e.next = m.lastEasy, nil
	if m.lastEasy != nil {
		m.lastEasy.next = e
	} else {
		m.first = e
	}
	m.lastEasy = e
	m.alive++
}

// Remove detaches e (curl_multi_remove_handle). A transfer that has not
// finished gets its done-processing first, and its timers are cleared after
// that (before it, with bug 5); its sockets are released and a queued DONE
// message is dropped. Removing a detached transfer is OK, as in curl.
func (m *Multi) Remove(e *Easy) MCode {
	switch {
	case m.inCallback:
		return MRecursiveAPICall
	case e == nil:
		return MBadEasyHandle
	case e.multi == nil:
		return MOK
	case e.multi != m:
		return MBadEasyHandle
	}
	m.traceCall("remove", e.id)
	if e.alive() {
		if e.stop.pending() {
			e.traceStop("dropped").Text("reason", "removed").Emit()
		}
		m.alive--
		m.doneProcessing(e, true)
	} else {
		m.clearAll(e) // already empty since completion; kept for symmetry with curl
	}
	code := m.releaseSockets(e)
	m.dropMsg(e)
	m.detach(e)
	if c := m.updateTimer(); code == MOK {
		code = c
	}
	m.traceReturn("remove", e.id, code)
	return code
}

// doneProcessing runs e's done-processing and clears its timers in the
// profile's order.
func (m *Multi) doneProcessing(e *Easy, premature bool) {
	e.to(StateDone)
	if !m.prof.ClearAfterDone {
		m.clearAll(e)
	}
	if m.tracing() {
		m.event(e.id, EvDoneProc).flag("premature", premature).emit()
	}
	e.beh.Done(e, premature)
	if m.prof.ClearAfterDone {
		m.clearAll(e)
	}
}

func (m *Multi) detach(e *Easy) {
	m.setDirty(e, false)
	m.index.dropGhosts(e)
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		m.first = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		m.lastEasy = e.prev
	}
	e.prev, e.next = nil, nil
	m.slots[e.mid] = nil
	e.to(StateDetached)
	e.multi = nil
}

// Timeout is curl_multi_timeout: 0 when the multi is dead or a transfer is
// dirty, −1 when the index is empty, else the gap to the earliest key
// rounded per profile (0 when due), at most INT_MAX. It never calls the
// timer callback.
func (m *Multi) Timeout() (int64, MCode) {
	if m.inCallback {
		return -1, MRecursiveAPICall
	}
	ms, _ := m.exposed()
	if m.tracing() {
		m.event(NoEasy, EvReturn).text("fn", "timeout").text("code", "OK").num("ms", ms).emit()
	}
	return ms, MOK
}

// exposed is the exposed timeout and the absolute point it stands for (the
// key, or now for a dirty transfer).
func (m *Multi) exposed() (int64, Micros) {
	now := m.now()
	if m.dead || m.ndirty > 0 {
		return 0, now
	}
	e, key := m.index.min()
	if e == nil {
		return -1, 0
	}
	return min(m.prof.Rounding.exposed(key, now), maxTimeoutMs), key
}

// updateTimer is Curl_update_timer: tell the timer callback about the
// exposed timeout unless the profile's dedup rule says it already knows.
func (m *Multi) updateTimer() MCode {
	if m.timerCB == nil || m.dead {
		return MOK
	}
	ms, at := m.exposed()
	if m.prof.Dedup == DedupKey {
		return m.updateByKey(ms, at)
	}
	return m.updateByDeadline(ms, at)
}

// updateByKey is 7.88's rule: skip while the minimum key is the one last
// announced; an empty index is announced as −1 once.
func (m *Multi) updateByKey(ms int64, key Micros) MCode {
	if ms < 0 {
		if !m.last.hasKey || !m.prof.CallOnEmpty {
			return MOK
		}
		m.last.hasKey = false
		return m.callTimer(-1)
	}
	if m.last.hasKey && m.last.key == key {
		return MOK
	}
	m.last.key, m.last.hasKey = key, true
	return m.callTimer(ms)
}

// updateByDeadline is 8.x's rule: call on a change between "no timer" and
// "a timer", and between two timers only when the absolute deadline moved.
func (m *Multi) updateByDeadline(ms int64, at Micros) MCode {
	l := &m.last
	switch {
	case ms < 0 && l.ms < 0:
		return MOK
	case ms < 0:
		if !m.prof.CallOnEmpty {
			return MOK
		}
		l.ms, l.hasExpire = -1, false
	case l.ms < 0, !l.hasExpire || l.expire != at:
		l.ms, l.expire, l.hasExpire = ms, at, true
	default:
		return MOK
	}
	return m.callTimer(l.ms)
}

// callTimer calls the timer callback; −1 back kills the multi.
func (m *Multi) callTimer(ms int64) MCode {
	m.inCallback = true
	rc := m.timerCB(m, ms)
	m.inCallback = false
	if m.tracing() {
		m.event(NoEasy, EvTimerCB).num("ms", ms).num("rc", int64(rc)).emit()
	}
	if rc == -1 {
		m.kill()
		return MAbortedByCallback
	}
	return MOK
}

func (m *Multi) kill() {
	m.dead = true
	if m.tracing() {
		m.event(NoEasy, EvDead).emit()
	}
}

// forgetAnnounced makes the next update call the callback again (a timeout
// action: the application's timer has fired).
func (m *Multi) forgetAnnounced() {
	m.last.hasKey = false
	m.last.hasExpire = false
}

func (m *Multi) busy(e *Easy, d time.Duration) {
	if m.tracing() {
		m.event(e.id, EvBusy).num("us", d.Microseconds()).emit()
	}
	if m.busyFn != nil {
		m.busyFn(e, d)
	}
}
