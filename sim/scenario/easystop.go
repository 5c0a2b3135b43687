package scenario

import (
	"fmt"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
)

// Handle says how a stoppable transfer's handle is set up, for the
// proposal's error cases.
type Handle uint8

// The handle setups.
const (
	// HandleStoppable: a share with CURL_LOCK_DATA_STOP and lock functions.
	HandleStoppable Handle = iota
	// HandleNotStoppable: a share without the STOP bit.
	HandleNotStoppable
	// HandleNoLockFunction: STOP set, but no lock function.
	HandleNoLockFunction
	numHandles
)

var handleNames = [numHandles]string{"stoppable", "not-stoppable", "no-lock-function"}

// String is the setup's name in scenario files.
func (h Handle) String() string {
	if h < numHandles {
		return handleNames[h]
	}
	return fmt.Sprintf("handle(%d)", uint8(h))
}

// ParseHandle reads a handle setup name.
func ParseHandle(s string) (Handle, error) {
	for i, n := range handleNames {
		if n == s {
			return Handle(i), nil
		}
	}
	return 0, fmt.Errorf("scenario: unknown handle setup %q (want stoppable, not-stoppable or no-lock-function)", s)
}

// Hold makes the performing thread hold the transfer's share lock: For
// long, After the transfer first enters state OnState (default
// PERFORMING). It stands for libcurl (or the application's lock function)
// keeping the share locked while the thread works, a stretch a stop cannot
// interrupt.
type Hold struct {
	OnState string
	After   time.Duration
	For     time.Duration
}

// share is a transfer's share object and the simulated mutex behind its
// lock functions.
type share struct {
	s  *model.Share
	mu *sim.Mutex
}

// newShare makes transfer id's share for the setup of its stops.
func (w *world) newShare(id int) *share {
	var setup Handle
	var variant model.StopVariant
	found := false
	for _, sp := range w.stops {
		if sp.spec.Transfer == id && sp.spec.Mechanism == MechEasyStop {
			setup, found = sp.spec.Handle, true
			variant, _ = model.ParseStopVariant(sp.spec.Variant) // validated with the scenario
		}
	}
	if !found && (w.s.Hold == nil) {
		return nil
	}
	sh := &share{s: model.NewShare(), mu: w.k.NewMutex(fmt.Sprintf("share-%d", id))}
	if setup != HandleNotStoppable {
		mustSh(sh.s.Set(model.LockSetOf(model.LockStop)))
	}
	if setup != HandleNoLockFunction {
		// The mutex is taken around the model's call (a step cannot block
		// inside it), so the callbacks only mark where the model locks.
		mustSh(sh.s.SetLockFunc(func(model.LockData, model.LockAccess) {}))
		mustSh(sh.s.SetUnlockFunc(func(model.LockData) {}))
	}
	mustSh(sh.s.SetStopVariant(variant))
	return sh
}

func mustSh(code model.ShCode) {
	if code != model.ShOK {
		panic(fmt.Sprintf("scenario: share option refused: %v", code))
	}
}

// easyStop is the stopper's curl_easy_stop: with a stoppable handle it
// takes the share's mutex first, calls EasyStop under it and releases it.
// An uncontended lock is taken and released within the step (a step is
// atomic: nobody can see the difference, and a free mutex costs no
// extra step, so the stop can race the performing thread at one instant);
// a held one is waited for, FIFO.
func (w *world) easyStop(t *sim.Thread, sp *stopper, h handle) {
	call := func() {
		sp.rec.Code = model.EasyStop(h.e).String()
	}
	sh := w.shares[sp.spec.Transfer-1]
	if sh == nil || !h.e.Stoppable() || sh.mu.Owner() == nil {
		call()
		return
	}
	if err := t.Lock(sh.mu, func() {
		call()
		if err := t.Unlock(sh.mu); err != nil {
			panic(err)
		}
	}); err != nil {
		panic(err)
	}
}

// holdAt schedules the share-lock hold of transfer i when it enters the
// hold's state: the performing thread's hold descriptor turns readable.
func (w *world) holdAt(i int, now sim.Time) {
	a := w.handles[i].a
	if a.hold == nil {
		return
	}
	if _, err := w.k.At(now.Add(w.s.Hold.After), sim.NoThread, a.hold.post); err != nil {
		panic(err)
	}
}

// holdShare is the performing thread's side: lock the share, stay busy
// for the hold, unlock, then go on with then.
func (a *app) holdShare(i int, then func()) {
	sh := a.w.shares[i]
	err := a.t.Lock(sh.mu, func() {
		if err := a.t.Busy(a.w.s.Hold.For, func() {
			if err := a.t.Unlock(sh.mu); err != nil {
				panic(err)
			}
			then()
		}); err != nil {
			panic(err)
		}
	})
	if err != nil {
		panic(err)
	}
}
