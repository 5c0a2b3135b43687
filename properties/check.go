package properties

import (
	"fmt"
	"slices"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
)

// Check judges one trace against the properties in props (Determinism,
// which needs two traces, is CheckDeterminism's) and returns the
// violations in trace order. The trace is in virtual-time order, as
// scenario.Run returns it or sim.ReadText parses it; only the model's
// records (and the kernel's livelock record) are read, thread by thread:
// each application thread drives its own multi.
func Check(trace []sim.Record, sub Subject, props Set) []Violation {
	c := newChecker(trace, sub, props)
	for i := range trace {
		c.record(i)
	}
	c.finish()
	return c.out
}

// checker is one pass over a trace.
type checker struct {
	trace  []sim.Record
	sub    Subject
	props  Set
	phase  int64 // EpochPhase in µs
	multis map[sim.ThreadID]*multi
	order  []sim.ThreadID
	owner  map[int64]sim.ThreadID // transfer -> the thread that added it
	out    []Violation
}

func newChecker(trace []sim.Record, sub Subject, props Set) *checker {
	if sub.Until == 0 && len(trace) > 0 {
		sub.Until = trace[len(trace)-1].At
	}
	return &checker{trace: trace, sub: sub, props: props, phase: sub.EpochPhase.Microseconds(),
		multis: map[sim.ThreadID]*multi{}, owner: map[int64]sim.ThreadID{}}
}

// modelKinds are the kinds of the model's events (model.EventKind).
var modelKinds = map[string]bool{
	"call": true, "return": true, "expire": true, "clear": true, "clearall": true, "index": true,
	"pop": true, "run": true, "dirty": true, "finish": true, "done": true, "msg": true,
	"timer-cb": true, "socket-cb": true, "dead": true, "revive": true, "stale": true,
	"wakeup": true, "busy": true, "state": true, "net": true, "xfer": true,
	"xferinfo-cb": true, "write-cb": true,
}

// isModel reports whether r is a model event. The kernel's own "busy"
// records (dur=, no transfer) share a kind with the model's (us=).
func isModel(r sim.Record) bool {
	if !modelKinds[r.Kind] || r.Thread == sim.NoThread {
		return false
	}
	if r.Kind == "busy" {
		_, ok := r.Get("us")
		return ok
	}
	return true
}

// multiOf is the multi a record concerns: its thread's, except that an
// event about a transfer belongs to the multi the transfer was added to,
// whichever thread emitted it (a wakeup or, later, a stop from another
// thread). API calls and returns stay with the calling thread.
func (c *checker) multiOf(r sim.Record) *multi {
	if t, ok := c.owner[r.Transfer]; ok && r.Transfer != 0 && r.Kind != "call" && r.Kind != "return" {
		return c.multi(t)
	}
	if r.Kind == "call" && text(r, "fn") == "add" {
		c.owner[r.Transfer] = r.Thread
	}
	return c.multi(r.Thread)
}

func (c *checker) multi(t sim.ThreadID) *multi {
	m := c.multis[t]
	if m == nil {
		m = newMulti(t, c.sub.Spec.Compare == model.Milli)
		c.multis[t] = m
		c.order = append(c.order, t)
	}
	return m
}

// record dispatches trace line i.
func (c *checker) record(i int) {
	r := c.trace[i]
	if r.Kind == sim.KindViolation && text(r, "kind") == "livelock" {
		c.flag(NoBusyLoop, i, r.Thread, 0, "the engine stopped a livelock: %s", text(r, "detail"))
		return
	}
	if r.Kind == "busy" && r.Thread != sim.NoThread && !isModel(r) {
		if m := c.multis[r.Thread]; m != nil {
			c.onKernelBusy(m, r)
		}
		return
	}
	if !isModel(r) {
		return
	}
	if (r.Kind == "call" || r.Kind == "return") && text(r, "fn") == "easy_stop" {
		// The stop proposal's call is not a multi API call: a stopper
		// thread makes it, or a callback inside the multi's own call.
		return
	}
	m := c.multiOf(r)
	m.lastLine = i
	if h := handlers[r.Kind]; h != nil {
		h(c, m, i, r)
	} else if r.Kind == "msg" && c.sub.Opaque {
		c.onFinish(m, i, r) // no finish record: the DONE message is the end
	}
	if r.Transfer != 0 {
		m.touch(m.get(r.Transfer))
	}
}

// handlers are the model events the checkers follow.
var handlers = map[string]func(c *checker, m *multi, i int, r sim.Record){
	"call":     (*checker).onCall,
	"return":   (*checker).onReturn,
	"expire":   (*checker).onExpire,
	"clear":    (*checker).onClear,
	"clearall": (*checker).onClearAll,
	"index":    (*checker).onIndex,
	"pop":      (*checker).onPop,
	"run":      (*checker).onRun,
	"dirty":    (*checker).onDirty,
	"finish":   (*checker).onFinish,
	"timer-cb": (*checker).onTimerCB,
	"dead":     func(_ *checker, m *multi, _ int, _ sim.Record) { m.dead = true },
	"revive":   func(_ *checker, m *multi, _ int, _ sim.Record) { m.dead = false },
	"stale":    (*checker).onStale,
	"busy":     (*checker).onBusy,
	"state":    (*checker).onState,
	"xfer":     (*checker).onXfer,
}

// flag records a violation of p shown by line i (and the extra lines).
func (c *checker) flag(p Property, i int, t sim.ThreadID, x int64, format string, args ...any) {
	c.flagLines(p, []int{i}, t, x, format, args...)
}

func (c *checker) flagLines(p Property, lines []int, t sim.ThreadID, x int64, format string, args ...any) {
	if !c.props.Has(p) {
		return
	}
	lines = slices.DeleteFunc(slices.Clone(lines), func(l int) bool { return l < 0 })
	slices.Sort(lines)
	at := sim.Time(0)
	if n := len(lines); n > 0 {
		at = c.trace[lines[n-1]].At
	}
	c.out = append(c.out, Violation{Property: p, At: at, Thread: t, Transfer: x,
		What: fmt.Sprintf(format, args...), Lines: slices.Compact(lines)})
}

// once reports a lasting condition the first time it holds, and again
// only after it cleared: a stall would otherwise repeat at every return.
func (c *checker) once(m *multi, key string, holds bool, report func()) {
	if !holds {
		delete(m.open, key)
		return
	}
	if !m.open[key] {
		m.open[key] = true
		report()
	}
}

func (c *checker) onCall(m *multi, i int, r sim.Record) {
	call := &apiCall{fn: text(r, "fn"), line: i, x: r.Transfer}
	call.reqMs, _ = field(r, "ms")
	m.call = call
	m.calls++
	switch call.fn {
	case "add":
		m.attach(r.Transfer, r.At, i)
		m.forgotA = true
	case "socket_action":
		if text(r, "fd") == "timeout" {
			m.forgotT = true
			if c.sub.EventDriven {
				m.app.set = false // its timer fired: that is why it calls
			}
		}
	}
}

func (c *checker) onReturn(m *multi, i int, r sim.Record) {
	fn, code := text(r, "fn"), text(r, "code")
	now := r.At.Micros()
	switch {
	case c.sub.Opaque && (fn == "timeout" || fn == "poll" || fn == "wait"):
		// compared with the index, which an opaque trace does not show
	case fn == "timeout":
		ms, _ := field(r, "ms")
		c.checkTold(m, i, now, ms, "multi_timeout returned")
		c.checkZero(m, i, now, ms)
	case fn == "poll" || fn == "wait":
		c.onWaitReturn(m, i, r)
	case fn == "info_read":
	case fn == "add":
		if x := m.get(r.Transfer); code != "OK" {
			x.attached, x.alive = false, false
			m.touch(x)
		}
		c.settled(m, i, now)
	case fn == "remove":
		c.onRemoved(m, i, r.Transfer)
		c.settled(m, i, now)
	default:
		c.settled(m, i, now)
	}
	m.call = nil
}

// settled runs the checks that hold whenever a call that updates the
// timer returns to the application.
func (c *checker) settled(m *multi, i int, now int64) {
	if c.sub.Opaque {
		return
	}
	c.checkOwed(m, i)
	c.checkIndex(m, i)
	if c.sub.EventDriven && !m.dead {
		c.checkAppTimer(m, i, now)
		c.checkCovered(m, i, now)
	}
}

func (c *checker) onRun(m *multi, i int, r sim.Record) {
	x := m.get(r.Transfer)
	x.dirty = false
	if !x.ran {
		x.ran, x.firstRun = true, r.At
	}
	x.lastRun, x.ranCall = r.At, m.calls
	c.serve(m, x, r.At.Micros())
}

func (c *checker) onDirty(m *multi, i int, r sim.Record) {
	if x := m.get(r.Transfer); x.alive {
		x.dirty = true
	}
}

func (c *checker) onBusy(m *multi, i int, r sim.Record) {
	us, _ := field(r, "us")
	m.claim(r.At, time.Duration(us)*time.Microsecond)
}

// onKernelBusy counts a stretch the kernel keeps the thread busy (a
// held share lock, SPEC §6) as processing, unless it is the model's own
// claim at the same instant.
func (c *checker) onKernelBusy(m *multi, r sim.Record) {
	d, err := time.ParseDuration(text(r, "dur"))
	if err != nil || d <= 0 {
		return
	}
	if n := len(m.busy); n > 0 && m.busy[n-1].at == r.At && m.busy[n-1].d == d {
		return
	}
	m.claim(r.At, d)
}

func (c *checker) onState(m *multi, i int, r sim.Record) {
	x := m.get(r.Transfer)
	x.state = text(r, "to")
	switch x.state {
	case "PENDING":
		x.pending = true
	case "CONNECT":
		x.connectAt = r.At
	case "DO":
		x.connected, x.connectedAt = true, r.At
	}
}

// finish runs the end-of-trace checks.
func (c *checker) finish() {
	c.checkStops()
	for _, t := range c.order {
		m := c.multis[t]
		m.each(func(x *xfer) { c.checkUnfinished(m, x) })
	}
	slices.SortStableFunc(c.out, func(a, b Violation) int {
		return lastLine(a) - lastLine(b)
	})
}

func lastLine(v Violation) int {
	if len(v.Lines) == 0 {
		return 1 << 62
	}
	return v.Lines[len(v.Lines)-1]
}

// timeoutCauses are the decisions a transfer's trace gives for ending with
// OPERATION_TIMEDOUT.
var timeoutCauses = map[string]bool{
	"timeout": true, "connect-timeout": true, "resolve-timeout": true, "pending-timeout": true,
	"too-slow": true, "alarm-too-short": true, "connect-failed": true,
}

func (c *checker) onXfer(m *multi, i int, r sim.Record) {
	if what := text(r, "what"); timeoutCauses[what] {
		x := m.get(r.Transfer)
		x.cause = what
		if what == "connect-failed" && text(r, "errno") != "ETIMEDOUT" {
			x.cause = ""
		}
	}
}
