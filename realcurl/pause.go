//go:build libcurl

package realcurl

import (
	"syscall"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
)

// resumer is a multi application's side of paused transfers
// (model.Options.PauseAt), as the simulator's: when a transfer's write
// callback pauses it, the application plans curl_easy_pause(CURLPAUSE_CONT)
// ResumeAfter later, and its loop watches a timerfd readable when the
// earliest resume falls due. The easy driver has none: its thread is
// inside curl_easy_perform and resumes from its progress callback.
type resumer struct {
	r       *run
	fd      int
	pending []resume // in the order the transfers paused
}

type resume struct {
	x  *xfer
	at int64 // monotonic ns
}

// newResumer is nil when no transfer of the scenario pauses.
func newResumer(r *run) (*resumer, error) {
	for _, t := range r.s.Transfers {
		if t.Options != nil && t.Options.PauseAt > 0 {
			fd, err := newTimerFD()
			if err != nil {
				return nil, err
			}
			return &resumer{r: r, fd: fd}, nil
		}
	}
	return nil, nil
}

// plan schedules x's resume at monotonic time at.
func (rs *resumer) plan(x *xfer, at int64) {
	rs.pending = append(rs.pending, resume{x: x, at: at})
	rs.arm()
}

// arm makes the descriptor readable at the earliest pending resume.
func (rs *resumer) arm() {
	next := int64(0)
	for _, p := range rs.pending {
		if next == 0 || p.at < next {
			next = p.at
		}
	}
	armTimerFD(rs.fd, next)
}

// due reports whether a resume is due at monotonic time now.
func (rs *resumer) due(now int64) bool {
	if rs == nil {
		return false
	}
	for _, p := range rs.pending {
		if p.at <= now {
			return true
		}
	}
	return false
}

// resumeDue resumes, in pause order, every transfer whose resume is due.
func (rs *resumer) resumeDue(a *app) {
	if rs == nil {
		return
	}
	drainFD(rs.fd)
	now := monoNow()
	var due []*xfer
	keep := rs.pending[:0]
	for _, p := range rs.pending {
		if p.at > now {
			keep = append(keep, p)
			continue
		}
		due = append(due, p.x)
	}
	rs.pending = keep
	rs.arm()
	for _, x := range due {
		a.resume(x)
	}
}

// watch is the descriptor for a poll set (-1: none).
func (rs *resumer) watch() int {
	if rs == nil {
		return -1
	}
	return rs.fd
}

func (rs *resumer) close() {
	if rs != nil && rs.fd >= 0 {
		syscall.Close(rs.fd)
		rs.fd = -1
	}
}

// resume is curl_easy_pause(CURLPAUSE_CONT) on x, traced as the model's
// pause call (7.88 delivers the held chunk inside it).
func (a *app) resume(x *xfer) {
	a.r.emit(sim.LevelAPI, a.tid, x.id, "call", sim.F("fn", "pause"), sim.F("action", model.PauseCont.String()))
	code := x.e.resume()
	a.r.emit(sim.LevelAPI, a.tid, x.id, "return", sim.F("fn", "pause"), sim.F("code", pauseCode(code)))
}

// pauseCode names curl_easy_pause's answer as the model's Pause does:
// a handle without a connection is refused (BAD_EASY_HANDLE there,
// CURLE_BAD_FUNCTION_ARGUMENT here).
func pauseCode(code int) string {
	switch model.Result(code) {
	case model.OK:
		return model.MOK.String()
	case model.BadFunctionArgument:
		return model.MBadEasyHandle.String()
	}
	return model.Result(code).String()
}

// pauses decides, in the write callback, whether this chunk pauses the
// transfer (the one that brings the byte count to PauseAt or more, once),
// and plans the resume.
func (x *xfer) pauses(n int64) bool {
	o := x.opts
	if o.PauseAt <= 0 || x.pauseDone || x.bytes+n < o.PauseAt {
		return false
	}
	x.pauseDone = true
	x.r.emit(sim.LevelInternal, x.a.tid, x.id, "write-cb", sim.Int("n", n), sim.F("rc", "pause"))
	at := monoNow() + int64(resumeAfter(o))
	if x.a.res != nil {
		x.a.res.plan(x, at)
	} else {
		x.resumeAt, x.resumeDue = at, true
	}
	return true
}

// resumeFromCallback is the easy driver's resume: at the first progress
// callback after the due time, as an application resuming from there.
func (x *xfer) resumeFromCallback() {
	if x.resumeDue && monoNow() >= x.resumeAt {
		x.resumeDue = false
		x.a.resume(x)
	}
}

// resumeAfter is how long after a pause the application resumes.
func resumeAfter(o *model.Options) time.Duration { return max(o.ResumeAfter, 0) }
