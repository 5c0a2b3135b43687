package properties

import (
	"slices"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
)

// The stop properties (SPEC §8, 8 and 9) read a second, separate pass over
// the trace: the stopper's `stop.request` record (mechanism=, on the
// stopper's thread, or the performing thread for a stop from a callback),
// what the model made of it (`return fn=easy_stop code=`, `stop
// what=request|latch|override|repeat|ignored|dropped|noticed`), the
// transfer's performs (`call fn=add`), runs, progress callbacks and end
// (its DONE message, `msg result=`, the result `info_read` delivered, or
// `call fn=remove`), and the stretches the performing thread cannot look
// at the wakeup pair: the kernel's `busy dur=` (a long callback, a
// synchronous lookup, a held share lock) and the model's claimed `busy
// us=`, and the stopper's `lock.wait` for the share mutex until its
// `lock` grant.
//
// P8's bounds, stated per mechanism and variant. t0 is the request, or
// the stopper's lock grant when it waited for the share mutex (the
// performing thread held the lock: a stretch no stop can cut). look is
// when the performing thread can next look: t0, pushed past every busy
// stretch of that thread in progress at look (chained, up to one wake-up
// apart). W is Subject.StopWake (1 ms under the default host model).
//
//   - easy-stop, in-multi=wake-poll, a driver whose loop polls the
//     multi's wakeup pair (easy, multi-poll): the transfer ends by look+W.
//   - easy-stop with in-multi=no-wake, or a socket driver (which does not
//     watch the pair): the transfer ends at its next run after the
//     request; with a poll driver that run comes by look + poll cap + 5 ms.
//   - easy-stop latched (idle=latch): the next perform ends at its first
//     run.
//   - xferinfo: the transfer ends at its first progress callback after the
//     request (the callback sees the flag); with a poll driver that
//     callback comes by look + poll cap + 5 ms (the inter-arrival time
//     when data flows is shorter than the cap).
//   - wakeup (multi-poll only): the handle is removed by look+W.
//   - timeout: the bound is TIMEOUT_MS itself, which P5 holds every timed
//     transfer to (its limit from the first run, plus the application's
//     lateness, the processing the thread claims and the profile's
//     allowances); P8 adds nothing of its own.
//
// Requests rejected by the model (any code but STOP_OK), repeats, stops
// that override a queued result, and requests made after the transfer
// ended or before it was added (except latched ones) have no latency of
// their own. A bound that ends after the trace (Subject.Until) is not
// judged.
//
// P9's rules, per transfer and perform (a perform is one `call fn=add`):
//   - one outcome: at most one DONE message per perform;
//   - STOPPED only for an accepted easy-stop (STOP_OK with what=request
//     or override for this perform, or what=latch, or an untraced latch
//     the perform's top check noticed with latched=true, for the previous
//     one): a not-stoppable or no-lock-function handle, a rejected stop,
//     another mechanism or an earlier perform's stop never gives STOPPED;
//   - ABORTED_BY_CALLBACK (42) only after an xferinfo request;
//   - an accepted easy-stop request gives STOPPED, unless completion came
//     first (`stop what=dropped`), another mechanism ended it first (42
//     after an xferinfo request, or a removal), or the application removed
//     the handle;
//   - never lost: a run that ends idle (Until = sim.MaxTime) leaves no
//     effective request (accepted easy-stop, xferinfo, wakeup) without
//     an end of its perform;
//   - a handle the Subject says is not stoppable (or has no lock
//     function) never gets STOP_OK.

// stopReq is one stop.request of the trace.
type stopReq struct {
	line    int
	line0   int // the first line at the request's whole microsecond: where the model's records of it may start
	at      sim.Time
	thread  sim.ThreadID
	x       int64
	mech    string
	perform int // the perform running (or last run) when requested; -1 before the first add
	what    string
	whatAt  int // line of the stop record, -1 if none
	code    string
	grant   sim.Time // the stopper's share-mutex grant after a lock.wait (0: none)
	target  int      // the perform the request is for (-1: none)
	accept  bool     // an accepted easy-stop request
}

// perform is one attachment of a transfer.
type perform struct {
	add       int // line of call fn=add
	msgs      []int
	endLine   int // first msg or removal, -1 while running
	removed   bool
	msgResult string
	readRes   string
	dropped   bool
	latchSeen bool // the top check noticed a latched request
	runs      []int
	xcbs      []int
}

func (p *perform) end(trace []sim.Record) (sim.Time, bool) {
	if p.endLine < 0 {
		return 0, false
	}
	return trace[p.endLine].At, true
}

func (p *perform) result() string {
	if p.readRes != "" {
		return p.readRes
	}
	return p.msgResult
}

// stretch is a span the thread cannot look at its wakeup pair.
type stretch struct{ from, to sim.Time }

// stopPass holds what the stop properties read.
type stopPass struct {
	c      *checker
	owner  map[int64]sim.ThreadID
	xs     map[int64][]*perform
	busy   map[sim.ThreadID][]stretch
	reqs   []*stopReq
	xOrder []int64
}

var (
	resultStopped = model.Stopped.String()
	resultAborted = model.AbortedByCallback.String()
)

// checkStops runs P8 and P9 over the whole trace.
func (c *checker) checkStops() {
	if !c.props.Has(StopLatency) && !c.props.Has(StopOutcome) {
		return
	}
	sp := &stopPass{c: c, owner: map[int64]sim.ThreadID{}, xs: map[int64][]*perform{}, busy: map[sim.ThreadID][]stretch{}}
	sp.read()
	if len(sp.reqs) == 0 && !sp.anyStopped() {
		return
	}
	for _, r := range sp.reqs {
		sp.decide(r)
	}
	if c.props.Has(StopOutcome) {
		sp.outcomes()
	}
	if c.props.Has(StopLatency) {
		for _, r := range sp.reqs {
			sp.latency(r)
		}
	}
}

func (sp *stopPass) cur(x int64) *perform {
	ps := sp.xs[x]
	if len(ps) == 0 {
		return nil
	}
	return ps[len(ps)-1]
}

// read indexes the trace.
func (sp *stopPass) read() {
	for i, r := range sp.c.trace {
		switch r.Kind {
		case "busy":
			if us, ok := field(r, "us"); ok && r.Transfer != 0 {
				sp.addBusy(r.Thread, r.At, time.Duration(us)*time.Microsecond)
			} else if d, err := time.ParseDuration(text(r, "dur")); err == nil && r.Thread != sim.NoThread {
				sp.addBusy(r.Thread, r.At, d)
			}
			continue
		case "stop.request":
			p := len(sp.xs[r.Transfer]) - 1
			// The model stamps its records in whole microseconds and the
			// trace is in time order, so what the model did for a stop
			// taken at a fraction of a microsecond (or the end it caused)
			// can come just before the stop.request record.
			from := r.At - r.At%sim.Time(time.Microsecond)
			line0, _ := slices.BinarySearchFunc(sp.c.trace[:i], from, func(q sim.Record, t sim.Time) int { return cmpTime(q.At, t) })
			sp.reqs = append(sp.reqs, &stopReq{line: i, line0: line0, at: r.At, thread: r.Thread, x: r.Transfer,
				mech: text(r, "mechanism"), perform: p, whatAt: -1, target: -1})
			continue
		}
		if r.Transfer == 0 {
			continue
		}
		x := r.Transfer
		switch {
		case r.Kind == "call" && text(r, "fn") == "add":
			sp.owner[x] = r.Thread
			if _, ok := sp.xs[x]; !ok {
				sp.xOrder = append(sp.xOrder, x)
			}
			sp.xs[x] = append(sp.xs[x], &perform{add: i, endLine: -1})
			continue
		}
		p := sp.cur(x)
		if p == nil {
			continue
		}
		switch r.Kind {
		case "run":
			p.runs = append(p.runs, i)
		case "xferinfo-cb":
			p.xcbs = append(p.xcbs, i)
		case "msg":
			p.msgs = append(p.msgs, i)
			if p.endLine < 0 {
				p.endLine, p.msgResult = i, text(r, "result")
			}
		case "return":
			if text(r, "fn") == "info_read" && p.readRes == "" {
				p.readRes = text(r, "result")
			}
		case "call":
			if text(r, "fn") == "remove" && p.endLine < 0 {
				p.endLine, p.removed = i, true
			}
		case "stop":
			switch text(r, "what") {
			case "dropped":
				p.dropped = true
			case "noticed":
				if text(r, "latched") == "true" {
					p.latchSeen = true
				}
			}
		}
	}
}

func (sp *stopPass) addBusy(t sim.ThreadID, at sim.Time, d time.Duration) {
	if d > 0 {
		sp.busy[t] = append(sp.busy[t], stretch{at, at.Add(d)})
	}
}

func (sp *stopPass) anyStopped() bool {
	for _, ps := range sp.xs {
		for _, p := range ps {
			if p.result() == resultStopped {
				return true
			}
		}
	}
	return false
}

// decide follows an easy-stop request on its thread: the stop record the
// model wrote, the code it returned, and the share-mutex grant the stopper
// waited for.
func (sp *stopPass) decide(r *stopReq) {
	tr := sp.c.trace
	waited := false
	for i := r.line0; i < len(tr); i++ {
		q := tr[i]
		if q.Thread != r.thread || i == r.line {
			continue
		}
		if (q.Kind == "stop.request" || q.Kind == "thread.exit") && i > r.line {
			break
		}
		switch {
		case q.Kind == "lock.wait":
			waited = true
		case q.Kind == "lock" && waited && r.grant == 0:
			if _, ok := q.Get("mutex"); ok {
				r.grant = q.At
			}
		case q.Kind == "stop" && q.Transfer == r.x && r.whatAt < 0:
			r.what, r.whatAt = text(q, "what"), i
		case q.Kind == "return" && q.Transfer == r.x && text(q, "fn") == "easy_stop":
			r.code = text(q, "code")
			i = len(tr)
		}
		if r.mech != "easy-stop" && q.Kind != "lock.wait" && q.Kind != "lock" {
			// Only easy-stop calls into the model.
			break
		}
	}
	if r.mech != "easy-stop" || r.code != model.StopOK.String() {
		return
	}
	switch r.what {
	case "request", "override":
		r.accept, r.target = true, r.perform
	case "latch":
		r.accept, r.target = true, r.perform+1
	}
}

// setup is the Subject's stop for a request, if it has one.
func (sp *stopPass) setup(r *stopReq) (StopSetup, bool) {
	for _, s := range sp.c.sub.Stops {
		if int64(s.Transfer) == r.x && s.Mechanism == r.mech {
			return s, true
		}
	}
	return StopSetup{}, false
}

// outcomes checks P9.
func (sp *stopPass) outcomes() {
	c := sp.c
	for _, r := range sp.reqs {
		if s, ok := sp.setup(r); ok && r.mech == "easy-stop" && s.Handle != "" && s.Handle != "stoppable" && r.code == model.StopOK.String() {
			c.flagLines(StopOutcome, []int{r.line, r.whatAt}, r.thread, r.x,
				"a stop of a %s handle was accepted (STOP_OK): it must change nothing", s.Handle)
		}
	}
	for _, x := range sp.xOrder {
		owner := sp.owner[x]
		for pi, p := range sp.xs[x] {
			if len(p.msgs) > 1 {
				c.flagLines(StopOutcome, p.msgs, owner, x, "perform %d of the transfer has %d DONE messages: one outcome expected", pi+1, len(p.msgs))
			}
			res := p.result()
			endLine := p.endLine
			if res == resultStopped && !sp.justified(x, pi, p) {
				c.flagLines(StopOutcome, []int{p.add, endLine}, owner, x,
					"the transfer ended STOPPED without an easy-stop accepted for this perform (not stoppable, rejected, another mechanism, or a stop for another perform)")
			}
			if res == resultAborted && !sp.hasReq(x, "xferinfo", endLine) {
				c.flagLines(StopOutcome, []int{p.add, endLine}, owner, x, "the transfer ended ABORTED_BY_CALLBACK without an xferinfo stop")
			}
			for _, r := range sp.reqs {
				if r.x != x || !r.accept || r.target != pi || p.endLine < 0 || p.endLine < r.line0 {
					continue
				}
				if res != resultStopped && !p.dropped && !p.removed && !(res == resultAborted && sp.hasReq(x, "xferinfo", endLine)) {
					c.flagLines(StopOutcome, []int{r.line, r.whatAt, endLine}, r.thread, x,
						"the easy-stop was accepted (%s %s) for the running transfer but it ended %s, with no sign completion came first: the stop was lost", r.code, r.what, res)
				}
			}
		}
	}
	if c.sub.Until != sim.MaxTime {
		return
	}
	for _, r := range sp.reqs {
		if !sp.effective(r) {
			continue
		}
		p := sp.target(r)
		if p == nil {
			continue // latched for a perform that never came
		}
		if p.endLine < 0 {
			c.flagLines(StopOutcome, []int{r.line, r.whatAt}, r.thread, r.x,
				"the %s stop was lost: the run ended with nothing left to do and the transfer never ended (no DONE message, no removal)", r.mech)
		}
	}
}

// effective reports whether r should end its transfer.
func (sp *stopPass) effective(r *stopReq) bool {
	switch r.mech {
	case "easy-stop":
		return r.accept && r.what != "override"
	case "xferinfo", "wakeup":
		p := sp.target(r)
		return p != nil && (p.endLine < 0 || p.endLine >= r.line0)
	}
	return false
}

// target is the perform r acts on, nil if none.
func (sp *stopPass) target(r *stopReq) *perform {
	t := r.target
	if r.mech != "easy-stop" {
		t = r.perform
		if t < 0 && r.mech == "xferinfo" {
			t = 0 // the flag waits for the transfer's first callback
		}
	}
	ps := sp.xs[r.x]
	if t < 0 || t >= len(ps) {
		return nil
	}
	return ps[t]
}

// justified reports whether perform pi of x may end STOPPED.
func (sp *stopPass) justified(x int64, pi int, p *perform) bool {
	for _, r := range sp.reqs {
		if r.x != x || r.mech != "easy-stop" {
			continue
		}
		if r.accept && r.target == pi {
			return true
		}
		// A latch before the handle was ever added leaves no stop record
		// (the model has no multi to trace it in): the next perform's top
		// check shows it, latched=true.
		if p.latchSeen && r.perform == pi-1 && r.whatAt < 0 && sp.latchAllowed(r) {
			return true
		}
	}
	return false
}

func (sp *stopPass) latchAllowed(r *stopReq) bool {
	s, ok := sp.setup(r)
	return !ok || (s.Variant.Idle == model.IdleLatch && (s.Handle == "" || s.Handle == "stoppable"))
}

// hasReq reports a request of mechanism m for x before line.
func (sp *stopPass) hasReq(x int64, m string, line int) bool {
	for _, r := range sp.reqs {
		if r.x == x && r.mech == m && (line < 0 || r.line0 <= line) {
			return true
		}
	}
	return false
}

func cmpTime(a, b sim.Time) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// look is when thread t can next look at its wakeup pair from t0: past
// every busy stretch in progress, chained up to w apart.
func (sp *stopPass) look(t sim.ThreadID, t0 sim.Time, w time.Duration) sim.Time {
	at := t0
	for changed := true; changed; {
		changed = false
		for _, s := range sp.busy[t] {
			if s.from <= at.Add(w) && s.to > at {
				at, changed = s.to, true
			}
		}
	}
	return at
}

// claimed is the processing time the model claimed for transfer x between
// trace lines from and to (its busy records): the run that notices a stop
// may spend it before the transfer ends, as a real library's run does.
func (sp *stopPass) claimed(x int64, from, to int) time.Duration {
	var d time.Duration
	for i := from + 1; i <= to && i < len(sp.c.trace); i++ {
		r := sp.c.trace[i]
		if r.Kind == "busy" && r.Transfer == x {
			if us, ok := field(r, "us"); ok {
				d += time.Duration(us) * time.Microsecond
			}
		}
	}
	return d
}

// latency checks P8 for one request.
func (sp *stopPass) latency(r *stopReq) {
	c, sub := sp.c, sp.c.sub
	p := sp.target(r)
	if p == nil || (p.endLine >= 0 && p.endLine < r.line0) {
		return // nothing running to stop, or it had ended
	}
	w := sub.stopWake()
	t0 := r.at
	if r.grant > t0 {
		t0 = r.grant
	}
	perf := sp.owner[r.x]
	look := sp.look(perf, t0, w)
	// A thread's records inside a busy stretch were decided when the
	// stretch began (a step is atomic; the model stamps them with the time
	// it claims): the next drive is one after the thread woke from it.
	after, afterCB := r.line, r.line
	if r.thread == perf {
		afterCB = r.line0 - 1 // a stop from a callback: its own callback counts
	}
	if look > t0 {
		woke := sp.wokeAt(perf, look)
		after, afterCB = max(after, woke), max(afterCB, woke)
	}
	if r.mech == "easy-stop" && r.whatAt > after {
		// The request reached the model later than the stopper's record
		// (it waited for the share mutex, then for its wake-up): runs
		// before that could not see it.
		after = r.whatAt
	}
	poll := sub.PollCap > 0
	idle := sub.PollCap + 5*time.Millisecond
	var deadline sim.Time
	var rule string
	var byLine = -1 // the event the transfer must end at
	switch r.mech {
	case "easy-stop":
		if !r.accept || r.what == "override" {
			return
		}
		var v model.StopVariant
		if s, ok := sp.setup(r); ok {
			v = s.Variant
		}
		switch {
		case r.what == "latch":
			byLine, rule = firstAfter(p.runs, after), "a latched stop ends the next perform at its first run"
		case v.InMulti == model.InMultiWakePoll && sub.WatchesWakeup:
			deadline, rule = look.Add(w), "easy-stop wakes the poll: one wake-up after the performing thread can look"
		default:
			byLine, rule = firstAfter(p.runs, after), "easy-stop without a watched wakeup pair ends at the transfer's next run"
			if poll {
				deadline = look.Add(idle)
				rule += ", which comes within the poll cap + 5 ms"
			}
		}
	case "xferinfo":
		byLine, rule = firstAfter(p.xcbs, afterCB), "xferinfo ends the transfer at its next progress callback"
		if poll && r.perform >= 0 {
			deadline = look.Add(idle)
			rule += ", which comes within the poll cap + 5 ms"
		}
	case "wakeup":
		if r.perform < 0 {
			return
		}
		deadline, rule = look.Add(w), "multi_wakeup: the loop removes the handle one wake-up after the performing thread can look"
	default:
		return
	}
	end, ended := p.end(c.trace)
	lines := []int{r.line, r.whatAt, p.endLine}
	if byLine >= 0 && sub.Opaque {
		// A real library's trace shows the callback, not the run it ends:
		// the transfer ends within a wake-up of that callback.
		if d := c.trace[byLine].At.Add(w); deadline == 0 || d < deadline {
			deadline, rule = d, rule+" (within a wake-up of it, on a real library)"
		}
		byLine = -1
	}
	if byLine >= 0 && ended && p.endLine > byLine && c.trace[byLine].At.Add(sp.claimed(r.x, byLine, p.endLine)) < end {
		c.flagLines(StopLatency, append(lines, byLine), r.thread, r.x,
			"%s stop requested at %v: the transfer did not end at %s at %v (ended %v): %s",
			r.mech, r.at, c.trace[byLine].Kind, c.trace[byLine].At, endText(ended, end), rule)
		return
	}
	if deadline == 0 {
		return
	}
	if (ended && end > deadline) || (!ended && sub.Until > deadline) {
		c.flagLines(StopLatency, lines, r.thread, r.x,
			"%s stop requested at %v: the transfer ended %v, past the bound %v (%v after the request): %s",
			r.mech, r.at, endText(ended, end), deadline, deadline.Sub(r.at), rule)
	}
}

// wokeAt is the line of thread t's first wake at or after at.
func (sp *stopPass) wokeAt(t sim.ThreadID, at sim.Time) int {
	tr := sp.c.trace
	i, _ := slices.BinarySearchFunc(tr, at, func(q sim.Record, t sim.Time) int { return cmpTime(q.At, t) })
	for ; i < len(tr); i++ {
		if tr[i].Thread == t && tr[i].Kind == "wake" {
			return i
		}
	}
	return len(tr)
}

func endText(ended bool, at sim.Time) string {
	if !ended {
		return "never"
	}
	return "at " + at.String()
}

// firstAfter is the first line of lines after line, -1 if none.
func firstAfter(lines []int, line int) int {
	i, _ := slices.BinarySearch(lines, line+1)
	if i < len(lines) {
		return lines[i]
	}
	return -1
}
