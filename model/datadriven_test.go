package model_test

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/model/modeltest"
)

// TestScripts runs the datadriven scenarios in testdata/*.txt. Each command
// prints the canonical trace lines it caused plus its own results.
// Regenerate the golden output with: go test ./model -run TestScripts -rewrite
func TestScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, f := range files {
		if base := filepath.Base(f); strings.HasPrefix(base, "transfer-") || strings.HasPrefix(base, "stop-") {
			continue // TestTransferScripts and TestStopScripts run these
		}
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) {
			w := &world{t: t}
			datadriven.RunTest(t, f, func(t *testing.T, d *datadriven.TestData) string {
				w.t, w.d = t, d
				h, ok := handlers[d.Cmd]
				if !ok {
					t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
				}
				if d.Cmd != "new" && w.m == nil {
					t.Fatalf("%s: %s before new", d.Pos, d.Cmd)
				}
				extra := h(w)
				return w.rec.Take() + extra
			})
		})
	}
}

// world is one scenario: a manual clock, a multi, a recording tracer and an
// application that keeps the one timer and the socket wishes the callbacks
// give it.
type world struct {
	t      *testing.T
	d      *datadriven.TestData
	clock  *modeltest.Clock
	rec    *modeltest.Recorder
	m      *model.Multi
	easies map[int]*model.Easy

	timerSet bool         // the application holds a timer
	timerAt  model.Micros // when it fires
	timerRC  []int        // return values queued for the timer callback
	sockRC   []int
	watched  map[int]model.PollAction
}

var handlers = map[string]func(*world) string{
	"new":      (*world).cmdNew,
	"easy":     (*world).cmdEasy,
	"add":      (*world).cmdAdd,
	"remove":   (*world).cmdRemove,
	"advance":  (*world).cmdAdvance,
	"timeout":  (*world).cmdTimeout,
	"action":   (*world).cmdAction,
	"fire":     (*world).cmdFire,
	"perform":  (*world).cmdPerform,
	"inforead": (*world).cmdInfoRead,
	"expire":   (*world).cmdExpire,
	"clear":    (*world).cmdClear,
	"clearall": (*world).cmdClearAll,
	"timer-rc": (*world).cmdTimerRC,
	"sock-rc":  (*world).cmdSockRC,
	"poll":     (*world).cmdPoll,
	"wait":     (*world).cmdWait,
	"endwait":  (*world).cmdEndWait,
	"wakeup":   (*world).cmdWakeup,
	"state":    (*world).cmdState,
}

func (w *world) fatalf(format string, args ...any) {
	w.t.Helper()
	w.t.Fatalf("%s: %s", w.d.Pos, fmt.Sprintf(format, args...))
}

func (w *world) arg(key string) (string, bool) {
	a, ok := w.d.Arg(key)
	if !ok {
		return "", false
	}
	if len(a.Vals) != 1 {
		w.fatalf("%s takes one value", key)
	}
	return a.Vals[0], true
}

func (w *world) intArg(key string) int {
	s, ok := w.arg(key)
	if !ok {
		w.fatalf("missing %s=", key)
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		w.fatalf("%s=%q: %v", key, s, err)
	}
	return n
}

func (w *world) durArg(key string) (time.Duration, bool) {
	s, ok := w.arg(key)
	if !ok {
		return 0, false
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		w.fatalf("%s=%q: %v", key, s, err)
	}
	return d, true
}

// ids reads id=N or id=(N, M, ...).
func (w *world) ids() []*model.Easy {
	a, ok := w.d.Arg("id")
	if !ok {
		w.fatalf("missing id=")
	}
	var out []*model.Easy
	for _, v := range a.Vals {
		n, err := strconv.Atoi(v)
		if err != nil {
			w.fatalf("id=%q: %v", v, err)
		}
		e := w.easies[n]
		if e == nil {
			w.fatalf("no easy %d", n)
		}
		out = append(out, e)
	}
	return out
}

func (w *world) timerArg() model.TimerID {
	s, ok := w.arg("timer")
	if !ok {
		w.fatalf("missing timer=")
	}
	id, err := model.ParseTimerID(s)
	if err != nil {
		w.fatalf("%v", err)
	}
	return id
}

// cmdNew: new profile=NAME [start=DUR] [verbose]
func (w *world) cmdNew() string {
	name, _ := w.arg("profile")
	p, err := model.ByName(name)
	if err != nil {
		w.fatalf("%v", err)
	}
	start, _ := w.durArg("start")
	w.clock = modeltest.NewClock(model.Micros(start.Microseconds()))
	w.rec = &modeltest.Recorder{}
	w.easies = map[int]*model.Easy{}
	w.timerSet, w.timerRC, w.sockRC = false, nil, nil
	w.watched = map[int]model.PollAction{}
	w.m, err = model.NewMulti(model.Config{Clock: w.clock, Profile: p, Tracer: w.rec,
		Busy: func(_ *model.Easy, d time.Duration) { w.clock.Add(d) }})
	if err != nil {
		w.fatalf("%v", err)
	}
	w.m.SetTimerFunc(w.onTimer)
	w.m.SetSocketFunc(w.onSocket)
	if w.d.HasArg("verbose") {
		return p.String() + "\n"
	}
	return p.Name + "\n"
}

func (w *world) onTimer(_ *model.Multi, ms int64) int {
	if ms < 0 {
		w.timerSet = false
	} else {
		w.timerSet, w.timerAt = true, w.clock.Micros()+model.Micros(ms*1000)
	}
	return pop(&w.timerRC)
}

func (w *world) onSocket(_ *model.Easy, fd int, what model.PollAction) int {
	if what == model.PollRemove {
		delete(w.watched, fd)
	} else {
		w.watched[fd] = what
	}
	return pop(&w.sockRC)
}

func pop(q *[]int) int {
	if len(*q) == 0 {
		return 0
	}
	rc := (*q)[0]
	*q = (*q)[1:]
	return rc
}

// cmdEasy: easy id=N [expect-error], the script as input.
func (w *world) cmdEasy() string {
	id := w.intArg("id")
	s, err := model.ParseScript(w.d.Input)
	if err == nil {
		err = s.Validate(w.m.Profile())
	}
	if w.d.HasArg("expect-error") {
		if err == nil {
			w.fatalf("script parsed, an error was expected")
		}
		return "error: " + err.Error() + "\n"
	}
	if err != nil {
		w.fatalf("%v", err)
	}
	w.easies[id] = model.NewEasy(id, s)
	return ""
}

func (w *world) cmdAdd() string {
	var b strings.Builder
	for _, e := range w.ids() {
		if code := w.m.Add(e); code != model.MOK {
			fmt.Fprintf(&b, "add %d: %v\n", e.ID(), code)
		}
	}
	return b.String()
}

func (w *world) cmdRemove() string {
	var b strings.Builder
	for _, e := range w.ids() {
		if code := w.m.Remove(e); code != model.MOK {
			fmt.Fprintf(&b, "remove %d: %v\n", e.ID(), code)
		}
	}
	return b.String()
}

// cmdAdvance: advance by=DUR | to=DUR
func (w *world) cmdAdvance() string {
	if d, ok := w.durArg("by"); ok {
		w.clock.Add(d)
	} else if d, ok := w.durArg("to"); ok {
		w.clock.Set(model.Micros(d.Microseconds()))
	} else {
		w.fatalf("advance needs by= or to=")
	}
	return fmt.Sprintf("now=%d\n", w.clock.Micros())
}

func (w *world) cmdTimeout() string {
	w.m.Timeout()
	return ""
}

// cmdAction: action fd=timeout|N [ev=in|out|err|inout]
func (w *world) cmdAction() string {
	fd := model.SocketTimeout
	if s, _ := w.arg("fd"); s != "timeout" {
		fd = w.intArg("fd")
	}
	var ev model.Events
	if s, ok := w.arg("ev"); ok {
		for _, part := range strings.Split(s, "|") {
			switch part {
			case "in":
				ev |= model.EvIn
			case "out":
				ev |= model.EvOut
			case "err":
				ev |= model.EvErr
			default:
				w.fatalf("ev=%q", s)
			}
		}
	}
	w.m.SocketAction(fd, ev)
	return ""
}

// cmdFire: the application's timer fires (optionally early= or late= by a
// duration): the clock moves there, the timer is used up, and the
// application calls SocketAction(timeout), or Perform with via=perform.
func (w *world) cmdFire() string {
	if !w.timerSet {
		return "app: no timer to fire\n"
	}
	at := w.timerAt
	if d, ok := w.durArg("early"); ok {
		at -= model.Micros(d.Microseconds())
	}
	if d, ok := w.durArg("late"); ok {
		at += model.Micros(d.Microseconds())
	}
	if at > w.clock.Micros() {
		w.clock.Set(at)
	}
	w.timerSet = false
	if via, _ := w.arg("via"); via == "perform" {
		w.m.Perform()
	} else {
		w.m.SocketAction(model.SocketTimeout, 0)
	}
	return ""
}

func (w *world) cmdPerform() string {
	w.m.Perform()
	return ""
}

func (w *world) cmdInfoRead() string {
	for {
		if _, _, ok := w.m.InfoRead(); !ok {
			return ""
		}
	}
}

func (w *world) cmdExpire() string {
	ms := w.intArg("ms")
	for _, e := range w.ids() {
		if err := e.Expire(w.timerArg(), int64(ms)); err != nil {
			return "error: " + err.Error() + "\n"
		}
	}
	return ""
}

func (w *world) cmdClear() string {
	for _, e := range w.ids() {
		if err := e.ExpireClear(w.timerArg()); err != nil {
			return "error: " + err.Error() + "\n"
		}
	}
	return ""
}

func (w *world) cmdClearAll() string {
	for _, e := range w.ids() {
		e.ExpireClearAll()
	}
	return ""
}

func (w *world) cmdTimerRC() string {
	w.timerRC = append(w.timerRC, w.intArg("rc"))
	return ""
}

func (w *world) cmdSockRC() string {
	w.sockRC = append(w.sockRC, w.intArg("rc"))
	return ""
}

func (w *world) cmdPoll() string {
	spec, _ := w.m.Poll(int64(w.intArg("ms")))
	return fmtSpec(spec)
}

func (w *world) cmdWait() string {
	spec, _ := w.m.Wait(int64(w.intArg("ms")))
	return fmtSpec(spec)
}

func fmtSpec(s model.WaitSpec) string {
	var parts []string
	for _, x := range s.Sockets {
		parts = append(parts, fmt.Sprintf("%d:%v", x.FD, x.What))
	}
	return fmt.Sprintf("wait-on: sockets=[%s] wakeup=%v ready=%v timeout=%d\n",
		strings.Join(parts, " "), s.WatchWakeup, s.WakeupReady, s.TimeoutMs)
}

func (w *world) cmdEndWait() string {
	if _, err := w.m.EndWait(w.d.HasArg("woken")); err != nil {
		return "error: " + err.Error() + "\n"
	}
	return ""
}

func (w *world) cmdWakeup() string {
	w.m.Wakeup()
	return ""
}

// cmdState prints the application's view and every transfer's timers.
func (w *world) cmdState() string {
	var b strings.Builder
	fmt.Fprintf(&b, "now=%d dead=%v running=%d index=%d\n", w.clock.Micros(), w.m.Dead(), w.m.Running(), w.m.IndexLen())
	if w.timerSet {
		fmt.Fprintf(&b, "app timer at %d\n", w.timerAt)
	} else {
		b.WriteString("app timer none\n")
	}
	fds := make([]int, 0, len(w.watched))
	for fd := range w.watched {
		fds = append(fds, fd)
	}
	sort.Ints(fds)
	for _, fd := range fds {
		fmt.Fprintf(&b, "app watches fd %d %v\n", fd, w.watched[fd])
	}
	ids := make([]int, 0, len(w.easies))
	for id := range w.easies {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		b.WriteString(easyState(w.easies[id]))
	}
	if err := w.m.Check(); err != nil {
		fmt.Fprintf(&b, "check: %v\n", err)
	}
	return b.String()
}

func easyState(e *model.Easy) string {
	var b strings.Builder
	fmt.Fprintf(&b, "easy %d %v", e.ID(), e.State())
	if e.State() == model.StateCompleted {
		fmt.Fprintf(&b, " result=%v", e.Result())
	}
	if key, ok := e.Key(); ok {
		fmt.Fprintf(&b, " key=%d", key)
	}
	if e.Dirty() {
		b.WriteString(" dirty")
	}
	for _, dl := range e.Deadlines(nil) {
		fmt.Fprintf(&b, " %v@%d", dl.ID, dl.At)
	}
	b.WriteString("\n")
	return b.String()
}
