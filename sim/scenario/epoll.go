package scenario

import (
	"strconv"
	"strings"
	"time"

	"github.com/expirylab/expiry/netsim"
	"github.com/expirylab/expiry/sim"
)

// epoller is epoll(7) for an event-driven application thread, the way
// libevent or libuv use it on Linux: interest is registered once per
// socket (from the socket callback), netsim's rising-edge notifications
// queue the socket as a candidate, and a wait costs O(candidates), not
// O(registered) as poll(2) does, which is what lets one thread drive
// 100 000 transfers. Level-triggered: a socket is reported by every wait
// while it stays ready.
type epoller struct {
	n     *net
	k     *sim.Kernel
	t     *sim.Thread
	src   *sim.WakeSource
	regs  []*epReg // by descriptor number; nil when not registered
	cand  []int    // descriptors that may be ready, in the order they rose
	pass  uint64
	ready []readyFD
	extra []int
	buf   []int
}

// epReg is one registered descriptor.
type epReg struct {
	fd   int
	mask netsim.Ready
	app  bool // the application's own descriptor (timerfd, eventfd)
	sub  *netsim.Subscription
	seen uint64 // the collect pass that last looked at it
}

func (w *world) newEpoller(t *sim.Thread) *epoller {
	return &epoller{n: w.net, k: w.k, t: t, src: w.k.NewWakeSource("epoll:" + t.Name())}
}

// set registers fd for mask (EPOLL_CTL_ADD or MOD); app marks the
// application's own descriptors.
func (ep *epoller) set(fd int, mask netsim.Ready, app bool) {
	for len(ep.regs) <= fd {
		ep.regs = append(ep.regs, nil)
	}
	if old := ep.regs[fd]; old != nil {
		if old.mask == mask {
			return
		}
		old.sub.Cancel()
	}
	r := &epReg{fd: fd, mask: mask, app: app}
	sub, err := ep.n.client.Subscribe(netsim.FD(fd), mask, ep.t.Name(), func(netsim.Ready) { ep.rose(r) })
	if err != nil {
		panic(err) // the model only registers open sockets
	}
	r.sub = sub
	ep.regs[fd] = r
	ep.cand = append(ep.cand, fd) // it may be ready already: no edge will tell
}

// del unregisters fd (EPOLL_CTL_DEL).
func (ep *epoller) del(fd int) {
	if fd < len(ep.regs) && ep.regs[fd] != nil {
		ep.regs[fd].sub.Cancel()
		ep.regs[fd] = nil
	}
}

func (ep *epoller) rose(r *epReg) {
	if ep.regs[r.fd] == r {
		ep.cand = append(ep.cand, r.fd)
		ep.src.Signal()
	}
}

// collect checks the candidates: the ready ones are reported and stay
// candidates (level-triggered); the others leave until their next edge.
func (ep *epoller) collect() waitResult {
	ep.pass++
	ep.ready, ep.extra, ep.buf = ep.ready[:0], ep.extra[:0], ep.buf[:0]
	for _, fd := range ep.cand {
		r := ep.regs[fd]
		if r == nil || r.seen == ep.pass {
			continue // unregistered since, or a duplicate entry
		}
		r.seen = ep.pass
		rd, err := ep.n.client.Readiness(netsim.FD(fd))
		if rd &= r.mask | netsim.PollErr | netsim.PollHup; err != nil || rd == 0 {
			continue
		}
		ep.buf = append(ep.buf, fd)
		if r.app {
			ep.extra = append(ep.extra, fd)
		} else {
			ep.ready = append(ep.ready, readyFD{fd: fd, events: events(rd)})
		}
	}
	ep.cand, ep.buf = ep.buf, ep.cand
	return waitResult{ready: ep.ready, extra: ep.extra, timedOut: len(ep.cand) == 0}
}

// wait is epoll_wait: it returns at once when a registered descriptor is
// ready, else blocks until one turns ready or timeout (plus the host's
// slack) passes.
func (ep *epoller) wait(timeout time.Duration, then func(waitResult)) {
	ep.trace("epoll.wait", sim.F("timeout", timeoutText(timeout)))
	block := timeout
	if r := ep.collect(); !r.timedOut {
		block = 0
	}
	err := ep.t.Wait(block, func(*sim.WakeSource) {
		r := ep.collect()
		ep.trace("epoll.return", sim.Int("n", int64(len(r.ready)+len(r.extra))), sim.F("ready", readyText(r)))
		then(r)
	}, ep.src)
	if err != nil {
		panic(err)
	}
}

func (ep *epoller) trace(kind string, fields ...sim.Field) {
	if ep.k.Tracing(sim.LevelNet) {
		ep.t.Emit(sim.LevelNet, 0, kind, fields...)
	}
}

func timeoutText(d time.Duration) string {
	if d < 0 {
		return "forever"
	}
	return sim.FormatDuration(d)
}

func readyText(r waitResult) string {
	if len(r.ready)+len(r.extra) == 0 {
		return "-"
	}
	var parts []string
	for _, x := range r.ready {
		parts = append(parts, strconv.Itoa(x.fd)+":"+x.events.String())
	}
	for _, fd := range r.extra {
		parts = append(parts, strconv.Itoa(fd)+":app")
	}
	return strings.Join(parts, ",")
}
