package model

import "errors"

// This file is curl's happy-eyeballs connect filter as 7.88.1 and 8.11.1
// run it (lib/connect.c: start_connect, is_connected, the eyeballers) with
// the TCP socket filter's connect (lib/cf-socket.c cf_tcp_connect). Two
// "ballers", one per address family, each walk their family's addresses
// one attempt at a time; the second starts after the happy-eyeballs delay
// or as soon as the first has run out of addresses.

// baller is one address family's walk of connect attempts.
type baller struct {
	present   bool
	family    Family
	addrs     []Addr // the family's addresses in resolver order
	next      int    // the current address
	fd        int    // the attempt's socket, −1 when none is open
	timer     TimerID
	delayMs   int64 // head start of the other family
	timeoutMs int64 // this attempt's share of the connect time
	started   Micros
	primary   bool // the other baller must be done before a delayed start (baller 1)
	begun     bool
	done      bool
	connected bool
	result    Result
	errno     Errno // why the attempt failed, if the socket said
}

// hasNext reports another address of the same family after the current.
func (b *baller) hasNext() bool { return b.next+1 < len(b.addrs) }

// eyeballs is the filter's context.
type eyeballs struct {
	started bool // start_connect ran
	at      Micros
	b       [2]baller
}

// familyAddrs keeps the addresses of one family, in order.
func familyAddrs(addrs []Addr, f Family) []Addr {
	var out []Addr
	for _, a := range addrs {
		if a.Family == f {
			out = append(out, a)
		}
	}
	return out
}

// share is an attempt's part of the connect time when more addresses of its
// family follow (USETIME).
func (t *Transfer) share(ms int64, more bool) int64 {
	switch {
	case !more:
		return ms
	case t.knobs().HalveLargeOnly && ms <= 600:
		return ms
	}
	return ms / 2
}

// heDelayMs is the second family's head start.
func (t *Transfer) heDelayMs() int64 {
	if t.opts.HappyEyeballsTimeoutMs > 0 {
		return t.opts.HappyEyeballsTimeoutMs
	}
	if t.e != nil && t.e.multi != nil {
		return t.e.multi.prof.HappyEyeballsMs
	}
	return 200
}

// connect is cf_he_connect: set up the ballers on the first call, then see
// whether an attempt has connected. It reports success or a final failure.
func (t *Transfer) connect() (bool, Result) {
	if !t.he.started {
		if r := t.startConnect(); r != OK {
			return false, r
		}
	}
	win, r := t.isConnected()
	if r != OK || win < 0 {
		return false, r
	}
	b := &t.he.b[win]
	t.fd, b.fd = b.fd, -1
	if t.e.Tracing() {
		t.e.Trace(EvNet).Text("op", "connected").Num("fd", int64(t.fd)).Text("addr", b.addrs[b.next].String()).Emit()
	}
	t.he.closeAll(t)
	return true, OK
}

// startConnect is start_connect: pick the families, make the ballers, arm
// HAPPY_EYEBALLS (7.88 always, 8.x only with a second family).
func (t *Transfer) startConnect() Result {
	left := t.timeLeft(t.e.Now(), true)
	if left < 0 {
		t.note("connect-timeout").Text("check", "start").Num("left", left).Emit()
		return OperationTimedout
	}
	t.he.started, t.he.at = true, t.e.Now()
	f0, f1 := t.families()
	a0, a1 := familyAddrs(t.rs.addrs, f0), familyAddrs(t.rs.addrs, f1)
	if len(a0) == 0 {
		a0, f0, a1 = a1, f1, nil
	}
	if len(a0) == 0 {
		return CouldntConnect
	}
	t.he.b[0] = baller{present: true, family: f0, addrs: a0, fd: -1, timer: TimerDNSPerName, result: CouldntConnect}
	if len(a1) > 0 {
		t.he.b[1] = baller{present: true, family: f1, addrs: a1, fd: -1, timer: TimerDNSPerName2,
			delayMs: t.heDelayMs(), primary: true, result: CouldntConnect}
	}
	if len(a1) > 0 || t.knobs().HappyEyeballsAlways {
		t.expire(TimerHappyEyeballs, t.heDelayMs())
	}
	return OK
}

// families is the order the families are tried in: 8.x IPv6 first when
// present, 7.88 the first address's family first.
func (t *Transfer) families() (Family, Family) {
	if t.knobs().IPv6First || len(t.rs.addrs) == 0 {
		return IPv6, IPv4
	}
	if t.rs.addrs[0].Family == IPv4 {
		return IPv4, IPv6
	}
	return IPv6, IPv4
}

// isConnected is is_connected: advance every started baller, start the
// next attempt of one that failed, start a waiting baller whose delay
// passed or whose partner is done, and judge. It returns the winning
// baller's index, −1 while attempts go on, or the failure: the first
// started baller's result, OPERATION_TIMEDOUT if the last socket error was
// ETIMEDOUT, or OPERATION_TIMEDOUT when the connect time is up.
func (t *Transfer) isConnected() (int, Result) {
	for {
		now := t.e.Now()
		ongoing, waiting := 0, 0
		for i := range t.he.b {
			b := &t.he.b[i]
			switch {
			case !b.present || b.done:
				continue
			case !b.begun:
				waiting++
				continue
			}
			if t.ballerConnect(b, now) == OK {
				if b.connected {
					return i, OK
				}
				ongoing++
				continue
			}
			if t.ballerRetry(b, now) {
				ongoing++
			}
		}
		if (ongoing > 0 || waiting > 0) && t.timeLeft(now, true) < 0 {
			t.note("connect-timeout").Text("check", "eyeballs").Num("left", t.timeLeft(now, true)).Emit()
			return -1, OperationTimedout
		}
		if waiting > 0 && t.startWaiting(now) > 0 {
			continue // curl's "goto evaluate"
		}
		if ongoing > 0 {
			return -1, OK
		}
		return -1, t.allFailed()
	}
}

// ballerRetry moves a failed baller to its next address and reports
// whether an attempt is under way again.
func (t *Transfer) ballerRetry(b *baller, now Micros) bool {
	if b.done {
		return false
	}
	if b.errno != 0 {
		t.errno = b.errno
	}
	b.next++
	t.ballerStart(b, t.timeLeft(now, true))
	if b.done {
		return false
	}
	if t.knobs().NextAttemptRunNow {
		t.e.RunNow()
	}
	return true
}

// startWaiting starts the ballers whose delay has passed or whose partner
// is done, and returns how many got an attempt under way.
func (t *Transfer) startWaiting(now Micros) int {
	added := 0
	for i := range t.he.b {
		b := &t.he.b[i]
		if !b.present || b.begun {
			continue
		}
		if (b.primary && t.he.b[0].done) || TimeDiffMs(now, t.he.at) >= b.delayMs {
			t.ballerStart(b, t.timeLeft(now, true))
			if !b.done {
				t.note("eyeballer-start").Text("family", b.family.String()).Num("timeout", b.timeoutMs).Emit()
				added++
			}
		}
	}
	return added
}

// allFailed is the verdict when no attempt is left.
func (t *Transfer) allFailed() Result {
	r := CouldntConnect
	for i := range t.he.b {
		if b := &t.he.b[i]; b.present && b.begun && b.result != OK {
			r = b.result
			break
		}
	}
	if t.errno == ETIMEDOUT {
		r = OperationTimedout
	}
	t.note("connect-failed").Text("result", r.String()).Text("errno", errText(errnoOrNil(t.errno))).Emit()
	return r
}

// ballerStart is baller_start: begin an attempt on the current address with
// its share of timeoutMs, arming the per-attempt timer when another address
// of the family follows; with no address left the baller is done.
func (t *Transfer) ballerStart(b *baller, timeoutMs int64) {
	b.errno, b.connected, b.begun = 0, false, true
	if b.next >= len(b.addrs) {
		b.done = true
		return
	}
	b.started = t.e.Now()
	b.timeoutMs = t.share(timeoutMs, b.hasNext())
	if b.fd >= 0 { // the previous attempt's socket goes with its filter
		t.closeSocket(b.fd)
		b.fd = -1
	}
	if b.hasNext() {
		t.expire(b.timer, b.timeoutMs)
	}
	b.result = OK
}

// ballerConnect is baller_connect: drive the attempt; one that is still
// pending after its share of the time fails with ETIMEDOUT.
func (t *Transfer) ballerConnect(b *baller, now Micros) Result {
	if b.result != OK || b.connected {
		return b.result
	}
	connected, r := t.tcpConnect(b)
	b.result = r
	switch {
	case r != OK:
	case connected:
		b.connected, b.done = true, true
	case TimeDiffMs(now, b.started) >= b.timeoutMs:
		if t.e.Tracing() {
			t.note("attempt-timeout").Text("addr", b.addrs[b.next].String()).Num("timeout", b.timeoutMs).Emit()
		}
		b.errno, b.result = ETIMEDOUT, OperationTimedout
	}
	return b.result
}

// tcpConnect is cf_tcp_connect: open the socket and start connecting on
// the first call, then probe it with a zero-timeout poll; writable means
// the connect ended and SO_ERROR says how. A failure closes the socket.
func (t *Transfer) tcpConnect(b *baller) (bool, Result) {
	if b.fd < 0 {
		if r := t.openAndConnect(b); r != OK {
			return false, r
		}
	}
	rdy := t.socks.Ready(b.fd)
	if rdy&(EvOut|EvErr) == 0 {
		return false, OK
	}
	err := t.socks.SocketError(b.fd)
	if err == nil && rdy&EvErr == 0 {
		return true, OK
	}
	if err == nil {
		err = ECONNREFUSED // an error bit without SO_ERROR: curl's "connect failed"
	}
	t.connectFailed(b, err)
	return false, CouldntConnect
}

// openAndConnect opens the attempt's socket and starts the non-blocking
// connect. An immediate failure other than EINPROGRESS fails the attempt.
func (t *Transfer) openAndConnect(b *baller) Result {
	addr := b.addrs[b.next]
	fd, err := t.socks.Open(t.e.id)
	if err == nil && fd < 0 {
		err = EBADF
	}
	if err != nil {
		t.e.Trace(EvNet).Text("op", "open").Text("err", errText(err)).Emit()
		t.setErrno(err)
		return CouldntConnect
	}
	b.fd = fd
	err = t.socks.Connect(fd, addr)
	if t.e.Tracing() {
		t.e.Trace(EvNet).Text("op", "connect").Num("fd", int64(fd)).Text("addr", addr.String()).Text("err", errText(err)).Emit()
	}
	if err == nil || errors.Is(err, EINPROGRESS) {
		return OK
	}
	t.connectFailed(b, err)
	return CouldntConnect
}

// connectFailed records why an attempt failed and closes its socket.
func (t *Transfer) connectFailed(b *baller, err error) {
	t.e.Trace(EvNet).Text("op", "connect-failed").Num("fd", int64(b.fd)).Text("err", errText(err)).Emit()
	t.setErrno(err)
	t.closeSocket(b.fd)
	b.fd = -1
}

// setErrno records a socket error as curl's os_errno.
func (t *Transfer) setErrno(err error) {
	var en Errno
	if errors.As(err, &en) {
		t.errno = en
	}
}

func errnoOrNil(e Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

// wants are the attempts' sockets, each wanted writable.
func (he *eyeballs) wants(buf []Interest) int {
	n := 0
	for i := range he.b {
		if b := &he.b[i]; b.present && b.fd >= 0 && n < len(buf) {
			buf[n] = Interest{FD: b.fd, What: PollOut}
			n++
		}
	}
	return n
}

// closeAll closes every attempt's socket (the losers, or all at the end).
func (he *eyeballs) closeAll(t *Transfer) {
	for i := range he.b {
		if b := &he.b[i]; b.present && b.fd >= 0 {
			t.closeSocket(b.fd)
			b.fd = -1
		}
	}
}
