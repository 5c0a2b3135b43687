package model

// This file is the stoppable-transfer proposal (SPEC §6, curl-library,
// October 2019), which curl never merged: EasyStop on the stopper's side,
// and the checks on the performing side. The open questions are answered
// by the share's StopVariant.
//
// A request belongs to one transfer, named by the handle's attachment
// count (stopState.gen): Add starts transfer gen+1, so a request recorded
// for transfer g is dead once the handle is added again, without the
// performing side having to clear it. A latched request names the next
// transfer (gen+1) and comes alive when the handle is added.

// StopCode is what EasyStop returns. The names follow curl's style; the
// proposal would have made them CURLcode values.
type StopCode uint8

// The stop codes.
const (
	// StopOK: the request is recorded (for this transfer, or latched for
	// the next perform) and, when the handle is in a multi, the wakeup
	// token written. Also the answer to a repeated stop with Repeat ok.
	StopOK StopCode = iota
	// StopBadHandle: the handle is nil.
	StopBadHandle
	// StopNotStoppable: the handle has no share, or its share lacks STOP.
	// Nothing is locked, recorded or woken.
	StopNotStoppable
	// StopNoLockFunction: the share has STOP but no lock function, so the
	// request cannot be handed over safely. Nothing changes.
	StopNoLockFunction
	// StopNotRunning: the handle is in no multi (no perform in progress)
	// and the variant's Idle is reject.
	StopNotRunning
	// StopAlready: a request is pending for the same transfer and the
	// variant's Repeat is already. Nothing changes.
	StopAlready
	// StopCompleted: the transfer already has its result (its DONE message
	// is queued or read, or it was fixed in the current run) and
	// completion wins. Nothing changes.
	StopCompleted
	numStopCodes
)

var stopCodeNames = [numStopCodes]string{
	"STOP_OK", "STOP_BAD_HANDLE", "STOP_NOT_STOPPABLE", "STOP_NO_LOCK_FUNCTION",
	"STOP_NOT_RUNNING", "STOP_ALREADY", "STOP_COMPLETED",
}

// String is the code's name.
func (c StopCode) String() string { return enumName(stopCodeNames[:], uint8(c)) }

// stopState is a handle's side of the proposal.
type stopState struct {
	gen     uint64 // transfers started on the handle (Adds); the current one's number
	req     bool   // a request was recorded
	reqGen  uint64 // the transfer the request is for
	latched bool   // recorded while the handle was in no multi
	home    *Multi // the multi last added to, for tracing a stop between performs
}

// pending reports a request for the current transfer.
func (s *stopState) pending() bool { return s.req && s.reqGen == s.gen }

// EasyStop is the proposal's curl_easy_stop: callable from any thread,
// including from inside a callback of the performing thread (in the
// model: by any caller at any time). On a stoppable handle (Easy.Stoppable)
// it locks the share's STOP lock, records the request, writes one token to
// the multi's wakeup pair (Multi.Wakeup, which also calls Config.OnWakeup),
// unlocks and returns; the answers to the proposal's open questions are
// the share's StopVariant. On any other handle it changes nothing: no
// lock, no record, no token, no trace besides the call and its return.
//
// The transfer notices the request when the multi next runs it (the top of
// curl's multi_runsingle) and ends with STOPPED through the usual
// completion: done-processing, sockets removed, DONE message, which
// InfoRead delivers, in easy_perform's private multi as in an
// application's own.
func EasyStop(e *Easy) StopCode {
	if e == nil {
		return StopBadHandle
	}
	m := e.traceMulti()
	if m != nil {
		m.traceCall("easy_stop", e.id)
	}
	code := e.requestStop()
	if m != nil && m.tracing() {
		m.event(e.id, EvReturn).text("fn", "easy_stop").text("code", code.String()).emit()
	}
	return code
}

// requestStop checks that the handle is stoppable, then records under the
// lock.
func (e *Easy) requestStop() StopCode {
	s := e.share
	switch {
	case s == nil || !s.bits.Has(LockStop):
		return StopNotStoppable
	case s.lockFn == nil:
		return StopNoLockFunction
	}
	code := StopOK
	e.withLock(s, LockStop, AccessSingle, func() { code = e.record(s.variant) })
	return code
}

// record decides what the request means for the handle's phase.
func (e *Easy) record(v StopVariant) StopCode {
	switch {
	case e.multi == nil:
		return e.recordIdle(v)
	case !e.alive(), e.hasResult() && v.Race == RaceCompletionWins:
		return e.recordLate(v)
	case e.stop.pending():
		return e.repeat(v)
	}
	// With stop-wins, a result fixed in this run is still open: the
	// request is recorded and completion turns the result into STOPPED.
	e.stop.req, e.stop.reqGen, e.stop.latched = true, e.stop.gen, false
	e.traceStop("request").Text("state", e.state.String()).Text("xfer", xferState(e)).Emit()
	e.wake(v)
	return StopOK
}

// recordIdle is a stop between performs: rejected, or latched for the
// next one.
func (e *Easy) recordIdle(v StopVariant) StopCode {
	if v.Idle == IdleReject {
		return StopNotRunning
	}
	next := e.stop.gen + 1
	if e.stop.req && e.stop.reqGen == next {
		return e.repeat(v)
	}
	e.stop.req, e.stop.reqGen, e.stop.latched = true, next, true
	e.traceStop("latch").Emit()
	return StopOK
}

// recordLate is a stop once the transfer has its result: completion wins,
// unless the lossy stop-wins variant rewrites a result the application
// has not read yet.
func (e *Easy) recordLate(v StopVariant) StopCode {
	if v.Race == RaceStopWins {
		if r, ok := e.multi.overrideMsg(e); ok {
			e.traceStop("override").Text("result", r.String()).Emit()
			e.wake(v)
			return StopOK
		}
	}
	r := "-" // fixed but not known yet: the transfer is deciding it in this run
	if e.pending || !e.alive() {
		r = e.result.String()
	}
	e.traceStop("ignored").Text("reason", "completed").Text("result", r).Emit()
	return StopCompleted
}

// hasResult reports whether the transfer has fixed its result: Finish was
// called in this run, or the Behavior says it is past the point where a
// stop could change it (a Transfer in DONE).
func (e *Easy) hasResult() bool {
	if e.pending {
		return true
	}
	f, ok := e.beh.(resultFixer)
	return ok && f.resultFixed()
}

// resultFixer is a Behavior that knows when its result is fixed before it
// calls Finish.
type resultFixer interface {
	resultFixed() bool
}

// repeat is a stop while one is pending for the same transfer.
func (e *Easy) repeat(v StopVariant) StopCode {
	e.traceStop("repeat").Text("answer", v.Repeat.String()).Emit()
	if v.Repeat == RepeatAlready {
		return StopAlready
	}
	e.wake(v)
	return StopOK
}

// wake writes the token to the multi's wakeup pair, per variant.
func (e *Easy) wake(v StopVariant) {
	if e.multi != nil && v.InMulti == InMultiWakePoll {
		e.multi.Wakeup()
	}
}

// traceStop starts a stop event (a no-op builder when nothing listens).
func (e *Easy) traceStop(what string) EventBuilder {
	m := e.traceMulti()
	if m == nil || !m.tracing() {
		return EventBuilder{}
	}
	return EventBuilder{t: m.event(e.id, EvStop).text("what", what)}
}

// xferState names a Transfer's state for the trace, "-" for other kinds.
func xferState(e *Easy) string {
	if t, ok := e.beh.(*Transfer); ok {
		return t.State().String()
	}
	return "-"
}

// overrideMsg replaces the result of e's queued DONE message with STOPPED
// (stop-wins) and returns the result it replaced; false when no message is
// queued or it is STOPPED already.
func (m *Multi) overrideMsg(e *Easy) (Result, bool) {
	for i := m.msgAt; i < len(m.msgs); i++ {
		if msg := &m.msgs[i]; msg.Easy == e && msg.Result != Stopped {
			r := msg.Result
			msg.Result, e.result = Stopped, Stopped
			return r, true
		}
	}
	return 0, false
}

// stopEnder is a Behavior that ends a stopped transfer itself (Transfer:
// multi_done with STOPPED); other kinds are finished with STOPPED.
type stopEnder interface {
	stopped(e *Easy)
}

// stopAtTop is the performing side's check at the top of a run: a
// stoppable transfer with a request ends with STOPPED instead of running.
// It reports whether it did.
func (m *Multi) stopAtTop(e *Easy) bool {
	if !e.stopNoticed("top") {
		return false
	}
	if s, ok := e.beh.(stopEnder); ok {
		s.stopped(e)
	} else {
		e.Finish(Stopped)
	}
	return true
}

// stopAfterCallback is the check after a callback returns, for the
// after-callback-returns variant; the caller makes sure the transfer has
// no result yet.
func (e *Easy) stopAfterCallback() bool {
	if !e.Stoppable() || e.share.variant.InCallback != InCallbackAfterReturn {
		return false
	}
	return e.stopNoticed("callback")
}

// stopNoticed reads the request under the lock (a read: SHARED) and traces
// what it found.
func (e *Easy) stopNoticed(check string) bool {
	if !e.Stoppable() {
		return false
	}
	hit := false
	e.withLock(e.share, LockStop, AccessShared, func() {
		hit = e.stop.pending()
		if hit {
			e.traceStop("noticed").Text("check", check).Flag("latched", e.stop.latched).Emit()
		}
	})
	return hit
}

// stopRace settles a transfer that completes with r while a request for
// it is pending: stop-wins reads the request (under the lock) and turns r
// into STOPPED; completion wins keeps r, and the request is traced as
// dropped.
func (e *Easy) stopRace(r Result) Result {
	if r == Stopped || !e.Stoppable() {
		return r
	}
	if e.share.variant.Race == RaceStopWins {
		hit := false
		e.withLock(e.share, LockStop, AccessShared, func() { hit = e.stop.pending() })
		if hit {
			e.traceStop("override").Text("result", r.String()).Emit()
			return Stopped
		}
		return r
	}
	if e.stop.pending() { // the model's observation, not a read by the transfer
		e.traceStop("dropped").Text("reason", "completed").Text("result", r.String()).Emit()
	}
	return r
}
