package netsim

import (
	"fmt"
	"time"
)

// srvState is where a server connection is. Transitions happen only in
// serverConn.become, which enforces srvMoves.
type srvState uint8

const (
	srvReading srvState = iota // reading the request head
	srvSending                 // released response bytes wait for buffer space
	srvWaiting                 // everything released is written; a timer releases more
	srvStalled                 // the request is read; no answer will come
	srvClosed
	numSrvStates
)

var srvStateNames = [numSrvStates]string{"reading", "sending", "waiting", "stalled", "closed"}

func (s srvState) String() string {
	if s < numSrvStates {
		return srvStateNames[s]
	}
	return fmt.Sprintf("srvState(%d)", uint8(s))
}

var srvMoves = [numSrvStates]uint8{
	srvReading: 1<<srvSending | 1<<srvWaiting | 1<<srvStalled | 1<<srvClosed,
	srvSending: 1<<srvWaiting | 1<<srvClosed,
	srvWaiting: 1<<srvSending | 1<<srvClosed,
	srvStalled: 1 << srvClosed,
}

// serverConn is one accepted connection of a server: a small state
// machine driven by its descriptor's readiness and one timer. The
// response is a byte range [0, total) (head, then body); the behaviour
// decides how much of it is released when, and the connection writes what
// is released as fast as the socket takes it.
type serverConn struct {
	srv      *Server
	fd       FD
	state    srvState
	sub      *Subscription
	timer    Timer
	req      []byte
	head     string
	total    int64 // response bytes
	released int64 // response bytes the behaviour let out so far
	written  int64
	chunk    int64 // bytes released per tick
	period   time.Duration
	reset    bool // abort after the last byte instead of closing
}

func (sc *serverConn) become(to srvState) {
	if srvMoves[sc.state]&(1<<to) == 0 {
		panic(fmt.Sprintf("netsim: server connection %s:%d: %v -> %v", sc.srv.h.name, sc.fd, sc.state, to))
	}
	sc.state = to
}

func (sc *serverConn) onReady(Ready) { sc.step() }

// step does whatever the state allows now.
func (sc *serverConn) step() {
	switch sc.state {
	case srvReading:
		sc.readRequest()
	case srvSending:
		sc.drain()
		sc.send()
	case srvWaiting, srvStalled:
		sc.drain()
	}
}

// readRequest reads until the request head is complete.
func (sc *serverConn) readRequest() {
	h := sc.srv.h
	for sc.state == srvReading {
		if cap(sc.req)-len(sc.req) < 512 {
			sc.req = append(make([]byte, 0, 2*cap(sc.req)+512), sc.req...)
		}
		m, err := h.Read(sc.fd, sc.req[len(sc.req):cap(sc.req)])
		sc.req = sc.req[:len(sc.req)+m]
		switch {
		case m > 0:
			sc.checkRequest()
		case err == EAGAIN:
			return
		default: // the client went away before asking
			sc.close()
		}
	}
}

func (sc *serverConn) checkRequest() {
	end := headEnd(sc.req)
	switch {
	case end >= 0:
		sc.onRequest(sc.req[:end])
	case len(sc.req) > maxRequestHead:
		sc.badRequest()
	}
}

// drain reads and discards what the client sends after its request. A
// reset ends the connection; the end of the client's stream does not (it
// may have only shut down its side).
func (sc *serverConn) drain() {
	var buf [512]byte
	for sc.state != srvClosed {
		m, err := sc.srv.h.Read(sc.fd, buf[:])
		switch {
		case m > 0:
		case err == nil && sc.state == srvStalled:
			sc.close()
		case err == nil || err == EAGAIN:
			return
		default:
			sc.close()
		}
	}
}

// onRequest starts the behaviour's response.
func (sc *serverConn) onRequest(head []byte) {
	srv := sc.srv
	req, ok := parseRequest(head)
	if !ok {
		sc.badRequest()
		return
	}
	srv.stats.Requests++
	if srv.n.tracing() {
		srv.n.emit("srv.request", F("at", srv.Addr().String()), Int("fd", int64(sc.fd)),
			F("method", req.method), F("target", req.target), F("behavior", srv.b.String()))
	}
	sc.plan(srv.b)
}

// plan sets up the response of behaviour b and starts it.
func (sc *serverConn) plan(b Behavior) {
	switch b.Kind {
	case ServeStalled:
		sc.become(srvStalled)
		sc.drain()
		return
	case ServeResetAfter:
		sc.respond(b.Bytes+1, b.Bytes)
		sc.reset = true
		sc.released = sc.total
	case ServeQuick:
		sc.respond(b.Size, b.Size)
		sc.released = sc.total
	case ServeSlowHeaders:
		sc.respond(b.Size, b.Size)
		sc.become(srvWaiting)
		sc.arm(b.Delay, sc.total)
		return
	case ServeTrickle:
		sc.respond(b.Size, b.Size)
		sc.chunk, sc.period = b.Bytes, b.Period
		sc.arm(b.Period, b.Bytes)
	case ServeRate:
		sc.respond(b.Size, b.Size)
		sc.chunk = max(1, b.Rate/100)
		sc.period = time.Duration((sc.chunk*int64(time.Second) + b.Rate - 1) / b.Rate)
		sc.released += min(sc.chunk, b.Size)
		sc.arm(sc.period, sc.chunk)
	}
	sc.become(srvSending)
	sc.send()
}

// respond sets the response: a 200 announcing announced body bytes, of
// which body are sent. The head is released at once.
func (sc *serverConn) respond(announced, body int64) {
	sc.head = responseHead(200, "OK", announced)
	sc.total = int64(len(sc.head)) + body
	sc.released = int64(len(sc.head))
}

func (sc *serverConn) badRequest() {
	srv := sc.srv
	srv.stats.BadRequests++
	if srv.n.tracing() {
		srv.n.emit("srv.bad-request", F("at", srv.Addr().String()), Int("fd", int64(sc.fd)))
	}
	sc.head = responseHead(400, "Bad Request", 0)
	sc.total = int64(len(sc.head))
	sc.released = sc.total
	sc.become(srvSending)
	sc.send()
}

// arm schedules the next release of bytes, after d, unless everything is
// released already.
func (sc *serverConn) arm(d time.Duration, bytes int64) {
	if sc.released >= sc.total {
		return
	}
	if sc.timer == nil {
		n := sc.srv.n
		sc.timer = n.sched.NewTimer(func() { n.batch(sc.tick) })
	}
	sc.chunk = bytes
	sc.timer.Reset(satAdd(sc.srv.n.now(), d))
}

// tick releases the next chunk and schedules the one after.
func (sc *serverConn) tick() {
	if sc.state == srvClosed {
		return
	}
	sc.released = min(sc.total, sc.released+sc.chunk)
	if sc.period > 0 {
		sc.arm(sc.period, sc.chunk)
	}
	if sc.state == srvWaiting {
		sc.become(srvSending)
	}
	sc.send()
}

// send writes released bytes until the socket is full, then finishes the
// response or waits for the next release.
func (sc *serverConn) send() {
	h := sc.srv.h
	for sc.state == srvSending && sc.written < sc.released {
		m, err := h.Write(sc.fd, sc.fill())
		sc.written += int64(m)
		if err == EAGAIN {
			return
		}
		if err != nil {
			sc.close()
			return
		}
	}
	switch {
	case sc.state != srvSending:
	case sc.written == sc.total:
		sc.finish()
	default:
		sc.become(srvWaiting)
	}
}

// fill puts the next released response bytes into the network's scratch
// buffer; Write copies them before anything else can use it.
func (sc *serverConn) fill() []byte {
	buf := sc.srv.n.scratch
	k := int(min(int64(len(buf)), sc.released-sc.written))
	buf = buf[:k]
	i := 0
	if sc.written < int64(len(sc.head)) {
		i = copy(buf, sc.head[sc.written:])
	}
	body := sc.written + int64(i) - int64(len(sc.head))
	for ; i < k; i++ {
		buf[i] = BodyByte(body)
		body++
	}
	return buf
}

// finish ends a complete response: a close, or a reset for reset-after.
func (sc *serverConn) finish() {
	srv := sc.srv
	if sc.reset {
		srv.stats.Resets++
		srv.h.Abort(sc.fd)
	} else {
		srv.stats.Responses++
		srv.h.Close(sc.fd)
	}
	sc.stop()
}

func (sc *serverConn) close() {
	sc.srv.h.Close(sc.fd)
	sc.stop()
}

func (sc *serverConn) stop() {
	sc.become(srvClosed)
	if sc.timer != nil {
		sc.timer.Stop()
	}
}
