package scenario

import (
	"fmt"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
)

// Mechanism is how an application stops a transfer from another thread.
type Mechanism uint8

// The mechanisms: the proposal, and the three libcurl ships (SPEC §6).
const (
	// MechEasyStop is curl_easy_stop: lock the share, record the request,
	// write to the performing thread's socket pair, unlock.
	MechEasyStop Mechanism = iota
	// MechXferinfo sets a flag that the progress callback checks; its
	// non-zero return ends the transfer with ABORTED_BY_CALLBACK.
	MechXferinfo
	// MechWakeup sets a flag and calls curl_multi_wakeup; the
	// application's multi_poll loop wakes and removes the handle.
	MechWakeup
	// MechTimeout does nothing: CURLOPT_TIMEOUT is the hard bound.
	MechTimeout
	numMechanisms
)

var mechanismNames = [numMechanisms]string{"easy-stop", "xferinfo", "wakeup", "timeout"}

// String is the mechanism's name in scenario files and reports.
func (m Mechanism) String() string {
	if m < numMechanisms {
		return mechanismNames[m]
	}
	return fmt.Sprintf("mechanism(%d)", uint8(m))
}

// ParseMechanism reads a mechanism name.
func ParseMechanism(s string) (Mechanism, error) {
	for i, n := range mechanismNames {
		if n == s {
			return Mechanism(i), nil
		}
	}
	return 0, fmt.Errorf("scenario: unknown stop mechanism %q (want easy-stop, xferinfo, wakeup or timeout)", s)
}

// Mechanisms lists every mechanism.
func Mechanisms() []Mechanism {
	return []Mechanism{MechEasyStop, MechXferinfo, MechWakeup, MechTimeout}
}

// Stop is one stop request: a stopper thread that acts on a transfer at a
// time drawn from At, counted from the run's start or, with OnState, from
// the moment the transfer first enters that state. A stop timed before
// the transfer's start reaches a handle that is not performing yet.
type Stop struct {
	// Transfer is the transfer's ID (1-based, scenario order).
	Transfer  int
	Mechanism Mechanism
	// Variant names the easy-stop variant (see model); "" is the default.
	Variant string
	// At is the stopper's delay; nil means at once.
	At sim.Dist
	// OnState, when set, starts the delay when the transfer first enters
	// this state ("CONNECTING", "PERFORMING"...).
	OnState string
	// Handle is the easy-stop handle's setup (stoppable by default).
	Handle Handle
	// FromCallback makes the performing thread itself request the stop,
	// from inside the transfer's progress callback (its first call once
	// the stop is due), instead of a stopper thread.
	FromCallback bool
}

// StopRecord is what one stop request did.
type StopRecord struct {
	Transfer  int
	Mechanism Mechanism
	Variant   string
	// Code is what the stop call returned (easy-stop), else "".
	Code string
	// State is the transfer's state when the stop was requested.
	State string
	// Requested is when the stopper acted; Noticed when the performing
	// side saw the request (HasNoticed false when it never did: the
	// transfer ended first, or the mechanism has no such moment); Returned
	// when the application got control back: easy_perform returned, the
	// DONE message was read, or the handle was removed.
	Requested, Noticed, Returned sim.Time
	HasNoticed, HasReturned      bool
	// Result is how the transfer ended (Removed: taken out by the
	// application, no result of its own).
	Result  model.Result
	Removed bool
	// AfterEnd is set when the transfer had already ended (and the
	// application had its result) when the stop was requested.
	AfterEnd bool
	// IdleWakeups is the performing thread's wake-ups per second from the
	// transfer's start to the request: what the design costs while idle.
	IdleWakeups float64
}

// Latency is Returned − Requested (0 when the application never got
// control back).
func (r StopRecord) Latency() time.Duration {
	if !r.HasReturned {
		return 0
	}
	return r.Returned.Sub(r.Requested)
}

// NoticeLatency is Noticed − Requested (0 when never noticed).
func (r StopRecord) NoticeLatency() time.Duration {
	if !r.HasNoticed {
		return 0
	}
	return r.Noticed.Sub(r.Requested)
}

// validateStop checks a stop against the scenario it belongs to.
func (s *Scenario) validateStop(st Stop) error {
	if st.Transfer < 1 || st.Transfer > len(s.Transfers) {
		return fmt.Errorf("transfer %d does not exist", st.Transfer)
	}
	if s.Transfers[st.Transfer-1].Options == nil && (st.Mechanism != MechWakeup || st.OnState != "" || st.FromCallback) {
		return fmt.Errorf("transfer %d is scripted: it can only be removed (mechanism wakeup, no on_state, not from a callback)", st.Transfer)
	}
	if st.Mechanism >= numMechanisms {
		return fmt.Errorf("unknown mechanism %d", st.Mechanism)
	}
	if st.Mechanism == MechWakeup && s.Driver != DriverMultiPoll {
		return fmt.Errorf("mechanism wakeup needs the multi-poll driver (multi_wakeup wakes multi_poll), not %v", s.Driver)
	}
	if st.OnState != "" {
		if _, err := model.ParseTransferState(st.OnState); err != nil {
			return err
		}
	}
	if _, err := model.ParseStopVariant(st.Variant); err != nil {
		return err
	}
	if st.Handle >= numHandles {
		return fmt.Errorf("unknown handle setup %d", st.Handle)
	}
	return nil
}

// stopper is one Stop in progress.
type stopper struct {
	spec      Stop
	rec       *StopRecord
	flag      bool     // the application-level flag of xferinfo and wakeup
	armed     bool     // the stopper thread is scheduled (or, FromCallback, due)
	due       sim.Time // FromCallback: when the callback may act
	requested bool     // the stopper has acted
}

// handle is what the world knows of a transfer once its application made
// it: its easy handle and the application thread driving it.
type handle struct {
	e *model.Easy
	a *app
}

// armStops schedules the stoppers timed from the run's start (those
// without OnState).
func (w *world) armStops() {
	for _, sp := range w.stops {
		if sp.spec.OnState == "" {
			w.armStopper(sp, 0)
		}
	}
}

// onState arms the stoppers (and the share-lock hold) waiting for a
// transfer to enter a state.
func (w *world) onState(t *model.Transfer, _, to model.TransferState) {
	id := t.Easy().ID()
	if h := w.s.Hold; h != nil && !w.held[id-1] && to.String() == orDefault(h.OnState, "PERFORMING") {
		w.held[id-1] = true
		w.holdAt(id-1, w.handles[id-1].a.c.at())
	}
	for _, sp := range w.stops {
		if sp.spec.Transfer == id && !sp.armed && sp.spec.OnState == to.String() {
			w.armStopper(sp, w.handles[id-1].a.c.at())
		}
	}
}

// armStopper starts sp's stopper thread at from: it waits until another
// party signals it at from + a draw of the stop's delay, and acts after
// the host's wake-up latency, like an application thread told to stop a
// transfer. (A thread woken that way can race, at one virtual instant,
// with the performing thread woken by its socket: race exploration
// permutes the two.)
func (w *world) armStopper(sp *stopper, from sim.Time) {
	sp.armed = true
	delay := time.Duration(0)
	if sp.spec.At != nil {
		delay = sp.spec.At.Draw(w.k.Rand(fmt.Sprintf("stop/%d", sp.spec.Transfer)))
	}
	at := max(from.Add(delay), w.k.Now())
	if sp.spec.FromCallback {
		sp.due = at
		return
	}
	name := fmt.Sprintf("stopper-%d", sp.spec.Transfer)
	src := w.k.NewWakeSource(name)
	w.k.Spawn(name, func(t *sim.Thread) {
		if err := t.Wait(sim.Forever, func(*sim.WakeSource) { w.stop(t, sp) }, src); err != nil {
			panic(err)
		}
	})
	if _, err := w.k.At(at, sim.NoThread, func() { src.Signal() }); err != nil {
		panic(err)
	}
}

// stop is the stopper thread's one step: request the stop.
func (w *world) stop(t *sim.Thread, sp *stopper) {
	h := w.handles[sp.spec.Transfer-1]
	w.request(sp, w.k.Now(), t)
	switch sp.spec.Mechanism {
	case MechXferinfo:
		sp.flag = true
	case MechWakeup:
		sp.flag = true
		if h.a != nil {
			h.a.wakeup()
		}
	case MechEasyStop:
		w.easyStop(t, sp, h)
	}
}

// request records the stop request's time and circumstances, and traces
// it on thread t.
func (w *world) request(sp *stopper, now sim.Time, t *sim.Thread) {
	h := w.handles[sp.spec.Transfer-1]
	r := sp.rec
	sp.requested = true
	r.Requested = now
	if o := w.outcomes[sp.spec.Transfer-1]; o.Done {
		r.Result, r.AfterEnd = o.Result, true // completion came first
	}
	r.State = w.stateOf(sp.spec.Transfer - 1)
	r.IdleWakeups = w.idleRate(h.a, sp.spec.Transfer-1, r.Requested)
	if w.rec.Enabled(sim.LevelAPI) {
		w.rec.Add(sim.Record{At: now, Level: sim.LevelAPI, Thread: t.ID(), Transfer: int64(sp.spec.Transfer),
			Kind: "stop.request", Fields: []sim.Field{sim.F("mechanism", sp.spec.Mechanism.String()), sim.F("state", r.State)}})
	}
}

// stateOf names transfer i's state now.
func (w *world) stateOf(i int) string {
	if t := w.transfers[i]; t != nil {
		return t.State().String()
	}
	return "-"
}

// idleRate is the application thread's poll wake-ups per second between
// transfer i's start and now (0 before it started).
func (w *world) idleRate(a *app, i int, now sim.Time) float64 {
	if a == nil {
		return 0
	}
	span := now.Sub(w.outcomes[i].Start).Seconds()
	if span <= 0 {
		return 0
	}
	return float64(a.wakeups) / span
}

// stopperOf returns the stopper of transfer id with mechanism m, if any.
func (w *world) stopperOf(id int, m Mechanism) *stopper {
	for _, sp := range w.stops {
		if sp.spec.Transfer == id && sp.spec.Mechanism == m {
			return sp
		}
	}
	return nil
}

// flaggedWakeup returns a wakeup stopper of transfer id whose flag is set
// (the first in scenario order), or nil.
func (w *world) flaggedWakeup(id int) *stopper {
	for _, sp := range w.stops {
		if sp.spec.Transfer == id && sp.spec.Mechanism == MechWakeup && sp.flag {
			return sp
		}
	}
	return nil
}

// noticed records that the performing side saw transfer id's stop.
func (w *world) noticed(sp *stopper, now sim.Time) {
	if sp != nil && sp.requested && !sp.rec.HasNoticed {
		sp.rec.Noticed, sp.rec.HasNoticed = now, true
	}
}

// xferinfoFor is the progress callback the application installs for
// transfer id, when a stop needs one: it requests the stops due from
// inside the callback, and aborts the transfer once an xferinfo flag is
// set.
func (w *world) xferinfoFor(id int) model.XferinfoFunc {
	var flagged, inside []*stopper
	for _, sp := range w.stops {
		switch {
		case sp.spec.Transfer != id:
		case sp.spec.FromCallback:
			inside = append(inside, sp)
		case sp.spec.Mechanism == MechXferinfo:
			flagged = append(flagged, sp)
		}
	}
	if len(flagged)+len(inside) == 0 {
		return nil
	}
	return func(*model.Transfer, int64, int64, int64, int64) int {
		a := w.handles[id-1].a
		now := a.c.at()
		for _, sp := range inside {
			if sp.armed && !sp.requested && sp.due <= now {
				w.request(sp, now, a.t)
				sp.flag = true
				switch sp.spec.Mechanism {
				case MechEasyStop:
					sp.rec.Code = model.EasyStop(w.handles[id-1].e).String()
				case MechWakeup:
					a.wakeup() // curl_multi_wakeup is allowed from a callback
				}
			}
		}
		for _, sp := range append(flagged, inside...) {
			if sp.flag && sp.spec.Mechanism == MechXferinfo {
				w.noticed(sp, now)
				return 1
			}
		}
		return 0
	}
}

// returned records when the application got transfer id back, and how it
// ended.
func (w *world) returned(id int, now sim.Time, res model.Result, removed bool) {
	for _, sp := range w.stops {
		if sp.spec.Transfer != id || !sp.requested || sp.rec.HasReturned {
			continue
		}
		sp.rec.Returned, sp.rec.HasReturned = now, true
		sp.rec.Result, sp.rec.Removed = res, removed
		if sp.spec.Mechanism == MechTimeout && res == model.OperationTimedout {
			w.noticed(sp, now)
		}
	}
}
