package model

import (
	"errors"
	"time"
)

// TransferConfig is what NewTransfer needs.
type TransferConfig struct {
	Options  Options
	Sockets  Sockets  // required
	Resolver Resolver // required unless Options.Host is an IP literal
	// Limit is the connection limit shared by the transfers of one multi
	// (CURLMOPT_MAX_TOTAL_CONNECTIONS); nil is no limit.
	Limit *ConnLimit
	// OnState, if set, is called after every state change, inside the
	// multi's call: it may record or schedule (a stopper thread acting
	// when a transfer reaches CONNECTING) but must not call the Multi's
	// API.
	OnState func(t *Transfer, from, to TransferState)
	// OnPause, if set, is called when the write callback pauses the
	// transfer (Options.PauseAt), inside the multi's call: the application
	// may schedule its resume but must not call the Multi's API there.
	OnPause func(t *Transfer)
}

// hooks are the TransferConfig callbacks that survive Reset.
type hooks struct {
	pause func(t *Transfer)
}

// Transfer is libcurl's per-transfer state machine for an HTTP/1.1 GET
// over the model's Sockets and Resolver (lib/multi.c multi_runsingle,
// lib/connect.c happy eyeballs, lib/transfer.c, lib/progress.c,
// lib/speedcheck.c, lib/asyn-thread.c), as a Behavior: the multi runs it,
// it arms timers, states its socket wishes and finishes with a Result.
// Version differences are the profile's TransferKnobs.
//
// Each Run is one multi_runsingle: a loop of iterations, each with the
// time-left check at the top (TopCheckConnect), the state's step, the
// connect-limit check at the bottom of the last iteration before DO, and
// curl's statemachine_end: a failure completes the transfer, otherwise the
// xferinfo callback runs once a connection exists. A Transfer keeps its
// progress: give every Easy its own.
type Transfer struct {
	opts  Options
	socks Sockets
	res   Resolver
	limit *ConnLimit
	hook  func(t *Transfer, from, to TransferState)
	hooks hooks

	e        *Easy
	state    TransferState
	result   Result
	finished bool // the transfer chose its result (Finish)
	now      Micros
	startOp  Micros // t_startop: the first run
	startOne Micros // t_startsingle: the connect clock
	endAt    Micros
	began    bool
	ended    bool

	conn        bool   // curl's data->conn: from CONNECT until multi_done
	slot        bool   // a ConnLimit slot is held
	wasPending  bool   // 7.88's previouslypending
	doneRan     bool   // multi_done's callback part ran (curl's state.done)
	wakeOnDone  bool   // multi_done ran, so Done moves a pending transfer on
	selectAgain bool   // data left to read: run again at once
	paused      bool   // KEEP_RECV_PAUSE
	pauseDone   bool   // the write callback paused once already (PauseAt)
	pausedAt    Micros // when the transfer last paused
	held        []byte // the chunk the write callback paused on

	rs    resolveState
	he    eyeballs
	fd    int // the connected socket, −1 before
	errno Errno

	req     []byte // the request, while not fully sent
	keepRcv bool
	keepSnd bool
	resp    response
	prog    progress
	calls   int // xferinfo calls
}

// NewTransfer makes a transfer in INIT. It fails on invalid options or a
// missing Sockets or Resolver; the error names the problem.
func NewTransfer(c TransferConfig) (*Transfer, error) {
	if err := c.Options.Validate(); err != nil {
		return nil, err
	}
	if c.Sockets == nil {
		return nil, errors.New("model: TransferConfig.Sockets is nil")
	}
	if c.Resolver == nil && !isLiteral(c.Options.Host) {
		return nil, errors.New("model: TransferConfig.Resolver is nil and the host is not an IP literal")
	}
	t := &Transfer{opts: c.Options, socks: c.Sockets, res: c.Resolver, limit: c.Limit, hook: c.OnState,
		hooks: hooks{pause: c.OnPause}}
	t.Reset()
	return t, nil
}

// Reset forgets all progress, so the transfer starts over in INIT when its
// Easy is added again; it implements Resetter. It is not a state change.
func (t *Transfer) Reset() {
	opts, socks, res, limit, hook, hk, e := t.opts, t.socks, t.res, t.limit, t.hook, t.hooks, t.e
	*t = Transfer{opts: opts, socks: socks, res: res, limit: limit, hook: hook, hooks: hk, e: e}
	t.fd = -1
	t.rs.fd = -1
	t.resp.reset()
	t.prog.reset()
}

// State is where the transfer is.
func (t *Transfer) State() TransferState { return t.state }

// Result is the outcome once the transfer completed (OK before). A
// transfer removed before it finished stays OK with state COMPLETED.
func (t *Transfer) Result() Result { return t.result }

// Options are the options it was made with.
func (t *Transfer) Options() Options { return t.opts }

// Easy is the handle the multi last ran it on, or nil before that.
func (t *Transfer) Easy() *Easy { return t.e }

// Start is when the transfer first ran (curl's t_startop, the base of
// TIMEOUT), and whether it has.
func (t *Transfer) Start() (Micros, bool) { return t.startOp, t.began }

// End is when the transfer completed or was removed, and whether it has.
func (t *Transfer) End() (Micros, bool) { return t.endAt, t.ended }

// ElapsedUs is End − Start in µs once ended, else 0.
func (t *Transfer) ElapsedUs() int64 {
	if !t.ended || !t.began {
		return 0
	}
	return TimeDiffUs(t.endAt, t.startOp)
}

// BytesReceived is the number of body bytes received.
func (t *Transfer) BytesReceived() int64 { return t.resp.bytecount }

// ResponseCode is the HTTP status of the response, 0 before one arrived.
func (t *Transfer) ResponseCode() int { return t.resp.status }

// XferinfoCalls is how many times the xferinfo callback ran.
func (t *Transfer) XferinfoCalls() int { return t.calls }

// knobs are the profile's transfer knobs (zero when detached).
func (t *Transfer) knobs() TransferKnobs {
	if t.e == nil || t.e.multi == nil {
		return TransferKnobs{}
	}
	return t.e.multi.prof.Transfer
}

func (t *Transfer) limits() Limits {
	return Limits{TimeoutMs: t.opts.TimeoutMs, ConnectTimeoutMs: t.opts.ConnectTimeoutMs}
}

// timeLeft is Curl_timeleft at now.
func (t *Transfer) timeLeft(now Micros, connecting bool) int64 {
	startOp := t.startOp
	if connecting && t.knobs().TotalFromConnectStart {
		startOp = t.startOne // bug 9: one start for both limits
	}
	return t.limits().TimeLeft(now, startOp, t.startOne, connecting)
}

// expire arms a timer; a negative delay (time already up) is due at once,
// as curl's Curl_expire with a negative value is.
func (t *Transfer) expire(id TimerID, ms int64) { _ = t.e.Expire(id, max(ms, 0)) }

func (t *Transfer) note(what string) EventBuilder { return t.e.Trace(EvXfer).Text("what", what) }

// iteration is one round of curl's multi_runsingle loop. result survives
// from one iteration to the next within a run, as curl's local does (an
// xferinfo abort carries into DONE).
type iteration struct {
	again     bool // CURLM_CALL_MULTI_PERFORM: loop once more
	result    Result
	streamErr bool
}

// Run drives the transfer once (multi_runsingle); it implements Behavior.
func (t *Transfer) Run(e *Easy) {
	t.e = e
	t.now = e.Now()
	var it iteration
	for {
		it.again, it.streamErr = false, false
		if !t.topCheck(&it) {
			t.step(&it)
			t.bottomCheck(&it)
		}
		if !t.settle(&it) {
			break
		}
	}
	t.wantSockets()
}

// step runs the current state's work.
func (t *Transfer) step(it *iteration) {
	switch t.state {
	case XferInit:
		t.stepInit(it)
	case XferConnect:
		t.stepConnect(it)
	case XferResolving:
		t.stepResolving(it)
	case XferConnecting:
		t.stepConnecting(it)
	case XferDo:
		t.stepDo(it)
	case XferPerforming:
		t.stepPerforming(it)
	case XferRateLimiting:
		t.stepRateLimiting(it)
	case XferDone:
		t.stepDone(it)
	}
	// PENDING does nothing when run: a slot wakes it (7.88 runs it from
	// Perform, 8.x only when one of its timers pops).
}

// topCheck is the time-left check before the state's step (curl's first
// multi_handle_timeout call). 8.x counts the connect limit before DO and
// needs no connection; 7.88 counts only the total limit, with a
// connection.
func (t *Transfer) topCheck(it *iteration) bool {
	if t.state < XferConnect || t.state >= XferCompleted {
		return false
	}
	k := t.knobs()
	connecting := false
	if k.TopCheckConnect {
		connecting = t.state < XferDo
	} else if !t.conn {
		return false
	} else {
		connecting = k.TopCheckConnectWithConn && t.state < XferDo
	}
	return t.handleTimeout(it, connecting, "top")
}

// bottomCheck is the connect-limit check at the end of the last iteration
// before DO (curl checks it only when no further iteration is planned, so
// a connect that almost made it gets its chance). It runs even after a
// failure and then turns it into a timeout, as curl does. 7.88 needs a
// connection.
func (t *Transfer) bottomCheck(it *iteration) {
	if t.state < XferConnect || t.state >= XferDo || it.again {
		return
	}
	if !t.knobs().TopCheckConnect && !t.conn {
		return
	}
	t.handleTimeout(it, true, "bottom")
}

// handleTimeout is multi_handle_timeout: OPERATION_TIMEDOUT once the time
// left at the run's "now" is negative, with multi_done when a connection
// exists.
func (t *Transfer) handleTimeout(it *iteration, connecting bool, check string) bool {
	left := t.timeLeft(t.now, connecting)
	if left >= 0 {
		return false
	}
	t.note("timeout").Text("check", check).Flag("connecting", connecting).Num("left", left).Emit()
	it.result = OperationTimedout
	if t.state > XferDo {
		it.streamErr = true
	}
	if t.conn {
		t.multiDone(it.result, true)
	}
	return true
}

// settle is curl's statemachine_end: a failure completes the transfer
// (moving one pending transfer on first); otherwise, with a connection,
// the xferinfo callback runs, and a non-zero answer (or a stop noticed
// after it returned) ends the transfer through DONE. It reports whether
// to iterate again.
func (t *Transfer) settle(it *iteration) bool {
	if t.finished {
		return false
	}
	if it.result != OK {
		t.limit.wakeOne()
		t.finish(it.result)
		return false
	}
	if !t.conn {
		return it.again
	}
	if r := t.xferinfo(); r != OK {
		it.result = r
		if t.state >= XferDone {
			t.finish(it.result)
			return false
		}
		t.to(XferDone)
		return true
	}
	return it.again
}

// finish fixes the result; the multi completes the transfer after the run.
func (t *Transfer) finish(r Result) {
	t.result, t.finished = r, true
	t.e.Finish(r)
}

// stepInit is curl's INIT (and 8.x's SETUP, which follows in the same
// iteration): the operation starts, and 8.x arms the limits once here.
func (t *Transfer) stepInit(it *iteration) {
	now := t.e.Now()
	t.startOp, t.began = now, true
	t.prog.begin(now)
	if k := t.knobs(); k.ArmLimitsEachConnect {
		t.now = now
		t.startOne = now // CONNECT restarts it before any check needs it
		if k.ArmLimitsAtOpStart {
			t.armLimits() // bug 9: Curl_pretransfer armed them before 7.64.0
		}
		t.to(XferConnect)
		it.again = true
		return
	}
	t.now = t.e.Now()
	t.startOne = t.now
	t.armLimits()
	t.to(XferConnect)
	t.stepConnect(it)
}

// armLimits arms TIMEOUT and CONNECTTIMEOUT for the options that are set.
func (t *Transfer) armLimits() {
	if t.opts.TimeoutMs > 0 {
		t.expire(TimerTimeout, t.opts.TimeoutMs)
	}
	if t.opts.ConnectTimeoutMs > 0 {
		t.expire(TimerConnectTimeout, t.opts.ConnectTimeoutMs)
	}
}

// stepConnect is CONNECT: 7.88 restarts the connect clock and re-arms the
// limits here; a slot is taken or the transfer waits in PENDING; the name
// is looked up (synchronously, or the asynchronous lookup starts); one
// pending transfer is moved on per profile.
func (t *Transfer) stepConnect(it *iteration) {
	k := t.knobs()
	if k.ArmLimitsEachConnect {
		t.now = t.e.Now()
		t.startOne = t.now
		if !k.ArmLimitsAtOpStart {
			t.armLimits()
		}
	}
	if !t.limit.acquire() {
		t.note("pending").Num("in-use", int64(t.limit.InUse())).Emit()
		t.to(XferPending)
		t.limit.enqueue(t)
		return
	}
	t.slot, t.conn = true, true
	r, async := t.resolveStart()
	if k.ConnectWakesPending || t.wasPending {
		t.wasPending = false
		t.limit.wakeOne()
	}
	if r != OK {
		it.result = r
		t.conn = false // the new connection is dropped before it is used
		return
	}
	if !k.ArmLimitsEachConnect {
		t.now = t.e.Now() // 8.x TIMER_POSTQUEUE
	}
	if async {
		t.to(XferResolving)
		return
	}
	t.to(XferConnecting)
	it.again = true
}

// unpend moves a pending transfer back to CONNECT and asks to run it at
// once (process_pending_handles / move_pending_to_connect).
func (t *Transfer) unpend() {
	t.to(XferConnect)
	t.wasPending = true
	t.e.RunNow()
}

// stepResolving is RESOLVING: collect the answer or poll again later.
func (t *Transfer) stepResolving(it *iteration) {
	done, r := t.resolveCheck()
	switch {
	case r != OK:
		it.result, it.streamErr = r, true
	case done:
		t.to(XferConnecting)
		it.again = true
	}
}

// stepConnecting is CONNECTING: race the addresses; once one connects the
// next iteration (curl's PROTOCONNECT, nothing to do for plain HTTP) moves
// on to DO.
func (t *Transfer) stepConnecting(it *iteration) {
	if t.fd >= 0 {
		t.to(XferDo)
		it.again = true
		return
	}
	connected, r := t.connect()
	if r != OK {
		it.result, it.streamErr = r, true
		t.multiDone(r, true)
		return
	}
	if connected {
		it.again = true
	}
}

// stepDo is DO: send the request (what fits); the next iteration (curl's
// DID) moves on to PERFORMING.
func (t *Transfer) stepDo(it *iteration) {
	if t.req != nil || t.keepRcv {
		t.to(XferPerforming)
		it.again = true
		return
	}
	t.prog.low.reset()
	t.req = buildRequest(&t.opts)
	t.keepRcv, t.keepSnd = true, true
	if r := t.sendRequest(); r != OK {
		it.result, it.streamErr = r, true
		t.multiDone(r, false)
		return
	}
	it.again = true
}

// stepPerforming is PERFORMING: over the receive limit it waits in
// RATELIMITING on TOOFAST; otherwise it reads and sends what it can, runs
// the progress, speed and time-left checks, and ends in DONE when the
// response is complete.
func (t *Transfer) stepPerforming(it *iteration) {
	if wait := t.rateWait(t.now); wait > 0 {
		t.ratelimit(t.now)
		t.to(XferRateLimiting)
		t.expire(TimerTooFast, wait)
		return
	}
	if r := t.sendrecv(); r != OK {
		it.result, it.streamErr = r, true
		t.multiDone(r, true)
		return
	}
	if t.paused {
		// KEEP_RECV_PAUSE: not done while paused; the read-again bits
		// wait for the resume (bug 13: run again at once anyway).
		if t.selectAgain && t.knobs().RerunBlocked {
			t.e.RunNow()
		}
		return
	}
	if !t.keepRcv && !t.keepSnd {
		t.to(XferDone)
		it.again = true
		return
	}
	if t.selectAgain {
		t.selectAgain = false
		t.e.RunNow()
	}
}

// stepRateLimiting is RATELIMITING: progress and speed checks, then back to
// PERFORMING when under the limit (8.x goes on in the same run), else wait
// on TOOFAST again.
func (t *Transfer) stepRateLimiting(it *iteration) {
	r := t.xferinfo()
	if r == OK {
		r = t.speedcheck(t.now)
	}
	if r != OK {
		it.result, it.streamErr = r, true
		t.multiDone(r, true)
		return
	}
	if wait := t.rateWait(t.now); wait > 0 {
		t.expire(TimerTooFast, wait)
		return
	}
	t.to(XferPerforming)
	t.ratelimit(t.now)
	it.again = t.knobs().RateResumeSamePass
}

// stepDone is DONE: multi_done decides the final result (an empty reply is
// GOT_NOTHING; the final progress call may abort a transfer that was OK).
func (t *Transfer) stepDone(it *iteration) {
	if t.conn {
		if r := t.multiDone(it.result, false); it.result == OK {
			it.result = r
		}
	}
	t.finish(it.result)
}

// multiDone is the callback side of curl's multi_done, run where curl runs
// it: once per transfer, it checks for an empty reply and makes the final
// forced progress call (skipped when the status is ABORTED_BY_CALLBACK),
// and detaches the connection. The resources go in Done.
func (t *Transfer) multiDone(status Result, premature bool) Result {
	if t.doneRan {
		return OK
	}
	t.doneRan, t.wakeOnDone = true, true
	r := status
	if r == OK && !premature && t.resp.bytecount+t.resp.headerBytes <= 0 {
		r = GotNothing
	}
	if r != AbortedByCallback {
		t.prog.forceCalc()
		if x := t.xferinfo(); x != OK && r == OK {
			r = x
		}
	}
	t.conn = false
	return r
}

// xferinfo is Curl_pgrsUpdate: the speed bookkeeping always, then the
// callback when enabled. It returns ABORTED_BY_CALLBACK for a non-zero
// answer, STOPPED for a stop noticed after the callback returned
// (after-callback-returns variant), else OK.
func (t *Transfer) xferinfo() Result {
	t.prog.calc(t.e.Now())
	if t.opts.NoProgress || t.opts.Xferinfo == nil {
		return OK
	}
	t.calls++
	m := t.e.multi
	m.inCallback = true
	rc := t.opts.Xferinfo(t, t.resp.total(), t.resp.bytecount, 0, 0)
	m.inCallback = false
	t.e.Trace(EvXferinfo).Num("dltotal", t.resp.total()).Num("dlnow", t.resp.bytecount).
		Num("n", int64(t.calls)).Num("rc", int64(rc)).Emit()
	if rc != 0 && rc != XferinfoContinue {
		return AbortedByCallback
	}
	return t.stopAfterCallback()
}

// stopAfterCallback is the after-callback-returns variant's check; a
// transfer whose result is fixed keeps it: completion wins.
func (t *Transfer) stopAfterCallback() Result {
	if t.resultFixed() || !t.e.stopAfterCallback() {
		return OK
	}
	return Stopped
}

// resultFixed reports that a stop can no longer change the result: the
// transfer finished, ran multi_done, or reached DONE (the response is
// complete or it failed). It implements the multi's resultFixer.
func (t *Transfer) resultFixed() bool { return t.finished || t.doneRan || t.state >= XferDone }

// stopped ends a transfer whose stop the multi noticed at the top of a
// run, as a failure at the top of multi_runsingle ends: multi_done with
// STOPPED (premature) once a connection exists, one pending transfer
// moved on, the result fixed. It implements the multi's stopEnder.
func (t *Transfer) stopped(e *Easy) {
	t.e = e
	t.now = e.Now()
	if t.conn {
		t.multiDone(Stopped, true)
	}
	t.limit.wakeOne()
	t.finish(Stopped)
}

// Done releases what the transfer holds (curl's multi_done resources and
// the connection), moves pending transfers on where curl does, and enters
// COMPLETED; it implements Behavior. premature is a Remove before the end:
// curl's remove_handle runs multi_done, whose progress call is ignored.
func (t *Transfer) Done(e *Easy, premature bool) {
	t.e = e
	switch {
	case premature && t.conn:
		t.multiDone(OK, true)
	case !premature && !t.finished: // the multi died: curl's multi_done(42)
		t.doneRan, t.wakeOnDone = true, true
		t.result = AbortedByCallback
	}
	t.release()
	if t.wakeOnDone {
		t.limit.wakeOne()
	}
	if premature {
		t.limit.wakeOne() // remove_handle moves one more
	}
	t.endAt, t.ended = e.Now(), true
	t.to(XferCompleted)
}

// Completed enters MSGSENT once the DONE message is queued; it implements
// Completer.
func (t *Transfer) Completed(e *Easy) {
	t.e = e
	t.to(XferMsgSent)
}

// Parked reports a PENDING transfer that Perform skips (8.x keeps them off
// the process list); it implements Parker.
func (t *Transfer) Parked() bool { return t.state == XferPending && t.knobs().PendingParked }

// Purged is 8.x's check of a PENDING transfer whose timer Perform purged:
// with its time up it goes back to CONNECT to run at once and time out; it
// implements Purger.
func (t *Transfer) Purged(e *Easy, now Micros) {
	t.e = e
	if t.state != XferPending || !t.knobs().PendingParked || t.timeLeft(now, true) >= 0 {
		return
	}
	t.note("pending-timeout").Num("left", t.timeLeft(now, true)).Emit()
	t.limit.dequeue(t)
	t.unpend()
}

// release closes every socket, abandons (or joins) a running lookup, gives
// the slot back and leaves the pending queue.
func (t *Transfer) release() {
	t.cancelResolve()
	t.he.closeAll(t)
	if t.fd >= 0 {
		t.closeSocket(t.fd)
		t.fd = -1
	}
	if t.slot {
		t.limit.release()
		t.slot = false
	}
	if t.state == XferPending {
		t.limit.dequeue(t)
	}
	t.conn, t.req = false, nil
	t.resp.line = nil
}

// closeSocket closes fd and tells the multi (an immediate REMOVE).
func (t *Transfer) closeSocket(fd int) {
	err := t.socks.Close(fd)
	t.e.Trace(EvNet).Text("op", "close").Num("fd", int64(fd)).Text("err", errText(err)).Emit()
	t.e.Closed(fd)
}

// wantSockets states what the multi should watch, per state, as curl's
// multi_getsock does: the resolver's descriptor while resolving, OUT on
// every connect attempt, IN (and OUT while the request is not all sent)
// while performing, nothing otherwise.
func (t *Transfer) wantSockets() {
	var want [3]Interest
	n := 0
	switch t.state {
	case XferResolving:
		if t.rs.active {
			want[n] = Interest{FD: t.rs.fd, What: PollIn}
			n++
		}
	case XferConnecting:
		n = t.he.wants(want[:])
	case XferDo, XferPerforming:
		var a PollAction
		if t.keepRcv && !t.paused {
			a |= PollIn
		}
		if t.keepSnd {
			a |= PollOut
		}
		if t.fd >= 0 && a != PollNone {
			want[n] = Interest{FD: t.fd, What: a}
			n++
		}
	}
	t.applyWants(want[:n])
}

// applyWants makes the Easy's wishes exactly want.
func (t *Transfer) applyWants(want []Interest) {
	e := t.e
	for i := len(e.want) - 1; i >= 0; i-- {
		if !hasFD(want, e.want[i].FD) {
			e.Want(e.want[i].FD, PollNone)
		}
	}
	for _, w := range want {
		e.Want(w.FD, w.What)
	}
}

// busy claims processing time on the performing thread.
func (t *Transfer) busy(d time.Duration) {
	if d > 0 {
		t.e.Busy(d)
	}
}

// errText is an error's name for the trace, "-" for none.
func errText(err error) string {
	if err == nil {
		return "-"
	}
	var en Errno
	if errors.As(err, &en) {
		return en.String()
	}
	return "error"
}
