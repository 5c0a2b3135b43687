//go:build libcurl

package realcurl

import (
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
)

// sockState is an event loop's state: its epoll set, its one timer (the
// timer callback's), and the descriptors of its own.
type sockState struct {
	exact   bool
	ep      int
	timerFD int // exact: the timerfd standing for the application's timer
	endFD   int // an eventfd written at the run's end (not traced)
	regs    map[int]uint32
	armed   bool
	timer   int64 // the application's deadline, monotonic ns
	events  []syscall.EpollEvent
}

// setupEpoll makes the epoll set with the application's descriptors.
func (a *app) setupEpoll() error {
	s := &a.sock
	*s = sockState{exact: a.r.s.Driver == scenario.DriverSocketExact, ep: -1, timerFD: -1, endFD: -1,
		regs: map[int]uint32{}, events: make([]syscall.EpollEvent, 64)}
	var err error
	if s.ep, err = syscall.EpollCreate1(syscall.EPOLL_CLOEXEC); err != nil {
		return err
	}
	if s.endFD, err = newEventFD(); err != nil {
		return err
	}
	fds := []int{s.endFD}
	if s.exact {
		if s.timerFD, err = newTimerFD(); err != nil {
			return err
		}
		fds = append(fds, s.timerFD)
	}
	if a.st.fd >= 0 {
		fds = append(fds, a.st.fd)
	}
	if fd := a.res.watch(); fd >= 0 {
		fds = append(fds, fd)
	}
	for _, fd := range fds {
		ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(fd)}
		if err := syscall.EpollCtl(s.ep, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
			return err
		}
	}
	return nil
}

func (s *sockState) close() {
	if s.regs == nil {
		return // never set up: the multi-poll driver's zero value
	}
	for _, fd := range []*int{&s.ep, &s.timerFD, &s.endFD} {
		if *fd >= 0 {
			syscall.Close(*fd)
			*fd = -1
		}
	}
}

// runSocket mirrors the simulator's event loop: add due transfers, read
// messages, fire the timer when due, otherwise wait.
func (a *app) runSocket() {
	for !a.r.ended.Load() {
		a.st.addDue(a)
		a.res.resumeDue(a)
		a.drain()
		if a.done == len(a.r.xfers) && a.st.allStarted() {
			return
		}
		if a.sock.armed && a.sock.timer <= monoNow() {
			a.fire()
			continue
		}
		if !a.block() {
			return
		}
	}
}

// onTimer is the timer callback: replace the one timer.
func (a *app) onTimer(ms int64) int {
	r, s := a.r, &a.sock
	now := monoNow()
	r.mu.Lock()
	c := &r.counters
	switch {
	case ms < 0:
		c.TimerDelete++
	case ms == 0:
		c.TimerZero++
	default:
		c.TimerSet++
	}
	at := now + ms*int64(time.Millisecond)
	// A deadline in whole milliseconds cannot say more precisely which
	// instant it stands for: one less than 1 ms from the held one is the
	// same.
	if ms >= 0 && s.armed && abs(at-s.timer) < int64(time.Millisecond) {
		c.TimerRedundant++
	}
	r.emitLocked(r.since(now), sim.LevelCallback, a.tid, 0, "timer-cb", sim.Int("ms", ms), sim.Int("rc", 0))
	r.mu.Unlock()
	if ms < 0 {
		a.disarm()
		return 0
	}
	s.armed, s.timer = true, at
	if s.exact {
		drainFD(s.timerFD) // timerfd_settime: the new expiry replaces the old
		armTimerFD(s.timerFD, at)
	}
	return 0
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// disarm deletes the application's timer.
func (a *app) disarm() {
	s := &a.sock
	s.armed = false
	if s.exact {
		armTimerFD(s.timerFD, 0)
		drainFD(s.timerFD)
	}
}

// onSocket is the socket callback: keep the epoll set.
func (a *app) onSocket(id, fd, what int) int {
	a.activity++
	a.r.emit(sim.LevelCallback, a.tid, id, "socket-cb", sim.Int("fd", int64(fd)),
		sim.F("what", model.PollAction(what).String()), sim.Int("rc", 0))
	s := &a.sock
	if model.PollAction(what) == model.PollRemove {
		if _, ok := s.regs[fd]; ok {
			_ = syscall.EpollCtl(s.ep, syscall.EPOLL_CTL_DEL, fd, nil)
			delete(s.regs, fd)
		}
		return 0
	}
	var mask uint32
	if model.PollAction(what)&model.PollIn != 0 {
		mask |= syscall.EPOLLIN
	}
	if model.PollAction(what)&model.PollOut != 0 {
		mask |= syscall.EPOLLOUT
	}
	op := syscall.EPOLL_CTL_ADD
	if _, ok := s.regs[fd]; ok {
		op = syscall.EPOLL_CTL_MOD
	}
	ev := syscall.EpollEvent{Events: mask, Fd: int32(fd)}
	if err := syscall.EpollCtl(s.ep, op, fd, &ev); err == syscall.EEXIST {
		_ = syscall.EpollCtl(s.ep, syscall.EPOLL_CTL_MOD, fd, &ev)
	}
	s.regs[fd] = mask
	return 0
}

// fire runs the timeout action for the expired application timer; an
// action that shows no callback but the timer's and leaves the running
// count alone ran nothing.
func (a *app) fire() {
	a.disarm()
	before, running := a.activity, a.running
	a.socketAction(-1, 0)
	if a.activity == before && a.running == running {
		a.r.mu.Lock()
		a.r.counters.EmptyFires++
		a.r.mu.Unlock()
	}
}

// socketAction is curl_multi_socket_action (fd −1: CURL_SOCKET_TIMEOUT).
func (a *app) socketAction(fd int, ev model.Events) {
	name := "timeout"
	if fd >= 0 {
		name = strconv.Itoa(fd)
	}
	a.r.emit(sim.LevelAPI, a.tid, 0, "call", sim.F("fn", "socket_action"), sim.F("fd", name), sim.F("ev", ev.String()))
	code, running := a.m.socketAction(fd, int(ev))
	a.running = running
	a.r.emit(sim.LevelAPI, a.tid, 0, "return", sim.F("fn", "socket_action"), sim.F("code", model.MCode(code).String()),
		sim.Int("running", int64(running)))
}

// ready is one socket epoll_wait reported.
type ready struct {
	fd int
	ev model.Events
}

// block waits in epoll_wait for a socket, the timer or a start: forever
// with an exact timer (its timerfd is in the set), else for the whole
// milliseconds up to the deadline, rounded up. False when the run ended.
func (a *app) block() bool {
	s, now := &a.sock, monoNow()
	if a.st.due(now) || a.res.due(now) || (s.armed && s.timer <= now) {
		return true
	}
	timeout := -1
	text := "forever"
	if s.armed && !s.exact {
		timeout = int(model.CeilMs((s.timer - now) / int64(time.Microsecond)))
		text = sim.FormatDuration(time.Duration(timeout) * time.Millisecond)
	}
	a.r.emit(sim.LevelNet, a.tid, 0, "epoll.wait", sim.F("timeout", text))
	n, err := syscall.EpollWait(s.ep, s.events, timeout)
	if err == syscall.EINTR {
		return !a.r.ended.Load()
	}
	a.woke()
	if a.r.ended.Load() {
		return false
	}
	socks, extra := a.collect(s.events[:max(n, 0)])
	a.r.emit(sim.LevelNet, a.tid, 0, "epoll.return", sim.Int("n", int64(len(socks)+len(extra))),
		sim.F("ready", readyText(socks, extra)))
	for _, rd := range socks {
		a.socketAction(rd.fd, rd.ev)
	}
	if n == 0 && s.armed {
		a.fire() // epoll_wait returned on its timeout: the application's timer is due
	}
	return true
}

// collect splits epoll's events into the transfers' sockets (with the
// CURL_CSELECT bits for them) and the application's descriptors, which
// it drains (the start descriptor is the starter's).
func (a *app) collect(evs []syscall.EpollEvent) ([]ready, []int) {
	s := &a.sock
	var socks []ready
	var extra []int
	for _, e := range evs {
		fd := int(e.Fd)
		switch fd {
		case s.timerFD:
			drainFD(fd)
			extra = append(extra, fd)
		case a.st.fd, a.res.watch():
			extra = append(extra, fd) // drained by the starter or the resumer
		case s.endFD:
		default:
			socks = append(socks, ready{fd, cselect(e.Events)})
		}
	}
	return socks, extra
}

// cselect turns epoll events into curl's CURL_CSELECT bits.
func cselect(e uint32) model.Events {
	var ev model.Events
	if e&(syscall.EPOLLIN|syscall.EPOLLHUP|syscall.EPOLLRDHUP) != 0 {
		ev |= model.EvIn
	}
	if e&syscall.EPOLLOUT != 0 {
		ev |= model.EvOut
	}
	if e&syscall.EPOLLERR != 0 {
		ev |= model.EvErr
	}
	return ev
}

func readyText(socks []ready, extra []int) string {
	if len(socks)+len(extra) == 0 {
		return "-"
	}
	var parts []string
	for _, r := range socks {
		parts = append(parts, strconv.Itoa(r.fd)+":"+r.ev.String())
	}
	for _, fd := range extra {
		parts = append(parts, strconv.Itoa(fd)+":app")
	}
	return strings.Join(parts, ",")
}
