package model

import "errors"

// The model never blocks. Poll and Wait therefore return what the caller
// must wait on (WaitSpec); the caller blocks in its own world (the
// simulator's kernel, a test) and reports the end with EndWait. Wakeup says
// what a token written now does to that wait.

// WaitCall says which blocking call is in progress.
type WaitCall uint8

// The blocking calls.
const (
	WaitNone WaitCall = iota // no call in progress
	WaitWait                 // curl_multi_wait: never woken by Wakeup
	WaitPoll                 // curl_multi_poll: watches the wakeup pair
	numWaitCalls
)

var waitCallNames = [numWaitCalls]string{"none", "wait", "poll"}

// String is the name used in profiles, traces and scripts.
func (w WaitCall) String() string { return enumName(waitCallNames[:], uint8(w)) }

// WaitSpec is what a Poll or Wait caller must wait on: return when a socket
// in Sockets is ready for its wish, when WatchWakeup and a wakeup token is
// written, or when TimeoutMs has passed, whichever comes first.
type WaitSpec struct {
	Call WaitCall
	// Sockets are the wishes of every running transfer, merged per fd, in
	// add order. The slice is reused by the next Poll or Wait.
	Sockets []Interest
	// WatchWakeup is true for Poll: the wakeup pair is part of the set.
	WatchWakeup bool
	// WakeupReady is true when a token is already pending: the poll returns
	// at once (TimeoutMs is then 0).
	WakeupReady bool
	// TimeoutMs is the request capped at the exposed timeout when that is
	// smaller and not −1. Wait with no socket returns at once (0); Poll
	// waits the full time even with no socket.
	TimeoutMs int64
}

// WakeupEffect is what a Wakeup call did.
type WakeupEffect uint8

// The effects.
const (
	// WakeupStored: a token is now pending; the next Poll returns at once.
	// A Wait in progress is not woken.
	WakeupStored WakeupEffect = iota
	// WakeupInterrupts: a Poll is in progress and must return now; the
	// caller ends it with EndWait(true).
	WakeupInterrupts
	// WakeupCoalesced: a token was already pending; nothing changes.
	WakeupCoalesced
	numWakeupEffects
)

var wakeupNames = [numWakeupEffects]string{"stored", "interrupts-poll", "coalesced"}

// String is the name used in profiles, traces and scripts.
func (w WakeupEffect) String() string { return enumName(wakeupNames[:], uint8(w)) }

type waitState struct {
	call  WaitCall // in progress, between Poll/Wait and EndWait
	token bool     // a wakeup token is pending
}

// Poll is curl_multi_poll: it watches the transfers' sockets and the
// wakeup pair for at most timeoutMs, capped by the exposed timeout. It does
// not call the timer callback.
func (m *Multi) Poll(timeoutMs int64) (WaitSpec, MCode) { return m.startWait(WaitPoll, timeoutMs) }

// Wait is curl_multi_wait: like Poll without the wakeup pair, and returning
// at once when there is no socket to watch.
func (m *Multi) Wait(timeoutMs int64) (WaitSpec, MCode) { return m.startWait(WaitWait, timeoutMs) }

func (m *Multi) startWait(call WaitCall, timeoutMs int64) (WaitSpec, MCode) {
	if m.inCallback {
		return WaitSpec{}, MRecursiveAPICall
	}
	if m.tracing() {
		m.event(NoEasy, EvCall).text("fn", call.String()).num("ms", timeoutMs).emit()
	}
	if timeoutMs < 0 || m.wait.call != WaitNone {
		m.traceReturn(call.String(), NoEasy, MBadFunctionArgument)
		return WaitSpec{}, MBadFunctionArgument
	}
	spec := WaitSpec{Call: call, Sockets: m.collectWishes(), WatchWakeup: call == WaitPoll}
	spec.TimeoutMs = timeoutMs
	if t, _ := m.exposed(); t >= 0 && t < spec.TimeoutMs {
		spec.TimeoutMs = t
	}
	switch {
	case call == WaitWait && len(spec.Sockets) == 0:
		spec.TimeoutMs = 0
	case call == WaitPoll && m.wait.token:
		spec.WakeupReady, spec.TimeoutMs = true, 0
	}
	m.wait.call = call
	if m.tracing() {
		m.event(NoEasy, EvReturn).text("fn", call.String()).text("code", "OK").num("timeout", spec.TimeoutMs).
			num("sockets", int64(len(spec.Sockets))).flag("wakeup", spec.WatchWakeup).flag("ready", spec.WakeupReady).emit()
	}
	return spec, MOK
}

// collectWishes merges the wishes of the running transfers per fd.
func (m *Multi) collectWishes() []Interest {
	m.spec = m.spec[:0]
	for e := m.first; e != nil; e = e.next {
		if !e.alive() {
			continue
		}
		for _, w := range e.want {
			m.mergeWish(w)
		}
	}
	return m.spec
}

func (m *Multi) mergeWish(w Interest) {
	for i := range m.spec {
		if m.spec[i].FD == w.FD {
			m.spec[i].What |= w.What
			return
		}
	}
	m.spec = append(m.spec, w)
}

// errNoWait is EndWait's misuse error.
var errNoWait = errors.New("model: EndWait without a Poll or Wait in progress")

// EndWait reports that the wait from Poll or Wait is over; woken says the
// wakeup pair was readable. A Poll drains every pending token (curl reads
// the pair until it would block); a Wait leaves them for the next Poll.
func (m *Multi) EndWait(woken bool) (drained bool, err error) {
	call := m.wait.call
	if call == WaitNone {
		return false, errNoWait
	}
	m.wait.call = WaitNone
	if call == WaitPoll && (woken || m.wait.token) {
		m.wait.token, drained = false, true
	}
	if m.tracing() {
		m.event(NoEasy, EvReturn).text("fn", "end_"+call.String()).flag("woken", woken).flag("drained", drained).emit()
	}
	return drained, nil
}

// Wakeup is curl_multi_wakeup: write one token to the wakeup pair. Tokens
// coalesce; a Poll in progress must return; otherwise the next Poll
// returns at once. curl allows it from any thread and from callbacks, so
// there is no in-callback check.
func (m *Multi) Wakeup() WakeupEffect {
	eff := WakeupStored
	switch {
	case m.wait.token:
		eff = WakeupCoalesced
	case m.wait.call == WaitPoll:
		eff = WakeupInterrupts
	}
	m.wait.token = true
	if m.tracing() {
		m.event(NoEasy, EvWakeup).text("effect", eff.String()).emit()
	}
	if m.wakeFn != nil {
		m.wakeFn(m, eff)
	}
	return eff
}

// Waiting is the blocking call in progress and whether a token is pending.
func (m *Multi) Waiting() (WaitCall, bool) { return m.wait.call, m.wait.token }
