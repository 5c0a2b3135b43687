//go:build libcurl

package realcurl

import (
	"runtime"
	"runtime/cgo"
	"sync/atomic"
	"syscall"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
)

// app is one application thread: a locked OS thread driving its
// transfers, either through curl_easy_perform (one transfer) or through
// one multi handle (all of them). Fields without a comment are the
// thread's own.
type app struct {
	r   *run
	tid sim.ThreadID // guarded by run.mu until the thread starts
	m   *multi       // nil for the easy driver
	h   cgo.Handle
	st  *starter
	res *resumer // multi drivers: resumes of paused transfers (nil: none pause)
	xs  []*xfer  // added, in order
	// done counts the transfers whose end the application learned.
	done, running int
	// activity counts the callbacks (socket, progress, write, debug,
	// socket-option) the thread saw: a timer expiry that changes neither
	// it nor the running count ran nothing.
	activity int

	wakeups atomic.Int64 // returns from blocking waits (multi drivers)
	// The easy driver's OS thread and its voluntary context switches at
	// the start and, once easy_perform returned, during it; guarded by
	// run.mu.
	ostid     int
	csw0, csw int64
	performed bool

	tokens atomic.Int64 // multi-poll: wakeups written to the multi
	seen   atomic.Int64 // multi-poll: tokens the last poll consumed
	inPoll atomic.Bool  // multi-poll: inside curl_multi_poll

	sock sockState // the event loops
}

// startMulti starts the one application thread of the multi drivers,
// with its multi and descriptors made first (libcurl's handles may be
// made on any thread; only the calls that drive them are the thread's).
func (r *run) startMulti(body func(*app)) error {
	a := &app{r: r}
	r.apps = append(r.apps, a)
	if err := a.setup(); err != nil {
		return err
	}
	r.mu.Lock()
	a.tid = r.spawnLocked("app")
	r.mu.Unlock()
	r.threads.Go(func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		body(a)
		r.exit(a.tid)
	})
	return nil
}

// setup makes the multi, the start and resume timers and, for the event
// loops, the epoll set.
func (a *app) setup() error {
	r := a.r
	m, err := newMulti(r.s.MaxConnections)
	if err != nil {
		return err
	}
	a.m = m
	if a.st, err = newStarter(r); err != nil {
		return err
	}
	if a.res, err = newResumer(r); err != nil {
		return err
	}
	if r.s.Driver == scenario.DriverMultiPoll {
		return nil
	}
	if err := a.setupEpoll(); err != nil {
		return err
	}
	a.h = r.newHandle(a)
	return a.m.callbacks(a.h)
}

// interrupt makes the thread return from its wait at the run's end
// (run.mu held).
func (a *app) interrupt() {
	switch {
	case a.m == nil:
	case a.r.s.Driver == scenario.DriverMultiPoll:
		a.m.wakeup()
	case a.sock.regs != nil && a.sock.endFD >= 0: // the epoll set is made
		one := [8]byte{1}
		_, _ = syscall.Write(a.sock.endFD, one[:])
	}
}

// close frees the multi (after the thread is done) and the descriptors.
func (a *app) close(easies []*easy) {
	if a.m != nil {
		a.m.cleanup(easies)
	}
	if a.st != nil {
		a.st.close()
	}
	a.res.close()
	a.sock.close()
}

// add attaches transfer x to the multi (curl_multi_add_handle).
func (a *app) add(x *xfer) {
	a.attach(x)
	code := a.m.add(x.e)
	a.r.emit(sim.LevelAPI, a.tid, x.id, "return", sim.F("fn", "add"), sim.F("code", model.MCode(code).String()))
}

// attach records that the application starts x now.
func (a *app) attach(x *xfer) {
	r := a.r
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.nowLocked()
	x.a = a
	a.xs = append(a.xs, x)
	r.outcomes[x.id-1].Start = now
	r.emitLocked(now, sim.LevelAPI, a.tid, x.id, "call", sim.F("fn", "add"))
	r.stateLocked(x, now, "CONNECT")
}

// perform is curl_multi_perform.
func (a *app) perform() {
	a.r.emit(sim.LevelAPI, a.tid, 0, "call", sim.F("fn", "perform"))
	code, running := a.m.perform()
	a.running = running
	a.r.emit(sim.LevelAPI, a.tid, 0, "return", sim.F("fn", "perform"), sim.F("code", model.MCode(code).String()),
		sim.Int("running", int64(running)))
}

// drain reads every DONE message.
func (a *app) drain() {
	for {
		id, res, remaining, ok := a.m.nextDone()
		if !ok {
			return
		}
		a.r.delivered(a, a.r.xfers[id-1], model.Result(res), remaining)
		a.done++
	}
}

// delivered records the DONE message the application read now: the
// transfer's end it implies (finish), the message (msg, as the
// simulator's model queues it) and info_read's return.
func (r *run) delivered(a *app, x *xfer, res model.Result, remaining int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.nowLocked()
	r.emitLocked(now, sim.LevelInternal, a.tid, x.id, "finish", sim.F("result", res.String()))
	r.emitLocked(now, sim.LevelCallback, a.tid, x.id, "msg", sim.F("result", res.String()))
	r.emitLocked(now, sim.LevelAPI, a.tid, x.id, "return", sim.F("fn", "info_read"), sim.F("result", res.String()),
		sim.Int("remaining", int64(remaining)))
	if r.ended.Load() {
		return
	}
	o := &r.outcomes[x.id-1]
	o.Result, o.Done, o.End = res, true, now
	x.state = "MSGSENT"
	r.returnedLocked(x.id, now, res, false)
}

// wakeupLocked is curl_multi_wakeup from thread t, with the effect the
// application can tell: a token already pending coalesces, a poll in
// progress is interrupted, otherwise the token waits for the next poll.
func (a *app) wakeupLocked(t sim.ThreadID) {
	if a.m == nil {
		return
	}
	eff := model.WakeupStored
	switch {
	case a.tokens.Load() > a.seen.Load():
		eff = model.WakeupCoalesced
	case a.inPoll.Load():
		eff = model.WakeupInterrupts
	}
	a.tokens.Add(1)
	a.r.emitLocked(a.r.nowLocked(), sim.LevelAPI, t, 0, "wakeup", sim.F("effect", eff.String()))
	a.m.wakeup()
}

// wakeupCount is the thread's returns from blocking waits so far
// (run.mu held): counted by the multi drivers, and for easy_perform,
// whose waits are inside libcurl, the thread's voluntary context
// switches since it started.
func (a *app) wakeupCount() int64 {
	if a.m != nil {
		return a.wakeups.Load()
	}
	switch {
	case a.performed:
		return a.csw
	case a.ostid == 0:
		return 0
	}
	return voluntarySwitches(a.ostid) - a.csw0
}

// woke counts one return from a blocking wait.
func (a *app) woke() {
	a.wakeups.Add(1)
	a.r.mu.Lock()
	a.r.counters.PollWakeups++
	a.r.mu.Unlock()
}
