package model

import "fmt"

// TransferState is where a Transfer is in curl's per-transfer state
// machine (lib/multihandle.h's CURLMstate). The order is curl's, and the
// model compares states with < as curl does ("before DO" is "connecting").
// curl's transient states with no work for plain HTTP are folded into
// their neighbours: SETUP (8.x) into INIT's step, PROTOCONNECT and
// PROTOCONNECTING into CONNECTING's exit, DOING and DID into DO's exit.
type TransferState uint8

// The states.
const (
	XferInit         TransferState = iota // added, not run yet
	XferPending                           // waiting for a connection slot (ConnLimit)
	XferConnect                           // getting a connection: limits, slot, name lookup
	XferResolving                         // waiting for the asynchronous resolver
	XferConnecting                        // TCP connect attempts (happy eyeballs)
	XferDo                                // sending the request
	XferPerforming                        // receiving the response
	XferRateLimiting                      // over MaxRecvSpeed: waiting for TOOFAST
	XferDone                              // the transfer is over: done-processing
	XferCompleted                         // done-processing ran; the message is being queued
	XferMsgSent                           // the DONE message is queued
	numTransferStates
)

var transferStateNames = [numTransferStates]string{
	"INIT", "PENDING", "CONNECT", "RESOLVING", "CONNECTING", "DO", "PERFORMING",
	"RATELIMITING", "DONE", "COMPLETED", "MSGSENT",
}

// String is curl's name without the MSTATE_ prefix.
func (s TransferState) String() string { return enumName(transferStateNames[:], uint8(s)) }

// ParseTransferState accepts a name as String prints it.
func ParseTransferState(name string) (TransferState, error) {
	for i, n := range transferStateNames {
		if n == name {
			return TransferState(i), nil
		}
	}
	return 0, fmt.Errorf("model: unknown transfer state %q", name)
}

// Terminal reports whether the transfer is over (COMPLETED or MSGSENT).
func (s TransferState) Terminal() bool { return s >= XferCompleted }

// bit is the state's bit in a set of states.
func (s TransferState) bit() uint16 { return 1 << s }

// anyActive is every state a transfer can end from: a failure, a removal
// or a dead multi moves it straight to COMPLETED, as curl's
// statemachine_end and remove_handle do.
const anyActive = 1<<XferInit | 1<<XferPending | 1<<XferConnect | 1<<XferResolving |
	1<<XferConnecting | 1<<XferDo | 1<<XferPerforming | 1<<XferRateLimiting | 1<<XferDone

// transferMoves[from] is the set of states from may move to. DONE is
// reached from PERFORMING when the response is complete and, once a
// connection exists, from any state when the xferinfo callback aborts at
// the end of a loop iteration.
var transferMoves = [numTransferStates]uint16{
	XferInit:         1 << XferConnect,
	XferPending:      1 << XferConnect,
	XferConnect:      1<<XferPending | 1<<XferResolving | 1<<XferConnecting,
	XferResolving:    1<<XferConnecting | 1<<XferDone,
	XferConnecting:   1<<XferDo | 1<<XferDone,
	XferDo:           1<<XferPerforming | 1<<XferDone,
	XferPerforming:   1<<XferRateLimiting | 1<<XferDone,
	XferRateLimiting: 1<<XferPerforming | 1<<XferDone,
	XferDone:         0,
	XferCompleted:    1 << XferMsgSent,
	XferMsgSent:      0,
}

// legalMove reports whether from -> to is a transition of the machine.
func legalMove(from, to TransferState) bool {
	if from >= numTransferStates || to >= numTransferStates {
		return false
	}
	if to == XferCompleted {
		return anyActive&from.bit() != 0
	}
	return transferMoves[from]&to.bit() != 0
}

// to is the one place a Transfer changes state: it checks the move, traces
// it and tells the OnState hook. An impossible move is a bug in the model.
func (t *Transfer) to(s TransferState) {
	from := t.state
	if !legalMove(from, s) {
		panic(fmt.Sprintf("model: transfer state %v -> %v", from, s))
	}
	t.state = s
	if t.e != nil {
		t.e.Trace(EvState).Text("from", from.String()).Text("to", s.String()).Emit()
	}
	if t.hook != nil {
		t.hook(t, from, s)
	}
}
