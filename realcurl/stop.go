//go:build libcurl

package realcurl

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
)

// stopper is one Stop in progress. Fields other than flag are guarded by
// run.mu.
type stopper struct {
	spec  scenario.Stop
	rec   *scenario.StopRecord
	x     *xfer
	delay time.Duration
	flag  atomic.Bool // the application-level flag of xferinfo and wakeup
	armed bool
	// requested says the stop was requested; due is when a stop from
	// inside the progress callback may act.
	requested bool
	due       sim.Time
	tid       sim.ThreadID
}

// makeStops sets the stoppers up. Each delay is drawn at once from the
// stream the simulator draws it from ("stop/<transfer>" of the run's
// seed), in scenario order: the same draw as the simulator's whenever a
// transfer has one stop.
func (r *run) makeStops() {
	streams := sim.NewStreams(r.s.Seed)
	for i, st := range r.s.Stops {
		r.records[i] = scenario.StopRecord{Transfer: st.Transfer, Mechanism: st.Mechanism, Variant: st.Variant}
		sp := &stopper{spec: st, rec: &r.records[i], x: r.xfers[st.Transfer-1]}
		if st.At != nil {
			sp.delay = st.At.Draw(streams.Get(fmt.Sprintf("stop/%d", st.Transfer)))
		}
		r.stops = append(r.stops, sp)
		switch x := sp.x; {
		case st.FromCallback:
			x.inside = append(x.inside, sp)
		case st.Mechanism == scenario.MechXferinfo:
			x.flagged = append(x.flagged, sp)
		}
	}
	for _, x := range r.xfers {
		x.visible = len(x.flagged)+len(x.inside) > 0 && !x.opts.NoProgress
	}
}

// armLocked starts sp's delay at run time from: a stopper thread that
// acts when it is over, or, for a stop from inside the progress callback,
// the time the callback may act.
func (r *run) armLocked(sp *stopper, from sim.Time) {
	sp.armed = true
	at := from.Add(sp.delay)
	if sp.spec.FromCallback {
		sp.due = at
		return
	}
	sp.tid = r.spawnLocked(fmt.Sprintf("stopper-%d", sp.spec.Transfer))
	r.threads.Go(func() { r.runStopper(sp, at) })
}

// runStopper is a stopper thread: wait, then request the stop.
func (r *run) runStopper(sp *stopper, at sim.Time) {
	if !r.sleepUntil(time.Duration(at)) {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended.Load() {
		return
	}
	now := r.nowLocked()
	r.requestLocked(sp, now, sp.tid)
	switch sp.spec.Mechanism {
	case scenario.MechXferinfo:
		sp.flag.Store(true)
	case scenario.MechWakeup:
		sp.flag.Store(true)
		if a := sp.x.a; a != nil {
			a.wakeupLocked(sp.tid)
		}
	}
	now = r.nowLocked()
	r.lastAt = max(r.lastAt, now)
	r.emitLocked(now, sim.LevelInternal, sp.tid, 0, sim.KindThreadExit)
}

// requestLocked records the stop request's time and circumstances, and
// traces it on thread t.
func (r *run) requestLocked(sp *stopper, now sim.Time, t sim.ThreadID) {
	rec, i := sp.rec, sp.spec.Transfer-1
	sp.requested = true
	rec.Requested = now
	if o := r.outcomes[i]; o.Done {
		rec.Result, rec.AfterEnd = o.Result, true // completion came first
	}
	rec.State = sp.x.state
	rec.IdleWakeups = r.idleRateLocked(sp.x, now)
	r.emitLocked(now, sim.LevelAPI, t, sp.spec.Transfer, "stop.request",
		sim.F("mechanism", sp.spec.Mechanism.String()), sim.F("state", rec.State))
}

// idleRateLocked is the performing thread's wake-ups per second between
// the transfer's start and now (0 before it started).
func (r *run) idleRateLocked(x *xfer, now sim.Time) float64 {
	if x.a == nil {
		return 0
	}
	span := now.Sub(r.outcomes[x.id-1].Start).Seconds()
	if span <= 0 {
		return 0
	}
	return float64(x.a.wakeupCount()) / span
}

// noticedLocked records that the performing side saw sp's request.
func (r *run) noticedLocked(sp *stopper, now sim.Time) {
	if sp != nil && sp.requested && !sp.rec.HasNoticed {
		sp.rec.Noticed, sp.rec.HasNoticed = now, true
	}
}

// flaggedWakeupLocked is a wakeup stop of transfer id whose flag is set
// (the first in scenario order), or nil.
func (r *run) flaggedWakeupLocked(id int) *stopper {
	for _, sp := range r.stops {
		if sp.spec.Transfer == id && sp.spec.Mechanism == scenario.MechWakeup && sp.flag.Load() {
			return sp
		}
	}
	return nil
}

// removedLocked records that the application removed x now, before it
// ended by itself.
func (r *run) removedLocked(x *xfer, now sim.Time) {
	o := &r.outcomes[x.id-1]
	o.Done, o.Removed, o.End = true, true, now
	x.state = "COMPLETED"
	r.returnedLocked(x.id, now, o.Result, true)
}

// returnedLocked records when the application got transfer id back, and
// how it ended.
func (r *run) returnedLocked(id int, now sim.Time, res model.Result, removed bool) {
	for _, sp := range r.stops {
		if sp.spec.Transfer != id || !sp.requested || sp.rec.HasReturned {
			continue
		}
		sp.rec.Returned, sp.rec.HasReturned = now, true
		sp.rec.Result, sp.rec.Removed = res, removed
		if sp.spec.Mechanism == scenario.MechTimeout && res == model.OperationTimedout {
			r.noticedLocked(sp, now)
		}
	}
}
