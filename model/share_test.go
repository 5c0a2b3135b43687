package model_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/model/modeltest"
)

// stopBed is a multi with one scripted transfer and a share whose lock
// calls and wakeup tokens are counted.
type stopBed struct {
	t      *testing.T
	clock  *modeltest.Clock
	m      *model.Multi
	e      *model.Easy
	rec    *modeltest.Recorder
	locks  []string
	wakes  int
	held   bool
	script string
}

// newStopBed makes the bed; share is none, stop, nolock or nostop.
func newStopBed(t *testing.T, share string, v model.StopVariant, script string) *stopBed {
	b := &stopBed{t: t, clock: modeltest.NewClock(1_000_000), rec: &modeltest.Recorder{}, script: script}
	var err error
	b.m, err = model.NewMulti(model.Config{Clock: b.clock, Profile: model.Curl8(), Tracer: b.rec,
		OnWakeup: func(*model.Multi, model.WakeupEffect) { b.wakes++ }})
	if err != nil {
		t.Fatal(err)
	}
	b.e = model.NewEasy(1, b.newScript())
	if share != "none" {
		if err := b.e.SetShare(b.share(share, v)); err != nil {
			t.Fatal(err)
		}
	}
	b.locks = nil
	return b
}

func (b *stopBed) newScript() *model.Script {
	s, err := model.ParseScript(b.script)
	if err != nil {
		b.t.Fatal(err)
	}
	return s
}

func (b *stopBed) share(kind string, v model.StopVariant) *model.Share {
	s := model.NewShare()
	if kind != "nostop" {
		s.Set(model.LockSetOf(model.LockStop))
	}
	if kind != "nolock" {
		s.SetLockFunc(func(d model.LockData, a model.LockAccess) {
			if b.held {
				b.t.Errorf("lock %v while held", d)
			}
			b.held = true
			b.locks = append(b.locks, fmt.Sprintf("lock %v %v", d, a))
		})
		s.SetUnlockFunc(func(d model.LockData) {
			b.held = false
			b.locks = append(b.locks, fmt.Sprintf("unlock %v", d))
		})
	}
	s.SetStopVariant(v)
	return s
}

// phase brings the transfer to a phase of its life.
func (b *stopBed) phase(p string) {
	switch p {
	case "detached":
	case "added":
		b.m.Add(b.e)
	case "running":
		b.m.Add(b.e)
		b.m.Perform()
	case "requested":
		b.phase("running")
		model.EasyStop(b.e)
	case "latched":
		model.EasyStop(b.e)
	case "queued", "read", "removed":
		b.m.Add(b.e)
		b.e.Behavior().(*model.Script).Steps[0].Op = model.OpFinish
		b.m.Perform()
		if p != "queued" {
			b.m.InfoRead()
		}
		if p == "removed" {
			b.m.Remove(b.e)
		}
	default:
		b.t.Fatalf("unknown phase %q", p)
	}
}

// TestEasyStopCodes: what EasyStop answers in each phase, share and
// variant, whether it took the lock (exactly lock STOP SINGLE, unlock
// STOP) and whether it wrote a wakeup token. A refused stop changes
// nothing: no lock, no token, and the transfer's state and the multi's
// invariants are as before.
func TestEasyStopCodes(t *testing.T) {
	const locked = "lock STOP SINGLE,unlock STOP"
	for _, c := range []struct {
		share   string
		variant string
		phase   string
		want    model.StopCode
		locks   string
		wake    bool
	}{
		{"none", "proposal", "running", model.StopNotStoppable, "", false},
		{"nostop", "proposal", "running", model.StopNotStoppable, "", false},
		{"nolock", "proposal", "running", model.StopNoLockFunction, "", false},
		{"nolock", "latch", "detached", model.StopNoLockFunction, "", false},
		{"stop", "proposal", "detached", model.StopNotRunning, locked, false},
		{"stop", "latch", "detached", model.StopOK, locked, false},
		{"stop", "latch", "latched", model.StopOK, locked, false},
		{"stop", "latch,repeat=already", "latched", model.StopAlready, locked, false},
		{"stop", "proposal", "added", model.StopOK, locked, true},
		{"stop", "proposal", "running", model.StopOK, locked, true},
		{"stop", "proposal", "requested", model.StopOK, locked, true},
		{"stop", "already", "requested", model.StopAlready, locked, false},
		{"stop", "no-wake", "running", model.StopOK, locked, false},
		{"stop", "proposal", "queued", model.StopCompleted, locked, false},
		{"stop", "stop-wins", "queued", model.StopOK, locked, true},
		{"stop", "stop-wins", "read", model.StopCompleted, locked, false},
		{"stop", "proposal", "read", model.StopCompleted, locked, false},
		{"stop", "proposal", "removed", model.StopNotRunning, locked, false},
		{"stop", "latch", "removed", model.StopOK, locked, false},
	} {
		name := c.share + "/" + c.variant + "/" + c.phase
		v, err := model.ParseStopVariant(c.variant)
		if err != nil {
			t.Fatal(err)
		}
		b := newStopBed(t, c.share, v, "0s socket 3 in")
		b.phase(c.phase)
		state, running := b.e.State(), b.m.Running()
		b.locks, b.wakes = nil, 0
		got := model.EasyStop(b.e)
		if got != c.want || strings.Join(b.locks, ",") != c.locks || (b.wakes > 0) != c.wake {
			t.Errorf("%s: %v, locks %q, wakes %d; want %v, %q, wake %v", name, got, b.locks, b.wakes, c.want, c.locks, c.wake)
		}
		if b.e.State() != state || b.m.Running() != running {
			t.Errorf("%s: the stop itself changed the transfer: %v -> %v", name, state, b.e.State())
		}
		if err := b.m.Check(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if got := model.EasyStop(nil); got != model.StopBadHandle {
		t.Errorf("EasyStop(nil) = %v", got)
	}
}

// TestEasyStopEnds: a recorded stop ends the transfer at its next run with
// STOPPED through the usual completion (done-processing, DONE message);
// with stop-wins, a stop of a transfer whose message is queued rewrites
// it.
func TestEasyStopEnds(t *testing.T) {
	for _, c := range []struct {
		variant, phase string
		want           model.Result
	}{
		{"proposal", "running", model.Stopped},
		{"proposal", "added", model.Stopped},
		{"latch", "latched", model.Stopped},
		{"proposal", "queued", model.OK},
		{"stop-wins", "queued", model.Stopped},
	} {
		v, _ := model.ParseStopVariant(c.variant)
		b := newStopBed(t, "stop", v, "0s socket 3 in\nondone expire SPEEDCHECK 1000")
		b.phase(c.phase)
		model.EasyStop(b.e)
		if c.phase == "latched" {
			b.m.Add(b.e)
		}
		b.m.Perform()
		msg, _, ok := b.m.InfoRead()
		if !ok || msg.Result != c.want || b.e.Result() != c.want {
			t.Errorf("%s/%s: message %v %v, easy %v; want %v", c.variant, c.phase, msg.Result, ok, b.e.Result(), c.want)
		}
		if _, _, more := b.m.InfoRead(); more {
			t.Errorf("%s/%s: a second message", c.variant, c.phase)
		}
		if tr := b.rec.Take(); c.want == model.Stopped && c.phase != "queued" && !strings.Contains(tr, "1 done premature=false") {
			t.Errorf("%s/%s: no done-processing:\n%s", c.variant, c.phase, tr)
		}
		if err := b.m.Check(); err != nil {
			t.Errorf("%s/%s: %v", c.variant, c.phase, err)
		}
	}
}

// TestStopNeverReachesLaterTransfer: a request the transfer did not act on
// (it was removed first) dies with it: the handle's next transfer runs
// normally. A latched request stops the next perform only.
func TestStopNeverReachesLaterTransfer(t *testing.T) {
	for _, variant := range []string{"proposal", "latch"} {
		v, _ := model.ParseStopVariant(variant)
		b := newStopBed(t, "stop", v, "0s socket 3 in\n1s finish OK")
		b.phase("running")
		model.EasyStop(b.e) // recorded, but removed before it is noticed
		b.m.Remove(b.e)
		want := []model.Result{model.OK, model.OK}
		if variant == "latch" {
			model.EasyStop(b.e) // between performs: for the next one only
			want[0] = model.Stopped
		}
		for i, w := range want {
			if got := b.perform(); got != w {
				t.Errorf("%s: perform %d ended %v, want %v", variant, i+2, got, w)
			}
		}
	}
}

// perform adds the transfer, runs it to its end (the script finishes after
// 1 s) and removes it, as curl_easy_perform does.
func (b *stopBed) perform() model.Result {
	b.m.Add(b.e)
	b.m.Perform()
	if b.e.State() != model.StateCompleted {
		b.clock.Add(time.Second)
		b.m.Perform()
	}
	msg, _, _ := b.m.InfoRead()
	b.m.Remove(b.e)
	return msg.Result
}

// TestShareOptions: curl's share rules. SHARE is always shared and cannot
// be set; unknown bits are BAD_OPTION and change nothing; options are
// frozen while a handle uses the share (IN_USE) and free again once it
// leaves; a nil share is INVALID. SetShare takes the SHARE lock (SINGLE)
// on the share it leaves and on the one it joins, and is misuse while the
// handle is in a multi.
func TestShareOptions(t *testing.T) {
	s := model.NewShare()
	for _, c := range []struct {
		bits model.LockSet
		want model.ShCode
	}{
		{model.LockSetOf(model.LockShare), model.ShBadOption},
		{model.LockSetOf(model.LockNone), model.ShBadOption},
		{model.LockSet(1 << 12), model.ShBadOption},
		{model.LockSetOf(model.LockDNS, model.LockCookie), model.ShOK},
		{model.LockSetOf(model.LockStop), model.ShOK},
	} {
		if got := s.Set(c.bits); got != c.want {
			t.Errorf("Set(%v) = %v, want %v", c.bits, got, c.want)
		}
	}
	if got := s.Bits().String(); got != "SHARE|COOKIE|DNS|STOP" {
		t.Errorf("Bits = %s", got)
	}
	if s.Stoppable() {
		t.Error("stoppable without a lock function")
	}
	var calls []string
	s.SetLockFunc(func(d model.LockData, a model.LockAccess) { calls = append(calls, "lock "+d.String()+" "+a.String()) })
	s.SetUnlockFunc(func(d model.LockData) { calls = append(calls, "unlock "+d.String()) })
	e := model.NewEasy(1, nil)
	if err := e.SetShare(s); err != nil || !e.Stoppable() || s.Users() != 1 {
		t.Fatalf("SetShare: %v, stoppable %v, users %d", err, e.Stoppable(), s.Users())
	}
	for name, code := range map[string]model.ShCode{
		"Set":            s.Set(model.LockSetOf(model.LockHSTS)),
		"SetLockFunc":    s.SetLockFunc(nil),
		"SetUnlockFunc":  s.SetUnlockFunc(nil),
		"SetStopVariant": s.SetStopVariant(model.StopVariant{Idle: model.IdleLatch}),
	} {
		if code != model.ShInUse {
			t.Errorf("%s on a share in use: %v", name, code)
		}
	}
	m, _ := model.NewMulti(model.Config{Clock: modeltest.NewClock(0), Profile: model.Curl8()})
	m.Add(e)
	if err := e.SetShare(nil); err == nil || !strings.HasPrefix(err.Error(), "model: ") {
		t.Errorf("SetShare in a multi: %v", err)
	}
	m.Remove(e)
	if err := e.SetShare(nil); err != nil || s.Users() != 0 || e.Stoppable() {
		t.Fatalf("leaving: %v, users %d", err, s.Users())
	}
	if want := "lock SHARE SINGLE,unlock SHARE,lock SHARE SINGLE,unlock SHARE"; strings.Join(calls, ",") != want {
		t.Errorf("lock calls %q, want %q", strings.Join(calls, ","), want)
	}
	if s.SetStopVariant(model.StopVariant{Race: 7}) != model.ShBadOption || s.SetStopVariant(model.StopVariant{Idle: model.IdleLatch}) != model.ShOK {
		t.Error("SetStopVariant does not check its knobs")
	}
	var nilShare *model.Share
	if nilShare.Set(model.LockSetOf(model.LockStop)) != model.ShInvalid || nilShare.Stoppable() {
		t.Error("a nil share is not INVALID")
	}
}

// TestStopVariantNames: every preset and every String form parses back to
// itself; Name gives presets their names; bad input is a "model: " error
// that names the problem.
func TestStopVariantNames(t *testing.T) {
	for _, name := range model.StopPresets() {
		v, err := model.ParseStopVariant(name)
		if err != nil || v.Name() != name {
			t.Errorf("preset %s: %v, name %q", name, err, v.Name())
		}
		back, err := model.ParseStopVariant(v.String())
		if err != nil || back != v {
			t.Errorf("preset %s: String %q parses to %v (%v)", name, v.String(), back, err)
		}
	}
	if v, _ := model.ParseStopVariant(""); v != (model.StopVariant{}) || v.Name() != "proposal" {
		t.Errorf("the empty variant is %v", v)
	}
	v, err := model.ParseStopVariant("latch, repeat=already")
	if want := (model.StopVariant{Idle: model.IdleLatch, Repeat: model.RepeatAlready}); err != nil || v != want {
		t.Errorf("latch,repeat=already: %v %v", v, err)
	}
	if got := v.String(); got != "idle=latch,race=completion-wins,in-callback=at-next-check,repeat=already,in-multi=wake-poll" {
		t.Errorf("String = %s", got)
	}
	for in, want := range map[string]string{
		"fast":                 "unknown preset",
		"idle=sometimes":       "no value",
		"speed=1":              "unknown knob",
		"idle=latch,proposal":  "preset comes first",
		"race=stop-wins,idle=": "no value",
	} {
		if _, err := model.ParseStopVariant(in); err == nil || !strings.HasPrefix(err.Error(), "model: ") || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error about %q", in, err, want)
		}
	}
}

// TestStopNames: the enums print curl-style names.
func TestStopNames(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{model.StopOK.String(), "STOP_OK"},
		{model.StopNoLockFunction.String(), "STOP_NO_LOCK_FUNCTION"},
		{model.StopCompleted.String(), "STOP_COMPLETED"},
		{model.LockStop.String(), "STOP"},
		{model.LockSSLSession.String(), "SSL_SESSION"},
		{model.AccessShared.String(), "SHARED"},
		{model.ShInUse.String(), "IN_USE"},
		{model.LockSet(0).String(), "-"},
		{(model.LockSetOf(model.LockStop) | 1<<12).String(), "STOP|bit12"},
		{model.Stopped.String(), "STOPPED"},
		{model.EvStop.String(), "stop"},
	} {
		if c.got != c.want {
			t.Errorf("%q, want %q", c.got, c.want)
		}
	}
}

// TestRemoveRunningTransfer is the model side of the wakeup mechanism: an
// application that removes a transfer mid-way (after multi_wakeup) gets
// curl's premature done-processing, a REMOVE for its socket before
// Remove returns, and no DONE message.
func TestRemoveRunningTransfer(t *testing.T) {
	sc, err := parseSetup(`server 10.0.0.1:80/ipv4 connect=2ms
+0s data "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
dns example.org 10.0.0.1:80/ipv4 delay=0s
transfer id=1 host=example.org`)
	if err != nil {
		t.Fatal(err)
	}
	r := newRunFor(t, model.Curl8(), sc)
	r.startAt = r.clock.Micros()
	r.addDue()
	r.socketLoop(r.clock.Micros() + 10_000)
	if s := r.xfers[0].State(); s != model.XferPerforming {
		t.Fatalf("state %v, want PERFORMING", s)
	}
	r.rec.Take()
	r.m.Wakeup()
	r.m.Remove(r.easies[0])
	tr := r.rec.Take()
	for _, want := range []string{"1 done premature=true", "socket-cb fd=3 what=REMOVE", "1 return fn=remove code=OK"} {
		if !strings.Contains(tr, want) {
			t.Errorf("no %q in\n%s", want, tr)
		}
	}
	if strings.Index(tr, "what=REMOVE") > strings.Index(tr, "fn=remove code") {
		t.Errorf("REMOVE after Remove returned:\n%s", tr)
	}
	if _, _, ok := r.m.InfoRead(); ok || r.xfers[0].Result() != model.OK {
		t.Errorf("a removed transfer left a message (result %v)", r.xfers[0].Result())
	}
}
