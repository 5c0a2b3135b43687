package netsim

// Host is a machine on the network: a table of file descriptors and the
// ports it listens on. Its methods are the socket calls, all non-blocking;
// expected outcomes come back as Errno values (EAGAIN, EINPROGRESS,
// ECONNREFUSED...), and a call on a descriptor that is not open returns
// EBADF. Every call ends by delivering the readiness notifications it
// caused. A call is traced when it returns, after the events it caused
// (a connect's first SYN, say).
type Host struct {
	n         *Network
	name      string
	fds       []*socket // indexed by FD; nil is free
	lowFree   int       // no free descriptor below this
	listeners map[int]*listener
	nextPort  int
}

// listenPolicy is how a port answers connection requests.
type listenPolicy uint8

const (
	policyAnswer listenPolicy = iota // complete the handshake, queue for accept
	policyDrop                       // ignore SYNs: a black hole
	policyRefuse                     // answer SYNs with a reset
)

// listener is a port's listening state.
type listener struct {
	s       *socket // the listening socket; nil for a port that only drops or refuses
	port    int
	backlog int
	policy  listenPolicy
	pending []*socket // SYN answered, waiting for the ACK
	acceptQ []*socket // established, waiting for accept
}

// Name returns the host's name.
func (h *Host) Name() string { return h.name }

// Network returns the network the host is on.
func (h *Host) Network() *Network { return h.n }

// alloc gives s the lowest free descriptor.
func (h *Host) alloc(s *socket) FD {
	for h.lowFree < len(h.fds) && h.fds[h.lowFree] != nil {
		h.lowFree++
	}
	fd := h.lowFree
	if fd == len(h.fds) {
		h.fds = append(h.fds, s)
	} else {
		h.fds[fd] = s
	}
	h.lowFree++
	s.fd = FD(fd)
	return s.fd
}

// release frees s's descriptor and cancels its subscriptions, as closing
// an fd removes it from every epoll set.
func (h *Host) release(s *socket) {
	h.fds[s.fd] = nil
	h.lowFree = min(h.lowFree, int(s.fd))
	s.appClosed = true
	for _, sub := range s.subs {
		sub.live = false
	}
	s.subs = nil
}

// get returns the socket behind fd, counting the call.
func (h *Host) get(fd FD) (*socket, error) {
	h.n.call()
	if fd < 0 || int(fd) >= len(h.fds) || h.fds[fd] == nil {
		return nil, EBADF
	}
	return h.fds[fd], nil
}

func (h *Host) ephemeralPort() int {
	p := h.nextPort
	h.nextPort++
	if h.nextPort > 65535 {
		h.nextPort = firstEphemeral
	}
	return p
}

// traceCall emits one socket call and its result.
func (h *Host) traceCall(kind string, fd FD, n int, err error, extra ...Field) {
	fields := []Field{F("host", h.name), Int("fd", int64(fd))}
	fields = append(fields, extra...)
	if err != nil {
		fields = append(fields, F("err", errName(err)))
	} else if n >= 0 {
		fields = append(fields, Int("n", int64(n)))
	}
	h.n.emit(kind, fields...)
}

// done ends a call: trace it, then deliver its notifications.
func (h *Host) done(kind string, fd FD, n int, err error, extra ...Field) {
	if h.n.tracing() {
		h.traceCall(kind, fd, n, err, extra...)
	}
	h.n.flush()
}

// Socket opens a TCP socket (non-blocking, like every socket here).
func (h *Host) Socket() (FD, error) {
	h.n.call()
	fd := h.alloc(&socket{h: h, kind: KindTCP, state: StateNew})
	h.done("net.socket", fd, -1, nil)
	return fd, nil
}

// Connect starts connecting fd to an address and returns EINPROGRESS: the
// descriptor turns writable when the connection is established, or
// readable, writable and in error (SockError: ECONNREFUSED, ETIMEDOUT) when
// it fails. A refusal takes a round trip; a black hole takes the SYN retry
// budget (127 s by default). Without a link to the host the call fails at
// once with ENETUNREACH.
func (h *Host) Connect(fd FD, to Addr) error {
	s, err := h.get(fd)
	if err == nil {
		err = h.connect(s, to)
	}
	var extra []Field
	if h.n.tracing() {
		extra = append(extra, F("to", to.String()))
		if s != nil && s.c != nil && s.state == StateSynSent {
			extra = append(extra, Int("conn", int64(s.c.id)))
		}
	}
	h.done("net.connect", fd, -1, err, extra...)
	return err
}

func (h *Host) connect(s *socket, to Addr) error {
	switch {
	case s.kind != KindTCP || s.state == StateListen:
		return EINVAL
	case s.state == StateSynSent:
		return EALREADY
	case s.state != StateNew:
		return EISCONN
	case to.Port <= 0 || to.Port > 65535:
		return EINVAL
	}
	dst := h.n.hosts[to.Host]
	var fwd, back *linkDir
	ok := dst != nil
	if ok {
		fwd, back, ok = h.n.route(h.name, to.Host)
	}
	if !ok {
		h.n.ctr.Connects[ConnectUnreachable]++
		return ENETUNREACH
	}
	s.local = Addr{h.name, h.ephemeralPort()}
	s.remote = to
	c := h.n.newConn(s, dst, to, fwd, back)
	s.become(StateSynSent)
	c.connect()
	return EINPROGRESS
}

// Listen opens a socket listening on port. Up to backlog+1 established
// connections wait for accept (DefaultBacklog if backlog <= 0); SYNs that
// arrive while the queue is full are dropped, and the clients retry. The
// descriptor is readable while a connection waits.
func (h *Host) Listen(port, backlog int) (FD, error) {
	h.n.call()
	if port <= 0 || port > 65535 {
		h.done("net.listen", -1, -1, EINVAL, Int("port", int64(port)))
		return -1, EINVAL
	}
	if h.listeners[port] != nil {
		h.done("net.listen", -1, -1, EADDRINUSE, Int("port", int64(port)))
		return -1, EADDRINUSE
	}
	if backlog <= 0 {
		backlog = DefaultBacklog
	}
	s := &socket{h: h, kind: KindTCP, local: Addr{h.name, port}}
	s.become(StateListen)
	s.lst = &listener{s: s, port: port, backlog: backlog}
	h.listeners[port] = s.lst
	fd := h.alloc(s)
	h.done("net.listen", fd, -1, nil, Int("port", int64(port)))
	return fd, nil
}

// Accept takes the oldest established connection waiting on a listening
// descriptor; EAGAIN when there is none.
func (h *Host) Accept(fd FD) (FD, Addr, error) {
	s, err := h.get(fd)
	var cs *socket
	if err == nil {
		cs, err = h.accept(s)
	}
	if err != nil {
		h.done("net.accept", fd, -1, err)
		return -1, Addr{}, err
	}
	h.done("net.accept", fd, -1, nil, Int("new", int64(cs.fd)), F("from", cs.remote.String()))
	return cs.fd, cs.remote, nil
}

func (h *Host) accept(s *socket) (*socket, error) {
	if s.kind != KindTCP || s.state != StateListen {
		return nil, EINVAL
	}
	l := s.lst
	if len(l.acceptQ) == 0 {
		return nil, EAGAIN
	}
	cs := l.acceptQ[0]
	l.acceptQ = append(l.acceptQ[:0], l.acceptQ[1:]...)
	cs.parent = nil
	h.alloc(cs)
	h.n.markDirty(s)
	return cs, nil
}

// Read reads up to len(p) bytes. It returns EAGAIN when nothing is
// buffered, 0 and no error at the end of the stream, and a pending error
// (ECONNRESET, ETIMEDOUT, ECONNREFUSED) once, after any buffered data. On
// a wake channel's read end it drains every pending token.
func (h *Host) Read(fd FD, p []byte) (int, error) {
	s, err := h.get(fd)
	m := 0
	if err == nil {
		switch s.kind {
		case KindTCP:
			m, err = s.recv(p)
		case KindWakeRead:
			m, err = s.wake.read(p)
		default:
			err = EINVAL
		}
	}
	h.done("net.read", fd, m, err)
	return m, err
}

// recv is Read on a TCP socket.
func (s *socket) recv(p []byte) (int, error) {
	switch s.state {
	case StateNew, StateListen:
		return 0, ENOTCONN
	case StateSynSent, StateSynReceived:
		return 0, EAGAIN
	}
	n := s.h.n
	rx := s.rx()
	if rx.accepted > rx.read && len(p) > 0 {
		m := rx.readInto(p)
		n.ctr.BytesRead += uint64(m)
		if rx.admit() {
			n.markDirty(s.c.ends[1-s.side])
			s.c.checkDone()
		}
		n.markDirty(s)
		return m, nil
	}
	if err := s.takeErr(); err != nil {
		n.markDirty(s)
		return 0, err
	}
	if rx.eof || s.state == StateClosed && s.wasConnected || len(p) == 0 {
		return 0, nil
	}
	if s.state == StateClosed {
		return 0, ENOTCONN
	}
	return 0, EAGAIN
}

// Write queues up to len(p) bytes and returns how many it took: fewer
// when the send buffer fills, EAGAIN when it is full. Writing after
// Shutdown or once the connection is over returns EPIPE, after any
// pending error. On a wake channel's write end a write never blocks: a
// full channel absorbs it (the reader is woken either way).
func (h *Host) Write(fd FD, p []byte) (int, error) {
	s, err := h.get(fd)
	m := 0
	if err == nil {
		switch s.kind {
		case KindTCP:
			m, err = s.send(p)
		case KindWakeWrite:
			m, err = s.wake.write(p)
		default:
			err = EINVAL
		}
	}
	h.done("net.write", fd, m, err)
	return m, err
}

// send is Write on a TCP socket.
func (s *socket) send(p []byte) (int, error) {
	switch s.state {
	case StateNew, StateListen:
		return 0, ENOTCONN
	case StateSynSent, StateSynReceived:
		return 0, EAGAIN
	case StateClosed:
		if err := s.takeErr(); err != nil {
			s.h.n.markDirty(s)
			return 0, err
		}
		return 0, EPIPE
	}
	if s.wrShut {
		return 0, EPIPE
	}
	space := s.sendSpace()
	if space <= 0 {
		return 0, EAGAIN
	}
	m := int(min(int64(len(p)), space))
	s.transmit(p[:m])
	s.h.n.ctr.BytesWritten += uint64(m)
	s.h.n.markDirty(s)
	return m, nil
}

// transmit cuts p into segments of at most MSS bytes and sends them.
func (s *socket) transmit(p []byte) {
	f, mss := s.tx(), s.h.n.cfg.MSS
	for len(p) > 0 {
		k := min(mss, len(p))
		f.write(p[:k])
		s.c.send(f, f.sent, k, 0)
		p = p[k:]
	}
}

// Shutdown ends the write side of a connection (shutdown(SHUT_WR)): a FIN
// follows the data already written, and the peer reads the end of the
// stream after it. Reading goes on.
func (h *Host) Shutdown(fd FD) error {
	s, err := h.get(fd)
	if err == nil {
		switch {
		case s.kind != KindTCP:
			err = EINVAL
		case s.state != StateEstablished:
			err = ENOTCONN
		default:
			s.shutdown()
		}
	}
	h.done("net.shutdown", fd, -1, err)
	return err
}

func (s *socket) shutdown() {
	if s.wrShut {
		return
	}
	s.wrShut = true
	f := s.tx()
	f.finSent = true
	s.c.send(f, f.sent, 0, segFIN)
	s.h.n.markDirty(s)
}

// Close closes a descriptor. A connection closes in order (its unsent
// data, then a FIN, still go out), except that closing with unread data
// resets it, as Linux does; data arriving after the close resets it too.
// Closing a connecting socket abandons the connect; closing a listening
// one resets the connections waiting for accept.
func (h *Host) Close(fd FD) error {
	s, err := h.get(fd)
	if err == nil {
		h.release(s)
		s.close()
	}
	h.done("net.close", fd, -1, err)
	return err
}

func (s *socket) close() {
	switch s.kind {
	case KindWakeRead, KindWakeWrite:
		s.wake.close(s)
		return
	case KindLookup:
		s.look.cancel()
		return
	}
	switch s.state {
	case StateListen:
		s.h.closeListener(s)
	case StateSynSent:
		s.c.connectDone(ConnectAborted)
		s.become(StateClosed)
	case StateEstablished:
		if rx := s.rx(); rx.landed > rx.read {
			s.c.abort(s.side)
		} else {
			s.shutdown()
		}
	}
}

func (h *Host) closeListener(s *socket) {
	l := s.lst
	delete(h.listeners, l.port)
	for _, q := range [][]*socket{l.pending, l.acceptQ} {
		for _, cs := range q {
			cs.appClosed = true
			cs.c.abort(1)
		}
	}
	l.pending, l.acceptQ = nil, nil
	s.become(StateClosed)
}

// Abort closes a connection with a reset (close with SO_LINGER 0): the
// peer reads what was already sent, then ECONNRESET. On anything but an
// established connection it is Close.
func (h *Host) Abort(fd FD) error {
	s, err := h.get(fd)
	if err == nil {
		h.release(s)
		if s.kind == KindTCP && s.state == StateEstablished {
			s.c.abort(s.side)
		} else {
			s.close()
		}
	}
	h.done("net.abort", fd, -1, err)
	return err
}

// SockError returns and clears the descriptor's pending error (getsockopt
// SO_ERROR): nil after a successful connect, ECONNREFUSED or ETIMEDOUT
// after a failed one.
func (h *Host) SockError(fd FD) error {
	s, err := h.get(fd)
	if err == nil {
		err = s.takeErr()
		h.n.markDirty(s)
	}
	h.done("net.sockerror", fd, -1, err)
	return err
}

// Readiness returns the descriptor's readiness now.
func (h *Host) Readiness(fd FD) (Ready, error) {
	if fd < 0 || int(fd) >= len(h.fds) || h.fds[fd] == nil {
		return 0, EBADF
	}
	return h.fds[fd].readiness(), nil
}

// Info describes a descriptor.
func (h *Host) Info(fd FD) (SocketInfo, error) {
	if fd < 0 || int(fd) >= len(h.fds) || h.fds[fd] == nil {
		return SocketInfo{}, EBADF
	}
	return h.fds[fd].info(), nil
}

// Subscribe calls fn whenever one of the conditions in mask (or PollErr,
// or PollHup) becomes true on fd; see Subscription. owner names the party
// woken, for the wake-up counters.
func (h *Host) Subscribe(fd FD, mask Ready, owner string, fn func(Ready)) (*Subscription, error) {
	if fn == nil {
		return nil, errorf("Subscribe(%s:%d): nil function", h.name, fd)
	}
	if fd < 0 || int(fd) >= len(h.fds) || h.fds[fd] == nil {
		return nil, EBADF
	}
	s := h.fds[fd]
	sub := &Subscription{s: s, mask: mask, fn: fn, owner: h.n.owner(owner), last: s.readiness(), live: true}
	s.subs = append(s.subs, sub)
	return sub, nil
}
