package modeltest

import (
	"fmt"
	"time"

	"github.com/expirylab/expiry/model"
)

// Net is a scripted, deterministic model.Sockets and model.Resolver (with
// model.ResolveCanceler) for tests. It keeps no timers: everything it does
// is a function of the Clock's reading, and NextEvent tells a test's event
// loop when the next descriptor changes its readiness, so the test moves
// the clock there. Descriptors are the lowest free numbers from 3 up, as
// on Unix, so a closed socket's number comes back.
//
// Servers are keyed by address (Addr.String()); a connect to an address
// with no server fails at once with ENETUNREACH. A server's Response is a
// list of chunks at offsets from the moment the whole request has arrived
// (sending is instant here).
type Net struct {
	clock   *Clock
	Servers map[string]*Server
	Names   map[string]Lookup
	fds     map[int]*endpoint
	// Opened counts sockets and lookups opened, per owner.
	Opened map[int]int
}

// Server is one address's behaviour.
type Server struct {
	ConnectDelay time.Duration // until the connect ends (answer or refusal)
	Refuse       bool          // the connect ends with ECONNREFUSED
	BlackHole    bool          // the connect never ends ...
	GiveUp       time.Duration // ... unless it fails with ETIMEDOUT after GiveUp (0: never)
	Response     []Chunk       // after the request has arrived
	SendChunk    int           // bytes a Send takes at most (0: all)
	SendPause    time.Duration // after a partial Send, EAGAIN for this long
	SendErr      model.Errno   // every Send fails with this (EPIPE), if set
	ResetAfter   time.Duration // the connection is reset this long after it is up (0: never)
}

// Chunk is one thing the server does, at an offset from the request's
// arrival: send Data, close (EOF), or reset.
type Chunk struct {
	At    time.Duration
	Data  string
	EOF   bool
	Reset bool
}

// Lookup is one name's answer.
type Lookup struct {
	Addrs []model.Addr
	Delay time.Duration // how long the lookup takes
	Err   model.Errno   // EAI_NONAME, EAI_AGAIN or 0
}

// endpoint is an open descriptor: a socket or a lookup.
type endpoint struct {
	owner  int
	lookup bool
	name   string
	opened model.Micros
	// socket
	addr      string
	srv       *Server
	connAt    model.Micros // when the connect ends
	started   bool
	reqAt     model.Micros // when the request arrived; 0 before
	reqOK     bool
	sent      int
	pauseTill model.Micros
	readPos   int // bytes of the response read
	reqBuf    []byte
}

// NewNet makes an empty network on clock c.
func NewNet(c *Clock) *Net {
	return &Net{clock: c, Servers: map[string]*Server{}, Names: map[string]Lookup{},
		fds: map[int]*endpoint{}, Opened: map[int]int{}}
}

func (n *Net) now() model.Micros { return n.clock.Micros() }

func (n *Net) alloc(ep *endpoint) int {
	fd := 3
	for n.fds[fd] != nil {
		fd++
	}
	n.fds[fd] = ep
	n.Opened[ep.owner]++
	return fd
}

// Open implements model.Sockets.
func (n *Net) Open(owner int) (int, error) {
	return n.alloc(&endpoint{owner: owner, opened: n.now()}), nil
}

// Connect implements model.Sockets.
func (n *Net) Connect(fd int, addr model.Addr) error {
	ep := n.fds[fd]
	if ep == nil || ep.lookup {
		return model.EBADF
	}
	srv := n.Servers[addr.String()]
	if srv == nil {
		return model.ENETUNREACH
	}
	ep.addr, ep.srv, ep.started = addr.String(), srv, true
	ep.connAt = n.now() + model.Micros(srv.ConnectDelay.Microseconds())
	return model.EINPROGRESS
}

// connectState is how the connect stands: pending, connected, or failed
// with an errno.
func (n *Net) connectState(ep *endpoint) (done bool, err error) {
	s, now := ep.srv, n.now()
	switch {
	case s == nil:
		return false, nil
	case s.BlackHole:
		if s.GiveUp > 0 && now >= ep.connAt-model.Micros(s.ConnectDelay.Microseconds())+model.Micros(s.GiveUp.Microseconds()) {
			return true, model.ETIMEDOUT
		}
		return false, nil
	case now < ep.connAt:
		return false, nil
	case s.Refuse:
		return true, model.ECONNREFUSED
	}
	return true, nil
}

// SocketError implements model.Sockets.
func (n *Net) SocketError(fd int) error {
	ep := n.fds[fd]
	if ep == nil {
		return model.EBADF
	}
	if _, err := n.connectState(ep); err != nil {
		return err
	}
	if ep.started && n.resetSeen(ep) {
		return model.ECONNRESET
	}
	return nil
}

// Send implements model.Sockets.
func (n *Net) Send(fd int, p []byte) (int, error) {
	ep := n.fds[fd]
	if ep == nil {
		return 0, model.EBADF
	}
	if done, err := n.connectState(ep); !done || err != nil {
		return 0, model.ENOTCONN
	}
	if n.resetSeen(ep) {
		return 0, model.ECONNRESET
	}
	if ep.srv.SendErr != 0 {
		return 0, ep.srv.SendErr
	}
	if n.now() < ep.pauseTill {
		return 0, model.EAGAIN
	}
	k := len(p)
	if c := ep.srv.SendChunk; c > 0 && k > c {
		k = c
		ep.pauseTill = n.now() + model.Micros(ep.srv.SendPause.Microseconds())
	}
	ep.reqBuf = append(ep.reqBuf, p[:k]...)
	ep.sent += k
	if !ep.reqOK && hasBlankLine(ep.reqBuf) {
		ep.reqOK, ep.reqAt = true, n.now()
	}
	return k, nil
}

func hasBlankLine(b []byte) bool {
	for i := 0; i+3 < len(b); i++ {
		if b[i] == '\r' && b[i+1] == '\n' && b[i+2] == '\r' && b[i+3] == '\n' {
			return true
		}
	}
	return false
}

// arrived lists the response chunks that have happened by now.
func (n *Net) arrived(ep *endpoint) []Chunk {
	if !ep.reqOK || ep.srv == nil {
		return nil
	}
	var out []Chunk
	for _, c := range ep.srv.Response {
		if ep.reqAt+model.Micros(c.At.Microseconds()) <= n.now() {
			out = append(out, c)
		}
	}
	return out
}

func (n *Net) resetSeen(ep *endpoint) bool {
	if ra := ep.srv.ResetAfter; ra > 0 && n.now() >= ep.connAt+model.Micros(ra.Microseconds()) {
		return true
	}
	for _, c := range n.arrived(ep) {
		if c.Reset {
			return true
		}
	}
	return false
}

// pending is the unread data, whether the stream ended, and whether it was
// reset.
func (n *Net) pending(ep *endpoint) (data string, eof, reset bool) {
	all := ""
	for _, c := range n.arrived(ep) {
		all += c.Data
		eof = eof || c.EOF
	}
	return all[ep.readPos:], eof, n.resetSeen(ep)
}

// Recv implements model.Sockets.
func (n *Net) Recv(fd int, p []byte) (int, error) {
	ep := n.fds[fd]
	if ep == nil {
		return 0, model.EBADF
	}
	if done, err := n.connectState(ep); !done || err != nil {
		return 0, model.ENOTCONN
	}
	data, eof, reset := n.pending(ep)
	switch {
	case reset:
		return 0, model.ECONNRESET
	case data != "":
		k := copy(p, data)
		ep.readPos += k
		return k, nil
	case eof:
		return 0, nil
	}
	return 0, model.EAGAIN
}

// Ready implements model.Sockets (and answers for lookups too).
func (n *Net) Ready(fd int) model.Events {
	ep := n.fds[fd]
	if ep == nil {
		return model.EvErr
	}
	if ep.lookup {
		if n.lookupDone(ep) {
			return model.EvIn
		}
		return 0
	}
	done, err := n.connectState(ep)
	switch {
	case !ep.started || !done:
		return 0
	case err != nil:
		return model.EvOut | model.EvErr
	}
	var ev model.Events
	if n.now() >= ep.pauseTill {
		ev |= model.EvOut
	}
	data, eof, reset := n.pending(ep)
	if data != "" || eof || reset {
		ev |= model.EvIn
	}
	if reset {
		ev |= model.EvErr
	}
	return ev
}

// Close implements model.Sockets.
func (n *Net) Close(fd int) error {
	if n.fds[fd] == nil {
		return model.EBADF
	}
	delete(n.fds, fd)
	return nil
}

// StartResolve implements model.Resolver.
func (n *Net) StartResolve(owner int, name string) (int, error) {
	return n.alloc(&endpoint{owner: owner, lookup: true, name: name, opened: n.now()}), nil
}

func (n *Net) lookupDone(ep *endpoint) bool {
	return n.now() >= ep.opened+model.Micros(n.Names[ep.name].Delay.Microseconds())
}

// ResolveResult implements model.Resolver.
func (n *Net) ResolveResult(fd int) ([]model.Addr, error) {
	ep := n.fds[fd]
	if ep == nil || !ep.lookup {
		return nil, model.EBADF
	}
	if !n.lookupDone(ep) {
		return nil, model.EAGAIN
	}
	delete(n.fds, fd)
	return n.answer(ep.name)
}

func (n *Net) answer(name string) ([]model.Addr, error) {
	l, ok := n.Names[name]
	switch {
	case !ok:
		return nil, model.EAI_NONAME
	case l.Err != 0:
		return nil, l.Err
	}
	return l.Addrs, nil
}

// ResolveSync implements model.Resolver.
func (n *Net) ResolveSync(owner int, name string) ([]model.Addr, time.Duration, error) {
	n.Opened[owner]++
	addrs, err := n.answer(name)
	return addrs, n.Names[name].Delay, err
}

// CancelResolve implements model.ResolveCanceler: the join lasts until the
// lookup would have ended.
func (n *Net) CancelResolve(fd int) time.Duration {
	ep := n.fds[fd]
	if ep == nil {
		return 0
	}
	delete(n.fds, fd)
	end := ep.opened + model.Micros(n.Names[ep.name].Delay.Microseconds())
	if end <= n.now() {
		return 0
	}
	return time.Duration(end-n.now()) * time.Microsecond
}

// OpenFDs is the number of open descriptors.
func (n *Net) OpenFDs() int { return len(n.fds) }

// NextEvent is the earliest time after now at which an open descriptor's
// readiness may change, and whether there is one.
func (n *Net) NextEvent() (model.Micros, bool) {
	now := n.now()
	best, ok := model.Micros(0), false
	consider := func(t model.Micros) {
		if t > now && (!ok || t < best) {
			best, ok = t, true
		}
	}
	for _, ep := range n.fds {
		n.endpointEvents(ep, consider)
	}
	return best, ok
}

func (n *Net) endpointEvents(ep *endpoint, consider func(model.Micros)) {
	us := func(d time.Duration) model.Micros { return model.Micros(d.Microseconds()) }
	if ep.lookup {
		consider(ep.opened + us(n.Names[ep.name].Delay))
		return
	}
	if ep.srv == nil {
		return
	}
	if ep.srv.BlackHole {
		if ep.srv.GiveUp > 0 {
			consider(ep.connAt - us(ep.srv.ConnectDelay) + us(ep.srv.GiveUp))
		}
		return
	}
	consider(ep.connAt)
	consider(ep.pauseTill)
	if ra := ep.srv.ResetAfter; ra > 0 {
		consider(ep.connAt + us(ra))
	}
	if ep.reqOK {
		for _, c := range ep.srv.Response {
			consider(ep.reqAt + us(c.At))
		}
	}
}

// String lists the open descriptors, for failure messages.
func (n *Net) String() string {
	return fmt.Sprintf("net{%d open}", len(n.fds))
}
