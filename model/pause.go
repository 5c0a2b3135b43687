package model

// PauseAction is curl_easy_pause's bitmask for the receive direction, the
// only one a GET has: PauseRecv (CURLPAUSE_RECV) or PauseCont
// (CURLPAUSE_CONT).
type PauseAction uint8

// The pause actions.
const (
	PauseCont PauseAction = 0
	PauseRecv PauseAction = 1
)

// String is the name in traces.
func (a PauseAction) String() string {
	if a == PauseRecv {
		return "recv"
	}
	return "cont"
}

// Pauser is an optional interface of a Behavior that can be paused: a
// Transfer. SetPaused changes the receive direction's pause state and
// reports whether it changed; it may update the transfer's socket wishes.
type Pauser interface {
	SetPaused(e *Easy, paused bool) (changed bool)
}

// Pause is curl_easy_pause for a transfer of this multi, from the
// application (not from inside a callback: the write callback pauses with
// Options.PauseAt). A change of state updates the socket callback
// (Curl_updatesocket); a resume also asks for a run at once (RUN_NOW or
// the dirty flag, per profile) and, unless the profile has bug 14, updates
// the application's timer, in curl's order (lib/easy.c curl_easy_pause,
// 7.65.2 on). A transfer that cannot pause (a Script, or a transfer
// without a connection) gives MBadEasyHandle, as curl gives
// CURLE_BAD_FUNCTION_ARGUMENT without a connection.
func (m *Multi) Pause(e *Easy, action PauseAction) MCode {
	switch {
	case m.inCallback:
		return MRecursiveAPICall
	case e == nil || e.multi != m:
		return MBadEasyHandle
	}
	if m.tracing() {
		m.event(e.id, EvCall).text("fn", "pause").text("action", action.String()).emit()
	}
	code := m.pause(e, action)
	m.traceReturn("pause", e.id, code)
	return code
}

func (m *Multi) pause(e *Easy, action PauseAction) MCode {
	p, ok := e.beh.(Pauser)
	if !ok || !e.alive() {
		return MBadEasyHandle
	}
	paused := action == PauseRecv
	if !p.SetPaused(e, paused) {
		return MOK // no change: curl returns at once
	}
	code := MOK
	if !paused {
		m.runNow(e)
		if !m.prof.UnpauseNoTimer {
			code = m.updateTimer()
		}
	}
	if c := m.reportSockets(e); code == MOK {
		code = c
	}
	return code
}

// SetPaused implements Pauser: pausing stops reading and watching the
// socket; resuming resets the low-speed clock and marks the socket for a
// read at the next run (curl sets the read-again bits), where the chunk
// held since the pause is delivered first. A transfer without a
// connection cannot pause (false).
func (t *Transfer) SetPaused(e *Easy, paused bool) bool {
	if t.paused == paused || !t.conn {
		return false
	}
	t.paused = paused
	if paused {
		t.note("pause").Text("by", "app").Emit()
	} else {
		t.note("resume").Num("held", int64(len(t.held))).Emit()
		t.prog.low.reset()
		t.selectAgain = t.keepRcv
	}
	t.wantSockets()
	return true
}

// Paused reports whether the transfer's receive direction is paused, and
// since when.
func (t *Transfer) Paused() (since Micros, paused bool) { return t.pausedAt, t.paused }

// pauseWrite is the write callback's CURL_WRITEFUNC_PAUSE for PauseAt:
// the chunk is kept for the resume and the transfer stops reading.
func (t *Transfer) pauseWrite(p []byte) bool {
	if t.opts.PauseAt <= 0 || t.pauseDone || t.resp.bytecount < t.opts.PauseAt {
		return false
	}
	t.pauseDone, t.paused, t.pausedAt = true, true, t.e.Now()
	t.held = append(t.held[:0], p...)
	t.e.Trace(EvWrite).Num("n", int64(len(p))).Text("rc", "pause").Emit()
	t.note("pause").Text("by", "write-cb").Emit()
	if t.hooks.pause != nil {
		t.hooks.pause(t)
	}
	return true
}

// flushHeld delivers the chunk held since a pause, at the first run after
// the resume (8.x; 7.88 delivers it inside curl_easy_pause, a difference
// of one run that the model does not keep).
func (t *Transfer) flushHeld() Result {
	if t.paused || len(t.held) == 0 {
		return OK
	}
	p := t.held
	t.held = nil
	return t.write(p)
}
