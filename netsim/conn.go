package netsim

import "time"

// conn is a TCP connection: its two ends, one flow per direction, and the
// handshake's timers. ends[0] is the connecting end; ends[1], the
// accepting one, exists once a listener answered the SYN.
type conn struct {
	n        *Network
	id       uint64
	ends     [2]*socket
	flows    [2]flow
	from, to Addr
	dst      *Host

	synTry      int // SYNs sent so far, minus one
	synStart    time.Duration
	synTimer    Timer
	acceptTimer Timer // delay-accept's deferred answer
	delayed     bool  // an answer is deferred: retransmitted SYNs wait for it
	crossed     int64 // data bytes delivered, both directions: reset-after's count
	over        bool
}

func (n *Network) newConn(s *socket, dst *Host, to Addr, fwd, back *linkDir) *conn {
	n.nextConn++
	c := &conn{n: n, id: n.nextConn, from: s.local, to: to, dst: dst}
	c.ends[0] = s
	c.flows[0] = flow{c: c, from: 0, dir: fwd}
	c.flows[1] = flow{c: c, from: 1, dir: back}
	s.c, s.side = c, 0
	return c
}

// trace emits a connection event; callers check n.tracing first.
func (c *conn) trace(kind string, fields ...Field) {
	c.n.emit(kind, append([]Field{Int("conn", int64(c.id))}, fields...)...)
}

// addr is the address of end side.
func (c *conn) addr(side uint8) Addr {
	if side == 0 {
		return c.from
	}
	return c.to
}

// send hands a segment to flow f's link: size data bytes ending at end,
// or a control segment. Faults decide whether and when it arrives.
func (c *conn) send(f *flow, end int64, size int, flags segFlags) {
	if f.stopped {
		return
	}
	at, flags, ok := c.route(f, size, flags)
	if ok {
		f.push(segment{end: end, at: at, flags: flags})
	}
}

// route applies the link's faults to a segment sent now.
func (c *conn) route(f *flow, size int, flags segFlags) (time.Duration, segFlags, bool) {
	now, d := c.n.now(), f.dir
	if flags&segSYN != 0 && d.fault(FaultDropSYN, now) != nil {
		c.lost(f, "drop-syn")
		return 0, 0, false
	}
	if d.fault(FaultPartition, now) == nil {
		return d.unstall(d.transit(now, size)), flags, true
	}
	if flags&(segSYN|segSYNACK|segRST) != 0 {
		// Handshakes are retried by the SYN schedule; a reset is not retried.
		c.lost(f, "partition")
		return 0, 0, false
	}
	for _, off := range c.n.retransmitAt {
		if t := now + off; d.fault(FaultPartition, t) == nil {
			if c.n.tracing() {
				c.trace("net.retransmit", F("from", c.addr(f.from).String()), Dur("after", off))
			}
			return d.unstall(d.transit(t, size)), flags, true
		}
	}
	return now + c.n.retransmitEnd, segLost, true
}

func (c *conn) lost(f *flow, why string) {
	if c.n.tracing() {
		c.trace("net.lost", F("from", c.addr(f.from).String()), F("by", why))
	}
}

// deliver handles a segment arriving at the far end of flow f.
func (c *conn) deliver(f *flow, s segment) {
	c.n.ctr.Segments++
	c.n.ctr.SocketEvents++
	switch {
	case s.flags&segSYN != 0:
		c.onSYN()
	case s.flags&segSYNACK != 0:
		c.onSYNACK()
	case s.flags&segRST != 0:
		c.onRST(1 - f.from)
	case s.flags&segLost != 0:
		c.onGiveUp(f.from)
	default:
		if s.flags&segACK != 0 {
			c.onACK()
		}
		if s.end > f.landed {
			c.onData(f, s.end)
		}
		if s.flags&segFIN != 0 {
			c.onFIN(f, s.end)
		}
	}
}

// connect starts the handshake: the first SYN and its retry timer.
func (c *conn) connect() {
	c.synStart = c.n.now()
	c.synTimer = c.n.sched.NewTimer(c.synExpired)
	c.sendSYN()
}

func (c *conn) sendSYN() {
	if c.n.tracing() {
		c.trace("net.syn", F("from", c.from.String()), F("to", c.to.String()), Int("try", int64(c.synTry)))
	}
	c.send(&c.flows[0], 0, 0, segSYN)
	c.synTimer.Reset(c.synStart + c.n.synSchedule[c.synTry])
}

// synExpired is the SYN retry timer: retransmit, or give up once the
// budget is spent.
func (c *conn) synExpired() {
	s := c.ends[0]
	if s.state == StateSynSent {
		c.synTry++
		if c.synTry < len(c.n.synSchedule) {
			c.sendSYN()
		} else {
			c.connectDone(ConnectTimedOut)
			s.fail(ETIMEDOUT)
			c.end()
		}
	}
	c.n.flush()
}

// connectDone counts and traces how the connect ended.
func (c *conn) connectDone(r ConnectResult) {
	c.n.ctr.Connects[r]++
	if c.synTimer != nil {
		c.synTimer.Stop()
	}
	if c.n.tracing() {
		c.trace("net.connect.done", F("from", c.from.String()), F("result", r.String()))
	}
}

// onSYN answers a SYN at the destination, unless a fault or the
// listener's policy says otherwise. A retransmitted SYN re-sends the
// answer it already got.
func (c *conn) onSYN() {
	if srv := c.ends[1]; srv != nil {
		if srv.state == StateSynReceived {
			c.send(&c.flows[1], 0, 0, segSYNACK)
		}
		return
	}
	if c.delayed {
		return
	}
	now, d := c.n.now(), c.flows[1].dir
	if d.fault(FaultRefuse, now) != nil {
		c.refuse("fault")
		return
	}
	if f := d.fault(FaultDelayAccept, now); f != nil {
		c.delayed = true
		c.acceptTimer = c.n.sched.NewTimer(c.delayedAnswer)
		c.acceptTimer.Reset(satAdd(now, f.Delay))
		return
	}
	c.answer()
}

func (c *conn) delayedAnswer() {
	if !c.over {
		c.answer()
	}
	c.n.flush()
}

// answer is the listener's side of the handshake.
func (c *conn) answer() {
	l := c.dst.listeners[c.to.Port]
	switch {
	case l == nil || l.policy == policyRefuse:
		c.refuse("no-listener")
	case l.policy == policyDrop:
		if c.n.tracing() {
			c.trace("net.lost", F("from", c.from.String()), F("by", "blackhole"))
		}
	case len(l.acceptQ) > l.backlog:
		// Linux drops a SYN when the accept queue is full; the SYN queue
		// itself never overflows with SYN cookies on (the default).
		if c.n.tracing() {
			c.trace("net.lost", F("from", c.from.String()), F("by", "backlog"))
		}
	default:
		srv := &socket{h: c.dst, fd: -1, kind: KindTCP, state: StateSynReceived, c: c, side: 1,
			local: c.to, remote: c.from, parent: l}
		c.ends[1] = srv
		l.pending = append(l.pending, srv)
		c.send(&c.flows[1], 0, 0, segSYNACK)
	}
}

func (c *conn) refuse(why string) {
	if c.n.tracing() {
		c.trace("net.refuse", F("to", c.to.String()), F("by", why))
	}
	c.send(&c.flows[1], 0, 0, segRST)
}

// onSYNACK completes the connect, or resets a connection whose connecting
// end was closed meanwhile. A duplicate (the answer to a retransmitted
// SYN) changes nothing.
func (c *conn) onSYNACK() {
	s := c.ends[0]
	switch s.state {
	case StateEstablished:
		return
	case StateClosed:
		c.abort(0)
		return
	}
	s.become(StateEstablished)
	c.connectDone(ConnectOK)
	c.send(&c.flows[0], 0, 0, segACK)
	c.n.markDirty(s)
}

// onACK completes the handshake at the listener: the connection waits
// for accept.
func (c *conn) onACK() {
	s := c.ends[1]
	if s == nil || s.state != StateSynReceived {
		return
	}
	s.become(StateEstablished)
	l := s.parent
	l.pending = removeSocket(l.pending, s)
	l.acceptQ = append(l.acceptQ, s)
	if c.n.tracing() {
		c.trace("net.established", F("from", c.from.String()), F("to", c.to.String()))
	}
	if l.s != nil {
		c.n.markDirty(l.s)
	}
}

// onData lands bytes up to end at the receiver of flow f.
func (c *conn) onData(f *flow, end int64) {
	to := c.ends[1-f.from]
	if to == nil || to.state != StateEstablished {
		return
	}
	if to.appClosed {
		// The application closed the socket: nobody can read the data.
		c.abort(1 - f.from)
		return
	}
	bytes := end - f.landed
	if limit, hit := c.resetLimit(bytes); hit {
		c.landData(f, to, f.landed+limit)
		c.injectReset(f)
		return
	}
	c.landData(f, to, end)
}

func (c *conn) landData(f *flow, to *socket, end int64) {
	c.crossed += end - f.landed
	if c.n.tracing() {
		c.trace("net.data", F("to", c.addr(1-f.from).String()), Int("n", end-f.landed))
	}
	f.landed = end
	if f.admit() {
		c.n.markDirty(to)
		c.n.markDirty(c.ends[f.from])
	}
}

// resetLimit applies reset-after faults: how many of bytes may cross
// before the reset, and whether the reset happens.
func (c *conn) resetLimit(bytes int64) (int64, bool) {
	f := c.flows[0].dir.fault(FaultResetAfter, c.n.now())
	if f == nil || c.crossed+bytes <= f.Bytes {
		return bytes, false
	}
	return max(f.Bytes-c.crossed, 0), true
}

// injectReset resets the connection from the middle of the path: the
// receiver of flow f now, the sender one latency later.
func (c *conn) injectReset(f *flow) {
	if c.n.tracing() {
		c.trace("net.fault", F("kind", "reset-after"), Int("crossed", c.crossed))
	}
	back := &c.flows[1-f.from]
	back.segs, back.head = back.segs[:0], 0
	back.lastAt = 0
	c.send(back, back.sent, 0, segRST)
	f.stop()
	to := c.ends[1-f.from]
	to.fail(ECONNRESET)
}

// onFIN marks the end of flow f's stream at offset end.
func (c *conn) onFIN(f *flow, end int64) {
	to := c.ends[1-f.from]
	if to == nil || to.state != StateEstablished {
		return
	}
	f.finLanded, f.finOff = true, end
	if c.n.tracing() {
		c.trace("net.fin", F("to", c.addr(1-f.from).String()))
	}
	if f.admit() {
		c.n.markDirty(to)
	}
	c.checkDone()
}

// checkDone ends the connection once both streams are finished.
func (c *conn) checkDone() {
	if c.flows[0].eof && c.flows[1].eof {
		c.end()
	}
}

// onRST ends the connection at end side.
func (c *conn) onRST(side uint8) {
	s := c.ends[side]
	if c.n.tracing() {
		c.trace("net.rst", F("to", c.addr(side).String()))
	}
	switch {
	case s == nil:
	case s.state == StateSynSent:
		c.connectDone(ConnectRefused)
		s.fail(ECONNREFUSED)
	case s.state == StateEstablished:
		s.fail(ECONNRESET)
	}
	c.end()
}

// onGiveUp ends the connection at the sender of flow side, whose
// retransmissions ran out in a partition. The other end hears nothing.
func (c *conn) onGiveUp(side uint8) {
	s := c.ends[side]
	if c.n.tracing() {
		c.trace("net.timeout", F("at", c.addr(side).String()))
	}
	if s.state == StateEstablished {
		s.fail(ETIMEDOUT)
	}
	c.end()
}

// abort resets the connection from end side: it closes at once and its
// RST follows whatever it already sent.
func (c *conn) abort(side uint8) {
	s := c.ends[side]
	if c.n.tracing() {
		c.trace("net.abort", F("at", c.addr(side).String()))
	}
	if s != nil && s.state != StateClosed {
		s.become(StateClosed)
		c.n.markDirty(s)
	}
	c.flows[1-side].stop()
	c.send(&c.flows[side], c.flows[side].sent, 0, segRST)
}

// end stops everything still in flight: the connection is over. Buffered
// bytes stay readable.
func (c *conn) end() {
	if c.over {
		return
	}
	c.over = true
	c.flows[0].stop()
	c.flows[1].stop()
	for _, t := range []Timer{c.synTimer, c.acceptTimer} {
		if t != nil {
			t.Stop()
		}
	}
	if srv := c.ends[1]; srv != nil && srv.state == StateSynReceived {
		srv.become(StateClosed)
		srv.parent.pending = removeSocket(srv.parent.pending, srv)
	}
}

func removeSocket(list []*socket, s *socket) []*socket {
	for i, x := range list {
		if x == s {
			return append(list[:i], list[i+1:]...)
		}
	}
	return list
}
