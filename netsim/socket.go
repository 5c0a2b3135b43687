package netsim

import (
	"fmt"
	"strconv"
)

// FD is a file descriptor number, per host. Like Linux, a host hands out
// the lowest free number, starting at 3.
type FD int

const (
	firstFD        = 3
	firstEphemeral = 49152 // the start of the ephemeral port range
)

// Addr is a host and a port.
type Addr struct {
	Host string
	Port int
}

// String writes "host:port".
func (a Addr) String() string { return a.Host + ":" + strconv.Itoa(a.Port) }

// SocketState is where a TCP socket is in its life. Transitions happen only
// in socket.become, which enforces socketMoves.
type SocketState uint8

// The states. Half-closed connections (one FIN sent or received) are still
// StateEstablished; the socket's readiness tells the halves apart.
const (
	StateNew         SocketState = iota // created, neither connecting nor listening
	StateListen                         // listening
	StateSynSent                        // connecting: SYN sent, no answer yet
	StateSynReceived                    // server side: SYN answered, waiting for the ACK
	StateEstablished                    // connected
	StateClosed                         // over: refused, timed out, reset, or both FINs done
	numSocketStates
)

var socketStateNames = [numSocketStates]string{"new", "listen", "syn-sent", "syn-received", "established", "closed"}

// String names the state.
func (s SocketState) String() string {
	if s < numSocketStates {
		return socketStateNames[s]
	}
	return fmt.Sprintf("SocketState(%d)", uint8(s))
}

// socketMoves[from] is the set of states reachable from from.
var socketMoves = [numSocketStates]uint8{
	StateNew:         1<<StateSynSent | 1<<StateListen,
	StateListen:      1 << StateClosed,
	StateSynSent:     1<<StateEstablished | 1<<StateClosed,
	StateSynReceived: 1<<StateEstablished | 1<<StateClosed,
	StateEstablished: 1 << StateClosed,
}

// SocketKind is what a descriptor refers to.
type SocketKind uint8

// The kinds.
const (
	KindTCP       SocketKind = iota // a TCP socket: connecting, listening or connected
	KindWakeRead                    // the read end of a wake channel
	KindWakeWrite                   // the write end of a wake channel
	KindLookup                      // an asynchronous name lookup
	numSocketKinds
)

var socketKindNames = [numSocketKinds]string{"tcp", "wake-read", "wake-write", "lookup"}

// String names the kind.
func (k SocketKind) String() string {
	if k < numSocketKinds {
		return socketKindNames[k]
	}
	return fmt.Sprintf("SocketKind(%d)", uint8(k))
}

// socket is what a descriptor refers to. A TCP socket outlives its
// descriptor while its connection still delivers data (an orphan, fd -1).
type socket struct {
	h     *Host
	fd    FD
	kind  SocketKind
	state SocketState

	c    *conn
	side uint8 // 0: the connecting end, 1: the accepting end

	local, remote Addr
	soErr         Errno // pending error (SO_ERROR)
	wasConnected  bool  // reached StateEstablished once
	wrShut        bool  // our FIN is queued: no more writes
	appClosed     bool  // the application closed the descriptor (an orphan if still connected)

	lst    *listener // a listening socket's
	parent *listener // a server-side connection's, until accepted

	wake *wakeChan
	look *lookup

	subs  []*Subscription
	dirty bool
}

func (s *socket) String() string { return s.h.name + ":" + strconv.Itoa(int(s.fd)) }

// become moves a TCP socket to state to; an illegal move is a bug in
// netsim.
func (s *socket) become(to SocketState) {
	if socketMoves[s.state]&(1<<to) == 0 {
		panic(fmt.Sprintf("netsim: socket %v: %v -> %v", s, s.state, to))
	}
	s.state = to
	if to == StateEstablished {
		s.wasConnected = true
	}
	s.h.n.markDirty(s)
}

// rx is the flow s receives on; tx the one it sends on.
func (s *socket) rx() *flow { return &s.c.flows[1-s.side] }
func (s *socket) tx() *flow { return &s.c.flows[s.side] }

// sendSpace is how many bytes a write could queue now.
func (s *socket) sendSpace() int64 {
	f := s.tx()
	return int64(s.h.n.cfg.SendBuf) - (f.sent - f.accepted)
}

// readiness computes the descriptor's readiness from its state.
func (s *socket) readiness() Ready {
	var r Ready
	switch s.kind {
	case KindWakeRead:
		r = s.wake.readReady()
	case KindWakeWrite:
		r = s.wake.writeReady()
	case KindLookup:
		if s.look.done {
			r = PollIn
		}
	default:
		r = s.tcpReadiness()
	}
	if s.soErr != 0 {
		r |= PollErr
	}
	return r
}

func (s *socket) tcpReadiness() Ready {
	switch s.state {
	case StateNew, StateClosed:
		// Linux reports a closed socket writable and hung up; once it
		// was connected (or failed to connect) reads do not block either.
		if s.state == StateNew {
			return PollOut | PollHup
		}
		return PollIn | PollOut | PollHup
	case StateListen:
		if len(s.lst.acceptQ) > 0 {
			return PollIn
		}
		return 0
	case StateEstablished:
		return s.establishedReadiness()
	}
	return 0 // connecting
}

func (s *socket) establishedReadiness() Ready {
	var r Ready
	rx := s.rx()
	if rx.accepted > rx.read || rx.eof {
		r |= PollIn
	}
	if !s.wrShut && s.sendSpace() > 0 {
		r |= PollOut
	}
	if rx.eof && s.wrShut {
		r |= PollHup
	}
	return r
}

// takeErr returns and clears the pending error.
func (s *socket) takeErr() error {
	e := s.soErr
	s.soErr = 0
	if e == 0 {
		return nil
	}
	return e
}

// fail ends a TCP socket's connection with a pending error, as a refused
// connect, a reset or a timeout does.
func (s *socket) fail(e Errno) {
	if s.state != StateClosed {
		s.become(StateClosed)
	}
	if !s.appClosed {
		s.soErr = e
	}
	if s.c != nil {
		rx := s.rx()
		rx.landed = rx.accepted // what was still outside the window is lost
	}
	s.h.n.markDirty(s)
}

// SocketInfo describes a descriptor, for tests and traces.
type SocketInfo struct {
	Kind          SocketKind
	State         SocketState // TCP sockets only
	Local, Remote Addr
	Unread        int64 // bytes Read would return now
	InFlight      int64 // bytes written and not yet in the peer's receive buffer
	Pending       Errno // the pending error, if any
}

func (s *socket) info() SocketInfo {
	in := SocketInfo{Kind: s.kind, State: s.state, Local: s.local, Remote: s.remote, Pending: s.soErr}
	switch {
	case s.kind == KindWakeRead:
		in.Unread = int64(s.wake.pending)
	case s.c != nil:
		rx, tx := s.rx(), s.tx()
		in.Unread = rx.accepted - rx.read
		in.InFlight = tx.sent - tx.accepted
	}
	return in
}
