package netsim

import "fmt"

// Errno is the errno-like result of a socket or resolver call: an expected
// outcome the caller tests (would block, refused, reset, timed out), not a
// sign of misuse. Values are comparable with == and errors.Is, print their
// symbolic name with String (as trace lines do) and the C library's
// message with Error.
type Errno uint8

// The results netsim's calls return. The names are Linux's, so a reader of
// libcurl's source recognises them; EAI_NONAME and EAI_AGAIN are
// getaddrinfo's.
const (
	EAGAIN       Errno = iota + 1 // would block: no data, no buffer space, no connection to accept
	EINPROGRESS                   // a non-blocking connect has started
	EALREADY                      // a connect is already in progress on the socket
	EISCONN                       // the socket is already connected
	ENOTCONN                      // the socket is not connected
	ECONNREFUSED                  // the peer answered the connect with a reset
	ECONNRESET                    // the peer reset the connection
	ETIMEDOUT                     // connect or retransmission gave up
	EPIPE                         // writing after the connection or the write side closed
	EBADF                         // no such file descriptor
	EINVAL                        // the call does not apply to this descriptor
	EADDRINUSE                    // the port is taken
	ENETUNREACH                   // no link to the destination host
	EAI_NONAME                    // the name does not resolve
	EAI_AGAIN                     // the resolver gave no answer
	numErrnos
)

var errnoNames = [numErrnos]string{"", "EAGAIN", "EINPROGRESS", "EALREADY", "EISCONN", "ENOTCONN",
	"ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EBADF", "EINVAL", "EADDRINUSE",
	"ENETUNREACH", "EAI_NONAME", "EAI_AGAIN"}

var errnoText = [numErrnos]string{"", "resource temporarily unavailable", "operation now in progress",
	"operation already in progress", "transport endpoint is already connected",
	"transport endpoint is not connected", "connection refused", "connection reset by peer",
	"connection timed out", "broken pipe", "bad file descriptor", "invalid argument",
	"address already in use", "network is unreachable", "name or service not known",
	"temporary failure in name resolution"}

// String returns the symbolic name ("ECONNREFUSED").
func (e Errno) String() string {
	if e > 0 && e < numErrnos {
		return errnoNames[e]
	}
	return fmt.Sprintf("Errno(%d)", uint8(e))
}

// Error returns the C library's message ("connection refused").
func (e Errno) Error() string {
	if e > 0 && e < numErrnos {
		return errnoText[e]
	}
	return e.String()
}

// errName is the trace form of a call's error: the symbolic name of an
// Errno, "ok" for nil.
func errName(err error) string {
	if err == nil {
		return "ok"
	}
	if e, ok := err.(Errno); ok {
		return e.String()
	}
	return err.Error()
}
