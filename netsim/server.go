package netsim

import (
	"fmt"
	"time"
)

// BehaviorKind is what a server does with a connection.
type BehaviorKind uint8

// The behaviours. Every server that answers sends one HTTP/1.1 response
// (status line, Content-Length, Connection: close, then a body of
// BodyByte bytes) and closes.
const (
	// ServeStalled accepts, reads the request and never answers.
	ServeStalled BehaviorKind = iota
	// ServeTrickle sends the headers at once, then Bytes body bytes every
	// Period until Size bytes of body are out.
	ServeTrickle
	// ServeQuick sends the whole response (Size body bytes) at once.
	ServeQuick
	// ServeSlowHeaders waits Delay after the request, then sends the
	// whole response (Size body bytes, possibly none).
	ServeSlowHeaders
	// ServeBlackhole never answers connection requests: connects time
	// out.
	ServeBlackhole
	// ServeRefused answers connection requests with a reset: connects are
	// refused.
	ServeRefused
	// ServeResetAfter sends the headers, announcing a body of Bytes+1,
	// and Bytes body bytes, then resets the connection.
	ServeResetAfter
	// ServeRate sends the headers at once and Size body bytes at Rate
	// bytes per second, in chunks of a hundredth of a second's worth.
	ServeRate
	numBehaviorKinds
)

var behaviorForms = [numBehaviorKinds]form{
	ServeStalled:     {"stalled", nil},
	ServeTrickle:     {"trickle", []param{{key: "period", dur: true, pos: true}, {key: "bytes", pos: true}, {key: "total"}}},
	ServeQuick:       {"quick", []param{{key: "size"}}},
	ServeSlowHeaders: {"slow-headers", []param{{key: "delay", dur: true}, {key: "size", opt: true}}},
	ServeBlackhole:   {"blackhole", nil},
	ServeRefused:     {"refused", nil},
	ServeResetAfter:  {"reset-after", []param{{key: "bytes"}}},
	ServeRate:        {"rate", []param{{key: "rate", pos: true}, {key: "size"}}},
}

// String names the kind as its text form does.
func (k BehaviorKind) String() string {
	if k < numBehaviorKinds {
		return behaviorForms[k].name
	}
	return fmt.Sprintf("BehaviorKind(%d)", uint8(k))
}

// Behavior is a server's declarative behaviour. Its text form, String,
// reads back with ParseBehavior:
//
//	stalled  trickle(1s,10,1000)  quick(5000)  slow-headers(5s)
//	slow-headers(5s,100)  blackhole  refused  reset-after(1000)
//	rate(1000,50000)
type Behavior struct {
	Kind   BehaviorKind
	Period time.Duration // trickle: time between body chunks
	Delay  time.Duration // slow-headers: time before the response
	Bytes  int64         // trickle: bytes per chunk; reset-after: body bytes before the reset
	Size   int64         // body size: trickle's total, quick, slow-headers, rate
	Rate   int64         // rate: body bytes per second
}

// slots returns pointers to the behaviour's parameters in its form's
// order.
func (b *Behavior) slots() []*int64 {
	switch b.Kind {
	case ServeTrickle:
		return []*int64{(*int64)(&b.Period), &b.Bytes, &b.Size}
	case ServeQuick:
		return []*int64{&b.Size}
	case ServeSlowHeaders:
		return []*int64{(*int64)(&b.Delay), &b.Size}
	case ServeResetAfter:
		return []*int64{&b.Bytes}
	case ServeRate:
		return []*int64{&b.Rate, &b.Size}
	}
	return nil
}

func (b Behavior) values() []int64 {
	var vals []int64
	for _, p := range b.slots() {
		vals = append(vals, *p)
	}
	return vals
}

// String returns the canonical text form.
func (b Behavior) String() string {
	if b.Kind >= numBehaviorKinds {
		return b.Kind.String()
	}
	return formatForm(behaviorForms[b.Kind], b.values())
}

// Validate reports a kind or parameter out of range.
func (b Behavior) Validate() error {
	if b.Kind >= numBehaviorKinds {
		return errorf("unknown %v", b.Kind)
	}
	return checkValues("server", behaviorForms[b.Kind], b.values())
}

// ParseBehavior reads a behaviour's text form. Errors name the column.
func ParseBehavior(s string) (Behavior, error) {
	k, vals, err := parseForm("server", s, behaviorForms[:])
	if err != nil {
		return Behavior{}, err
	}
	b := Behavior{Kind: BehaviorKind(k)}
	for i, p := range b.slots() {
		*p = vals[i]
	}
	return b, nil
}

// ServerStats counts what a server did.
type ServerStats struct {
	Accepted, Requests, BadRequests, Responses, Resets uint64
}

// Server is a behaviour listening on a host's port. It uses the same
// sockets as everything else: a listening descriptor, accepted
// descriptors, readiness subscriptions and timers.
type Server struct {
	n     *Network
	h     *Host
	port  int
	b     Behavior
	lfd   FD // -1 for behaviours that never accept
	owner string
	stats ServerStats
}

// Serve starts a server with behaviour b on host:port.
func (n *Network) Serve(host string, port int, b Behavior) (*Server, error) {
	h := n.hosts[host]
	if h == nil {
		return nil, errorf("serve %v: unknown host %q", b, host)
	}
	if err := b.Validate(); err != nil {
		return nil, err
	}
	if port <= 0 || port > 65535 || h.listeners[port] != nil {
		return nil, errorf("serve %v: port %s:%d is bad or taken", b, host, port)
	}
	srv := &Server{n: n, h: h, port: port, b: b, lfd: -1, owner: "srv/" + Addr{host, port}.String()}
	switch b.Kind {
	case ServeBlackhole:
		h.listeners[port] = &listener{port: port, policy: policyDrop}
	case ServeRefused:
		h.listeners[port] = &listener{port: port, policy: policyRefuse}
	default:
		if err := srv.listen(); err != nil {
			return nil, err
		}
	}
	if n.tracing() {
		n.emit("srv.start", F("at", Addr{host, port}.String()), F("behavior", b.String()))
	}
	return srv, nil
}

func (srv *Server) listen() error {
	fd, err := srv.h.Listen(srv.port, 0)
	if err != nil {
		return errorf("serve %v on %s:%d: %v", srv.b, srv.h.name, srv.port, err)
	}
	srv.lfd = fd
	_, err = srv.h.Subscribe(fd, PollIn, srv.owner, func(Ready) { srv.acceptAll() })
	return err
}

// Addr returns the address the server listens on.
func (srv *Server) Addr() Addr { return Addr{srv.h.name, srv.port} }

// Behavior returns the server's behaviour.
func (srv *Server) Behavior() Behavior { return srv.b }

// Stats returns the server's counts.
func (srv *Server) Stats() ServerStats { return srv.stats }

// Close stops listening. Connections already accepted go on.
func (srv *Server) Close() {
	if srv.lfd >= 0 {
		srv.h.Close(srv.lfd)
		srv.lfd = -1
		return
	}
	delete(srv.h.listeners, srv.port)
}

// acceptAll accepts every waiting connection.
func (srv *Server) acceptAll() {
	for srv.lfd >= 0 {
		fd, _, err := srv.h.Accept(srv.lfd)
		if err != nil {
			return
		}
		srv.stats.Accepted++
		sc := &serverConn{srv: srv, fd: fd}
		sc.sub, _ = srv.h.Subscribe(fd, PollIn|PollOut, srv.owner, sc.onReady)
		sc.step()
	}
}
