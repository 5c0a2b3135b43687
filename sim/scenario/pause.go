package scenario

import (
	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
)

// resumer is an application's side of paused transfers
// (model.Options.PauseAt): when a transfer's write callback pauses it, the
// application plans curl_easy_pause(CURLPAUSE_CONT) ResumeAfter later. The
// multi drivers watch the resumer's descriptor, readable when a resume
// falls due, like the descriptor that adds transfers over time; the easy
// driver cannot (its thread is inside curl_easy_perform) and resumes at
// its first perform after the due time, as an application resuming from
// its progress callback does.
type resumer struct {
	w       *world
	wake    *wakeFD
	pending []resume // in the order the transfers paused
}

type resume struct {
	e  *model.Easy
	at sim.Time
}

// newResumer is nil when no transfer of the scenario pauses.
func (w *world) newResumer() *resumer {
	for _, t := range w.s.Transfers {
		if t.Options != nil && t.Options.PauseAt > 0 {
			return &resumer{w: w, wake: w.net.newWakeFD()}
		}
	}
	return nil
}

// onPause is the transfers' OnPause hook: the application that drives the
// transfer plans its resume.
func (w *world) onPause(t *model.Transfer) {
	e := t.Easy()
	a := w.handles[e.ID()-1].a
	if a == nil || a.res == nil {
		return
	}
	a.res.plan(e, a.c.at().Add(t.Options().ResumeAfter))
}

func (r *resumer) plan(e *model.Easy, at sim.Time) {
	r.pending = append(r.pending, resume{e: e, at: at})
	if _, err := r.w.k.At(max(at, r.w.k.Now()), sim.NoThread, r.wake.post); err != nil {
		panic(err)
	}
}

// fds is the resumer's descriptor for a poll set (nil resumer: none).
func (r *resumer) fds(buf []int) []int {
	if r == nil {
		return buf
	}
	return append(buf, r.wake.fd())
}

// due reports whether a resume is due at now.
func (r *resumer) due(now sim.Time) bool {
	if r == nil {
		return false
	}
	for _, p := range r.pending {
		if p.at <= now {
			return true
		}
	}
	return false
}

// resumeDue resumes, in pause order, every transfer whose resume is due
// on a's multi. A transfer that ended meanwhile is resumed to no effect
// (the model refuses it), as curl refuses a handle without a connection.
func (r *resumer) resumeDue(a *app) {
	if r == nil {
		return
	}
	// Each plan posts its own token, and a token may come after its
	// resume was done (a resume due at once): drain whatever is there;
	// the tokens of later resumes are still scheduled.
	r.wake.drain()
	if len(r.pending) == 0 {
		return
	}
	now := a.c.at()
	keep := r.pending[:0]
	for _, p := range r.pending {
		if p.at > now {
			keep = append(keep, p)
			continue
		}
		_ = a.m.Pause(p.e, model.PauseCont)
	}
	r.pending = keep
}
