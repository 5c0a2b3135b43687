package netsim

import (
	"strings"
)

// Ready is a set of readiness conditions of a file descriptor, poll(2)
// style.
type Ready uint8

// The conditions. PollErr and PollHup are always reported, wanted or not,
// as poll(2) does.
const (
	PollIn  Ready = 1 << iota // readable: data, end of stream, a pending connection, an answer
	PollOut                   // writable: buffer space, or a finished connect
	PollErr                   // an error is pending (SO_ERROR)
	PollHup                   // hung up: the connection is over in both directions
)

var readyNames = [...]string{"in", "out", "err", "hup"}

// String lists the conditions as "in+out" (a form trace lines need not
// quote); the empty set is "-".
func (r Ready) String() string {
	if r == 0 {
		return "-"
	}
	var parts []string
	for i, name := range readyNames {
		if r&(1<<i) != 0 {
			parts = append(parts, name)
		}
	}
	if rest := r &^ (1<<len(readyNames) - 1); rest != 0 {
		parts = append(parts, "0x"+strings.ToLower(hex(uint8(rest))))
	}
	return strings.Join(parts, "+")
}

func hex(b uint8) string {
	const digits = "0123456789ABCDEF"
	return string([]byte{digits[b>>4], digits[b&15]})
}

// ParseReady reads Ready's text form ("in+out", "-"); "|" also separates
// conditions.
func ParseReady(s string) (Ready, error) {
	if s == "-" {
		return 0, nil
	}
	var r Ready
	for i, part := range strings.Split(strings.ReplaceAll(s, "|", "+"), "+") {
		bit := -1
		for j, name := range readyNames {
			if part == name {
				bit = j
			}
		}
		if bit < 0 {
			return 0, errorf("readiness %q: part %d: unknown condition %q (want in, out, err or hup)", s, i+1, part)
		}
		r |= 1 << bit
	}
	return r, nil
}

// Subscription is a standing interest in a descriptor's readiness: its
// function runs whenever one of the wanted conditions (plus PollErr and
// PollHup) becomes true, with the descriptor's whole readiness. It is
// edge-triggered on the rising edge, like EPOLLET: a condition that stays
// true does not fire again, so a subscriber checks Host.Readiness before
// relying on a notification, and reads or writes until EAGAIN afterwards.
// Notifications run after the state change that caused them is complete,
// in the order the changes happened; the function may call back into the
// network. Closing the descriptor cancels the subscription.
type Subscription struct {
	s     *socket
	mask  Ready
	fn    func(Ready)
	owner *ownerCount
	last  Ready // the readiness this subscriber last saw
	live  bool
}

// Cancel ends the subscription; its function is not called again. It is
// harmless to cancel twice.
func (sub *Subscription) Cancel() {
	if !sub.live {
		return
	}
	sub.live = false
	s := sub.s
	for i, x := range s.subs {
		if x == sub {
			s.subs = append(s.subs[:i], s.subs[i+1:]...)
			break
		}
	}
}

// Owner returns the name of the party the subscription wakes.
func (sub *Subscription) Owner() string { return sub.owner.name }

// ownerCount counts the notifications delivered to one owner.
type ownerCount struct {
	name  string
	wakes uint64
}

// markDirty queues s for a readiness check at the next flush. Only
// descriptors with subscribers need the check.
func (n *Network) markDirty(s *socket) {
	if s.dirty || len(s.subs) == 0 {
		return
	}
	s.dirty = true
	n.dirty = append(n.dirty, s)
}

// flush delivers the notifications of every readiness change since the
// last flush. It runs at the end of every call and event, never inside
// another flush: a subscriber's call that changes readiness queues more
// work for the running loop, so notifications never interleave with a
// half-done state change.
func (n *Network) flush() {
	if n.flushing {
		return
	}
	n.flushing = true
	for i := 0; i < len(n.dirty); i++ {
		s := n.dirty[i]
		n.dirty[i] = nil
		s.dirty = false
		n.notify(s)
	}
	n.dirty = n.dirty[:0]
	n.flushing = false
}

// batch runs fn with notifications held until it returns, so that no
// subscriber runs in the middle of fn's work (a timer of a server that
// writes, say).
func (n *Network) batch(fn func()) {
	if n.flushing {
		fn()
		return
	}
	n.flushing = true
	fn()
	n.flushing = false
	n.flush()
}

// notify compares s's readiness with what each subscriber last saw and
// calls those whose conditions rose.
func (n *Network) notify(s *socket) {
	r := s.readiness()
	subs := append(n.subScratch[:0], s.subs...)
	for _, sub := range subs {
		rose := r &^ sub.last
		sub.last = r
		if !sub.live || rose&(sub.mask|PollErr|PollHup) == 0 {
			continue
		}
		n.ctr.Notifications++
		n.ctr.SocketEvents++
		sub.owner.wakes++
		if n.tracing() {
			n.emit("net.ready", F("host", s.h.name), Int("fd", int64(s.fd)), F("ready", r.String()), F("owner", sub.owner.name))
		}
		sub.fn(r)
	}
	clear(subs)
	n.subScratch = subs[:0]
}
