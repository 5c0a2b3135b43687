package model

import (
	"fmt"
	"strings"
)

// Result is a transfer's outcome with curl's CURLcode number. Expected
// outcomes (timed out, aborted, stopped) are Results, not Go errors.
type Result int

// The results the model and the next issues use, with curl's numbers.
const (
	OK                  Result = 0
	UnsupportedProtocol Result = 1
	FailedInit          Result = 2
	URLMalformat        Result = 3
	CouldntResolveProxy Result = 5
	CouldntResolveHost  Result = 6
	CouldntConnect      Result = 7
	PartialFile         Result = 18
	WriteError          Result = 23
	ReadError           Result = 26
	OutOfMemory         Result = 27
	OperationTimedout   Result = 28
	SSLConnectError     Result = 35
	AbortedByCallback   Result = 42
	BadFunctionArgument Result = 43
	TooManyRedirects    Result = 47
	GotNothing          Result = 52
	SendError           Result = 55
	RecvError           Result = 56
	Again               Result = 81
	// Stopped is the result of the stoppable-transfer proposal (SPEC §6),
	// which curl never merged. 1000 lies far outside the CURLcode range
	// (0 to 101 in curl 8.21, CURLE_LAST below 200) so it cannot collide
	// with a code curl adds later.
	Stopped Result = 1000
)

var resultNames = map[Result]string{
	OK: "OK", UnsupportedProtocol: "UNSUPPORTED_PROTOCOL", FailedInit: "FAILED_INIT",
	URLMalformat: "URL_MALFORMAT", CouldntResolveProxy: "COULDNT_RESOLVE_PROXY",
	CouldntResolveHost: "COULDNT_RESOLVE_HOST", CouldntConnect: "COULDNT_CONNECT",
	PartialFile: "PARTIAL_FILE", WriteError: "WRITE_ERROR", ReadError: "READ_ERROR",
	OutOfMemory: "OUT_OF_MEMORY", OperationTimedout: "OPERATION_TIMEDOUT",
	SSLConnectError: "SSL_CONNECT_ERROR", AbortedByCallback: "ABORTED_BY_CALLBACK",
	BadFunctionArgument: "BAD_FUNCTION_ARGUMENT", TooManyRedirects: "TOO_MANY_REDIRECTS",
	GotNothing: "GOT_NOTHING", SendError: "SEND_ERROR", RecvError: "RECV_ERROR",
	Again: "AGAIN", Stopped: "STOPPED",
}

// String is curl's name without the CURLE_ prefix, or RESULT(n).
func (r Result) String() string {
	if s, ok := resultNames[r]; ok {
		return s
	}
	return fmt.Sprintf("RESULT(%d)", int(r))
}

// ParseResult accepts a name as String prints it (case-insensitive, with or
// without CURLE_) or a number.
func ParseResult(s string) (Result, error) {
	u := strings.TrimPrefix(strings.ToUpper(s), "CURLE_")
	for r, name := range resultNames {
		if name == u {
			return r, nil
		}
	}
	var n int
	if _, err := fmt.Sscanf(s, "%d", &n); err == nil && fmt.Sprint(n) == s {
		return Result(n), nil
	}
	return 0, fmt.Errorf("model: unknown result %q", s)
}

// MCode is a multi-interface return code with curl's CURLMcode number.
type MCode int

// The CURLMcode values.
const (
	MCallMultiPerform    MCode = -1
	MOK                  MCode = 0
	MBadHandle           MCode = 1
	MBadEasyHandle       MCode = 2
	MOutOfMemory         MCode = 3
	MInternalError       MCode = 4
	MBadSocket           MCode = 5
	MUnknownOption       MCode = 6
	MAddedAlready        MCode = 7
	MRecursiveAPICall    MCode = 8
	MWakeupFailure       MCode = 9
	MBadFunctionArgument MCode = 10
	MAbortedByCallback   MCode = 11
	MUnrecoverablePoll   MCode = 12
)

var mcodeNames = [...]string{
	"CALL_MULTI_PERFORM", "OK", "BAD_HANDLE", "BAD_EASY_HANDLE", "OUT_OF_MEMORY",
	"INTERNAL_ERROR", "BAD_SOCKET", "UNKNOWN_OPTION", "ADDED_ALREADY",
	"RECURSIVE_API_CALL", "WAKEUP_FAILURE", "BAD_FUNCTION_ARGUMENT",
	"ABORTED_BY_CALLBACK", "UNRECOVERABLE_POLL",
}

// String is curl's name without the CURLM_ prefix, or MCODE(n).
func (c MCode) String() string {
	if i := int(c) + 1; i >= 0 && i < len(mcodeNames) {
		return mcodeNames[i]
	}
	return fmt.Sprintf("MCODE(%d)", int(c))
}

// PollAction is what the socket callback is told to watch on a socket, with
// curl's CURL_POLL_* numbers. A transfer's own wish is In, Out or InOut;
// None in a wish means "not this socket".
type PollAction uint8

// The CURL_POLL_* values.
const (
	PollNone   PollAction = 0
	PollIn     PollAction = 1
	PollOut    PollAction = 2
	PollInOut  PollAction = 3
	PollRemove PollAction = 4
)

var pollNames = [...]string{"NONE", "IN", "OUT", "INOUT", "REMOVE"}

// String is curl's name without the CURL_POLL_ prefix.
func (p PollAction) String() string {
	if int(p) < len(pollNames) {
		return pollNames[p]
	}
	return fmt.Sprintf("POLL(%d)", uint8(p))
}

// ParsePollAction accepts in, out, inout, none or remove, any case.
func ParsePollAction(s string) (PollAction, error) {
	u := strings.ToUpper(s)
	for i, n := range pollNames {
		if n == u {
			return PollAction(i), nil
		}
	}
	return 0, fmt.Errorf("model: unknown poll action %q (want in, out, inout, none or remove)", s)
}

// Events is the event bitmask an application passes to SocketAction, with
// curl's CURL_CSELECT_* bits. The model records it; readiness itself is the
// caller's business.
type Events uint8

// The CURL_CSELECT_* bits.
const (
	EvIn  Events = 1
	EvOut Events = 2
	EvErr Events = 4
)

// String lists the set bits as in|out|err, or 0.
func (e Events) String() string {
	if e == 0 {
		return "0"
	}
	var parts []string
	for _, b := range []struct {
		bit  Events
		name string
	}{{EvIn, "in"}, {EvOut, "out"}, {EvErr, "err"}} {
		if e&b.bit != 0 {
			parts = append(parts, b.name)
		}
	}
	if rest := e &^ (EvIn | EvOut | EvErr); rest != 0 {
		parts = append(parts, fmt.Sprintf("0x%x", uint8(rest)))
	}
	return strings.Join(parts, "|")
}

// SocketTimeout is CURL_SOCKET_TIMEOUT: SocketAction(SocketTimeout, 0) runs
// what is due because the application's timer fired.
const SocketTimeout = -1
