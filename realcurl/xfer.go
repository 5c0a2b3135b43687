//go:build libcurl

package realcurl

/*
#include <curl/curl.h>
*/
import "C"

import (
	"fmt"
	"strconv"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
)

// xfer is one transfer of the run: its easy handle and what the engine
// observes of it. Fields the callbacks touch are used by the performing
// thread only, except those documented as guarded by run.mu.
type xfer struct {
	r     *run
	id    int
	opts  *model.Options
	start time.Duration
	e     *easy

	a     *app   // the application that added it (set by that thread)
	state string // guarded by run.mu: what the callbacks showed
	bytes int64  // body bytes through the write callback

	// visible says the scenario's application installs a progress
	// callback (a stop needs one, as in the simulator): its calls are
	// traced and counted. The engine's own callback runs regardless.
	visible bool
	calls   int64      // visible progress callback calls, guarded by run.mu
	flagged []*stopper // xferinfo stops of this transfer
	inside  []*stopper // stops requested from inside its progress callback

	pauseDone bool  // the write callback paused it (PauseAt)
	resumeDue bool  // easy: a resume is planned for resumeAt
	resumeAt  int64 // monotonic ns
}

// newXfer builds transfer i (0-based): the easy handle with the
// scenario's options, the URL of its server and the engine's observers.
func (r *run) newXfer(i int) (*xfer, error) {
	t := r.s.Transfers[i]
	x := &xfer{r: r, id: i + 1, opts: t.Options, start: t.Start, state: "INIT"}
	e, err := newEasy()
	if err != nil {
		return nil, err
	}
	x.e = e
	port, err := r.srv.portFor(r.s, t.Options)
	if err != nil {
		e.cleanup()
		return nil, err
	}
	host, path := t.Options.Host, orDefault(t.Options.Path, "/")
	steps := []error{
		e.setStr(C.CURLOPT_URL, fmt.Sprintf("http://%s:%d%s", host, port, path)),
		e.setResolve(host + ":" + strconv.Itoa(port) + ":127.0.0.1"),
		e.observe(r.newHandle(x), x.id),
	}
	steps = append(steps, x.setOptions()...)
	for _, err := range steps {
		if err != nil {
			e.cleanup()
			return nil, err
		}
	}
	return x, nil
}

// setOptions maps the model's options to libcurl's. Zero values are
// curl's defaults and are left alone.
func (x *xfer) setOptions() []error {
	o, e := x.opts, x.e
	var errs []error
	set := func(opt C.CURLoption, v int64) {
		if v > 0 {
			errs = append(errs, e.setLong(opt, v))
		}
	}
	set(C.CURLOPT_TIMEOUT_MS, o.TimeoutMs)
	set(C.CURLOPT_CONNECTTIMEOUT_MS, o.ConnectTimeoutMs)
	set(C.CURLOPT_LOW_SPEED_LIMIT, o.LowSpeedLimit)
	set(C.CURLOPT_LOW_SPEED_TIME, o.LowSpeedTime)
	set(C.CURLOPT_HAPPY_EYEBALLS_TIMEOUT_MS, o.HappyEyeballsTimeoutMs)
	if o.MaxRecvSpeed > 0 {
		errs = append(errs, e.setOff(C.CURLOPT_MAX_RECV_SPEED_LARGE, o.MaxRecvSpeed))
	}
	return errs
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// onXferinfo is the progress callback: the engine's abort at the run's
// end, then, when the scenario installs one, the simulator's callback:
// request the stops due from inside it, and abort once an xferinfo flag
// is set.
func (x *xfer) onXferinfo(dltotal, dlnow int64) int {
	if x.a != nil {
		x.a.activity++
	}
	if x.r.ended.Load() {
		return 1
	}
	x.resumeFromCallback()
	if !x.visible {
		return 0
	}
	r := x.r
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.nowLocked()
	x.calls++
	for _, sp := range x.inside {
		if sp.armed && !sp.requested && sp.due <= now {
			r.requestLocked(sp, now, x.a.tid)
			sp.flag.Store(true)
			if sp.spec.Mechanism == scenario.MechWakeup {
				x.a.wakeupLocked(x.a.tid)
			}
		}
	}
	rc := 0
	for _, sp := range append(x.flagged, x.inside...) {
		if sp.flag.Load() && sp.spec.Mechanism == scenario.MechXferinfo {
			r.noticedLocked(sp, now)
			rc = 1
			break
		}
	}
	r.emitLocked(now, sim.LevelInternal, x.a.tid, x.id, "xferinfo-cb", sim.Int("dltotal", dltotal),
		sim.Int("dlnow", dlnow), sim.Int("n", x.calls), sim.Int("rc", int64(rc)))
	return rc
}

// onWrite is the write callback: pause when PauseAt says so (true), else
// count the body bytes and keep the thread busy for the option's write
// delay.
func (x *xfer) onWrite(n int64) bool {
	x.a.activity++
	if x.pauses(n) {
		return true
	}
	x.bytes += n
	if x.opts.WriteDelay == nil {
		x.r.emit(sim.LevelInternal, x.a.tid, x.id, "write-cb", sim.Int("n", n), sim.Int("rc", n))
		return false
	}
	d := x.opts.WriteDelay(int(n))
	us := d.Microseconds()
	x.r.emit(sim.LevelInternal, x.a.tid, x.id, "write-cb", sim.Int("n", n), sim.Int("rc", n), sim.Int("us", us))
	x.r.emit(sim.LevelInternal, x.a.tid, x.id, "busy", sim.Int("us", us))
	timer := time.NewTimer(d)
	select {
	case <-timer.C:
	case <-x.r.endCh:
		timer.Stop()
	}
	x.r.emit(sim.LevelInternal, x.a.tid, 0, sim.KindWake, sim.F("cause", "busy"))
	return false
}

// enter records that the transfer showed state (CONNECTING: its socket
// exists; PERFORMING: its request went out, so it was connected, DO,
// just before) and arms the stops waiting for it.
func (x *xfer) enter(state string) {
	x.a.activity++
	r := x.r
	r.mu.Lock()
	defer r.mu.Unlock()
	steps := []string{state}
	if state == "PERFORMING" {
		steps = []string{"DO", state}
	}
	now := r.nowLocked()
	for _, to := range steps {
		if stateRank(to) > stateRank(x.state) {
			r.stateLocked(x, now, to)
		}
	}
}

// stateLocked moves x to state to at now: the model's state record, and
// the stops waiting for it.
func (r *run) stateLocked(x *xfer, now sim.Time, to string) {
	r.emitLocked(now, sim.LevelInternal, x.a.tid, x.id, "state", sim.F("from", x.state), sim.F("to", to))
	x.state = to
	for _, sp := range r.stops {
		if sp.spec.Transfer == x.id && !sp.armed && sp.spec.OnState == to {
			r.armLocked(sp, now)
		}
	}
}

// stateRank orders the states the engine can see.
func stateRank(s string) int {
	st, err := model.ParseTransferState(s)
	if err != nil {
		return -1
	}
	return int(st)
}
