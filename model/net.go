package model

import (
	"fmt"
	"time"
)

// Errno is the outcome of a socket or resolver call as a transfer sees it:
// an expected result to test (would block, refused, reset), not misuse.
// The names are Linux's (and getaddrinfo's for the EAI_ ones), so a reader
// of libcurl's source recognises them. A Sockets or Resolver
// implementation returns these values (or nil); any other error is treated
// as a hard failure of the call.
type Errno uint8

// The errno values a transfer distinguishes.
const (
	EAGAIN       Errno = iota + 1 // would block: no data yet, no buffer space
	EINPROGRESS                   // a non-blocking connect has started
	ECONNREFUSED                  // the peer refused the connection
	ECONNRESET                    // the peer reset the connection
	ETIMEDOUT                     // the connect gave up (SYN retries spent)
	EPIPE                         // writing after the connection closed
	ENOTCONN                      // not connected (yet)
	ENETUNREACH                   // no route to the address
	EBADF                         // no such descriptor
	EAI_NONAME                    // the name does not resolve
	EAI_AGAIN                     // the resolver gave no answer
	numErrnos
)

var errnoNames = [numErrnos]string{"", "EAGAIN", "EINPROGRESS", "ECONNREFUSED", "ECONNRESET",
	"ETIMEDOUT", "EPIPE", "ENOTCONN", "ENETUNREACH", "EBADF", "EAI_NONAME", "EAI_AGAIN"}

// String returns the symbolic name ("ECONNREFUSED").
func (e Errno) String() string { return enumName(errnoNames[:], uint8(e)) }

// Error makes an Errno an error; the text is the symbolic name.
func (e Errno) Error() string { return e.String() }

// ParseErrno returns the Errno with the given symbolic name.
func ParseErrno(name string) (Errno, error) {
	for i, n := range errnoNames {
		if n == name && i > 0 {
			return Errno(i), nil
		}
	}
	return 0, fmt.Errorf("model: unknown errno %q", name)
}

// Family is an address family; happy eyeballs races them.
type Family uint8

// The families.
const (
	IPv4 Family = iota
	IPv6
	numFamilies
)

var familyNames = [numFamilies]string{"ipv4", "ipv6"}

// String returns "ipv4" or "ipv6".
func (f Family) String() string { return enumName(familyNames[:], uint8(f)) }

// Addr is one resolved address of a host: which host of the simulated
// network answers, its family, and the port.
type Addr struct {
	Host   string
	Family Family
	Port   int
}

// String returns "host:port/family".
func (a Addr) String() string { return fmt.Sprintf("%s:%d/%s", a.Host, a.Port, a.Family) }

// Sockets is the non-blocking socket API a transfer uses. Every call
// returns at once; readiness is not part of it: a transfer tells the multi
// what it waits for (Easy.Want), the application polls, and the transfer
// runs again. Descriptors are small non-negative integers unique among
// open sockets of the process. netsim implements it (through an adapter in
// sim/scenario); tests implement it with a script.
type Sockets interface {
	// Open creates a socket for owner (the transfer's id, for counters).
	Open(owner int) (fd int, err error)
	// Connect starts connecting fd to addr: nil if connected at once,
	// EINPROGRESS if pending (fd becomes writable when it ends), or the
	// failure (ECONNREFUSED, ENETUNREACH).
	Connect(fd int, addr Addr) error
	// SocketError is getsockopt(SO_ERROR) after fd turned writable: nil if
	// the connect succeeded, else why it failed (ECONNREFUSED, ETIMEDOUT).
	SocketError(fd int) error
	// Send writes up to len(p) bytes: EAGAIN when the buffer is full, EPIPE
	// or ECONNRESET when the connection is gone.
	Send(fd int, p []byte) (int, error)
	// Recv reads up to len(p) bytes: (0, nil) at the end of the stream,
	// EAGAIN when nothing is buffered, ECONNRESET after a reset.
	Recv(fd int, p []byte) (int, error)
	// Ready reports what fd is ready for at this instant, as poll(2) with a
	// zero timeout would: EvIn (data, the end of the stream or a reset to
	// read), EvOut (buffer space, or a connect that has ended, well or
	// not), EvErr (an error is pending: a failed connect, a reset). curl
	// probes a connecting socket this way (SOCKET_WRITABLE with a zero
	// timeout) whenever the transfer runs, whatever woke it, and checks
	// for more data to read the same way.
	Ready(fd int) Events
	// Close releases fd.
	Close(fd int) error
}

// Resolver turns host names into addresses, the two ways libcurl can.
type Resolver interface {
	// StartResolve begins an asynchronous lookup (curl's threaded
	// resolver) and returns a descriptor that turns readable when the
	// answer is in.
	StartResolve(owner int, name string) (fd int, err error)
	// ResolveResult collects the answer of the lookup behind fd and closes
	// fd: EAGAIN while it is still running, EAI_NONAME or EAI_AGAIN when
	// it failed. The transfer gives every address the URL's port, so a
	// resolver may leave Port zero.
	ResolveResult(fd int) ([]Addr, error)
	// ResolveSync looks name up on the calling thread (curl's synchronous
	// resolver) and reports how long that blocks the thread; the transfer
	// claims that time with Easy.Busy. err is EAI_NONAME or EAI_AGAIN on
	// failure (the time is still spent).
	ResolveSync(owner int, name string) (addrs []Addr, blocked time.Duration, err error)
}

// ResolveCacher is an optional interface of a Resolver: names in curl's
// DNS cache (as CURLOPT_RESOLVE puts them there) are answered by
// Curl_resolv at once, without a lookup, a resolver thread or the
// ASYNC_NAME timer.
type ResolveCacher interface {
	Cached(name string) ([]Addr, bool)
}

// ResolveCanceler is an optional interface of a Resolver. A transfer that
// ends while its asynchronous lookup still runs calls CancelResolve, as
// curl's Curl_resolver_kill joins the resolver thread: it closes fd and
// reports how long the join blocks the calling thread (until the lookup
// returns), which the transfer claims with Easy.Busy. Without it the
// transfer abandons fd and claims no time.
type ResolveCanceler interface {
	CancelResolve(fd int) time.Duration
}
