package model_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"

	"github.com/expirylab/expiry/model"
)

// TestStopScripts runs the stop scenarios in testdata/stop-*.txt. A
// `setup` block is a transfer setup (see TestTransferScripts) whose
// transfer lines may also say share=stop (STOP, lock and unlock
// functions), share=nolock (STOP without a lock function), share=nostop (a
// share without STOP), and stop-in-xferinfo=N or stop-in-write=N (that
// callback call stops its own transfer). Each
//
//	run profile=P [driver=easy|multi|socket] [variant=V] [cap=DUR]
//	    [stops=(ID@DUR|ID@STATE, ...)] [late=(ID@DUR, ...)]
//	    [after=(ID@DUR, ...)] [again] [until=DUR] [hide=(kinds)]
//
// builds a fresh world, drives it and prints the trace and a summary.
// driver=easy is curl_easy_perform (one transfer: poll capped, watching
// the wakeup pair; perform; the DONE message ends the perform and removes
// the handle; `again` performs once more), driver=multi an application's
// multi_poll loop (the same without the removal), driver=socket an
// event-driven socket_action application, which watches no wakeup pair.
// A stop ID@DUR is a stopper thread acting DUR after the start, ID@STATE
// one acting when the transfer enters STATE; both run before the
// application's own work at that instant (it wakes after them). A late
// stop acts at the application's first step at or after its time, after
// the step's Perform or SocketAction and before it reads messages: the
// stopper loses the race with completion. An after stop acts once the
// application has the result: after it read the messages (easy_perform:
// after it removed the handle and returned). Stoppers left when the
// application is done act at their times.
// Regenerate with go test ./model -run TestStopScripts -rewrite
func TestStopScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/stop-*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no stop scripts: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) {
			var setup string
			datadriven.RunTest(t, f, func(t *testing.T, d *datadriven.TestData) string {
				switch d.Cmd {
				case "setup":
					setup = d.Input
					if _, err := parseSetup(setup); err != nil {
						t.Fatalf("%s: %v", d.Pos, err)
					}
					return ""
				case "run":
					return runStopScenario(t, d, setup)
				}
				t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
				return ""
			})
		})
	}
}

// phase is where in the application's step a stopper acts.
type phase uint8

const (
	early phase = iota // before the application wakes
	late               // after its Perform or SocketAction, before it reads messages
	after              // once it has read them (and easy_perform returned)
)

// stopAct is one stopper: when it acts and what EasyStop returned.
type stopAct struct {
	id    int
	at    model.Micros // when it acts, once known
	state string       // acts on entering this state ("": at a time)
	known bool         // at is set
	phase phase
	done  bool
	code  model.StopCode
	ran   model.Micros
	label string
}

// stopRun is one stop scenario under one profile.
type stopRun struct {
	*run
	driver   string
	capMs    int64
	variant  model.StopVariant
	acts     []*stopAct
	again    bool
	performs []int // easy driver: performs finished per transfer
	out      []string
	lock     lockCheck
	msgs     map[int][]model.Result // DONE messages read, per transfer
	codes    []model.StopCode       // every EasyStop answer, in order
	checks   []string               // Multi.Check failures, after every step and stop
}

// lockCheck verifies the model's lock discipline: lock and unlock alternate
// for the same datum, never nested.
type lockCheck struct {
	held  bool
	data  model.LockData
	locks int
	errs  []string
}

func (c *lockCheck) onLock(d model.LockData, a model.LockAccess) {
	c.locks++
	if c.held {
		c.errs = append(c.errs, fmt.Sprintf("lock %v while %v is held", d, c.data))
	}
	// Writers lock SINGLE; only the performing side's reads of STOP are
	// SHARED.
	if a != model.AccessSingle && !(d == model.LockStop && a == model.AccessShared) {
		c.errs = append(c.errs, fmt.Sprintf("lock %v with access %v", d, a))
	}
	c.held, c.data = true, d
}

func (c *lockCheck) onUnlock(d model.LockData) {
	if !c.held || c.data != d {
		c.errs = append(c.errs, fmt.Sprintf("unlock %v while holding %v=%v", d, c.data, c.held))
	}
	c.held = false
}

func runStopScenario(t *testing.T, d *datadriven.TestData, setup string) string {
	sc, err := parseSetup(setup)
	if err != nil {
		t.Fatalf("%s: %v", d.Pos, err)
	}
	r := newStopRun(t, d, sc)
	end := r.clock.Micros() + model.Micros(durArgOr(t, d, "until", 10*time.Second).Microseconds())
	r.drive(end)
	return filterTrace(r.rec.Take(), d) + r.stopSummary()
}

func newStopRun(t *testing.T, d *datadriven.TestData, sc *scenario) *stopRun {
	var name string
	d.ScanArgs(t, "profile", &name)
	p, err := model.ByName(name)
	if err != nil {
		t.Fatal(err)
	}
	driver := "easy"
	if d.HasArg("driver") {
		d.ScanArgs(t, "driver", &driver)
	}
	var v model.StopVariant
	if d.HasArg("variant") {
		var s string
		d.ScanArgs(t, "variant", &s)
		if v, err = model.ParseStopVariant(s); err != nil {
			t.Fatalf("%s: %v", d.Pos, err)
		}
	}
	r := newStopRunWith(t, p, durArgOr(t, d, "start", time.Second), driver, v)
	r.capMs = durArgOr(t, d, "cap", time.Duration(p.EasyPollCapMs)*time.Millisecond).Milliseconds()
	r.again = d.HasArg("again")
	r.parseActs(t, d, "stops", early)
	r.parseActs(t, d, "late", late)
	r.parseActs(t, d, "after", after)
	r.buildStop(sc)
	if driver == "easy" && len(r.easies) != 1 {
		t.Fatalf("%s: driver=easy takes exactly one transfer", d.Pos)
	}
	return r
}

// newStopRunWith is an empty stop run: add the network, the stoppers
// (parseAct) and the transfers (buildStop).
func newStopRunWith(t *testing.T, p model.Profile, start time.Duration, driver string, v model.StopVariant) *stopRun {
	r := &stopRun{run: newRunAt(t, p, &scenario{}, start), driver: driver, variant: v,
		capMs: p.EasyPollCapMs, msgs: map[int][]model.Result{}}
	switch driver {
	case "easy", "multi":
		r.m.SetTimerFunc(nil) // multi_poll loops use no callbacks
		r.m.SetSocketFunc(nil)
	case "socket":
	default:
		t.Fatalf("unknown driver %q", driver)
	}
	return r
}

// check records a Multi.Check failure.
func (r *stopRun) check(where string) {
	if err := r.m.Check(); err != nil {
		r.checks = append(r.checks, fmt.Sprintf("%s at=%d: %v", where, r.clock.Micros(), err))
	}
}

// parseActs reads key=(ID@DUR|ID@STATE, ...).
func (r *stopRun) parseActs(t *testing.T, d *datadriven.TestData, key string, ph phase) {
	a, ok := d.Arg(key)
	if !ok {
		return
	}
	for _, v := range a.Vals {
		act, err := r.parseAct(v, ph)
		if err != nil {
			t.Fatalf("%s: %s=%q: %v", d.Pos, key, v, err)
		}
		r.acts = append(r.acts, act)
	}
}

func (r *stopRun) parseAct(v string, ph phase) (*stopAct, error) {
	ids, when, ok := strings.Cut(v, "@")
	if !ok {
		return nil, fmt.Errorf("want ID@DUR or ID@STATE")
	}
	act := &stopAct{phase: ph, label: v}
	if _, err := fmt.Sscan(ids, &act.id); err != nil {
		return nil, err
	}
	if dur, err := time.ParseDuration(when); err == nil {
		act.at, act.known = r.clock.Micros()+model.Micros(dur.Microseconds()), true
		return act, nil
	}
	if ph != early {
		return nil, fmt.Errorf("only stops= take a state")
	}
	if _, err := model.ParseTransferState(when); err != nil {
		return nil, err
	}
	act.state = when
	return act, nil
}

// buildStop makes the transfers with their shares and stopping callbacks.
func (r *stopRun) buildStop(sc *scenario) {
	r.net.Servers, r.net.Names = sc.servers, sc.names
	for _, x := range sc.transfers {
		cfg := model.TransferConfig{Options: x.opts, Sockets: r.net, Resolver: r.net, OnState: r.onState}
		r.callbacks(&cfg.Options, x)
		tr, err := model.NewTransfer(cfg)
		if err != nil {
			r.t.Fatal(err)
		}
		e := model.NewEasy(x.id, tr)
		if err := e.SetShare(r.share(x.share)); err != nil {
			r.t.Fatal(err)
		}
		r.xfers = append(r.xfers, tr)
		r.easies = append(r.easies, e)
		r.specs = append(r.specs, x)
		r.performs = append(r.performs, 0)
	}
}

// share makes the share a transfer line asks for.
func (r *stopRun) share(kind string) *model.Share {
	if kind == "" || kind == "none" {
		return nil
	}
	s := model.NewShare()
	bits := model.LockSetOf(model.LockStop, model.LockDNS)
	if kind == "nostop" {
		bits = model.LockSetOf(model.LockDNS)
	}
	s.Set(bits)
	if kind != "nolock" {
		s.SetLockFunc(r.lock.onLock)
		s.SetUnlockFunc(r.lock.onUnlock)
	}
	if code := s.SetStopVariant(r.variant); code != model.ShOK {
		r.t.Fatalf("SetStopVariant: %v", code)
	}
	if kind != "stop" && kind != "nolock" && kind != "nostop" {
		r.t.Fatalf("unknown share %q", kind)
	}
	return s
}

// callbacks installs the xferinfo and write callbacks a transfer line asks
// for.
func (r *stopRun) callbacks(o *model.Options, x xferSpec) {
	if x.xferinfo {
		o.Xferinfo = func(t *model.Transfer, total, now, _, _ int64) int {
			if stopHere(x.stopInXferinfo, t, total, now) {
				r.callbackStop(x.id, "xferinfo")
			}
			if t.XferinfoCalls() == x.abortAt {
				return 1
			}
			return 0
		}
	}
	if x.refuse || x.stopInWrite > 0 {
		n := 0
		o.Write = func(_ *model.Transfer, p []byte) int {
			if n++; n == x.stopInWrite {
				r.callbackStop(x.id, "write")
			}
			if x.refuse {
				return 0
			}
			return len(p)
		}
	}
	if x.writeDelay > 0 {
		o.WriteDelay = func(int) time.Duration { return x.writeDelay }
	}
}

// stopHere reports whether xferinfo call of t is the one a
// stop-in-xferinfo= value names.
func stopHere(n int, t *model.Transfer, total, now int64) bool {
	switch n {
	case -1:
		return t.State() == model.XferDone
	case -2:
		return t.State() == model.XferPerforming && now > 0 && now == total
	}
	return n == t.XferinfoCalls()
}

// callbackStop is a stop from inside a callback on the performing thread.
func (r *stopRun) callbackStop(id int, where string) {
	code := model.EasyStop(r.easy(id))
	r.codes = append(r.codes, code)
	r.out = append(r.out, fmt.Sprintf("stop %d from %s callback at=%d: %v", id, where, r.clock.Micros(), code))
}

func (r *stopRun) easy(id int) *model.Easy {
	for _, e := range r.easies {
		if e.ID() == id {
			return e
		}
	}
	r.t.Fatalf("no transfer %d", id)
	return nil
}

// onState starts the stoppers waiting for a state, at this instant.
func (r *stopRun) onState(t *model.Transfer, _, to model.TransferState) {
	for _, a := range r.acts {
		if !a.known && a.state == to.String() && t.Easy().ID() == a.id {
			a.at, a.known = r.clock.Micros(), true
		}
	}
}

// nextAct is the earliest stopper of phase ph not run yet.
func (r *stopRun) nextAct(ph phase) (model.Micros, bool) {
	var best model.Micros
	ok := false
	for _, a := range r.acts {
		if a.known && !a.done && a.phase == ph && (!ok || a.at < best) {
			best, ok = a.at, true
		}
	}
	return best, ok
}

// runActs runs the stoppers of phase ph due by now, in order.
func (r *stopRun) runActs(ph phase) {
	for _, a := range r.acts {
		if a.known && !a.done && a.phase == ph && a.at <= r.clock.Micros() {
			r.act(a)
		}
	}
}

// drive runs the scenario's driver until every transfer is over or end.
func (r *stopRun) drive(end model.Micros) {
	r.startAt = r.clock.Micros()
	r.addDue()
	for step := 0; step < 20000 && !r.over() && r.clock.Micros() <= end; step++ {
		if r.driver != "socket" {
			r.pollStep()
		} else if !r.socketStep(end) {
			break
		}
	}
	r.runLeftActs(end)
}

// runLeftActs runs the stoppers still due by end once the application is
// done, in time order.
func (r *stopRun) runLeftActs(end model.Micros) {
	for {
		var next *stopAct
		for _, a := range r.acts {
			if a.known && !a.done && a.at <= end && (next == nil || a.at < next.at) {
				next = a
			}
		}
		if next == nil {
			return
		}
		r.clock.Set(max(next.at, r.clock.Micros()))
		r.act(next)
	}
}

// act runs one stopper.
func (r *stopRun) act(a *stopAct) {
	a.done, a.ran = true, r.clock.Micros()
	a.code = model.EasyStop(r.easy(a.id))
	r.codes = append(r.codes, a.code)
	r.check("stop")
}

// over reports that every transfer has ended and, for easy_perform, every
// perform has returned.
func (r *stopRun) over() bool {
	for i, e := range r.easies {
		if !r.xfers[i].State().Terminal() {
			return false
		}
		if r.driver == "easy" && (e.State() != model.StateDetached || r.performs[i] < r.wantPerforms()) {
			return false
		}
	}
	return true
}

func (r *stopRun) wantPerforms() int {
	if r.again {
		return 2
	}
	return 1
}

// pollStep is one round of a multi_poll loop.
func (r *stopRun) pollStep() {
	spec, _ := r.m.Poll(r.capMs)
	woken := r.waitPoll(spec)
	r.m.EndWait(woken)
	r.addDue()
	r.m.Perform()
	r.runActs(late)
	r.readMsgs()
	r.runActs(after)
	r.check("step")
}

// waitPoll moves the clock to the end of a poll: a watched socket ready,
// the wakeup token written (stoppers run while it waits), an add due, or
// the timeout. It reports whether the token woke it.
func (r *stopRun) waitPoll(spec model.WaitSpec) bool {
	if spec.WakeupReady {
		return true
	}
	deadline := r.clock.Micros() + model.Micros(spec.TimeoutMs*1000)
	for {
		r.runActs(early)
		if _, token := r.m.Waiting(); token {
			return true
		}
		if r.anyReady(spec.Sockets) || r.addPending() {
			return false
		}
		next, ok := r.nextWake()
		if !ok || next > deadline {
			r.clock.Set(deadline)
			r.runActs(early)
			_, token := r.m.Waiting()
			return token
		}
		r.clock.Set(max(next, r.clock.Micros()))
	}
}

// nextWake is the earliest network event, stopper or add.
func (r *stopRun) nextWake() (model.Micros, bool) {
	best, ok := r.net.NextEvent()
	consider := func(at model.Micros, has bool) {
		if has && (!ok || at < best) {
			best, ok = at, true
		}
	}
	consider(r.nextAct(early))
	for i := range r.easies {
		consider(r.addTime(i), r.waiting(i))
	}
	return best, ok
}

// addPending reports a transfer whose add time has come.
func (r *stopRun) addPending() bool {
	for i := range r.easies {
		if r.waiting(i) && r.addTime(i) <= r.clock.Micros() {
			return true
		}
	}
	return false
}

// readMsgs reads every DONE message; easy_perform then removes the handle
// (and, with again, performs once more at once).
func (r *stopRun) readMsgs() {
	for {
		msg, _, ok := r.m.InfoRead()
		if !ok {
			return
		}
		r.out = append(r.out, fmt.Sprintf("msg %d result=%v at=%d", msg.Easy.ID(), msg.Result, r.clock.Micros()))
		r.msgs[msg.Easy.ID()] = append(r.msgs[msg.Easy.ID()], msg.Result)
		if r.driver != "easy" {
			continue
		}
		r.m.Remove(msg.Easy)
		i := r.index(msg.Easy)
		r.performs[i]++
		r.runActs(after) // easy_perform has returned
		if r.performs[i] < r.wantPerforms() {
			r.m.Add(msg.Easy)
		}
	}
}

func (r *stopRun) index(e *model.Easy) int {
	for i, x := range r.easies {
		if x == e {
			return i
		}
	}
	return -1
}

// socketStep is one round of the event-driven application: move to the
// next readiness change, timer expiry or stopper, act on it, then read
// messages. It reports false when nothing is left to happen by end.
func (r *stopRun) socketStep(end model.Micros) bool {
	next, ok := r.nextTime()
	if at, has := r.nextAct(early); has && (!ok || at < next) {
		next, ok = at, true
	}
	if !ok || next > end {
		return false
	}
	r.clock.Set(max(next, r.clock.Micros()))
	r.runActs(early)
	r.addDue()
	r.signalReady()
	if r.app.timerSet && r.app.timerAt <= r.clock.Micros() {
		r.app.timerSet = false
		r.m.SocketAction(model.SocketTimeout, 0)
	}
	r.runActs(late)
	r.readMsgs()
	r.runActs(after)
	r.check("step")
	return true
}

// stopSummary is the run's summary plus the stoppers and messages.
func (r *stopRun) stopSummary() string {
	var b strings.Builder
	b.WriteString(r.summary())
	for _, a := range r.acts {
		if a.done {
			fmt.Fprintf(&b, "stop %s at=%d: %v\n", a.label, a.ran, a.code)
		} else {
			fmt.Fprintf(&b, "stop %s: never acted\n", a.label)
		}
	}
	for _, s := range r.out {
		b.WriteString(s + "\n")
	}
	fmt.Fprintf(&b, "locks=%d\n", r.lock.locks)
	for _, s := range r.lock.errs {
		b.WriteString("lock error: " + s + "\n")
	}
	for _, s := range r.checks {
		b.WriteString("check: " + s + "\n")
	}
	return b.String()
}
