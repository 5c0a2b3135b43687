package model_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/expirylab/expiry/model"
)

// TestStopRandom interleaves random stop requests with a random transfer
// (black hole, refused, quick, stalled or trickling server; an optional
// TIMEOUT; stops at random instants before, during or after the
// application's step, and from inside the xferinfo callback) under a
// random stop variant, under every profile and driver (easy_perform,
// multi_poll, socket_action), and compares with the same run without
// stops. Checked:
//
//   - the result is never lost: exactly one DONE message, and its result
//     is the baseline's or STOPPED; STOPPED needs a STOP_OK; the end is
//     never later than the baseline's;
//   - completion wins (unless stop-wins): when a STOP_COMPLETED comes
//     before any STOP_OK, the result is the baseline's; a run after a
//     STOP_OK ends with STOPPED, and with at-next-check only such a run
//     does;
//   - a handle that is not stoppable (no share, a share without STOP, STOP
//     without a lock function) is unaffected: every stop is refused and
//     the trace, without the easy_stop call and return lines, is the
//     baseline's byte for byte;
//   - Multi.Check stays clean after every step and stop, and the lock
//     callbacks alternate lock/unlock, never nested.
//
// Reproduce a failure with the -rapid.seed it prints.
func TestStopRandom(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		w := drawStopWorld(rt)
		other := rapid.SampledFrom([]string{"none", "nostop", "nolock"}).Draw(rt, "other-share")
		for _, w.prof = range model.Profiles() {
			for _, w.driver = range []string{"easy", "multi", "socket"} {
				w.share = "stop"
				w.checkStoppable(rt, w.run(t, nil), w.run(t, w.stops))
				w.share = other
				w.checkUnaffected(rt, w.run(t, nil), w.run(t, w.stops))
			}
		}
	})
}

// stopWorld is one drawn scenario.
type stopWorld struct {
	prof    model.Profile // set by the caller
	driver  string        // set by the caller
	variant model.StopVariant
	setup   string
	share   string
	stops   []drawnStop
}

// drawnStop is one stopper: at an offset, in a phase, or from inside the
// xferinfo callback (n != 0: a stop-in-xferinfo value; -2 is the call
// that sees the whole body, the run that completes the transfer).
type drawnStop struct {
	at    time.Duration
	phase phase
	n     int
}

func drawStopWorld(rt *rapid.T) *stopWorld {
	w := &stopWorld{}
	for _, k := range []*uint8{(*uint8)(&w.variant.Idle), (*uint8)(&w.variant.Race),
		(*uint8)(&w.variant.InCallback), (*uint8)(&w.variant.Repeat), (*uint8)(&w.variant.InMulti)} {
		*k = uint8(rapid.IntRange(0, 1).Draw(rt, "knob"))
	}
	w.setup = drawStopServer(rt)
	timeout := rapid.SampledFrom([]int{0, 0, 400, 1500}).Draw(rt, "timeout")
	w.setup += fmt.Sprintf("transfer id=1 host=example.org timeout=%d share=SHARE xferinfo\n", timeout)
	for range rapid.IntRange(0, 3).Draw(rt, "stops") {
		w.stops = append(w.stops, drawnStop{
			at:    time.Duration(rapid.IntRange(0, 2500).Draw(rt, "at-ms")) * time.Millisecond,
			phase: phase(rapid.IntRange(0, 2).Draw(rt, "phase")),
			n:     max(rapid.IntRange(-14, 12).Draw(rt, "in-xferinfo"), -2),
		})
	}
	return w
}

// drawStopServer is a server and name setup, with data at times that often
// coincide with the stops' whole milliseconds.
func drawStopServer(rt *rapid.T) string {
	head := "dns example.org 10.0.0.1:80/ipv4\nserver 10.0.0.1:80/ipv4 "
	connect := rapid.IntRange(0, 20).Draw(rt, "connect-ms")
	switch rapid.IntRange(0, 4).Draw(rt, "server") {
	case 0:
		return head + fmt.Sprintf("blackhole giveup=%dms\n", rapid.IntRange(0, 2000).Draw(rt, "giveup-ms"))
	case 1:
		return head + fmt.Sprintf("connect=%dms refuse\n", connect)
	case 2:
		return head + fmt.Sprintf("connect=%dms\n+%dms data \"HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok\"\n",
			connect, rapid.IntRange(0, 50).Draw(rt, "answer-ms"))
	case 3:
		return head + fmt.Sprintf("connect=%dms\n+%dms data \"HTTP/1.1 200 OK\\r\\nContent-Length: 1\\r\\n\\r\\n\"\n+%dms data \"x\"\n",
			connect, rapid.IntRange(0, 50).Draw(rt, "head-ms"), rapid.IntRange(100, 2000).Draw(rt, "stall-ms"))
	}
	return head + fmt.Sprintf("connect=%dms\n+0s data \"HTTP/1.1 200 OK\\r\\nContent-Length: 5\\r\\n\\r\\n\"\n+%dms trickle \"x\" every=%dms count=5\n",
		connect, rapid.IntRange(0, 300).Draw(rt, "first-ms"), rapid.IntRange(50, 400).Draw(rt, "every-ms"))
}

// outcome is what a run produced.
type outcome struct {
	msgs   []model.Result
	end    model.Micros
	ended  bool
	codes  []model.StopCode
	trace  string
	errors []string
}

// run drives the world with the given stops (nil: none).
func (w *stopWorld) run(t *testing.T, stops []drawnStop) outcome {
	sc, err := parseSetup(strings.ReplaceAll(w.setup, "SHARE", w.share))
	if err != nil {
		t.Fatalf("setup %q: %v", w.setup, err)
	}
	for _, s := range stops {
		if s.n != 0 {
			sc.transfers[0].stopInXferinfo = s.n
		}
	}
	r := newStopRunWith(t, w.prof, time.Second, w.driver, w.variant)
	for _, s := range stops {
		if s.n == 0 {
			r.acts = append(r.acts, &stopAct{id: 1, at: r.clock.Micros() + model.Micros(s.at.Microseconds()), known: true, phase: s.phase})
		}
	}
	r.buildStop(sc)
	r.drive(r.clock.Micros() + model.Micros(5*time.Second/time.Microsecond))
	return r.outcome()
}

func (r *stopRun) outcome() outcome {
	o := outcome{msgs: r.msgs[1], trace: r.rec.Take(), codes: r.codes}
	o.end, o.ended = r.xfers[0].End()
	o.errors = append(append(o.errors, r.lock.errs...), r.checks...)
	return o
}

// completedFirst reports a STOP_COMPLETED before any STOP_OK: the
// transfer had its own result before a stop was taken.
func completedFirst(codes []model.StopCode) bool {
	for _, c := range codes {
		switch c {
		case model.StopOK:
			return false
		case model.StopCompleted:
			return true
		}
	}
	return false
}

// checkStoppable: the result is never lost, completion wins, invariants
// hold.
func (w *stopWorld) checkStoppable(rt *rapid.T, base, got outcome) {
	if len(got.msgs) > 1 || len(base.errors)+len(got.errors) > 0 {
		rt.Fatalf("messages %v (baseline %v), errors %v %v\n%s", got.msgs, base.msgs, got.errors, base.errors, got.trace)
	}
	if len(got.msgs) == 1 && got.msgs[0] == model.Stopped && !slices.Contains(got.codes, model.StopOK) {
		rt.Fatalf("STOPPED without a STOP_OK (codes %v)\n%s", got.codes, got.trace)
	}
	if len(base.msgs) == 0 { // the transfer never ends by itself
		if len(got.msgs) == 1 && got.msgs[0] != model.Stopped {
			rt.Fatalf("result %v, but the baseline never ends\n%s", got.msgs[0], got.trace)
		}
		return
	}
	if len(got.msgs) != 1 {
		rt.Fatalf("no message; baseline %v\n%s", base.msgs, got.trace)
	}
	res := got.msgs[0]
	switch {
	case res != base.msgs[0] && res != model.Stopped:
		rt.Fatalf("result %v, baseline %v: lost\n%s", res, base.msgs[0], got.trace)
	case got.end > base.end:
		rt.Fatalf("the stop made the end later: %d, baseline %d\n%s", got.end, base.end, got.trace)
	case w.variant.Race == model.RaceCompletionWins && completedFirst(got.codes) && res != base.msgs[0]:
		rt.Fatalf("STOP_COMPLETED but the result %v is not the baseline's %v\n%s", res, base.msgs[0], got.trace)
	}
	if w.variant.Race == model.RaceCompletionWins {
		w.checkNextCheck(rt, res, got.trace)
	}
}

// checkNextCheck: with completion wins, a request takes effect at the
// next check. A run of the transfer after the first STOP_OK and before
// its finish ends it with STOPPED; with at-next-check, STOPPED needs such
// a run (a request made in the run that completes the transfer loses).
func (w *stopWorld) checkNextCheck(rt *rapid.T, res model.Result, trace string) {
	lines := strings.Split(trace, "\n")
	ok := slices.IndexFunc(lines, func(l string) bool { return strings.HasSuffix(l, " 1 return fn=easy_stop code=STOP_OK") })
	fin := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, " 1 finish result=") })
	ranAfter := ok >= 0 && fin > ok && slices.ContainsFunc(lines[ok:fin], func(l string) bool { return strings.HasSuffix(l, " 1 run") })
	switch {
	case ranAfter && res != model.Stopped:
		rt.Fatalf("the transfer ran after a STOP_OK and ended with %v\n%s", res, trace)
	case !ranAfter && res == model.Stopped && w.variant.InCallback == model.InCallbackNextCheck:
		rt.Fatalf("STOPPED with no run after the request (at-next-check)\n%s", trace)
	}
}

// checkUnaffected: stops of a handle that is not stoppable change nothing.
func (w *stopWorld) checkUnaffected(rt *rapid.T, base, got outcome) {
	for _, c := range got.codes {
		if c != model.StopNotStoppable && c != model.StopNoLockFunction {
			rt.Fatalf("share %s: stop answered %v", w.share, c)
		}
	}
	if trimmed := withoutStopCalls(got.trace); trimmed != base.trace {
		rt.Fatalf("share %s: the stops changed the trace:\n%s\nbaseline:\n%s", w.share, trimmed, base.trace)
	}
	if len(got.errors) > 0 {
		rt.Fatalf("errors %v", got.errors)
	}
}

// withoutStopCalls drops the easy_stop call and return lines.
func withoutStopCalls(trace string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(trace, "\n") {
		if !strings.Contains(line, " fn=easy_stop") {
			b.WriteString(line)
		}
	}
	return b.String()
}
