package netpoll

import (
	"strconv"
	"strings"
	"time"

	"github.com/expirylab/expiry/netsim"
	"github.com/expirylab/expiry/sim"
)

// PollFD is one entry of a poll set, like struct pollfd.
type PollFD struct {
	FD      netsim.FD
	Events  netsim.Ready // wanted; PollErr and PollHup are always reported
	Revents netsim.Ready // filled in by Poll
}

// PollStats counts a thread's polls by how they ended.
type PollStats struct {
	Polls     uint64 // calls
	Immediate uint64 // something was ready at the call
	Woken     uint64 // woken by a readiness notification
	TimedOut  uint64 // the timeout (plus slack) passed
}

// poller is a thread's poll state, reused across its polls.
type poller struct {
	src    *sim.WakeSource
	signal func(netsim.Ready)
	subs   []*netsim.Subscription
	stats  PollStats
}

func (nt *Net) poller(t *sim.Thread) *poller {
	id := int(t.ID())
	for len(nt.polls) <= id {
		nt.polls = append(nt.polls, nil)
	}
	p := nt.polls[id]
	if p == nil {
		p = &poller{src: nt.k.NewWakeSource("poll:" + t.Name())}
		p.signal = func(netsim.Ready) { p.src.Signal() }
		nt.polls[id] = p
	}
	return p
}

// Stats returns thread t's poll counts.
func (nt *Net) Stats(t *sim.Thread) PollStats { return nt.poller(t).stats }

// Poll is poll(2) for thread t on host h's descriptors: if any is ready it
// returns at once; otherwise the thread waits until a readiness
// notification for one of them (it then runs after the host's wake-up
// latency) or until timeout plus the host's slack (a negative timeout
// waits for ever, zero never waits). Either way then runs as the thread's
// next step with the number of ready entries, their Revents filled in as
// of that moment. A descriptor that is not open reports PollErr, as
// POLLNVAL would.
func (nt *Net) Poll(t *sim.Thread, h *netsim.Host, fds []PollFD, timeout time.Duration, then func(n int)) error {
	p := nt.poller(t)
	p.stats.Polls++
	nt.trace(t, "poll", f("host", h.Name()), f("fds", formatSet(fds, false)), f("timeout", timeoutText(timeout)))
	if n := scan(h, fds); n > 0 || timeout == 0 {
		if n > 0 {
			p.stats.Immediate++
		}
		return t.Wait(0, func(*sim.WakeSource) { nt.done(t, fds, n, then) })
	}
	for i := range fds {
		sub, err := h.Subscribe(fds[i].FD, fds[i].Events, t.Name(), p.signal)
		if err == nil {
			p.subs = append(p.subs, sub)
		}
	}
	err := t.Wait(timeout, func(woke *sim.WakeSource) {
		p.unsubscribe()
		if woke == nil {
			p.stats.TimedOut++
		} else {
			p.stats.Woken++
		}
		nt.done(t, fds, scan(h, fds), then)
	}, p.src)
	if err != nil {
		p.unsubscribe() // t was not running: nothing will wait on them
	}
	return err
}

func (p *poller) unsubscribe() {
	for _, s := range p.subs {
		s.Cancel()
	}
	clear(p.subs)
	p.subs = p.subs[:0]
}

func (nt *Net) done(t *sim.Thread, fds []PollFD, n int, then func(int)) {
	nt.trace(t, "poll.return", sim.Int("n", int64(n)), f("ready", formatSet(fds, true)))
	then(n)
}

// scan fills in Revents and counts the ready entries.
func scan(h *netsim.Host, fds []PollFD) int {
	n := 0
	for i := range fds {
		r, err := h.Readiness(fds[i].FD)
		if err != nil {
			r = netsim.PollErr
		}
		fds[i].Revents = r & (fds[i].Events | netsim.PollErr | netsim.PollHup)
		if fds[i].Revents != 0 {
			n++
		}
	}
	return n
}

func f(key, value string) sim.Field { return sim.F(key, value) }

func (nt *Net) trace(t *sim.Thread, kind string, fields ...sim.Field) {
	if nt.k.Tracing(sim.LevelNet) {
		t.Emit(sim.LevelNet, 0, kind, fields...)
	}
}

// formatSet writes a poll set as "3:in,5:in|out" (events or revents).
func formatSet(fds []PollFD, revents bool) string {
	if len(fds) == 0 {
		return "-"
	}
	parts := make([]string, len(fds))
	for i, f := range fds {
		r := f.Events
		if revents {
			r = f.Revents
		}
		parts[i] = strconv.Itoa(int(f.FD)) + ":" + r.String()
	}
	return strings.Join(parts, ",")
}

func timeoutText(d time.Duration) string {
	if d < 0 {
		return "forever"
	}
	return sim.FormatDuration(d)
}
