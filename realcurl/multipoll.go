//go:build libcurl

package realcurl

import (
	"strconv"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
)

// runMultiPoll mirrors the simulator's multi-poll application: add what
// is due, perform, read messages, poll; after a poll, remove the
// transfers a wakeup stop flagged.
func (a *app) runMultiPoll() {
	for !a.r.ended.Load() {
		a.st.addDue(a)
		a.res.resumeDue(a)
		a.perform()
		a.drain()
		if a.done == len(a.r.xfers) || !a.poll() {
			return
		}
		a.removeFlagged()
	}
}

// pollCapMs is the multi-poll driver's poll cap.
func pollCapMs(s *scenario.Scenario) int64 {
	if s.PollCap > 0 {
		return max(1, s.PollCap.Milliseconds())
	}
	return s.Profile.EasyPollCapMs
}

// poll is curl_multi_poll with the poll cap and the start descriptor. Its
// records are the simulator's: the call, the wait it sets up (the
// timeout curl_multi_timeout gives, capped; the sockets), and its end;
// false when the run ended meanwhile.
func (a *app) poll() bool {
	r := a.r
	capMs := pollCapMs(r.s)
	timeout := capMs
	if t := a.m.timeout(); t >= 0 && t < timeout {
		timeout = t
	}
	ready := a.tokens.Load() > a.seen.Load()
	if ready {
		timeout = 0
	}
	r.emit(sim.LevelAPI, a.tid, 0, "call", sim.F("fn", "poll"), sim.Int("ms", capMs))
	r.emit(sim.LevelAPI, a.tid, 0, "return", sim.F("fn", "poll"), sim.F("code", "OK"), sim.Int("timeout", timeout),
		sim.Int("sockets", int64(a.m.sockets())), sim.F("wakeup", "true"), sim.F("ready", strconv.FormatBool(ready)))
	a.inPoll.Store(true)
	a.m.poll(a.st.pending(), a.res.watch(), capMs)
	a.inPoll.Store(false)
	tokens := a.tokens.Load()
	woken := strconv.FormatBool(tokens > a.seen.Load())
	a.seen.Store(tokens)
	a.woke()
	r.emit(sim.LevelAPI, a.tid, 0, "return", sim.F("fn", "end_poll"), sim.F("woken", woken), sim.F("drained", woken))
	return !r.ended.Load()
}

// removeFlagged is the application's side of the wakeup mechanism: remove
// every running transfer one of whose wakeup flags is set.
func (a *app) removeFlagged() {
	r := a.r
	for _, x := range a.xs {
		r.mu.Lock()
		sp := r.flaggedWakeupLocked(x.id)
		if sp == nil || r.outcomes[x.id-1].Done {
			r.mu.Unlock()
			continue
		}
		now := r.nowLocked()
		r.noticedLocked(sp, now)
		r.emitLocked(now, sim.LevelAPI, a.tid, x.id, "call", sim.F("fn", "remove"))
		r.mu.Unlock()
		code := a.m.remove(x.e)
		r.mu.Lock()
		now = r.nowLocked()
		r.emitLocked(now, sim.LevelAPI, a.tid, x.id, "return", sim.F("fn", "remove"), sim.F("code", model.MCode(code).String()))
		r.removedLocked(x, now)
		r.mu.Unlock()
		a.done++
	}
}
