package scenario

import (
	"fmt"
	"slices"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/netsim"
	"github.com/expirylab/expiry/sim"
)

// app is what every driver has: a thread, its multi, clock and tracer.
type app struct {
	w       *world
	t       *sim.Thread
	m       *model.Multi
	c       *threadClock
	mt      *modelTracer
	p       *poller
	pair    *wakePair // the multi's wakeup socket pair
	hold    *wakeFD   // easy driver with a Hold: readable when the hold is due
	wakeups int       // returns from blocking waits
	easies  []*model.Easy
	res     *resumer // resumes of paused transfers; nil when none pause
}

// wakePair is a multi's wakeup socket pair, made on first use (curl makes
// it with the multi). It is shared by pointer with the multi's OnWakeup
// hook, which writes to it whichever thread calls Wakeup.
type wakePair struct {
	n  *net
	fd *wakeFD
}

func (p *wakePair) get() *wakeFD {
	if p.fd == nil {
		p.fd = p.n.newWakeFD()
	}
	return p.fd
}

func (w *world) newApp(t *sim.Thread) app {
	pair := &wakePair{n: w.net}
	m, c, mt := w.newMulti(func(*model.Multi, model.WakeupEffect) { pair.get().post() })
	mt.owner = t
	return app{w: w, t: t, m: m, c: c, mt: mt, p: w.newPoller(t), pair: pair, res: w.newResumer()}
}

// add makes transfer i and adds it to a's multi.
func (a *app) add(i int) *model.Easy {
	e := a.w.handles[i].e
	a.w.handles[i].a = a
	a.easies = append(a.easies, e)
	a.w.started(i+1, a.c.at())
	must("add_handle", a.m.Add(e))
	return e
}

// wakeup is curl_multi_wakeup, from any thread: the model's bookkeeping,
// whose hook writes to the pair.
func (a *app) wakeup() { a.m.Wakeup() }

// pollExtra is the descriptors a multi_poll watches besides the
// transfers' sockets: the wakeup pair, when the spec asks for it.
func (a *app) pollExtra(spec model.WaitSpec, buf []int) []int {
	if spec.WatchWakeup {
		buf = append(buf, a.pair.get().fd())
	}
	if a.hold != nil {
		buf = append(buf, a.hold.fd())
	}
	return buf
}

// endWait tells the multi the wait is over; woken says the wakeup pair was
// readable. A drained pair is read empty.
func (a *app) endWait(r waitResult) {
	a.wakeups++
	a.w.counters.PollWakeups++
	woken := a.pair.fd != nil && r.has(a.pair.fd.fd())
	drained, err := a.m.EndWait(woken)
	if err != nil {
		panic(err)
	}
	if drained && a.pair.fd != nil {
		a.pair.fd.drain()
	}
}

// drain reads every DONE message and returns how many it read.
func (a *app) drain() int {
	n := 0
	for {
		msg, _, ok := a.m.InfoRead()
		if !ok {
			return n
		}
		a.w.finished(msg, a.c.at())
		n++
	}
}

// must turns a model error code into a panic: the drivers use the API
// correctly, so any other code is a bug in this package or the model.
func must(what string, code model.MCode) {
	if code != model.MOK {
		panic(fmt.Sprintf("scenario: %s returned %v", what, code))
	}
}

// ---- easy: curl_easy_perform ----

func (w *world) startEasy() {
	for i := range w.s.Transfers {
		w.spawnAt(w.s.Transfers[i].Start, fmt.Sprintf("easy-%d", i+1), func(t *sim.Thread) { w.runEasy(t, i) })
	}
}

// easyApp is one curl_easy_perform call: a private multi with one
// transfer, looping poll (capped) then perform until the transfer is done.
type easyApp struct {
	app
	i     int // the transfer's index
	e     *model.Easy
	extra []int
}

func (w *world) runEasy(t *sim.Thread, i int) {
	a := &easyApp{app: w.newApp(t), i: i}
	if w.s.Hold != nil {
		a.hold = w.net.newWakeFD()
	}
	a.e = a.add(i)
	a.c.settle(t, a.poll)
}

func (a *easyApp) poll() {
	spec, code := a.m.Poll(a.w.s.pollCapMs())
	must("multi_poll", code)
	a.extra = a.pollExtra(spec, a.extra[:0])
	a.p.wait(spec.Sockets, a.extra, ms(spec.TimeoutMs), a.woken)
}

func (a *easyApp) woken(r waitResult) {
	a.endWait(r)
	if a.hold != nil && r.has(a.hold.fd()) {
		a.hold.drain()
		a.holdShare(a.i, a.perform)
		return
	}
	a.perform()
}

func (a *easyApp) perform() {
	if a.res.due(a.c.at()) {
		a.res.resumeDue(&a.app)
	}
	_, code := a.m.Perform()
	must("multi_perform", code)
	if a.drain() > 0 {
		must("remove_handle", a.m.Remove(a.e))
		a.c.settle(a.t, func() {})
		return
	}
	a.c.settle(a.t, a.poll)
}

// ---- starts: transfers added by one application thread over time ----

// starter hands an application thread the transfers due by now, in
// scenario order, and wakes it when the next ones are due.
type starter struct {
	w     *world
	order []int   // transfer indexes by start time, stable
	next  int     // the first not yet added
	wake  *wakeFD // readable when a later start falls due
}

func newStarter(w *world) *starter {
	st := &starter{w: w}
	for i := range w.s.Transfers {
		st.order = append(st.order, i)
	}
	slices.SortStableFunc(st.order, func(a, b int) int {
		return cmpDur(w.s.Transfers[a].Start, w.s.Transfers[b].Start)
	})
	for _, i := range st.order {
		if at := w.s.Transfers[i].Start; at > 0 {
			st.postAt(at)
		}
	}
	return st
}

// postAt makes the start descriptor readable at virtual time at.
func (st *starter) postAt(at time.Duration) {
	if st.wake == nil {
		st.wake = st.w.net.newWakeFD()
	}
	if _, err := st.w.k.At(sim.Time(at), sim.NoThread, st.wake.post); err != nil {
		panic(err)
	}
}

// fds is the start descriptor, for a poll set (none when every transfer
// starts at once).
func (st *starter) fds(buf []int) []int {
	if st.wake == nil || st.allStarted() {
		return buf
	}
	return append(buf, st.wake.fd())
}

func cmpDur(a, b time.Duration) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// due reports whether a transfer is waiting to be added at now.
func (st *starter) due(now sim.Time) bool {
	return st.next < len(st.order) && sim.Time(st.w.s.Transfers[st.order[st.next]].Start) <= now
}

// addDue adds every transfer due at now to a's multi.
func (st *starter) addDue(a *app) {
	if st.wake != nil {
		st.wake.drain()
	}
	for st.due(a.c.at()) {
		i := st.order[st.next]
		st.next++
		a.add(i)
	}
}

func (st *starter) allStarted() bool { return st.next == len(st.order) }

// ---- multi-poll: the application's own curl_multi_poll loop ----

type multiPollApp struct {
	app
	st    *starter
	done  int
	extra []int
}

func (w *world) startMultiPoll() {
	w.k.Spawn("app", func(t *sim.Thread) {
		a := &multiPollApp{app: w.newApp(t), st: newStarter(w)}
		a.step()
	})
}

// step is one round: add what is due, perform, read messages, then poll.
func (a *multiPollApp) step() {
	a.st.addDue(&a.app)
	a.res.resumeDue(&a.app)
	_, code := a.m.Perform()
	must("multi_perform", code)
	a.done += a.drain()
	if a.done == len(a.w.s.Transfers) {
		a.c.settle(a.t, func() {})
		return
	}
	spec, code := a.m.Poll(a.w.s.pollCapMs())
	must("multi_poll", code)
	a.c.settle(a.t, func() {
		a.extra = a.pollExtra(spec, a.res.fds(a.st.fds(a.extra[:0])))
		a.p.wait(spec.Sockets, a.extra, ms(spec.TimeoutMs), a.woken)
	})
}

func (a *multiPollApp) woken(r waitResult) {
	a.endWait(r)
	a.removeFlagged()
	a.step()
}

// removeFlagged is the application's side of the wakeup mechanism: after
// multi_poll returns, remove every transfer one of whose wakeup flags is
// set.
func (a *multiPollApp) removeFlagged() {
	for _, e := range a.easies {
		sp := a.w.flaggedWakeup(e.ID())
		if sp == nil || a.w.outcomes[e.ID()-1].Done {
			continue
		}
		a.w.noticed(sp, a.c.at())
		must("remove_handle", a.m.Remove(e))
		a.w.removed(e.ID(), a.c.at())
		a.done++
	}
}

// ---- socket-action: event loops on curl_multi_socket_action ----

// socketApp is an event-driven application: it holds the one timer the
// timer callback describes and the sockets the socket callback registers,
// and calls SocketAction for each readiness and timer expiry. exact fires
// the timer at its deadline (a timerfd); otherwise the loop waits with
// poll(2) on the whole-millisecond ceiling of the gap, host slack included.
type socketApp struct {
	app
	st      *starter
	exact   bool
	armed   bool
	timer   sim.Time   // the application's deadline, when armed
	timerEv *sim.Event // exact: posts timerFD at the deadline
	timerFD *wakeFD    // exact: the timerfd
	ep      *epoller
	done    int
}

func (w *world) startSocketAction(exact bool) {
	w.k.Spawn("app", func(t *sim.Thread) {
		a := &socketApp{app: w.newApp(t), st: newStarter(w), exact: exact, ep: w.newEpoller(t)}
		if exact {
			a.timerFD = w.net.newWakeFD()
			a.timerEv = sim.NewEvent(sim.NoThread, a.timerFD.post)
			a.ep.set(a.timerFD.fd(), netsim.PollIn, true)
		}
		for _, fd := range a.res.fds(a.st.fds(nil)) {
			a.ep.set(fd, netsim.PollIn, true)
		}
		must("timer_function", a.m.SetTimerFunc(a.onTimer))
		must("socket_function", a.m.SetSocketFunc(a.onSocket))
		a.loop()
	})
}

// onTimer is the timer callback: replace the one timer.
func (a *socketApp) onTimer(_ *model.Multi, timeoutMs int64) int {
	c := &a.w.counters
	switch {
	case timeoutMs < 0:
		c.TimerDelete++
		a.disarm()
		return 0
	case timeoutMs == 0:
		c.TimerZero++
	default:
		c.TimerSet++
	}
	at := a.c.at().Add(time.Duration(timeoutMs) * time.Millisecond)
	if a.armed && at == a.timer {
		c.TimerRedundant++
	}
	a.armed, a.timer = true, at
	if a.exact {
		// timerfd_settime: a new expiry replaces the old and clears any
		// expiration not yet read.
		a.timerFD.drain()
		if err := a.w.k.ScheduleAt(a.timerEv, max(at, a.w.k.Now())); err != nil {
			panic(err)
		}
	}
	return 0
}

// onSocket is the socket callback: keep the epoll set.
func (a *socketApp) onSocket(_ *model.Easy, fd int, what model.PollAction) int {
	if what == model.PollRemove {
		a.ep.del(fd)
	} else {
		a.ep.set(fd, wanted(what), false)
	}
	return 0
}

// loop adds due transfers, fires the timer when due, and otherwise waits.
func (a *socketApp) loop() {
	a.st.addDue(&a.app)
	a.res.resumeDue(&a.app)
	a.done += a.drain()
	if a.done == len(a.w.s.Transfers) && a.st.allStarted() {
		a.c.settle(a.t, func() {})
		return
	}
	if a.armed && a.timer <= a.c.at() {
		a.fire()
		a.yield(a.loop)
		return
	}
	a.c.settle(a.t, a.block)
}

// yield ends the step and goes on with then in a new one: after the
// processing time the model claimed, or at once (a zero-timeout wait).
// A loop that fires its timer again and again without blocking is then a
// run of kernel steps at one instant, which the kernel's livelock detector
// reports, instead of a recursion that overflows the stack.
func (a *socketApp) yield(then func()) {
	if a.c.ahead > 0 {
		a.c.settle(a.t, then)
		return
	}
	if err := a.t.Wait(0, func(*sim.WakeSource) { then() }); err != nil {
		panic(err)
	}
}

// disarm deletes the application's timer.
func (a *socketApp) disarm() {
	a.armed = false
	if a.exact {
		a.w.k.Cancel(a.timerEv)
		a.timerFD.drain()
	}
}

// fire runs the timeout action for an expired application timer.
func (a *socketApp) fire() {
	a.disarm()
	runs := a.mt.runs
	_, code := a.m.SocketAction(model.SocketTimeout, 0)
	must("socket_action", code)
	if a.mt.runs == runs {
		a.w.counters.EmptyFires++
	}
	a.done += a.drain()
}

// block waits (epoll_wait) for a socket, the timer or a start.
func (a *socketApp) block() {
	now := a.w.k.Now()
	if a.st.due(now) || a.res.due(now) || (a.armed && a.timer <= now) {
		a.loop()
		return
	}
	timeout := sim.Forever
	if a.armed && !a.exact {
		timeout = time.Duration(model.CeilMs(a.timer.Sub(now).Microseconds())) * time.Millisecond
	}
	a.ep.wait(timeout, a.woken)
}

func (a *socketApp) woken(r waitResult) {
	a.wakeups++
	a.w.counters.PollWakeups++
	for _, rd := range r.ready {
		_, code := a.m.SocketAction(rd.fd, rd.events)
		must("socket_action", code)
	}
	if r.timedOut && a.armed {
		a.fire() // poll(2) returned on its timeout: the application's timer is due
		a.yield(a.loop)
		return
	}
	a.loop()
}
