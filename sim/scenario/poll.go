package scenario

import (
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/netsim"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/netpoll"
)

// readyFD is one socket a wait found ready, with what it is ready for.
type readyFD struct {
	fd     int
	events model.Events
}

// waitResult is why a blocking wait returned.
type waitResult struct {
	ready    []readyFD // the transfers' sockets that are ready
	extra    []int     // the application's own descriptors that are readable
	timedOut bool      // nothing was ready: the timeout (plus slack) passed
}

// has reports whether the application's descriptor fd was readable.
func (r waitResult) has(fd int) bool {
	for _, x := range r.extra {
		if x == fd {
			return true
		}
	}
	return false
}

// poller is one application thread's poll(2): the transfers' sockets plus
// the application's own descriptors (wake channels standing for eventfd
// and timerfd), composed by netpoll from netsim readiness and the
// kernel's timed wait. Its buffers are reused across waits.
type poller struct {
	n     *net
	t     *sim.Thread
	pfds  []netpoll.PollFD
	ready []readyFD
	extra []int
}

func (w *world) newPoller(t *sim.Thread) *poller { return &poller{n: w.net, t: t} }

// wait blocks like poll(2) on the transfers' sockets fds and the
// application's descriptors extra (readable), for at most timeout
// (sim.Forever: no limit), then calls then.
func (p *poller) wait(fds []model.Interest, extra []int, timeout time.Duration, then func(waitResult)) {
	p.pfds = p.pfds[:0]
	for _, in := range fds {
		p.pfds = append(p.pfds, netpoll.PollFD{FD: netsim.FD(in.FD), Events: wanted(in.What)})
	}
	for _, fd := range extra {
		p.pfds = append(p.pfds, netpoll.PollFD{FD: netsim.FD(fd), Events: netsim.PollIn})
	}
	split := len(fds)
	err := p.n.Poll(p.t, p.n.client, p.pfds, timeout, func(n int) { then(p.result(split, n)) })
	if err != nil {
		panic(err) // only misuse: a step that already blocked
	}
}

func (p *poller) result(split, n int) waitResult {
	p.ready, p.extra = p.ready[:0], p.extra[:0]
	for i, pf := range p.pfds {
		if pf.Revents == 0 {
			continue
		}
		if i < split {
			p.ready = append(p.ready, readyFD{fd: int(pf.FD), events: events(pf.Revents)})
		} else {
			p.extra = append(p.extra, int(pf.FD))
		}
	}
	return waitResult{ready: p.ready, extra: p.extra, timedOut: n == 0}
}

// wanted is the poll(2) mask for a socket callback's wish.
func wanted(a model.PollAction) netsim.Ready {
	var r netsim.Ready
	if a&model.PollIn != 0 {
		r |= netsim.PollIn
	}
	if a&model.PollOut != 0 {
		r |= netsim.PollOut
	}
	return r
}

// events turns poll(2) revents into curl's CURL_CSELECT bits.
func events(r netsim.Ready) model.Events {
	var e model.Events
	if r&(netsim.PollIn|netsim.PollHup) != 0 {
		e |= model.EvIn
	}
	if r&netsim.PollOut != 0 {
		e |= model.EvOut
	}
	if r&netsim.PollErr != 0 {
		e |= model.EvErr
	}
	return e
}

// wakeFD is a wake channel on the client host standing for an eventfd or
// timerfd: something outside the application thread makes it readable,
// and the thread drains it.
type wakeFD struct {
	n    *net
	r, w netsim.FD
	buf  [64]byte
}

func (n *net) newWakeFD() *wakeFD {
	r, w, err := n.client.WakePair()
	if err != nil {
		panic(err)
	}
	return &wakeFD{n: n, r: r, w: w}
}

// post makes the descriptor readable.
func (f *wakeFD) post() {
	if _, err := f.n.client.Write(f.w, f.buf[:1]); err != nil {
		panic(err)
	}
}

// drain reads every pending token (one read takes them all).
func (f *wakeFD) drain() {
	if r, err := f.n.client.Readiness(f.r); err == nil && r&netsim.PollIn != 0 {
		_, _ = f.n.client.Read(f.r, f.buf[:])
	}
}

// fd is the readable end, for a poll set.
func (f *wakeFD) fd() int { return int(f.r) }
