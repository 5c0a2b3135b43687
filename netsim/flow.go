package netsim

import "time"

// segFlags marks a segment's control bits.
type segFlags uint8

const (
	segSYN segFlags = 1 << iota
	segSYNACK
	segACK
	segFIN
	segRST
	// segLost stands for data lost to a partition beyond the sender's
	// retransmission budget: its "arrival" is the moment the sender
	// gives up.
	segLost
)

// segment is one unit in flight. Data segments carry the bytes of the
// flow up to offset end; control segments carry none.
type segment struct {
	end   int64
	at    time.Duration
	flags segFlags
}

// flow is one direction of a connection: the sender's bytes from its
// write to the receiver's read. Offsets count bytes since the connection
// began: sent (written) ≥ landed (arrived at the receiving host) ≥
// accepted (in the receive buffer) ≥ read. The send buffer holds
// sent−accepted bytes and the receive buffer accepted−read; bytes that
// landed beyond the receive window wait until a read makes room (the
// window update is modelled as instant).
type flow struct {
	c     *conn
	from  uint8 // the sending end
	dir   *linkDir
	timer Timer

	segs   []segment // segs[head:] are in flight, in arrival order
	head   int
	lastAt time.Duration // the latest arrival queued: later ones never overtake it

	buf []byte // bytes [read, sent) are buf[off:]
	off int

	sent, landed, accepted, read int64

	finSent, finLanded, eof bool
	finOff                  int64
	stopped                 bool // the connection is over: nothing more arrives
}

// push queues a segment that arrives at s.at, or later if an earlier
// segment of the flow arrives later (in-order delivery).
func (f *flow) push(s segment) {
	s.at = max(s.at, f.lastAt)
	f.lastAt = s.at
	if f.head < len(f.segs) {
		// Writes cut into segments that land together are one arrival.
		if tail := &f.segs[len(f.segs)-1]; tail.at == s.at && tail.flags == 0 && s.flags == 0 {
			tail.end = s.end
			return
		}
	} else if s.at != never {
		f.arm(s.at)
	}
	f.segs = append(f.segs, s)
}

func (f *flow) arm(at time.Duration) {
	if f.timer == nil {
		f.timer = f.c.n.sched.NewTimer(f.arrive)
	}
	f.timer.Reset(at)
}

// arrive is the flow's timer: it delivers every segment due now.
func (f *flow) arrive() {
	n := f.c.n
	now := n.now()
	for f.head < len(f.segs) && f.segs[f.head].at <= now && !f.stopped {
		s := f.segs[f.head]
		f.head++
		f.c.deliver(f, s)
	}
	f.compact()
	if !f.stopped && f.head < len(f.segs) && f.segs[f.head].at != never {
		f.arm(f.segs[f.head].at)
	}
	n.flush()
}

// compact drops delivered segments from the queue.
func (f *flow) compact() {
	switch {
	case f.head == len(f.segs):
		f.segs, f.head = f.segs[:0], 0
	case f.head >= 64 && 2*f.head >= len(f.segs):
		k := copy(f.segs, f.segs[f.head:])
		f.segs, f.head = f.segs[:k], 0
	}
}

// stop ends the flow: nothing in flight arrives any more.
func (f *flow) stop() {
	f.stopped = true
	f.segs, f.head = f.segs[:0], 0
	if f.timer != nil {
		f.timer.Stop()
	}
}

// write appends p to the flow's bytes.
func (f *flow) write(p []byte) {
	if f.off > 0 && len(f.buf)+len(p) > cap(f.buf) {
		k := copy(f.buf, f.buf[f.off:])
		f.buf, f.off = f.buf[:k], 0
	}
	f.buf = append(f.buf, p...)
	f.sent += int64(len(p))
}

// readInto moves up to len(p) buffered bytes into p.
func (f *flow) readInto(p []byte) int {
	m := int(min(int64(len(p)), f.accepted-f.read))
	copy(p, f.buf[f.off:f.off+m])
	f.off += m
	f.read += int64(m)
	if f.off == len(f.buf) {
		f.buf, f.off = f.buf[:0], 0
	}
	return m
}

// admit moves landed bytes into the receive buffer as far as the window
// allows, and notices the end of the stream. It reports whether the
// buffer grew.
func (f *flow) admit() bool {
	limit := f.read + int64(f.c.n.cfg.RecvBuf)
	acc := min(f.landed, limit)
	grew := acc > f.accepted
	if grew {
		f.c.n.ctr.BytesDelivered += uint64(acc - f.accepted)
		f.accepted = acc
	}
	if f.finLanded && !f.eof && f.accepted == f.finOff {
		f.eof = true
		grew = true
	}
	return grew
}
