package model

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Script is a transfer kind whose behaviour is a list of timer and socket
// operations at given offsets from the transfer's first run, plus the
// operations of its done-processing. It exercises the timer machinery
// without a protocol: a user can state "arm TIMEOUT for 5 s, finish with
// OPERATION_TIMEDOUT at 5 s" and watch what the multi and the application
// make of it.
//
// Each time the multi runs the transfer, the steps whose offset has been
// reached run in order; a step runs once; a finish step ends the run.
// Nothing wakes a script by itself: a step at +5s runs at the first run at
// or after that, so a script that wants to act at +5s arms a timer for it
// (as curl's own code must). With Limits set, the first run arms TIMEOUT
// and CONNECTTIMEOUT like curl's SETUP, and every run first checks the time
// left (Limits.TimeLeft) and finishes with OPERATION_TIMEDOUT when it is
// negative, like curl's multi_handle_timeout.
//
// A Script keeps its progress: give every Easy its own (Clone).
//
// The text form, one step per line or separated by ';', '#' starting a
// comment:
//
//	timeout 5000          # Limits.TimeoutMs
//	connecttimeout 1000   # Limits.ConnectTimeoutMs
//	0s expire TIMEOUT 5000
//	0s socket 7 out       # want fd 7 writable (in, out, inout, none)
//	10ms connected        # the connect phase is over
//	250us busy 100us      # claim processing time
//	1s clear SPEEDCHECK
//	1s runnow             # RUN_NOW timer or dirty flag, per profile
//	5s finish OPERATION_TIMEDOUT
//	ondone expire SPEEDCHECK 1000   # done-processing step
type Script struct {
	Limits Limits
	Steps  []Step // timed steps, in order of offset
	OnDone []Step // done-processing steps

	started   bool
	start     Micros
	next      int
	connected bool
}

// Op is a script operation.
type Op uint8

// The operations.
const (
	OpExpire    Op = iota // Expire(Timer, Ms)
	OpClear               // ExpireClear(Timer)
	OpRunNow              // RunNow()
	OpSocket              // Want(FD, What)
	OpBusy                // Busy(Busy)
	OpConnected           // the connect phase ends (time left counts the total limit only)
	OpFinish              // Finish(Result)
	numOps
)

var opNames = [numOps]string{"expire", "clear", "runnow", "socket", "busy", "connected", "finish"}

// String is the name used in profiles, traces and scripts.
func (o Op) String() string { return enumName(opNames[:], uint8(o)) }

// Step is one scripted operation. At is the offset from the first run
// (ignored for done-processing steps); the other fields are the op's
// arguments.
type Step struct {
	Line   int // source line in ParseScript's text; 0 when built in code
	At     time.Duration
	Op     Op
	Timer  TimerID
	Ms     int64
	FD     int
	What   PollAction
	Busy   time.Duration
	Result Result
}

// String is the step's text form without the offset.
func (s Step) String() string {
	switch s.Op {
	case OpExpire:
		return fmt.Sprintf("expire %v %d", s.Timer, s.Ms)
	case OpClear:
		return fmt.Sprintf("clear %v", s.Timer)
	case OpSocket:
		return fmt.Sprintf("socket %d %s", s.FD, strings.ToLower(s.What.String()))
	case OpBusy:
		return fmt.Sprintf("busy %v", s.Busy)
	case OpFinish:
		return fmt.Sprintf("finish %v", s.Result)
	}
	return s.Op.String()
}

// String is the script's text form; ParseScript reads it back.
func (s *Script) String() string {
	var b strings.Builder
	if s.Limits.TimeoutMs != 0 {
		fmt.Fprintf(&b, "timeout %d\n", s.Limits.TimeoutMs)
	}
	if s.Limits.ConnectTimeoutMs != 0 {
		fmt.Fprintf(&b, "connecttimeout %d\n", s.Limits.ConnectTimeoutMs)
	}
	for _, st := range s.Steps {
		fmt.Fprintf(&b, "%v %v\n", st.At, st)
	}
	for _, st := range s.OnDone {
		fmt.Fprintf(&b, "ondone %v\n", st)
	}
	return b.String()
}

// Clone is a fresh copy with no progress, for another Easy.
func (s *Script) Clone() *Script {
	return &Script{Limits: s.Limits, Steps: append([]Step(nil), s.Steps...), OnDone: append([]Step(nil), s.OnDone...)}
}

// Reset forgets the progress, so the script starts over when its transfer
// is added again; it implements Resetter.
func (s *Script) Reset() { s.started, s.start, s.next, s.connected = false, 0, 0, false }

// Run runs the steps that are due; it implements Behavior.
func (s *Script) Run(e *Easy) {
	if !s.started {
		s.begin(e)
	}
	if s.timedOut(e) {
		e.Finish(OperationTimedout)
		return
	}
	for s.next < len(s.Steps) && s.start+Micros(s.Steps[s.next].At.Microseconds()) <= e.Now() {
		st := s.Steps[s.next]
		s.next++
		s.exec(e, st)
		if st.Op == OpFinish {
			return
		}
	}
}

// Done runs the done-processing steps; it implements Behavior.
func (s *Script) Done(e *Easy, premature bool) {
	for _, st := range s.OnDone {
		if st.Op != OpFinish {
			s.exec(e, st)
		}
	}
}

// begin is the first run: the start of the operation and of the connect,
// and the limits armed as curl's SETUP state does.
func (s *Script) begin(e *Easy) {
	s.started, s.start = true, e.Now()
	if s.Limits.TimeoutMs > 0 {
		_ = e.Expire(TimerTimeout, s.Limits.TimeoutMs)
	}
	if s.Limits.ConnectTimeoutMs > 0 {
		_ = e.Expire(TimerConnectTimeout, s.Limits.ConnectTimeoutMs)
	}
}

func (s *Script) timedOut(e *Easy) bool {
	if s.Limits == (Limits{}) {
		return false
	}
	return s.Limits.TimeLeft(e.Now(), s.start, s.start, !s.connected) < 0
}

// exec performs one step. A timer the multi's profile lacks makes Expire
// and ExpireClear fail, and the step is then skipped: check scripts with
// Validate before adding them.
func (s *Script) exec(e *Easy, st Step) {
	switch st.Op {
	case OpExpire:
		_ = e.Expire(st.Timer, st.Ms)
	case OpClear:
		_ = e.ExpireClear(st.Timer)
	case OpRunNow:
		e.RunNow()
	case OpSocket:
		e.Want(st.FD, st.What)
	case OpBusy:
		e.Busy(st.Busy)
	case OpConnected:
		s.connected = true
	case OpFinish:
		e.Finish(st.Result)
	}
}

// Validate reports a timer a profile does not have.
func (s *Script) Validate(p Profile) error {
	for _, list := range [][]Step{s.Steps, s.OnDone} {
		for _, st := range list {
			if (st.Op == OpExpire || st.Op == OpClear) && !p.Timers.Has(st.Timer) {
				return fmt.Errorf("model: script line %d: timer %v does not exist in profile %s", st.Line, st.Timer, p.Name)
			}
		}
	}
	return nil
}

// ParseScript reads the text form (see Script). Errors name the line,
// counting from 1.
func ParseScript(text string) (*Script, error) {
	s := &Script{}
	for i, line := range strings.Split(text, "\n") {
		if c := strings.IndexByte(line, '#'); c >= 0 {
			line = line[:c]
		}
		for _, part := range strings.Split(line, ";") {
			if err := s.parseStep(strings.Fields(part), i+1); err != nil {
				return nil, fmt.Errorf("model: script line %d: %w", i+1, err)
			}
		}
	}
	return s, nil
}

func (s *Script) parseStep(f []string, line int) error {
	if len(f) == 0 {
		return nil
	}
	switch f[0] {
	case "timeout", "connecttimeout":
		return s.parseLimit(f)
	case "ondone":
		st, err := parseOp(f[1:])
		if err == nil && st.Op == OpFinish {
			err = fmt.Errorf("finish cannot be a done-processing step")
		}
		st.Line = line
		s.OnDone = append(s.OnDone, st)
		return err
	}
	at, err := time.ParseDuration(strings.TrimPrefix(f[0], "+"))
	if err != nil || at < 0 {
		return fmt.Errorf("bad offset %q: want a duration like 0s, 1.5ms, 250us, or timeout, connecttimeout, ondone", f[0])
	}
	if n := len(s.Steps); n > 0 && at < s.Steps[n-1].At {
		return fmt.Errorf("offset %v comes after a step at %v (line %d): steps go in time order", at, s.Steps[n-1].At, s.Steps[n-1].Line)
	}
	st, err := parseOp(f[1:])
	st.At, st.Line = at, line
	s.Steps = append(s.Steps, st)
	return err
}

func (s *Script) parseLimit(f []string) error {
	if len(f) != 2 {
		return fmt.Errorf("%s takes one value in ms", f[0])
	}
	ms, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil || ms < 0 {
		return fmt.Errorf("%s: bad ms %q", f[0], f[1])
	}
	if f[0] == "timeout" {
		s.Limits.TimeoutMs = ms
	} else {
		s.Limits.ConnectTimeoutMs = ms
	}
	return nil
}

// opArgs is how many arguments each op takes.
var opArgs = [numOps]int{OpExpire: 2, OpClear: 1, OpRunNow: 0, OpSocket: 2, OpBusy: 1, OpConnected: 0, OpFinish: 1}

func parseOp(f []string) (Step, error) {
	if len(f) == 0 {
		return Step{}, fmt.Errorf("missing operation")
	}
	op := Op(0)
	for op < numOps && opNames[op] != f[0] {
		op++
	}
	if op == numOps {
		return Step{}, fmt.Errorf("unknown operation %q (want %s)", f[0], strings.Join(opNames[:], ", "))
	}
	if len(f)-1 != opArgs[op] {
		return Step{}, fmt.Errorf("%s takes %d argument(s), got %d", op, opArgs[op], len(f)-1)
	}
	st := Step{Op: op}
	return st, bare(st.parseArgs(f[1:]))
}

// bare drops the package prefix of an error that gets wrapped in a
// script-line error, which carries the prefix itself.
func bare(err error) error {
	if err == nil {
		return nil
	}
	return errors.New(strings.TrimPrefix(err.Error(), "model: "))
}

func (st *Step) parseArgs(a []string) error {
	var err error
	switch st.Op {
	case OpExpire:
		if st.Timer, err = ParseTimerID(a[0]); err == nil {
			st.Ms, err = strconv.ParseInt(a[1], 10, 64)
			if err == nil && st.Ms < 0 {
				err = fmt.Errorf("negative ms %d", st.Ms)
			}
		}
	case OpClear:
		st.Timer, err = ParseTimerID(a[0])
	case OpSocket:
		if st.FD, err = strconv.Atoi(a[0]); err == nil {
			st.What, err = ParsePollAction(a[1])
			if err == nil && st.What == PollRemove {
				err = fmt.Errorf("a transfer wants in, out, inout or none, not remove")
			}
		}
	case OpBusy:
		st.Busy, err = time.ParseDuration(a[0])
		if err == nil && st.Busy < 0 {
			err = fmt.Errorf("negative busy %v", st.Busy)
		}
	case OpFinish:
		st.Result, err = ParseResult(a[0])
	}
	return err
}
